"""NHS England Cloud Based Telephony (CBT): the monthly publication workbook and the daily CSVs.

Workbook (`Cloud Based Telephony Publication Summary <Month> <Year>.xlsx`): Tables 3, 4 and 5
hold one row per practice. Every column is found by its header text (the row holding 'GP Practice',
with the group labels of banded columns in the row above), never by position: the header row,
spacer columns and the first data row move between tables and editions. All practice tables are
merged into one `cbt_monthly` row per (practice, month); '-' or blank cells are NULL, never 0.

Daily CSVs (zips of per-region CSVs, or plain CSVs): `Date, REGION_CODE, ICB_CODE,
SUB_ICB_LOCATION_CODE, PCN_CODE, PRACTICE_CODE, Indicator, <band column>, Value`, kept in long
form in `cbt_daily`. The band column is `Time_Category` (2-hour bands), `Duration` (wait and
duration bands), or, in the mid-2026 file, `Wait_Time` and/or `Core_Category`.

Shared phone accounts (practice `Unassigned`) are kept as unit 'Unassigned:<sub-ICB code>' with a
NULL ODS code, summed where several share a sub-ICB, so they are never counted as practices.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from practice_desk.importing.context import ImportContext, RowProblems
from practice_desk.importing.dates import BadDate, check_plausible, parse_day, parse_month
from practice_desk.importing.importer import Importer
from practice_desk.importing.problems import ImportFailed, ImportProblem
from practice_desk.importing.rows import (
    CachedParser,
    column_index,
    note_encoding,
    upsert_practices,
)
from practice_desk.importing.sources import Source, read_csv
from practice_desk.importing.workbooks import Workbook, blank, open_workbook
from practice_desk.plausible import MAX_COUNT, check_count

HEADER_SCAN = 40  # rows searched for a practice table's header
CHECK_ROWS = 500  # workbook rows between progress reports and cancel checks
BATCH = 50_000

BANDS = ["lt1m", "1to2m", "2to5m", "gt5m"]
COUNT_COLUMNS = [
    "inbound", "answered", "ivr_ended", "callback_requested", "missed", "callback_made",
    *[f"answered_wait_{b}" for b in BANDS],
    *[f"answered_duration_{b}" for b in BANDS],
    *[f"missed_wait_{b}" for b in BANDS],
]
INFO_COLUMNS = ["name", "pcn_code", "pcn_name", "sub_icb_code", "sub_icb_name", "icb_code",
                "icb_name", "region_code", "region_name"]
READABLE = {
    "inbound": "inbound calls", "answered": "answered", "ivr_ended": "ended during the IVR stage",
    "callback_requested": "call back requested", "missed": "missed",
    "callback_made": "call back made",
}
UNASSIGNED = "Unassigned"


# --- header text ---------------------------------------------------------------------------
_FOOTNOTE = re.compile(r"\[[^\]]*\]")
_SPACES = re.compile(r"\s+")


def _norm(value: object) -> str:
    """Header text without footnote marks ('[2,3]'), line breaks, case: 'gp practice (ods_code)'."""
    if value is None or value == "":  # most cells of a sheet's first rows
        return ""
    return _SPACES.sub(" ", _FOOTNOTE.sub(" ", str(value))).strip().lower()


def _band(label: str) -> str | None:
    if label.startswith(("less than 1", "under 1", "< 1", "<1")):
        return "lt1m"
    if re.match(r"^1 ?(-|to) ?2 min", label):
        return "1to2m"
    if re.match(r"^2 ?(-|to) ?5 min", label):
        return "2to5m"
    if label.startswith(("longer than 5", "more than 5", "over 5", "> 5", ">5")):
        return "gt5m"
    return None


_INFO_LABELS = {
    "gp name": "name", "pcn code": "pcn_code", "pcn name": "pcn_name",
    "sub icb code": "sub_icb_code", "sub icb name": "sub_icb_name", "icb code": "icb_code",
    "icb name": "icb_name", "region code": "region_code", "region name": "region_name",
}


def _field(label: str, group: str) -> str | None:
    """The cbt_monthly column (or 'month', 'practice', an info field) a header cell stands for."""
    if not label or label.startswith("%"):
        return None
    if label == "month":
        return "month"
    if label.startswith("gp practice"):
        return "practice"
    if label in _INFO_LABELS:
        return _INFO_LABELS[label]
    if "wait" in group or "duration" in group:
        band = _band(label)
        if band is None:
            return None
        outcome = "missed" if "missed" in group else "answered" if "answered" in group else None
        measure = "duration" if "duration" in group else "wait"
        name = f"{outcome}_{measure}_{band}"
        return name if name in COUNT_COLUMNS else None
    if "inbound calls" in label:
        return "inbound"
    if label == "answered":
        return "answered"
    if label.startswith("ended during the ivr") or label.startswith("ended in ivr"):
        return "ivr_ended"
    compact = label.replace(" ", "")
    if compact.startswith("callbackrequested"):
        return "callback_requested"
    if compact.startswith("callbackmade"):
        return "callback_made"
    if label == "missed":
        return "missed"
    return None


def _is_header(cells: list[str]) -> bool:
    """The header row of a practice table: 'GP Practice', or (so that a table that lost that
    column is reported rather than passed over) 'Month', practice details and inbound calls."""
    if any(c.startswith("gp practice") for c in cells):
        return True
    has_inbound = any("inbound calls" in c for c in cells)
    return "month" in cells and has_inbound and bool({"gp name", "pcn code"} & set(cells))


# --- one practice table --------------------------------------------------------------------
@dataclass
class Table:
    sheet: str
    header_row: int
    columns: dict[str, int]  # field -> 0-based column
    labels: dict[str, str] = field(default_factory=dict)  # field -> header text, for messages


def _locate(sheet: str, head: list[tuple], header_row: int) -> Table:
    header = [_norm(v) for v in head[header_row - 1]]
    groups: list[str] = [""] * len(header)
    above = [r for r in head[max(0, header_row - 3):header_row - 1]
             if not all(blank(v) for v in r)]
    if above:
        current = ""
        group_row = above[-1]
        for i in range(len(header)):
            text = _norm(group_row[i]) if i < len(group_row) else ""
            current = text or current
            groups[i] = current
    below = head[header_row] if header_row < len(head) else ()
    sub = [_norm(v) for v in below] if _is_subheader(below) else []
    columns: dict[str, int] = {}
    labels: dict[str, str] = {}
    for i, label in enumerate(header):
        name = _field(label, groups[i])
        if name is None or name in columns:
            continue
        if i < len(sub) and sub[i].startswith("%"):
            continue
        columns[name] = i
        labels[name] = str(head[header_row - 1][i]).replace("\n", " ")
    table = Table(sheet, header_row, columns, labels)
    missing = [text for name, text in (("month", "Month"), ("practice", "GP Practice (ODS_CODE)"))
               if name not in columns]
    if missing:
        names = " and ".join(f"'{text}'" for text in missing)
        raise ImportFailed([ImportProblem(
            sheet, None, f"row {header_row}, the practice table's header, has no {names} column, "
                         "so its rows cannot be read (is this an edited copy of the workbook?)")])
    return table


def _is_subheader(row: tuple) -> bool:
    """The 'Total'/'Count'/'%' row under the header (absent in some layouts)."""
    cells = [v for v in row if not blank(v)]
    return bool(cells) and all(isinstance(v, str) and (_norm(v) in ("total", "count")
                                                       or _norm(v).startswith("%"))
                               for v in cells)


def _find_header(rows: list[tuple]) -> int | None:
    for number, row in enumerate(rows, 1):
        if _is_header([_norm(v) for v in row]):
            return number
    return None


# --- cell values ---------------------------------------------------------------------------
_MONTH_NAME = re.compile(r"^([A-Za-z]+)\s+(\d{4})$")  # 'October 2025'
_MONTH_NAMES = {name: i for i, name in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september",
     "october", "november", "december"], 1)}


def _month(value: object) -> str:
    if isinstance(value, datetime | date):
        month = f"{value.year:04d}-{value.month:02d}"
    elif isinstance(value, str):
        text = value.strip()
        m = _MONTH_NAME.match(text)
        if m and m[1].lower() in _MONTH_NAMES:
            month = f"{int(m[2]):04d}-{_MONTH_NAMES[m[1].lower()]:02d}"
        else:
            try:
                month = parse_month(text)
            except BadDate:
                month = parse_day(text).isoformat()[:7]  # a month written as any of its days
    else:
        raise BadDate(f"'{value}' is not a month")
    check_plausible(month)
    return month


def _count(value: object) -> int | None:
    """A count cell: '-' or blank -> None (never 0)."""
    if type(value) is float and 0 <= value <= MAX_COUNT and value.is_integer():
        return int(value)  # calamine's numbers: almost every cell
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError(f"'{value}' is not a count")
    if isinstance(value, int):
        if value < 0:
            raise ValueError(f"'{value}' is negative")
        return check_count(value, value, "number of calls")
    if isinstance(value, float):
        if value < 0 or not value.is_integer():
            raise ValueError(f"'{value}' is not a whole number of calls")
        return check_count(int(value), value, "number of calls")
    text = str(value).strip().replace(",", "")
    if text in ("", "-"):
        return None
    if text.isdigit():
        return check_count(int(text), value, "number of calls")
    raise ValueError(f"'{value}' is not a whole number of calls")


def _text(value: object) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _add(a: int | None, b: int | None) -> int | None:
    if a is None:
        return b
    if b is None:
        return a
    return a + b


def _valid_ods(code: str) -> bool:
    return 3 <= len(code) <= 10 and code.isalnum()


# --- workbook detection ----------------------------------------------------------------------
def is_cbt_workbook(path: Path) -> bool:
    """True when a sheet of the workbook holds a CBT practice table (found by its header text)."""
    try:
        book = open_workbook(path)
        return any(_find_header(book.head(name, HEADER_SCAN)) is not None
                   for name in book.sheet_names)
    except ImportFailed:  # a workbook that cannot be read is simply not this kind
        return False


# --- workbook import -------------------------------------------------------------------------
@dataclass
class _Unit:
    ods_code: str | None
    month: str
    values: dict[str, int | None] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)  # column -> sheet that set it
    info: dict[str, str | None] | None = None


class _Progress:
    """Progress and cancel for a workbook, a row at a time (ImportContext.part_done)."""

    def __init__(self, ctx: ImportContext, source: Source, total_rows: int):
        self.ctx, self.source, self.total = ctx, source, max(total_rows, 1)
        self.done = 0

    def row(self, sheet: str, rows: int) -> None:
        self.done += 1
        if self.done % CHECK_ROWS:
            return
        self.report(f"{self.source.name}: {sheet}, {rows:,} rows")

    def report(self, text: str) -> None:
        self.ctx.part_done(self.source, self.done / self.total, text)


def load_workbook(ctx: ImportContext, source: Source) -> None:
    with open_workbook(source.path) as book:
        _load_book(ctx, source, book)


def _load_book(ctx: ImportContext, source: Source, book: Workbook) -> None:
    tables: list[tuple[str, Table]] = []
    for sheet in book.sheet_names:
        head = book.head(sheet, HEADER_SCAN)
        number = _find_header(head)
        if number is not None:
            tables.append((sheet, _locate(f"{source.name}, sheet '{sheet}'", head, number)))
    if not tables:
        raise ImportFailed([source.problem(None, "no sheet holds a CBT practice table")])
    found = set().union(*(t.columns for _, t in tables))
    for column in COUNT_COLUMNS:
        if column not in found:
            ctx.warn(f"{source.name}: no column for {_describe(column)}; stored as missing")
    progress = _Progress(ctx, source, sum(len(book.rows(s)) for s, _ in tables))
    units: dict[tuple[str, str], _Unit] = {}
    problems = RowProblems()
    disagreements: dict[str, int] = {}
    unassigned_rows = 0
    for sheet, table in tables:
        progress.report(f"{source.name}: reading {sheet}")
        read, unassigned = _read_table(ctx, sheet, book.rows(sheet), table, units, problems,
                                       disagreements, progress)
        ctx.rows_read += read
        unassigned_rows = max(unassigned_rows, unassigned)
    problems.raise_if_any()
    for text, count in disagreements.items():
        ctx.warn(f"{source.name}: {text} for {count:,} practice{'s' if count > 1 else ''}; "
                 "the first table's figure was kept")
    if unassigned_rows:
        shared = sum(1 for u in units.values() if u.ods_code is None)
        ctx.warn(f"{source.name}: {unassigned_rows:,} rows for shared phone accounts "
                 f"('Unassigned') kept as {shared:,} sub-ICB units, not counted as practices")
    _store_months(ctx, units)


def _describe(column: str) -> str:
    if column in READABLE:
        return READABLE[column]
    outcome, measure, band = column.split("_")
    words = {"lt1m": "< 1 min", "1to2m": "1-2 min", "2to5m": "2-5 min", "gt5m": "> 5 min"}
    return f"{outcome} calls' {measure} band {words[band]}"


def _read_table(ctx, sheet: str, sheet_rows: list[list], table: Table, units, problems,
                disagreements, progress) -> tuple[int, int]:
    col = table.columns
    i_month, i_code = col["month"], col["practice"]
    where = table.sheet
    months: dict[object, str] = {}
    found: list[tuple[int, list, str | None, str]] = []  # (row number, cells, month, code)
    unreadable: dict[int, str] = {}  # row -> why its Month cell is not a month
    for number, row in enumerate(sheet_rows[table.header_row:], table.header_row + 1):
        progress.row(sheet, len(found))
        if len(row) <= max(i_month, i_code):
            row = (*row, *([None] * (max(i_month, i_code) + 1 - len(row))))
        raw_month, raw_code = row[i_month], row[i_code]
        code_text = _text(raw_code) or ""
        if code_text.lower() in ("national", "total") or (
                type(raw_month) is str and _norm(raw_month) == "total"):
            continue  # the national total row
        if blank(raw_month) and blank(raw_code):
            continue  # blank or spacer row
        code = UNASSIGNED if code_text.lower() == UNASSIGNED.lower() else code_text.upper()
        is_code = code == UNASSIGNED or _valid_ods(code)
        try:
            month = months.get(raw_month)
            if month is None:
                month = months[raw_month] = _month(raw_month)
        except BadDate as exc:
            if is_code:  # a practice row whose Month cell holds something else
                unreadable[number] = str(exc)
                found.append((number, row, None, code))
            continue  # otherwise notes and the copyright line under the table
        if not is_code:
            problems.add(ImportProblem(where, None, f"row {number}: '{code_text}' in the GP "
                                                    "Practice column is not a practice ODS code"))
            continue
        found.append((number, row, month, code))
    if unreadable:
        _fill_months(ctx, where, found, unreadable, set(months.values()), problems)
    return _store_rows(table, sheet, found, units, problems, disagreements)


def _fill_months(ctx, where: str, found: list, unreadable: dict[int, str], months: set[str],
                 problems: RowProblems) -> None:
    """Practice rows whose Month cell is not a month: the real October 2025 workbook has its
    copyright line written into one practice's Month cell. In a one-month table the row is that
    month (with a warning); otherwise it is a problem."""
    if len(months) == 1:
        month = next(iter(months))
        for k, (number, row, row_month, code) in enumerate(found):
            if row_month is None:
                found[k] = (number, row, month, code)
        rows = ", ".join(str(n) for n in sorted(unreadable)[:5])
        ctx.warn(f"{where}: the Month cell of row{'s' if len(unreadable) > 1 else ''} {rows} "
                 f"is not a month; the table's only month, {month}, was used")
        return
    for number, why in sorted(unreadable.items()):
        problems.add(ImportProblem(where, None, f"row {number}: Month: {why}"))


def _store_rows(table: Table, sheet: str, found: list, units, problems,
                disagreements) -> tuple[int, int]:
    col = table.columns
    counts = [(name, i) for name, i in col.items() if name in COUNT_COLUMNS]
    infos = [(name, i) for name, i in col.items() if name in INFO_COLUMNS]
    i_sub_icb = col.get("sub_icb_code")
    width = max(col.values()) + 1
    where = table.sheet
    seen: dict[tuple[str, str], int] = {}
    shared: dict[tuple[str, str], dict[str, int | None]] = {}  # Unassigned rows summed here
    read = unassigned = 0
    for number, row, month, code in found:
        if month is None:
            continue  # reported by _fill_months
        if len(row) < width:
            row = [*row, *([None] * (width - len(row)))]
        try:
            values = {name: _count(row[i]) for name, i in counts}
        except ValueError:
            _report_counts(table, number, row, counts, problems)
            continue
        read += 1
        if code == UNASSIGNED:
            unassigned += 1
            sub_icb = _text(row[i_sub_icb]) if i_sub_icb is not None else None
            if not sub_icb:
                problems.add(ImportProblem(where, None, f"row {number}: an 'Unassigned' row "
                                                        "without a Sub ICB code cannot be kept "
                                                        "apart"))
                continue
            summed = shared.setdefault((f"{UNASSIGNED}:{sub_icb}", month), {})
            for name, value in values.items():
                summed[name] = _add(summed.get(name), value)
            continue
        key = (code, month)
        if key in seen:
            problems.add(ImportProblem(where, None, f"row {number}: practice {code} appears "
                                                    f"twice for {month} (also row {seen[key]})"))
            continue
        seen[key] = number
        unit = units.get(key)
        if unit is None:
            unit = units[key] = _Unit(code, month)
        _merge(unit, values, sheet, disagreements)
        if unit.info is None and infos:
            unit.info = {name: _text(row[i]) for name, i in infos}
    for key, values in shared.items():
        unit = units.get(key)
        if unit is None:
            unit = units[key] = _Unit(None, key[1])
        _merge(unit, values, sheet, disagreements)
    return read, unassigned


def _report_counts(table: Table, number: int, row: list, counts: list, problems) -> None:
    for name, i in counts:
        try:
            _count(row[i])
        except ValueError as exc:
            problems.add(ImportProblem(table.sheet, None, f"row {number}, column "
                                                          f"'{table.labels[name]}': {exc}"))


def _merge(unit: _Unit, values: dict[str, int | None], sheet: str,
           disagreements: dict[str, int]) -> None:
    """The same column in several tables (inbound in all three): the first table's figure stays."""
    if not unit.values:  # the unit's first table
        unit.values = values
        unit.sources = dict.fromkeys(values, sheet)
        return
    for name, value in values.items():
        earlier = unit.values.get(name)
        if earlier is None:
            unit.values[name] = value
            unit.sources[name] = sheet
        elif value is not None and value != earlier:
            text = f"{READABLE.get(name, name)} differs between {unit.sources[name]} and {sheet}"
            disagreements[text] = disagreements.get(text, 0) + 1


def _store_months(ctx: ImportContext, units: dict[tuple[str, str], _Unit]) -> None:
    ctx.claim("cbt_month", set(units))
    columns = ", ".join(COUNT_COLUMNS)
    marks = ", ".join("?" * (len(COUNT_COLUMNS) + 4))
    ctx.conn.executemany(
        f"INSERT INTO cbt_monthly (import_id, unit, ods_code, month, {columns}) VALUES ({marks})",
        ((ctx.import_id, unit_key, u.ods_code, month, *(u.values.get(c) for c in COUNT_COLUMNS))
         for (unit_key, month), u in units.items()),
    )
    ctx.rows_stored += len(units)
    newest: dict[str, _Unit] = {}
    for u in units.values():
        if u.ods_code and u.info is not None:
            if u.ods_code not in newest or newest[u.ods_code].month < u.month:
                newest[u.ods_code] = u
    upsert_practices(ctx, ((code, u.info, u.month) for code, u in newest.items()))


# --- daily CSVs ------------------------------------------------------------------------------
BAND_COLUMNS = {"TIME_CATEGORY": "time", "DURATION": "duration", "WAIT_TIME": "wait",
                "CORE_CATEGORY": "core"}
DAILY_REQUIRED = ["DATE", "PRACTICE_CODE", "INDICATOR", "VALUE"]
INDICATORS = {f"CBT00{i}" for i in range(1, 8)}
_VALUE = re.compile(r"^\d+(?:\.0+)?$")


def _day(text: str) -> str:
    day = parse_day(text).isoformat()
    check_plausible(day)
    return day


def _is_total(band: str) -> bool:
    return band == "" or band.upper() in ("TOTAL", "ALL")


def load_daily(ctx: ImportContext, source: Source) -> None:
    """One CBT daily CSV, stored long form: a row per (unit, day, indicator, band kind, band).

    A file with both Wait_Time and Core_Category is a cross-tabulation: each band kind is stored as
    its margin (summed over the other column's categories; where a key has only a TOTAL or blank
    category in the other column, that row is used as it is).
    """
    reader = read_csv(source)
    note_encoding(ctx, reader)
    col = column_index(reader, DAILY_REQUIRED)
    bands = [(kind, i) for i, name in enumerate(reader.header)
             if (kind := BAND_COLUMNS.get(name)) is not None]
    if not bands:
        raise ImportFailed([source.problem(1, "no band column (Time_Category, Duration, Wait_Time "
                                              "or Core_Category) in the header")])
    i_sub_icb = reader.header.index("SUB_ICB_LOCATION_CODE") \
        if "SUB_ICB_LOCATION_CODE" in reader.header else None
    width = len(reader.header)
    i_date, i_code, i_ind, i_value = (col[c] for c in DAILY_REQUIRED)
    day_of = CachedParser(_day)
    problems = RowProblems()
    # (unit, day, indicator, kind, band) -> [sum of specific rows, any, sum of total rows, any]
    cells: dict[tuple, list] = {}
    units: dict[str, str | None] = {}
    seen: dict[tuple, int] = {}
    rows = 0
    for line, row in reader.rows:
        rows += 1
        ctx.tick(reader, rows)
        if len(row) != width:
            problems.add(source.problem(line, f"has {len(row)} fields where the header has "
                                              f"{width}"))
            continue
        try:
            day = day_of(row[i_date])
        except BadDate as exc:
            problems.add(source.problem(line, f"Date: {exc}"))
            continue
        indicator = row[i_ind].strip().upper()
        if indicator not in INDICATORS:
            problems.add(source.problem(line, f"indicator '{row[i_ind].strip()}' is not one of "
                                              "CBT001 ... CBT007"))
            continue
        raw_value = row[i_value].strip()
        if raw_value in ("", "-"):
            value = None
        elif _VALUE.match(raw_value):
            try:
                value = check_count(int(float(raw_value)), raw_value, "value")
            except ValueError as exc:
                problems.add(source.problem(line, str(exc)))
                continue
        else:
            problems.add(source.problem(line, f"value '{raw_value}' is not a whole number of "
                                              "calls"))
            continue
        code = row[i_code].strip()
        if code.lower() == UNASSIGNED.lower():
            sub_icb = row[i_sub_icb].strip() if i_sub_icb is not None else ""
            if not sub_icb:
                problems.add(source.problem(line, "an 'Unassigned' row without a "
                                                  "SUB_ICB_LOCATION_CODE cannot be kept apart"))
                continue
            unit, ods = f"{UNASSIGNED}:{sub_icb}", None
        elif _valid_ods(code.upper()):
            unit = ods = code.upper()
        else:
            problems.add(source.problem(line, f"'{code}' is not a practice ODS code"))
            continue
        labels = [row[i].strip() for _, i in bands]
        if ods is not None:
            key = (unit, day, indicator, *labels)
            if key in seen:
                problems.add(source.problem(line, f"the same practice, date, indicator and band "
                                                  f"as line {seen[key]}"))
                continue
            seen[key] = line
        units[unit] = ods
        for k, (kind, _) in enumerate(bands):
            band = labels[k]
            if band == "":
                continue  # this row is about the other band column
            others_total = all(_is_total(labels[j]) for j in range(len(bands)) if j != k)
            cell = cells.setdefault((unit, day, indicator, kind, "TOTAL" if _is_total(band)
                                     else band), [None, False, None, False])
            if others_total:
                cell[2], cell[3] = _add(cell[2], value), True
            else:
                cell[0], cell[1] = _add(cell[0], value), True
    problems.raise_if_any()
    ctx.rows_read += rows
    claims: dict[str, set[tuple[str, str]]] = {}
    for unit, day, _, kind, _ in cells:
        claims.setdefault(kind, set()).add((unit, day))
    for kind, claimed in claims.items():
        ctx.claim(f"cbt_day_{kind}", claimed)
    insert = ("INSERT INTO cbt_daily (import_id, unit, ods_code, day, month, indicator, band_kind, "
              "band, value) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
    batch = []
    for (unit, day, indicator, kind, band), (specific, any_specific, total, _) in cells.items():
        value = specific if any_specific else total
        batch.append((ctx.import_id, unit, units[unit], day, day[:7], indicator, kind, band, value))
        if len(batch) >= BATCH:
            ctx.conn.executemany(insert, batch)
            batch.clear()
    ctx.conn.executemany(insert, batch)
    ctx.rows_stored += len(cells)


# --- the importers (listed in formats.py) --------------------------------------------
WORKBOOK = Importer(
    "cbt_workbook", "NHS England Cloud Based Telephony publication workbook (.xlsx)",
    lambda h: False, load_workbook, order=5, matches_workbook=is_cbt_workbook,
)
DAILY = Importer(
    "cbt_daily", "NHS England Cloud Based Telephony daily CSV (CBT001-CBT007 by band)",
    lambda h: {"PRACTICE_CODE", "INDICATOR", "VALUE"} <= h, load_daily, order=6,
)
