"""The NHS App page: empty state, the demo PCN's figures, per-1,000 across the PCN, the
year-to-date table and England's figures against the national ambition."""

from __future__ import annotations

import pytest

from practice_desk import demo
from practice_desk.importing import import_file
from practice_desk.importing.runner import ImportOptions
from practice_desk.metrics import Selection, metric_rows
from practice_desk.nhs_app.demo_app import write_app_export
from ui.pages.nhs_app import NhsAppPage


@pytest.fixture
def window(make_window, db_path):
    return make_window(db_path, first_run_done=True)


def page_for(window, qtbot, selection: Selection) -> NhsAppPage:
    window.start()
    window.selector.choose(selection.scope_key, selection.code)
    page = window.pages.get("NHS App")
    if not isinstance(page, NhsAppPage):  # before the window lists the page
        page = NhsAppPage(window.state)
        qtbot.addWidget(page)
        page.resize(1300, 1500)
        page.show()
    else:
        window.show_page("NHS App")
    page.refresh()
    return page


@pytest.fixture
def demo_app(window, tmp_path):
    """The demo's NHS App export, with the five demo practices in one PCN."""
    conn = window.state.conn
    export = write_app_export(tmp_path, demo.PRACTICES, demo.demo_months(), demo.list_size)
    assert import_file(conn, export).status == "done"
    conn.execute("UPDATE practices SET pcn_code = 'DEMPCN', pcn_name = 'DEMO Riverside PCN' "
                 "WHERE ods_code LIKE 'DEM%'")
    return window


def test_empty_state_without_nhs_app_figures(window, qtbot, crosstab_csv):
    assert import_file(window.state.conn, crosstab_csv).status == "done"
    page = page_for(window, qtbot, Selection(practice="D81001"))
    assert page.empty.isVisible() and not page.content.isVisible()
    assert "No NHS App" in page.empty.text()


def test_demo_pcn_trends_comparison_and_ytd(demo_app, qtbot):
    page = page_for(demo_app, qtbot, Selection(pcn="DEMPCN"))
    assert page.content.isVisible() and not page.empty.isVisible()
    rows = metric_rows(demo_app.state.conn, Selection(pcn="DEMPCN"))
    latest = rows[-1]
    assert latest["month"] == "2025-10"
    assert page.tiles["app_logins"].value.text() == f"{latest['app_logins']:,}"
    assert "year to date" in page.tiles["app_logins"].context.text()
    assert page.trend.values == [row["app_logins"] for row in rows]
    assert len(page.trend.values) == 24
    # Per 1,000 across the PCN's five practices, in the latest month.
    assert [code for code, _ in page.comparison_values] == [f"DEM00{i}" for i in range(1, 6)]
    first = metric_rows(demo_app.state.conn, Selection(practice="DEM001"))[-1]
    assert page.comparison_values[0][1] == pytest.approx(first["app_logins_per_1000"])
    # Year to date: one row per NHS App measure, with the change the metrics give.
    model = page.ytd_model
    assert model.rowCount() == 10
    logins = model.row(0)
    assert logins["key"] == "app_logins" and logins["months"] == "Apr 25 to Oct 25"
    assert logins["change"] == pytest.approx(latest["app_logins_ytd_change"])
    assert logins["this_year"] == sum(r["app_logins"] for r in rows if r["month"] >= "2025-04")
    assert "13+" in page.denominator.text()
    assert "15 million" in page.ambitions.text()
    assert not page.national.isVisible()  # no England figures imported


def test_choosing_a_per_1000_trend(demo_app, qtbot):
    page = page_for(demo_app, qtbot, Selection(practice="DEM003"))
    page.trend_key.setCurrentIndex(page.trend_key.findData("app_prescriptions_ordered_per_1000"))
    rows = metric_rows(demo_app.state.conn, Selection(practice="DEM003"))
    assert page.trend.values == [row["app_prescriptions_ordered_per_1000"] for row in rows]
    assert "DEMPCN" in page.comparison_note.text()


def test_england_against_the_ambition(demo_app, qtbot, data_dir):
    from practice_desk.importing.mapping_step import propose

    path = data_dir / "nhs_app" / "nhs_app_icb_statistics.csv"
    mapping = propose(path, demo_app.state.conn).mapping
    assert import_file(demo_app.state.conn, path,
                       options=ImportOptions(mapping=mapping)).status == "done"
    page = page_for(demo_app, qtbot, Selection(pcn="DEMPCN"))
    assert page.national.isVisible()
    assert page.national.values == [3250000, 3190000]
    labels = [line.label.format for line in page._ambition_lines]
    assert any("3.5 m" in text for text in labels)
