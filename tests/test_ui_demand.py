"""The Demand and capacity page (issue 15 item 4): contacts by channel beside appointments and
staff, per 1,000 patients, monthly SPC trends, and what to import where a figure is missing.

Hand-checked (real samples, October 2025): D81001 inbound calls 4,051 (CBT workbook, Table 3),
appointments 6,649 (GPAD crosstab subset).
"""

from __future__ import annotations

import pytest

from practice_desk import demo
from practice_desk.importing import import_file
from practice_desk.metrics import Selection, demand, metric_rows, period_summary
from practice_desk.metrics.national import national_series
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
    # England's spread from the telephony workbook, as on the Telephony page.
    england = {item["month"]: item for item in national_series(conn, "calls_per_1000", None,
                                                                None)}
    assert chart.band == [(england[m]["p10"], england[m]["median"], england[m]["p90"])
                          for m in months]


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


OC_OCT_25 = "Submissions via OC Systems in General Practice - October 2025.xlsx"


def test_online_requests_join_calls_real_october_2025(real_window, data_dir):
    """D81001: 4,051 calls (CBT) + 3,191 online submissions (1,935 clinical, 1,256 admin) =
    7,242 contacts; 6,649 appointments = 0.918 per contact."""
    conn = real_window.state.conn
    path = data_dir / "online_consultation" / OC_OCT_25
    assert import_file(conn, path).status == "done"
    page = show(real_window, "practice", "D81001")
    online = row_of(page, "oc_submissions")
    assert online["monthly"] == 3191
    assert online["per_1000"] == pytest.approx(3191 / 14584 * 1000)  # 218.80, as published
    assert row_of(page, "oc_clinical_submissions")["monthly"] == 1935
    assert row_of(page, "oc_admin_submissions")["monthly"] == 1256
    assert row_of(page, "contacts")["monthly"] == 4051 + 3191
    assert page.tiles["appointments_per_contact"].value.text() == f"{6649 / 7242:,.2f}"
    assert page.tiles["online_share_of_contacts"].value.text() == f"{3191 / 7242:.1%}"
    # England's spread of online requests per 1,000 from every practice of the workbook, each
    # the publication's own rate (numpy's percentiles as a second implementation).
    import numpy as np

    rates = [s / p * 1000 for s, p in conn.execute(
        "SELECT submissions, patients FROM oc_practice_months WHERE submissions IS NOT NULL "
        "AND patients > 0")]
    band = demand.england_band(conn, "oc_submissions_per_1000", "2025-10", "2025-10")
    assert band["practices"] == len(rates) > 5000
    assert band["median"] == pytest.approx(float(np.percentile(rates, 50)))
    assert band["p10"] == pytest.approx(float(np.percentile(rates, 10)))
    assert online["england"] == (f"{band['median']:,.1f} ({band['p10']:,.1f} to "
                                 f"{band['p90']:,.1f}), {len(rates):,} practices")
    # England's online requests by weekday and time band (Table 3) are shown; this practice has
    # no call log or CBT daily CSVs, so the note says what would put its calls beside them.
    assert page.england_bands.isVisible() and not page.own_bands.isVisible()
    shares = page.england_bands.values
    assert sum(v for row in shares for v in row) == pytest.approx(1.0)
    monday_8am = conn.execute("SELECT average FROM oc_england_times WHERE weekday = 0 AND "
                              "band = '08:00 - 09:59'").fetchone()[0]
    week = conn.execute("SELECT SUM(average) FROM oc_england_times WHERE band != 'Unknown'"
                        ).fetchone()[0]
    assert shares[0][2] == pytest.approx(monday_8am / week)
    assert "import a call log or NHS England's CBT daily CSVs" in page.bands_note.text()
    # The Overview's tiles for the two demand measures.
    real_window.show_page("Overview")
    overview = real_window.pages["Overview"]
    assert overview.tiles["oc_submissions_per_1000"].value.text() == "218.8"
    assert overview.tiles["appointments_per_contact"].value.text() == f"{6649 / 7242:,.2f}"


def test_pcn_comparison_has_the_new_measures(conn, data_dir, crosstab_csv, mapping_csv):
    from practice_desk.reports.comparison import COMPARE_KEYS, compare

    for path in (crosstab_csv, mapping_csv, data_dir / "online_consultation" / OC_OCT_25):
        assert import_file(conn, path).status == "done"
    assert {"oc_submissions_per_1000", "appointments_per_contact",
            "patients_per_gp_fte"} <= set(COMPARE_KEYS)
    codes = [c for (c,) in conn.execute("SELECT ods_code FROM practices WHERE pcn_code = "
                                        "'U88254' ORDER BY ods_code")]
    found = compare(conn, codes, "oc_submissions_per_1000", "2025-10", "2025-10", pcn="U88254")
    assert found.values["D81001"] == pytest.approx(3191 / 14584 * 1000)  # 218.80 as published
    published = dict(conn.execute("SELECT ods_code, submissions * 1000.0 / patients FROM "
                                  "oc_practice_months WHERE submissions IS NOT NULL"))
    for code in codes:
        assert found.values[code] == pytest.approx(published.get(code)) if code in published \
            else found.values[code] is None
    assert found.band == demand.england_band(conn, "oc_submissions_per_1000", "2025-10",
                                             "2025-10")
    assert found.band["practices"] > 5000


def test_chart_pack_has_the_demand_charts(make_window, db_copy):
    from practice_desk.reports.anonymise import Anonymiser
    from practice_desk.reports.scope import ExportScope
    from ui.chart_pack import build_pack

    window = make_window(db_copy)  # a QApplication and the demo database
    conn = window.state.conn
    pack = build_pack(conn, ExportScope(pcn=demo.DEMO_PCN), Anonymiser([], enabled=False))
    slugs = [chart.slug for chart in pack]
    for key in ("contacts_per_1000", "appointments_per_contact", "oc_submissions_per_1000",
                "patients_per_gp_fte"):
        assert f"{demo.DEMO_PCN.lower()}-{key}" in slugs
    for key in ("oc_submissions_per_1000", "appointments_per_contact"):
        assert f"compare-{key}" in slugs
    chart = pack[slugs.index(f"{demo.DEMO_PCN.lower()}-appointments_per_contact")].build(1.0)
    rows = metric_rows(conn, Selection(pcn=demo.DEMO_PCN))
    shown = [row["appointments_per_contact"] for row in rows
             if row["appointments_per_contact"] is not None]
    assert [v for v in chart.values if v is not None] == shown
    chart.deleteLater()


def test_demo_contacts_per_1000_counts_only_practices_with_both_channels(demo_window):
    """In the demo one practice has calls but no online requests for some months: its patients
    must not be in the denominator of contacts per 1,000 (the table once said 442.8 beside the
    tile's 453.2 for the same measure and period)."""
    page = show(demo_window, "pcn", demo.DEMO_PCN)
    conn, selection = demo_window.state.conn, demo_window.state.selection
    contacts = row_of(page, "contacts")
    counted = patients = 0
    codes = selection.practices(conn)
    partial_month = False
    for row in metric_rows(conn, selection):
        if row["contacts"] is None:
            continue
        month = row["month"]
        both = [code for code in codes if conn.execute(
            "SELECT 1 FROM oc_practice_months WHERE ods_code = ? AND month = ? "
            "AND submissions IS NOT NULL", (code, month)).fetchone()]
        partial_month |= len(both) < len(codes)
        counted += row["contacts"]
        for code in both:
            patients += conn.execute(
                "SELECT patients FROM list_sizes WHERE ods_code = ? AND extract_date <= ? "
                "ORDER BY extract_date DESC LIMIT 1", (code, month + "-31")).fetchone()[0]
    assert partial_month  # the case this test is about is in the demo
    assert contacts["per_1000"] == pytest.approx(counted / patients * 1000)
    assert page.tiles["contacts_per_1000"].value.text() == f"{contacts['per_1000']:,.1f}"


def test_blank_per_1000_column_says_which_list_size_to_import(real_window, population_csv):
    """The only list-size extract (February 2026) is after October 2025: the per-1,000 column is
    blank and the page says why and what to import, not just 'needs list sizes'."""
    assert import_file(real_window.state.conn, population_csv).status == "done"
    page = show(real_window, "practice", "D81001")
    assert row_of(page, "inbound_calls")["per_1000"] is None
    note = page.missing.text()
    assert page.missing.isVisible()
    assert "Per-1,000 figures for October 2025 are blank" in note
    assert "2026, after October 2025" in note and "dated on or before October 2025" in note


def test_appointments_page_says_why_per_1000_is_blank(real_window, population_csv):
    """The Appointments page's 'Per 1,000 patients a month' is blank with only a later list-size
    extract (February 2026) than the month (October 2025): the page says which to import."""
    assert import_file(real_window.state.conn, population_csv).status == "done"
    show(real_window, "practice", "D81001")
    real_window.show_page("Appointments")
    page = real_window.pages["Appointments"]
    assert page.tiles["appointments_per_1000"].text() == "–"
    assert "Per-1,000 figures for October 2025 are blank" in page.quality.text()
    assert "dated on or before October 2025" in page.quality.text()


def test_appointments_per_clinical_fte_is_the_contract_figure(demo_window):
    """The table's 'Per clinical FTE' for appointments is the contract's period figure, which
    pairs each practice's appointments with its own staff (the table once divided by every
    practice's FTE: 388.9 beside the trend's 390.4)."""
    page = show(demo_window, "pcn", demo.DEMO_PCN)
    conn, selection = demo_window.state.conn, demo_window.state.selection
    expected = period_summary(conn, selection)["appointments_per_clinical_fte"]
    assert expected
    assert row_of(page, "appointments_total")["per_fte"] == pytest.approx(expected)


def test_england_band_is_worked_out_in_the_background(demo_window, qtbot, monkeypatch):
    """When the window opens it works out England's calls per 1,000 (series, and each
    practice's monthly parts for a band over any range) on a worker thread, so the page's
    first refresh reads none of it; the band it shows is the one read directly."""
    from practice_desk.metrics import national
    from ui.pages.demand import england_words

    demo_window.start()
    qtbot.waitUntil(lambda: demo_window.national_task.done.is_set(), timeout=30_000)
    read = []
    band, series = national._national_band, national.national_series_uncached
    monkeypatch.setattr(national, "_national_band", lambda *a: read.append(a) or band(*a))
    monkeypatch.setattr(national, "national_series_uncached",
                        lambda *a: read.append(a) or series(*a))
    demo_window.selector.choose("pcn", demo.DEMO_PCN)
    demo_window.show_page("Demand and capacity")
    page = demo_window.pages["Demand and capacity"]
    months = [r["month"] for r in metric_rows(demo_window.state.conn, demo_window.state.selection)
              if any(r.get(k) is not None for k in demand.ANY_KEYS)]
    assert read == []
    expected = band(demo_window.state.conn, "calls_per_1000", months[0], months[-1])
    assert expected["practices"] >= 3 and len(months) == 24
    assert row_of(page, "inbound_calls")["england"] == england_words(expected, "calls_per_1000")
