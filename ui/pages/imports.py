"""Imports: choose or drop files, watch progress, cancel, see the history, undo an import."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QTableView,
    QWidget,
)

from local_db import queries
from practice_desk.importing import import_file, undo_import
from practice_desk.importing.mapping import save_mapping
from practice_desk.importing.mapping_step import propose, saving_header
from practice_desk.importing.runner import ImportOptions
from practice_desk.nhs_app import pomi
from ui.fault_dialog import fault_box
from ui.mapping_dialog import MappingDialog
from ui.models import IMPORT_COLUMNS, SORT_ROLE, RowsModel, import_rows
from ui.names import practice_names
from ui.pages.base import Page
from ui.tasks import Task, on_own_connection, run_task
from ui.widgets import data_table

# Phone systems write call logs as .log or .txt too, and Asterisk's queue_log has no extension.
FILE_FILTER = "Data files (*.csv *.zip *.xlsx *.txt *.log queue_log*);;All files (*)"


def import_files(db_path: Path, paths: list[str], options: dict[str, ImportOptions] | None = None):
    """Background work: import each file in turn on the worker's own connection."""
    options = options or {}

    def job(conn, progress, cancelled):
        reports = []
        for number, path in enumerate(paths):
            def file_progress(fraction, message, number=number):
                progress((number + fraction) / len(paths), message)
            reports.append(import_file(conn, path, file_progress, cancelled, options.get(path)))
            if cancelled():
                break
        return reports
    return on_own_connection(db_path, job)


def outcome(reports) -> tuple[str, bool]:
    """'Imported 2 of 3 files.' for the message bar, and whether any file was refused."""
    done = sum(report.status == "done" for report in reports)
    repeated = sum(report.status == "duplicate" for report in reports)
    refused = len(reports) - done - repeated
    text = f"Imported {done} of {len(reports)} file(s)."
    if repeated:
        text += f" {repeated} had been imported before (nothing added)."
    if refused:
        text += f" {refused} not imported: the Imports page says why."
    return text, bool(refused)


def undo_work(db_path: Path, import_id: int):
    return on_own_connection(db_path, lambda conn, _p, _c: undo_import(conn, import_id))


class ImportsPage(Page):
    title = "Imports"
    shows_areas = True  # the list of imports does not depend on the selection
    finished = Signal(str, bool)  # a one-line outcome for the window's message bar; True: failed

    def __init__(self, state, parent=None) -> None:
        super().__init__(state, parent)
        self.task: Task | None = None
        self.setAcceptDrops(True)
        self.hint("Import GPAD appointment files (the practice-level crosstab as CSV or the "
                  "published zip, sub-ICB, regional and national-category files), "
                  "'Patients Registered at a GP Practice' list sizes, NHS England's cloud-based "
                  "telephony workbook or daily CSVs, NHS App dashboard exports, the online "
                  "consultation submissions workbook, the GP workforce practice-level CSV, and "
                  "your telephony system's call logs "
                  "(3CX, Asterisk/FreePBX, X-on or any layout through a column-mapping step). "
                  "Practice Desk recognises each file from its content. Nothing leaves this "
                  "computer.")
        self.body.addWidget(self._controls())
        self.results = QPlainTextEdit(readOnly=True, accessibleName="Import results")
        self.results.setPlaceholderText("Results of your imports appear here.")
        self.results.setMaximumHeight(110)
        self.body.addWidget(self.results)
        self.body.addWidget(QLabel("<b>Import history</b>"))
        self.model = RowsModel(IMPORT_COLUMNS, self)
        self.table = self._history_table()
        self.body.addWidget(self.table, 1)
        self.undo_button = QPushButton("&Undo selected import…", enabled=False)
        self.undo_button.setProperty("secondary", True)
        self.undo_button.clicked.connect(self.undo_selected)
        self.body.addWidget(self.undo_button, 0, Qt.AlignmentFlag.AlignLeft)
        QShortcut(QKeySequence.StandardKey.Open, self, activated=self.choose_files)

    def _controls(self) -> QWidget:
        box = QWidget()
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        self.choose_button = QPushButton("Choose &files…")
        self.choose_button.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.choose_button.setToolTip("Pick one or more CSV or zip files (Ctrl+O)")
        self.choose_button.clicked.connect(self.choose_files)
        self.drop_label = QLabel("or drag files onto this page", objectName="hint")
        self.progress = QProgressBar(minimum=0, maximum=1000, visible=False)
        self.progress.setFormat("%p%")
        self.status = QLabel("", objectName="hint")
        self.cancel_button = QPushButton("Cancel", visible=False)
        self.cancel_button.setProperty("secondary", True)
        self.cancel_button.clicked.connect(self.cancel)
        for widget in (self.choose_button, self.drop_label):
            row.addWidget(widget)
        row.addWidget(self.progress, 1)
        row.addWidget(self.status)
        row.addWidget(self.cancel_button)
        row.addStretch(1)
        return box

    def _history_table(self) -> QTableView:
        proxy = QSortFilterProxyModel(self)
        proxy.setSourceModel(self.model)
        proxy.setSortRole(SORT_ROLE)
        table = data_table(proxy, "Import history", rows_selectable=True)
        table.setSortingEnabled(True)
        table.sortByColumn(0, Qt.SortOrder.DescendingOrder)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setMinimumHeight(220)
        table.selectionModel().selectionChanged.connect(self._update_undo)
        return table

    # --- importing ----------------------------------------------------------------------
    def choose_files(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self, "Import files", "", FILE_FILTER)
        if paths:
            self.start_import(paths)

    def dragEnterEvent(self, event) -> None:
        if event.mimeData().hasUrls() and not self.busy:
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        paths = [url.toLocalFile() for url in event.mimeData().urls() if url.isLocalFile()]
        if paths:
            self.start_import(paths)

    @property
    def busy(self) -> bool:
        return self.task is not None

    def start_import(self, paths: list[str]) -> Task | None:
        if self.busy:
            return None
        options, skipped = self._mapping_step(paths)
        paths = [path for path in paths if path not in skipped]
        if skipped:
            self.results.setPlainText("Not imported (cancelled when asked about it): "
                                      + ", ".join(Path(p).name for p in skipped))
        if not paths:
            return None
        self._set_busy(True, f"Importing {len(paths)} file(s)…")
        self.task = run_task(import_files(self.state.db_path, paths, options),
                             on_done=self._imported, on_failed=self._failed,
                             on_progress=self._progress)
        return self.task

    def _mapping_step(self, paths: list[str]) -> tuple[dict[str, ImportOptions], list[str]]:
        """Ask about files that need a column mapping (a saved one with its practice is used),
        and which service a 2015-17 POMI file counts when its name does not say."""
        options, skipped = {}, []
        for path in paths:
            if pomi.needs_service(path):
                service = self.ask_pomi_service(path)
                if service is None:
                    skipped.append(path)
                else:
                    options[path] = ImportOptions(mapping=pomi.service_mapping(service))
                continue
            proposal = propose(path, self.state.conn)
            if proposal is None:
                continue
            if proposal.origin == "saved mapping" and not proposal.needs_practice:
                options[path] = ImportOptions(mapping=proposal.mapping)
                continue
            chosen = self.ask_mapping(path, proposal)
            if chosen is None:
                skipped.append(path)
                continue
            mapping, remember = chosen
            if remember:
                save_mapping(self.state.conn, mapping, saving_header(path, mapping))
            options[path] = ImportOptions(practice=mapping.options.get("practice"),
                                          mapping=mapping)
        return options, skipped

    def ask_mapping(self, path: str, proposal):
        """(mapping, remember) from the mapping dialog, or None when the user cancels."""
        dialog = MappingDialog(self.state.conn, path, proposal, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return dialog.result(), dialog.remember.isChecked()

    def ask_pomi_service(self, path: str) -> str | None:
        """The service ('appointments', 'prescriptions', 'records') a POMI file counts."""
        names = list(pomi.SERVICE_NAMES.values())
        name, ok = QInputDialog.getItem(
            self, "Which POMI service?",
            f"{Path(path).name} is a 2015-17 POMI file, one online service per file, and its name "
            "does not say which.\nWhich service does it count?", names, 0, False)
        return [k for k, v in pomi.SERVICE_NAMES.items() if v == name][0] if ok else None

    def cancel(self) -> None:
        if self.task:
            self.task.cancel()
            self.status.setText("Cancelling…")

    def _progress(self, fraction: float, message: str) -> None:
        self.progress.setValue(int(fraction * 1000))
        self.status.setText(message)

    def _imported(self, reports) -> None:
        self._set_busy(False, "")
        self.results.setPlainText("\n\n".join(report.message for report in reports))
        stopped = [report for report in reports if report.fault]
        if stopped:  # the database, not the file, stopped it: that needs the user's action
            self._show_fault(stopped[0].message)
        if any(report.status == "done" for report in reports):
            self.state.data_changed.emit()
        self.refresh()
        self.finished.emit(*outcome(reports))

    def _failed(self, message: str) -> None:
        self._set_busy(False, "")
        self.results.setPlainText(f"{message}\nNothing was changed.")
        self._show_fault(message)
        self.refresh()
        self.finished.emit("The import failed and nothing was changed: see the Imports page.",
                           True)

    def _show_fault(self, message: str) -> None:
        """A dialog that does not wait: the page stays usable behind it."""
        self.fault_box = fault_box(self, message, title="Imports")
        self.fault_box.open()

    def _set_busy(self, busy: bool, message: str) -> None:
        if not busy:
            self.task = None
        self.progress.setValue(0)
        self.progress.setVisible(busy)
        self.cancel_button.setVisible(busy)
        self.choose_button.setEnabled(not busy)
        self.drop_label.setVisible(not busy)
        self.status.setText(message)

    # --- history and undo ---------------------------------------------------------------
    def refresh(self) -> None:
        names = practice_names(self.state)  # anonymised: no practice in file names either
        self.model.set_rows([row | {key: names.scrub(row[key] or "")
                                    for key in ("file_name", "message")}
                             for row in import_rows(queries.list_imports(self.state.conn))])
        self.results.setPlainText(names.scrub(self.results.toPlainText()))
        self._update_undo()

    def selected_import(self) -> dict | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        source = self.table.model().mapToSource(rows[0])
        return self.model.row(source.row())

    def _update_undo(self, *_args) -> None:
        chosen = self.selected_import()
        self.undo_button.setEnabled(bool(chosen) and chosen["status"] == "done" and not self.busy)

    def undo_selected(self, confirm: bool = True) -> None:
        chosen = self.selected_import()
        if not chosen:
            return
        question = (f"Remove everything import {chosen['id']} ({chosen['file_name']}) added? "
                    "Figures from it disappear from every page.")
        if confirm and QMessageBox.question(self, "Undo import", question) != \
                QMessageBox.StandardButton.Yes:
            return
        self._set_busy(True, f"Undoing import {chosen['id']}…")
        self.task = run_task(undo_work(self.state.db_path, chosen["id"]), on_done=self._undone,
                             on_failed=self._failed)

    def _undone(self, message: str) -> None:
        self._set_busy(False, "")
        self.results.setPlainText(message)
        self.state.data_changed.emit()
        self.refresh()
