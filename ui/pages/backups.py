"""Backups in Settings: list the copies of the database and put one back, after asking."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
)

from local_db.connection import (
    BACKUP_BUDGET,
    KEEP_BACKUPS,
    DatabaseError,
    list_backups,
    make_backup,
    open_database,
    restore_backup,
)
from ui.fault_dialog import show_fault
from ui.tasks import Task, on_own_connection, run_task


def describe(name: str, stem: str) -> str:
    """'practice_desk-20261124-101500-123456-daily.sqlite.gz' -> '2026-11-24 10:15  daily'."""
    stamp = name[len(stem) + 1:].removesuffix(".gz").removesuffix(".sqlite")
    day, clock, _micro, reason = (stamp.split("-", 3) + [""] * 4)[:4]
    if len(day) != 8 or len(clock) != 6:
        return name
    when = f"{day[:4]}-{day[4:6]}-{day[6:]} {clock[:2]}:{clock[2:4]}"
    return f"{when}  {reason.replace('-', ' ')}"


class BackupsBox(QGroupBox):
    def __init__(self, state, parent=None) -> None:
        super().__init__("Backups", parent)
        self.state = state
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("A compressed copy of the database is made on the first start of "
                                f"each day and before each upgrade. The newest are kept: up to "
                                f"{KEEP_BACKUPS}, taking at most {BACKUP_BUDGET:g} times the "
                                "database's size.",
                                objectName="hint", wordWrap=True))
        self.list = QListWidget(accessibleName="Backups")
        self.list.setMaximumHeight(130)
        layout.addWidget(self.list)
        row = QHBoxLayout()
        self.task: Task | None = None
        make = self.make_button = QPushButton("Back up now")
        make.clicked.connect(self.back_up_now)
        restore = QPushButton("Restore selected…")
        restore.setProperty("secondary", True)
        restore.clicked.connect(lambda: self.restore_selected())
        row.addWidget(make)
        row.addWidget(restore)
        row.addStretch(1)
        layout.addLayout(row)

    def refresh(self) -> None:
        self.list.clear()
        for backup in list_backups(self.state.db_path):
            item = QListWidgetItem(describe(backup.name, self.state.db_path.stem))
            item.setData(256, str(backup))  # Qt.UserRole
            self.list.addItem(item)

    def back_up_now(self) -> Task:
        """On a worker thread: compressing a large database takes a while."""
        db_path = self.state.db_path
        self.make_button.setEnabled(False)
        self.task = run_task(
            on_own_connection(db_path, lambda conn, _progress, _cancelled:
                              make_backup(conn, db_path, reason="by-hand")),
            on_done=lambda _made: self._backed_up(), on_failed=self._backup_failed)
        return self.task

    def _backed_up(self) -> None:
        self.make_button.setEnabled(True)
        self.refresh()

    def _backup_failed(self, message: str) -> None:
        self.make_button.setEnabled(True)
        show_fault(self, f"The backup could not be made. {message}", title="Back up now")

    def restore_selected(self, confirm: bool = True) -> bool:
        item = self.list.currentItem()
        if item is None:
            return False
        question = (f"Put the backup from {item.text()} in place of your database? Everything "
                    "imported or changed since then will be gone. The current file is kept "
                    "beside it.")
        if confirm and QMessageBox.question(self, "Restore a backup", question) != \
                QMessageBox.StandardButton.Yes:
            return False
        self.state.conn.close()
        try:
            restored = restore_backup(self.state.db_path, item.data(256))
        except DatabaseError as exc:  # nothing was changed: say why, carry on as before
            show_fault(self, str(exc), title="Restore a backup")
            return False
        finally:
            self.state.conn = open_database(self.state.db_path, daily_backup=False)
        self.state.data_changed.emit()
        self.refresh()
        self.message = restored.message
        if confirm:
            QMessageBox.information(self, "Backup restored", restored.message)
        return True
