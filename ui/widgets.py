"""Small widgets shared by pages."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSpinBox,
    QTableView,
    QWidget,
)

from practice_desk import targets
from practice_desk.metrics.definitions import name_of
from practice_desk.metrics.keys import is_share
from ui.state import AppState


class TargetBox(QWidget):
    """'Target [70] %' for one metric (a plain number for counts), saved in the database; 0 means
    no target."""

    def __init__(self, state: AppState, key: str, label: str = "Target") -> None:
        super().__init__()
        self.state, self.key = state, key
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.scale = 100 if is_share(key) else 1
        self.spin = QSpinBox(minimum=0, maximum=100 if self.scale == 100 else 1_000_000,
                             suffix=" %" if self.scale == 100 else "", specialValueText="none")
        self.spin.setAccessibleName(f"Target for {name_of(key)}")
        self.spin.setToolTip("A local target, drawn as a red dashed line; 0 removes it. "
                             "It never changes a figure.")
        caption = QLabel(label)
        caption.setBuddy(self.spin)
        row.addStretch(1)
        row.addWidget(caption)
        row.addWidget(self.spin)
        self.load()
        self.spin.valueChanged.connect(self._changed)

    def load(self) -> None:
        value = targets.get_target(self.state.conn, self.key)
        self.spin.blockSignals(True)
        self.spin.setValue(round(value * self.scale) if value is not None else 0)
        self.spin.blockSignals(False)

    def _changed(self, value: int) -> None:
        targets.set_target(self.state.conn, self.key, value / self.scale if value else None)
        self.state.targets_changed.emit()


def tile_grid(tiles: dict) -> tuple[QWidget, QLabel]:
    """Tiles side by side under a caption (e.g. the month they show); returns both."""
    box = QWidget()
    grid = QGridLayout(box)
    grid.setContentsMargins(0, 0, 0, 0)
    caption = QLabel(objectName="hint")
    grid.addWidget(caption, 0, 0, 1, len(tiles))
    for column, tile in enumerate(tiles.values()):
        grid.addWidget(tile, 1, column)
    return box, caption


def data_table(model, name: str, rows_selectable: bool = False) -> QTableView:
    """A read-only table as every page shows one: no row numbers, columns fitted to their
    contents, a name for screen readers; whole rows selected when rows can be acted on."""
    table = QTableView(accessibleName=name)
    table.setModel(model)
    table.verticalHeader().hide()
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    if rows_selectable:
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        header.setStretchLastSection(True)
    return table


class NoticeBar(QFrame):
    """A message that matters ("Saved ....xlsx", "Demo loaded", "Imported ...") across the top of
    the window, where the user is looking, until dismissed or replaced; "Open folder" when it
    names a saved file."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="notice", visible=False)
        self.setAccessibleName("Message")
        row = QHBoxLayout(self)
        row.setContentsMargins(16, 6, 8, 6)
        self.text = QLabel(wordWrap=True)
        self.open_folder = QPushButton("Open folder", visible=False)
        self.open_folder.clicked.connect(self._open_folder)
        self.dismiss = QPushButton("Dismiss")
        self.dismiss.setProperty("secondary", True)
        self.dismiss.clicked.connect(self.hide)
        row.addWidget(self.text, 1)
        row.addWidget(self.open_folder)
        row.addWidget(self.dismiss)
        self.folder: Path | None = None

    def show_message(self, text: str, folder: Path | None = None, warning: bool = False) -> None:
        self.text.setText(text)
        self.folder = Path(folder) if folder else None
        self.open_folder.setVisible(self.folder is not None)
        self.setProperty("tone", "warning" if warning else "")
        self.style().unpolish(self)
        self.style().polish(self)
        self.show()

    def _open_folder(self) -> None:
        if self.folder is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.folder)))
