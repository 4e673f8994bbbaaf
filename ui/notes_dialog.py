"""Intervention notes in the UI: the add/edit dialog, an editor that charts hand their requests to,
and a small panel listing the notes of a chart (keyboard-usable: Add, Edit, Delete buttons)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QDate, QObject, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from practice_desk import notes
from practice_desk.metrics.definitions import name_of
from ui.spc_chart import SPCChart, period_label
from ui.state import AppState


@dataclass
class NoteDraft:
    day: str
    text: str
    rebase: bool
    metric: str | None  # None: every chart of the practice or PCN


class NoteDialog(QDialog):
    """Date, text, 'this chart only or every chart', and 're-base the limits here'."""

    def __init__(self, draft: NoteDraft, metric: str | None, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Intervention note")
        form = QFormLayout(self)
        self.date = QDateEdit(calendarPopup=True, displayFormat="d MMM yyyy")
        self.date.setDate(QDate.fromString(draft.day, "yyyy-MM-dd"))
        self.text = QLineEdit(draft.text, placeholderText="e.g. New phone system went live")
        self.text.setMinimumWidth(360)
        self.scope = QComboBox(accessibleName="Which charts")
        self.scope.addItem("Every chart of this practice or PCN", None)
        if metric:
            self.scope.addItem(f"Only {name_of(metric)}", metric)
            self.scope.setCurrentIndex(1 if draft.metric == metric else 0)
        self.rebase = QCheckBox("Re-base the limits here (the process changed on this date)")
        self.rebase.setChecked(draft.rebase)
        self.rebase.setToolTip("New mean and limits are worked out from this period on, "
                               "so the chart shows whether the change stuck.")
        form.addRow("Date", self.date)
        form.addRow("Note", self.text)
        form.addRow("Show on", self.scope)
        form.addRow(self.rebase)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        self.text.textChanged.connect(
            lambda text: self.save_button.setEnabled(bool(text.strip())))
        self.save_button.setEnabled(bool(draft.text.strip()))
        form.addRow(buttons)

    def draft(self) -> NoteDraft:
        return NoteDraft(self.date.date().toString("yyyy-MM-dd"), self.text.text().strip(),
                         self.rebase.isChecked(), self.scope.currentData())


def ask_with_dialog(parent: QWidget, draft: NoteDraft, metric: str | None) -> NoteDraft | None:
    dialog = NoteDialog(draft, metric, parent)
    return dialog.draft() if dialog.exec() == QDialog.DialogCode.Accepted else None


class NoteEditor(QObject):
    """Adds, edits and deletes the notes of the current selection; charts hand it their
    note_* requests. `ask` and `confirm` are replaceable (tests answer them directly)."""

    changed = Signal()

    def __init__(self, state: AppState, parent_widget: QWidget) -> None:
        super().__init__(parent_widget)
        self.state, self.parent_widget = state, parent_widget
        self.ask: Callable[[NoteDraft, str | None], NoteDraft | None] = (
            lambda draft, metric: ask_with_dialog(self.parent_widget, draft, metric))
        self.confirm: Callable[[notes.Note], bool] = self._confirm

    def attach(self, chart: SPCChart) -> None:
        chart.note_add_requested.connect(lambda day: self.add(day, chart.key))
        chart.note_edit_requested.connect(lambda note_id: self.edit(note_id, chart.key))
        chart.note_delete_requested.connect(self.delete)

    def scope(self) -> tuple[str, str] | None:
        selection = self.state.selection
        # An area's series are context from NHS files: notes belong to a practice or a PCN.
        return (selection.scope_key, selection.code) if selection and not selection.area \
            else None

    def notes_for(self, metric: str | None) -> list[notes.Note]:
        scope = self.scope()
        return notes.list_notes(self.state.conn, *scope, metric=metric) if scope else []

    def add(self, day: str | None = None, metric: str | None = None) -> notes.Note | None:
        scope = self.scope()
        if scope is None:
            return None
        day = day or QDate.currentDate().toString("yyyy-MM-dd")
        draft = self.ask(NoteDraft(day, "", False, None), metric)
        if draft is None:
            return None
        note = notes.add_note(self.state.conn, *scope, draft.day, draft.text, draft.rebase,
                              draft.metric)
        self.changed.emit()
        return note

    def edit(self, note_id: int, metric: str | None = None) -> notes.Note | None:
        note = notes.get_note(self.state.conn, note_id)
        if note is None:
            return None
        draft = self.ask(NoteDraft(note.day, note.text, note.rebase, note.metric),
                         metric or note.metric)
        if draft is None:
            return None
        note = notes.update_note(self.state.conn, note_id, day=draft.day, text=draft.text,
                                 rebase=draft.rebase, metric=draft.metric)
        self.changed.emit()
        return note

    def delete(self, note_id: int) -> bool:
        note = notes.get_note(self.state.conn, note_id)
        if note is None or not self.confirm(note):
            return False
        notes.delete_note(self.state.conn, note_id)
        self.changed.emit()
        return True

    def _confirm(self, note: notes.Note) -> bool:
        answer = QMessageBox.question(
            self.parent_widget, "Delete note",
            f"Delete the note of {period_label(note.day)}, \"{note.text}\"?")
        return answer == QMessageBox.StandardButton.Yes


class NotesPanel(QWidget):
    """The notes shown on one chart, with Add / Edit / Delete buttons."""

    def __init__(self, editor: NoteEditor, parent=None) -> None:
        super().__init__(parent)
        self.editor = editor
        self.metric_key: str | None = None  # not "metric": that would hide QWidget.metric()
        self.day_hint: str | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        header = QHBoxLayout()
        title = QLabel("<b>Notes on this chart</b> (right-click the chart to add one at a "
                       "point; ↻ re-bases the limits)", wordWrap=True)
        header.addWidget(title, 1)
        self.add_button = QPushButton("Add note…")
        self.edit_button = QPushButton("Edit…")
        self.delete_button = QPushButton("Delete")
        for button in (self.edit_button, self.delete_button):
            button.setProperty("secondary", True)
        self.add_button.clicked.connect(lambda: self.editor.add(self.day_hint, self.metric_key))
        self.edit_button.clicked.connect(self._edit_current)
        self.delete_button.clicked.connect(self._delete_current)
        for button in (self.add_button, self.edit_button, self.delete_button):
            header.addWidget(button)
        layout.addLayout(header)
        self.list = QListWidget(accessibleName="Notes on this chart")
        self.list.setMaximumHeight(96)
        self.list.itemActivated.connect(lambda _item: self._edit_current())
        self.list.currentRowChanged.connect(lambda _row: self._enable())
        layout.addWidget(self.list)
        self._enable()

    def show_notes(self, shown: list[notes.Note], metric: str | None,
                   day_hint: str | None = None) -> None:
        self.metric_key, self.day_hint = metric, day_hint
        self.list.clear()
        for note in shown:
            where = "this chart" if note.metric else "every chart"
            item = QListWidgetItem(f"{'↻' if note.rebase else '✎'} {period_label(note.day)}: "
                                   f"{note.text}  ({where})")
            item.setData(256, note.id)
            self.list.addItem(item)
        if not shown:
            self.list.addItem("No notes yet.")
        self._enable()

    def _current_id(self) -> int | None:
        item = self.list.currentItem()
        return item.data(256) if item is not None else None

    def _enable(self) -> None:
        has = self._current_id() is not None
        self.edit_button.setEnabled(has)
        self.delete_button.setEnabled(has)

    def _edit_current(self) -> None:
        note_id = self._current_id()
        if note_id is not None:
            self.editor.edit(note_id, self.metric_key)

    def _delete_current(self) -> None:
        note_id = self._current_id()
        if note_id is not None:
            self.editor.delete(note_id)
