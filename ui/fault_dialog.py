"""Telling the user what went wrong: one dialog for every database fault, and a last-resort hook
so that an error nobody caught becomes a message and a log entry, never a bare traceback."""

from __future__ import annotations

import logging
import sqlite3
import sys
from pathlib import Path

from PySide6.QtWidgets import QApplication, QMainWindow, QMessageBox, QWidget

from local_db.faults import DatabaseError, explain
from practice_desk import APP_NAME
from practice_desk.applog import log_file

log = logging.getLogger(__name__)


def fault_box(parent: QWidget | None, message: str, title: str = APP_NAME,
              restore_label: str | None = None) -> QMessageBox:
    """The dialog: the diagnosis as its text; with `restore_label`, a button offering that."""
    box = QMessageBox(QMessageBox.Icon.Warning, title, message, parent=parent)
    box.setObjectName("faultDialog")
    if restore_label:
        box.addButton(restore_label, QMessageBox.ButtonRole.AcceptRole).setObjectName("restore")
        box.addButton("Close", QMessageBox.ButtonRole.RejectRole)
    else:
        box.addButton(QMessageBox.StandardButton.Ok)
    return box


def show_fault(parent: QWidget | None, message: str, title: str = APP_NAME,
               restore_label: str | None = None) -> bool:
    """Show the dialog and wait; True when the user chose the restore button."""
    box = fault_box(parent, message, title, restore_label)
    box.exec()
    clicked = box.clickedButton()
    return bool(restore_label) and clicked is not None and clicked.objectName() == "restore"


def describe_error(exc: BaseException, db_path: Path | None) -> str:
    """The words for an error: a database fault diagnosed, anything else said plainly."""
    if isinstance(exc, DatabaseError):
        return str(exc)
    if isinstance(exc, (sqlite3.Error, OSError)) and db_path is not None:
        return str(explain(exc, db_path))
    return (f"Something went wrong in Practice Desk ({exc!r}). Your data is safe: a change that "
            f"did not finish is undone as a whole. The details are in the log: {log_file()}")


def _main_window() -> QWidget | None:
    shown = [w for w in QApplication.topLevelWidgets() if isinstance(w, QMainWindow) and
             w.isVisible()]
    return shown[0] if shown else None


def install_fault_hook(db_path: Path | None) -> None:
    """An exception no one caught (in a button's handler, say) is logged and shown as a dialog;
    the window stays open."""
    def hook(kind, exc, tb) -> None:
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, exc, tb)
            return
        log.error("uncaught error", exc_info=(kind, exc, tb))
        if QApplication.instance() is not None:
            show_fault(_main_window(), describe_error(exc, db_path))
    sys.excepthook = hook
