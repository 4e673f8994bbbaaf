"""What an importer works with while it loads one file: the context (connection, progress,
cancel, labels, counts) and the checks every importer shares. Kept apart from the runner so the
importers do not import the module that imports them."""

from __future__ import annotations

import gc
import sqlite3
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

from practice_desk.importing import coverage
from practice_desk.importing.labels import normalise
from practice_desk.importing.mapping import ColumnMapping
from practice_desk.importing.problems import (
    MAX_PROBLEMS,
    ImportCancelled,
    ImportFailed,
    ImportProblem,
)
from practice_desk.importing.sources import CsvReader, Source

Progress = Callable[[float, str], None]
Cancel = Callable[[], bool]

CHECK_EVERY = 20_000  # rows between progress reports and cancel checks


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cycle collector off while an importer's loop builds up millions of objects it
    keeps or drops at once (it would walk them again and again: 4-6 % of an import); the loops
    make no cycles to leave behind. As it was before when the loop ends, however it ends."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


@dataclass(frozen=True)
class ImportOptions:
    """What the user tells an import that the file itself does not say."""

    practice: str | None = None  # ODS code, for call logs (they do not name the practice)
    mapping: ColumnMapping | None = None  # a column mapping chosen in the mapping step


class NothingNew(Exception):
    """Everything in the file is already in the database: rolled back, reported as a duplicate."""


class ImportContext:
    """What an importer needs while it loads: the connection, progress, cancel, labels, counts."""

    def __init__(self, conn: sqlite3.Connection, import_id: int, total_bytes: int,
                 progress: Progress | None, cancel: Cancel | None,
                 options: ImportOptions | None = None,
                 sources: Mapping[str, coverage.FactSource] | None = None):
        self.conn = conn
        self.sources = coverage.SOURCES if sources is None else sources  # what a claim names
        self.options = options or ImportOptions()
        self.import_id = import_id
        self.total_bytes = max(total_bytes, 1)
        self.bytes_done = 0
        self._progress = progress
        self._cancel = cancel
        self.rows_read = 0
        self.rows_stored = 0
        self.rows_replaced = 0
        self.periods: set[str] = set()
        self.warnings: list[str] = []
        # 'practice' | 'area' -> the codes named, in the order first named (an ordered set: a
        # file's order is nearly sorted, so sorting them when stored costs next to nothing)
        self.mentions: dict[str, dict[str, None]] = {}
        self._label_ids: dict[tuple[str, str], int] = {}

    # --- progress and cancel -------------------------------------------------------------
    def tick(self, reader: CsvReader, rows: int) -> None:
        """Called every row; reports progress and honours cancel every CHECK_EVERY rows."""
        if rows % CHECK_EVERY == 0:
            self.checkpoint(reader, rows)

    def check_cancel(self) -> None:
        """Stops the import when the user has cancelled it."""
        if self._cancel and self._cancel():
            raise ImportCancelled()

    def checkpoint(self, reader: CsvReader, rows: int) -> None:
        """Reports progress and honours cancel (for importers that read blocks of rows)."""
        self.check_cancel()
        if self._progress:
            done = self.bytes_done + reader.position()
            fraction = min(done / self.total_bytes, 1.0)
            self._progress(fraction, f"{reader.source.name}: {rows:,} rows")

    def part_done(self, source: Source, fraction: float, text: str) -> None:
        """Progress through a source read as a whole (a workbook sheet): `fraction` of it is done.
        Honours cancel too."""
        self.check_cancel()
        if self._progress:
            done = self.bytes_done + source.size() * min(max(fraction, 0.0), 1.0)
            self._progress(min(done / self.total_bytes, 0.99), text)

    def finished_source(self, source: Source) -> None:
        """Between the files of a zip: report progress and honour cancel there too."""
        self.bytes_done += source.size()
        self.check_cancel()
        if self._progress and self.bytes_done < self.total_bytes:  # the runner reports the end
            self._progress(self.bytes_done / self.total_bytes, f"{source.name}: done")

    def warn(self, text: str) -> None:
        if text not in self.warnings:
            self.warnings.append(text)

    # --- labels --------------------------------------------------------------------------
    def label_id(self, dimension: str, raw: str, source: Source) -> int:
        key = (dimension, raw)
        cached = self._label_ids.get(key)
        if cached is not None:
            return cached
        label, known = normalise(dimension, raw)
        if not known:
            name = dimension.replace("_", " ")
            self.warn(f"{source.name}: new {name} label '{raw}' kept as it is")
        self.conn.execute(
            "INSERT OR IGNORE INTO labels (dimension, raw, label) VALUES (?, ?, ?)",
            (dimension, raw, label),
        )
        label_id = self.conn.execute(
            "SELECT id FROM labels WHERE dimension = ? AND raw = ?", (dimension, raw)
        ).fetchone()[0]
        self._label_ids[key] = label_id
        return label_id

    # --- facts ---------------------------------------------------------------------------
    def mention(self, kind: str, code: str) -> None:
        """This import names a practice or an area (an undo forgets those no import names)."""
        self.mentions.setdefault(kind, {})[code] = None

    def mention_all(self, kind: str, codes: Iterable[str]) -> None:
        self.mentions.setdefault(kind, {}).update(dict.fromkeys(codes))

    def claim(self, source_kind: str, claims: Collection[tuple[str, str]]) -> None:
        self.rows_replaced += coverage.replace_older(self.conn, self.import_id, source_kind, claims,
                                                     self.sources)
        self.periods.update(period[:7] for period in {period for _, period in claims})


class DuplicateRows:
    """Spots a row that repeats an earlier one's key (e.g. the same practice, month and labels):
    published files have one row per combination, so a repeat means a damaged or merged file.
    Keys are kept as hashes to stay small on million-row files."""

    def __init__(self, what: str) -> None:
        self.what = what
        self._seen: set[int] = set()

    def check(self, key: tuple, line: int, source: Source, problems: RowProblems) -> bool:
        """False (and a problem recorded) when the key was seen before."""
        hashed = hash(key)
        if hashed in self._seen:
            problems.add(source.problem(line, f"repeats an earlier row for the same {self.what}"))
            return False
        self._seen.add(hashed)
        return True


class RowProblems:
    """Collects bad rows up to MAX_PROBLEMS, then stops the import."""

    def __init__(self) -> None:
        self.items: list[ImportProblem] = []

    def add(self, problem: ImportProblem) -> None:
        self.items.append(problem)
        if len(self.items) >= MAX_PROBLEMS:
            self.raise_if_any(more=True)

    def raise_if_any(self, more: bool = False) -> None:
        if self.items:
            items = list(self.items)
            if more:
                last = items[-1]
                items.append(ImportProblem(last.file, None, "stopped after this many problems"))
            raise ImportFailed(items)
