"""Online consultation submissions: the real April 2024 and October 2025 workbooks, missing data,
PCN sums, Table 3, re-issued workbooks, header variants, progress, cancel and undo. Expected figures
are the issue's hand counts, or read from the workbook here with openpyxl, not by the importer."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest

from practice_desk.importing import import_file, undo_import
from practice_desk.importing.detect import plan_import
from practice_desk.metrics import Selection, metric_rows, period_summary

DATA = Path(__file__).parent / "data" / "online_consultation"
OCTOBER = DATA / "Submissions via OC Systems in General Practice - October 2025.xlsx"
APRIL = DATA / "Submissions via Online Consultation Systems in General Practice - April 2024.xlsx"


def row_for(conn, selection: Selection, month: str) -> dict:
    rows = [r for r in metric_rows(conn, selection) if r["month"] == month]
    assert len(rows) == 1, month
    return rows[0]


@pytest.fixture(scope="module")
def october_table2() -> list[tuple]:
    book = openpyxl.load_workbook(OCTOBER, read_only=True, data_only=True)
    try:
        rows = list(book["Table 2"].iter_rows(values_only=True))
    finally:
        book.close()
    start = next(i for i, row in enumerate(rows) if row and row[1] == "GP Code")
    return [row for row in rows[start + 1:] if isinstance(row[0], dt.datetime | dt.date)]


def test_both_workbook_names_are_recognised_by_content():
    assert plan_import(OCTOBER).kind == "online_consultation"
    assert plan_import(APRIL).kind == "online_consultation"


def test_october_2025_figures_of_a_practice(conn):
    report = import_file(conn, OCTOBER)
    assert report.ok, report.message
    assert report.periods == ["2025-10"]
    row = row_for(conn, Selection(practice="D81001"), "2025-10")
    assert row["oc_submissions"] == 3191
    assert row["oc_clinical_submissions"] == 1935
    assert row["oc_admin_submissions"] == 1256
    assert row["oc_other_submissions"] == 0
    assert row["oc_patients"] == 14584
    assert round(row["oc_submissions_per_1000"], 2) == 218.80
    assert round(row["oc_clinical_share"], 4) == round(1935 / 3191, 4)
    assert row["oc_supplier"] == "ACCURX LIMITED"
    # Practice identity fills PCN and sub-ICB membership, as GPAD does.
    practice = conn.execute("SELECT name, pcn_code, sub_icb_code FROM practices "
                            "WHERE ods_code = 'D81001'").fetchone()
    assert tuple(practice) == ("LENSFIELD MEDICAL PRACTICE", "U88254", "06H")


def test_no_data_and_non_participating_practices_are_missing_not_zero(conn, october_table2):
    assert import_file(conn, OCTOBER).ok
    row = row_for(conn, Selection(practice="E81050"), "2025-10")  # supplier 'No Data', all 0
    assert row["oc_supplier"] == "No Data"
    for key in ("oc_submissions", "oc_clinical_submissions", "oc_admin_submissions",
                "oc_submissions_per_1000", "oc_clinical_share"):
        assert row[key] is None, key
    not_taking_part = [r for r in october_table2 if r[18] == 0]
    assert len(not_taking_part) == 28
    code = not_taking_part[0][1]
    assert row_for(conn, Selection(practice=code), "2025-10")["oc_submissions"] is None
    stored = conn.execute("SELECT COUNT(*), COUNT(submissions) FROM oc_practice_months").fetchone()
    no_data = [r for r in october_table2 if str(r[11]).lower() == "no data" or r[18] == 0]
    assert tuple(stored) == (len(october_table2), len(october_table2) - len(no_data))


def test_every_practice_matches_the_workbook(conn, october_table2):
    """Each practice's submissions and rate equal the workbook's own (sampled every 97th row)."""
    assert import_file(conn, OCTOBER).ok
    for source in october_table2[::97]:
        code, submissions, patients, rate, taking_part = (
            source[1], source[12], source[16], source[17], source[18])
        row = row_for(conn, Selection(practice=code), "2025-10")
        if taking_part == 0 or (str(source[11]).lower() == "no data" and not submissions):
            assert row["oc_submissions"] is None, code
            continue
        assert row["oc_submissions"] == submissions, code
        if patients:
            assert row["oc_submissions_per_1000"] == pytest.approx(rate, abs=1e-9), code


def test_counts_are_stored_as_whole_numbers(conn):
    """Table 2's counts reach SQLite as calamine reads them (85.0): stored as integers all the
    same, and a no-data practice's as NULL."""
    assert import_file(conn, OCTOBER).ok and import_file(conn, APRIL).ok
    kinds = conn.execute(
        "SELECT typeof(submissions), typeof(clinical), typeof(admin), typeof(other), "
        "typeof(patients), typeof(participating), COUNT(*) FROM oc_practice_months "
        "GROUP BY 1, 2, 3, 4, 5, 6").fetchall()
    assert {tuple(k[:6]) for k in kinds} == {
        ("integer",) * 6, ("null",) * 4 + ("integer",) * 2,  # October: taking part, no data
        ("integer",) * 5 + ("null",)}  # April: no Participation column
    assert sum(k[6] for k in kinds) == 6180 + 4882


def test_pcn_adds_submissions_and_patients_before_dividing(conn, october_table2):
    assert import_file(conn, OCTOBER).ok
    members = [r for r in october_table2 if r[3] == "U88254"]
    assert len(members) == 3
    submissions = sum(r[12] for r in members)
    patients = sum(r[16] for r in members)
    row = row_for(conn, Selection(pcn="U88254"), "2025-10")
    assert row["oc_submissions"] == submissions
    assert row["oc_patients"] == patients
    assert row["oc_practices"] == 3
    assert row["oc_submissions_per_1000"] == pytest.approx(submissions / patients * 1000)
    mean_of_rates = sum(r[17] for r in members) / 3
    assert row["oc_submissions_per_1000"] != pytest.approx(mean_of_rates)


def test_april_2024_layout_imports_and_a_range_sums_months(conn):
    report = import_file(conn, APRIL)
    assert report.ok, report.message
    assert any("no Table 3" in w for w in report.warnings)
    book = openpyxl.load_workbook(APRIL, read_only=True, data_only=True)
    header = next(r for r in book["Table 2"].iter_rows(values_only=True) if r and r[1] == "GP Code")
    book.close()
    assert len(header) == 18 and "Participation" not in " ".join(header)
    row = row_for(conn, Selection(practice="D81001"), "2024-04")
    assert (row["oc_submissions"], row["oc_patients"]) == (2813, 13999)
    assert conn.execute("SELECT participating FROM oc_practice_months").fetchone()[0] is None
    assert import_file(conn, OCTOBER).ok
    both = period_summary(conn, Selection(practice="D81001"))
    assert both["oc_submissions"] == 2813 + 3191
    assert both["oc_submissions_per_1000"] == pytest.approx((2813 + 3191) / (13999 + 14584) * 1000)


def test_table_3_england_weekday_by_time_band(conn):
    assert import_file(conn, OCTOBER).ok
    rows = conn.execute("SELECT weekday, band, average FROM oc_england_times "
                        "WHERE month = '2025-10' ORDER BY weekday, band").fetchall()
    assert len(rows) == 7 * 9  # 8 time bands and 'Unknown'
    monday_8am = [r[2] for r in rows if r[0] == 0 and r[1] == "08:00 - 09:59"]
    assert monday_8am == [166001.5]


def test_undo_removes_everything(conn):
    report = import_file(conn, OCTOBER)
    undo_import(conn, report.import_id)
    assert conn.execute("SELECT COUNT(*) FROM oc_practice_months").fetchone()[0] == 0
    assert conn.execute("SELECT COUNT(*) FROM oc_england_times").fetchone()[0] == 0


def test_progress_and_cancel(conn):
    seen = []
    report = import_file(conn, OCTOBER, progress=lambda f, text: seen.append(f))
    assert report.ok and len(seen) > 5 and seen == sorted(seen) and seen[-1] == 1.0
    undo_import(conn, report.import_id)
    calls = []

    def cancel() -> bool:
        calls.append(1)
        return len(calls) > 3

    cancelled = import_file(conn, OCTOBER, cancel=cancel)
    assert cancelled.status == "cancelled"
    assert conn.execute("SELECT COUNT(*) FROM oc_practice_months").fetchone()[0] == 0


# --- re-issued workbooks and header variants (built in the published layout) -----------------
def _write_edition(path: Path, practices: list[tuple], participation_header: str | None,
                   month: dt.datetime | str = dt.datetime(2025, 10, 1),
                   renamed: dict[str, str] | None = None) -> Path:
    book = openpyxl.Workbook()
    book.active.title = "Title sheet"
    sheet = book.create_sheet("Table 2")
    sheet.append(["Return to Contents"])
    sheet.append([])
    sheet.append(["Table 2: Submissions received by practices via Online Consultation Systems"])
    sheet.append([])
    header = ["Month [1]", "GP Code", "GP Name", "PCN Code [2]", "PCN Name", "Sub ICB Code",
              "Sub ICB Name", "ICB Code", "ICB Name", "Region Code", "Region Name",
              "Supplier [3,4]", "Submissions [5]", "Clinical Submissions", "Administrative "
              "Submissions [5]", "Other/Unknown Type Submissions", "Registered Patient Count [6]",
              "Rate per 1,000 Registered Patients [7, 8]"]
    if participation_header:
        header.append(participation_header)
    sheet.append([(renamed or {}).get(name, name) for name in header])
    for code, supplier, counts, patients, taking_part in practices:
        row = [month, code, f"{code} SURGERY", "U00001", "TEST PCN", "06H", "SUB ICB", "QUE",
               "ICB", "Y61", "EAST", supplier, *counts, patients,
               counts[0] / patients * 1000 if patients and isinstance(counts[0], int) else 0]
        if participation_header:
            row.append(taking_part)
        sheet.append(row)
    sheet.append([])
    sheet.append(["Notes:", "1 Data for previous months ..."])
    sheet.append(["", "Copyright © 2025 NHS England"])
    book.save(path)
    return path


def test_header_variants_and_a_reissued_month_replaces_the_first(conn, tmp_path):
    first = _write_edition(tmp_path / "Submissions via OC Systems in General Practice - "
                                      "October 2025.xlsx", [
        ("A00001", "ACCURX LIMITED", (100, 60, 40, 0), 5000, 1),
        ("A00002", "ECONSULT HEALTH LIMITED, TPP", (0, 0, 0, 0), 4000, 1),  # a real 0
        ("A00003", "No data", (0, 0, 0, 0), 3000, 0),
    ], "Participation [11]")
    assert import_file(conn, first).ok
    assert row_for(conn, Selection(practice="A00002"), "2025-10")["oc_submissions"] == 0
    assert row_for(conn, Selection(practice="A00003"), "2025-10")["oc_submissions"] is None
    revised = _write_edition(tmp_path / "revised.xlsx", [
        ("A00001", "ACCURX LIMITED", (120, 70, 50, 0), 5000, 1),
        ("A00002", "ECONSULT HEALTH LIMITED, TPP", (10, 5, 5, 0), 4000, 1),
    ], "Participation")
    report = import_file(conn, revised)
    assert report.ok, report.message
    assert report.rows_replaced == 3  # the whole month, the practice it no longer lists too
    pcn = row_for(conn, Selection(pcn="U00001"), "2025-10")
    assert (pcn["oc_submissions"], pcn["oc_practices"]) == (130, 2)
    assert pcn["oc_submissions_per_1000"] == pytest.approx(130 / 9000 * 1000)
    assert conn.execute("SELECT COUNT(*) FROM oc_practice_months").fetchone()[0] == 2


def test_reworded_headers_and_a_month_written_as_text(conn, tmp_path):
    path = _write_edition(tmp_path / "edition.xlsx", [
        ("A00001", "ACCURX LIMITED", (100, 60, 40, 0), 5000, 1),
    ], "Participation", month="November 2025", renamed={
        "Other/Unknown Type Submissions": "Other / Unknown Type Submissions [7]",
        "Registered Patient Count [6]": "Registered Patients [8]",
        "Administrative Submissions [5]": "Admin Submissions"})
    report = import_file(conn, path)
    assert report.ok and report.periods == ["2025-11"], report.message
    row = row_for(conn, Selection(practice="A00001"), "2025-11")
    assert (row["oc_admin_submissions"], row["oc_patients"]) == (40, 5000)


def test_a_suppressed_type_is_unknown_not_zero(conn, tmp_path):
    path = _write_edition(tmp_path / "edition.xlsx", [
        ("A00001", "ACCURX LIMITED", (100, 60, 40, 0), 5000, 1),
        ("A00002", "ACCURX LIMITED", (50, "*", "*", 0), 4000, 1),
    ], "Participation")
    assert import_file(conn, path).ok
    one = row_for(conn, Selection(practice="A00002"), "2025-10")
    assert one["oc_submissions"] == 50 and one["oc_clinical_submissions"] is None
    assert one["oc_clinical_share"] is None
    pcn = row_for(conn, Selection(pcn="U00001"), "2025-10")
    assert pcn["oc_submissions"] == 150 and pcn["oc_clinical_submissions"] is None
    assert pcn["oc_other_submissions"] == 0
    summary = period_summary(conn, Selection(pcn="U00001"))
    assert summary["oc_submissions"] == 150 and summary["oc_admin_submissions"] is None


def test_a_bad_count_is_named_with_its_row(conn, tmp_path):
    path = _write_edition(tmp_path / "bad.xlsx", [
        ("A00001", "ACCURX LIMITED", (100, 60, 40, 0), 5000, 1),
        ("A00002", "ACCURX LIMITED", ("lots", 0, 0, 0), 4000, 1),
    ], None)
    report = import_file(conn, path)
    assert report.status == "failed"
    assert "bad.xlsx" in report.message and "'lots' is not a number" in report.message
    assert report.problems[0].line == 7
    assert conn.execute("SELECT COUNT(*) FROM oc_practice_months").fetchone()[0] == 0


def test_each_bad_row_is_named_with_its_row_and_first_problem(conn, tmp_path):
    """Table 2 is read a column at a time; each bad row is still named by its sheet row, with
    the first problem in the row's own order (month, then the counts left to right)."""
    good = ("ACCURX LIMITED", (100, 60, 40, 0), 5000, 1)
    path = _write_edition(tmp_path / "bad.xlsx", [
        ("A00001", *good),                                                # row 6
        ("A00002", "ACCURX LIMITED", (100, "lots", 40, 0), -5, 1),        # row 7: two problems
        ("BAD CODE!", *good),                                             # row 8
        ("A00004", *good),                                                # row 9: month below
        ("A00001", *good),                                                # row 10: a repeat
        ("A00006", "ACCURX LIMITED", ("inf", 0, 0, 0), 5000, 1),          # row 11
        ("A00007", "ACCURX LIMITED", (100, 60, 40, 0), 2 * 10**9, 1),     # row 12
        ("A00008", "ACCURX LIMITED", (100, "*", "*", 0), 5000, 1),        # row 13: fine
    ], "Participation")
    book = openpyxl.load_workbook(path)
    book["Table 2"]["A9"] = "not a month"
    book.save(path)
    report = import_file(conn, path)
    assert report.status == "failed"
    where = "bad.xlsx, sheet 'Table 2': "
    assert [(p.file, p.line, p.problem) for p in report.problems] == [
        ("bad.xlsx", 7, where + "clinical 'lots' is not a number"),
        ("bad.xlsx", 8, where + "'BAD CODE!' is not a practice ODS code"),
        ("bad.xlsx", 9, where + "'not a month' is not a date in a form NHS files use (such as "
                                "01OCT2025)"),
        ("bad.xlsx", 10, where + "repeats practice A00001 for 2025-10"),
        ("bad.xlsx", 11, where + "submissions 'inf' is not a whole number of submissions or "
                                 "patients"),
        ("bad.xlsx", 12, where + "patients '2000000000.0' is too large to be real (over "
                                 "1,000,000,000)"),
    ]
    assert conn.execute("SELECT COUNT(*) FROM oc_practice_months").fetchone()[0] == 0


def test_table_2_ends_at_the_first_row_without_a_code(conn, tmp_path):
    """The notes under the table (in the GP Code column in the real workbooks) are not read as
    practices, and a padded code or text count is read as the workbook shows it."""
    path = _write_edition(tmp_path / "edition.xlsx", [
        (" a00001 ", "ACCURX LIMITED", ("1,200", " 700 ", 500.0, 0), "5,000", 1),
        ("A00002", " No Data ", (0, 0, 0, 0), 4000, 1),
    ], "Participation")
    report = import_file(conn, path)
    assert report.ok, report.message
    assert (report.rows_read, report.rows_stored) == (2, 2)
    stored = conn.execute("SELECT ods_code, supplier, submissions, clinical, admin, patients "
                          "FROM oc_practice_months ORDER BY ods_code").fetchall()
    assert [tuple(r) for r in stored] == [("A00001", "ACCURX LIMITED", 1200, 700, 500, 5000),
                                          ("A00002", "No Data", None, None, None, 4000)]
    name = conn.execute("SELECT name, pcn_code FROM practices WHERE ods_code = 'A00001'")
    assert tuple(name.fetchone()) == ("a00001  SURGERY", "U00001")


# --- workbooks recognised as NHS England's but not read -----------------------------------------
def _titled_workbook(path: Path, title: str, sheet: str = "Table 1") -> Path:
    book = openpyxl.Workbook()
    book.active.title = "Title sheet"
    book.active.append([])
    book.active.append([title])
    book.create_sheet(sheet).append(["Month", "England"])
    book.save(path)
    return path


@pytest.mark.parametrize(("title", "publication", "instead"), [
    ("Submissions via Online Consultation Systems in General Practice: Annex",
     "Online Consultation Systems", "Table 2"),
    ("Appointments in General Practice, October 2025: summary tables",
     "Appointments in General Practice", "practice-level crosstab"),
    ("General Practice Workforce, 31 October 2025: bulletin tables",
     "General Practice Workforce", "Practice Level - Detailed.csv"),
    ("Patients Registered at a GP Practice, March 2026", "Patients Registered",
     "gp-reg-pat-prac-all.csv"),
])
def test_an_nhs_workbook_not_read_says_which_publication_and_what_to_import(
        conn, tmp_path, title, publication, instead):
    report = import_file(conn, _titled_workbook(tmp_path / "tables.xlsx", title))
    assert report.status == "failed"
    assert publication in report.message and instead in report.message
    assert "Of workbooks it reads" in report.message


def test_the_workforce_definitions_workbook_points_to_the_practice_csv(conn):
    definitions = (Path(__file__).parent / "data" / "workforce" /
                   "General Practice Detailed Practice-Level CSV. Overall Definitions.xlsx")
    report = import_file(conn, definitions)
    assert report.status == "failed"
    assert "General Practice Workforce" in report.message
    assert "Practice Level - Detailed.csv" in report.message


def test_refusal_message_and_readme_list_the_same_workbooks(conn, tmp_path):
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    report = import_file(conn, _titled_workbook(tmp_path / "budget.xlsx", "Budget 2025", "Costs"))
    assert "does not read workbooks of this kind" in report.message
    listed = report.message.split("Of workbooks it reads: ")[1]
    # Each workbook the message lists is one the README says it reads, and vice versa.
    for publication, in_readme in (("Cloud Based Telephony", "*Cloud Based Telephony* publication "
                                    "workbook"),
                                   ("Online Consultation", "the monthly workbook (`.xlsx`"),
                                   ("NHS App dashboard", "NHS App dashboard exports (CSV or "
                                    "`.xlsx`)")):
        assert publication in listed and in_readme in readme
    assert listed.count(".xlsx") == 3
    assert "Of Excel workbooks it reads the Cloud Based Telephony publication, the online " \
           "consultation\n  workbook and NHS App dashboard exports" in readme
