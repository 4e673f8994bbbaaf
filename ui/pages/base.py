"""Shared page scaffolding: a title, an optional hint line, and a scrolling body."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QScrollArea, QVBoxLayout, QWidget

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


class ComingPage(Page):
    """A page whose content arrives in a later release: says what, shows no numbers."""

    def __init__(self, state: AppState, title: str, coming: str, parent=None) -> None:
        self.title = title
        super().__init__(state, parent)
        self.hint(coming)
        self.body.addStretch(1)


COMING = {
    "Overview": "Coming next: one tile per headline measure for the selected practice or PCN "
                "(missed calls, answered within a minute, call-backs, 111 in core hours, "
                "face-to-face share, appointments within two weeks, DNAs, NHS App use) with the "
                "change since last month, Making Data Count icons and your targets. "
                "Face-to-face and two-week figures are already on the Appointments page.",
    "Telephony": "Coming next: call logs from your telephony supplier and NHS England's "
                 "cloud-based telephony statistics - calls, answered, missed (abandoned) calls, "
                 "waits, call-backs and 111 in core hours, calls by hour and weekday (the 8am "
                 "rush), with national context.",
    "NHS App": "Coming next: NHS App and online access figures (logins, record views, repeat "
               "prescriptions, appointments booked) per practice and PCN, per 1,000 patients, "
               "with year-to-date change and the national ambitions.",
    "PCN": "Coming next: the PCN's practices side by side for any measure, per 1,000 patients "
           "where sizes differ, against the national spread, with an option to hide practice "
           "names for meetings.",
}
