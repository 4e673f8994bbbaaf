"""Settings for telephony: core hours, bank holidays in England, and how 111 calls are spotted."""

from __future__ import annotations

from datetime import time

from PySide6.QtCore import QDate, QTime
from PySide6.QtWidgets import (
    QCheckBox,
    QDateEdit,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QMessageBox,
    QPushButton,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from practice_desk.telephony import core_hours, rules
from ui.charts import WEEKDAYS
from ui.tasks import Task, on_own_connection, run_task


class TelephonySettings(QGroupBox):
    """Changing core hours or holidays re-sorts every stored call, so it runs in the background."""

    def __init__(self, state, parent=None) -> None:
        super().__init__("Core hours, bank holidays and NHS 111", parent)
        self.state = state
        self.task: Task | None = None
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Core hours decide '111 in core hours' and 'minutes diverted "
                                "in core hours'. Contract core hours are Monday to Friday "
                                "08:00–18:30, except bank holidays in England.",
                                objectName="hint", wordWrap=True))
        layout.addLayout(self._core_hours_row())
        layout.addLayout(self._holidays_row())
        layout.addLayout(self._rules_form())
        self.status = QLabel(objectName="hint")
        layout.addWidget(self.status)

    def _core_hours_row(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.start = QTimeEdit(displayFormat="HH:mm", accessibleName="Core hours start")
        self.end = QTimeEdit(displayFormat="HH:mm", accessibleName="Core hours end")
        self.days = [QCheckBox(day) for day in WEEKDAYS]
        row.addWidget(QLabel("From"))
        row.addWidget(self.start)
        row.addWidget(QLabel("to"))
        row.addWidget(self.end)
        for box in self.days:
            row.addWidget(box)
        save = QPushButton("Save core hours")
        save.clicked.connect(self.save_core_hours)
        row.addWidget(save)
        row.addStretch(1)
        return row

    def _holidays_row(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.holidays = QListWidget(accessibleName="Bank holidays")
        self.holidays.setMaximumHeight(120)
        row.addWidget(self.holidays, 1)
        side = QVBoxLayout()
        self.holiday_day = QDateEdit(QDate.currentDate(), calendarPopup=True,
                                     displayFormat="yyyy-MM-dd")
        self.holiday_name = QLineEdit(placeholderText="Name, e.g. Christmas Day")
        add, remove = QPushButton("Add holiday"), QPushButton("Remove selected")
        remove.setProperty("secondary", True)
        add.clicked.connect(self.add_holiday)
        remove.clicked.connect(self.remove_holiday)
        for widget in (self.holiday_day, self.holiday_name, add, remove):
            side.addWidget(widget)
        row.addLayout(side)
        return row

    def _rules_form(self) -> QFormLayout:
        form = QFormLayout()
        self.route_rules = QLineEdit(accessibleName="111 route or message patterns")
        self.destination_rules = QLineEdit(accessibleName="111 destination patterns")
        save = QPushButton("Save 111 rules")
        save.clicked.connect(self.save_rules)
        form.addRow("A call is a 111 call when its route, IVR option or outcome matches",
                    self.route_rules)
        form.addRow("or it was sent to a number matching", self.destination_rules)
        form.addRow(QWidget(), save)
        form.addRow(QLabel("Patterns are separated by ';' (regular expressions, any case). "
                           "New rules apply to call logs imported afterwards.",
                           objectName="hint", wordWrap=True))
        return form

    def refresh(self) -> None:
        hours = core_hours.get_core_hours(self.state.conn)
        self.start.setTime(QTime(hours.start.hour, hours.start.minute))
        self.end.setTime(QTime(hours.end.hour, hours.end.minute))
        for number, box in enumerate(self.days):
            box.setChecked(number in hours.days)
        self.holidays.clear()
        this_year = str(QDate.currentDate().year())
        for day, name in core_hours.list_bank_holidays(self.state.conn):
            self.holidays.addItem(f"{day}  {name}")
            if day[:4] < this_year:
                self.holidays.setCurrentRow(self.holidays.count())  # show this year first
        self.holidays.scrollToItem(self.holidays.currentItem() or self.holidays.item(0))
        current = rules.get_rules(self.state.conn)
        self.route_rules.setText("; ".join(current.route_patterns))
        self.destination_rules.setText("; ".join(current.destination_patterns))

    # --- changes that re-sort the calls run off the UI thread ----------------------------
    def save_core_hours(self) -> None:
        start, end = self.start.time(), self.end.time()
        days = tuple(number for number, box in enumerate(self.days) if box.isChecked())
        hours = core_hours.CoreHours(days, time(start.hour(), start.minute()),
                                     time(end.hour(), end.minute()))
        self._in_background("Saving core hours…",
                            lambda conn, _p, _c: core_hours.set_core_hours(conn, hours))

    def add_holiday(self) -> None:
        day = self.holiday_day.date().toString("yyyy-MM-dd")
        name = self.holiday_name.text().strip() or "Bank holiday"
        self._in_background("Adding the holiday…",
                            lambda conn, _p, _c: core_hours.add_bank_holiday(conn, day, name))

    def remove_holiday(self) -> None:
        item = self.holidays.currentItem()
        if item:
            day = item.text().split()[0]
            self._in_background("Removing the holiday…",
                                lambda conn, _p, _c: core_hours.delete_bank_holiday(conn, day))

    def save_rules(self) -> None:
        def patterns(edit: QLineEdit) -> list[str]:
            return [p.strip() for p in edit.text().split(";") if p.strip()]
        try:
            rules.set_rules(self.state.conn, rules.Rules111(patterns(self.route_rules),
                                                            patterns(self.destination_rules)))
        except ValueError as exc:
            QMessageBox.warning(self, "111 rules", str(exc))
            return
        self.status.setText("111 rules saved.")

    def _in_background(self, message: str, job) -> None:
        if self.task:
            return
        self.status.setText(message)
        self.task = run_task(on_own_connection(self.state.db_path, job),
                             on_done=self._done, on_failed=self._failed)

    def _done(self, _result) -> None:
        self.task = None
        self.status.setText("Saved; telephony figures updated.")
        self.refresh()
        self.state.data_changed.emit()

    def _failed(self, message: str) -> None:
        self.task = None
        self.status.setText("")
        QMessageBox.warning(self, "Core hours", message)
