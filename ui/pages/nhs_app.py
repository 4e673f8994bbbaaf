"""NHS App and online access: monthly trends, per-1,000 across the PCN, year-to-date change,
and the national ambitions as context."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from local_db import queries
from practice_desk.metrics import metric_rows
from practice_desk.metrics import nhs_app as app_metrics
from practice_desk.metrics.definitions import name_of, tooltip
from practice_desk.metrics.keys import APP_BASE_KEYS, format_value
from ui import theme
from ui.charts import MonthlyChart, StackedBars, month_label
from ui.models import RowsModel, text, thousands
from ui.names import practice_names
from ui.pages.base import Page, scope_text
from ui.widgets import data_table, tile_grid

TILES = ["app_logins", "app_record_views", "app_prescriptions_ordered", "app_appointments_booked",
         "app_registrations_total", "online_prescriptions_ordered"]
TREND_KEYS = [*APP_BASE_KEYS, *[f"{key}_per_1000" for key in APP_BASE_KEYS]]
COMPARE_KEYS = [f"{key}_per_1000" for key in APP_BASE_KEYS]
AMBITION_TEXT = (
    "<b>National ambitions</b> (England, delivery plan for recovering access to primary care "
    "2024/25, by March 2025): record views in the NHS App from 9.9 million to <b>15 million a "
    "month</b>; repeat prescriptions ordered through the App from 2.7 million to <b>3.5 million a "
    "month</b>. They are England totals: a practice's share of them depends on its size, so they "
    "are context, not a practice target.")
# England's measure (published NHS App statistics) -> chart title, first one with figures shown
NATIONAL_CHARTS = {"prescriptions_ordered": "England: repeat prescriptions ordered in the App",
                   "record_views": "England: record views in the App"}


def percent_change(value) -> str:
    return f"{value:+.0%}"


YTD_COLUMNS = [("Measure", "name", text), ("Months", "months", text),
               ("This year to date", "this_year", thousands),
               ("Same months a year earlier", "last_year", thousands),
               ("Change", "change", percent_change)]


class AppTile(QWidget):
    """A figure for the latest month, with its rate per 1,000 and year-to-date change under it."""

    def __init__(self, key: str) -> None:
        super().__init__()
        self.key = key
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.caption = QLabel(name_of(key), objectName="hint", wordWrap=True)
        self.value = QLabel("–", accessibleName=name_of(key))
        self.value.setStyleSheet(
            f"font-size: 20pt; font-weight: bold; color: {theme.NHS_DARK_BLUE};")
        self.context = QLabel("", objectName="hint", wordWrap=True)
        for widget in (self.caption, self.value, self.context):
            widget.setToolTip(tooltip(key))
            layout.addWidget(widget)

    def show_row(self, row: dict) -> None:
        self.value.setText(format_value(self.key, row.get(self.key)))
        rate = row.get(f"{self.key}_per_1000")
        change = row.get(f"{self.key}_ytd_change")
        parts = [f"{rate:,.1f} per 1,000" if rate is not None else "per 1,000: –",
                 f"{change:+.0%} year to date" if change is not None else "year to date: –"]
        self.context.setText(" · ".join(parts))
        if self.key == "app_record_views":
            self.caption.setText(record_views_caption(row.get("app_record_views_basis")))


def record_views_caption(basis: str | None) -> str:
    """'Record views', or what is counted instead when not every practice has record views
    (never 'Record views (record views)')."""
    if basis and basis != app_metrics.BASIS_VIEWS:
        return f"{name_of('app_record_views')}: counted as {basis}"
    return name_of("app_record_views")


class NhsAppPage(Page):
    title = "NHS App"

    def __init__(self, state, parent=None) -> None:
        super().__init__(state, parent)
        self.scope_label = QLabel(objectName="hint")
        self.body.addWidget(self.scope_label)
        self.empty = self.hint(
            "No NHS App or online access figures for this selection yet. Import an NHS App "
            "dashboard export (CSV or Excel), POMI patient online files, or NHS England's NHS App "
            "statistics on the Imports page.")
        self.content = QWidget()
        layout = QVBoxLayout(self.content)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._tiles())
        self.denominator = QLabel(objectName="hint", wordWrap=True)
        layout.addWidget(self.denominator)
        layout.addLayout(self._trend_and_comparison())
        layout.addWidget(QLabel("<b>Year to date against the same months a year earlier</b>"))
        self.ytd_model = RowsModel(YTD_COLUMNS, self)
        self.ytd_table = data_table(self.ytd_model, "Year-to-date change")
        self.ytd_table.setMinimumHeight(330)
        layout.addWidget(self.ytd_table)
        self.ambitions = QLabel(AMBITION_TEXT, objectName="hint", wordWrap=True)
        layout.addWidget(self.ambitions)
        self.national = MonthlyChart(NATIONAL_CHARTS["prescriptions_ordered"], as_percent=False)
        self.national.setMaximumHeight(260)
        self.national.setProperty("exportWho", "England")  # an export's subtitle: not the PCN
        axis = self.national.getAxis("left")
        axis.enableAutoSIPrefix(False)
        axis.setScale(1e-6)  # millions a month
        axis.setLabel("million")
        axis.setWidth(70)
        layout.addWidget(self.national)
        self._ambition_lines: list = []
        self.body.addWidget(self.content)
        self.body.addStretch(1)

    def _tiles(self) -> QWidget:
        self.tiles = {key: AppTile(key) for key in TILES}
        box, self.month_label = tile_grid(self.tiles)
        return box

    def _chooser(self, label_text: str, keys: list[str],
                 name: str) -> tuple[QHBoxLayout, QComboBox]:
        combo = QComboBox(accessibleName=name)
        for key in keys:
            combo.addItem(name_of(key), key)
        combo.currentIndexChanged.connect(lambda _i: self.refresh())
        row = QHBoxLayout()
        label = QLabel(label_text)
        label.setBuddy(combo)
        row.addWidget(label)
        row.addWidget(combo)
        row.addStretch(1)
        return row, combo

    def _trend_and_comparison(self) -> QHBoxLayout:
        row = QHBoxLayout()
        left = QVBoxLayout()
        chooser, self.trend_key = self._chooser("Chart", TREND_KEYS, "Measure to chart")
        left.addLayout(chooser)
        self.trend = MonthlyChart("NHS App logins by month", as_percent=False)
        self.trend.getAxis("left").setWidth(64)  # room for five-figure counts
        left.addWidget(self.trend)
        row.addLayout(left, 3)
        right = QVBoxLayout()
        chooser, self.compare_key = self._chooser("Compare", COMPARE_KEYS,
                                                  "Measure to compare across the PCN")
        self.compare_key.setCurrentIndex(COMPARE_KEYS.index("app_logins_per_1000"))
        right.addLayout(chooser)
        self.comparison = StackedBars("Per 1,000 patients across the PCN's practices")
        right.addWidget(self.comparison)
        self.comparison_note = QLabel(objectName="hint", wordWrap=True)
        right.addWidget(self.comparison_note)
        row.addLayout(right, 2)
        return row

    # --- data ---------------------------------------------------------------------------
    def refresh(self) -> None:
        selection = self.state.selection
        rows = metric_rows(self.state.conn, selection) if selection else []
        rows = [row for row in rows
                if any(row.get(key) is not None for key in APP_BASE_KEYS)]
        self.empty.setVisible(not rows)
        self.content.setVisible(bool(rows))
        self.scope_label.setText(scope_text(self.state, rows))
        if not rows:
            return
        latest = rows[-1]
        self.month_label.setText(f"<b>{month_label(latest['month'])}</b>")
        for tile in self.tiles.values():
            tile.show_row(latest)
        self._show_denominators(latest)
        self._show_trend(rows)
        self._show_comparison(latest["month"])
        self._show_ytd(latest["month"])
        self._show_national(rows)

    def _show_denominators(self, latest: dict) -> None:
        parts = []
        if latest.get("app_denominator"):
            parts.append(f"NHS App figures per 1,000: ÷ {latest['app_denominator']}")
        if latest.get("online_denominator"):
            parts.append(f"POMI figures per 1,000: ÷ {latest['online_denominator']}")
        self.denominator.setText("; ".join(parts) + ("." if parts else ""))

    def _show_trend(self, rows: list[dict]) -> None:
        key = self.trend_key.currentData()
        self.trend.setTitle(f"{name_of(key)} by month", color=theme.NHS_DARK_BLUE, size="13pt")
        self.trend.set_series([row["month"] for row in rows], [row.get(key) for row in rows])

    def _pcn_practices(self) -> tuple[str | None, list[str]]:
        selection = self.state.selection
        conn = self.state.conn
        pcn = selection.pcn
        if pcn is None:
            practice = queries.get_practice(conn, selection.practice) or {}
            pcn = practice.get("pcn_code")
        if not pcn:
            return None, [selection.practice] if selection.practice else []
        return pcn, queries.practices_in_pcn(conn, pcn)

    def _show_comparison(self, month: str) -> None:
        key = self.compare_key.currentData()
        pcn, practices = self._pcn_practices()
        values = app_metrics.practice_comparison(self.state.conn, practices, key, month)
        names = practice_names(self.state)  # 'Practice A', ... when anonymised
        labels = [names.scrub(code) for code, _ in values]
        heights = [value or 0.0 for _, value in values]
        self.comparison.set_grouped(labels, {name_of(key): heights},
                                    {name_of(key): theme.NHS_BLUE}, unit="per 1,000")
        self.comparison.legend.clear()  # one series: the title says what it is
        self.comparison.setTitle(f"{name_of(key)}, by practice", color=theme.NHS_DARK_BLUE,
                                 size="12pt")
        missing = [names.scrub(code) for code, value in values if value is None]
        where = (f"the practices of {names.pcn_label(pcn)}" if pcn
                 else "this practice (no PCN on record)")
        note = f"{month_label(month)}, {where}."
        if missing:
            note += f" No figure for {', '.join(missing)} (shown as an empty bar)."
        self.comparison_note.setText(note)
        self.comparison_values = values

    def _show_ytd(self, month: str) -> None:
        practices = self.state.selection.practices(self.state.conn)
        table = app_metrics.ytd_table(self.state.conn, practices, month)
        for line in table:
            line["name"] = name_of(line["key"])
            start, end = line["months"].split("..")
            line["months"] = (month_label(start) if start == end
                              else f"{month_label(start)} to {month_label(end)}")
        self.ytd_model.set_rows(table)

    def _show_national(self, rows: list[dict]) -> None:
        for item in self._ambition_lines:
            self.national.removeItem(item)
        self._ambition_lines = []
        conn = self.state.conn
        for measure in NATIONAL_CHARTS:
            series = app_metrics.national_series(conn, measure)
            if any(value is not None for value in series.values()):
                break
        else:
            self.national.hide()
            return
        months = sorted(series)
        self.national.setTitle(NATIONAL_CHARTS[measure], color=theme.NHS_DARK_BLUE, size="13pt")
        self.national.set_series(months, [series[m] for m in months])
        start, ambition = app_metrics.AMBITIONS[measure]
        for value, label in ((start, f"2023/24: {start / 1e6:g} m"),
                             (ambition, f"Ambition: {ambition / 1e6:g} m a month")):
            line = pg.InfiniteLine(pos=value, angle=0, label=label,
                                   pen=pg.mkPen(theme.MDC_TARGET, width=2,
                                                style=Qt.PenStyle.DashLine),
                                   labelOpts={"position": 0.05, "color": theme.MDC_TARGET,
                                              "anchors": [(0, 1), (0, 1)]})
            self.national.addItem(line)
            self._ambition_lines.append(line)
        top = max([v for v in series.values() if v is not None] + [ambition])
        self.national.setYRange(0, top * 1.15, padding=0)
        self.national.show()
