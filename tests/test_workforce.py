"""General Practice Workforce practice-level CSV (built from the real definitions workbook's column
list, in its order, since no real practice CSV is at hand), its metrics, and the demand and
capacity keys on the real GPAD, CBT, list-size and online consultation samples."""

from __future__ import annotations

import csv
import zipfile
from pathlib import Path

import openpyxl
import pytest

from practice_desk.importing import import_file, undo_import
from practice_desk.metrics import Selection, metric_rows, period_summary

DATA = Path(__file__).parent / "data"
DEFINITIONS = DATA / "workforce" / (
    "General Practice Detailed Practice-Level CSV. Overall Definitions.xlsx")
OCTOBER_OC = DATA / "online_consultation" / (
    "Submissions via OC Systems in General Practice - October 2025.xlsx")
CBT = DATA / "Cloud Based Telephony Publication Summary October 2025_v2.xlsx"
NAME = "3 General Practice – {month} Practice Level - Detailed.csv"


def columns() -> list[str]:
    """Every 'Name of Field' of the definitions workbook, in its column order (A, B, ...)."""
    book = openpyxl.load_workbook(DEFINITIONS, read_only=True)
    rows = list(book["Practice-Level CSV Definitions"].iter_rows(values_only=True))
    book.close()
    assert rows[0][:2] == ("Columns", "Name of Field")
    return [row[1] for row in rows[1:] if row[1]]


# Practices of CAM MEDICAL PCN (U88254) with October 2025 appointments in the GPAD sample.
PRACTICES = {
    "D81001": {"TOTAL_PATIENTS": "14600", "TOTAL_GP_FTE": "9.5", "TOTAL_GP_EXTGL_FTE": "7.25",
               "TOTAL_NURSES_FTE": "4.1", "TOTAL_DPC_FTE": "6.4", "TOTAL_ADMIN_FTE": "15.2",
               "PCN_CODE": "U88254", "SUB_ICB_CODE": "06H"},
    # No valid nurse records: NA, never 0.
    "D81002": {"TOTAL_PATIENTS": "18000", "TOTAL_GP_FTE": "10", "TOTAL_GP_EXTGL_FTE": "8",
               "TOTAL_NURSES_FTE": "NA", "TOTAL_DPC_FTE": "0", "TOTAL_ADMIN_FTE": "12",
               "PCN_CODE": "U88254", "NURSE_SOURCE": "NA"},
}


def write_csv(folder: Path, month: str = "October 2025", practices: dict | None = None) -> Path:
    names = columns()
    path = folder / NAME.format(month=month)
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(names)
        for code, values in (practices or PRACTICES).items():
            row = {name: "NA" for name in names}  # every other column unknown
            row.update(PRAC_CODE=code, PRAC_NAME=f"{code} PRACTICE", GP_SOURCE="Provided")
            row.update(values)
            writer.writerow([row[name] for name in names])
    return path


def test_fixture_follows_the_definitions():
    names = columns()
    assert len(names) == 805 and names[0] == "PRAC_CODE" and names[10] == "TOTAL_PATIENTS"
    assert names.index("TOTAL_GP_EXTGL_FTE") > names.index("TOTAL_GP_FTE")


def test_import_reads_columns_by_name_and_na_as_missing(conn, tmp_path):
    report = import_file(conn, write_csv(tmp_path))
    assert report.ok, report.message
    assert (report.kind, report.periods, report.rows_stored) == ("workforce", ["2025-10"], 2)
    stored = {r[0]: tuple(r[1:]) for r in conn.execute(
        "SELECT ods_code, patients, gp_fte, gp_all_fte, nurse_fte, dpc_fte, admin_fte "
        "FROM workforce")}
    assert stored["D81001"] == (14600, 7.25, 9.5, 4.1, 6.4, 15.2)
    assert stored["D81002"] == (18000, 8.0, 10.0, None, 0.0, 12.0)  # NA missing, DPC a real 0
    pcn = conn.execute("SELECT pcn_code FROM practices WHERE ods_code = 'D81002'").fetchone()[0]
    assert pcn == "U88254"
    undo_import(conn, report.import_id)
    assert conn.execute("SELECT COUNT(*) FROM workforce").fetchone()[0] == 0


def test_practice_keys(conn, tmp_path, crosstab_csv):
    assert import_file(conn, crosstab_csv).ok
    assert import_file(conn, write_csv(tmp_path)).ok
    gp = conn.execute(
        "SELECT SUM(g.count) FROM gpad_appointments g JOIN labels l ON l.id = g.hcp_type "
        "WHERE g.ods_code = 'D81001' AND g.month = '2025-10' AND l.label = 'GP'").fetchone()[0]
    row = [r for r in metric_rows(conn, Selection(practice="D81001")) if r["month"] == "2025-10"][0]
    assert (row["gp_fte"], row["gp_all_fte"], row["nurse_fte"]) == (7.25, 9.5, 4.1)
    assert row["clinical_fte"] == pytest.approx(9.5 + 4.1 + 6.4)
    assert row["patients_per_gp_fte"] == pytest.approx(14600 / 7.25)
    assert row["gp_appointments_per_gp_fte"] == pytest.approx(gp / 9.5)
    assert row["appointments_per_clinical_fte"] == pytest.approx(6649 / 20.0)
    other = [r for r in metric_rows(conn, Selection(practice="D81002"))
             if r["month"] == "2025-10"][0]
    assert other["nurse_fte"] is None and other["clinical_fte"] is None
    assert other["dpc_fte"] == 0.0
    assert other["patients_per_gp_fte"] == pytest.approx(18000 / 8)


def test_pcn_sums_before_dividing_and_a_missing_group_is_not_a_part_total(conn, tmp_path):
    assert import_file(conn, write_csv(tmp_path)).ok
    row = metric_rows(conn, Selection(pcn="U88254"))[-1]
    assert row["gp_fte"] == pytest.approx(15.25)
    assert row["patients_per_gp_fte"] == pytest.approx((14600 + 18000) / (7.25 + 8))
    assert row["nurse_fte"] is None  # D81002's nurses are unknown
    assert row["clinical_fte"] is None
    assert row["admin_fte"] == pytest.approx(27.2)


def test_a_month_without_a_snapshot_uses_one_up_to_three_months_old(conn, tmp_path,
                                                                      crosstab_csv):
    assert import_file(conn, crosstab_csv).ok  # appointments for October 2025
    for month, gp in (("June 2025", "7"), ("July 2025", "7.25"), ("November 2025", "8")):
        folder = tmp_path / month
        folder.mkdir()
        values = dict(PRACTICES["D81001"], TOTAL_GP_EXTGL_FTE=gp)
        assert import_file(conn, write_csv(folder, month, {"D81001": values})).ok
        if month == "June 2025":  # four months before October: too old to stand for it
            october = [r for r in metric_rows(conn, Selection(practice="D81001"))
                       if r["month"] == "2025-10"][0]
            assert october["gp_fte"] is None and october["workforce_month"] is None
    rows = {r["month"]: r for r in metric_rows(conn, Selection(practice="D81001"))}
    assert (rows["2025-10"]["gp_fte"], rows["2025-10"]["workforce_month"]) == (7.25, "2025-07")
    assert rows["2025-11"]["gp_fte"] == 8.0
    summary = period_summary(conn, Selection(practice="D81001", start="2025-07", end="2025-11"))
    assert summary["gp_fte"] == pytest.approx((7.25 + 7.25 + 8) / 3)  # average staff in post


def test_month_comes_from_the_name_and_a_name_without_one_is_refused(conn, tmp_path):
    path = write_csv(tmp_path)
    plain = path.rename(tmp_path / "practice_level.csv")
    report = import_file(conn, plain)
    assert report.status == "failed"
    assert "practice_level.csv" in report.message and "month" in report.message
    zipped = tmp_path / "GP Workforce October 2025.zip"
    with zipfile.ZipFile(zipped, "w") as archive:
        archive.write(plain, NAME.format(month="October 2025"))
    report = import_file(conn, zipped)
    assert report.ok and report.periods == ["2025-10"], report.message


def test_only_the_detailed_file_is_read_and_once_a_month(conn, tmp_path):
    """A short file with the same totals is not the detailed CSV; two detailed files of one
    month in a zip give one snapshot."""
    short = tmp_path / "short October 2025.csv"
    short.write_text("PRAC_CODE,TOTAL_PATIENTS,TOTAL_GP_FTE,TOTAL_GP_EXTGL_FTE,TOTAL_NURSES_FTE,"
                     "TOTAL_DPC_FTE,TOTAL_ADMIN_FTE\nD81001,14600,9.5,7.25,4.1,6.4,15.2\n")
    assert import_file(conn, short).status == "failed"
    path = write_csv(tmp_path)
    zipped = tmp_path / "workforce.zip"
    with zipfile.ZipFile(zipped, "w") as archive:
        archive.write(path, NAME.format(month="October 2025"))
        archive.write(path, "copy " + NAME.format(month="October 2025"))
    report = import_file(conn, zipped)
    assert report.ok and report.rows_stored == 2, report.message
    assert any("another file of the zip" in w for w in report.warnings)


def test_a_bad_figure_is_named_with_its_line(conn, tmp_path):
    bad = dict(PRACTICES["D81002"], TOTAL_ADMIN_FTE="twelve")
    report = import_file(conn, write_csv(tmp_path, practices={**PRACTICES, "D81002": bad}))
    assert report.status == "failed"
    assert report.problems[0].line == 3 and "TOTAL_ADMIN_FTE 'twelve'" in report.message


def test_demand_and_capacity_on_the_real_samples(conn, crosstab_csv, population_csv):
    """D81001, October 2025: CBT inbound calls + online submissions; PCN over practices that have
    both channels."""
    for path in (crosstab_csv, CBT, OCTOBER_OC):
        assert import_file(conn, path).ok
    row = [r for r in metric_rows(conn, Selection(practice="D81001"))
           if r["month"] == "2025-10"][0]
    assert row["inbound_calls"] == 4051 and row["oc_submissions"] == 3191
    assert row["contacts"] == 4051 + 3191
    assert row["online_share_of_contacts"] == pytest.approx(3191 / 7242)
    assert row["appointments_per_contact"] == pytest.approx(6649 / 7242)
    assert row["contacts_per_1000"] is None  # the only list-size extract is from 2026
    pcn = [r for r in metric_rows(conn, Selection(pcn="U88254")) if r["month"] == "2025-10"][0]
    members = [r[0] for r in conn.execute(
        "SELECT ods_code FROM practices WHERE pcn_code = 'U88254'")]
    calls = dict(conn.execute("SELECT ods_code, inbound FROM cbt_monthly WHERE month = '2025-10' "
                              "AND inbound IS NOT NULL"))
    online = dict(conn.execute("SELECT ods_code, submissions FROM oc_practice_months "
                               "WHERE submissions IS NOT NULL"))
    both = [code for code in members if code in calls and code in online]
    assert 0 < len(both) < len(members)  # one member has no CBT figures: left out of contacts
    assert pcn["contacts"] == sum(calls[c] + online[c] for c in both)
    assert pcn["online_share_of_contacts"] == pytest.approx(
        sum(online[c] for c in both) / pcn["contacts"])
