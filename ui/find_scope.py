"""Find a practice or PCN by name or ODS code among every one stored (thousands after a national
file), and say once which one is "mine": the app remembers it and opens on it."""

from __future__ import annotations

from PySide6.QtCore import QSortFilterProxyModel, Qt
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QListView,
    QVBoxLayout,
)

from local_db import queries
from practice_desk.metrics import area
from ui.names import PracticeNames

KEY_ROLE = Qt.ItemDataRole.UserRole + 1


def search_entries(conn, anonymise: bool = False) -> list[tuple[str, str]]:
    """(text, 'kind:code') for every PCN, practice and GPAD area, PCNs first, by name. The text
    holds the name and the ODS code, so either can be typed (only the letters when anonymised)."""
    names = PracticeNames(conn, anonymise)
    pcns = sorted(queries.list_pcns(conn), key=lambda p: ((p["pcn_name"] or "").lower(),
                                                         p["pcn_code"]))
    entries = [(f"{names.pcn_label(p['pcn_code'])} - PCN of {p['practices']} practices",
                f"pcn:{p['pcn_code']}") for p in pcns]
    practices = sorted(queries.list_practices(conn),
                       key=lambda p: ((p["name"] or "").lower(), p["ods_code"]))
    for p in practices:
        where = ""
        if p["pcn_code"] and not anonymise:
            where = f" - in {names.pcn_label(p['pcn_code'])}"
        entries.append((f"{names.label(p['ods_code'])}{where}", f"practice:{p['ods_code']}"))
    entries += [(f"{area.area_label(found)} - area", f"area:{found['code']}")
                for found in area.list_areas(conn)]
    return entries


class FindScopeDialog(QDialog):
    """Type part of a name or an ODS code, pick one; `mine` offers 'remember as mine'."""

    def __init__(self, state, parent=None, first_time: bool = False) -> None:
        super().__init__(parent)
        self.state = state
        self.setWindowTitle("Which practice or PCN is yours?" if first_time
                            else "Find a practice or PCN")
        self.resize(640, 520)
        layout = QVBoxLayout(self)
        if first_time:
            layout.addWidget(QLabel(
                "The files you imported cover many practices. Which practice or PCN is yours? "
                "Practice Desk will open on it; you can look at any other one with Find.",
                wordWrap=True))
        self.search = QLineEdit(placeholderText="Type a practice or PCN name, or an ODS code",
                                accessibleName="Search practices and PCNs", clearButtonEnabled=True)
        layout.addWidget(self.search)
        self.model = QStandardItemModel(self)
        for text, key in search_entries(state.conn, state.anonymise):
            item = QStandardItem(text)
            item.setData(key, KEY_ROLE)
            item.setEditable(False)
            self.model.appendRow(item)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.results = QListView(accessibleName="Matching practices and PCNs")
        self.results.setModel(self.proxy)
        self.results.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.results.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.results.doubleClicked.connect(self.accept)
        layout.addWidget(self.results, 1)
        self.count = QLabel(objectName="hint")
        layout.addWidget(self.count)
        self.remember = QCheckBox("This is mine: open Practice Desk on it", checked=first_time)
        layout.addWidget(self.remember)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok |
                                   QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Show it")
        if first_time:
            buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("Not now")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        layout.addWidget(buttons)
        self.search.textChanged.connect(self._filter)
        self.search.returnPressed.connect(self._enter)
        self.results.selectionModel().currentChanged.connect(lambda *_: self._update())
        self._filter("")

    def _filter(self, text: str) -> None:
        self.proxy.setFilterFixedString(text.strip())
        if self.proxy.rowCount():
            self.results.setCurrentIndex(self.proxy.index(0, 0))
        self.count.setText(f"{self.proxy.rowCount():,} of {self.model.rowCount():,} shown")
        self._update()

    def _enter(self) -> None:
        if self.chosen():
            self.accept()

    def _update(self) -> None:
        self.ok.setEnabled(self.chosen() is not None)

    def chosen(self) -> tuple[str, str] | None:
        """(kind, code) of the highlighted entry."""
        index = self.results.currentIndex()
        if not index.isValid():
            return None
        kind, code = index.data(KEY_ROLE).split(":", 1)
        return kind, code
