"""The one background-task helper: run core work off the UI thread with progress and cancel.

Worker functions receive `progress(fraction, message)` and `cancelled()`; they must not touch
widgets and must open their own database connection (a connection belongs to its thread).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

log = logging.getLogger(__name__)

Work = Callable[[Callable[[float, str], None], Callable[[], bool]], Any]


class _Signals(QObject):
    progress = Signal(float, str)
    finished = Signal(object)
    failed = Signal(str)


class Task(QRunnable):
    """A unit of background work. Connect to `signals` before `start()`."""

    def __init__(self, work: Work) -> None:
        super().__init__()
        self.signals = _Signals()
        self._work = work
        self._cancel = threading.Event()
        self.done = threading.Event()
        self.result: Any = None  # once `done` is set: the work's return value,
        self.error: str | None = None  # or what went wrong

    def cancel(self) -> None:
        self._cancel.set()

    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def run(self) -> None:  # runs on a pool thread
        try:
            result = self.result = self._work(self.signals.progress.emit, self.cancelled)
        except Exception as exc:  # reported to the user; the traceback goes to the log
            log.exception("background task failed")
            self.error = str(exc)
            self.signals.failed.emit(str(exc))
        else:
            self.signals.finished.emit(result)
        finally:
            self.done.set()


def run_task(work: Work, *, on_done: Callable[[Any], None] | None = None,
             on_failed: Callable[[str], None] | None = None,
             on_progress: Callable[[float, str], None] | None = None) -> Task:
    """Start `work` on the shared pool; callbacks arrive on the UI thread."""
    task = Task(work)
    task.setAutoDelete(False)  # the caller may still call cancel() after it finishes
    if on_done:
        task.signals.finished.connect(on_done)
    if on_failed:
        task.signals.failed.connect(on_failed)
    if on_progress:
        task.signals.progress.connect(on_progress)
    QThreadPool.globalInstance().start(task)
    return task


def on_own_connection(db_path, job: Callable) -> Work:
    """Wrap `job(conn, progress, cancelled)` to run on a connection opened by the worker thread."""
    def work(progress, cancelled):
        import sqlite3

        from local_db.connection import open_database
        from local_db.faults import explain

        conn = open_database(db_path, daily_backup=False)  # the app makes that one itself
        try:
            return job(conn, progress, cancelled)
        except (sqlite3.Error, OSError) as exc:  # diagnosed: the user reads a cause, not a code
            raise explain(exc, db_path) from exc
        finally:
            conn.close()
    return work


def on_reading_connection(db_path, job: Callable) -> Work:
    """Wrap `job(conn, cancelled)` to run on a read-only connection the worker thread opens (a
    page's reads: no check or migration, which the app did when it opened the database)."""
    def work(_progress, cancelled):
        if cancelled():  # superseded before it started
            return None
        from local_db.connection import connect

        conn = connect(db_path, read_only=True)
        try:
            return job(conn, cancelled)
        finally:
            conn.close()
    return work
