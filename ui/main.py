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


def run_gui(db: str | None = None) -> int:
    app = _qt_app()
    from ui.main_window import MainWindow

    window = MainWindow(db_path=db)
    window.show()
    window.start()
    return app.exec()


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    log_path = setup_logging()
    log.info("%s %s started (%s)", APP_NAME, __version__, "GUI" if not args else args[0])
    if not args or args[:1] == ["--db"] and len(args) == 2:
        return run_gui(args[1] if args else None)
    code = cli.main(args, render_chart=render_chart_headless)
    if args == ["--self-test"]:
        print(f"Log: {log_path}")
    return code


if __name__ == "__main__":
    sys.exit(main())
