"""The practice/PCN chooser and month range in the top bar."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QCompleter, QHBoxLayout, QLabel, QWidget

from local_db import queries
from practice_desk.metrics import Selection, area
from ui.charts import month_label
from ui.names import PracticeNames
from ui.state import AppState


def scope_entries(conn, anonymise: bool = False) -> list[tuple[str, str, str]]:
    """(text, kind, code) for every PCN followed by its practices, then practices with no PCN,
    then the sub-ICB/CCG areas of imported GPAD area files. Anonymised, practices read
    'Practice A', 'Practice B', ... (ui.names)."""
    entries = []
    practices = queries.list_practices(conn)
    names = PracticeNames(conn, anonymise)
    for pcn in queries.list_pcns(conn):
        entries.append((f"{pcn['pcn_name']} ({pcn['pcn_code']}) - PCN", "pcn", pcn["pcn_code"]))
        for p in practices:
            if p["pcn_code"] == pcn["pcn_code"]:
                entries.append((f"    {names.label(p['ods_code'])}", "practice", p["ods_code"]))
    for p in practices:
        if not p["pcn_code"]:
            label = names.label(p["ods_code"]) if p["name"] or anonymise \
                else f"Practice ({p['ods_code']})"
            entries.append((label, "practice", p["ods_code"]))
    # Areas of imported GPAD area files: their own appointment series, for context.
    for found in area.list_areas(conn):
        entries.append((f"{area.area_label(found)} - area", "area", found["code"]))
    return entries


class SelectionBar(QWidget):
    def __init__(self, state: AppState, parent=None) -> None:
        super().__init__(parent)
        self.state = state
        self._updating = False
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.scope = QComboBox(accessibleName="Practice or PCN")
        self.scope.setEditable(True)  # type to search among thousands of practices
        self.scope.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.scope.completer().setFilterMode(Qt.MatchFlag.MatchContains)
        self.scope.completer().setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.scope.setMinimumWidth(300)
        self.scope.setToolTip("Choose a PCN (the sum of its practices), one practice, or a "
                              "sub-ICB/CCG area of an imported GPAD area file (appointments "
                              "only). Type to search.")
        self.start = QComboBox(accessibleName="From month")
        self.end = QComboBox(accessibleName="To month")
        for label_text, widget in (("Showing", self.scope), ("from", self.start), ("to", self.end)):
            label = QLabel(label_text)
            label.setBuddy(widget)
            layout.addWidget(label)
            layout.addWidget(widget)
        self.scope.activated.connect(self._scope_chosen)
        self.start.activated.connect(self._range_chosen)
        self.end.activated.connect(self._range_chosen)
        self.state.anonymise_changed.connect(self.reload)

    def reload(self) -> None:
        """Refill the choices after the stored data changed, keeping the current choice."""
        self._updating = True
        self.scope.clear()
        for text, kind, code in scope_entries(self.state.conn, self.state.anonymise):
            self.scope.addItem(text, f"{kind}:{code}")
        self._updating = False
        current = self.state.selection
        wanted = (current.scope_key, current.code) if current else self.state.last_selection()
        index = self.scope.findData(":".join(wanted)) if wanted else -1
        if index < 0 and self.scope.count():
            index = 0
        self.scope.setCurrentIndex(index)
        self._apply(keep_range=current is not None)

    def choose(self, kind: str, code: str) -> None:
        index = self.scope.findData(f"{kind}:{code}")
        if index >= 0:
            self.scope.setCurrentIndex(index)
            self._apply(keep_range=False)

    def _scope_chosen(self, _index: int) -> None:
        if not self._updating:
            self._apply(keep_range=True)

    def _range_chosen(self, _index: int) -> None:
        if self.start.currentData() and self.end.currentData() and \
                self.start.currentData() > self.end.currentData():
            self.end.setCurrentIndex(self.end.findData(self.start.currentData()))
        self._emit()

    def _apply(self, keep_range: bool) -> None:
        data = self.scope.currentData()
        if not data:
            self.state.set_selection(None)
            return
        kind, code = data.split(":", 1)
        if kind == "area":
            months = sorted(set(area.area_months(self.state.conn, code))
                            | set(area.category_months(self.state.conn, code)))
        else:
            probe = Selection(**{kind: code})
            months = queries.data_months(self.state.conn, probe.practices(self.state.conn))
        self._fill_months(months, keep_range)
        self._emit()

    def _fill_months(self, months: list[str], keep_range: bool) -> None:
        old = (self.start.currentData(), self.end.currentData())
        for combo in (self.start, self.end):
            combo.clear()
            for month in months:
                combo.addItem(month_label(month), month)
        if not months:
            return
        # Default: the latest 24 months with data.
        start_index, end_index = max(0, len(months) - 24), len(months) - 1
        if keep_range and old[0] in months and old[1] in months:
            start_index, end_index = months.index(old[0]), months.index(old[1])
        self.start.setCurrentIndex(start_index)
        self.end.setCurrentIndex(end_index)

    def _emit(self) -> None:
        data = self.scope.currentData()
        if not data:
            return
        kind, code = data.split(":", 1)
        self.state.set_selection(Selection(**{kind: code}, start=self.start.currentData(),
                                           end=self.end.currentData()))
