"""Entry point: no arguments opens the app; anything else is the command line."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from local_db.connection import (
    DatabaseError,
    list_backups,
    resolve_db_path,
    restore_backup,
    stamp_of,
)
from local_db.faults import DAMAGED, explain, lock_holder, write_problem
from practice_desk import APP_NAME, __version__, cli
from practice_desk.applog import setup_logging

log = logging.getLogger(__name__)


def _qt_app():
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setApplicationVersion(__version__)
    app.setOrganizationName("PracticeDesk")
    return app


def render_chart_headless(rows: list[dict], path: Path) -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # the self-test needs no screen
    _qt_app()
    from ui.charts import render_png

    render_png(rows, path)


def render_pack_headless(conn, scope, folder: Path, anonymise: bool) -> list[Path]:
    """The chart pack for `practice-desk export --png DIR` (ui.chart_pack), with no screen."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    _qt_app()
    from ui.chart_pack import render_pack

    return render_pack(conn, scope, folder, anonymise)


def lock_database(db_path: Path):
    """A lock beside the database for as long as the app is open: a second copy of the app on
    the same database (another window, or another user on a shared drive) is told it is in use.
    The command line does not take it; SQLite's own locking keeps its writes safe.
    Returns the lock, or None when another copy holds it; raises DatabaseError (diagnosed) when
    the lock file cannot be made at all (a full disk, a read-only folder)."""
    from PySide6.QtCore import QLockFile

    try:
        db_path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise explain(exc, db_path, "open") from exc
    lock = QLockFile(f"{db_path}.lock")
    lock.setStaleLockTime(0)  # stale only when the process that held it has gone
    if lock.tryLock(200):
        return lock
    if lock.error() == QLockFile.LockError.LockFailedError and lock.getLockInfo()[0]:
        return None  # held, and the holder is named in it
    raise write_problem(db_path) or DatabaseError(
        f"Practice Desk could not make its lock file beside {db_path}.")


def open_window(db_path: Path):
    """The main window on the database, shown and started; or None after telling the user why
    it cannot open (a damaged file: with the offer to restore the newest backup)."""
    from ui.fault_dialog import describe_error, show_fault
    from ui.main_window import MainWindow

    while True:
        try:
            window = MainWindow(db_path=db_path)
        except Exception as exc:  # before any window: said in a dialog and logged, never raised
            log.error("cannot open %s", db_path, exc_info=True)
            message = describe_error(exc, db_path)
            backups = list_backups(db_path)
            damaged = isinstance(exc, DatabaseError) and exc.cause == DAMAGED and backups
            offer = f"Restore the backup of {stamp_of(backups[0])}" if damaged else None
            if not show_fault(None, message, restore_label=offer):
                return None
            if not _restore_newest(db_path):
                return None
            continue
        window.show()
        window.start()
        return window


def _restore_newest(db_path: Path) -> bool:
    from ui.fault_dialog import show_fault

    try:
        restored = restore_backup(db_path)
    except DatabaseError as exc:
        log.error("restore failed: %s", exc)
        show_fault(None, str(exc), title="Restore a backup")
        return False
    log.info("%s", restored.message)
    show_fault(None, restored.message, title="Backup restored")
    return True


def run_gui(db: str | None = None) -> int:
    app = _qt_app()
    from ui.fault_dialog import install_fault_hook, show_fault

    db_path = resolve_db_path(db)
    install_fault_hook(db_path)
    try:
        lock = lock_database(db_path)
    except DatabaseError as exc:  # no lock file possible: the database opens read-only, if at all
        log.warning("no lock beside %s: %s", db_path, exc)
        lock = False
    if lock is None:
        holder = lock_holder(db_path)
        show_fault(None, f"Practice Desk is already open with the database {db_path}"
                         f"{f' ({holder})' if holder else ''}, in another window or by another "
                         "user. Your data is safe. Use that window, or close it and try again.")
        log.warning("database %s is in use by another copy of the app", db_path)
        return 1
    window = open_window(db_path)
    code = app.exec() if window is not None else 1
    if lock:
        lock.unlock()
    return code


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    log_path = setup_logging()
    log.info("%s %s started (%s)", APP_NAME, __version__, "GUI" if not args else args[0])
    if not args or args[:1] == ["--db"] and len(args) == 2:
        return run_gui(args[1] if args else None)
    code = cli.main(args, render_chart=render_chart_headless, render_pack=render_pack_headless)
    if args == ["--self-test"]:
        print(f"Log: {log_path}")
    return code


if __name__ == "__main__":
    sys.exit(main())
