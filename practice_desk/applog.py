"""Log file set-up for Practice Desk. Qt-free, so the core and the command line can use it too.

The log lives in the user's log folder (``platformdirs.user_log_dir``), or in the folder named by
the environment variable ``PRACTICE_DESK_LOG_DIR`` (used by tests and by the installer smoke test).

Privacy: only log what happened (file names, counts, timings, errors) — never the rows or cell
values of imported files, which may contain practice-identifiable data.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
from pathlib import Path

import platformdirs

LOG_DIR_ENV = "PRACTICE_DESK_LOG_DIR"
LOG_FILE_NAME = "practice-desk.log"
_MAX_BYTES = 1_000_000
_BACKUP_COUNT = 3
_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"

# Marks the handler we install, so repeated calls do not add a second one.
_HANDLER_ATTR = "_practice_desk_handler"


def log_dir() -> Path:
    """The folder holding the log file (not created here)."""
    override = os.environ.get(LOG_DIR_ENV)
    if override:
        return Path(override).expanduser()
    return Path(platformdirs.user_log_dir("PracticeDesk", appauthor=False))


def log_file() -> Path:
    """The path of the current log file (not created here)."""
    return log_dir() / LOG_FILE_NAME


def setup_logging(level: int = logging.INFO) -> Path:
    """Send log records to a rotating file in :func:`log_dir`; return the log file path.

    Idempotent: calling it again only updates the level (and re-targets the handler if the log
    folder changed, e.g. because ``PRACTICE_DESK_LOG_DIR`` was set in between).
    """
    path = log_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    root = logging.getLogger()

    for handler in list(root.handlers):
        if getattr(handler, _HANDLER_ATTR, False):
            if handler.baseFilename == os.path.abspath(path):
                handler.setLevel(level)
                root.setLevel(level)
                return path
            root.removeHandler(handler)
            handler.close()

    handler = logging.handlers.RotatingFileHandler(
        path, maxBytes=_MAX_BYTES, backupCount=_BACKUP_COUNT, encoding="utf-8", delay=False
    )
    setattr(handler, _HANDLER_ATTR, True)
    handler.setLevel(level)
    handler.setFormatter(logging.Formatter(_FORMAT))
    root.addHandler(handler)
    root.setLevel(level)
    logging.captureWarnings(True)
    return path
