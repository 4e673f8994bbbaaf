"""The definitions page inside the app (F1, or Help > Definitions): resources/definitions.md, the
same text the project ships, with a find box and printing."""

from __future__ import annotations

from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
)

from practice_desk.resources import resource_path


def definitions_text() -> str:
    path = resource_path("definitions.md")
    return path.read_text(encoding="utf-8") if path.exists() else \
        "The definitions page is missing from this installation."


class DefinitionsDialog(QDialog):
    """Non-modal: it can stay open beside the window while reading a chart."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Practice Desk: what each number means")
        self.resize(900, 700)
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        self.find = QLineEdit(placeholderText="Find a word, e.g. 'missed' or 'DNA'",
                              accessibleName="Find in the definitions", clearButtonEnabled=True)
        self.find.returnPressed.connect(self.find_next)
        self.not_found = QLabel(objectName="hint")
        self.print_button = QPushButton("Print…")
        self.print_button.setProperty("secondary", True)
        self.print_button.clicked.connect(self.print_text)
        row.addWidget(QLabel("Find"))
        row.addWidget(self.find, 1)
        row.addWidget(self.not_found)
        row.addWidget(self.print_button)
        layout.addLayout(row)
        self.text = QTextBrowser(accessibleName="Definitions", openExternalLinks=True)
        self.text.setMarkdown(definitions_text())
        layout.addWidget(self.text, 1)

    def find_next(self) -> bool:
        """Next match of the find box (from the top again after the last); False if none."""
        word = self.find.text().strip()
        if not word:
            return False
        found = self.text.find(word) or self._from_top(word)
        self.not_found.setText("" if found else "Not found")
        return found

    def _from_top(self, word: str) -> bool:
        cursor = self.text.textCursor()
        cursor.movePosition(cursor.MoveOperation.Start)
        self.text.setTextCursor(cursor)
        return self.text.find(word, QTextDocument.FindFlag(0))

    def print_text(self) -> None:
        from ui.printing import ask_printer

        printer = ask_printer(self, "Print the definitions")
        if printer is not None:
            self.text.document().print_(printer)
