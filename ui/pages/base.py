"""Shared page scaffolding: a title, an optional hint line, and a scrolling body."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QScrollArea, QVBoxLayout, QWidget

from local_db import queries
from ui.charts import month_label
from ui.names import practice_names
from ui.state import AppState


class Page(QWidget):
    title = ""

    def __init__(self, state: AppState, parent=None) -> None:
        super().__init__(parent)
        self.state = state
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        scroll = QScrollArea(widgetResizable=True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        outer.addWidget(scroll)
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


def scope_text(state: AppState, rows: list[dict]) -> str:
    """'NAME (CODE) · Nov 23 to Oct 25' for the current selection and the months shown."""
    selection = state.selection
    if selection is None:
        return "Choose a practice or PCN at the top."
    if selection.practice:
        scope = practice_names(state).label(selection.practice)
    else:
        pcn = next((p for p in queries.list_pcns(state.conn) if p["pcn_code"] == selection.pcn),
                   {})
        scope = f"{pcn.get('pcn_name', '')} ({selection.pcn}), {pcn.get('practices', 0)} practices"
    if rows:
        scope += f" · {month_label(rows[0]['month'])} to {month_label(rows[-1]['month'])}"
    return scope
