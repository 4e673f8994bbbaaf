"""The main window's way into meetings: the Anonymise toggle and the Meeting mode button in the top
bar, their shortcuts (Ctrl+Shift+A; F11 or Ctrl+M), and export actions on every chart."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QWidget

from ui import export, theme
from ui.meeting import MeetingMode, open_meeting


class MeetingEntry(QWidget):
    def __init__(self, window) -> None:
        super().__init__()
        self.window_ = window
        self.state = window.state
        self.meeting: MeetingMode | None = None
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.anonymise = QPushButton("Anonymise", checkable=True)
        self.anonymise.setToolTip("Show practices as Practice A, B, … on every page, in meeting "
                                  "mode and in exports (Ctrl+Shift+A)")
        self.anonymise.setAccessibleName("Anonymise practices")
        self.meeting_button = QPushButton("Meeting")
        self.meeting_button.setAccessibleName("Meeting mode")
        self.meeting_button.setToolTip("The chart pack full screen, one chart at a time: arrow "
                                       "keys to step, Esc to leave (F11 or Ctrl+M)")
        for button in (self.anonymise, self.meeting_button):
            button.setStyleSheet(theme.TOP_BAR_BUTTON)
            row.addWidget(button)
        self.anonymise.toggled.connect(self.state.set_anonymise)
        self.meeting_button.clicked.connect(self.start_meeting)
        self.state.anonymise_changed.connect(self._show_anonymise)
        QShortcut(QKeySequence("Ctrl+Shift+A"), window,
                  activated=lambda: self.state.set_anonymise(not self.state.anonymise))
        for keys in ("F11", "Ctrl+M"):
            QShortcut(QKeySequence(keys), window, activated=self.start_meeting)
        for signal in (self.state.selection_changed, self.state.data_changed):
            signal.connect(self.add_export_actions)

    def _show_anonymise(self) -> None:
        self.anonymise.blockSignals(True)
        self.anonymise.setChecked(self.state.anonymise)
        self.anonymise.blockSignals(False)

    def add_export_actions(self) -> None:
        """Copy / Save as PNG / Save as SVG on every chart of the window (charts made later get
        theirs at the next change of selection or data)."""
        for chart in self.window_.findChildren(pg.PlotWidget):
            export.add_export_actions(chart)
            theme.show_focus(chart)

    def start_meeting(self) -> MeetingMode:
        if self.meeting is not None:
            self.meeting.activateWindow()
            return self.meeting
        self.meeting = open_meeting(self.state, self.window_)
        self.meeting.closed.connect(self._meeting_closed)
        return self.meeting

    def _meeting_closed(self) -> None:
        meeting, self.meeting = self.meeting, None
        if meeting is not None:
            meeting.deleteLater()
