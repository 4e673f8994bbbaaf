"""Loading a call log: its rows read a block at a time (legs.py), merged into calls, stored and
added to the aggregates (sums.py). Imported only when a call log is, as it needs numpy and
pandas."""

from __future__ import annotations

import numpy as np
import pandas as pd

from practice_desk.importing.blocks import CsvBlocks
from practice_desk.importing.context import MAX_PROBLEMS, ImportContext, NothingNew, RowProblems
from practice_desk.importing.mapping import ColumnMapping
from practice_desk.importing.problems import ImportFailed
from practice_desk.importing.rows import note_encoding
from practice_desk.importing.sources import Source
from practice_desk.telephony import sums
from practice_desk.telephony.callers import CallerHasher, stored
from practice_desk.telephony.calllogs import ODS, QUEUE_NOTE, id_key, row_key
from practice_desk.telephony.legs import LegReader, Legs, LocalClock, merge, settle
from practice_desk.telephony.rules import get_rules

COLUMNS = ("import_id", "ods_code", "call_key", "started_at", "local_day", "local_time",
           "weekday", "direction", "route", "wait_s", "talk_s", "outcome", "supplier_outcome",
           "callback_made", "is_111", "caller_hash")
INSERT = f"INSERT INTO calls ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"


class CallWriter:
    """Stores calls and adds them to the aggregates. A call already stored (same practice, day
    and key: an overlapping export) or met earlier in the file is not stored again."""

    def __init__(self, ctx: ImportContext):
        self.ctx = ctx
        self.clock = LocalClock()
        self.practices: set[str] = set()
        self.written = 0
        self.offered = 0

    def add(self, calls: Legs) -> None:
        if not len(calls):
            return
        settle(calls)
        frame = self._frame(calls)
        self.offered += len(frame)
        frame = frame[~frame.duplicated(["ods_code", "local_day", "call_key"])]
        frame = frame[~self._stored(frame)]
        self.ctx.conn.executemany(INSERT, zip(*(frame[c].tolist() for c in COLUMNS),
                                              strict=True))
        sums.add_calls(self.ctx.conn, frame)
        self.written += len(frame)
        self.practices.update(frame["ods_code"].unique().tolist())
        self.ctx.periods.update(frame["local_day"].str[:7].unique().tolist())

    def _frame(self, calls: Legs) -> pd.DataFrame:
        started, day, clock, weekday = self.clock.texts(calls.start)
        practice, route = calls.practice.tolist(), calls.route.tolist()
        caller, direction = calls.caller_hash.tolist(), calls.direction.tolist()
        keys = [id_key(p, g) if g else row_key(p, s, h, d, r) for p, g, s, h, d, r in zip(
            practice, calls.group.tolist(), started, caller, direction, route, strict=True)]
        return pd.DataFrame({
            "import_id": self.ctx.import_id, "ods_code": practice, "call_key": keys,
            "started_at": started, "local_day": day, "local_time": clock, "weekday": weekday,
            "direction": direction, "route": route, "wait_s": _rounded(calls.wait),
            "talk_s": _rounded(calls.talk), "outcome": calls.outcome.tolist(),
            "supplier_outcome": calls.supplier.tolist(),
            "callback_made": calls.callback_made.astype(int), "is_111": calls.is_111.astype(int),
            "caller_hash": [stored(h) for h in caller],
        })

    def _stored(self, frame: pd.DataFrame) -> np.ndarray:
        """Which calls are in the database already (the days they fall on are searched)."""
        known: set[tuple[str, str, str]] = set()
        for practice, days in frame.groupby("ods_code")["local_day"]:
            known.update(tuple(row) for row in self.ctx.conn.execute(
                "SELECT ods_code, local_day, call_key FROM calls WHERE ods_code = ? "
                "AND local_day BETWEEN ? AND ?", (practice, days.min(), days.max())))
        found = np.zeros(len(frame), dtype=bool)
        if known:
            maybe = np.flatnonzero(frame["local_day"].isin({day for _, day, _ in known}))
            rows = frame.iloc[maybe]
            keys = zip(rows["ods_code"].tolist(), rows["local_day"].tolist(),
                       rows["call_key"].tolist(), strict=True)
            found[maybe] = [key in known for key in keys]
        return found


def _rounded(seconds: np.ndarray) -> np.ndarray:
    """To the millisecond; NaN (unknown) is stored as NULL by SQLite."""
    return np.round(seconds, 3)


def _practice(source: Source, mapping: ColumnMapping, header: list[str],
              chosen: str | None) -> str | None:
    """The practice the file is for, unless a column names it per row."""
    practice = (chosen or mapping.option("practice") or "").strip().upper() or None
    if practice is None and not mapping.columns.get("practice"):
        raise ImportFailed([source.problem(None, (
            "call logs do not say which practice they belong to: choose the practice "
            "(ODS code) in the import (practice-desk import --practice ODS), or map a "
            "practice column"))])
    if practice and not ODS.match(practice):
        raise ImportFailed([source.problem(None, f"'{practice}' is not a practice "
                                                 "ODS code (such as E81050)")])
    return practice


def load_call_log(ctx: ImportContext, source: Source, mapping: ColumnMapping) -> None:
    table = CsvBlocks(source, mapping.has_header, mapping.header)
    note_encoding(ctx, table)  # type: ignore[arg-type]
    try:
        practice = _practice(source, mapping, table.header, ctx.options.practice)
        reader = LegReader(mapping, table.header, practice, CallerHasher(ctx.conn),
                           get_rules(ctx.conn), source)
    except ValueError as exc:  # MappingError
        table.close()
        raise ImportFailed([source.problem(1, line) for line in str(exc).splitlines()]) from None
    except ImportFailed:
        table.close()
        raise
    writer = CallWriter(ctx)
    held: list[Legs] = []  # legs of calls, merged once the whole file is read
    for numbers, block in table:
        ctx.rows_read += len(block)
        if table.is_full(block):
            ctx.checkpoint(table, ctx.rows_read)  # type: ignore[arg-type]
        legs = reader.read(numbers, block)
        if len(reader.problems) >= MAX_PROBLEMS:
            break
        if reader.problems or reader.unknown.words:
            continue  # read on only to report the other problems
        if reader.legs:
            held.append(legs)
        else:
            writer.add(legs)
    _raise_problems(source, table, reader)
    if held:
        writer.add(merge(Legs.join(held), True))
    _report(ctx, source, mapping, reader, writer)
    # A practice first seen in its own call log still needs a row to be chosen in the app.
    for practice in writer.practices:
        ctx.mention("practice", practice)
    ctx.conn.executemany("INSERT OR IGNORE INTO practices (ods_code) VALUES (?)",
                         [(practice,) for practice in sorted(writer.practices)])


def _raise_problems(source: Source, table: CsvBlocks, reader: LegReader) -> None:
    if not reader.problems and not reader.unknown.words:
        return
    first_rows = [row for row, _ in reader.unknown.words.values()]
    lines = table.lines([*reader.problems, *first_rows])
    problems = RowProblems()
    for row, message in sorted(reader.problems.items()):
        problems.add(source.problem(lines.get(row), message))
    for seen in reader.unknown.words.values():
        seen[0] = lines.get(seen[0], seen[0])
    problems.items.extend(reader.unknown.problems(source))
    problems.raise_if_any()


def _report(ctx: ImportContext, source: Source, mapping: ColumnMapping, reader: LegReader,
            writer: CallWriter) -> None:
    if writer.offered == 0:
        raise ImportFailed([source.problem(None, "the file has no calls in it")])
    present = writer.offered - writer.written
    ctx.rows_stored += writer.written
    ctx.warn(f"{source.name}: read as {mapping.name or 'a mapped call log'}")
    for note in reader.notes:
        ctx.warn(note)
    if present:
        ctx.warn(f"{present:,} of the {writer.offered:,} calls were already in the database "
                 "(an overlapping export) and were not counted again")
    if writer.written == 0:
        raise NothingNew(f"All {writer.offered:,} calls in {source.name} are already in the "
                         "database; nothing was added.")
    if reader.hasher.unusable:
        ctx.warn(f"{reader.hasher.unusable:,} caller numbers were unusable (turned into numbers "
                 "like 7.7E+10 by Excel, or not numbers); those calls were kept without a caller")
    if reader.skipped:
        ctx.warn(f"{reader.skipped:,} rows mapped to 'ignore' were left out")
    if reader.queued_without_log:
        ctx.warn(QUEUE_NOTE)


