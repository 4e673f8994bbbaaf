"""Running one import: detect, check for a repeat, load in one transaction, report."""

from __future__ import annotations

import errno
import json
import logging
import sqlite3
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from local_db import faults
from local_db.connection import rollback
from practice_desk.importing import coverage, formats, workbooks
from practice_desk.importing.context import (  # noqa: F401  (re-exported for callers)
    CHECK_EVERY,
    MAX_PROBLEMS,
    Cancel,
    DuplicateRows,
    ImportContext,
    ImportOptions,
    NothingNew,
    Progress,
    RowProblems,
)
from practice_desk.importing.detect import Plan, plan_import
from practice_desk.importing.problems import ImportCancelled, ImportFailed, ImportProblem
from practice_desk.importing.sources import encodings_remembered, file_hash

log = logging.getLogger(__name__)


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
    fault: str | None = None  # the database's fault (local_db.faults cause), not the file's

    @property
    def ok(self) -> bool:
        return self.status in ("done", "duplicate")


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
    with encodings_remembered():
        return _import_file(conn, Path(path), progress, cancel, options)


def _import_file(conn: sqlite3.Connection, path: Path, progress: Progress | None,
                 cancel: Cancel | None, options: ImportOptions | None) -> ImportReport:
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
        cause = _cause(conn, exc)
        report.fault = getattr(cause, "cause", None)
        report.problems = [ImportProblem(path.name, None, str(cause))]
        report.message = (f"{path.name} was not imported; nothing was changed.\n"
                          f"{report.problems[0]}")
    finally:
        workbooks.forget()  # detection's cells too, when the import stopped before reading them
    return report


def _cause(conn: sqlite3.Connection, exc: OSError | sqlite3.Error) -> Exception:
    """What stopped the import: the database's diagnosed fault (a full disk, a read-only or busy
    file), or the file's own read error."""
    if isinstance(exc, sqlite3.Error) or exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return faults.explain_on(conn, exc, "save to")
    return exc


def _run_plan(conn: sqlite3.Connection, path: Path, plan: Plan, content_hash: str,
              report: ImportReport, progress: Progress | None, cancel: Cancel | None,
              options: ImportOptions | None = None) -> None:
    conn.execute("BEGIN IMMEDIATE")
    try:
        _refuse_repeat(conn, path, content_hash)
        import_id = conn.execute(
            "INSERT INTO imports (kind, file_name, content_hash, status, started_at) "
            "VALUES (?, ?, ?, 'done', ?)",
            (plan.kind, path.name, content_hash, _now()),
        ).lastrowid
        ctx = ImportContext(conn, import_id, plan.total_bytes(), progress, cancel, options,
                            formats.fact_sources())
        for step in plan.steps:
            step.load(ctx, step.source)
            ctx.finished_source(step.source)
        if ctx.rows_stored == 0 and plan.requires_rows:
            problem = ImportProblem(path.name, None, "the file has a header but no data rows")
            raise ImportFailed([problem])
        _finish(conn, ctx, report)
        conn.execute("COMMIT")
    except BaseException:
        rollback(conn)
        raise
    if progress:
        progress(1.0, f"{path.name}: done")


def _refuse_repeat(conn: sqlite3.Connection, path: Path, content_hash: str) -> None:
    """Checked again once the write lock is held: the same file imported meanwhile by another
    window or process is reported as a repeat, not added a second time."""
    earlier = find_duplicate(conn, content_hash)
    if earlier is not None:
        raise NothingNew(f"{path.name} was already imported on {earlier['finished_at']} "
                         f"(import {earlier['id']}); nothing was added.")


def _finish(conn: sqlite3.Connection, ctx: ImportContext, report: ImportReport) -> None:
    # One JSON list a kind (a row at a time took 3x as long), in key order (in a set's order it
    # takes twice as long again; the codes come about sorted, so sorting them costs little).
    for kind, codes in ctx.mentions.items():
        conn.execute("INSERT OR IGNORE INTO import_mentions (kind, code, import_id) "
                     "SELECT ?, value, ? FROM json_each(?)",
                     (kind, ctx.import_id, json.dumps(sorted(codes))))
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
        deleted = coverage.remove_import(conn, import_id, formats.undo_hooks(),
                                         formats.fact_sources())
        conn.execute("UPDATE imports SET status = 'undone', undone_at = ? WHERE id = ?",
                     (_now(), import_id))
        conn.execute("COMMIT")
    except BaseException:
        rollback(conn)
        raise
    note = ""
    if row["rows_replaced"]:
        note = (" It had replaced rows from earlier imports; re-import those files "
                "to bring their figures back.")
    return f"Undid import {import_id} ({row['file_name']}): removed {deleted:,} rows.{note}"
