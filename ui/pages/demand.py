"""Demand and capacity: contacts by channel (calls, online requests, NHS App bookings) beside
appointments given and clinical staff, per 1,000 patients and per FTE, with monthly SPC trends
against England's spread and online requests by weekday x time band against England's."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from practice_desk import headline
from practice_desk.metrics import AREAS, CALL_LOG, Reading, demand
from practice_desk.metrics.definitions import tooltip
from practice_desk.metrics.keys import format_value, is_share
from practice_desk.metrics.list_sizes import missing_list_size
from practice_desk.metrics.national import NATIONAL_KEYS
from practice_desk.metrics.time_bands import calls_in_bands, england_online_bands
from ui.band_chart import BandHeatmap
from ui.charts import month_label
from ui.models import RowsModel, text
from ui.names import PracticeNames
from ui.pages.base import Page, scope_text, scope_words
from ui.spc_chart import SPCChart
from ui.widgets import data_table

# The page's England keys that come from the CBT workbooks (calls per 1,000): their series and
# their bands over any range are worked out in the background (main window) after each import.
NATIONAL_BAND_KEYS = [key for key in demand.ENGLAND_KEYS if key in NATIONAL_KEYS]
TILES = ["contacts_per_1000", "appointments_per_contact", "online_share_of_contacts",
         "patients_per_gp_fte"]
CHART_COLUMNS = 2


def _number(value, digits: int = 1) -> str:
    return "" if value is None else f"{value:,.{digits}f}"


TABLE_COLUMNS = [
    ("Measure", "label", text),
    ("A month\n(average)", "monthly", _number),
    ("Per 1,000 patients\na month", "per_1000", _number),
    ("Per clinical\nFTE a month", "per_fte", _number),
    ("Latest month", "latest_text", text),
    ("England per 1,000 patients\n(median, middle 80%)", "england", text),
]


def england_words(band: dict | None, key: str) -> str:
    if not band:
        return ""
    low, median, high = (format_value(key, band[k]) if is_share(key) else f"{band[k]:,.1f}"
                         for k in ("p10", "median", "p90"))
    return f"{median} ({low} to {high}), {band['practices']:,} practices"


class DemandTile(QWidget):
    """A ratio over the period, with England's spread under it where NHS England publishes it."""

    def __init__(self, key: str) -> None:
        super().__init__()
        self.key = key
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.caption = QLabel(demand.label_of(key), objectName="hint", wordWrap=True)
        self.value = QLabel("–", accessibleName=demand.label_of(key))
        self.value.setStyleSheet("font-size: 20pt; font-weight: bold; color: #003087;")
        self.context = QLabel("", objectName="hint", wordWrap=True)
        for widget in (self.caption, self.value, self.context):
            widget.setToolTip(tooltip(key))
            layout.addWidget(widget)

    def show_value(self, value, context: str) -> None:
        self.value.setText(format_value(self.key, value))
        self.context.setText(context)


class DemandPage(Page):
    title = "Demand and capacity"

    def __init__(self, state, parent=None) -> None:
        super().__init__(state, parent)
        self.scope_label = QLabel(objectName="hint")
        self.body.addWidget(self.scope_label)
        self.hint("How many people ring and ask online, beside the appointments the team gives and "
                  "the clinicians who give them. Calls and online requests overlap (one patient "
                  "may do both): they show pressure, not a count of patients.")
        self.empty = self.hint("No demand or capacity figures for this selection yet: import "
                               "telephony, online consultation, GPAD and workforce files on the "
                               "Imports page.")
        self.content = QWidget()
        layout = QVBoxLayout(self.content)
        layout.setContentsMargins(0, 0, 0, 0)
        self.tiles = {key: DemandTile(key) for key in TILES}
        tiles = QGridLayout()
        for column, tile in enumerate(self.tiles.values()):
            tiles.addWidget(tile, 0, column, Qt.AlignmentFlag.AlignTop)
            tiles.setColumnStretch(column, 1)
        layout.addLayout(tiles)
        self.missing = QLabel(objectName="hint", wordWrap=True)
        layout.addWidget(self.missing)
        layout.addWidget(QLabel("<b>Contacts and capacity</b> (the months selected)"))
        self.model = RowsModel(TABLE_COLUMNS, self)
        self.table = data_table(self.model, "Contacts by channel, appointments and staff")
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setToolTip("Each rate adds the counts of the months that have its "
                              "denominator, then divides (never an average of monthly rates).")
        layout.addWidget(self.table)
        self.england_note = QLabel(objectName="hint", wordWrap=True)
        layout.addWidget(self.england_note)
        layout.addWidget(QLabel("<b>Monthly trends</b> (SPC charts; the shaded band is England's "
                                "middle 80% of practices where NHS England publishes the figure)"))
        self.trend_note = QLabel(objectName="hint", wordWrap=True)
        layout.addWidget(self.trend_note)
        self.grid = QGridLayout()
        layout.addLayout(self.grid)
        self.charts: dict[str, SPCChart] = {}
        for number, key in enumerate(demand.TREND_KEYS):
            chart = SPCChart(f"{demand.label_of(key)} by month")
            chart.configure(key)
            chart.setToolTip(tooltip(key))
            chart.setAccessibleName(f"{demand.label_of(key)} by month")
            self.charts[key] = chart
            self.grid.addWidget(chart, number // CHART_COLUMNS, number % CHART_COLUMNS)
        layout.addLayout(self._bands())
        self.body.addWidget(self.content)
        self.body.addStretch(1)

    def _bands(self) -> QVBoxLayout:
        box = QVBoxLayout()
        box.addWidget(QLabel("<b>When requests come in</b>: share of an average week by weekday "
                             "and time band"))
        self.bands_note = QLabel(objectName="hint", wordWrap=True)
        box.addWidget(self.bands_note)
        row = QHBoxLayout()
        self.england_bands = BandHeatmap("England: online requests", unit="of the week")
        self.england_bands.setToolTip(
            "NHS England's online consultation workbook (Table 3): England's average "
            "submissions per weekday and time band. No practice's own times are published.")
        self.own_bands = BandHeatmap("This selection: calls", unit="of the week")
        self.own_bands.setToolTip("This selection's inbound calls in the same bands, from its "
                                  "call log or NHS England's CBT daily CSVs.")
        for chart in (self.england_bands, self.own_bands):
            chart.setMinimumHeight(280)
            row.addWidget(chart, 1)
        box.addLayout(row)
        return box

    def refresh(self) -> None:
        self.read_and_show(anonymise=self.state.anonymise)

    def read(self, conn, selection, cancelled, anonymise: bool) -> dict | None:
        """Everything the page shows, read once (on a worker thread; no widget is touched)."""
        if selection is None:
            return None
        reading = Reading(conn, selection)
        rows = [row for row in reading.rows(AREAS - {CALL_LOG})
                if any(row.get(key) is not None for key in demand.ANY_KEYS)]
        names = None if selection.area else PracticeNames(conn, anonymise, reading.practices)
        data = {"rows": rows, "scope": scope_words(conn, selection, names, rows)}
        if not rows or cancelled():
            return data
        start, end = rows[0]["month"], rows[-1]["month"]
        summary = reading.period(AREAS - {CALL_LOG}) or {}
        found = demand.figures(conn, selection, rows, reading.practices, summary)
        data["table"] = self._table_rows(conn, found, start, end)
        missing = demand.missing_sources(found)
        notes = ["Not shown for want of data: " + "; ".join(missing) + "."] if missing else []
        gap = missing_list_size(conn, reading.practices, [row["month"] for row in rows])
        data["missing"] = notes + ([gap] if gap else [])  # why per-1,000 is blank, what fills it
        data["tiles"] = {key: (summary.get(key), demand.england_band(conn, key, start, end)
                               if key in demand.ENGLAND_KEYS else None) for key in TILES}
        data["trends"] = {}
        for key in self.charts:
            months, values = headline.series(rows, key)
            if months:
                data["trends"][key] = (months, values, {
                    item["month"]: item for item in demand.england_series(
                        conn, key, months[0], months[-1])})
        england = england_online_bands(conn, start, end)
        data["bands"] = (england, *calls_in_bands(conn, reading.practices, england.bands,
                                                  start, end))
        return data

    def draw(self, data: dict | None) -> None:
        rows = data["rows"] if data else []
        self.scope_label.setText(data["scope"] if data else scope_text(self.state, []))
        self.empty.setVisible(not rows)
        self.content.setVisible(bool(rows))
        if not rows:
            return
        self._show_table(data["table"])
        self._show_tiles(data["tiles"])
        self.missing.setText(" ".join(data["missing"]))
        self.missing.setVisible(bool(data["missing"]))
        self._show_trends(data["trends"])
        self._show_bands(*data["bands"])

    @staticmethod
    def _table_rows(conn, found: list[demand.Figure], start: str, end: str) -> list[dict]:
        table = []
        for figure in found:
            band = None
            per_1000_key = demand.PER_1000_OF.get(figure.key)
            if per_1000_key in demand.ENGLAND_KEYS:
                band = demand.england_band(conn, per_1000_key, start, end)
            latest = ""
            if figure.latest_month:
                shown = format_value(figure.key, figure.latest)
                latest = f"{shown} ({month_label(figure.latest_month)})"
            label = ("    of which " if figure.indent else "") + figure.label
            table.append({**vars(figure), "label": label, "latest_text": latest,
                          "england": england_words(band, per_1000_key or figure.key)})
        return table

    def _show_table(self, table: list[dict]) -> None:
        self.model.set_rows(table)
        header = self.table.horizontalHeader()
        self.table.setFixedHeight(header.sizeHint().height() + sum(
            self.table.rowHeight(i) for i in range(len(table))) + 24)
        self.england_note.setText(
            "" if any(row["england"] for row in table) else
            "England's spread needs NHS England's national files (every practice in England): "
            "the telephony workbook, the GPAD crosstab for all practices with list sizes, the "
            "online consultation workbook.")

    def _show_tiles(self, tiles: dict) -> None:
        for key, tile in self.tiles.items():
            value, band = tiles[key]
            context = f"England: {england_words(band, key)}" if band else ""
            if value is None:
                context = demand.why_missing(key)
            tile.show_value(value, context)

    def _show_trends(self, trends: dict) -> None:
        shown, hidden = 0, []
        for key, chart in self.charts.items():
            if key not in trends:
                chart.hide()
                hidden.append(demand.label_of(key))
                continue
            months, values, england = trends[key]
            chart.set_context(band=[(england[m]["p10"], england[m]["median"], england[m]["p90"])
                                    if m in england else None for m in months])
            chart.set_data(months, values, headline.improvement(key))
            self.grid.addWidget(chart, shown // CHART_COLUMNS, shown % CHART_COLUMNS)
            chart.show()
            shown += 1
        self.trend_note.setText("No monthly figures yet for: " + ", ".join(hidden) + "."
                                if hidden else "")
        self.trend_note.setVisible(bool(hidden))

    def _show_bands(self, england, own, source) -> None:
        percent = "{:.1%}".format
        self.england_bands.setVisible(bool(england.bands))
        self.own_bands.setVisible(bool(source))
        if england.bands:
            self.england_bands.set_values(england.bands, england.shares(), percent)
        if source:
            self.own_bands.set_values(own.bands, own.shares(), percent)
        words = []
        if england.bands:
            words.append(f"England's online requests: {max(england.days)} month(s) of NHS "
                         "England's online consultation workbook (Table 3). NHS England "
                         "publishes these times for England only, not for a practice.")
        else:
            words.append("For England's online requests by weekday and time band, import NHS "
                         "England's online consultation workbook (June 2024 or later: Table 3).")
        if source:
            words.append(f"This selection's calls in the same bands: {source}, "
                         f"{sum(own.days)} days.")
        elif england.bands:
            words.append("For this selection's calls beside them, import a call log or NHS "
                         "England's CBT daily CSVs.")
        self.bands_note.setText(" ".join(words))
