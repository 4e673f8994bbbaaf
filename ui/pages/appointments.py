"""Appointments (GPAD): face-to-face and two-week shares by month, and the mode x interval mix."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from practice_desk import headline, targets
from practice_desk.importing.labels import INTERVAL_ORDER, MODE_ORDER
from practice_desk.metrics import metric_rows, period_summary
from practice_desk.metrics.appointments import breakdown
from practice_desk.metrics.definitions import name_of, tooltip
from practice_desk.metrics.keys import format_value
from ui.models import RowsModel, percent, text, thousands
from ui.notes_dialog import NoteEditor
from ui.pages.base import Page, scope_text
from ui.spc_chart import SPCChart
from ui.widgets import TargetBox, data_table

CHARTED = ["f2f_share", "within_14_days_share"]
SUMMARY = ["appointments_total", "f2f_share", "within_14_days_share", "dna_rate",
           "appointments_per_1000"]
# Over a range of months a per-1,000 figure is the monthly average.
SUMMARY_CAPTIONS = {"appointments_per_1000": "Per 1,000 patients a month"}
QUALITY = ["unknown_mode_share", "unknown_interval_share", "unmapped_category_share"]


def pivot_breakdown(rows: list[dict]) -> list[dict]:
    """Mode x interval counts as one row per mode, with a total and its share of all."""
    grand = sum(row["appointments"] for row in rows)
    modes = [m for m in MODE_ORDER if any(r["mode"] == m for r in rows)]
    modes += sorted({r["mode"] for r in rows} - set(modes))
    table = []
    for mode in modes:
        line = {"mode": mode, **dict.fromkeys(INTERVAL_ORDER, 0)}
        for row in rows:
            if row["mode"] == mode:
                line[row["interval"]] = line.get(row["interval"], 0) + row["appointments"]
        line["total"] = sum(row["appointments"] for row in rows if row["mode"] == mode)
        line["share"] = line["total"] / grand if grand else None
        table.append(line)
    return table


BREAKDOWN_COLUMNS = [("Mode", "mode", text), *[(i, i, thousands) for i in INTERVAL_ORDER],
                     ("Total", "total", thousands), ("Share", "share", percent)]


class AppointmentsPage(Page):
    title = "Appointments"

    def __init__(self, state, parent=None) -> None:
        super().__init__(state, parent)
        self.scope_label = QLabel(objectName="hint")
        self.body.addWidget(self.scope_label)
        self.empty = self.hint("No appointment data for this selection yet. Import a GPAD "
                               "practice-level crosstab (CSV or zip) on the Imports page.")
        self.content = QWidget()
        layout = QVBoxLayout(self.content)
        layout.setContentsMargins(0, 0, 0, 0)
        self.summary = self._summary_tiles()
        layout.addWidget(self.summary)
        self.charts: dict[str, SPCChart] = {}
        self.notes = NoteEditor(state, self)  # right-click a chart to add or edit a note
        self.notes.changed.connect(self.refresh)
        self.target_boxes: dict[str, TargetBox] = {}
        charts_row = QHBoxLayout()
        for key in CHARTED:
            charts_row.addLayout(self._chart_column(key))
        layout.addLayout(charts_row)
        self.quality = QLabel(objectName="hint", wordWrap=True)
        layout.addWidget(self.quality)
        layout.addWidget(QLabel("<b>Appointments by mode and time from booking</b> "
                                "(whole period selected)"))
        self.breakdown_model = RowsModel(BREAKDOWN_COLUMNS, self)
        self.breakdown_table = data_table(self.breakdown_model,
                                          "Appointments by mode and interval")
        self.breakdown_table.setMinimumHeight(200)
        layout.addWidget(self.breakdown_table)
        self.body.addWidget(self.content)
        self.body.addStretch(1)
        self.state.targets_changed.connect(self._show_targets)

    def _show_targets(self) -> None:
        for key, chart in self.charts.items():
            self.target_boxes[key].load()
            chart.set_target(targets.get_target(self.state.conn, key))

    def _summary_tiles(self) -> QWidget:
        box = QWidget()
        grid = QGridLayout(box)
        grid.setContentsMargins(0, 0, 0, 0)
        self.tiles: dict[str, QLabel] = {}
        for column, key in enumerate(SUMMARY):
            name = QLabel(SUMMARY_CAPTIONS.get(key, name_of(key)), objectName="hint")
            value = QLabel("–", accessibleName=name_of(key))
            value.setStyleSheet("font-size: 20pt; font-weight: bold; color: #003087;")
            for widget in (name, value):
                widget.setToolTip(tooltip(key))
            grid.addWidget(name, 0, column)
            grid.addWidget(value, 1, column)
            self.tiles[key] = value
        return box

    def _chart_column(self, key: str) -> QVBoxLayout:
        column = QVBoxLayout()
        chart = SPCChart(f"{name_of(key)} by month")
        chart.configure(key)
        self.notes.attach(chart)
        chart.setToolTip(tooltip(key))
        chart.setAccessibleName(f"{name_of(key)} by month")
        self.charts[key] = chart
        self.target_boxes[key] = TargetBox(self.state, key)
        column.addWidget(chart)
        column.addWidget(self.target_boxes[key])
        return column

    def refresh(self) -> None:
        selection = self.state.selection
        rows = metric_rows(self.state.conn, selection) if selection else []
        # Months with only telephony or NHS App figures are not appointment months.
        rows = [row for row in rows if row["appointments_total"] is not None]
        self.empty.setVisible(not rows)
        self.content.setVisible(bool(rows))
        self.scope_label.setText(scope_text(self.state, rows))
        if not rows:
            return
        summary = period_summary(self.state.conn, selection)
        for key, label in self.tiles.items():
            label.setText(format_value(key, summary[key]))
        months = [row["month"] for row in rows]
        for key, chart in self.charts.items():
            self.target_boxes[key].load()
            chart.set_data(months, [row[key] for row in rows], headline.improvement(key),
                           targets.get_target(self.state.conn, key), self.notes.notes_for(key))
        self.quality.setText("Data quality over the period: " + "; ".join(
            f"{name_of(key).lower()} {format_value(key, summary[key])}" for key in QUALITY)
            + ". GPAD counts appointments, not demand or workload.")
        self.breakdown_model.set_rows(pivot_breakdown(breakdown(self.state.conn, selection)))
