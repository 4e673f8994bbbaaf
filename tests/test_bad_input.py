"""Bad files are refused with a message naming the file, the line and the problem, and the
database keeps exactly what it had. Each test starts from a database holding real data."""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
import pytest

from practice_desk.importing import import_file

BAD_LINE = 100  # physical line (header is line 1) that the tests spoil


@pytest.fixture
def loaded(conn, crosstab_csv, mapping_csv, population_csv):
    """A database with a successful earlier import of each main kind: there is data to lose."""
    for path in (crosstab_csv, mapping_csv, population_csv):
        report = import_file(conn, path)
        assert report.status == "done", report.message
    assert conn.execute("SELECT COUNT(*) FROM gpad_appointments").fetchone()[0] > 2000
    return conn


def crosstab_lines(crosstab_csv: Path) -> list[str]:
    return crosstab_csv.read_text(encoding="utf-8").splitlines(keepends=True)


def spoil_field(crosstab_csv: Path, column: str, value: str, line: int = BAD_LINE) -> str:
    """The crosstab with one field of one physical line replaced."""
    lines = crosstab_lines(crosstab_csv)
    header = lines[0].rstrip("\r\n").split(",")
    fields = lines[line - 1].rstrip("\r\n").split(",")
    fields[header.index(column)] = value
    lines[line - 1] = ",".join(fields) + "\r\n"
    return "".join(lines)


def refused(conn, db_dump, path: Path) -> str:
    """Import `path`, check it failed and changed nothing; return the message."""
    before = db_dump(conn)
    report = import_file(conn, path)
    assert report.status == "failed", report.message
    assert not report.ok
    assert report.problems
    assert path.name in report.message
    assert "nothing was changed" in report.message
    assert not conn.in_transaction
    assert db_dump(conn) == before
    return report.message


# --- columns and values ------------------------------------------------------------------
@pytest.mark.parametrize("column", ["APPT_STATUS", "HCP_TYPE", "NATIONAL_CATEGORY"])
def test_missing_required_column(loaded, db_dump, tmp_path, crosstab_csv, column):
    lines = crosstab_lines(crosstab_csv)
    index = lines[0].rstrip("\r\n").split(",").index(column)
    kept = []
    for line in lines:
        fields = line.rstrip("\r\n").split(",")
        del fields[index]
        kept.append(",".join(fields) + "\r\n")
    path = tmp_path / "Practice_Level_Crosstab_no_column.csv"
    path.write_text("".join(kept), encoding="utf-8")
    message = refused(loaded, db_dump, path)
    assert f"{path.name}, line 1" in message
    assert "missing column" in message
    assert column in message


@pytest.mark.parametrize(("value", "words"), [
    ("01OCX2025", "not a month name"),
    ("32OCT2025", "not a real date"),
    ("15OCT2025", "first day of a month"),
    ("yesterday", "not a date"),
    ("01OCT2099", "in the future"),
    ("01MAR2009", "before"),
])
def test_bad_date(loaded, db_dump, tmp_path, crosstab_csv, value, words):
    path = tmp_path / "Practice_Level_Crosstab_bad_date.csv"
    path.write_text(spoil_field(crosstab_csv, "APPOINTMENT_MONTH_START_DATE", value),
                    encoding="utf-8")
    message = refused(loaded, db_dump, path)
    assert f"{path.name}, line {BAD_LINE}" in message
    assert words in message


@pytest.mark.parametrize("value", ["12a", "3.5", "", "lots", "1,000"])
def test_non_numeric_count(loaded, db_dump, tmp_path, crosstab_csv, value):
    text = spoil_field(crosstab_csv, "COUNT_OF_APPOINTMENTS", f'"{value}"' if "," in value
                       else value)
    path = tmp_path / "Practice_Level_Crosstab_bad_count.csv"
    path.write_text(text, encoding="utf-8")
    message = refused(loaded, db_dump, path)
    assert f"{path.name}, line {BAD_LINE}" in message
    assert f"'{value}'" in message
    assert "not a whole number" in message


def test_negative_count(loaded, db_dump, tmp_path, crosstab_csv):
    path = tmp_path / "Practice_Level_Crosstab_negative.csv"
    path.write_text(spoil_field(crosstab_csv, "COUNT_OF_APPOINTMENTS", "-5"), encoding="utf-8")
    message = refused(loaded, db_dump, path)
    assert f"{path.name}, line {BAD_LINE}" in message
    assert "'-5'" in message


def test_every_bad_line_is_named(loaded, db_dump, tmp_path, crosstab_csv):
    """Several bad rows: each is reported with its own line number."""
    text = spoil_field(crosstab_csv, "COUNT_OF_APPOINTMENTS", "x", line=10)
    path = tmp_path / "Practice_Level_Crosstab_two_bad.csv"
    path.write_text(text, encoding="utf-8")
    text = spoil_field(path, "COUNT_OF_APPOINTMENTS", "-1", line=2000)
    path.write_text(text, encoding="utf-8")
    message = refused(loaded, db_dump, path)
    assert f"{path.name}, line 10: count 'x'" in message
    assert f"{path.name}, line 2000: count '-1'" in message


def test_bad_row_at_the_very_end_still_rolls_back(loaded, db_dump, tmp_path, crosstab_csv):
    last = len(crosstab_lines(crosstab_csv))
    path = tmp_path / "Practice_Level_Crosstab_bad_last.csv"
    path.write_text(spoil_field(crosstab_csv, "COUNT_OF_APPOINTMENTS", "n/a", line=last),
                    encoding="utf-8")
    message = refused(loaded, db_dump, path)
    assert f"line {last}" in message


def test_row_with_extra_field(loaded, db_dump, tmp_path, crosstab_csv):
    lines = crosstab_lines(crosstab_csv)
    lines[BAD_LINE - 1] = lines[BAD_LINE - 1].replace(",", ",X,", 1)  # a stray comma
    path = tmp_path / "Practice_Level_Crosstab_extra_field.csv"
    path.write_text("".join(lines), encoding="utf-8")
    message = refused(loaded, db_dump, path)
    assert f"{path.name}, line {BAD_LINE}" in message
    assert "15 fields where the header has 14" in message


# --- whole-file problems -----------------------------------------------------------------
def test_empty_file(loaded, db_dump, tmp_path):
    path = tmp_path / "Practice_Level_Crosstab_empty.csv"
    path.write_bytes(b"")
    message = refused(loaded, db_dump, path)
    assert "empty" in message


def test_header_only(loaded, db_dump, tmp_path, crosstab_csv):
    path = tmp_path / "Practice_Level_Crosstab_header_only.csv"
    path.write_text(crosstab_lines(crosstab_csv)[0], encoding="utf-8")
    message = refused(loaded, db_dump, path)
    assert "header but no data rows" in message


def test_header_only_population(loaded, db_dump, tmp_path, population_csv):
    path = tmp_path / "gp-reg-pat-prac-all.csv"
    path.write_text(population_csv.read_text(encoding="utf-8").splitlines()[0] + "\n",
                    encoding="utf-8")
    message = refused(loaded, db_dump, path)
    assert "no practice totals" in message or "no data rows" in message


def test_xlsx_renamed_csv(loaded, db_dump, tmp_path):
    book = openpyxl.Workbook()
    book.active.title = "Practice Level"
    book.active.append(["GP_CODE", "COUNT_OF_APPOINTMENTS"])
    book.active.append(["D81001", 5])
    path = tmp_path / "Practice_Level_Crosstab_Oct_25.csv"
    book.save(path)
    message = refused(loaded, db_dump, path)
    assert "Excel workbook" in message
    assert "Practice Level" in message


@pytest.mark.parametrize("head", [b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",  # old Excel .xls
                                  b"\x89PNG\r\n\x1a\n\x00\x00"], ids=["xls", "png"])
def test_binary_file_renamed_csv(loaded, db_dump, tmp_path, head):
    path = tmp_path / "appointments.csv"
    path.write_bytes(head + bytes(range(256)) * 40)
    message = refused(loaded, db_dump, path)
    assert "not a text (CSV) file" in message


def test_random_text_file(loaded, db_dump, tmp_path):
    path = tmp_path / "notes.csv"
    path.write_text("Meeting notes\nRemember to order more flu vaccine, 200 doses\n",
                    encoding="utf-8")
    message = refused(loaded, db_dump, path)
    assert f"{path.name}, line 1" in message
    assert "do not match any file Practice Desk imports" in message


def test_missing_file(loaded, db_dump, tmp_path):
    message = refused(loaded, db_dump, tmp_path / "not_there.csv")
    assert "no such file" in message


# --- zips --------------------------------------------------------------------------------
def _release_zip(tmp_path: Path, crosstab_csv: Path, mapping_csv: Path,
                 midlands_text: str | None = None) -> Path:
    lines = crosstab_lines(crosstab_csv)
    east = [line for line in lines[1:] if ",J82" in line]
    north = [line for line in lines[1:] if ",J82" not in line]
    target = tmp_path / "Practice_Level_Crosstab_Oct_25.zip"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("Mapping.csv", mapping_csv.read_bytes())
        archive.writestr("Practice_Level_Crosstab_London_East_South_Oct_25.csv",
                         lines[0] + "".join(east))
        archive.writestr("Practice_Level_Crosstab_Midlands_North_Oct_25.csv",
                         midlands_text if midlands_text is not None
                         else lines[0] + "".join(north))
    return target


def test_truncated_zip(loaded, db_dump, tmp_path, crosstab_csv, mapping_csv):
    whole = _release_zip(tmp_path, crosstab_csv, mapping_csv).read_bytes()
    path = tmp_path / "Practice_Level_Crosstab_Oct_25_partial.zip"
    path.write_bytes(whole[: len(whole) // 2])
    message = refused(loaded, db_dump, path)
    assert "zip file is damaged" in message


def test_bad_member_rolls_back_the_good_ones(loaded, db_dump, tmp_path, crosstab_csv,
                                            mapping_csv):
    """The good member claims the same practices and month as the loaded data; the bad one
    fails after it. Nothing of either may remain, and the older rows must come back."""
    lines = crosstab_lines(crosstab_csv)
    north = [line for line in lines[1:] if ",J82" not in line]
    fields = north[4].rstrip("\r\n").split(",")
    fields[12] = "many"
    north[4] = ",".join(fields) + "\r\n"
    path = _release_zip(tmp_path, crosstab_csv, mapping_csv, lines[0] + "".join(north))
    message = refused(loaded, db_dump, path)
    assert "Practice_Level_Crosstab_Midlands_North_Oct_25.csv, line 6" in message
    assert "'many'" in message


@pytest.mark.parametrize("method", [zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED],
                         ids=["deflated", "stored"])
def test_zip_with_damaged_member_data(loaded, db_dump, tmp_path, crosstab_csv, method):
    """The zip's directory is intact but a member's bytes are spoilt (a bad download)."""
    path = tmp_path / "Practice_Level_Crosstab_Oct_25_bad_download.zip"
    with zipfile.ZipFile(path, "w", method) as archive:
        archive.writestr("Practice_Level_Crosstab_London_East_South_Oct_25.csv",
                         crosstab_csv.read_bytes())
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    for i in range(middle, middle + 64):
        data[i] = ord("7") if data[i] != ord("7") else ord("8")
    path.write_bytes(bytes(data))
    message = refused(loaded, db_dump, path)
    assert "damaged" in message


def test_zip_with_nothing_importable(loaded, db_dump, tmp_path):
    path = tmp_path / "holiday_photos.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "hello")
        archive.writestr("photo.jpg", b"\xff\xd8\xff\xe0" + bytes(100))
    message = refused(loaded, db_dump, path)
    assert "holds no file Practice Desk can import" in message
    assert "readme.txt" in message


# --- encodings ---------------------------------------------------------------------------
def _with_accented_name(crosstab_csv: Path) -> str:
    return crosstab_csv.read_text(encoding="utf-8").replace(
        "LENSFIELD MEDICAL PRACTICE", "LENSFIELD MÉDICAL PRACTICE – ST JOHN’S")


def _totals(conn) -> dict[str, int]:
    return {r[0]: r[1] for r in conn.execute(
        "SELECT ods_code, SUM(count) FROM gpad_appointments GROUP BY ods_code")}


@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"], ids=["no-bom", "bom"])
def test_windows_1252_file_imports_with_names_decoded(conn, tmp_path, crosstab_csv, bom):
    """Excel on Windows saves CSV as Windows-1252, sometimes behind a UTF-8 byte-order mark.
    sources.py reads such a file as Windows-1252: it imports, names decoded, with a warning."""
    assert import_file(conn, crosstab_csv).status == "done"
    expected_totals = _totals(conn)
    text = _with_accented_name(crosstab_csv)
    first_line = next(i for i, line in enumerate(text.splitlines(), 1) if "MÉDICAL" in line)
    path = tmp_path / "Practice_Level_Crosstab_excel.csv"
    path.write_bytes(bom + text.encode("cp1252"))
    report = import_file(conn, path)
    assert report.status == "done", report.message
    name = conn.execute("SELECT name FROM practices WHERE ods_code = 'D81001'").fetchone()[0]
    assert name == "LENSFIELD MÉDICAL PRACTICE – ST JOHN’S"
    assert any("Windows-1252" in w and f"line {first_line}" in w for w in report.warnings), \
        report.warnings
    # Same counts as the UTF-8 original: the revision replaced it, nothing doubled.
    assert _totals(conn) == expected_totals


def test_bytes_no_encoding_can_read(loaded, db_dump, tmp_path, crosstab_csv):
    """0x81 is neither UTF-8 here nor defined in Windows-1252: refused, not a crash."""
    data = crosstab_csv.read_bytes().replace(b"LENSFIELD MEDICAL", b"LENSFIELD M\x81DICAL", 1)
    path = tmp_path / "Practice_Level_Crosstab_garbled.csv"
    path.write_bytes(data)
    message = refused(loaded, db_dump, path)
    assert "0x81" in message


def test_utf8_file_with_bom_imports(conn, tmp_path, crosstab_csv):
    path = tmp_path / "Practice_Level_Crosstab_bom.csv"
    path.write_bytes(b"\xef\xbb\xbf" + _with_accented_name(crosstab_csv).encode("utf-8"))
    report = import_file(conn, path)
    assert report.status == "done", report.message
    assert report.warnings == []
    name = conn.execute("SELECT name FROM practices WHERE ods_code = 'D81001'").fetchone()[0]
    assert name == "LENSFIELD MÉDICAL PRACTICE – ST JOHN’S"


# --- cancel and progress -----------------------------------------------------------------
@pytest.fixture(scope="module")
def many_months(tmp_path_factory) -> Path:
    """The real October rows relabelled as 20 earlier months: a 52,760-row national-sized
    slice, big enough for the importer's progress and cancel checks (every 20,000 rows)."""
    source = Path(__file__).parent / "data" / "Practice_Level_Crosstab_subset_Oct_25.csv"
    lines = source.read_text(encoding="utf-8").splitlines(keepends=True)
    months = [f"01{m}{y}" for y in (2023, 2024) for m in
              ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")]
    parts = [lines[0]]
    for month in months[4:24]:
        parts.extend(line.replace("01OCT2025", month, 1) for line in lines[1:])
    path = tmp_path_factory.mktemp("big") / "Practice_Level_Crosstab_20_months.csv"
    path.write_text("".join(parts), encoding="utf-8")
    return path


def test_cancel_leaves_the_database_unchanged(loaded, db_dump, many_months):
    before = db_dump(loaded)
    asked = []

    def cancel() -> bool:
        asked.append(True)
        return True

    report = import_file(loaded, many_months, cancel=cancel)
    assert report.status == "cancelled"
    assert asked
    assert many_months.name in report.message
    assert "nothing was changed" in report.message
    assert not loaded.in_transaction
    assert db_dump(loaded) == before
    # After a cancel the same file can still be imported in full.
    again = import_file(loaded, many_months)
    assert again.status == "done", again.message
    assert again.rows_stored == len(many_months.read_text(encoding="utf-8").splitlines()) - 1


def test_cancel_later_in_the_file(loaded, db_dump, many_months):
    before = db_dump(loaded)
    calls = []

    def cancel() -> bool:
        calls.append(True)
        return len(calls) >= 2  # let 20,000 rows through, stop at 40,000

    report = import_file(loaded, many_months, cancel=cancel)
    assert report.status == "cancelled"
    assert len(calls) == 2
    assert db_dump(loaded) == before


def test_progress_rises_to_one(conn, many_months):
    seen: list[tuple[float, str]] = []
    report = import_file(conn, many_months, progress=lambda f, text: seen.append((f, text)))
    assert report.status == "done", report.message
    fractions = [f for f, _ in seen]
    assert len(fractions) >= 3
    assert all(0.0 <= f <= 1.0 for f in fractions)
    assert all(a < b for a, b in zip(fractions, fractions[1:], strict=False)), fractions
    assert fractions[0] < 0.5
    assert fractions[-1] == 1.0
    assert all(many_months.name in text for _, text in seen)


def test_progress_through_a_zip_rises_to_one(conn, tmp_path, crosstab_csv, mapping_csv,
                                             monkeypatch):
    from practice_desk.importing import context

    monkeypatch.setattr(context, "CHECK_EVERY", 250)
    seen: list[float] = []
    path = _release_zip(tmp_path, crosstab_csv, mapping_csv)
    report = import_file(conn, path, progress=lambda f, text: seen.append(f))
    assert report.status == "done", report.message
    assert len(seen) >= 5
    assert all(a <= b for a, b in zip(seen, seen[1:], strict=False)), seen
    assert seen[0] < seen[-1] == 1.0
