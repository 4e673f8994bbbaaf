"""NHS England CBT: the real October 2025 workbook, revisions, bad workbooks, daily CSVs, national
percentiles. Expected figures are read from the workbook here with openpyxl, not by the importer."""

from __future__ import annotations

import re
import shutil
import sqlite3
import statistics
import zipfile
from pathlib import Path

import openpyxl
import pytest

from local_db.connection import open_database
from practice_desk.importing import import_file, undo_import
from practice_desk.importing.cbt import COUNT_COLUMNS as IMPORTED_COLUMNS
from practice_desk.importing.detect import plan_import
from practice_desk.metrics.national import (
    COUNT_COLUMNS,
    cbt_monthly_counts,
    national_distribution,
    national_series,
    national_series_uncached,
    percentile,
    remember_national_series,
)

WORKBOOK = Path(__file__).parent / "data" / (
    "Cloud Based Telephony Publication Summary October 2025_v2.xlsx")
ODS = re.compile(r"^[A-Z0-9]{3,10}$")
PRACTICE_TABLES = ["Table 3", "Table 4", "Table 5"]


# --- reading the workbook independently --------------------------------------------------------
@pytest.fixture(scope="module")
def sheets() -> dict[str, list[tuple]]:
    book = openpyxl.load_workbook(WORKBOOK, read_only=True, data_only=True)
    try:
        return {name: list(book[name].iter_rows(values_only=True)) for name in PRACTICE_TABLES}
    finally:
        book.close()


def find_row(rows: list[tuple], code: str) -> tuple:
    matches = [row for row in rows if code in row]
    assert len(matches) == 1, code
    return matches[0]


def find_column(rows: list[tuple], text: str, after: int = 0) -> int:
    """The first column (at or after `after`) whose header cell is exactly `text`."""
    for row in rows[:20]:
        for i, value in enumerate(row):
            if i >= after and value == text:
                return i
    raise AssertionError(f"no header cell {text!r}")


def practice_rows(rows: list[tuple]) -> list[tuple]:
    """Rows whose second cell is a practice code (not Unassigned, not the national row)."""
    return [r for r in rows if isinstance(r[1], str) and ODS.match(r[1])
            and r[1] not in ("National",)]


def unassigned_rows(rows: list[tuple]) -> list[tuple]:
    return [r for r in rows if r[1] == "Unassigned"]


# --- a database with the real workbook, built once ----------------------------------------------
@pytest.fixture(scope="module")
def imported(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("cbt") / "practice_desk.sqlite"
    conn = open_database(path)
    report = import_file(conn, WORKBOOK)
    assert report.status == "done", report.message
    conn.close()
    return path


@pytest.fixture
def ro(imported) -> sqlite3.Connection:
    conn = sqlite3.connect(imported)
    conn.row_factory = sqlite3.Row
    yield conn
    conn.close()


@pytest.fixture
def loaded(imported, tmp_path) -> sqlite3.Connection:
    """A writable copy of the database holding the real workbook."""
    path = tmp_path / "copy.sqlite"
    shutil.copy(imported, path)
    conn = open_database(path)
    yield conn
    conn.close()


@pytest.fixture(scope="module")
def edited(tmp_path_factory) -> dict[str, Path]:
    """Copies of the real workbook edited with openpyxl: a revision, and one without GP Practice."""
    folder = tmp_path_factory.mktemp("edited")
    book = openpyxl.load_workbook(WORKBOOK)
    for name in ("Table 3", "Table 4"):
        sheet = book[name]
        row = next(r for r in sheet.iter_rows() if r[1].value == "E81050")
        answered = next(c for c in row if c.value == 5004)
        answered.value = 5104
    sheet = book["Table 3"]
    row = next(r for r in sheet.iter_rows() if r[1].value == "K82064")
    made = [c for c in row if c.value == 283]  # call back requested and call back made
    made[-1].value = "-"
    paths = {"revised": folder / "Cloud Based Telephony Publication Summary October 2025_v3.xlsx"}
    book.save(paths["revised"])
    book["Table 4"].delete_cols(2)  # 'GP Practice (ODS_CODE)'
    paths["no_practice"] = folder / "Cloud Based Telephony October 2025 edited.xlsx"
    book.save(paths["no_practice"])
    book.close()
    return paths


def monthly(conn, unit: str) -> dict:
    cursor = conn.execute("SELECT * FROM cbt_monthly WHERE unit = ?", (unit,))
    names = [d[0] for d in cursor.description]
    rows = cursor.fetchall()
    assert len(rows) == 1
    return dict(zip(names, rows[0], strict=True))


# --- the real workbook ---------------------------------------------------------------------------
def test_detected_by_content(tmp_path):
    renamed = tmp_path / "telephony.xlsx"
    shutil.copy(WORKBOOK, renamed)
    plan = plan_import(renamed)
    assert plan.kind == "cbt_workbook"
    assert plan.total_bytes() == WORKBOOK.stat().st_size


def test_column_lists_agree():
    assert IMPORTED_COLUMNS == COUNT_COLUMNS


def test_e81050_figures(ro, sheets):
    t3, t4, t5 = (sheets[n] for n in PRACTICE_TABLES)
    row3 = find_row(t3, "E81050")
    ivr = row3[find_column(t3, "Ended during the IVR Stage [4]")]
    requested = row3[find_column(t3, "Call back requested")]
    made = row3[find_column(t3, "Call back made")]
    row4 = find_row(t4, "E81050")
    wait_start = find_column(t4, "Answered Calls - Wait time [4]")
    duration_start = find_column(t4, "Answered Calls - Duration")
    bands = ["Less than 1 minute", "1 - 2 minutes", "2 - 5 minutes", "Longer than 5 minutes"]
    waits = [row4[find_column(t4, b, wait_start)] for b in bands]
    durations = [row4[find_column(t4, b, duration_start)] for b in bands]
    row5 = find_row(t5, "E81050")
    missed_start = find_column(t5, "Missed Calls - Wait time")
    missed_waits = [row5[find_column(t5, b, missed_start)] for b in bands]

    got = monthly(ro, "E81050")
    assert got["ods_code"] == "E81050" and got["month"] == "2025-10"
    assert (got["inbound"], got["answered"], got["missed"]) == (7993, 5004, 1060)
    assert round(got["missed"] / got["inbound"], 3) == 0.133
    assert got["ivr_ended"] == ivr == 1889
    assert (got["callback_requested"], got["callback_made"]) == (requested, made)
    assert waits == [1562, 681, 1208, 1553]
    assert [got[f"answered_wait_{b}"] for b in ("lt1m", "1to2m", "2to5m", "gt5m")] == waits
    assert [got[f"answered_duration_{b}"] for b in ("lt1m", "1to2m", "2to5m", "gt5m")] == durations
    assert missed_waits == [639, 124, 167, 130]
    assert [got[f"missed_wait_{b}"] for b in ("lt1m", "1to2m", "2to5m", "gt5m")] == missed_waits
    practice = ro.execute("SELECT * FROM practices WHERE ods_code = 'E81050'").fetchone()
    assert practice["name"] == "ASPLANDS MEDICAL CENTRE"
    assert (practice["pcn_code"], practice["sub_icb_code"], practice["icb_code"],
            practice["region_code"]) == ("U49574", "M1J4Y", "QHG", "Y61")


def test_every_practice_of_every_table(ro, sheets):
    stored = {r[0] for r in ro.execute(
        "SELECT ods_code FROM cbt_monthly WHERE ods_code IS NOT NULL")}
    for name in PRACTICE_TABLES:
        codes = [r[1] for r in practice_rows(sheets[name])]
        assert len(codes) == len(set(codes)) == len(stored), name
        assert set(codes) == stored
    assert ro.execute("SELECT COUNT(*) FROM practices").fetchone()[0] == len(stored)


def test_every_figure_of_table_3(ro, sheets):
    t3 = sheets["Table 3"]
    columns = {"inbound": find_column(t3, "Count of Inbound calls"),
               "answered": find_column(t3, "Answered"), "missed": find_column(t3, "Missed")}
    stored = {r["unit"]: r for r in ro.execute("SELECT * FROM cbt_monthly")}
    for row in practice_rows(t3):
        for name, i in columns.items():
            expected = None if row[i] in (None, "-") else row[i]
            assert stored[row[1]][name] == expected, (row[1], name)


def test_unassigned_rows_kept_apart(ro, sheets):
    t3 = sheets["Table 3"]
    inbound = find_column(t3, "Count of Inbound calls")
    sub_icb = find_column(t3, "Sub ICB Code [2]")
    expected: dict[str, int] = {}
    for row in unassigned_rows(t3):
        unit = f"Unassigned:{row[sub_icb]}"
        expected[unit] = expected.get(unit, 0) + row[inbound]
    assert len(unassigned_rows(t3)) == 83 and len(expected) < 83  # several share a sub-ICB
    got = {r["unit"]: r["inbound"] for r in ro.execute(
        "SELECT unit, inbound, ods_code FROM cbt_monthly WHERE unit LIKE 'Unassigned:%'")}
    assert got == expected
    assert ro.execute("SELECT COUNT(*) FROM cbt_monthly WHERE unit LIKE 'Unassigned:%' "
                      "AND ods_code IS NOT NULL").fetchone()[0] == 0
    assert ro.execute("SELECT COUNT(*) FROM practices WHERE ods_code LIKE 'UNASS%'"
                      ).fetchone()[0] == 0
    message = ro.execute("SELECT message FROM imports").fetchone()[0]
    assert "83 rows for shared phone accounts ('Unassigned')" in message


def test_copyright_line_in_a_month_cell_is_reported(ro, sheets):
    # The real workbook has its copyright line in one practice row's Month cell (Table 3).
    odd = [r for r in practice_rows(sheets["Table 3"]) if isinstance(r[0], str)]
    assert len(odd) == 1 and odd[0][0].startswith("Copyright")
    assert monthly(ro, odd[0][1])["month"] == "2025-10"
    message = ro.execute("SELECT message FROM imports").fetchone()[0]
    assert "is not a month" in message


def test_national_median_missed_share(ro, sheets):
    t3 = sheets["Table 3"]
    inbound, missed = find_column(t3, "Count of Inbound calls"), find_column(t3, "Missed")
    shares = [r[missed] / r[inbound] for r in practice_rows(t3)
              if isinstance(r[inbound], int) and isinstance(r[missed], int) and r[inbound] > 0]
    got = national_distribution(ro, "missed_share", "2025-10")
    assert got["practices"] == len(shares)
    assert got["median"] == pytest.approx(statistics.median(shares), abs=1e-12)
    deciles = statistics.quantiles(shares, n=10, method="inclusive")
    assert got["p10"] == pytest.approx(deciles[0], abs=1e-12)
    assert got["p90"] == pytest.approx(deciles[-1], abs=1e-12)
    series = national_series(ro, "missed_share", "2025-01", "2025-12")
    assert series == [{"month": "2025-10", **got}]
    assert national_distribution(ro, "missed_share", "2025-09") is None


def test_reimport_is_a_duplicate(loaded, db_dump):
    before = db_dump(loaded)
    report = import_file(loaded, WORKBOOK)
    assert report.status == "duplicate"
    assert db_dump(loaded) == before


def test_revised_workbook_replaces_the_month(loaded, edited):
    rows = loaded.execute("SELECT COUNT(*) FROM cbt_monthly").fetchone()[0]
    report = import_file(loaded, edited["revised"])
    assert report.status == "done", report.message
    assert report.rows_replaced == rows
    assert loaded.execute("SELECT COUNT(*) FROM cbt_monthly").fetchone()[0] == rows
    got = monthly(loaded, "E81050")
    assert (got["answered"], got["inbound"]) == (5104, 7993)
    assert got["import_id"] == report.import_id
    k82064 = monthly(loaded, "K82064")
    assert k82064["callback_made"] is None and k82064["callback_requested"] == 283  # '-' -> NULL
    national = cbt_monthly_counts(loaded, ["E81050"], "2025-10", "2025-10")
    assert national["2025-10"]["answered"] == 5104  # no double count


def test_workbook_without_gp_practice_column(loaded, edited, db_dump):
    before = db_dump(loaded)
    report = import_file(loaded, edited["no_practice"])
    assert report.status == "failed"
    assert "sheet 'Table 4'" in report.message
    assert "no 'GP Practice (ODS_CODE)' column" in report.message
    assert db_dump(loaded) == before


def test_other_workbook_is_refused_clearly(conn, db_dump, tmp_path):
    book = openpyxl.Workbook()
    book.active.title = "Budget"
    book.active.append(["Practice", "Inbound calls", "Cost"])
    book.active.append(["E81050", 7993, 100])
    path = tmp_path / "budget.xlsx"
    book.save(path)
    before = db_dump(conn)
    report = import_file(conn, path)
    assert report.status == "failed"
    assert "Excel workbook (sheets: Budget)" in report.message
    assert "Cloud Based Telephony" in report.message
    assert db_dump(conn) == before


def test_progress_and_cancel(conn, db_dump):
    seen: list[float] = []
    before = db_dump(conn)
    report = import_file(conn, WORKBOOK, progress=lambda f, _t: seen.append(f),
                         cancel=lambda: len(seen) > 5)
    assert report.status == "cancelled"
    assert db_dump(conn) == before
    seen.clear()
    report = import_file(conn, WORKBOOK, progress=lambda f, _t: seen.append(f))
    assert report.status == "done"
    assert len(seen) > 10 and seen == sorted(seen) and seen[-1] == 1.0


def test_undo(loaded):
    import_id = loaded.execute("SELECT id FROM imports").fetchone()[0]
    undo_import(loaded, import_id)
    assert loaded.execute("SELECT COUNT(*) FROM cbt_monthly").fetchone()[0] == 0


# --- other layouts (an older edition, made here) -----------------------------------------------
def older_edition(path: Path, rows: list[list], month_cell: object = "Oct-24") -> Path:
    """A one-table workbook in another layout: header on row 5, no Total/Count row, no spacer
    columns, text months, columns in another order and no 'Call back made'."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Table 3"
    sheet.append(["Table 3: Summary of call outcomes by practice, October 2024"])
    sheet.append([])
    sheet.append([])
    sheet.append([None, None, None, None, "Outcome"])
    sheet.append(["GP Practice\n(ODS_CODE)", "Month", "GP Name", "Sub ICB Code",
                  "Count of Inbound calls", "Missed", "Answered", "Call back requested"])
    sheet.append(["Total", None, None, None, 300, 30, 200, 10])
    for row in rows:
        sheet.append([row[0], month_cell, *row[1:]])
    sheet.append([])
    sheet.append(["Notes: 1 made-up rows for a test"])
    book.save(path)
    return path


def test_older_layout_with_missing_columns(conn, tmp_path):
    path = older_edition(tmp_path / "cbt_oct_24.xlsx", [
        ["A81001", "ONE", "00L", 100, 10, 80, 5],
        ["A81002", "TWO", "00L", 200, "-", 120, ""],
        ["Unassigned", "Unmapped", "00L", 7, 1, 6, 0],
        ["Unassigned", "Unmapped", "00L", 3, 2, 1, None],
    ])
    report = import_file(conn, path)
    assert report.status == "done", report.message
    assert report.periods == ["2024-10"]
    assert any("no column for call back made; stored as missing" in w for w in report.warnings)
    assert any("answered calls' wait band < 1 min" in w for w in report.warnings)
    one, two = monthly(conn, "A81001"), monthly(conn, "A81002")
    assert (one["inbound"], one["missed"], one["answered"], one["callback_requested"],
            one["callback_made"]) == (100, 10, 80, 5, None)
    assert (two["missed"], two["callback_requested"]) == (None, None)  # '-' and blank: not 0
    shared = monthly(conn, "Unassigned:00L")
    assert (shared["ods_code"], shared["inbound"], shared["missed"], shared["answered"],
            shared["callback_requested"]) == (None, 10, 3, 7, 0)
    assert conn.execute("SELECT name FROM practices WHERE ods_code = 'A81002'"
                        ).fetchone()[0] == "TWO"


@pytest.mark.parametrize("month_cell", ["October 2024", "2024-10-01", "01/10/2024"])
def test_month_as_text(conn, tmp_path, month_cell):
    path = older_edition(tmp_path / "cbt.xlsx", [["A81001", "ONE", "00L", 100, 10, 80, 5]],
                         month_cell)
    report = import_file(conn, path)
    assert report.status == "done", report.message
    assert report.periods == ["2024-10"]


def test_bad_cells_are_reported_by_sheet_and_row(conn, db_dump, tmp_path):
    path = older_edition(tmp_path / "cbt.xlsx", [
        ["A81001", "ONE", "00L", 100, "ten", 80, 5],
        ["A81002", "TWO", "00L", 100, 10, 80, 5],
        ["A81002", "TWO", "00L", 100, 10, 80, 5],
    ])
    before = db_dump(conn)
    report = import_file(conn, path)
    assert report.status == "failed"
    assert "sheet 'Table 3': row 7, column 'Missed': 'ten' is not a whole number" in report.message
    assert "row 9: practice A81002 appears twice for 2024-10 (also row 8)" in report.message
    assert db_dump(conn) == before


# --- national figures on hand-made rows ------------------------------------------------------
def test_percentile_hand_worked():
    # [1, 2, 3, 4, 10]: p10 at h = 0.4 -> 1 + 0.4 * (2 - 1) = 1.4; p90 at h = 3.6 -> 4 + 0.6 * 6
    values = [10, 3, 1, 4, 2]
    assert percentile(values, 0.1) == pytest.approx(1.4)
    assert percentile(values, 0.5) == 3
    assert percentile(values, 0.9) == pytest.approx(7.6)
    assert percentile([5], 0.9) == 5
    # even count: the median is the mean of the middle two
    assert percentile([1, 2, 3, 4], 0.5) == pytest.approx(2.5)
    assert percentile([1, 2, 3, 4], 0.1) == pytest.approx(1.3)  # h = 0.3


def insert(conn, unit, month="2025-10", ods=True, **values):
    columns = ["import_id", "unit", "ods_code", "month", *values]
    conn.execute(f"INSERT INTO cbt_monthly ({', '.join(columns)}) VALUES "
                 f"({', '.join('?' * len(columns))})",
                 [1, unit, unit if ods else None, month, *values.values()])


def test_distribution_rules(conn):
    insert(conn, "A00001", inbound=100, answered=60, ivr_ended=10, callback_requested=10,
           missed=20, callback_made=5)
    insert(conn, "A00002", inbound=200, answered=100, ivr_ended=20, callback_requested=20,
           missed=50, callback_made=20)
    insert(conn, "A00003", inbound=0, answered=0, ivr_ended=0, callback_requested=0, missed=0,
           callback_made=0)  # denominator 0: left out of shares
    insert(conn, "A00004", inbound=50, answered=None, missed=None)  # NULL: left out
    insert(conn, "Unassigned:00L", ods=False, inbound=1000, missed=900, answered=100,
           ivr_ended=0, callback_requested=0)
    got = national_distribution(conn, "missed_share", "2025-10")
    assert got["practices"] == 2
    assert got["median"] == pytest.approx(0.225)  # (0.2 + 0.25) / 2
    assert got["p10"] == pytest.approx(0.2 + 0.1 * 0.05)
    assert national_distribution(conn, "inbound_calls", "2025-10")["practices"] == 4
    callback = national_distribution(conn, "callback_made_share", "2025-10")
    assert callback["practices"] == 2 and callback["median"] == pytest.approx(0.75)
    unreconciled = national_distribution(conn, "unreconciled_calls", "2025-10")
    assert unreconciled["practices"] == 3  # A00004 has NULL parts
    assert unreconciled["p90"] == pytest.approx(8.0)  # values 0, 0, 10: h = 1.8
    assert national_distribution(conn, "calls_per_1000", "2025-10") is None
    conn.execute("INSERT INTO imports (id, kind, file_name, content_hash, status, started_at) "
                 "VALUES (2, 'list_sizes', 'x', 'x', 'done', 'now')")
    conn.executemany("INSERT INTO list_sizes VALUES (?, ?, ?, 2)", [
        ("A00001", "2025-10-01", 1000), ("A00002", "2025-09-01", 4000),
        ("A00002", "2025-11-01", 1), ("A00003", "2025-10-01", 500)])
    per_1000 = national_distribution(conn, "calls_per_1000", "2025-10")
    assert per_1000["practices"] == 3  # A00004 has no list size
    assert per_1000["median"] == pytest.approx(50.0)  # values 0, 50 (200 / 4000), 100
    with pytest.raises(ValueError, match="wait_median_s"):
        national_distribution(conn, "wait_median_s", "2025-10")


def test_series_month_by_month(conn):
    """Each month's spread from that month's practices only, whatever order the rows were stored
    in; a month where no practice has a value is kept, with no figures; the range holds."""
    missed = {"2025-08": [10, 30, 5, 50], "2025-09": [None, None], "2025-10": [40, 20, 25]}
    for n in range(4):  # stored a practice at a time, its months interleaved
        for month in ("2025-10", "2025-08", "2025-09"):
            if n < len(missed[month]):
                value = missed[month][n]
                insert(conn, f"A0000{n}", month, inbound=100 if value is not None else None,
                       missed=value)
    insert(conn, "A00009", "2025-11", inbound=100, missed=1)  # outside the range asked for
    series = national_series_uncached(conn, "missed_share", "2025-08", "2025-10")
    assert [item["month"] for item in series] == ["2025-08", "2025-09", "2025-10"]
    for item in series:
        shares = [v / 100 for v in missed[item["month"]] if v is not None]
        expected = ({"median": percentile(shares, 0.5), "p10": percentile(shares, 0.1),
                     "p90": percentile(shares, 0.9), "practices": len(shares)} if shares
                    else {"median": None, "p10": None, "p90": None, "practices": 0})
        assert {k: v for k, v in item.items() if k != "month"} == expected
    assert series[0]["median"] == pytest.approx(0.2)  # 0.05, 0.1, 0.3, 0.5: (0.1 + 0.3) / 2
    assert series[2]["p90"] == pytest.approx(0.25 + 0.8 * 0.15)  # 0.2, 0.25, 0.4: h = 1.8


def test_monthly_counts_sum_raw_counts(conn):
    insert(conn, "A00001", inbound=100, missed=20, callback_made=None)
    insert(conn, "A00002", inbound=200, missed=None, callback_made=None)
    insert(conn, "A00001", month="2025-11", inbound=10)
    insert(conn, "Unassigned:00L", ods=False, inbound=1000)
    got = cbt_monthly_counts(conn, ["A00001", "A00002"], None, "2025-10")
    assert list(got) == ["2025-10"]
    assert got["2025-10"]["inbound"] == 300
    assert got["2025-10"]["missed"] == 20  # the non-NULL values are summed
    assert got["2025-10"]["callback_made"] is None  # every value NULL
    assert set(got["2025-10"]) == set(COUNT_COLUMNS)
    assert cbt_monthly_counts(conn, ["A00001"], "2025-11", None) == {
        "2025-11": {**dict.fromkeys(COUNT_COLUMNS), "inbound": 10}}
    assert cbt_monthly_counts(conn, [], None, None) == {}


# --- daily CSVs --------------------------------------------------------------------------------
PADDED_HEADER = " , ".join([" Date", "REGION_CODE", "ICB_CODE", "SUB_ICB_LOCATION_CODE", "PCN_CODE",
                             "PRACTICE_CODE", "Indicator", "Time_Category", "Value "])
TIME_CSV = PADDED_HEADER + """
2026-07-08,Y61,QHG,M1J4Y,U49574,E81050,CBT001,08:00 - 09:59,120
2026-07-08,Y61,QHG,M1J4Y,U49574,E81050,CBT001,10:00 - 11:59,80
2026-07-08,Y61,QHG,M1J4Y,U49574,E81050,CBT001,TOTAL,200
2026-07-08,Y61,QHG,M1J4Y,U49574,E81050,CBT004,TOTAL,-
2026-07-08,Y61,QHG,M1J4Y,U74819,Unassigned,CBT001,TOTAL,7
2026-07-08,Y61,QHG,M1J4Y,U09531,Unassigned,CBT001,TOTAL,3
08/07/2026,Y61,QHG,M1J4Y,U49574,K82064,CBT001,TOTAL,50
09JUL2026,Y61,QHG,M1J4Y,U49574,K82064, cbt003 , 08:00 - 09:59 , 30
"""

DURATION_CSV = """\
Date,REGION_CODE,ICB_CODE,SUB_ICB_LOCATION_CODE,PCN_CODE,PRACTICE_CODE,Indicator,Duration,Value
2026-07-08,Y61,QHG,M1J4Y,U49574,E81050,CBT003,<1 min,60
2026-07-08,Y61,QHG,M1J4Y,U49574,E81050,CBT003,1-2 min,40
2026-07-08,Y61,QHG,M1J4Y,U49574,E81050,CBT003,TOTAL,100
2026-07-08,Y61,QHG,M1J4Y,U49574,E81050,CBT007,>5 min,9
"""

WAIT_CORE_CSV = """\
Date,REGION_CODE,ICB_CODE,SUB_ICB_LOCATION_CODE,PCN_CODE,PRACTICE_CODE,Indicator,Wait_Time,Core_Category,Value
2026-07-08,Y61,QHG,M1J4Y,U49574,E81050,CBT003,0-30,Core_8_10,20
2026-07-08,Y61,QHG,M1J4Y,U49574,E81050,CBT003,0-30,Core_10_1830,15
2026-07-08,Y61,QHG,M1J4Y,U49574,E81050,CBT003,>300,Core_8_10,4
2026-07-08,Y61,QHG,M1J4Y,U49574,E81050,CBT003,>300,Non-Core,1
"""


def daily(conn, kind: str | None = None) -> dict[tuple, int | None]:
    sql = "SELECT unit, ods_code, day, indicator, band_kind, band, value FROM cbt_daily"
    rows = conn.execute(sql + (" WHERE band_kind = ?" if kind else ""), [kind] if kind else [])
    return {tuple(r[:6]): r[6] for r in rows}


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_daily_time_bands_with_padded_headers(conn, tmp_path):
    report = import_file(conn, write(tmp_path / "cbt_daily_time.csv", TIME_CSV))
    assert report.kind == "cbt_daily" and report.status == "done", report.message
    got = daily(conn)
    assert got[("E81050", "E81050", "2026-07-08", "CBT001", "time", "08:00 - 09:59")] == 120
    assert got[("E81050", "E81050", "2026-07-08", "CBT001", "time", "TOTAL")] == 200
    assert got[("E81050", "E81050", "2026-07-08", "CBT004", "time", "TOTAL")] is None
    assert got[("Unassigned:M1J4Y", None, "2026-07-08", "CBT001", "time", "TOTAL")] == 10
    assert got[("K82064", "K82064", "2026-07-08", "CBT001", "time", "TOTAL")] == 50
    assert got[("K82064", "K82064", "2026-07-09", "CBT003", "time", "08:00 - 09:59")] == 30
    assert len(got) == 7 and report.rows_read == 8
    assert report.periods == ["2026-07"]


def test_daily_duration_and_wait_core_files(conn, tmp_path):
    assert import_file(conn, write(tmp_path / "d.csv", DURATION_CSV)).status == "done"
    report = import_file(conn, write(tmp_path / "w.csv", WAIT_CORE_CSV))
    assert report.status == "done", report.message
    duration = daily(conn, "duration")
    assert duration[("E81050", "E81050", "2026-07-08", "CBT003", "duration", "<1 min")] == 60
    assert duration[("E81050", "E81050", "2026-07-08", "CBT007", "duration", ">5 min")] == 9
    # the cross-tabulated file is kept as its two margins
    assert daily(conn, "wait") == {
        ("E81050", "E81050", "2026-07-08", "CBT003", "wait", "0-30"): 35,
        ("E81050", "E81050", "2026-07-08", "CBT003", "wait", ">300"): 5}
    assert daily(conn, "core") == {
        ("E81050", "E81050", "2026-07-08", "CBT003", "core", "Core_8_10"): 24,
        ("E81050", "E81050", "2026-07-08", "CBT003", "core", "Core_10_1830"): 15,
        ("E81050", "E81050", "2026-07-08", "CBT003", "core", "Non-Core"): 1}
    sources = {r[0] for r in conn.execute("SELECT source FROM coverage")}
    assert sources == {"cbt_day_duration", "cbt_day_wait", "cbt_day_core"}


def test_daily_zip_of_regions_and_revision_keeps_other_bands(conn, tmp_path):
    archive = tmp_path / "CBT_daily_July_2026.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("CBT_Y61_time.csv", TIME_CSV)
        z.writestr("CBT_Y61_duration.csv", DURATION_CSV)
    first = import_file(conn, archive)
    assert first.status == "done", first.message
    assert len(daily(conn, "time")) == 7 and len(daily(conn, "duration")) == 4
    revised = write(tmp_path / "time_revised.csv", TIME_CSV.replace(",120\n", ",121\n"))
    report = import_file(conn, revised)
    assert report.status == "done"
    got = daily(conn)
    assert got[("E81050", "E81050", "2026-07-08", "CBT001", "time", "08:00 - 09:59")] == 121
    assert len(daily(conn, "time")) == 7
    assert len(daily(conn, "duration")) == 4  # the zip's duration rows for that day stay


def test_daily_bad_lines_reported_by_line_number(conn, db_dump, tmp_path):
    lines = TIME_CSV.splitlines()
    lines[2] = lines[2].replace("CBT001", "CBT009")
    lines[3] = lines[3].replace("2026-07-08", "31/02/2026")
    lines[4] = lines[4].replace(",TOTAL,-", ",TOTAL,2x0")
    lines[5] = lines[5].replace("2026-07-08", "2026-13-08")
    before = db_dump(conn)
    report = import_file(conn, write(tmp_path / "bad.csv", "\n".join(lines) + "\n"))
    assert report.status == "failed"
    text = report.message
    assert "bad.csv, line 3: indicator 'CBT009' is not one of CBT001 ... CBT007" in text
    assert "bad.csv, line 4: Date: '31/02/2026' is not a real date" in text
    assert "bad.csv, line 5: value '2x0' is not a whole number of calls" in text
    assert "bad.csv, line 6: Date:" in text
    assert db_dump(conn) == before


def test_daily_without_band_column(conn, tmp_path):
    text = "Date,PRACTICE_CODE,Indicator,Value\n2026-07-08,E81050,CBT001,5\n"
    report = import_file(conn, write(tmp_path / "x.csv", text))
    assert report.status == "failed"
    assert "no band column (Time_Category, Duration, Wait_Time or Core_Category)" in report.message


def test_national_figures_follow_imports_and_undo(conn, db_path):
    """national_series is remembered per database file until an import or an undo changes it;
    another connection to the file sees the same figures."""
    assert national_series(conn, "missed_share", "2025-10", "2025-10") == []
    report = import_file(conn, WORKBOOK)
    first = national_series(conn, "missed_share", "2025-10", "2025-10")
    assert first and first[0]["practices"] > 1000
    first[0]["median"] = -1  # a caller changing its copy changes nothing remembered
    other = open_database(db_path)
    try:
        assert national_series(other, "missed_share", "2025-10", "2025-10")[0]["median"] > 0
    finally:
        other.close()
    undo_import(conn, report.import_id)
    assert national_series(conn, "missed_share", "2025-10", "2025-10") == []


def test_a_remembered_whole_series_serves_every_range(conn):
    import_file(conn, WORKBOOK)
    expected = national_series(conn, "answered_share", "2025-10", "2025-10")
    remember_national_series(conn, ["answered_share"])
    assert national_series(conn, "answered_share", "2025-10", "2025-10") == expected
    assert national_series(conn, "answered_share", "2025-11", None) == []
    assert national_series(conn, "answered_share", None, None) == expected


def test_remembered_series_of_other_databases_do_not_push_out_this_one(conn, tmp_path):
    """Series remembered for other database files (or older imports) make way for the current
    data's, so a warmed cache stays warm however many files a process has opened."""
    from practice_desk.metrics import national

    import_file(conn, WORKBOOK)
    for n in range(300):  # other files' series
        national._remember((("other.sqlite", n, 1, 0), "missed_share", None, None), [])
    remember_national_series(conn, ["missed_share", "answered_share"])
    computed = []
    original = national.national_series_uncached
    national.national_series_uncached = lambda *a: computed.append(a) or original(*a)
    try:
        national_series(conn, "missed_share", "2025-10", "2025-10")
        national_series(conn, "answered_share", None, None)
    finally:
        national.national_series_uncached = original
    assert computed == []
