"""The one workbook reader (practice_desk/importing/workbooks.py): calamine cells laid out as the
sheet's rows, each sheet read once per import, and the guards that refuse a workbook too large to
read before reading it. The oversized workbooks are made here, small: a real one whose zip
directory or <dimension> declares what a huge one would."""

from __future__ import annotations

import struct
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest

from practice_desk.importing import import_file, workbooks
from practice_desk.importing.problems import ImportFailed
from practice_desk.importing.workbooks import check_workbook, open_workbook

DATA = Path(__file__).parent / "data"
CBT = DATA / "Cloud Based Telephony Publication Summary October 2025_v2.xlsx"


# --- a small workbook written as raw parts, so that every declared figure can be chosen ----------
def _column(number: int) -> str:
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def write_workbook(path: Path, rows: list[list], dimension: str | None = "auto",
                   shared: tuple[int, int, str] | None = None) -> Path:
    """An .xlsx with one sheet 'Data' (rows of numbers or text); `dimension` is written as given
    ('auto': the true one, None: none); `shared` = (count, uniqueCount, text) adds a shared-string
    table declaring those counts."""
    width = max(len(r) for r in rows)
    if dimension == "auto":
        dimension = f"A1:{_column(width)}{len(rows)}"
    cells = []
    for r, row in enumerate(rows, 1):
        items = []
        for c, value in enumerate(row, 1):
            ref = f"{_column(c)}{r}"
            if isinstance(value, str):
                items.append(f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>')
            else:
                items.append(f'<c r="{ref}"><v>{value}</v></c>')
        cells.append(f'<row r="{r}">{"".join(items)}</row>')
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    package = "http://schemas.openxmlformats.org/package/2006/relationships"
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="rels" ContentType="application/vnd.openxml'
            'formats-package.relationships+xml"/><Default Extension="xml" ContentType="'
            'application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName'
            '="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.worksheet+xml"/></Types>'),
        "_rels/.rels": (
            f'<?xml version="1.0"?><Relationships xmlns="{package}"><Relationship Id="rId1" '
            f'Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>'),
        "xl/workbook.xml": (
            f'<?xml version="1.0"?><workbook xmlns="{main}" xmlns:r="{rel}"><sheets>'
            '<sheet name="Data" sheetId="1" r:id="rId1"/></sheets></workbook>'),
        "xl/_rels/workbook.xml.rels": (
            f'<?xml version="1.0"?><Relationships xmlns="{package}"><Relationship Id="rId1" '
            f'Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'),
        "xl/worksheets/sheet1.xml": (
            f'<?xml version="1.0"?><worksheet xmlns="{main}">{dim}<sheetData>{"".join(cells)}'
            '</sheetData></worksheet>'),
    }
    if shared:
        count, unique, text = shared
        parts["xl/sharedStrings.xml"] = (
            f'<?xml version="1.0"?><sst xmlns="{main}" count="{count}" uniqueCount="{unique}">'
            f'<si><t>{text}</t></si></sst>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    return path


def declare_sizes(path: Path, member: str, compressed: int, unpacked: int) -> Path:
    """Rewrite the sizes the zip's central directory declares for `member` (as a zip bomb does:
    nothing is unpacked to check them)."""
    data = bytearray(path.read_bytes())
    name = member.encode()
    at = 0
    while True:
        at = data.index(b"PK\x01\x02", at)
        length = struct.unpack_from("<H", data, at + 28)[0]
        if data[at + 46:at + 46 + length] == name:
            struct.pack_into("<II", data, at + 20, compressed, unpacked)
            break
        at += 46
    path.write_bytes(bytes(data))
    return path


# --- reading ----------------------------------------------------------------------------------
def test_rows_are_the_sheets_rows_from_a1(tmp_path: Path) -> None:
    """Row k is sheet row k + 1 and column k column k + 1 even when the table starts lower."""
    path = tmp_path / "book.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Figures"
    sheet["C4"] = "Practice"
    sheet["D4"] = "Calls"
    sheet["C5"] = "A81001"
    sheet["D5"] = 12
    book.save(path)
    with open_workbook(path) as read:
        rows = read.rows("Figures")
    assert rows[3][2:4] == ["Practice", "Calls"]
    assert rows[4][2:4] == ["A81001", 12.0]
    assert rows[0] == ["", "", "", ""]


def test_real_cbt_cells_match_openpyxl() -> None:
    """Every cell of the real CBT practice tables as openpyxl reads it (numbers as floats,
    empty cells as '')."""
    theirs = openpyxl.load_workbook(CBT, read_only=True, data_only=True)
    with open_workbook(CBT) as ours:
        for name in ("Table 3", "Table 4", "Table 5"):
            expected = list(theirs[name].iter_rows(values_only=True))
            got = ours.rows(name)
            assert len(got) == len(expected)
            for want, have in zip(expected, got, strict=True):
                padded = [("" if v is None else v) for v in want]
                padded += [""] * (len(have) - len(padded))
                assert [str(v)[:10] if hasattr(v, "year") else v for v in padded] == \
                       [str(v)[:10] if hasattr(v, "year") else v for v in have]
    theirs.close()


def test_detection_and_import_read_each_sheet_once(conn, monkeypatch) -> None:
    reads: list[str] = []
    original = workbooks.Workbook._read

    def counted(self, sheet):
        reads.append(sheet)
        return original(self, sheet)

    monkeypatch.setattr(workbooks.Workbook, "_read", counted)
    report = import_file(conn, CBT)
    assert report.status == "done", report.message
    assert sorted(reads) == sorted(set(reads))  # none twice
    assert {"Table 3", "Table 4", "Table 5"} <= set(reads)
    assert workbooks._LAST is None  # released after the import: no cells kept


def test_no_cells_are_kept_after_a_duplicate_or_refused_workbook(conn, tmp_path: Path) -> None:
    """Detection keeps a workbook's cells for its import; an import that stops before reading
    them (a repeat of an earlier file, a workbook of no known kind) lets them go too."""
    assert import_file(conn, CBT).status == "done"
    assert import_file(conn, CBT).status == "duplicate"
    assert workbooks._LAST is None
    other = write_workbook(tmp_path / "other.xlsx", [["Code", "Calls"], ["A81001", 1]])
    assert import_file(conn, other).status == "failed"
    assert workbooks._LAST is None


def test_a_changed_file_is_read_again(tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "a.xlsx", [["Code", "Calls"], ["A81001", 1]])
    first = open_workbook(path)
    assert first.rows("Data")[1] == ["A81001", 1.0]
    time.sleep(0.01)
    write_workbook(path, [["Code", "Calls"], ["A81001", 2]])
    second = open_workbook(path)
    assert second is not first
    assert second.rows("Data")[1] == ["A81001", 2.0]
    second.release()


def test_not_a_workbook_is_refused_with_the_file_named(tmp_path: Path) -> None:
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(ImportFailed) as caught:
        open_workbook(path)
    assert "broken.xlsx" in str(caught.value)
    assert "cannot be read" in str(caught.value)


# --- guards: refused before reading, within seconds, with the reason ---------------------------
def refused(conn, path: Path) -> str:
    started = time.perf_counter()
    report = import_file(conn, path)
    assert time.perf_counter() - started < 5
    assert report.status == "failed"
    assert "Traceback" not in report.message
    assert path.name in report.message
    return report.message


def test_workbook_unpacking_to_a_gigabyte_is_refused(conn, tmp_path: Path) -> None:
    """52 MB of sheets declaring 1 GiB unpacked (a ratio of 20, well under the zip-bomb 200)."""
    path = write_workbook(tmp_path / "big.xlsx", [["Code", "Calls"], ["A81001", 1]])
    declare_sizes(path, "xl/worksheets/sheet1.xml", 52 << 20, 1 << 30)
    message = refused(conn, path)
    assert "unpacks to 1.0 GB" in message
    assert "refused before reading" in message


def test_a_million_row_sheet_is_refused(conn, tmp_path: Path) -> None:
    """A sheet whose dimension spans Excel's 1,048,576 rows: refused by its rows."""
    path = write_workbook(tmp_path / "rows.xlsx", [["Code", "Calls"], ["A81001", 1]],
                          dimension="A1:B1048576")
    message = refused(conn, path)
    assert "sheet 'Data' spans 1,048,576 rows" in message
    assert "CSV" in message


def test_too_many_cells_are_refused_by_memory(conn, tmp_path: Path) -> None:
    """150,000 rows (under the row limit) by 40 columns: 6 million cells, over 800 MB."""
    path = write_workbook(tmp_path / "wide.xlsx", [["Code", "Calls"], ["A81001", 1]],
                          dimension="A1:AN150000")
    message = refused(conn, path)
    assert "6,000,000 cells" in message
    assert "of memory" in message


def test_shared_strings_expanding_159_fold_are_refused(conn, tmp_path: Path) -> None:
    """A shared-string table unpacking 159-fold (under the 200-fold zip guard) whose strings
    the cells refer to 2 million times: each cell holds its own copy."""
    path = write_workbook(tmp_path / "strings.xlsx", [["Code", "Calls"], ["A81001", 1]],
                          shared=(2_000_000, 10, "x"))
    declare_sizes(path, "xl/sharedStrings.xml", 1 << 20, 159 << 20)
    message = refused(conn, path)
    assert "shared text" in message
    assert "of memory" in message


def test_a_sheet_without_dimension_is_bounded_by_its_xml(tmp_path: Path) -> None:
    """openpyxl's streamed workbooks write no <dimension>: the sheet's XML bounds its cells."""
    path = write_workbook(tmp_path / "nodim.xlsx", [["Code", "Calls"], ["A81001", 1]],
                          dimension=None)
    check_workbook(path)  # small: read
    declare_sizes(path, "xl/worksheets/sheet1.xml", 1 << 20, 200 << 20)
    with pytest.raises(ImportFailed, match="10,485,760 cells"):
        check_workbook(path)


def test_a_dimension_saying_too_little_is_bounded_by_the_xml(tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "small.xlsx", [["Code", "Calls"], ["A81001", 1]],
                          dimension="A1")
    declare_sizes(path, "xl/worksheets/sheet1.xml", 1 << 20, 200 << 20)
    with pytest.raises(ImportFailed, match="10,485,760 cells"):
        check_workbook(path)


def test_real_workbooks_pass_the_guards(data_dir: Path) -> None:
    for path in sorted(data_dir.glob("*.xlsx")):
        check_workbook(path)


def test_a_sheet_larger_than_declared_is_refused_while_reading(conn, tmp_path: Path) -> None:
    """The guards trust the declared sizes, and so do the readers: a sheet that unpacks to more
    than it declares stops with a message (here already while its start is checked), never a
    runaway read (calamine too stops at the declared size)."""
    rows = [["Code", "Calls"]] + [["A81001", n] for n in range(2000)]
    path = write_workbook(tmp_path / "lies.xlsx", rows, dimension=None)
    info = zipfile.ZipFile(path).getinfo("xl/worksheets/sheet1.xml")
    declare_sizes(path, "xl/worksheets/sheet1.xml", info.compress_size, 1000)
    with pytest.raises(ImportFailed, match="lies.xlsx: the workbook cannot be read"):
        open_workbook(path).rows("Data")
