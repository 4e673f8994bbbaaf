"""Every imported GPAD area feed on screen (issue 15 item 5): sub-ICB/CCG series as a context
line and as a scope, appointments by national category, and CBT daily calls by weekday x band.

Hand counts from the real samples (awk over the CSVs):
- Regional_CSV_Somerset.csv, 11X, MAR2019: 289,783 appointments, 184,325 face-to-face,
  124,661 same day.
- National_Categories_subset_Nov_24.csv, 06H: 550,811 appointments, 153,771 General
  Consultation Routine, 30 days.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from practice_desk.importing import import_file
from practice_desk.metrics import Selection, SelectionError, area, metric_rows, period_summary
from practice_desk.metrics.time_bands import cbt_weekday_bands

SOMERSET_MAR19 = (289_783, 184_325, 124_661)
CROSSTAB_HEADER = ("APPOINTMENT_MONTH_START_DATE,GP_CODE,GP_NAME,SUPPLIER,PCN_CODE,PCN_NAME,"
                   "SUB_ICB_LOCATION_CODE,SUB_ICB_LOCATION_NAME,HCP_TYPE,APPT_MODE,"
                   "NATIONAL_CATEGORY,TIME_BETWEEN_BOOK_AND_APPT,COUNT_OF_APPOINTMENTS,"
                   "APPT_STATUS\n")


def somerset_practice(folder: Path) -> Path:
    """A made-up practice in 11X for March and April 2019: 70 % and 60 % face-to-face."""
    lines = [CROSSTAB_HEADER]
    for month, f2f, phone in (("01MAR2019", 70, 30), ("01APR2019", 60, 40)):
        for mode, count in (("Face-to-Face", f2f), ("Telephone", phone)):
            lines.append(f"{month},L99001,TEST SURGERY,EMIS,U99999,TEST PCN,11X,"
                         f"NHS Somerset CCG,GP,{mode},General Consultation Routine,"
                         f"Same Day,{count},Attended\n")
    path = folder / "Practice_Level_Crosstab_Somerset_test.csv"
    path.write_text("".join(lines), encoding="utf-8")
    return path


@pytest.fixture
def somerset(conn, regional_csv, tmp_path):
    assert import_file(conn, regional_csv).status == "done"
    assert import_file(conn, somerset_practice(tmp_path)).status == "done"
    return conn


def test_regional_series_hand_counted(somerset):
    total, f2f, same_day = SOMERSET_MAR19
    values = area.monthly_values(somerset, "11X")
    assert len(values) == 30 and min(values) == "2019-03" and max(values) == "2021-08"
    march = values["2019-03"]
    assert march["appointments_total"] == total
    assert march["f2f_share"] == pytest.approx(f2f / total)
    assert march["same_day_share"] == pytest.approx(same_day / total)
    assert march["appointments_per_1000"] is None  # no list size for an area
    assert march["unmapped_category_share"] is None  # no category in area files
    assert area.sub_icb_of(somerset, ["L99001"])["name"] == "NHS Somerset CCG"


def test_area_is_a_scope_of_its_own(somerset):
    total, f2f, _ = SOMERSET_MAR19
    rows = metric_rows(somerset, Selection(area="11X", start="2019-03", end="2019-04"))
    assert [row["month"] for row in rows] == ["2019-03", "2019-04"]
    assert rows[0]["appointments_total"] == total and rows[0]["inbound_calls"] is None
    summary = period_summary(somerset, Selection(area="11X", start="2019-03", end="2019-03"))
    assert summary["f2f_share"] == pytest.approx(f2f / total)
    with pytest.raises(SelectionError):
        metric_rows(somerset, Selection(area="ZZZ"))
    with pytest.raises(SelectionError):
        Selection(area="11X", pcn="U99999")
    # The practice's own figures are its own, never mixed with the area's.
    practice = metric_rows(somerset, Selection(practice="L99001"))
    assert [row["appointments_total"] for row in practice] == [100, 100]


def test_a_month_in_a_monthly_and_a_daily_file_is_counted_once(somerset, tmp_path):
    daily = tmp_path / "SUB_ICB_LOCATION_CSV_MAR_19.csv"
    daily.write_text(
        "SUB_ICB_LOCATION_CODE,SUB_ICB_LOCATION_ONS_CODE,SUB_ICB_LOCATION_NAME,ICB_ONS_CODE,"
        "REGION_ONS_CODE,Appointment_Date,APPT_STATUS,HCP_TYPE,APPT_MODE,"
        "TIME_BETWEEN_BOOK_AND_APPT,COUNT_OF_APPOINTMENTS\n"
        "11X,E38000150,NHS Somerset CCG,E54000038,E40000006,01MAR2019,Attended,GP,"
        "Face-to-Face,Same Day,500\n"
        "11X,E38000150,NHS Somerset CCG,E54000038,E40000006,01SEP2021,Attended,GP,"
        "Telephone,Same Day,40\n", encoding="utf-8")
    assert import_file(somerset, daily).status == "done"
    values = area.monthly_values(somerset, "11X")
    assert values["2019-03"]["appointments_total"] == SOMERSET_MAR19[0]  # the monthly file's
    assert values["2021-09"]["appointments_total"] == 40  # a month only the daily file has
    assert values["2021-09"]["telephone_share"] == 1.0


def test_national_categories_hand_counted(conn, categories_csv):
    assert import_file(conn, categories_csv).status == "done"
    rows = area.categories(conn, "06H")
    assert sum(row["appointments"] for row in rows) == 550_811
    routine = rows[0]
    assert routine["category"] == "General Consultation Routine"
    assert routine["appointments"] == 153_771
    assert routine["share"] == pytest.approx(153_771 / 550_811)
    assert [row["category"] for row in rows][-2:] in (
        ["Unmapped", "Inconsistent Mapping"], ["Inconsistent Mapping", "Unmapped"])
    assert area.category_days(conn, "06H") == ("2024-11-01", "2024-11-30", 30)
    assert area.categories(conn, "06H", "2024-12", "2025-01") == []


def cbt_daily_file(folder: Path) -> Path:
    """Made-up CBT daily rows for D81001: two Mondays, one Tuesday."""
    path = folder / "cbt_daily.csv"
    path.write_text(
        "Date,REGION_CODE,ICB_CODE,SUB_ICB_LOCATION_CODE,PCN_CODE,PRACTICE_CODE,Indicator,"
        "Time_Category,Value\n"
        "2025-10-06,Y61,QUE,06H,U88254,D81001,CBT001,08:00 - 09:59,120\n"
        "2025-10-06,Y61,QUE,06H,U88254,D81001,CBT001,10:00 - 11:59,80\n"
        "2025-10-06,Y61,QUE,06H,U88254,D81001,CBT001,TOTAL,200\n"
        "2025-10-13,Y61,QUE,06H,U88254,D81001,CBT001,08:00 - 09:59,100\n"
        "2025-10-07,Y61,QUE,06H,U88254,D81001,CBT001,18:30 - 23:59,5\n"
        "2025-10-07,Y61,QUE,06H,U88254,D81001,CBT003,08:00 - 09:59,70\n", encoding="utf-8")
    return path


def test_cbt_daily_weekday_bands(conn, tmp_path):
    assert import_file(conn, cbt_daily_file(tmp_path)).status == "done"
    found = cbt_weekday_bands(conn, ["D81001"], "2025-10", "2025-10")
    assert found.bands == ["08:00 - 09:59", "10:00 - 11:59", "18:30 - 23:59"]
    assert found.days[0] == 2 and found.days[1] == 1  # two Mondays, one Tuesday
    assert found.counts[0] == [220, 80, 0] and found.counts[1] == [0, 0, 5]
    assert found.per_day()[0] == [110, 40, 0] and found.per_day()[2] == [None, None, None]
    assert found.total == 305  # CBT001 only; the TOTAL row is not added again
    assert cbt_weekday_bands(conn, ["D81001"], "2025-11", "2025-11").total == 0


# --- on screen ---------------------------------------------------------------------------------
@pytest.fixture
def window(make_window, db_path):
    return make_window(db_path, first_run_done=True)


def test_appointments_chart_has_the_sub_icb_line(window, regional_csv, tmp_path):
    conn = window.state.conn
    assert import_file(conn, regional_csv).status == "done"
    assert import_file(conn, somerset_practice(tmp_path)).status == "done"
    window.start()
    window.selector.choose("practice", "L99001")
    window.show_page("Appointments")
    page = window.pages["Appointments"]
    chart = page.charts["f2f_share"]
    assert chart.values == [pytest.approx(0.7), pytest.approx(0.6)]
    total, f2f, _ = SOMERSET_MAR19
    assert chart.context[0] == pytest.approx(f2f / total)
    assert chart.context_name == "Your sub-ICB: NHS Somerset CCG"
    legend = [label.text for _, label in chart.plotItem.legend.items]
    assert legend == ["This selection", "Your sub-ICB: NHS Somerset CCG"]
    assert "NHS Somerset CCG" in page.context_note.text()
    # Its appointments by category beside nothing: no national categories file for 11X.
    assert page.category_model.rows[0]["appointments"] == 200
    assert "import GPAD's national categories file" in page.category_note.text()


def test_area_chosen_in_the_selector(window, regional_csv, qtbot):
    assert import_file(window.state.conn, regional_csv).status == "done"
    window.start()
    entries = [window.selector.scope.itemText(i) for i in range(window.selector.scope.count())]
    assert "NHS Somerset CCG (11X), CCG - area" in entries
    window.selector.choose("area", "11X")
    assert window.state.selection.area == "11X"
    assert window.state.selection.start == "2019-09" and window.state.selection.end == "2021-08"
    window.show_page("Appointments")
    page = window.pages["Appointments"]
    assert page.content.isVisible() and len(page.charts["f2f_share"].values) == 24
    assert page.tiles["appointments_per_1000"].text() == "–"
    assert sum(row["total"] for row in page.breakdown_model.rows) == \
        period_summary(window.state.conn, window.state.selection)["appointments_total"]
    # Pages of practices say what an area can show instead of failing.
    window.show_page("Telephony")
    telephony = window.pages["Telephony"]
    assert telephony._area_note.isVisible() and not telephony._scroll.isVisible()
    assert "Appointments page" in telephony._area_note.text()


def test_categories_beside_the_practice(window, crosstab_csv, mapping_csv, categories_csv):
    conn = window.state.conn
    for path in (crosstab_csv, mapping_csv, categories_csv):
        assert import_file(conn, path).status == "done"
    window.start()
    window.selector.choose("practice", "D81001")
    window.show_page("Appointments")
    page = window.pages["Appointments"]
    rows = {row["category"]: row for row in page.category_model.rows}
    assert sum(row["appointments"] or 0 for row in rows.values()) == 6649
    routine = rows["General Consultation Routine"]
    assert routine["area_appointments"] == 153_771
    assert routine["area_share"] == pytest.approx(153_771 / 550_811)
    # The file's month (Nov 24) is outside the practice's (Oct 25): the note says so.
    assert "nearest month, Nov 24" in page.category_note.text()
    assert "No line for your sub-ICB" in page.context_note.text()


def test_telephony_page_shows_cbt_daily_bands_without_a_call_log(window, tmp_path,
                                                                 crosstab_csv):
    conn = window.state.conn
    for path in (crosstab_csv, cbt_daily_file(tmp_path)):
        assert import_file(conn, path).status == "done"
    window.start()
    window.selector.choose("practice", "D81001")
    window.show_page("Telephony")
    page = window.pages["Telephony"]
    assert page.bands.isVisible() and not page.heatmap.isVisible()
    assert page.bands.values[0] == [110, 40, 0]
    assert "CBT daily CSVs, 3 days" in page.hours_note.text()


def test_workbook_has_categories_beside_the_sub_icb(conn, crosstab_csv, mapping_csv,
                                                    categories_csv, tmp_path):
    from openpyxl import load_workbook

    from practice_desk.reports.excel import write_workbook
    from practice_desk.reports.scope import ExportScope

    for path in (crosstab_csv, mapping_csv, categories_csv):
        assert import_file(conn, path).status == "done"
    out = write_workbook(conn, ExportScope(practices=("D81001",)), tmp_path / "out.xlsx")
    ws = load_workbook(out)["Appointments"]
    ref = ws.tables["Appointments_by_category"].ref
    rows = [[cell.value for cell in row] for row in ws[ref]]
    assert rows[0] == ["National category", "Appointments", "Share", "Sub-ICB share"]
    body = {row[0]: row for row in rows[1:]}
    assert sum(row[1] or 0 for row in body.values()) == 6649
    assert body["General Consultation Routine"][3] == pytest.approx(153_771 / 550_811)
    assert body["Home Visit"][1] == 35
    notes = [cell.value for cell in ws["A"] if isinstance(cell.value, str)]
    assert any("30 days from 2024-11-01 to 2024-11-30" in note for note in notes)


def test_demo_sub_icb_files_through_the_real_importers(tmp_path):
    """The demo PCN's sub-ICB: a regional monthly file (2023+ labels: 'Video/Online',
    'Unknown / Data Quality') and a national categories file for its last three months."""
    from local_db.connection import open_database
    from practice_desk import demo

    conn = open_database(tmp_path / "demo.sqlite")
    assert all(report.ok for report in demo.load_demo(conn))
    found = area.sub_icb_of(conn, [p.code for p in demo.PRACTICES])
    assert found["code"] == demo.SUB_ICB_CODE and found["kind"] == "sub_icb"
    values = area.monthly_values(conn, demo.SUB_ICB_CODE)
    assert len(values) == demo.DEMO_MONTHS
    labels = {row[0] for row in conn.execute(
        "SELECT DISTINCT l.label FROM gpad_area_appointments a "
        "JOIN labels l ON l.id = a.appt_mode")}
    assert "Video Conference/Online" in labels and "Video/Online" not in labels
    # The area is bigger than the PCN and differs from it.
    pcn = {row["month"]: row for row in metric_rows(conn, Selection(pcn=demo.DEMO_PCN))}
    last = max(values)
    assert values[last]["appointments_total"] > 10 * pcn[last]["appointments_total"]
    assert values[last]["f2f_share"] != pytest.approx(pcn[last]["f2f_share"], abs=1e-3)
    assert area.category_months(conn, demo.SUB_ICB_CODE) == ["2025-08", "2025-09", "2025-10"]
    demo.remove_demo(conn)
    assert area.list_areas(conn) == [] and area.category_months(conn, demo.SUB_ICB_CODE) == []
    conn.close()


def test_an_icb_adds_up_its_sub_icbs(conn, tmp_path):
    """A 2023+ regional file names each sub-ICB's ICB: the ICB is a scope of its own, the sum of
    its sub-ICBs (a month a sub-ICB has in a monthly file is read from it, as for one area)."""
    path = tmp_path / "Regional_CSV_Test.csv"
    head = ("SUB_ICB_LOCATION_CODE,SUB_ICB_LOCATION_ONS_CODE,SUB_ICB_LOCATION_NAME,ICB_ONS_CODE,"
            "ICB_NAME,REGION_ONS_CODE,REGION_NAME,APPOINTMENT_MONTH,APPT_STATUS,HCP_TYPE,"
            "APPT_MODE,TIME_BETWEEN_BOOK_AND_APPT,COUNT_OF_APPOINTMENTS\n")
    rows = [("01A", "Face-to-Face", 60), ("01A", "Telephone", 40), ("01B", "Face-to-Face", 30),
            ("01B", "Video/Online", 70)]
    path.write_text(head + "".join(
        f"{code},E38000001,NHS Test ICB - {code},E54000001,NHS Test ICB,E40000001,Test,"
        f"OCT2025,Attended,GP,{mode},Unknown / Data Quality,{count}\n"
        for code, mode, count in rows), encoding="utf-8")
    assert import_file(conn, path).status == "done"
    found = area.list_areas(conn)
    assert [a["code"] for a in found] == ["ICB:NHS Test ICB", "01A", "01B"]
    assert area.area_label(found[0]) == "NHS Test ICB, ICB (all its sub-ICBs)"
    icb = area.monthly_values(conn, "ICB:NHS Test ICB")["2025-10"]
    assert icb["appointments_total"] == 200
    assert icb["f2f_share"] == pytest.approx(90 / 200)
    assert icb["unknown_interval_share"] == 1.0  # 'Unknown / Data Quality' is Unknown
    rows = metric_rows(conn, Selection(area="ICB:NHS Test ICB"))
    assert [row["appointments_total"] for row in rows] == [200]
    mix = {(r["mode"], r["interval"]): r["appointments"]
           for r in area.breakdown(conn, "ICB:NHS Test ICB")}
    assert mix == {("Face-to-Face", "Unknown"): 90, ("Telephone", "Unknown"): 40,
                   ("Video Conference/Online", "Unknown"): 70}
