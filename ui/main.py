"""Entry point: no arguments opens the app; anything else is the command line."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

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
    The command line does not take it; SQLite's own locking keeps its writes safe."""
    from PySide6.QtCore import QLockFile

    db_path.parent.mkdir(parents=True, exist_ok=True)
    lock = QLockFile(f"{db_path}.lock")
    lock.setStaleLockTime(0)  # stale only when the process that held it has gone
    return lock if lock.tryLock(200) else None


def run_gui(db: str | None = None) -> int:
    app = _qt_app()
    from local_db.connection import resolve_db_path
    from ui.main_window import MainWindow

    db_path = resolve_db_path(db)
    lock = lock_database(db_path)
    if lock is None:
        from PySide6.QtWidgets import QMessageBox

        QMessageBox.warning(None, APP_NAME, f"Practice Desk is already open with the database "
                            f"{db_path} (in another window, or by another user). Use that "
                            "window, or close it and try again.")
        log.warning("database %s is in use by another copy of the app", db_path)
        return 1
    window = MainWindow(db_path=db_path)
    window.show()
    window.start()
    code = app.exec()
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
