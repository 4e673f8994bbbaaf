"""The one workbook reader: .xlsx workbooks read with python-calamine, guarded before reading.

Every workbook importer (CBT publication, NHS App exports, online consultations) opens workbooks
here. calamine reads a sheet several times faster than openpyxl (openpyxl stays for writing the
Excel export). Each sheet is read once: detection and loading share the cells of the workbook last
opened (a one-slot cache keyed by path, size and modification time), and `Workbook.release`
drops them when the import is done.

Cells are as calamine gives them: '' for an empty cell, float for every number, `date` or
`datetime` for dates, str, bool. Row k of `rows()` is the sheet's row k + 1 and column k its
column k + 1 (the rows start at A1 whatever the used area), so messages can name real rows.

Before reading, `check_workbook` refuses a workbook that could not be read within about 1 GB of
memory, from what the zip's directory and the start of each sheet declare (nothing is unpacked
but a few KB): its unpacked size, the rows each sheet spans, and the memory its cells and shared
strings would take.
"""

from __future__ import annotations

import html
import re
import threading
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from practice_desk.importing.problems import ImportFailed, ImportProblem

# Limits, each far above the real NHS workbooks (the largest unpacks to 14 MB, 6,600 rows a
# sheet, 200,000 cells) and below what would need 1 GB of memory or minutes to read.
MAX_UNPACKED = 256 << 20  # the whole workbook's XML
MAX_SHEET_ROWS = 200_000
MEMORY_BUDGET = 800 << 20  # estimated peak for the cells, leaving room for the app itself
CELL_BYTES = 150  # measured: calamine's cell plus its Python value, text cells (numbers: 80)
CELL_XML_BYTES = 20  # about the fewest XML bytes a cell takes ('<c r="A1"><v>1</v></c>')
HEAD_BYTES = 4096  # read from each sheet's start to find its <dimension>

_DIMENSION = re.compile(
    rb"<(?:\w+:)?dimension\s+ref=\"([A-Z]{1,3})(\d+)(?::([A-Z]{1,3})(\d+))?\"")
_SST_COUNTS = re.compile(rb"<(?:\w+:)?sst\b[^>]*?\bcount=\"(\d+)\"[^>]*?\buniqueCount=\"(\d+)\"")
_SHEET = re.compile(r"<(?:\w+:)?sheet\s([^>]*)>")
_RELATION = re.compile(r"<(?:\w+:)?Relationship\s([^>]*)>")
_ATTRIBUTE = re.compile(r"([\w:]+)=\"([^\"]*)\"")


def _refuse(path: Path, text: str) -> ImportFailed:
    return ImportFailed([ImportProblem(path.name, None, text)])


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def _mb(size: float) -> str:
    if size >= 1 << 30:
        return f"{size / (1 << 30):.1f} GB"
    return f"{size / (1 << 20):,.0f} MB" if size >= 1 << 20 else f"{size / 1024:,.0f} KB"


@dataclass
class _Extent:
    sheet: str
    rows: int
    cells: int


def _sheet_members(archive: zipfile.ZipFile) -> dict[str, str]:
    """Zip member of each worksheet -> the sheet's name (from workbook.xml and its relations)."""
    try:
        book = archive.read("xl/workbook.xml").decode("utf-8", "replace")
        rels = archive.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
    except KeyError:
        return {}
    targets = {}
    for tag in _RELATION.findall(rels):
        attributes = dict(_ATTRIBUTE.findall(tag))
        targets[attributes.get("Id")] = attributes.get("Target", "")
    names: dict[str, str] = {}
    for tag in _SHEET.findall(book):
        attributes = dict(_ATTRIBUTE.findall(tag))
        target = targets.get(attributes.get("r:id"), "")
        member = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        names[str(PurePosixPath(member))] = html.unescape(attributes.get("name", ""))
    return names


def _extent(archive: zipfile.ZipFile, info: zipfile.ZipInfo, sheet: str) -> _Extent:
    """Rows and cells a sheet declares in its <dimension> (from A1, as calamine lays them out),
    or the most cells its XML could hold where that is more (no <dimension>, as openpyxl's
    streamed workbooks, or one that says too little)."""
    with archive.open(info) as member:
        head = member.read(HEAD_BYTES)
    found = _DIMENSION.search(head)
    most = info.file_size // CELL_XML_BYTES
    if found is None:
        return _Extent(sheet, 0, most)
    last_col, last_row = found[3] or found[1], found[4] or found[2]
    rows, cols = int(last_row), _column_number(last_col)
    return _Extent(sheet, rows, max(rows * cols, most))


def _shared_string_bytes(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> int:
    """Memory the shared strings take: the table itself, and each cell's copy of its string
    (references x average string, from the counts the table declares)."""
    with archive.open(info) as member:
        head = member.read(HEAD_BYTES)
    found = _SST_COUNTS.search(head)
    if found is None:
        return info.file_size
    references, unique = int(found[1]), max(int(found[2]), 1)
    return info.file_size + references * (info.file_size // unique)


def check_workbook(path: Path) -> None:
    """Refuse, with the reason, a workbook that would take more than about 1 GB of memory or
    minutes to read: its declared sizes and sheet dimensions, before any sheet is read."""
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            unpacked = sum(i.file_size for i in infos)
            if unpacked > MAX_UNPACKED:
                raise _refuse(path, (
                    f"the workbook unpacks to {_mb(unpacked)} (from {_mb(path.stat().st_size)}), "
                    f"more than the {_mb(MAX_UNPACKED)} Practice Desk reads in a workbook "
                    "(NHS publications unpack to under 20 MB); refused before reading it. "
                    "Save its table as CSV and import that."))
            sheets = _sheet_members(archive)
            extents = [_extent(archive, i, sheets.get(i.filename, i.filename)) for i in infos
                       if i.filename in sheets or i.filename.startswith("xl/worksheets/")]
            strings = sum(_shared_string_bytes(archive, i) for i in infos
                          if i.filename.lower() == "xl/sharedstrings.xml")
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise _refuse(path, f"the workbook cannot be read ({exc})") from None
    for extent in extents:
        if extent.rows > MAX_SHEET_ROWS:
            raise _refuse(path, (
                f"sheet '{extent.sheet}' spans {extent.rows:,} rows; Practice Desk reads "
                f"workbooks of up to {MAX_SHEET_ROWS:,} rows a sheet (NHS publications have one "
                "row per practice or per day). Save the sheet as CSV, which is read a row at a "
                "time, and import that."))
    needed = sum(e.cells for e in extents) * CELL_BYTES + strings
    if needed > MEMORY_BUDGET:
        cells = sum(e.cells for e in extents)
        raise _refuse(path, (
            f"reading this workbook would take about {_mb(needed)} of memory ({cells:,} cells"
            + (f", shared text {_mb(strings)}" if strings > needed // 4 else "")
            + f"), more than the {_mb(MEMORY_BUDGET)} Practice Desk allows a workbook; refused "
            "before reading it. Save its table as CSV and import that."))


# --- reading ---------------------------------------------------------------------------------
@dataclass
class Workbook:
    """An opened workbook: its sheet names, and each sheet's rows read once, on first use."""

    path: Path
    key: tuple
    _book: object = None
    _rows: dict[str, list[list]] = field(default_factory=dict)

    @property
    def sheet_names(self) -> list[str]:
        return list(self._book.sheet_names)

    def rows(self, sheet: str) -> list[list]:
        """Every row of the sheet from row 1, every row as wide as the widest."""
        found = self._rows.get(sheet)
        if found is None:
            found = self._rows[sheet] = self._read(sheet)
        return found

    def head(self, sheet: str, count: int) -> list[list]:
        return self.rows(sheet)[:count]

    def _read(self, sheet: str) -> list[list]:
        from python_calamine import CalamineError

        try:
            return self._book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
        except (CalamineError, ValueError, OSError) as exc:
            raise _refuse(self.path, f"sheet '{sheet}' cannot be read ({exc})") from None

    def release(self) -> None:
        """Done with it: close the file and forget its cells."""
        with _LOCK:
            global _LAST
            if _LAST is self:
                _LAST = None
        self._rows.clear()
        self._book.close()

    def __enter__(self) -> Workbook:
        return self

    def __exit__(self, *_exc) -> None:
        self.release()


_LOCK = threading.Lock()
_LAST: Workbook | None = None  # the workbook detection opened, kept for its import


def open_workbook(path: Path) -> Workbook:
    """The workbook at `path`, checked by `check_workbook` first; ImportFailed (naming the file
    and the reason) when it cannot be read. The same file opened again (detection, then the
    import) gives the same Workbook with the sheets it has read."""
    global _LAST
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    with _LOCK:
        if _LAST is not None and _LAST.key == key:
            return _LAST
    check_workbook(path)
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        book = Workbook(path, key, CalamineWorkbook.from_path(str(path)))
    except (CalamineError, ValueError, OSError) as exc:
        raise _refuse(path, f"the workbook cannot be read ({exc})") from None
    with _LOCK:
        _LAST = book  # an earlier one is left to whoever still reads it (another import)
    return book


def forget() -> None:
    """Drop the workbook detection kept for its import (the import is over, or never came)."""
    global _LAST
    with _LOCK:
        _LAST = None


def is_workbook(path: Path) -> bool:
    """An .xlsx (or .xlsm) workbook, by its content."""
    try:
        with zipfile.ZipFile(path) as archive:
            return "xl/workbook.xml" in archive.namelist()
    except (zipfile.BadZipFile, OSError):
        return False


def blank(value: object) -> bool:
    """An empty cell ('' from calamine; None kept for callers that pad rows)."""
    return value is None or value == ""
