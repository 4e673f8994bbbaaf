"""Overview: one tile per headline measure (latest month, change on the month before, Making Data
Count icons, target); choosing a tile (click, Enter or Space) opens its SPC chart below."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from practice_desk import headline, notes, targets
from practice_desk.metrics import AREAS, CALL_LOG, Reading, spc, telephony
from practice_desk.metrics.definitions import name_of, tooltip
from practice_desk.metrics.keys import format_value, is_share
from practice_desk.telephony.daily import DAILY_KEYS, daily_rows, has_days
from ui import theme
from ui.charts import month_label
from ui.names import PracticeNames
from ui.notes_dialog import NoteEditor, NotesPanel
from ui.pages.base import Page, scope_text, scope_words
from ui.spc_chart import (
    SPCChart,
    describe_assurance,
    describe_needed,
    describe_variation,
    icon_pixmap,
)

COLUMNS = 4
VIEWS = [("month", "By month"), ("weekday", "By working day (Mon–Fri)"), ("day", "By day")]
TILE_STYLE = f"""
QFrame#tile {{ background: white; border: 1px solid #AEB7BD; border-radius: 6px; }}
QFrame#tile[chosen="true"] {{ border: 3px solid {theme.NHS_BLUE}; }}
QFrame#tile:focus {{ border: 3px solid #FFB81C; }}
"""


def format_target(key: str, target: float | None) -> str:
    if target is None:
        return "No target set"
    return f"Target {target:.0%}" if is_share(key) else f"Target {target:,g}"


class MetricTile(QFrame):
    """A headline figure; click, Enter or Space opens its chart."""

    activated = Signal(str)

    def __init__(self, key: str) -> None:
        super().__init__(objectName="tile")
        self.key = key
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setAccessibleName(f"{name_of(key)}: open its chart")
        self.setToolTip(tooltip(key) + "<br><i>Click (or press Enter) for its SPC chart.</i>")
        self.setMinimumHeight(132)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.setSpacing(2)
        self.caption = QLabel(name_of(key), objectName="hint", wordWrap=True)
        top = QHBoxLayout()
        top.setSpacing(6)
        self.value = QLabel("–")
        self.value.setStyleSheet("font-size: 20pt; font-weight: bold; "
                                 f"color: {theme.NHS_DARK_BLUE}; border: none;")
        self.variation_icon = QLabel()
        self.assurance_icon = QLabel()
        top.addWidget(self.value)
        top.addStretch(1)
        top.addWidget(self.variation_icon)
        top.addWidget(self.assurance_icon)
        self.change = QLabel("", wordWrap=True)
        self.meaning = QLabel("", objectName="hint", wordWrap=True)
        self.target = QLabel("", objectName="hint")
        layout.addWidget(self.caption)
        layout.addLayout(top)
        layout.addWidget(self.change)
        layout.addWidget(self.meaning)
        layout.addWidget(self.target)
        layout.addStretch(1)
        for label in (self.caption, self.value, self.change, self.meaning, self.target):
            label.setStyleSheet(label.styleSheet() + " border: none;")
        self.variation: str | None = None
        self.assurance: str | None = None

    def show_figure(self, latest: headline.Latest, chart: spc.Chart | None,
                    target: float | None, why_blank: str = "No data yet") -> None:
        if latest.value is None:
            self.value.setText("–")
            self.change.setText(why_blank)
            self.meaning.setText("")
            self.variation = self.assurance = None
        else:
            self.value.setText(format_value(self.key, latest.value))
            words = headline.format_change(latest)
            if words and latest.previous_month:
                better = latest.better()
                verdict = "" if better is None else (" (better)" if better else " (worse)")
                words = f"{words} on {month_label(latest.previous_month)}{verdict}"
            self.change.setText(f"{month_label(latest.month)}" + (f" · {words}" if words else ""))
            self.variation = chart.variation if chart else None
            self.assurance = chart.assurance if chart else None
            if chart and chart.points_needed:  # too few months for a verdict: say so
                self.meaning.setText(describe_needed(chart.points_needed))
            else:
                self.meaning.setText(describe_variation(self.variation)
                                     + (f". {describe_assurance(self.assurance)}"
                                        if self.assurance else ""))
        ratio = self.devicePixelRatioF() or 1.0
        self.variation_icon.setPixmap(icon_pixmap("variation", self.variation, 34, ratio))
        self.assurance_icon.setPixmap(icon_pixmap("assurance", self.assurance, 34, ratio))
        needed = self.meaning.text() if chart and chart.points_needed else ""
        self.variation_icon.setToolTip(needed or describe_variation(self.variation))
        self.assurance_icon.setToolTip(needed or describe_assurance(self.assurance))
        self.target.setText(format_target(self.key, target))

    def set_chosen(self, chosen: bool) -> None:
        self.setProperty("chosen", chosen)
        self.style().unpolish(self)
        self.style().polish(self)

    def mousePressEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        if event.button() == Qt.MouseButton.LeftButton:
            self.setFocus()
            self.activated.emit(self.key)
        super().mousePressEvent(event)

    def keyPressEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space):
            self.activated.emit(self.key)
            return
        super().keyPressEvent(event)


class OverviewPage(Page):
    title = "Overview"

    def __init__(self, state, parent=None) -> None:
        super().__init__(state, parent)
        self.scope_label = QLabel(objectName="hint")
        self.body.addWidget(self.scope_label)
        self.empty = self.hint("No data for this selection yet. Import NHS England's "
                               "appointments or telephony files (or your call log) on the "
                               "Imports page, or load the demo PCN in Settings.")
        self.content = QWidget()
        self.content.setStyleSheet(TILE_STYLE)
        layout = QVBoxLayout(self.content)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(10)
        grid = QGridLayout()
        grid.setSpacing(10)
        self.tiles: dict[str, MetricTile] = {}
        for number, key in enumerate(headline.HEADLINE_KEYS):
            tile = MetricTile(key)
            tile.activated.connect(self.open_chart)
            self.tiles[key] = tile
            grid.addWidget(tile, number // COLUMNS, number % COLUMNS)
        for column in range(COLUMNS):
            grid.setColumnStretch(column, 1)
        layout.addLayout(grid)
        layout.addLayout(self._chart_header())
        self.chart = SPCChart()
        self.chart.setMinimumHeight(380)
        layout.addWidget(self.chart)
        self.editor = NoteEditor(state, self)
        self.editor.attach(self.chart)
        self.editor.changed.connect(self.refresh)
        self.notes_panel = NotesPanel(self.editor)
        layout.addWidget(self.notes_panel)
        self.body.addWidget(self.content)
        self.body.addStretch(1)
        self.chart_key = headline.HEADLINE_KEYS[0]
        self.rows: list[dict] = []
        self.has_days = False  # whether the selection's call log has days (telephony.daily)
        self.daily: list[dict] | None = None  # and those days, once a chart by day asks
        self.state.targets_changed.connect(self.refresh)

    def _chart_header(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.chart_caption = QLabel(objectName="hint", wordWrap=True)
        row.addWidget(self.chart_caption, 1)
        self.view = QComboBox(accessibleName="Chart by month or by day")
        for value, text in VIEWS:
            self.view.addItem(text, value)
        self.view.setToolTip("Days come from call logs; NHS England's figures are monthly. "
                             "Working days leave out weekends, whose calls differ.")
        self.view.currentIndexChanged.connect(lambda _i: self.show_chart())
        label = QLabel("Show")
        label.setBuddy(self.view)
        row.addWidget(label)
        row.addWidget(self.view)
        return row

    # --- data ---------------------------------------------------------------------------
    def _scope_notes(self, key: str) -> list[notes.Note]:
        return self.editor.notes_for(key)

    def refresh(self) -> None:
        self.read_and_show(anonymise=self.state.anonymise, days=self.view.currentData() != "month")

    def read(self, conn, selection, cancelled, anonymise: bool, days: bool) -> dict | None:
        """The rows (every area the tiles show; not the call-log waits), read once (on a worker
        thread; no widget is touched); the call log's days only for a chart by day."""
        if selection is None:
            return None
        reading = Reading(conn, selection)
        rows = reading.rows(AREAS - {CALL_LOG})
        names = None if selection.area else PracticeNames(conn, anonymise, reading.practices)
        found = has_days(conn, reading.practices, selection.start, selection.end)
        daily = daily_rows(conn, reading.practices, selection.start, selection.end) \
            if found and days and not cancelled() else None
        return {"rows": rows, "has_days": found, "daily": daily,
                "scope": scope_words(conn, selection, names, rows)}

    def draw(self, data: dict | None) -> None:
        self.rows = data["rows"] if data else []
        self.has_days = bool(data and data["has_days"])
        self.daily = data["daily"] if data else None
        self.empty.setVisible(not self.rows)
        self.content.setVisible(bool(self.rows))
        self.scope_label.setText(data["scope"] if data else scope_text(self.state, []))
        if not self.rows:
            return
        for key, tile in self.tiles.items():
            months, values = headline.series(self.rows, key)
            target = targets.get_target(self.state.conn, key)
            analysis = None
            if months:
                points = notes.change_points(self._scope_notes(key), months)
                analysis = spc.analyse(values, headline.improvement(key), target, points)
            tile.show_figure(headline.latest(self.rows, key), analysis, target,
                             self._why_blank(key))
        self.show_chart()

    def _why_blank(self, key: str) -> str:
        """Why a tile has no figure: answered calls whose waits the call log does not hold are
        not 'no data' (the Telephony page says the same above its waits chart)."""
        if key.startswith("answered_wait_") and any(row.get("answered") for row in self.rows):
            return f"Not shown: {telephony.UNKNOWN_WAITS['answered']}."
        return "No data yet"

    def open_chart(self, key: str) -> None:
        """Show `key`'s SPC chart (the tiles call this when chosen)."""
        self.chart_key = key
        self.show_chart()

    def show_chart(self) -> None:
        key = self.chart_key
        for tile_key, tile in self.tiles.items():
            tile.set_chosen(tile_key == key)
        by_day = key in DAILY_KEYS and self.has_days
        self.view.setEnabled(by_day)
        view = self.view.currentData() if by_day else "month"
        if view != "month" and self.daily is None:
            self.refresh()  # the days are read (off the UI thread) for a chart by day
            return
        daily = self.daily
        if view == "month":
            periods, values = headline.series(self.rows, key)
            unit = "month"
        else:
            rows = [r for r in daily if view == "day" or r["weekday"] < 5]
            periods, values = [r["day"] for r in rows], [r[key] for r in rows]
            unit = "working day" if view == "weekday" else "day"
        self.chart.configure(key, f"{name_of(key)} by {unit}")
        self.chart.setAccessibleName(f"{name_of(key)} by {unit}, SPC chart")
        self.chart.set_data(periods, values, headline.improvement(key),
                            targets.get_target(self.state.conn, key), self._scope_notes(key))
        if not periods:
            self.chart_caption.setText(f"<b>{name_of(key)}</b>: no data yet for this selection.")
        else:
            direction = {spc.HIGHER: "higher is better", spc.LOWER: "lower is better"}.get(
                headline.improvement(key) or "", "no better or worse direction")
            self.chart_caption.setText(
                f"<b>{name_of(key)}</b> ({direction}). Mean and process limits (dashed) "
                f"from the first {spc.BASELINE_POINTS} points of each segment; a verdict needs "
                f"{spc.MIN_POINTS} points. Hover a point for its value.")
        self.notes_panel.show_notes(self.chart.notes, key,
                                    f"{periods[-1]}-01" if periods and len(periods[-1]) == 7
                                    else (periods[-1] if periods else None))
