"""What the NHS App and POMI importers share: missing-value rules, months, workbook sheets as
tables, and storing one figure per (measure, unit, month) with a newer release replacing it."""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterator
from datetime import date, datetime

from practice_desk.importing import coverage
from practice_desk.importing.context import ImportContext
from practice_desk.importing.dates import BadDate, check_plausible, parse_day, parse_month
from practice_desk.importing.mapping import Table
from practice_desk.importing.problems import ImportFailed
from practice_desk.importing.sources import Source
from practice_desk.importing.workbooks import is_workbook, open_workbook
from practice_desk.plausible import check_count

# Cells that mean "no figure": blank, NULL, and the suppression marks NHS publications use.
MISSING = {"", "null", "none", "nan", "n/a", "na", "-", "–", "*", "c", "x", "z", ".", "..",
           "[c]", "[x]", "[z]", "[u]", "suppressed", "redacted", "#n/a"}

_MONTH_NAMES = {name.lower(): number for number, name in enumerate(calendar.month_name) if name}
_MONTH_NAMES.update({name.lower(): number for number, name in enumerate(calendar.month_abbr)
                     if name})
_NAMED_MONTH = re.compile(r"^([A-Za-z]+)[ \-]+(\d{4}|\d{2})$")  # March 2024, Mar-24
_ODS = re.compile(r"^[A-Z0-9]{3,10}$")


class BadFigure(ValueError):
    """A cell that should be a whole number (or a missing mark) is something else."""


def figure(text: str) -> int | None:
    """A count: missing marks -> None (never 0); '1,234' and Excel's '12.0' -> int."""
    value = text.strip()
    if value.casefold() in MISSING:
        return None
    compact = value.replace(",", "").replace(" ", "")
    if compact.isdigit():
        return _plausible(int(compact), value)
    try:
        number = float(compact)
    except ValueError:
        raise BadFigure(f"'{value}' is not a whole number (nor blank, NULL or a suppression "
                        "mark)") from None
    if number < 0 or not number.is_integer():
        raise BadFigure(f"'{value}' is not a whole number of at least 0")
    return _plausible(int(number), value)


def _plausible(number: int, text: str) -> int:
    try:
        return check_count(number, text, "figure")
    except ValueError as exc:
        raise BadFigure(str(exc)) from None


def to_month(text: str) -> str:
    """'2024-03', '2024-03-01', '01/03/2024', '31MAR2024', 'Mar-24', 'March 2024' -> '2024-03'.

    A day inside the month (a week's or a month-end date) gives its month."""
    value = text.strip()
    if re.fullmatch(r"\d{4}-\d{2}", value):
        month = value
    elif m := _NAMED_MONTH.match(value):
        number = _MONTH_NAMES.get(m[1].lower())
        if number is None:
            raise BadDate(f"'{value}' is not a month")
        year = int(m[2]) + (2000 if len(m[2]) == 2 else 0)
        month = f"{year:04d}-{number:02d}"
    else:
        try:
            month = parse_month(value)
        except BadDate:
            month = parse_day(value.split(" ")[0] if re.match(r"^\d{4}-\d{2}-\d{2} ", value)
                              else value).isoformat()[:7]
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", month):
        raise BadDate(f"'{value}' is not a month")
    check_plausible(month)
    return month


def ods_code(text: str) -> str:
    code = text.strip().upper()
    if not _ODS.match(code):
        raise ValueError(f"'{text.strip()}' is not a practice ODS code")
    return code


# --- workbooks as tables -------------------------------------------------------------------------

HEADER_SCAN = 30


def _cell_text(value: object) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def workbook_table(source: Source, looks_like_header=None) -> Table:
    """The first sheet's table (header = the first row `looks_like_header` accepts, else the first
    row with at least two filled cells), its rows as text with their sheet row numbers."""
    with open_workbook(source.path) as book:
        for sheet in book.sheet_names:
            rows = [[_cell_text(v) for v in row] for row in book.rows(sheet)]
            found = _header_row(rows, looks_like_header)
            if found is not None:
                header = [h for h in rows[found]]
                while header and not header[-1]:
                    header.pop()
                body = [(found + 2 + i, row[:len(header)]) for i, row in
                        enumerate(rows[found + 1:]) if any(cell for cell in row)]
                return Table(source, header, "xlsx", None, _rows(body), lambda: 0)
    raise ImportFailed([source.problem(None, "no sheet of the workbook has a table with a header")])


def _header_row(rows: list[list[str]], looks_like_header) -> int | None:
    for number, row in enumerate(rows[:HEADER_SCAN]):
        cells = [c for c in row if c]
        if looks_like_header is not None:
            if looks_like_header(row):
                return number
        elif len(cells) >= 2:
            return number
    return None


def _rows(body: list[tuple[int, list[str]]]) -> Iterator[tuple[int, list[str]]]:
    yield from body


def read_table(source: Source, looks_like_header=None) -> Table:
    """A CSV (any encoding NHS files come in) or the first table of an .xlsx workbook."""
    from practice_desk.importing.mapping import open_table

    if source.member is None and is_workbook(source.path):
        return workbook_table(source, looks_like_header)
    return open_table(source)


# --- storing figures -----------------------------------------------------------------------------


def fact_sources(prefix: str, table: str, unit_column: str, measure_column: str,
                 measures: list[str]) -> dict[str, coverage.FactSource]:
    """Coverage sources '<prefix><measure>': one supplying import per (measure, unit, month).
    The list of importers (formats.py) gives them to each import."""
    return {f"{prefix}{measure}": coverage.FactSource(
        table, unit_column, "month", f"{measure_column} = '{measure}'") for measure in measures}


def store(ctx: ImportContext, prefix: str, table: str, unit_column: str, measure_column: str,
          figures: dict[tuple[str, str, str], int | None],
          extra: dict[tuple[str, str, str], dict] | None = None) -> None:
    """Store {(measure, unit, month): value}; a newer import replaces those figures only."""
    by_measure: dict[str, set[tuple[str, str]]] = {}
    for measure, unit, month in figures:
        by_measure.setdefault(measure, set()).add((unit, month))
    for measure, claims in sorted(by_measure.items()):
        ctx.claim(f"{prefix}{measure}", claims)
    extra = extra or {}
    columns = sorted({name for values in extra.values() for name in values})
    names = ", ".join(["import_id", unit_column, "month", measure_column, "value", *columns])
    marks = ", ".join("?" * (5 + len(columns)))
    ctx.conn.executemany(
        f"INSERT INTO {table} ({names}) VALUES ({marks})",
        ((ctx.import_id, unit, month, measure, value,
          *[extra.get((measure, unit, month), {}).get(c) for c in columns])
         for (measure, unit, month), value in sorted(figures.items())))
    ctx.rows_stored += len(figures)
