"""One check in every importer: implausible dates, numbers that would overflow or poison a
figure, duplicated column names, control characters and files mixing two encodings are refused
by line, naming the file, and nothing already stored changes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from practice_desk.importing import import_file
from practice_desk.importing.runner import ImportOptions
from practice_desk.nhs_app.common import BadFigure, figure
from tests.test_cbt import TIME_CSV, older_edition

DATA = Path(__file__).parent / "data"
XON = DATA / "calls" / "xon_export.csv"


@pytest.fixture
def loaded(conn, crosstab_csv):
    assert import_file(conn, crosstab_csv).status == "done"
    return conn


def refused(conn, db_dump, path: Path, practice: str | None = None):
    before = db_dump(conn)
    report = import_file(conn, path, options=ImportOptions(practice=practice))
    assert report.status == "failed", report.message
    assert path.name in report.message
    assert db_dump(conn) == before
    return report


def lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8-sig").splitlines()


def write(path: Path, rows: list[str], encoding: str = "utf-8") -> Path:
    path.write_bytes(("\r\n".join(rows) + "\r\n").encode(encoding))
    return path


# --- dates ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("day, words", [("1900-03-01", "before 2015"), ("2099-03-01", "future")])
def test_list_size_dates_outside_the_series(loaded, db_dump, tmp_path, population_csv, day, words):
    rows = lines(population_csv)
    rows[2] = rows[2].replace("2026-03-01", day)
    report = refused(loaded, db_dump, write(tmp_path / "gp-reg-pat-prac-all.csv", rows))
    assert [p.line for p in report.problems] == [3] and words in report.problems[0].problem


@pytest.mark.parametrize("day, words", [("06/10/1900", "before 2000"),
                                        ("06/10/2099", "future")])
def test_call_log_dates_outside_the_series(loaded, db_dump, tmp_path, day, words):
    """A practice's phone system logged calls before NHS England's series began (2015), so a
    call log's floor is 2000 (test_pbx_exports imports a 2013 log)."""
    rows = lines(XON)
    rows[2] = rows[2].replace("06/10/2025", day, 1)
    report = refused(loaded, db_dump, write(tmp_path / "xon.csv", rows), "A81001")
    assert [p.line for p in report.problems] == [3]
    assert "start time" in report.problems[0].problem and words in report.problems[0].problem


# --- numbers -------------------------------------------------------------------------------------
@pytest.mark.parametrize("column, value", [(9, "1e300"), (10, "1e300"), (9, "100000")])
def test_call_durations_longer_than_a_day(loaded, db_dump, tmp_path, column, value):
    rows = lines(XON)
    fields = rows[1].split(",")
    fields[column] = value
    rows[1] = ",".join(fields)
    report = refused(loaded, db_dump, write(tmp_path / "xon.csv", rows), "A81001")
    assert [p.line for p in report.problems] == [2]
    assert "longer than a day" in report.problems[0].problem


def test_cbt_count_that_would_overflow(loaded, db_dump, tmp_path):
    path = older_edition(tmp_path / "cbt_oct_24.xlsx", [
        ["A81001", "ONE", "00L", 10**30, 10, 80, 5],
        ["A81002", "TWO", "00L", 200, 9, 120, 1],
    ])
    report = refused(loaded, db_dump, path)
    assert "row 7" in report.message and "too large to be real" in report.message


def test_cbt_daily_value_that_would_overflow(loaded, db_dump, tmp_path):
    text = TIME_CSV.replace("08:00 - 09:59,120", "08:00 - 09:59," + "1" * 31)
    path = tmp_path / "cbt_daily_time.csv"
    path.write_text(text)
    report = refused(loaded, db_dump, path)
    assert [p.line for p in report.problems] == [2]
    assert "too large to be real" in report.problems[0].problem


def test_nhs_app_value_that_would_overflow(loaded, db_dump, tmp_path):
    with pytest.raises(BadFigure, match="too large"):
        figure("1e300")
    with pytest.raises(BadFigure, match="too large"):
        figure("1" * 30)
    rows = lines(DATA / "nhs_app" / "nhs_app_dashboard_internal.csv")
    rows[1] = rows[1].replace(",9800,", ",1e300,")
    report = refused(loaded, db_dump, write(tmp_path / "nhs_app_dashboard.csv", rows))
    assert [p.line for p in report.problems] == [2]
    assert "too large to be real" in report.problems[0].problem


# --- column names, control characters, encodings -------------------------------------------------
def test_a_column_named_twice_is_refused_not_guessed(loaded, db_dump, tmp_path, mapping_csv):
    rows = lines(mapping_csv)
    rows = [row + "," + row.split(",")[0] for row in rows]  # GP_CODE again at the end
    report = refused(loaded, db_dump, write(tmp_path / "Mapping.csv", rows))
    assert "columns 1 and 12 are both called 'GP_CODE'" in report.message


def test_a_mapped_call_log_column_named_twice_is_refused(loaded, db_dump, tmp_path):
    rows = lines(XON)
    rows = [row + "," + row.split(",")[8] for row in rows]  # Outcome again at the end
    report = refused(loaded, db_dump, write(tmp_path / "xon.csv", rows), "A81001")
    assert "columns 9 and 12 are both called 'Outcome'" in report.message


@pytest.mark.parametrize("name, practice", [("Mapping.csv", None), ("xon.csv", "A81001")])
def test_a_nul_inside_a_name_is_refused(loaded, db_dump, tmp_path, mapping_csv, name, practice):
    source = mapping_csv if practice is None else XON
    rows = lines(source)
    rows[2] = rows[2].replace(",", ",TEST\x00", 1)
    report = refused(loaded, db_dump, write(tmp_path / name, rows), practice)
    assert [p.line for p in report.problems] == [3]
    assert "control character (NUL)" in report.problems[0].problem


def test_a_file_mixing_utf8_and_windows_1252_is_refused(loaded, db_dump, tmp_path, mapping_csv):
    rows = lines(mapping_csv)
    head = "\r\n".join(rows[:3]).replace("LENSFIELD", "CAFÉ").encode("utf-8")
    tail = "\r\n".join(["", *rows[3:6]]).replace("PRACTICE", "PRACTICÉ").encode("cp1252")
    path = tmp_path / "Mapping.csv"
    path.write_bytes(head + tail + b"\r\n")
    report = refused(loaded, db_dump, path)
    assert "mixes two encodings: line 2 is UTF-8 text but line 4 is not" in report.message


def test_windows_1252_alone_still_imports(conn, tmp_path, mapping_csv):
    rows = lines(mapping_csv)
    text = "\r\n".join(rows).replace("LENSFIELD", "CAFÉ") + "\r\n"
    path = tmp_path / "Mapping.csv"
    path.write_bytes(text.encode("cp1252"))
    assert import_file(conn, path).status == "done"
    name = conn.execute("SELECT name FROM practices WHERE ods_code = 'D81001'").fetchone()[0]
    assert name == "CAFÉ MEDICAL PRACTICE"


def test_a_file_rewritten_between_imports_is_checked_again(loaded, db_dump, tmp_path,
                                                           mapping_csv):
    """The encoding check is remembered within one import only: the same path rewritten with
    the same size at once (inside the file system's clock tick) is read afresh."""
    rows = lines(mapping_csv)
    path = write(tmp_path / "Mapping.csv", [rows[0], rows[1].replace(",", ",TEST\x00", 1)])
    assert import_file(loaded, path).status == "failed"
    first = path.stat()
    write(tmp_path / "Mapping.csv", [rows[0], rows[1].replace(",", ",TEST ", 1)])
    os.utime(path, ns=(first.st_atime_ns, first.st_mtime_ns))  # as if within one clock tick
    assert path.stat().st_size == first.st_size
    report = import_file(loaded, path)
    assert report.status == "done", report.message
