"""Running one import: detect, check for a repeat, load in one transaction, report."""

from __future__ import annotations

import hashlib
import logging
import sqlite3
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from practice_desk.importing import coverage
from practice_desk.importing.detect import Plan, plan_import
from practice_desk.importing.labels import normalise
from practice_desk.importing.mapping import ColumnMapping
from practice_desk.importing.problems import (
    MAX_PROBLEMS,
    ImportCancelled,
    ImportFailed,
    ImportProblem,
)
from practice_desk.importing.sources import CsvReader, Source

log = logging.getLogger(__name__)

Progress = Callable[[float, str], None]
Cancel = Callable[[], bool]

CHECK_EVERY = 20_000  # rows between progress reports and cancel checks


@dataclass
class ImportReport:
    path: str
    status: str  # 'done', 'duplicate', 'failed' or 'cancelled'
    kind: str | None = None
    import_id: int | None = None
    rows_read: int = 0
    rows_stored: int = 0
    rows_replaced: int = 0
    periods: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    problems: list[ImportProblem] = field(default_factory=list)
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.status in ("done", "duplicate")


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
                 options: ImportOptions | None = None):
        self.conn = conn
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
        self.mentions: set[tuple[str, str]] = set()  # ('practice' | 'area', code)
        self._label_ids: dict[tuple[str, str], int] = {}

    # --- progress and cancel -------------------------------------------------------------
    def tick(self, reader: CsvReader, rows: int) -> None:
        """Called every row; reports progress and honours cancel every CHECK_EVERY rows."""
        if rows % CHECK_EVERY == 0:
            self.checkpoint(reader, rows)

    def checkpoint(self, reader: CsvReader, rows: int) -> None:
        """Reports progress and honours cancel (for importers that read blocks of rows)."""
        if self._cancel and self._cancel():
            raise ImportCancelled()
        if self._progress:
            done = self.bytes_done + reader.position()
            fraction = min(done / self.total_bytes, 1.0)
            self._progress(fraction, f"{reader.source.name}: {rows:,} rows")

    def finished_source(self, source: Source) -> None:
        """Between the files of a zip: report progress and honour cancel there too."""
        self.bytes_done += source.size()
        if self._cancel and self._cancel():
            raise ImportCancelled()
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
        self.mentions.add((kind, code))

    def claim(self, source_kind: str, claims: set[tuple[str, str]]) -> None:
        self.rows_replaced += coverage.replace_older(self.conn, self.import_id, source_kind, claims)
        self.periods.update(period[:7] for _, period in claims)


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


def file_hash(path: Path) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def _now() -> str:
    return datetime.now().isoformat(timespec="seconds")


def find_duplicate(conn: sqlite3.Connection, content_hash: str) -> sqlite3.Row | None:
    """An earlier import of the same bytes that still holds all its rows."""
    return conn.execute(
        "SELECT * FROM imports WHERE content_hash = ? AND status = 'done' "
        "AND rows_superseded = 0 ORDER BY id DESC LIMIT 1",
        (content_hash,),
    ).fetchone()


def import_file(conn: sqlite3.Connection, path: str | Path, progress: Progress | None = None,
                cancel: Cancel | None = None,
                options: ImportOptions | None = None) -> ImportReport:
    """Import one file (CSV, zip, ...) in a single transaction. Never raises for bad input.

    `options` gives the practice and/or a column mapping for files that need them (call logs).
    """
    path = Path(path)
    report = ImportReport(path=str(path), status="failed")
    try:
        if not path.is_file():
            raise ImportFailed([ImportProblem(path.name, None, "no such file")])
        plan = plan_import(path, conn, options)
        report.kind = plan.kind
        content_hash = file_hash(path)
        earlier = find_duplicate(conn, content_hash)
        if earlier is not None:
            report.status, report.import_id = "duplicate", earlier["id"]
            report.message = (f"{path.name} was already imported on {earlier['finished_at']} "
                              f"(import {earlier['id']}); nothing was added.")
            return report
        _run_plan(conn, path, plan, content_hash, report, progress, cancel, options)
    except NothingNew as exc:
        report.status, report.message = "duplicate", str(exc)
    except ImportFailed as exc:
        report.problems = exc.problems
        report.message = f"{path.name} was not imported; nothing was changed.\n{exc}"
    except ImportCancelled:
        report.status = "cancelled"
        report.message = f"Import of {path.name} cancelled; nothing was changed."
    except (UnicodeDecodeError, zipfile.BadZipFile, zlib.error, EOFError) as exc:
        report.problems = [ImportProblem(path.name, None, f"the file is damaged ({exc})")]
        report.message = f"{path.name} was not imported; nothing was changed.\n{report.problems[0]}"
    except (OSError, sqlite3.Error) as exc:
        log.exception("import of %s failed", path.name)
        report.problems = [ImportProblem(path.name, None, str(exc))]
        report.message = f"{path.name} was not imported; nothing was changed.\n{path.name}: {exc}"
    return report


def _run_plan(conn: sqlite3.Connection, path: Path, plan: Plan, content_hash: str,
              report: ImportReport, progress: Progress | None, cancel: Cancel | None,
              options: ImportOptions | None = None) -> None:
    conn.execute("BEGIN IMMEDIATE")
    try:
        import_id = conn.execute(
            "INSERT INTO imports (kind, file_name, content_hash, status, started_at) "
            "VALUES (?, ?, ?, 'done', ?)",
            (plan.kind, path.name, content_hash, _now()),
        ).lastrowid
        ctx = ImportContext(conn, import_id, plan.total_bytes(), progress, cancel, options)
        for step in plan.steps:
            step.load(ctx, step.source)
            ctx.finished_source(step.source)
        if ctx.rows_stored == 0 and plan.requires_rows:
            problem = ImportProblem(path.name, None, "the file has a header but no data rows")
            raise ImportFailed([problem])
        _finish(conn, ctx, report)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    if progress:
        progress(1.0, f"{path.name}: done")


def _finish(conn: sqlite3.Connection, ctx: ImportContext, report: ImportReport) -> None:
    conn.executemany("INSERT OR IGNORE INTO import_mentions (kind, code, import_id) "
                     "VALUES (?, ?, ?)", ((k, c, ctx.import_id) for k, c in ctx.mentions))
    periods = sorted(ctx.periods)
    span = f"{periods[0]}..{periods[-1]}" if len(periods) > 1 else "".join(periods)
    message = "; ".join(ctx.warnings)
    conn.execute(
        "UPDATE imports SET rows_read = ?, rows_stored = ?, rows_replaced = ?, finished_at = ?, "
        "periods = ?, message = ? WHERE id = ?",
        (ctx.rows_read, ctx.rows_stored, ctx.rows_replaced, _now(), span, message, ctx.import_id),
    )
    report.status = "done"
    report.import_id = ctx.import_id
    report.rows_read, report.rows_stored = ctx.rows_read, ctx.rows_stored
    report.rows_replaced, report.periods, report.warnings = ctx.rows_replaced, periods, ctx.warnings
    replaced = ""
    if ctx.rows_replaced:
        replaced = f", replacing {ctx.rows_replaced:,} rows of earlier imports"
    report.message = (f"Imported {ctx.rows_stored:,} rows from {Path(report.path).name} "
                      f"as import {ctx.import_id} ({span or 'no periods'}){replaced}.")


def undo_import(conn: sqlite3.Connection, import_id: int) -> str:
    """Remove everything one import added. Rows it had replaced are not brought back."""
    row = conn.execute("SELECT * FROM imports WHERE id = ?", (import_id,)).fetchone()
    if row is None:
        raise ValueError(f"There is no import {import_id}.")
    if row["status"] != "done":
        raise ValueError(f"Import {import_id} ({row['file_name']}) was already undone.")
    conn.execute("BEGIN IMMEDIATE")
    try:
        deleted = coverage.remove_import(conn, import_id)
        conn.execute("UPDATE imports SET status = 'undone', undone_at = ? WHERE id = ?",
                     (_now(), import_id))
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    note = ""
    if row["rows_replaced"]:
        note = (" It had replaced rows from earlier imports; re-import those files "
                "to bring their figures back.")
    return f"Undid import {import_id} ({row['file_name']}): removed {deleted:,} rows.{note}"
