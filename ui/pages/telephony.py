"""Telephony: calls, answered, missed (abandonment), call-backs and 111, against England."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from practice_desk.metrics import TELEPHONY, Reading, telephony
from practice_desk.metrics.definitions import name_of, tooltip
from practice_desk.metrics.keys import format_value, is_share
from practice_desk.metrics.national import NATIONAL_KEYS, national_distribution, national_series
from practice_desk.metrics.time_bands import cbt_weekday_bands
from practice_desk.telephony.aggregates import calls_by_hour_weekday
from ui.band_chart import BandHeatmap
from ui.charts import WEEKDAYS, HeatmapChart, MonthlyChart, StackedBars, month_label
from ui.names import PracticeNames
from ui.pages.base import Page, scope_text, scope_words
from ui.pages.diversions import DiversionLog
from ui.widgets import tile_grid

TILES = ["inbound_calls", "answered_share", "missed_share", "callback_requested",
         "calls_111_core"]
TREND_KEYS = ["missed_share", "answered_share", "ivr_ended_share", "callback_requested_share",
              "answered_wait_lt1m_share", "calls_per_1000"]
# The page's keys with England's spread (tiles and trend band), worked out in the background.
ENGLAND_KEYS = [k for k in dict.fromkeys([*TREND_KEYS, *TILES]) if k in NATIONAL_KEYS]
OUTCOME_COLOURS = {"Answered": "#005EB8", "Ended in IVR": "#E69F00",
                   "Call-back requested": "#009E73", "Missed": "#D55E00"}
NO_HOURS = ("Calls by hour and weekday (the 8am rush) need a call log from your telephony system, "
            "or NHS England's CBT daily CSVs (calls by 2-hour band): the monthly workbook has no "
            "hours.")
BANDS = [("lt1m", "< 1 min"), ("1to2m", "1–2 min"), ("2to5m", "2–5 min"), ("gt5m", "> 5 min")]


class Tile(QWidget):
    """A headline figure for the latest month, with England's spread under it."""

    def __init__(self, key: str) -> None:
        super().__init__()
        self.key = key
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.caption = QLabel(name_of(key), objectName="hint")
        self.value = QLabel("–", accessibleName=name_of(key))
        self.value.setStyleSheet("font-size: 20pt; font-weight: bold; color: #003087;")
        self.context = QLabel("", objectName="hint", wordWrap=True)
        for widget in (self.caption, self.value, self.context):
            widget.setToolTip(tooltip(key))
            layout.addWidget(widget)

    def show_value(self, value, national: dict | None) -> None:
        self.value.setText(format_value(self.key, value))
        if national:
            low, median, high = (self._format(national[k]) for k in ("p10", "median", "p90"))
            self.context.setText(f"England: median {median}, middle 80% of practices "
                                 f"{low} to {high}")
        else:
            self.context.setText("")


    def _format(self, value: float) -> str:
        if is_share(self.key):
            return format_value(self.key, value)
        return f"{value:,.0f}"  # a median count of practices can end in .5


class TelephonyPage(Page):
    title = "Telephony"

    def __init__(self, state, parent=None) -> None:
        super().__init__(state, parent)
        self.scope_label = QLabel(objectName="hint")
        self.body.addWidget(self.scope_label)
        self.empty = self.hint("No telephony data for this selection yet. Import NHS England's "
                               "cloud-based telephony workbook, or your telephony system's call "
                               "log, on the Imports page.")
        self.content = QWidget()
        layout = QVBoxLayout(self.content)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._tiles())
        layout.addLayout(self._trend_and_waits())
        self.diversions = DiversionLog(state)
        layout.addWidget(self.diversions)
        self.body.addWidget(self.content)
        # Hours show whenever there is a call log or CBT daily CSVs, even with no monthly figures.
        self.hours_box = QWidget()
        self.hours_box.setLayout(self._hours())
        self.hours_box.layout().setContentsMargins(0, 0, 0, 0)
        self.body.addWidget(self.hours_box)
        self.body.addStretch(1)
        self._data: dict | None = None  # what the last refresh read

    def _tiles(self) -> QWidget:
        self.tiles = {key: Tile(key) for key in TILES}
        box, self.month_label = tile_grid(self.tiles)
        return box

    def _trend_and_waits(self) -> QHBoxLayout:
        row = QHBoxLayout()
        left = QVBoxLayout()
        self.trend_key = QComboBox(accessibleName="Measure to chart")
        for key in TREND_KEYS:
            self.trend_key.addItem(name_of(key), key)
        self.trend_key.currentIndexChanged.connect(self._trend_chosen)
        chooser = QHBoxLayout()
        label = QLabel("Chart")
        label.setBuddy(self.trend_key)
        chooser.addWidget(label)
        chooser.addWidget(self.trend_key)
        chooser.addStretch(1)
        left.addLayout(chooser)
        self.trend = MonthlyChart("Missed (abandonment) rate by month")
        left.addWidget(self.trend)
        row.addLayout(left, 3)
        right = QVBoxLayout()
        self.waits = StackedBars("How long callers waited (whole period)")
        self.waits.setToolTip(tooltip("answered_wait_lt1m_share") + "<br>" +
                              tooltip("missed_wait_lt1m_share"))
        self.waits_note = QLabel("", objectName="hint", wordWrap=True)  # above: seen first
        self.waits_note.hide()
        right.addWidget(self.waits_note)
        right.addWidget(self.waits, 1)
        row.addLayout(right, 2)
        return row

    def _hours(self) -> QVBoxLayout:
        outer = QVBoxLayout()
        self.hours_note = QLabel(NO_HOURS, objectName="hint", wordWrap=True)
        outer.addWidget(self.hours_note)
        self.bands = BandHeatmap("Inbound calls per day, by weekday and 2-hour band")
        self.bands.setToolTip("NHS England's CBT daily CSVs: inbound calls (CBT001) by 2-hour "
                              "band, averaged over the days of each weekday in the months chosen.")
        self.bands.setAccessibleName("Inbound calls by weekday and 2-hour band (CBT daily)")
        outer.addWidget(self.bands)
        row = QHBoxLayout()
        outer.addLayout(row)
        self.heatmap = HeatmapChart("Inbound calls by weekday and hour")
        row.addWidget(self.heatmap, 1)
        right = QVBoxLayout()
        self.weekday = QComboBox(accessibleName="Weekday")
        self.weekday.addItem("All days", None)
        for number, day in enumerate(WEEKDAYS):
            self.weekday.addItem(day, number)
        self.weekday.currentIndexChanged.connect(lambda _i: self._show_hours())
        right.addWidget(self.weekday, 0, Qt.AlignmentFlag.AlignRight)
        self.by_hour = StackedBars("Outcome by hour of day")
        right.addWidget(self.by_hour)
        row.addLayout(right, 1)
        return outer

    # --- data ---------------------------------------------------------------------------
    def refresh(self) -> None:
        self.read_and_show(trend_key=self.trend_key.currentData(),
                           anonymise=self.state.anonymise)

    def read(self, conn, selection, cancelled, trend_key: str, anonymise: bool) -> dict | None:
        """Everything the page shows, read once (on a worker thread; no widget is touched)."""
        if selection is None:
            return None
        reading = Reading(conn, selection)
        practices = reading.practices
        data = {"hours": calls_by_hour_weekday(conn, practices, selection.start, selection.end),
                "bands": None, "rows": []}
        if not any(any(day) for day in data["hours"]["inbound"]):
            data["bands"] = cbt_weekday_bands(conn, practices, selection.start, selection.end)
        names = PracticeNames(conn, anonymise, practices)
        rows = [row for row in reading.rows({TELEPHONY}) if row["inbound_calls"] is not None]
        data["scope"] = scope_words(conn, selection, names, rows)
        if not rows or cancelled():
            return data
        data["rows"] = rows
        latest = rows[-1]
        # England's spread is of single practices: a PCN's total count is not comparable.
        data["national"] = {key: national_distribution(conn, key, latest["month"])
                            for key in TILES if key in NATIONAL_KEYS
                            and (selection.practice or is_share(key))}
        months = [row["month"] for row in rows]
        data["series"] = {trend_key: national_series(conn, trend_key, months[0], months[-1])}
        # The wait bands from the monthly counts the rows were made of (not read again).
        data["waits"] = telephony.period_totals(conn, practices, selection,
                                                reading.call_counts())
        data["diversions"] = DiversionLog.read(conn, practices, names)
        return data

    def draw(self, data: dict | None) -> None:
        self._data = data
        rows = data["rows"] if data else []
        hours = self._show_hours() if data else False
        self.hours_box.setVisible(hours or bool(rows))  # with figures, its note says what's missing
        self.empty.setVisible(not rows)
        self.content.setVisible(bool(rows))
        self.scope_label.setText(data["scope"] if data else scope_text(self.state, []))
        if not rows:
            return
        self._show_tiles(rows[-1], data["national"])
        self._show_trend()
        self._show_waits(*data["waits"])
        self.diversions.show_rows(data["diversions"])

    def _show_tiles(self, latest: dict, national: dict) -> None:
        self.month_label.setText(f"<b>{month_label(latest['month'])}</b> "
                                 f"(source: {latest['telephony_source']})")
        for key, tile in self.tiles.items():
            tile.show_value(latest[key], national.get(key))

    def _trend_chosen(self) -> None:
        """Another measure: drawn from what was read when England's series of it is there."""
        if self._data and self.trend_key.currentData() in self._data.get("series", {}):
            self._show_trend()
        else:
            self.refresh()

    def _show_trend(self) -> None:
        if not self._data or not self._data["rows"]:
            return
        rows = self._data["rows"]
        key = self.trend_key.currentData()
        self.trend.setTitle(f"{name_of(key)} by month", color="#003087", size="13pt")
        self.trend.as_percent = key.endswith("_share")
        months = [row["month"] for row in rows]
        self.trend.set_series(months, [row[key] for row in rows])
        national = {item["month"]: item for item in self._data["series"][key]}
        self.trend.set_band([(national[m]["p10"], national[m]["median"], national[m]["p90"])
                             if national.get(m, {}).get("median") is not None else None
                             for m in months])

    def _show_waits(self, total: dict | None, sources: set[str]) -> None:
        summary = telephony.values_from_counts(total, sources) if total else {}
        unknown = telephony.unknown_waits(total or {}, sources)
        parts = {name: [100 * (summary.get(f"{outcome}_wait_{b}_share") or 0)
                        for b, _ in BANDS]
                 for name, outcome in (("Answered", "answered"), ("Missed", "missed"))
                 if outcome not in unknown}
        self.waits.set_grouped([label for _, label in BANDS], parts,
                               {"Answered": "#005EB8", "Missed": "#D55E00"}, unit="%")
        # Unknown is not zero: no bars, and why, with what would fill them.
        self.waits_note.setText(" ".join(f"{outcome.capitalize()} waits are not shown: "
                                         f"{telephony.UNKNOWN_WAITS[outcome]}."
                                         for outcome in unknown))
        self.waits_note.setVisible(bool(unknown))

    def _show_hours(self) -> bool:
        """The 8am rush from a call log (by hour) or else CBT daily CSVs (by 2-hour band);
        False when the selection has neither."""
        if not self._data:
            return False
        data, bands = self._data["hours"], self._data["bands"]
        self.heatmap.set_counts(data["inbound"])
        day = self.weekday.currentData()
        days = range(7) if day is None else [day]

        def by_hour(key: str) -> list[int]:
            return [sum(data[key][d][h] for d in days) for h in range(24)]
        self.by_hour.set_bars([f"{h:02d}" for h in range(24)], {
            "Answered": by_hour("answered"), "Ended in IVR": by_hour("ivr_ended"),
            "Call-back requested": by_hour("callback_requested"), "Missed": by_hour("missed")},
            OUTCOME_COLOURS)
        has_calls = any(any(day_counts) for day_counts in data["inbound"])
        self.heatmap.setVisible(has_calls)
        self.by_hour.setVisible(has_calls)
        self.weekday.setVisible(has_calls)
        has_bands = bool(bands and bands.total)
        if has_bands:
            self.bands.set_values(bands.bands, bands.per_day())
        self.bands.setVisible(has_bands)
        self.hours_note.setVisible(not has_calls)
        self.hours_note.setText(NO_HOURS)
        if has_bands:
            self.hours_note.setText(
                f"No call log for this selection: calls by 2-hour band from NHS England's CBT "
                f"daily CSVs, {sum(bands.days)} days. Each cell is the average per day of that "
                "weekday. Import a call log for hour-by-hour outcomes.")
        return has_calls or has_bands
