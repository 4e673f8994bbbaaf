"""The Demand and capacity page (issue 15 item 4): contacts by channel beside appointments and
staff, per 1,000 patients, monthly SPC trends, and what to import where a figure is missing.

Hand-checked (real samples, October 2025): D81001 inbound calls 4,051 (CBT workbook, Table 3),
appointments 6,649 (GPAD crosstab subset).
"""

from __future__ import annotations

import pytest

from practice_desk import demo
from practice_desk.importing import import_file
from practice_desk.metrics import Selection, demand, metric_rows
from tests import pack_fixtures

demo_db, db_copy = pack_fixtures.demo_db, pack_fixtures.db_copy
CBT_WORKBOOK = "Cloud Based Telephony Publication Summary October 2025_v2.xlsx"


def show(window, kind: str, code: str):
    window.start()
    window.selector.choose(kind, code)
    window.show_page("Demand and capacity")
    return window.pages["Demand and capacity"]


def row_of(page, key: str) -> dict:
    return next(row for row in page.model.rows if row["key"] == key)


@pytest.fixture
def real_window(make_window, db_path, data_dir, crosstab_csv):
    window = make_window(db_path, first_run_done=True)
    for path in (data_dir / CBT_WORKBOOK, crosstab_csv):
        assert import_file(window.state.conn, path).status == "done"
    return window


def test_calls_and_appointments_from_real_files_and_what_is_missing(real_window):
    page = show(real_window, "practice", "D81001")
    assert page.content.isVisible() and not page.empty.isVisible()
    calls, appointments = row_of(page, "inbound_calls"), row_of(page, "appointments_total")
    assert calls["monthly"] == 4051 and calls["months"] == 1
    assert calls["latest_text"] == "4,051 (Oct 25)"
    assert appointments["monthly"] == 6649
    # No list size on or before October 2025 in the database: no per-1,000 figure, not a guess.
    assert calls["per_1000"] is None and appointments["per_1000"] is None
    assert row_of(page, "oc_submissions")["months"] == 0
    missing = page.missing.text()
    assert "Online Consultation Systems in General Practice" in missing
    assert "Workforce practice-level detailed CSV" in missing
    assert missing.count("Workforce") == 1  # one line per file to import
    tile = page.tiles["appointments_per_contact"]
    assert tile.value.text() == "–" and "Needs appointments, calls and online" in \
        tile.context.text()
    assert not any(chart.isVisible() for chart in page.charts.values())
    assert "Calls per 1,000 patients" in page.trend_note.text()


@pytest.fixture
def demo_window(make_window, db_copy):
    return make_window(db_copy)


def test_demo_pcn_rates_sum_first_and_trends(demo_window):
    page = show(demo_window, "pcn", demo.DEMO_PCN)
    conn = demo_window.state.conn
    selection = demo_window.state.selection
    rows = metric_rows(conn, selection)
    calls = row_of(page, "inbound_calls")
    months = [r["month"] for r in rows if r["inbound_calls"] is not None]
    assert calls["months"] == len(months) == 24
    assert calls["monthly"] == pytest.approx(sum(r["inbound_calls"] for r in rows
                                                 if r["inbound_calls"] is not None) / 24)
    # Per 1,000: calls summed over the months / list sizes summed over the same months (the
    # extract nearest to, and not after, each month), here read straight from the table.
    codes = [p for (p,) in conn.execute("SELECT ods_code FROM practices WHERE pcn_code = ?",
                                        (demo.DEMO_PCN,))]
    patients = 0
    for month in months:
        for code in codes:
            patients += conn.execute(
                "SELECT patients FROM list_sizes WHERE ods_code = ? AND extract_date <= ? "
                "ORDER BY extract_date DESC LIMIT 1", (code, month + "-31")).fetchone()[0]
    total = sum(r["inbound_calls"] for r in rows if r["inbound_calls"] is not None)
    assert calls["per_1000"] == pytest.approx(total / patients * 1000)
    chart = page.charts["calls_per_1000"]
    assert chart.isVisible()
    assert chart.values == [r["calls_per_1000"] for r in rows]
    assert chart.analysis is not None and chart.icons.texts()
    # The demo's 25 practices are not England: no spread is drawn from them.
    assert chart.band == [None] * 24 and "national files" in page.england_note.text()


def test_a_practice_then_no_selection(demo_window):
    page = show(demo_window, "practice", "DEM001")
    assert page.content.isVisible()
    demo_window.state.set_selection(None)
    page.refresh()
    assert page.empty.isVisible() and not page.content.isVisible()


def test_england_spread_needs_the_national_file(conn, crosstab_csv):
    assert import_file(conn, crosstab_csv).status == "done"
    assert demand.england_series(conn, "appointments_per_1000", None, None) == []
    assert demand.england_band(conn, "appointments_per_1000", None, None) is None
    assert demand.england_series(conn, "contacts_per_1000", None, None) == []
    assert demand.figures(conn, Selection(practice="D81001"))[0].months == 0  # no calls
