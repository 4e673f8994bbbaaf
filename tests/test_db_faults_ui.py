"""The app never fails before a window without saying why (issue 14 item 1): a damaged database
offers its newest backup, a read-only or full one opens for viewing, an uncaught error becomes a
dialog, and the log records each."""

from __future__ import annotations

import logging
import sqlite3
import stat
import sys

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from local_db import connection
from local_db.connection import DatabaseError, list_backups, make_backup, open_database
from practice_desk.importing import import_file
from ui import main as app_main
from ui.fault_dialog import install_fault_hook
from ui.main_window import PAGES


class Dialogs:
    """Answers each modal dialog as it appears, noting its text: clicks the button named in
    `choose` when it has one, else closes it."""

    def __init__(self, choose: str | None = None) -> None:
        self.texts: list[str] = []
        self.choose = choose
        self.timer = QTimer(interval=50)
        self.timer.timeout.connect(self._answer)
        self.timer.start()

    def _answer(self) -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox) or not box.isVisible():
            return
        self.texts.append(box.text())
        chosen = [b for b in box.buttons() if self.choose and b.objectName() == self.choose]
        if chosen:
            chosen[0].click()
        else:
            box.reject()


@pytest.fixture(autouse=True)
def quiet_logs(monkeypatch, tmp_path):
    monkeypatch.setenv("PRACTICE_DESK_LOG_DIR", str(tmp_path / "logs"))
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # run_gui installs its own


def spoil(path, first_page: int, pages: int) -> None:
    data = bytearray(path.read_bytes())
    data[(first_page - 1) * 4096:(first_page - 1 + pages) * 4096] = b"\xa5" * (pages * 4096)
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("damage", ["garbage", "schema-pages", "header"])
def test_damaged_database_without_backup_gives_a_dialog_not_a_crash(qtbot, db_path, filled,
                                                                   caplog, damage):
    for backup in list_backups(db_path):
        backup.unlink()
    if damage == "garbage":
        db_path.write_bytes(b"not a database\x00" * 500)
    elif damage == "header":
        db_path.write_bytes(b"\0" * 100 + db_path.read_bytes()[100:])
    else:
        spoil(db_path, 2, 10)
    dialogs = Dialogs()
    with caplog.at_level(logging.ERROR):
        assert app_main.run_gui(str(db_path)) == 1
    assert len(dialogs.texts) == 1
    assert "damaged" in dialogs.texts[0] and "no backup" in dialogs.texts[0]
    assert any("cannot open" in r.message for r in caplog.records)


def test_damaged_database_offers_the_backup_and_opens_after_restoring(qtbot, filled, mapping_csv,
                                                                     caplog):
    conn = open_database(filled)
    backup = make_backup(conn, filled, reason="by-hand")
    assert import_file(conn, mapping_csv).status == "done"
    conn.close()
    spoil(filled, 30, 2)
    dialogs = Dialogs(choose="restore")
    window = app_main.open_window(filled)
    assert window is not None
    qtbot.addWidget(window)
    first, second = dialogs.texts[:2]
    assert "damaged" in first and connection.stamp_of(backup) in first
    assert "Mapping_subset_Oct_25.csv" in first  # what restoring would lose
    assert "Restored" in second and "Mapping_subset_Oct_25.csv" in second
    rows = window.state.conn.execute("SELECT COUNT(*) FROM gpad_appointments").fetchone()[0]
    assert rows == 2638
    window.close()


def test_read_only_database_opens_for_viewing_with_a_dialog(qtbot, filled, monkeypatch):
    conn = open_database(filled)
    conn.execute("INSERT INTO settings VALUES ('first_run_done', '1')")
    conn.close()
    filled.chmod(stat.S_IREAD)
    try:
        window = app_main.open_window(filled)
        qtbot.addWidget(window)
        qtbot.waitUntil(lambda: window.fault_box.isVisible())
        assert "read-only" in window.fault_box.text()
        assert "damaged" not in window.fault_box.text()
        window.fault_box.close()
        window.selector.choose("practice", "A81001")  # remembering it cannot fail the window
        assert window.state.selection is not None
        assert window.statusBar().findChild(object, "readOnly").isVisible()
        uncaught = []
        monkeypatch.setattr(sys, "excepthook", lambda *error: uncaught.append(error))
        for page in PAGES:  # every page shows what is stored without writing
            window.show_page(page)
            QApplication.processEvents()
        assert uncaught == []
        window.close()
    finally:
        filled.chmod(stat.S_IREAD | stat.S_IWRITE)


def test_full_disk_at_start_opens_for_viewing(qtbot, filled, monkeypatch):
    writable = connection.connect

    def full(db_path, read_only=False, immutable=False):  # reading still works, as on a full disk
        if not read_only:
            raise sqlite3.OperationalError("database or disk is full")
        return writable(db_path, read_only, immutable)

    monkeypatch.setattr(connection, "connect", full)
    window = app_main.open_window(filled)
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.fault_box.isVisible())
    assert "is full" in window.fault_box.text() and "Do not restore" in window.fault_box.text()
    assert window.state.conn.execute("SELECT COUNT(*) FROM imports").fetchone()[0] == 1
    window.close()


def test_a_lock_file_that_cannot_be_made_is_not_called_another_user(db_path):
    (db_path.parent / f"{db_path.name}.lock").mkdir()  # nothing can be written there
    with pytest.raises(DatabaseError):
        app_main.lock_database(db_path)


def test_an_uncaught_error_becomes_a_dialog_and_a_log_entry(qtbot, filled, caplog):
    install_fault_hook(filled)
    dialogs = Dialogs()
    with caplog.at_level(logging.ERROR):
        try:
            raise sqlite3.OperationalError("database is locked")
        except sqlite3.OperationalError:
            sys.excepthook(*sys.exc_info())
    assert len(dialogs.texts) == 1 and "busy" in dialogs.texts[0]
    assert any(r.exc_info for r in caplog.records)


def test_daily_backup_is_made_after_the_window_is_shown(qtbot, filled, make_window):
    for backup in list_backups(filled):
        backup.unlink()
    window = make_window(filled, first_run_done=True)
    assert list_backups(filled) == []  # opening made none
    window.start()
    qtbot.waitUntil(lambda: window.backup_task.done.is_set(), timeout=30000)
    made = list_backups(filled)
    assert len(made) == 1 and made[0].name.endswith("-daily.sqlite.gz")


def test_restore_in_settings_on_a_full_disk_keeps_the_database(qtbot, filled, monkeypatch):
    import errno

    from ui.pages.backups import BackupsBox
    from ui.state import AppState

    state = AppState(filled)
    make_backup(state.conn, filled, reason="by-hand")
    box = BackupsBox(state)
    qtbot.addWidget(box)
    box.refresh()
    box.list.setCurrentRow(0)

    def no_room(source, staged):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(connection, "_unpack", no_room)
    dialogs = Dialogs()
    assert not box.restore_selected(confirm=False)
    assert len(dialogs.texts) == 1 and "is full" in dialogs.texts[0]
    assert state.conn.execute("SELECT COUNT(*) FROM gpad_appointments").fetchone()[0] == 2638
    assert not list(filled.parent.glob("*replaced*"))


def test_import_and_undo_on_a_busy_database_say_so_in_a_dialog(qtbot, filled, mapping_csv,
                                                               monkeypatch):
    from ui.pages.imports import ImportsPage
    from ui.state import AppState

    monkeypatch.setattr(connection, "BUSY_TIMEOUT", 0.2)
    state = AppState(filled)
    page = ImportsPage(state)
    qtbot.addWidget(page)
    page.show()
    other = sqlite3.connect(filled, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another program writing
    try:
        task = page.start_import([str(mapping_csv)])
        qtbot.waitUntil(lambda: task.done.is_set() and not page.busy, timeout=30000)
        assert page.fault_box.isVisible() and "busy" in page.fault_box.text()
        assert "try again" in page.fault_box.text()
        page.fault_box.close()
        page.refresh()
        page.table.selectRow(0)
        page.undo_selected(confirm=False)
        undo = page.task
        qtbot.waitUntil(lambda: undo.done.is_set() and not page.busy, timeout=30000)
        assert page.fault_box.isVisible() and "busy" in page.fault_box.text()
    finally:
        other.execute("ROLLBACK")
        other.close()
    done = "SELECT COUNT(*) FROM imports WHERE status = 'done'"
    assert state.conn.execute(done).fetchone()[0] == 1


def test_any_other_failure_to_open_is_a_dialog_and_a_log_entry(qtbot, filled, monkeypatch,
                                                                caplog):
    import ui.state

    def broken(_path):
        raise RuntimeError("something unforeseen")

    monkeypatch.setattr(ui.state, "open_for_viewing", broken)
    dialogs = Dialogs()
    with caplog.at_level(logging.ERROR):
        assert app_main.run_gui(str(filled)) == 1
    assert len(dialogs.texts) == 1
    assert "something unforeseen" in dialogs.texts[0] and "log" in dialogs.texts[0]
    assert any(r.exc_info and "cannot open" in r.message for r in caplog.records)
    assert app_main.lock_database(filled) is not None  # run_gui let go of its lock


def test_the_window_opens_while_another_program_writes(qtbot, filled):
    import time

    other = sqlite3.connect(filled, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        started = time.monotonic()
        window = app_main.open_window(filled)
        qtbot.addWidget(window)
        assert time.monotonic() - started < 10  # not the 30 s a write would wait
        assert not window.state.read_only_reason
        assert window.state.conn.execute("SELECT COUNT(*) FROM imports").fetchone()[0] == 1
    finally:
        other.execute("ROLLBACK")
        other.close()
    window.close()
