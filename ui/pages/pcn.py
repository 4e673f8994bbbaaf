"""PCN comparison: the PCN's practices side by side for any measure, against England's spread."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QLabel, QPushButton, QWidget

from local_db import queries
from practice_desk.metrics.definitions import name_of, tooltip
from practice_desk.metrics.list_sizes import missing_list_size
from practice_desk.metrics.national import NATIONAL_KEYS
from practice_desk.reports.comparison import COMPARE_KEYS, PER_1000, compare, pcn_for
from ui import export
from ui.charts import month_label
from ui.comparison_chart import BARS, DOTS, ComparisonChart
from ui.names import practice_names
from ui.pages.base import Page

LAST, WHOLE = "last", "whole"
NO_FIGURES = ("No figures for this measure and period. Choose another measure, or import data on "
              "the Imports page.")


def period_text(start: str | None, end: str | None) -> str:
    if not end:
        return ""
    if start == end or not start:
        return month_label(end)
    return f"{month_label(start)} to {month_label(end)}"


class PcnPage(Page):
    title = "PCN comparison"

    def __init__(self, state, parent=None) -> None:
        super().__init__(state, parent)
        self.scope_label = QLabel(objectName="hint", wordWrap=True)
        top = self._export_buttons()
        top.insertWidget(0, self.scope_label, 1)
        self.body.addLayout(top)
        self.body.addLayout(self._controls())
        self.per_1000_row = QWidget()
        row = QHBoxLayout(self.per_1000_row)
        row.setContentsMargins(0, 0, 0, 0)
        self.per_1000_note = QLabel(objectName="hint", wordWrap=True)
        self.per_1000_button = QPushButton("Compare per 1,000 patients")
        self.per_1000_button.setProperty("secondary", True)
        self.per_1000_button.clicked.connect(self.use_per_1000)
        row.addWidget(self.per_1000_note, 1)
        row.addWidget(self.per_1000_button)
        self.body.addWidget(self.per_1000_row)
        self.empty = self.hint(NO_FIGURES)
        self.chart = ComparisonChart()
        self.chart.setAccessibleName("Practices compared")
        self.chart.setMinimumHeight(280)
        export.add_export_actions(self.chart)
        self.body.addWidget(self.chart, 1)
        self.note = QLabel(objectName="hint", wordWrap=True)
        self.body.addWidget(self.note)
        self.body.addStretch(0)  # takes the room only while the chart is hidden: all stays on top
        self.comparison = None
        self.state.anonymise_changed.connect(self._anonymise_changed)

    def _controls(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.metric = QComboBox(accessibleName="Measure")
        for key in COMPARE_KEYS:
            self.metric.addItem(name_of(key), key)
            self.metric.setItemData(self.metric.count() - 1, tooltip(key),
                                    Qt.ItemDataRole.ToolTipRole)
        self.metric.setMinimumContentsLength(24)
        self.period = QComboBox(accessibleName="Period")
        self.period.addItem("Last month", LAST)
        self.period.addItem("Whole range", WHOLE)
        self.period.setToolTip("Over the whole range each practice's counts are added up first, "
                               "then divided (a per-1,000 figure is the monthly average).")
        self.shape = QComboBox(accessibleName="Show as")
        self.shape.addItem("Ranked bars", BARS)
        self.shape.addItem("Dot plot", DOTS)
        self.anonymise = QCheckBox("Anonymise practices")
        self.anonymise.setToolTip("Show practices as Practice A, B, … on every page, in meeting "
                                  "mode and in exports (Ctrl+Shift+A)")
        self.anonymise.toggled.connect(self.state.set_anonymise)
        for caption, widget in (("Measure", self.metric), ("Period", self.period),
                                ("Show as", self.shape)):
            label = QLabel(caption)
            label.setBuddy(widget)
            row.addWidget(label)
            row.addWidget(widget)
        row.addStretch(1)
        row.addWidget(self.anonymise)
        for combo in (self.metric, self.period, self.shape):
            combo.currentIndexChanged.connect(lambda _i: self.refresh())
        for combo in (self.period, self.shape):
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        return row

    def _export_buttons(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.export_buttons: list[QPushButton] = []
        for caption, slot in (("Copy chart", lambda: export.copy_to_clipboard(self.chart)),
                              ("Save PNG…", lambda: export.ask_and_save(self.chart)),
                              ("Save SVG…", lambda: export.ask_and_save(self.chart, svg=True))):
            button = QPushButton(caption)
            button.setProperty("secondary", True)
            button.clicked.connect(slot)
            row.addWidget(button)
            self.export_buttons.append(button)
        return row

    def choose_metric(self, key: str) -> None:
        self.metric.setCurrentIndex(self.metric.findData(key))

    def use_per_1000(self) -> None:
        key = self.metric.currentData()
        if key in PER_1000:
            self.choose_metric(PER_1000[key])

    def _anonymise_changed(self) -> None:
        self._anonymise_changed_quietly()
        if self.isVisible():
            self.refresh()

    def months(self) -> tuple[str | None, str | None]:
        """The months compared: the range's last month, or the whole range."""
        selection = self.state.selection
        end = selection.end
        if end is None:
            months = queries.data_months(self.state.conn, selection.practices(self.state.conn))
            end = months[-1] if months else None
        return (selection.start, end) if self.period.currentData() == WHOLE else (end, end)

    def refresh(self) -> None:
        self._anonymise_changed_quietly()
        selection = self.state.selection
        key = self.metric.currentData()
        self.per_1000_row.setVisible(key in PER_1000)
        self.per_1000_note.setText(f"{name_of(key)} grows with the list size: practices of "
                                   "different sizes compare fairly per 1,000 patients.")
        if selection is None:
            self.scope_label.setText("Choose a PCN or a practice at the top.")
            self._show(None)
            return
        conn = self.state.conn
        pcn = pcn_for(conn, selection)
        codes = queries.practices_in_pcn(conn, pcn) if pcn else [selection.practice]
        names = practice_names(self.state)
        start, end = self.months()
        self.comparison = compare(conn, codes, key, start, end, names.anonymiser(codes[0]), pcn)
        period = period_text(start, end)
        if pcn:
            self.scope_label.setText(f"{names.pcn_label(pcn)}, {len(codes)} practices · "
                                     f"{period}")
        else:
            self.scope_label.setText(f"{names.label(selection.practice)} is in no PCN · "
                                     f"{period}")
        self._show(self.comparison, f"{name_of(key)} by practice · {period}",
                   self._list_size_gap(key, codes, start, end))

    def _list_size_gap(self, key: str, codes: list[str], start: str | None,
                       end: str | None) -> str | None:
        """Why a per-1,000 figure is blank (no list size on or before a month), if it is."""
        if not key.endswith("_per_1000") or key.startswith(("app_", "online_")):
            return None  # NHS App figures have denominators of their own
        months = [m for m in queries.data_months(self.state.conn, codes)
                  if (start or m) <= m <= (end or m)]
        return missing_list_size(self.state.conn, codes, months)

    def _anonymise_changed_quietly(self) -> None:
        if self.anonymise.isChecked() != self.state.anonymise:
            self.anonymise.blockSignals(True)
            self.anonymise.setChecked(self.state.anonymise)
            self.anonymise.blockSignals(False)

    def _show(self, comparison, title: str = "", gap: str | None = None) -> None:
        has_values = bool(comparison) and any(b.value is not None for b in comparison.bars)
        self.empty.setText(gap or NO_FIGURES)
        self.empty.setVisible(not has_values)
        self.chart.setVisible(has_values)
        for button in self.export_buttons:  # nothing to copy or save without a chart
            button.setEnabled(has_values)
        self.note.setVisible(has_values)
        if not has_values:
            return
        self.chart.set_comparison(comparison, self.shape.currentData(), title)
        key = comparison.key
        if comparison.band:
            self.note.setText(
                f"Shaded: the middle 80% of practices in England (10th to 90th percentile, "
                f"{comparison.band['practices']:,} practices); dotted line: England's median. "
                "Dashed line: the PCN as a whole (counts added up, then divided).")
        elif key in NATIONAL_KEYS:
            self.note.setText("No national figures for this period: import NHS England's "
                              "cloud-based telephony workbook for these months. Dashed line: "
                              "the PCN as a whole.")
        else:
            self.note.setText("Dashed line: the PCN as a whole (counts added up, then divided). "
                              "England's spread is shown where NHS England publishes the figure "
                              "per practice (telephony, online requests and appointments per "
                              "1,000, patients per GP) and its national file is imported.")
        if gap:  # some months or practices have no list size: say so under the chart
            self.note.setText(f"{self.note.text()} {gap}")
