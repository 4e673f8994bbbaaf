"""Thin table models over plain rows (lists of dicts), testable without a window."""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt

from practice_desk.importing.detect import kind_description

SORT_ROLE = Qt.ItemDataRole.UserRole
_ROLES = frozenset({Qt.ItemDataRole.DisplayRole, SORT_ROLE, Qt.ItemDataRole.TextAlignmentRole})


class RowsModel(QAbstractTableModel):
    """Columns are (header, key, formatter); the sort role gives the raw value."""

    def __init__(self, columns: list[tuple[str, str, callable]], parent=None) -> None:
        super().__init__(parent)
        self.columns = columns
        self.rows: list[dict] = []

    def set_rows(self, rows: list[dict]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        # Qt asks every cell for a dozen roles each time a table sizes its columns to their
        # contents: the ones not answered here cost nothing.
        if role not in _ROLES or not index.isValid():
            return None
        _, key, formatter = self.columns[index.column()]
        value = self.rows[index.row()].get(key)
        if role == Qt.ItemDataRole.DisplayRole:
            return formatter(value) if value is not None else ""
        if role == SORT_ROLE:
            return value
        if role == Qt.ItemDataRole.TextAlignmentRole and isinstance(value, int | float):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(self, section: int, orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.columns[section][0]
        return None

    def row(self, index: int) -> dict:
        return self.rows[index]


def text(value) -> str:
    return str(value)


def thousands(value) -> str:
    return f"{value:,}"


def percent(value) -> str:
    return f"{value:.1%}"


IMPORT_COLUMNS = [
    ("Id", "id", text),
    ("Kind", "kind_label", text),
    ("File", "file_name", text),
    ("Rows", "rows_stored", thousands),
    ("Periods", "periods", text),
    ("Status", "status_label", text),
    ("Imported", "finished_at", lambda v: v.replace("T", " ")),
    ("Notes", "message", text),
]

def import_rows(imports: list[dict]) -> list[dict]:
    """Import history rows with readable kind and status."""
    rows = []
    for item in imports:
        status = item["status"]
        if status == "done" and item["rows_superseded"]:
            partly = item["rows_superseded"] < item["rows_stored"]
            status = "partly replaced" if partly else "replaced"
        elif status == "done":
            status = "in use"
        rows.append({**item, "kind_label": kind_description(item["kind"]).split(" (")[0],
                     "status_label": status})
    return rows
