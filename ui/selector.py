"""The practice/PCN chooser and month range in the top bar.

"Showing" lists every PCN and practice while there are few (a practice's or a PCN's own files, the
demo). After a national file it lists only the user's own PCN or practice (said once, remembered)
and the current choice; "Find…" searches all of them by name or ODS code.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QWidget

from local_db import queries
from practice_desk.metrics import Selection, area
from ui import theme
from ui.charts import month_label
from ui.names import PracticeNames
from ui.state import AppState

FEW = 40  # up to this many entries "Showing" lists them all
DEFAULT_MONTHS = 24  # the range shown until the user chooses one


def scope_entries(conn, anonymise: bool = False,
                  keep: list[tuple[str, str]] | None = None) -> list[tuple[str, str, str]]:
    """(text, kind, code) for each PCN followed by its practices, then practices with no PCN,
    then the sub-ICB/CCG areas of imported GPAD area files. Anonymised, practices read
    'Practice A', ... and PCNs 'The PCN' (ui.names). With more than FEW entries and `keep`
    given, only the PCNs, practices and areas of `keep` (and their PCN-mates)."""
    practices = queries.list_practices(conn)
    pcns = queries.list_pcns(conn)
    areas = area.list_areas(conn)
    if keep is not None and len(practices) + len(pcns) + len(areas) > FEW:
        wanted = _related_pcns(practices, keep)
        pcns = [p for p in pcns if p["pcn_code"] in wanted]
        codes = {code for kind, code in keep if kind == "practice"}
        practices = [p for p in practices if p["pcn_code"] in wanted or p["ods_code"] in codes]
        areas = [a for a in areas if ("area", a["code"]) in keep]
    names = PracticeNames(conn, anonymise)
    entries = []
    for pcn in pcns:
        label = names.pcn_label(pcn["pcn_code"])
        if "PCN" not in label.upper():
            label += " - PCN"
        entries.append((label, "pcn", pcn["pcn_code"]))
        for p in practices:
            if p["pcn_code"] == pcn["pcn_code"]:
                entries.append((f"    {names.label(p['ods_code'])}", "practice", p["ods_code"]))
    for p in practices:
        if not p["pcn_code"]:
            label = names.label(p["ods_code"]) if p["name"] or anonymise \
                else f"Practice ({p['ods_code']})"
            entries.append((label, "practice", p["ods_code"]))
    # Areas of imported GPAD area files: their own appointment series, for context.
    for found in areas:
        entries.append((f"{area.area_label(found)} - area", "area", found["code"]))
    return entries


def _related_pcns(practices: list[dict], keep: list[tuple[str, str]]) -> set[str]:
    pcn_of = {p["ods_code"]: p["pcn_code"] for p in practices}
    wanted = {code for kind, code in keep if kind == "pcn"}
    wanted |= {pcn_of.get(code) for kind, code in keep if kind == "practice"}
    return {code for code in wanted if code}


def many_entries(conn) -> bool:
    """True after a national (or regional) file: too many PCNs and practices for one list."""
    return len(queries.list_practices(conn)) + len(queries.list_pcns(conn)) + \
        len(area.list_areas(conn)) > FEW


class SelectionBar(QWidget):
    find_requested = Signal()  # "Find…": the window opens the search dialog

    def __init__(self, state: AppState, parent=None) -> None:
        super().__init__(parent)
        self.state = state
        self._updating = False
        self._months: list[str] = []
        self._found: tuple[str, str] | None = None
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        # Not editable: an editable field scrolled long names off its left edge, and a code
        # typed into it stayed on screen with anonymise on. Searching is the Find dialog's job.
        self.scope = QComboBox(accessibleName="Practice or PCN")
        self.scope.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.scope.setMinimumContentsLength(20)
        self.scope.setMaximumWidth(440)
        self.scope.view().setTextElideMode(Qt.TextElideMode.ElideRight)
        self.scope.setPlaceholderText("Choose your practice or PCN")
        self.scope.setToolTip("Choose a PCN (the sum of its practices), one practice, or a "
                              "sub-ICB/CCG area of an imported GPAD area file (appointments "
                              "only); Find… (Ctrl+F) searches them all by name or code.")
        self.find_button = QPushButton("Find…", accessibleName="Find a practice or PCN")
        self.find_button.setToolTip("Search every practice and PCN by name or ODS code (Ctrl+F)")
        self.find_button.setStyleSheet(theme.TOP_BAR_BUTTON)
        self.find_button.clicked.connect(self.find_requested)
        QShortcut(QKeySequence.StandardKey.Find, self, activated=self.find_requested.emit)
        self.start = QComboBox(accessibleName="From month")
        self.end = QComboBox(accessibleName="To month")
        for label_text, widget in (("Showing", self.scope), ("from", self.start), ("to", self.end)):
            label = QLabel(label_text)
            label.setBuddy(widget)
            layout.addWidget(label)
            layout.addWidget(widget)
            if widget is self.scope:
                layout.addWidget(self.find_button)
        self.scope.activated.connect(self._scope_chosen)
        self.start.activated.connect(self._range_chosen)
        self.end.activated.connect(self._range_chosen)
        self.state.anonymise_changed.connect(self.reload)

    def _wanted(self) -> tuple[str, str] | None:
        current = self.state.selection
        if current is not None:
            return current.scope_key, current.code
        return self.state.mine() or self.state.last_selection()

    def reload(self) -> None:
        """Refill the choices after the stored data changed, keeping the current choice. Nothing
        is chosen for the user among many PCNs: the window asks which one is theirs."""
        wanted = self._wanted()
        keep = [k for k in (wanted, self.state.mine(), self._found) if k]
        self._updating = True
        self.scope.clear()
        for text, kind, code in scope_entries(self.state.conn, self.state.anonymise, keep):
            self.scope.addItem(text, f"{kind}:{code}")
            self.scope.setItemData(self.scope.count() - 1, text.strip(),
                                   Qt.ItemDataRole.ToolTipRole)
        self._updating = False
        index = self.scope.findData(":".join(wanted)) if wanted else -1
        if index < 0 and self.scope.count() and not many_entries(self.state.conn):
            index = 0
        self.scope.setCurrentIndex(index)
        self._apply(keep_range=self.state.selection is not None)

    def choose(self, kind: str, code: str) -> None:
        index = self.scope.findData(f"{kind}:{code}")
        if index < 0:  # found with Find… outside the short list: list it from now on
            self._found = (kind, code)
            self.reload()
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
        """Default: the latest 24 months with data. A kept range that ran to the newest month
        follows a newer month imported since (a range ending earlier was chosen on purpose and
        stays); one that was the default 24 months moves along with it."""
        old_months, self._months = self._months, months
        old = (self.start.currentData(), self.end.currentData())
        for combo in (self.start, self.end):
            combo.clear()
            for month in months:
                combo.addItem(month_label(month), month)
        if not months:
            return
        start_index, end_index = default_range(months)
        if keep_range and old[0] in months and old[1] in months:
            start_index, end_index = months.index(old[0]), months.index(old[1])
            if old_months and old[1] == old_months[-1]:
                end_index = len(months) - 1
                if old[0] == old_months[default_range(old_months)[0]]:
                    start_index = default_range(months)[0]
        self.start.setCurrentIndex(start_index)
        self.end.setCurrentIndex(end_index)

    def _emit(self) -> None:
        data = self.scope.currentData()
        if not data:
            return
        kind, code = data.split(":", 1)
        self.state.set_selection(Selection(**{kind: code}, start=self.start.currentData(),
                                           end=self.end.currentData()))


def default_range(months: list[str]) -> tuple[int, int]:
    return max(0, len(months) - DEFAULT_MONTHS), len(months) - 1
