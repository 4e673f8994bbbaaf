"""Shared page scaffolding: a title, an optional hint line, and a scrolling body."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QScrollArea, QVBoxLayout, QWidget

from local_db import queries
from ui.charts import month_label
from ui.names import practice_names
from ui.state import AppState


class Page(QWidget):
    title = ""
    # A sub-ICB/CCG area chosen at the top has appointment figures only (GPAD area files): pages
    # that cannot show an area say so instead of refreshing.
    shows_areas = False

    def __init__(self, state: AppState, parent=None) -> None:
        super().__init__(parent)
        self.state = state
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        scroll = QScrollArea(widgetResizable=True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        outer.addWidget(scroll, 1)
        self._scroll = scroll
        self._area_note = QLabel(objectName="hint", wordWrap=True, visible=False)
        self._area_note.setContentsMargins(24, 16, 24, 16)
        self._area_note.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        outer.addWidget(self._area_note, 1)
        if not self.shows_areas:
            own_refresh = self.refresh
            self.refresh = lambda: self._refresh_unless_area(own_refresh)
        body = QWidget()
        scroll.setWidget(body)
        self.body = QVBoxLayout(body)
        self.body.setContentsMargins(24, 16, 24, 16)
        self.body.setSpacing(12)
        self.heading = QLabel(self.title, objectName="pageTitle")
        self.body.addWidget(self.heading)

    def hint(self, text: str) -> QLabel:
        label = QLabel(text, objectName="hint", wordWrap=True)
        self.body.addWidget(label)
        return label

    def refresh(self) -> None:
        """Redraw from the database for the current selection. Pages override this."""

    def _refresh_unless_area(self, own_refresh) -> None:
        selection = self.state.selection
        is_area = bool(selection and selection.area)
        self._scroll.setVisible(not is_area)
        self._area_note.setVisible(is_area)
        if is_area:
            self._area_note.setText(
                f"<b>{self.title}</b>: an area (sub-ICB or CCG) chosen at the top has "
                "appointment figures only, from GPAD area files. Its series are on the "
                "Appointments page; choose a practice or a PCN to see this page.")
            return
        own_refresh()


def scope_text(state: AppState, rows: list[dict]) -> str:
    """'NAME (CODE) · Nov 23 to Oct 25' for the current selection and the months shown."""
    selection = state.selection
    if selection is None:
        return "Choose a practice or PCN at the top."
    if selection.area:
        from practice_desk.metrics.area import area_label, get_area

        found = get_area(state.conn, selection.area)
        scope = area_label(found) if found else selection.area
    elif selection.practice:
        scope = practice_names(state).label(selection.practice)
    else:
        count = len(queries.practices_in_pcn(state.conn, selection.pcn))
        scope = f"{practice_names(state).pcn_label(selection.pcn)}, {count} practices"
    if rows:
        scope += f" · {month_label(rows[0]['month'])} to {month_label(rows[-1]['month'])}"
    return scope
