"""What the whole window shares: the database, the current selection, and change signals."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from local_db import queries
from local_db.connection import open_database, open_for_viewing, resolve_db_path
from practice_desk.metrics import Selection

log = logging.getLogger(__name__)
MINE_KEY = queries.MY_SCOPE


class AppState(QObject):
    selection_changed = Signal()
    data_changed = Signal()  # an import, undo or demo load changed what is stored
    targets_changed = Signal()
    anonymise_changed = Signal()  # practice names shown as Practice A, B, ... (or back)

    def __init__(self, db_path: str | Path | None = None) -> None:
        super().__init__()
        self.db_path = resolve_db_path(db_path)
        # the UI thread's own connection; read-only (with the reason) when nothing can be saved
        self.conn, self.read_only_reason = open_for_viewing(self.db_path)
        self.selection: Selection | None = None
        self.anonymise = False  # for meetings: no practice name or ODS code on screen

    def set_anonymise(self, on: bool) -> None:
        if bool(on) != self.anonymise:
            self.anonymise = bool(on)
            self.anonymise_changed.emit()

    def set_selection(self, selection: Selection | None) -> None:
        if selection != self.selection:
            self.selection = selection
            if selection is not None:
                self.save_setting("last_selection", f"{selection.scope_key}:{selection.code}")
            self.selection_changed.emit()

    def save_setting(self, key: str, value: str) -> bool:
        """Remember a small choice; on a database that cannot be written (already explained to
        the user at start) it is only logged."""
        wait = self.conn.execute("PRAGMA busy_timeout").fetchone()[0]
        self.conn.execute("PRAGMA busy_timeout = 2000")  # never stall the window behind a writer
        try:
            queries.set_setting(self.conn, key, value)
        except sqlite3.Error as exc:
            log.warning("setting %s not saved: %s", key, exc)
            return False
        finally:
            self.conn.execute(f"PRAGMA busy_timeout = {int(wait)}")
        return True

    def last_selection(self) -> tuple[str, str] | None:
        return self._kind_code("last_selection")

    def mine(self) -> tuple[str, str] | None:
        """('practice' or 'pcn', code) the user said is theirs: the app opens on it."""
        return self._kind_code(MINE_KEY)

    def set_mine(self, kind: str, code: str) -> None:
        self.save_setting(MINE_KEY, f"{kind}:{code}")

    def _kind_code(self, key: str) -> tuple[str, str] | None:
        stored = queries.get_setting(self.conn, key)
        if not stored or ":" not in stored:
            return None
        kind, code = stored.split(":", 1)
        return kind, code

    def worker_connection(self):
        """A fresh connection for a background thread."""
        return open_database(self.db_path, daily_backup=False)
