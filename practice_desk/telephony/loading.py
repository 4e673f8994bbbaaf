"""Loading a call log: its rows read a block at a time (legs.py), merged into calls, stored and
added to the aggregates (sums.py). Imported only when a call log is, as it needs numpy and
pandas."""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime

import numpy as np
import pandas as pd

from practice_desk.importing.blocks import ArrowRefused, CsvBlocks, read_ahead
from practice_desk.importing.context import (
    MAX_PROBLEMS,
    ImportContext,
    NothingNew,
    RowProblems,
    collector_paused,
)
from practice_desk.importing.mapping import ColumnMapping
from practice_desk.importing.problems import ImportFailed
from practice_desk.importing.rows import note_encoding
from practice_desk.importing.sources import Source
from practice_desk.telephony import sums
from practice_desk.telephony.callers import CallerHasher, stored
from practice_desk.telephony.calllogs import ODS, QUEUE_NOTE, id_digests, row_key
from practice_desk.telephony.core_hours import CoreCalendar
from practice_desk.telephony.legs import LegReader, Legs, are_none, merge, settle
from practice_desk.telephony.model import DIRECTIONS, OUTCOMES, day_text
from practice_desk.telephony.rules import get_rules
from practice_desk.telephony.sums import StoredCalls
from practice_desk.telephony.times import LONDON

COLUMNS = ("practice", "day", "call_key", "clock", "summer", "direction", "outcome", "route",
           "supplier_outcome", "wait_ms", "talk_ms", "callback_made", "is_111", "caller")
# Each call is bound as 7 integers, no NULLs (0 or -1 stand for one), which SQLite unpacks:
# binding values is most of what storing a call costs. The first is the practice's label id and
# the day (bits 16 up, 0-15), the third the clock (bits 0-16), the small codes (summer, direction,
# outcome + 1, call-back made, 111, has a caller: bits 17, 18-19, 20-22, 23, 24, 25) and the
# route's label id (bits 26 up).
UNPACK = ("column1 >> 16", "column1 & 65535", "column2", "column3 & 131071",
          "(column3 >> 17) & 1", "(column3 >> 18) & 3", "NULLIF((column3 >> 20) & 7, 0) - 1",
          "NULLIF(column3 >> 26, 0)", "NULLIF(column4, 0)", "NULLIF(column5, -1)",
          "NULLIF(column6, -1)", "(column3 >> 23) & 1", "(column3 >> 24) & 1",
          "CASE WHEN column3 & 33554432 THEN column7 END")
PACKED = 7
assert len(DIRECTIONS) <= 4 and len(OUTCOMES) < 7  # as many as their bits hold
# SQLite binds a statement's values faster than it starts statements, and the storing thread
# takes Python's lock back after each statement (waiting on the other threads): large ones.
ROWS_PER_INSERT = 2000
ROWS_PER_BLOCK = 50_000  # numpy's work on a block has a fixed cost: fewer, larger blocks
NAN = float("nan")


class CallWriter:
    """Stores calls and adds them to the aggregates. A call already stored (same practice, day
    and key: an overlapping export) or met earlier in the file is not stored again."""

    def __init__(self, ctx: ImportContext):
        self.ctx = ctx
        self.clock = LocalClock()
        self.labels = CallLabels(ctx.conn)
        self.calendar = CoreCalendar.of(ctx.conn)
        self.practices: set[str] = set()
        self.written = 0
        self.offered = 0
        self.months: set[tuple[str, str]] = set()  # monthly tables summed once, by finish()

    def prepare(self, calls: Legs) -> Ready:
        """All that storing the calls needs but the database: worked out on the reading thread
        (read_ahead) while the calls before are stored."""
        settle(calls)
        day, clock, summer = self.clock.parts(calls.start)
        stored = StoredCalls(
            practice=calls.practice, day=day, clock=clock,
            direction=codes(calls.direction, DIRECTIONS), outcome=codes(calls.outcome, OUTCOMES),
            wait_ms=np.round(calls.wait * 1000), talk_ms=np.round(calls.talk * 1000),
            callback_made=calls.callback_made.astype(bool), is_111=calls.is_111.astype(bool))
        caller, has_caller = _caller_numbers(calls.caller_hash)
        practice = self.labels.ids("practice", calls.practice)
        route = self.labels.ids("route", calls.route)
        supplier = self.labels.ids("supplier_outcome", calls.supplier)
        rows, order = _packed(practice, stored, summer, self._keys(calls), caller, has_caller,
                              route, supplier)
        return Ready.of(rows, order, stored, self.labels.take_new(), self.calendar)

    def add(self, ready: Ready) -> None:
        if not len(ready.rows):
            return
        self.offered += len(ready.rows)
        self.labels.write(self.ctx.conn, ready.labels)
        new = ready.first & self._not_stored(ready.rows)
        if not new.all():
            ready = ready.keep(new, self.calendar)
        _insert(self.ctx.conn, self.ctx.import_id, ready.values)
        self.months |= sums.add_summed(self.ctx.conn, ready.summed)
        self.written += len(ready.rows)
        self.practices |= ready.practices
        self.ctx.periods |= ready.periods

    def finish(self) -> None:
        """Sum the monthly tables of the months the calls added to (once a month)."""
        sums.sum_practice_months(self.ctx.conn, self.months)
        self.months = set()

    def _keys(self, calls: Legs) -> np.ndarray:
        """The call key of every call: from the supplier's call ID, else from its row."""
        keys = np.empty(len(calls), dtype=np.int64)
        no_id = are_none(calls.group)  # identifiers() makes an empty ID None
        with_id = np.flatnonzero(~no_id) if no_id.any() else slice(None)  # most files: all
        digests = id_digests(calls.practice[with_id].tolist(), calls.group[with_id].tolist())
        keys[with_id] = np.frombuffer(digests, dtype=">i8")[::4]  # a key is a digest's start
        rows = np.flatnonzero(no_id).tolist()
        if rows:
            started = self.clock.utc_texts(calls.start[rows])
            keys[rows] = [row_key(calls.practice[i], s, calls.caller_hash[i], calls.direction[i],
                                  calls.route[i]) for i, s in zip(rows, started, strict=True)]
        return keys

    def _not_stored(self, rows: np.ndarray) -> np.ndarray:
        """Which of the rows (_packed) are not in the database already (an overlapping export)."""
        known: set[tuple[int, int]] = set()  # (practice << 16 | day, key) as packed
        practices = rows[:, 0] >> 16
        for practice in np.unique(practices).tolist():
            days = rows[practices == practice, 0] & 0xFFFF
            known.update((p << 16 | day, key) for p, day, key in self.ctx.conn.execute(
                "SELECT practice, day, call_key FROM calls WHERE practice = ? "
                "AND day BETWEEN ? AND ?", (practice, int(days.min()), int(days.max()))))
        new = np.ones(len(rows), dtype=bool)
        if known:
            maybe = np.flatnonzero(np.isin(rows[:, 0], [day for day, _ in known]))
            new[maybe] = [tuple(row) not in known for row in rows[maybe, :2].tolist()]
        return new


@dataclasses.dataclass
class Ready:
    """Calls ready to store: packed (_packed) in the table's key order, with their sums."""

    rows: np.ndarray        # a row of PACKED integers a call
    order: np.ndarray       # rows[i] is the call stored[order[i]]
    stored: StoredCalls     # the calls in the file's order
    labels: list[tuple[int, str, str]]  # call_labels rows first used by these calls
    values: list[int]       # the rows' integers as SQLite binds them
    first: np.ndarray       # not a call met earlier in the block (same practice, day and key)
    summed: sums.Summed
    practices: set[str]
    periods: set[str]       # 'YYYY-MM'

    @classmethod
    def of(cls, rows: np.ndarray, order: np.ndarray, stored: StoredCalls,
           labels: list[tuple[int, str, str]], calendar: CoreCalendar) -> Ready:
        first = np.ones(len(rows), dtype=bool)
        first[1:] = (rows[1:, :2] != rows[:-1, :2]).any(axis=1)  # the same call sorts next
        return cls(rows, order, stored, labels, rows.ravel().tolist(), first,
                   sums.summed(stored, calendar), set(pd.unique(stored.practice).tolist()),
                   {day_text(day)[:7] for day in np.unique(stored.day).tolist()})

    def keep(self, new: np.ndarray, calendar: CoreCalendar) -> Ready:
        """The calls of the rows `new` marks."""
        kept = self.order[new]
        in_file = np.sort(kept)
        return Ready.of(self.rows[new], np.searchsorted(in_file, kept),
                        self.stored.select(in_file), [], calendar)


class CallLabels:
    """call_labels ids of practices, routes and supplier words. A text met for the first time
    is given the next free id here and its row is written later (write), so that ids can be
    found on the reading thread, away from the database."""

    def __init__(self, conn: sqlite3.Connection):
        self.known = {(kind, text): id_ for id_, kind, text in conn.execute(
            "SELECT id, kind, text FROM call_labels")}
        self.next_id = 1 + max(self.known.values(), default=0)
        self.new: list[tuple[int, str, str]] = []

    def ids(self, kind: str, texts: np.ndarray) -> np.ndarray:
        """The id of every text (NaN for None)."""
        found, distinct = pd.factorize(texts)
        ids = [self.id(kind, text) for text in distinct]
        return np.array([*ids, NAN], dtype=float)[found]  # -1 (None) picks the NaN

    def id(self, kind: str, text: str) -> int:
        id_ = self.known.get((kind, text))
        if id_ is None:
            id_ = self.known[(kind, text)] = self.next_id
            self.next_id += 1
            self.new.append((id_, kind, text))
        return id_

    def take_new(self) -> list[tuple[int, str, str]]:
        """The rows of the texts met since last asked, to write."""
        new, self.new = self.new, []
        return new

    @staticmethod
    def write(conn: sqlite3.Connection, rows: list[tuple[int, str, str]]) -> None:
        conn.executemany("INSERT INTO call_labels (id, kind, text) VALUES (?, ?, ?)", rows)


def codes(words: np.ndarray, vocabulary: tuple[str, ...]) -> np.ndarray:
    """Every word's index in the vocabulary; -1 for None."""
    found, distinct = pd.factorize(words)
    return np.array([*(vocabulary.index(w) for w in distinct), -1], dtype=np.int64)[found]


def _caller_numbers(hashes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(the stored part of every caller hash, 0 when withheld; whether there is one)."""
    found, distinct = pd.factorize(hashes)
    return np.array([*(stored(h) for h in distinct), 0], dtype=np.int64)[found], found >= 0


def _packed(practice: np.ndarray, stored: StoredCalls, summer: np.ndarray, keys: np.ndarray,
            caller: np.ndarray, has_caller: np.ndarray, route: np.ndarray,
            supplier: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(the calls as UNPACK reads them, a row of PACKED integers each, in the table's key order
    (SQLite inserts rows in key order about a tenth faster); which call each row is)."""
    codes = (summer | stored.direction << 1 | (stored.outcome + 1) << 3
             | stored.callback_made.astype(np.int64) << 6 | stored.is_111.astype(np.int64) << 7
             | has_caller.astype(np.int64) << 8)
    columns = [practice.astype(np.int64) << 16 | stored.day, keys,
               stored.clock | codes << 17 | np.nan_to_num(route, nan=0).astype(np.int64) << 26,
               np.nan_to_num(supplier, nan=0), np.nan_to_num(stored.wait_ms, nan=-1),
               np.nan_to_num(stored.talk_ms, nan=-1), caller]
    rows = np.column_stack([column.astype(np.int64) for column in columns])
    order = np.lexsort((rows[:, 1], rows[:, 0]))  # practice and day, then key
    return rows[order], order


def _insert(conn: sqlite3.Connection, import_id: int, values: list[int]) -> None:
    """Rows of `calls` (_packed, as one list), ROWS_PER_INSERT to a statement (fewer if this
    SQLite takes fewer values), the import's id written in."""
    rows = min(ROWS_PER_INSERT, conn.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) // PACKED)
    width = PACKED * rows
    whole = len(values) - len(values) % width
    if whole:
        conn.executemany(_insert_sql(import_id, rows),
                         (values[k:k + width] for k in range(0, whole, width)))
    if whole < len(values):
        conn.execute(_insert_sql(import_id, (len(values) - whole) // PACKED), values[whole:])


def _insert_sql(import_id: int, rows: int) -> str:
    row = f"({', '.join('?' * PACKED)})"
    return (f"INSERT INTO calls ({', '.join(COLUMNS)}, import_id) "
            f"SELECT {', '.join(UNPACK)}, {int(import_id)} FROM (VALUES {', '.join([row] * rows)})")


class LocalClock:
    """UTC epoch seconds -> Europe/London day and time of day (calls are stored by London's
    clock), from a cache of each UTC day's offset (each hour's on the days the clocks change)."""

    def __init__(self) -> None:
        self._offsets: dict[int, int] = {}
        self._day_offsets: dict[int, int | None] = {}

    def _offset(self, hour: int) -> int:
        hit = self._offsets.get(hour)
        if hit is None:
            instant = datetime.fromtimestamp(hour * 3600, UTC)
            hit = self._offsets[hour] = int(instant.astimezone(LONDON).utcoffset().total_seconds())
        return hit

    def _day_offset(self, day: int) -> int | None:
        """The UTC day's offset, None when London's clocks change within it."""
        if day not in self._day_offsets:
            first, last = self._offset(day * 24), self._offset(day * 24 + 23)
            self._day_offsets[day] = first if first == last else None
        return self._day_offsets[day]

    def parts(self, utc: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(London day number, seconds since London midnight, 1 on summer time else 0): the UTC
        instant is day * 86400 + clock - 3600 * summer."""
        seconds = np.floor(utc).astype(np.int64)
        days, on_day = np.unique(seconds // 86400, return_inverse=True)
        per_day = [self._day_offset(int(d)) for d in days]
        offset = np.array([-1 if o is None else o for o in per_day], dtype=np.int64)[on_day]
        changing = np.flatnonzero(offset == -1)  # days the clocks change: hour by hour
        if len(changing):
            hours, on_hour = np.unique(seconds[changing] // 3600, return_inverse=True)
            offset[changing] = np.array([self._offset(int(h)) for h in hours])[on_hour]
        day, clock = np.divmod(seconds + offset, 86400)
        return day, clock, offset // 3600

    @staticmethod
    def utc_texts(utc: np.ndarray) -> list[str]:
        """'YYYY-MM-DDTHH:MM:SSZ' of each instant (the row keys of calls without an ID)."""
        return [datetime.fromtimestamp(s, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
                for s in np.floor(utc).astype(np.int64).tolist()]


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
    table = CsvBlocks(source, mapping.has_header, mapping.header, ROWS_PER_BLOCK)
    note_encoding(ctx, table)  # type: ignore[arg-type]
    try:
        practice = _practice(source, mapping, table.header, ctx.options.practice)
    except ImportFailed:
        table.close()
        raise
    with collector_paused():
        reader, writer = _read_and_store(ctx, source, mapping, table, practice)
    _report(ctx, source, mapping, reader, writer)
    # A practice first seen in its own call log still needs a row to be chosen in the app.
    for practice in writer.practices:
        ctx.mention("practice", practice)
    ctx.conn.executemany("INSERT OR IGNORE INTO practices (ods_code) VALUES (?)",
                         [(practice,) for practice in sorted(writer.practices)])


def _read_and_store(ctx: ImportContext, source: Source, mapping: ColumnMapping,
                    table: CsvBlocks, practice: str | None) -> tuple[LegReader, CallWriter]:
    """_store the file's calls; when pyarrow's parser refuses the file part way (ArrowRefused:
    rows of mixed length, say), what it stored is rolled back and pandas' parser reads it all."""
    ctx.conn.execute("SAVEPOINT call_log")
    rows_read, periods = ctx.rows_read, set(ctx.periods)
    try:
        reader, writer = _reader(ctx, source, mapping, table, practice), CallWriter(ctx)
        _store(ctx, source, table, reader, writer)
    except ArrowRefused:
        ctx.conn.execute("ROLLBACK TO call_log")
        ctx.rows_read = rows_read
        ctx.periods.clear()
        ctx.periods.update(periods)
        table.read_with_pandas()
        reader, writer = _reader(ctx, source, mapping, table, practice), CallWriter(ctx)
        _store(ctx, source, table, reader, writer)
    ctx.conn.execute("RELEASE call_log")
    return reader, writer


def _reader(ctx: ImportContext, source: Source, mapping: ColumnMapping, table: CsvBlocks,
            practice: str | None) -> LegReader:
    try:
        return LegReader(mapping, table.header, practice, CallerHasher(ctx.conn),
                         get_rules(ctx.conn), source)
    except ValueError as exc:  # MappingError
        table.close()
        raise ImportFailed([source.problem(1, line) for line in str(exc).splitlines()]) from None


def _store(ctx: ImportContext, source: Source, table: CsvBlocks, reader: LegReader,
           writer: CallWriter) -> None:
    """Read the file's calls and store them; calls made of legs once the whole file is read."""
    held: list[Legs] = []
    for rows, full, legs in read_ahead(_read(table, reader, writer)):
        ctx.rows_read += rows
        if full:
            ctx.checkpoint(table, ctx.rows_read)  # type: ignore[arg-type]
        if isinstance(legs, Ready):
            writer.add(legs)
        elif legs is not None:
            held.append(legs)
    _raise_problems(source, table, reader)
    if held:
        calls = merge(Legs.join(held), True)
        del held
        blocks = (calls.select(slice(k, k + ROWS_PER_BLOCK))
                  for k in range(0, len(calls), ROWS_PER_BLOCK))
        for ready in read_ahead(map(writer.prepare, blocks)):  # as the rows were, above
            ctx.check_cancel()
            writer.add(ready)
    writer.finish()


def _read(table: CsvBlocks, reader: LegReader,
          writer: CallWriter) -> Iterator[tuple[int, bool, Legs | Ready | None]]:
    """(rows, whether the block was whole, what it holds) of each block of the file: calls
    ready to store, or legs to merge into calls at the end, or None once there is a problem
    (the rest is read only to report other problems); stops at MAX_PROBLEMS problems. (Run on
    one thread: a third, making calls ready, waited on Python's lock more than it saved.)"""
    for numbers, block in table:
        legs = reader.read(numbers, block)
        if reader.problems or reader.unknown.words:
            yield len(block), table.is_full(block), None
        else:
            yield len(block), table.is_full(block), legs if reader.legs else writer.prepare(legs)
        if len(reader.problems) >= MAX_PROBLEMS:
            return


def _raise_problems(source: Source, table: CsvBlocks, reader: LegReader) -> None:
    if not reader.problems and not reader.unknown.words:
        return
    first_rows = [row for row, _ in reader.unknown.words.values()]
    lines = table.lines([*reader.problems, *first_rows])
    short = table.short_rows(reader.problems)
    problems = RowProblems()
    for row, message in sorted(reader.problems.items()):
        problems.add(source.problem(lines.get(row), short.get(row, message)))
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


