"""'Export to Excel…': the current selection and month range as a workbook, written in the
background (practice_desk.reports.excel does the work; names hidden when anonymise is on)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFileDialog, QMessageBox, QPushButton, QWidget

from practice_desk.reports.scope import ExportScope
from ui.state import AppState
from ui.tasks import Task, on_own_connection, run_task

FILE_FILTER = "Excel workbook (*.xlsx)"


def scope_of(state: AppState) -> ExportScope | None:
    selection = state.selection
    if selection is None or selection.area:  # the workbook is of practices (area: on screen)
        return None
    practices = (selection.practice,) if selection.practice else ()
    return ExportScope(practices=practices, pcn=selection.pcn, start=selection.start,
                       end=selection.end)


def anonymised(state: AppState) -> bool:
    """Names hidden on screen (meeting mode) means names hidden in the workbook too."""
    return bool(getattr(state, "anonymise", False))


def suggested_name(state: AppState) -> str:
    selection = state.selection
    code = "anonymised" if anonymised(state) else selection.code
    months = "-".join(month for month in (selection.start, selection.end) if month)
    return f"Practice Desk {code} {months}".strip() + ".xlsx"


def export_work(db_path: Path, scope: ExportScope, path: Path, anonymise: bool):
    def job(conn, _progress, _cancelled):
        from practice_desk.reports.excel import write_workbook  # openpyxl only when used

        return write_workbook(conn, scope, path, anonymise=anonymise)
    return on_own_connection(db_path, job)


class ExcelExportButton(QPushButton):
    saved = Signal(str)  # the workbook's path, for a message with "Open folder"

    def __init__(self, state: AppState, show_status: Callable[[str], None],
                 parent: QWidget | None = None) -> None:
        super().__init__("Excel…", parent)  # outlined on the top bar: reads as a button
        self.setAccessibleName("Export to Excel")
        self.state = state
        self.show_status = show_status
        self.task: Task | None = None
        self.setToolTip("Save the current practice or PCN and month range as an Excel workbook "
                        "(practice names hidden when anonymise is on).")
        self.clicked.connect(self.export)

    def export(self) -> None:
        scope = scope_of(self.state)
        if scope is None:
            QMessageBox.information(self, "Export to Excel",
                                    "Choose a practice or a PCN first (an area's appointments "
                                    "are shown on the Appointments page).")
            return
        chosen, _ = QFileDialog.getSaveFileName(
            self, "Export to Excel", str(Path.home() / suggested_name(self.state)), FILE_FILTER)
        if not chosen:
            return
        self.setEnabled(False)
        self.show_status("Writing the Excel workbook…")
        self.task = run_task(export_work(self.state.db_path, scope, Path(chosen),
                                         anonymised(self.state)),
                             on_done=self._done, on_failed=self._failed)

    def _done(self, path) -> None:
        self.task = None
        self.setEnabled(True)
        self.show_status(f"Saved {path}")
        self.saved.emit(str(path))

    def _failed(self, message: str) -> None:
        self.task = None
        self.setEnabled(True)
        self.show_status("")
        QMessageBox.warning(self, "Export to Excel",
                            f"The workbook could not be written: {message}\n\nIf the file is open "
                            "in Excel, close it and try again.")
