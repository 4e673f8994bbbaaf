"""NHS England's counts of calls to NHS 111 in core hours, imported through the mapping step.

No public file format exists: the user maps three columns (practice, month or date, count), or
gives the practice as an option when the file holds one practice. A newer import of the same
practice and period replaces the older one (coverage source 'calls_111').
"""

from __future__ import annotations

import re
import sqlite3
from typing import Any

from practice_desk.importing.context import ImportContext, RowProblems
from practice_desk.importing.dates import BadDate, parse_day, parse_month
from practice_desk.importing.importer import Importer
from practice_desk.importing.mapping import (
    ColumnMapping,
    Field,
    MappingError,
    MappingKind,
    Option,
    find_saved,
    open_table,
    table_header,
)
from practice_desk.importing.problems import ImportFailed
from practice_desk.importing.rows import note_encoding
from practice_desk.importing.sources import Source

CALLS_111 = "calls_111"
_ODS = re.compile(r"^[A-Z0-9]{3,10}$")

CALLS_111_KIND = MappingKind(
    CALLS_111, "count of calls to NHS 111 in core hours",
    fields=(
        Field("practice", "Practice ODS code",
              synonyms=("practice code", "ods code", "practice", "gp practice code", "ods")),
        Field("period", "Month or date", required=True,
              synonyms=("month", "date", "period", "day")),
        Field("count", "Calls to 111 in core hours", required=True,
              synonyms=("calls", "count", "calls to 111", "111 calls", "core hours calls")),
    ),
    options=(Option("practice", "Practice ODS code (when the file has no practice column)"),),
)


def _period(text: str) -> str:
    value = text.strip()
    if re.fullmatch(r"\d{4}-\d{2}", value):
        return value
    try:
        return parse_month(value)
    except BadDate:
        return parse_day(value).isoformat()


def load_calls_111(ctx: ImportContext, source: Source, mapping: ColumnMapping) -> None:
    table = open_table(source, mapping.has_header, mapping.header)
    note_encoding(ctx, table)  # type: ignore[arg-type]
    try:
        pos = mapping.positions(table.header)
    except MappingError as exc:
        raise ImportFailed([source.problem(1, m) for m in exc.messages]) from None
    chosen = getattr(getattr(ctx, "options", None), "practice", None) or mapping.option("practice")
    if "practice" not in pos and not chosen:
        raise ImportFailed([source.problem(None, "choose the practice (ODS code) these counts "
                                                 "belong to, or map a practice column")])
    problems = RowProblems()
    counts: dict[tuple[str, str], int] = {}
    for line, row in table.rows:
        ctx.rows_read += 1
        try:
            practice = (row[pos["practice"]] if "practice" in pos else chosen).strip().upper()
            if not _ODS.match(practice):
                raise ValueError(f"'{practice}' is not a practice ODS code")
            period = _period(row[pos["period"]])
            text = row[pos["count"]].strip().replace(",", "")
            if not text.isdigit():
                raise ValueError(f"count '{row[pos['count']]}' is not a whole number of calls")
        except IndexError:
            problems.add(source.problem(line, f"has {len(row)} fields where the header has "
                                              f"{len(table.header)}"))
            continue
        except (BadDate, ValueError) as exc:
            problems.add(source.problem(line, str(exc)))
            continue
        counts[(practice, period)] = counts.get((practice, period), 0) + int(text)
    problems.raise_if_any()
    if not counts:
        raise ImportFailed([source.problem(None, "the file has a header but no data rows")])
    ctx.claim(CALLS_111, set(counts))
    ctx.conn.executemany(
        "INSERT INTO calls_111_counts (import_id, ods_code, period, month, calls) "
        "VALUES (?, ?, ?, ?, ?)",
        ((ctx.import_id, p, period, period[:7], n) for (p, period), n in counts.items()))
    ctx.rows_stored += len(counts)


def calls_111_importer(mapping: ColumnMapping) -> Importer:
    return Importer(CALLS_111, mapping.name or "NHS 111 in-core-hours counts",
                    lambda h: False, lambda ctx, source: load_calls_111(ctx, source, mapping),
                    order=12)


def recognise(source: Source, conn: sqlite3.Connection | None, options: Any) -> Importer | None:
    explicit = getattr(options, "mapping", None)
    if explicit is not None:
        return calls_111_importer(explicit) if explicit.kind == CALLS_111 else None
    if conn is None:
        return None
    header = table_header(source)
    saved = find_saved(conn, CALLS_111, header) if header else None
    return calls_111_importer(saved) if saved is not None else None


# What the list of importers shows; the importer of a file comes from recognise().
CALLS_111_COUNTS = Importer(CALLS_111, "NHS 111 in-core-hours call counts (through a column "
                                       "mapping)", lambda h: False, lambda ctx, source: None,
                            order=12)
