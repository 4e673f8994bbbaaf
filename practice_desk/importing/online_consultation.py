"""NHS England's "Submissions via Online Consultation Systems in General Practice" workbook
(online_consultation.md): Table 2's practice rows and Table 3's England weekday x time band
averages. Both workbook names and every header spelling (footnote marks vary) are read by content.

Missing is not zero: a practice that does not take part (`Participation` 0), or whose supplier is
`No Data` with every count 0, has its counts stored as NULL. A re-issued workbook for a month
replaces that month.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime
from itertools import zip_longest
from pathlib import Path

from local_db.bulk import insert_columns
from practice_desk.importing.context import ImportContext, RowProblems
from practice_desk.importing.dates import BadDate, check_plausible, parse_month
from practice_desk.importing.importer import Importer
from practice_desk.importing.problems import ImportFailed, ImportProblem
from practice_desk.importing.rows import upsert_practice_columns, valid_ods
from practice_desk.importing.sources import Source
from practice_desk.importing.workbooks import Workbook, blank, open_workbook
from practice_desk.plausible import MAX_COUNT, check_count

HEADER_SCAN = 40  # rows searched for a table's header
ENGLAND = "ENGLAND"

# Column -> the header names it is published under, footnote marks removed and lower-cased.
# Matched exactly first; the counts and the patient count also by their words, so a reworded
# edition ('Other / Unknown Type Submissions', 'Registered Patients') is still read.
COLUMNS = {
    "month": ("month",),
    "code": ("gp code", "practice code"),
    "name": ("gp name", "practice name"),
    "pcn_code": ("pcn code",),
    "pcn_name": ("pcn name",),
    "sub_icb_code": ("sub icb code", "sub icb location code", "sub-icb code"),
    "sub_icb_name": ("sub icb name", "sub icb location name", "sub-icb name"),
    "icb_code": ("icb code",),
    "icb_name": ("icb name",),
    "region_code": ("region code",),
    "region_name": ("region name",),
    "supplier": ("supplier",),
    "submissions": ("submissions", "total submissions", "all submissions"),
    "clinical": ("clinical submissions",),
    "admin": ("administrative submissions", "admin submissions"),
    "other": ("other/unknown type submissions", "other submissions"),
    "patients": ("registered patient count", "registered patients"),
    "rate": ("rate per 1,000 registered patients", "rate per 1000 registered patients"),
    "participation": ("participation",),
}
WORDS = {
    "clinical": lambda n: n.startswith("clinical") and "submission" in n,
    "admin": lambda n: n.startswith("admin") and "submission" in n,
    "other": lambda n: "other" in n and "submission" in n,
    "patients": lambda n: "registered patient" in n and not n.startswith("rate"),
    "participation": lambda n: n.startswith("participat"),
}
REQUIRED = ["month", "code", "submissions", "clinical", "admin", "other", "patients"]
COUNTS = ["submissions", "clinical", "admin", "other"]
PRACTICE_INFO = ["name", "pcn_code", "pcn_name", "sub_icb_code", "sub_icb_name", "icb_code",
                 "icb_name", "region_code", "region_name"]
NO_DATA = {"no data", "none/unknown", "none", "unknown", ""}
SUPPRESSED = {"*", "-", "c", "x", "z", ":", "..", "na", "n/a"}
WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_MARKS = re.compile(r"\s*\[[^\]]*\]")
_MONTH_WORDS = re.compile(r"^([A-Za-z]{4,9})[\s-]+(\d{4})$")
_BAND = re.compile(r"^\d{2}:\d{2}\s*-\s*\d{2}:\d{2}$")


def header_name(cell: object) -> str:
    """A header cell without its footnote marks ('Supplier [4, 5, 6]' -> 'supplier')."""
    if cell == "":
        return ""
    text = _MARKS.sub("", str(cell)).replace("\n", " ")
    return re.sub(r"\s+", " ", text).strip().casefold()


_SPELLINGS = {spelling: column for column, spellings in COLUMNS.items() for spelling in spellings}


def _find_table2(rows: list[list]) -> tuple[int, dict[str, int]] | None:
    """(header row index, {column: position}) of a practice table, found by its text: each
    column where a cell is spelled as it is published, else where one holds its words."""
    for number, row in enumerate(rows[:HEADER_SCAN]):
        names = [header_name(cell) for cell in row]
        found: dict[str, int] = {}
        for i, name in enumerate(names):
            if name in _SPELLINGS:
                found.setdefault(_SPELLINGS[name], i)
        for column, words in WORDS.items():
            if column not in found:
                position = next((i for i, name in enumerate(names) if words(name)), None)
                if position is not None:
                    found[column] = position
        if all(column in found for column in REQUIRED):
            return number, {column: found[column] for column in COLUMNS if column in found}
    return None


def is_oc_workbook(path: Path) -> bool:
    """True for a workbook one of whose sheets ('Table 2' in every edition seen) holds this
    publication's practice table."""
    try:
        return _table2(open_workbook(path)) is not None
    except ImportFailed:  # a workbook that cannot be read is simply not this kind
        return False


def _sheet(book: Workbook, name: str) -> str | None:
    key = name.replace(" ", "")
    return next((s for s in book.sheet_names if s.replace(" ", "").casefold() == key), None)


def _table2(book: Workbook) -> tuple[str, int, dict[str, int]] | None:
    """(sheet, header row index, {column: position}) of the practice table, 'Table 2' first."""
    named = _sheet(book, "table2")
    others = [s for s in book.sheet_names if s != named]
    for sheet in [named, *others] if named else others:
        found = _find_table2(book.head(sheet, HEADER_SCAN))
        if found is not None:
            return sheet, *found
    return None


# --- loading ---------------------------------------------------------------------------------
def load_workbook(ctx: ImportContext, source: Source) -> None:
    with open_workbook(source.path) as book:
        months = _load_table2(ctx, source, book)
        sheet = _sheet(book, "table3")
        if sheet is not None:
            _load_table3(ctx, source, book, sheet, max(months))
        else:
            ctx.warn(f"{source.name}: no Table 3 (England's submissions by weekday and time "
                     "band are published from June 2024)")


def _month(value: object) -> str:
    if isinstance(value, datetime | date):
        month = f"{value.year:04d}-{value.month:02d}"
    else:  # text: 'OCT2025', 'Oct-25', '01/10/2025', 'October 2025'
        text = str(value).strip()
        spelled = _MONTH_WORDS.match(text)
        month = parse_month(f"{spelled[1][:3]}{spelled[2]}" if spelled else text)
    check_plausible(month)
    return month


def _count(value: object, what: str) -> int | None:
    """A whole number; None for a blank or a suppression mark ('*', '-', 'c' ...)."""
    if blank(value) or (isinstance(value, str) and value.strip().casefold() in SUPPRESSED):
        return None
    try:
        number = float(str(value).replace(",", "")) if isinstance(value, str) else float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{what} '{value}' is not a number") from None
    if number < 0 or not number.is_integer():  # 'inf' and 'nan' too
        raise ValueError(f"{what} '{value}' is not a whole number of submissions or patients")
    return check_count(int(number), value, what)


def _load_table2(ctx: ImportContext, source: Source, book: Workbook) -> set[str]:
    found = _table2(book)
    if found is None:
        raise ImportFailed([source.problem(None, (
            "Table 2 has no practice table (columns Month, GP Code, Submissions, Clinical "
            "Submissions, Administrative Submissions, Other/Unknown Type Submissions, "
            "Registered Patient Count)"))])
    sheet, header, col = found
    rows = book.rows(sheet)
    where = f"{source.name}, sheet '{sheet}'"
    ctx.part_done(source, 0.2, f"{source.name}: Table 2, {len(rows) - header - 1:,} rows")
    cells, bad = _columns(rows[header + 1:], col)
    codes, months = cells["code"], cells["month"]
    ctx.rows_read += len(codes)
    ctx.part_done(source, 0.4, f"{source.name}: Table 2, checking {len(codes):,} practices")
    keys = list(zip(codes, months, strict=True))
    problems = RowProblems()
    for k in _bad_rows(codes, keys, len(set(keys)) < len(keys), bad):
        problems.add(_row_problem(source, where, header + 2 + k, codes[k], months[k], bad.get(k)))
    problems.raise_if_any()
    if not codes:
        raise ImportFailed([source.problem(None, f"{where}: no practice rows under the header")])
    missing = _no_data(cells)
    ctx.part_done(source, 0.6, f"{source.name}: Table 2, storing {len(codes):,} practices")
    periods = set(months)
    _claim_months(ctx, "oc_practice", "oc_practice_months", "ods_code", keys, periods)
    insert_columns(ctx.conn, "INSERT INTO oc_practice_months (import_id, ods_code, month, "
                   "supplier, participating, submissions, clinical, admin, other, patients) VALUES",
                   [[ctx.import_id] * len(codes), codes, months,
                    [supplier or None for supplier in cells["supplier"]],
                    *(cells[c] for c in ["participation", *COUNTS, "patients"])])
    ctx.rows_stored += len(codes)
    ctx.part_done(source, 0.8, f"{source.name}: Table 2, practice details")
    # The online consultation supplier is not the practice's phone supplier: not among these.
    upsert_practice_columns(ctx, codes, {f: cells[f] for f in PRACTICE_INFO}, months)
    if missing:
        ctx.warn(f"{source.name}: {missing:,} practice{'s' if missing > 1 else ''} with no data "
                 "(not taking part, or supplier 'No Data') stored as missing, not 0")
    return periods


def _bad_rows(codes: list[str], keys: list[tuple], repeats: bool,
              bad: dict[int, str]) -> list[int]:
    """Positions of the rows that stop the import, in order: a code that is not a practice
    code, a cell that does not parse, or (`repeats`: some practice and month is there twice)
    the practice and month of an earlier good row."""
    flagged = set(bad)
    flagged.update(k for k, code in enumerate(codes) if not valid_ods(code))
    if repeats:
        seen = set()
        for k, key in enumerate(keys):
            if k not in flagged:
                if key in seen:
                    flagged.add(k)
                seen.add(key)
    return sorted(flagged)


def _no_data(cells: dict[str, list]) -> int:
    """Blank the counts of the practices with no data: not taking part (Participation 0), or a
    'No Data' supplier with nothing counted. Stored as missing, not 0. Returns how many."""
    none = {s for s in set(cells["supplier"]) if s.casefold() in NO_DATA}
    counts = [cells[c] for c in COUNTS]
    rows = [k for k, taking_part in enumerate(cells["participation"]) if taking_part == 0]
    rows += [k for k, supplier in enumerate(cells["supplier"]) if supplier in none
             and cells["participation"][k] != 0 and not any(column[k] for column in counts)]
    for column in counts:
        for k in rows:
            column[k] = None
    return len(rows)


def _row_problem(source: Source, where: str, line: int, code: str, month: str | None,
                 bad: str | None) -> ImportProblem:
    """A bad row's first problem: its code, then its cells in order, then a repeat."""
    if not valid_ods(code):
        return source.problem(line, f"{where}: '{code}' is not a practice ODS code")
    if bad is not None:
        return source.problem(line, f"{where}: {bad}")
    return source.problem(line, f"{where}: repeats practice {code} for {month}")


def _columns(body: list[list], col: dict[str, int]) -> tuple[dict[str, list], dict[int, str]]:
    """Table 2's practice rows (down to the first without a GP code: the notes follow) a column
    at a time, which is several times faster than cell by cell: text stripped, the code upper
    case, months and counts parsed. A cell that does not parse is None, and its row's first
    problem, in the order a row's cells are checked, is in the second dict by row position."""
    columns = list(zip_longest(*body, fillvalue=""))
    empty = ("",) * len(body)
    codes = [text.upper() for text in _texts(_at(columns, col["code"], empty))]
    count = codes.index("") if "" in codes else len(codes)

    def column(name: str) -> Sequence:
        return _at(columns, col[name], empty)[:count] if name in col else empty[:count]

    cells = {"code": codes[:count], "supplier": _texts(column("supplier")),
             **{name: _details(column(name)) for name in PRACTICE_INFO}}
    bad: dict[int, str] = {}
    cells["month"] = _months(column("month"), bad)
    for name in [*COUNTS, "patients", "participation"]:
        cells[name] = _counts(column(name), name, bad) if name in col else [None] * count
    return cells, bad


def _at(columns: list[tuple], position: int, empty: tuple) -> tuple:
    return columns[position] if position < len(columns) else empty


def _texts(cells: Sequence) -> list[str]:
    return [cell.strip() if cell.__class__ is str else "" if cell is None else str(cell).strip()
            for cell in cells]


def _details(cells: Sequence) -> list[str | None]:
    """A practice detail column: None for a blank (it leaves what the database holds)."""
    return [text or None for text in _texts(cells)]


def _months(cells: Sequence, bad: dict[int, str]) -> list[str | None]:
    """Each distinct Month cell parsed once (a table holds one or two months)."""
    parsed: dict[tuple, str | ValueError] = {}
    months = []
    for k, cell in enumerate(cells):
        key = (cell.__class__, cell)  # 1.0 and True are equal as keys, not as cells
        month = parsed.get(key)
        if month is None:
            try:
                month = _month(cell)
            except (ValueError, BadDate) as exc:
                month = exc
            parsed[key] = month
        if month.__class__ is not str:
            bad.setdefault(k, str(month))
            month = None
        months.append(month)
    return months


_OTHER = object()  # a cell the fast path leaves to _count


def _counts(cells: Sequence, what: str, bad: dict[int, str]) -> list[int | float | None]:
    """A count column. Whole numbers stay as calamine gives them, floats (the INTEGER columns
    store 85.0 as 85); the usual column, all of them, is checked in a few passes in C."""
    if (cells and set(map(type, cells)) == {float} and 0 <= min(cells)
            and max(cells) <= MAX_COUNT and all(map(float.is_integer, cells))):
        return list(cells)
    counts = [cell if cell.__class__ is float and 0 <= cell <= MAX_COUNT and cell.is_integer()
              else _OTHER for cell in cells]
    for k, cell in enumerate(cells):  # text, blanks, suppression marks, bad values
        if counts[k] is _OTHER:
            try:
                counts[k] = _count(cell, what)
            except ValueError as exc:
                bad.setdefault(k, str(exc))
                counts[k] = None
    return counts


def _claim_months(ctx: ImportContext, source_kind: str, table: str, unit_column: str,
                  claims: list[tuple[str, str]], months: set[str]) -> None:
    """Claim the rows, and every unit stored for these months before: a re-issued workbook
    replaces its month, including practices the new edition no longer lists."""
    marks = ",".join("?" * len(months))
    earlier = ctx.conn.execute(
        f"SELECT {unit_column}, month FROM {table} WHERE month IN ({marks})", sorted(months))
    claimed = dict.fromkeys(claims)  # an ordered set: the rows' order is cheap to sort
    claimed.update(dict.fromkeys((unit, month) for unit, month in earlier))
    ctx.claim(source_kind, claimed.keys())


def _load_table3(ctx: ImportContext, source: Source, book: Workbook, sheet: str,
                 month: str) -> None:
    rows = book.rows(sheet)
    ctx.part_done(source, 0.95, f"{source.name}: Table 3")
    header = next((i for i, row in enumerate(rows[:HEADER_SCAN])
                   if row and header_name(row[0]) in ("day", "weekday", "day of week")), None)
    if header is None:
        ctx.warn(f"{source.name}: Table 3 has no 'Day' header; England's weekday x time band "
                 "averages were not read")
        return
    bands = [(i, str(cell).strip()) for i, cell in enumerate(rows[header]) if i and not blank(cell)]
    bands = [(i, _band(text)) for i, text in bands]
    values = []
    for index in range(header + 1, min(header + 8, len(rows))):
        row = rows[index]
        day = header_name(row[0]) if row else ""
        if day not in WEEKDAYS:
            continue
        for i, band in bands:
            cell = row[i] if i < len(row) else ""
            try:
                average = None if blank(cell) else float(cell)
            except (TypeError, ValueError):
                raise ImportFailed([source.problem(index + 1, (
                    f"{source.name}, sheet '{sheet}': '{cell}' is not a number"))]) from None
            values.append((ctx.import_id, ENGLAND, month, WEEKDAYS.index(day), band, average))
    if not values:
        ctx.warn(f"{source.name}: Table 3 has no weekday rows")
        return
    ctx.claim("oc_england_times", {(ENGLAND, month)})
    ctx.conn.executemany(
        "INSERT INTO oc_england_times (import_id, area_code, month, weekday, band, average) "
        "VALUES (?, ?, ?, ?, ?, ?)", values)


def _band(text: str) -> str:
    """'08:00 - 09:59' whatever the spacing; other headers ('Unknown') as published."""
    text = _MARKS.sub("", text).strip()
    if _BAND.match(text):
        start, end = (part.strip() for part in text.split("-"))
        return f"{start} - {end}"
    return text


WORKBOOK = Importer(
    "online_consultation", "NHS England online consultation submissions workbook (Submissions "
    "via Online Consultation Systems / via OC Systems in General Practice, .xlsx)",
    lambda h: False, load_workbook, order=7, matches_workbook=is_oc_workbook,
)
