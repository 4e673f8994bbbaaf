"""The diversion log: episodes when the practice line was diverted (e.g. to NHS 111)."""

from __future__ import annotations

from PySide6.QtCore import QDateTime
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
)

from practice_desk.telephony import core_hours
from ui.models import RowsModel, text
from ui.names import practice_names
from ui.widgets import data_table

COLUMNS = [("Practice", "practice", text), ("From", "started_at", text),
           ("To", "ended_at", text), ("Reason", "reason", text),
           ("ICB informed", "icb_informed", lambda v: "yes" if v else "no")]
STAMP = "yyyy-MM-dd HH:mm"


class DiversionDialog(QDialog):
    def __init__(self, practices: dict[str, str], episode=None, parent=None) -> None:
        """practices: ODS code -> the label to show (a letter when anonymised)."""
        super().__init__(parent)
        self.setWindowTitle("Diversion episode")
        form = QFormLayout(self)
        self.practice = QComboBox()
        for code, label in practices.items():
            self.practice.addItem(label, code)
        now = QDateTime.currentDateTime()
        self.start = QDateTimeEdit(now.addSecs(-3600), calendarPopup=True, displayFormat=STAMP)
        self.end = QDateTimeEdit(now, calendarPopup=True, displayFormat=STAMP)
        self.reason = QLineEdit(placeholderText="e.g. phone system fault, staff shortage")
        self.icb = QCheckBox("The ICB primary care team was told")
        if episode:
            self.practice.setCurrentIndex(max(0, self.practice.findData(episode.practice)))
            self.start.setDateTime(QDateTime.fromString(episode.started_at, STAMP))
            self.end.setDateTime(QDateTime.fromString(episode.ended_at, STAMP))
            self.reason.setText(episode.reason)
            self.icb.setChecked(episode.icb_informed)
        for label, widget in (("Practice", self.practice), ("Diverted from", self.start),
                              ("Until", self.end), ("Reason", self.reason), ("", self.icb)):
            form.addRow(label, widget)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save |
                                   QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def values(self) -> dict:
        return {"practice": self.practice.currentData(),
                "start": self.start.dateTime().toString(STAMP),
                "end": self.end.dateTime().toString(STAMP),
                "reason": self.reason.text().strip(), "icb_informed": self.icb.isChecked()}


class DiversionLog(QGroupBox):
    def __init__(self, state, parent=None) -> None:
        super().__init__("Diversion log (counts towards minutes diverted in core hours)", parent)
        self.state = state
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Record each time the practice line was diverted, e.g. to NHS "
                                "111, and whether the ICB was told.", objectName="hint"))
        self.model = RowsModel(COLUMNS, self)
        self.table = data_table(self.model, "Diversion episodes", rows_selectable=True)
        self.table.setMaximumHeight(160)
        layout.addWidget(self.table)
        buttons = QHBoxLayout()
        for caption, slot in (("Add…", self.add), ("Edit…", self.edit), ("Delete", self.delete)):
            button = QPushButton(caption)
            if caption != "Add…":
                button.setProperty("secondary", True)
            button.clicked.connect(slot)
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout.addLayout(buttons)

    def _practices(self) -> list[str]:
        selection = self.state.selection
        return selection.practices(self.state.conn) if selection else []

    def refresh(self) -> None:
        names = practice_names(self.state)  # built once: it reads every practice
        self.show_rows(self.read(self.state.conn, self._practices(), names))

    @staticmethod
    def read(conn, practices: list[str], names) -> list[dict]:
        """The table's rows (safe on a worker thread with its own connection)."""
        return [vars(e) | {"practice": names.label(e.practice)} | {"episode": e}
                for e in core_hours.list_diversions(conn, practices)]

    def show_rows(self, rows: list[dict]) -> None:
        self.model.set_rows(rows)

    def _selected(self):
        rows = self.table.selectionModel().selectedRows()
        return self.model.row(rows[0].row())["episode"] if rows else None

    def add(self, values: dict | None = None) -> None:
        values = values or self._ask(None)
        if values:
            self._save(lambda: core_hours.add_diversion(self.state.conn, **values))

    def edit(self) -> None:
        episode = self._selected()
        values = self._ask(episode) if episode else None
        if values:
            self._save(lambda: core_hours.update_diversion(self.state.conn, episode.id, **values))

    def delete(self) -> None:
        episode = self._selected()
        if episode:
            core_hours.delete_diversion(self.state.conn, episode.id)
            self.state.data_changed.emit()

    def _ask(self, episode) -> dict | None:
        names = practice_names(self.state)
        dialog = DiversionDialog({code: names.label(code) for code in self._practices()},
                                 episode, self)
        return dialog.values() if dialog.exec() == QDialog.DialogCode.Accepted else None

    def _save(self, action) -> None:
        try:
            action()
        except ValueError as exc:
            QMessageBox.warning(self, "Diversion", str(exc))
            return
        self.state.data_changed.emit()
