"""Settings: targets, the demo dataset, where the data and the log are kept."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFormLayout, QGroupBox, QHBoxLayout, QLabel, QPushButton, QWidget

from local_db import queries
from practice_desk.applog import log_file
from practice_desk.headline import HEADLINE_KEYS
from practice_desk.metrics.definitions import name_of
from ui.pages.backups import BackupsBox
from ui.pages.base import Page
from ui.pages.telephony_settings import TelephonySettings
from ui.widgets import TargetBox

_SELECTABLE = Qt.TextInteractionFlag.TextSelectableByMouse


class SettingsPage(Page):
    title = "Settings"
    shows_areas = True  # settings do not depend on the selection

    def __init__(self, state, load_demo, remove_demo, parent=None) -> None:
        super().__init__(state, parent)
        self.body.addWidget(self._targets_group())
        self.telephony = TelephonySettings(state)
        self.body.addWidget(self.telephony)
        self.body.addWidget(self._demo_group(load_demo, remove_demo))
        self.body.addWidget(self._storage_group())
        self.backups = BackupsBox(state)
        self.body.addWidget(self.backups)
        self.body.addStretch(1)

    def _targets_group(self) -> QGroupBox:
        group = QGroupBox("Local targets")
        form = QFormLayout(group)
        self.target_boxes = {key: TargetBox(self.state, key, label="") for key in HEADLINE_KEYS}
        for key, box in self.target_boxes.items():
            form.addRow(name_of(key), box)
        form.addRow(QLabel("Targets are drawn on charts as a red dashed line and set the "
                           "assurance icon on the Overview. They never change a figure. "
                           "\"none\" means no target.", objectName="hint", wordWrap=True))
        self.state.targets_changed.connect(lambda: [b.load() for b in self.target_boxes.values()])
        return group

    def _demo_group(self, load_demo, remove_demo) -> QGroupBox:
        group = QGroupBox("Demo data")
        row = QHBoxLayout(group)
        self.demo_status = QLabel(wordWrap=True)
        self.load_demo_button = QPushButton("Load demo PCN")
        self.load_demo_button.clicked.connect(load_demo)
        self.remove_demo_button = QPushButton("Remove demo data")
        self.remove_demo_button.setProperty("secondary", True)
        self.remove_demo_button.clicked.connect(remove_demo)
        row.addWidget(self.demo_status, 1)
        row.addWidget(self.load_demo_button)
        row.addWidget(self.remove_demo_button)
        return group

    def _storage_group(self) -> QGroupBox:
        group = QGroupBox("Where your data is kept")
        form = QFormLayout(group)
        self.db_label = QLabel(wordWrap=True)
        self.log_label = QLabel(str(log_file()), wordWrap=True)
        for widget in (self.db_label, self.log_label):
            widget.setTextInteractionFlags(widget.textInteractionFlags() | _SELECTABLE)
        form.addRow("Database", self.db_label)
        form.addRow("Log file", self.log_label)
        form.addRow(QWidget(), QLabel("Nothing is sent anywhere: all data stays on this computer.",
                                      objectName="hint"))
        return group

    def refresh(self) -> None:
        self.telephony.refresh()
        self.backups.refresh()
        loaded = queries.demo_loaded(self.state.conn)
        self.demo_status.setText(
            "The demo PCN (made-up practices, labelled DEMO) is loaded." if loaded else
            "A made-up PCN of five practices over 24 months, to explore the app safely.")
        self.load_demo_button.setEnabled(not loaded)
        self.remove_demo_button.setEnabled(loaded)
        self.db_label.setText(str(self.state.db_path))

