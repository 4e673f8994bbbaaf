"""Settings for telephony: core hours, bank holidays in England, and how 111 calls are spotted."""

from __future__ import annotations

import re
from datetime import time
from html import escape

from PySide6.QtCore import QDate, Qt, QTime
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

UK_PREFIX = r"(\+44|0044|44)?0?"
_SPECIAL = re.compile(r"[.^$*+?()\[\]{}|\\]")


def describe_pattern(pattern: str) -> str:
    """A 111 rule in words: '"NHS 111" (any spacing)', 'the word "111"', 'exactly 111 (with or
    without +44, 0044, 44 or 0 in front)'; a pattern it cannot put in words is quoted as such."""
    notes, text = [], pattern
    exact = text.startswith("^") and text.endswith("$") and not text.endswith("\\$")
    if exact:
        text = text[1:-1]
    if text.startswith(UK_PREFIX):
        text = text[len(UK_PREFIX):]
        notes.append("with or without +44, 0044, 44 or 0 in front")
    word = text.startswith(r"\b") and text.endswith(r"\b")
    if word:
        text = text[2:-2]
    if r"\s*" in text or r"\s+" in text:
        text = re.sub(r"\\s[*+]", " ", text)
        notes.append("any spacing")
    if _SPECIAL.search(text):
        return f"the pattern {pattern} (a regular expression)"
    phrase = f'exactly "{text}"' if exact else f'the word "{text}"' if word else f'"{text}"'
    return phrase + (f" ({'; '.join(notes)})" if notes else "")


def describe_rules(current: rules.Rules111) -> str:
    """The 111 rules as a short readable list (HTML), any case."""
    def items(patterns: list[str]) -> str:
        listed = "".join(f"<li>{escape(describe_pattern(p))}</li>" for p in patterns)
        return listed or "<li>nothing</li>"
    return ("A call is a 111 call when its route, IVR option or outcome contains (any case):"
            f"<ul>{items(current.route_patterns)}</ul>or it was sent to a number that is:"
            f"<ul>{items(current.destination_patterns)}</ul>")


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

    def _rules_form(self) -> QVBoxLayout:
        """The rules in words; their patterns behind "Edit the 111 rules" for those who need to
        change them."""
        box = QVBoxLayout()
        self.rules_text = QLabel(wordWrap=True, accessibleName="111 rules")
        self.edit_rules = QPushButton("Edit the 111 rules", checkable=True)
        self.edit_rules.setProperty("secondary", True)
        box.addWidget(self.rules_text)
        box.addWidget(self.edit_rules, 0, Qt.AlignmentFlag.AlignLeft)
        self.rules_editor = QWidget(visible=False)
        form = QFormLayout(self.rules_editor)
        self.route_rules = QLineEdit(accessibleName="111 route or message patterns")
        self.destination_rules = QLineEdit(accessibleName="111 destination patterns")
        save = QPushButton("Save 111 rules")
        save.clicked.connect(self.save_rules)
        form.addRow("Route, IVR option or outcome patterns", self.route_rules)
        form.addRow("Number patterns", self.destination_rules)
        form.addRow(QWidget(), save)
        form.addRow(QLabel("Patterns are regular expressions separated by ';', any case: "
                           r"\b marks the edge of a word, \s* any spacing, ^ and $ the whole "
                           "value. New rules apply to call logs imported afterwards.",
                           objectName="hint", wordWrap=True))
        self.edit_rules.toggled.connect(self.rules_editor.setVisible)
        box.addWidget(self.rules_editor)
        return box

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
        self._show_rules()

    def _show_rules(self) -> None:
        current = rules.get_rules(self.state.conn)
        self.rules_text.setText(describe_rules(current))
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
        self._show_rules()

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
