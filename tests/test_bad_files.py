"""A corpus of broken and hostile files: each is refused with a clear message, nothing changes.

(Bad dates, bad and negative counts, truncated and damaged zips, xlsx renamed as csv and the
cancel path are in test_bad_input.py; mutated rows in test_fuzz_importers.py.)
"""

from __future__ import annotations

import csv
import zipfile
from pathlib import Path

import pytest

from practice_desk.importing import import_file, sources
from practice_desk.importing.runner import ImportOptions
from practice_desk.telephony.calllogs import presets

DATA = Path(__file__).parent / "data"
# Every supported CSV format, with the columns its importer needs.
REQUIRED = {
    "Practice_Level_Crosstab_subset_Oct_25.csv": [
        "APPOINTMENT_MONTH_START_DATE", "GP_CODE", "HCP_TYPE", "APPT_MODE", "NATIONAL_CATEGORY",
        "TIME_BETWEEN_BOOK_AND_APPT", "COUNT_OF_APPOINTMENTS", "APPT_STATUS"],
    "Mapping_subset_Oct_25.csv": ["GP_CODE", "PCN_CODE", "ICB_CODE"],
    "Regional_CSV_Somerset.csv": [
        "CCG_CODE", "Appointment_Month", "APPT_STATUS", "HCP_TYPE", "APPT_MODE",
        "TIME_BETWEEN_BOOK_AND_APPT", "COUNT_OF_APPOINTMENTS"],
    "National_Categories_subset_Nov_24.csv": [
        "SUB_ICB_LOCATION_CODE", "Appointment_Date", "SERVICE_SETTING", "CONTEXT_TYPE",
        "NATIONAL_CATEGORY", "COUNT_OF_APPOINTMENTS"],
    "PracPopFeb26_gp-reg-pat-prac-all.csv": [
        "EXTRACT_DATE", "TYPE", "CODE", "SEX", "AGE", "NUMBER_OF_PATIENTS"],
    "calls/xon_export.csv": ["Call Date", "Call Time", "Outcome"],
}


@pytest.fixture
def loaded(conn, crosstab_csv):
    assert import_file(conn, crosstab_csv).status == "done"
    return conn


def write_without(source: Path, column: str, target: Path) -> Path:
    with open(source, newline="", encoding="utf-8-sig") as f:
        rows = list(csv.reader(f))
    drop = rows[0].index(column)
    with open(target, "w", newline="", encoding="utf-8") as f:
        csv.writer(f, lineterminator="\r\n").writerows(
            [cell for i, cell in enumerate(row) if i != drop] for row in rows[:40])
    return target


def import_as_user(conn, path: Path):
    """A call log is imported with the supplier preset the user picked for it."""
    if "xon" not in path.name:
        return import_file(conn, path)
    preset = next(p for p in presets() if p.name.startswith("X-on"))
    return import_file(conn, path, options=ImportOptions(practice="E81050", mapping=preset))


@pytest.mark.parametrize("name,column", [(n, c) for n, cols in REQUIRED.items() for c in cols])
def test_each_required_column_removed_in_turn(loaded, db_dump, tmp_path, name, column):
    before = db_dump(loaded)
    path = write_without(DATA / name, column, tmp_path / Path(name).name)
    report = import_as_user(loaded, path)
    assert report.status == "failed", (name, column)
    assert path.name in report.message and "nothing was changed" in report.message
    assert db_dump(loaded) == before


def duplicate_line(source: Path, target: Path) -> Path:
    lines = source.read_bytes().splitlines(keepends=True)
    target.write_bytes(b"".join([*lines[:6], lines[3], *lines[6:30]]))
    return target


@pytest.mark.parametrize("name", [n for n in REQUIRED if not n.startswith("calls/")])
def test_duplicate_rows_are_refused(loaded, db_dump, tmp_path, name):
    before = db_dump(loaded)
    report = import_file(loaded, duplicate_line(DATA / name, tmp_path / name))
    assert report.status == "failed"
    assert "line 7" in report.message and "repeats an earlier row" in report.message
    assert db_dump(loaded) == before


def test_zip_bomb_is_refused(loaded, db_dump, tmp_path):
    before = db_dump(loaded)
    bomb = tmp_path / "Practice_Level_Crosstab_Oct_25.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("Practice_Level_Crosstab_Oct_25.csv", b"0" * (64 << 20))  # 64 MB
    report = import_file(loaded, bomb)
    assert report.status == "failed" and "refused" in report.message
    assert db_dump(loaded) == before


def test_zip_expanding_past_the_size_limit_is_refused(loaded, db_dump, tmp_path, monkeypatch,
                                                      crosstab_csv):
    monkeypatch.setattr(sources, "MAX_ZIP_TOTAL", 100_000)
    big = tmp_path / "Practice_Level_Crosstab_Oct_25.zip"
    with zipfile.ZipFile(big, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.write(crosstab_csv, "Practice_Level_Crosstab_Oct_25.csv")  # 497 kB unpacked
    before = db_dump(loaded)
    report = import_file(loaded, big)
    assert report.status == "failed" and "larger than" in report.message
    assert db_dump(loaded) == before


def test_a_50_megabyte_single_line(loaded, db_dump, tmp_path):
    before = db_dump(loaded)
    path = tmp_path / "one_line.csv"
    path.write_bytes(b"A" * (50 << 20))
    report = import_file(loaded, path)
    assert report.status == "failed" and "one_line.csv" in report.message
    assert len(report.message) < 2000  # the line is not echoed back
    assert db_dump(loaded) == before


def test_utf16_text_gets_a_way_forward(loaded, db_dump, tmp_path, mapping_csv):
    path = tmp_path / "mapping_unicode.csv"
    path.write_bytes(mapping_csv.read_text(encoding="utf-8").encode("utf-16"))
    before = db_dump(loaded)
    report = import_file(loaded, path)
    assert report.status == "failed" and "CSV UTF-8" in report.message
    assert db_dump(loaded) == before


def test_csv_renamed_as_xlsx_is_read_by_its_content(conn, tmp_path, mapping_csv):
    path = tmp_path / "Mapping.xlsx"
    path.write_bytes(mapping_csv.read_bytes())
    assert import_file(conn, path).status == "done"


def test_non_integer_count(loaded, db_dump, tmp_path, crosstab_csv):
    lines = crosstab_csv.read_text(encoding="utf-8").splitlines()
    row = lines[1].split(",")
    row[12] = "2.5"
    path = tmp_path / "fractional.csv"
    path.write_text("\n".join([lines[0], ",".join(row)]) + "\n")
    before = db_dump(loaded)
    report = import_file(loaded, path)
    assert "line 2" in report.message and "whole number" in report.message
    assert db_dump(loaded) == before


def test_huge_and_non_ascii_counts(loaded, db_dump, tmp_path, crosstab_csv):
    lines = crosstab_csv.read_text(encoding="utf-8").splitlines()
    rows = []
    for number, count in enumerate(["99999999999999999999", "1²"], start=1):
        row = lines[number].split(",")
        row[12] = count
        rows.append(",".join(row))
    path = tmp_path / "odd_counts.csv"
    path.write_text("\n".join([lines[0], *rows]) + "\n", encoding="utf-8")
    before = db_dump(loaded)
    report = import_file(loaded, path)
    assert "line 2" in report.message and "too large" in report.message
    assert "line 3" in report.message and "whole number" in report.message
    assert db_dump(loaded) == before
