"""Practices side by side: ranked horizontal bars or a dot plot, with the PCN's figure and
England's p10-p90 band where NHS England publishes the measure."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont

from practice_desk.metrics.definitions import name_of
from practice_desk.metrics.keys import LOWER_IS_BETTER, is_share
from practice_desk.reports.comparison import Bar, Comparison
from ui import export, theme

BARS, DOTS = "bars", "dots"


def format_value(key: str, value: float | None) -> str:
    if value is None:
        return "no data"
    if is_share(key):
        return f"{value:.1%}"
    if key.endswith("_s"):
        return f"{value:,.0f} s"
    if isinstance(value, int) or float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:,.1f}"


class ComparisonChart(pg.PlotWidget):
    """One row per practice. `scale` enlarges text, bars and lines (meeting mode)."""

    def __init__(self, title: str = "", scale: float = 1.0, parent=None) -> None:
        super().__init__(parent=parent)
        self.scale = scale
        self.comparison: Comparison | None = None
        self.rows: list[Bar] = []
        self.style = BARS
        self.title = title
        self.setMenuEnabled(False)
        self.setMouseEnabled(x=False, y=False)
        self.hideButtons()
        self.showGrid(x=True, y=False, alpha=0.25)
        self.setMinimumHeight(260)
        font = QFont()
        font.setPointSizeF(10 * scale)
        for axis in ("left", "bottom"):
            self.getAxis(axis).setTickFont(font)
            self.getAxis(axis).setTextPen(theme.NHS_DARK_GREY)
        self.getAxis("left").setStyle(tickLength=0)
        self.getViewBox().invertY(True)
        if title:
            self.setTitle(title, color=theme.NHS_DARK_BLUE, size=f"{13 * scale:g}pt")
        self.scene().sigMouseMoved.connect(self._show_value)
        export.add_export_actions(self)

    def set_comparison(self, comparison: Comparison, style: str = BARS,
                       title: str | None = None) -> None:
        self.clear()
        self.comparison, self.style = comparison, style
        if title is not None:
            self.title = title
            self.setTitle(title, color=theme.NHS_DARK_BLUE, size=f"{13 * self.scale:g}pt")
        key = comparison.key
        self.rows = comparison.ranked(higher_first=key not in LOWER_IS_BETTER)
        unit = 100 if is_share(key) else 1
        values = [(bar.value or 0) * unit for bar in self.rows]
        positions = list(range(len(self.rows)))
        self._draw_band(comparison, unit)
        if style == BARS:
            self.addItem(pg.BarGraphItem(x0=0, y=positions, height=0.62, width=values,
                                         brush=theme.NHS_BLUE, pen=pg.mkPen("w", width=0.5)))
        else:
            for y, value in zip(positions, values, strict=True):  # a faint guide to each dot
                self.plot([0, value], [y, y], pen=pg.mkPen(theme.NHS_PALE_GREY,
                                                           width=1.5 * self.scale))
            shown = [(v, y) for y, (v, bar) in enumerate(zip(values, self.rows, strict=True))
                     if bar.value is not None]
            self.addItem(pg.ScatterPlotItem([v for v, _ in shown], [y for _, y in shown],
                                            size=14 * self.scale, brush=theme.NHS_BLUE,
                                            pen=pg.mkPen("w", width=1.5)))
        font = QFont()
        font.setPointSizeF(10 * self.scale)
        font.setBold(True)
        for y, (value, bar) in enumerate(zip(values, self.rows, strict=True)):
            # On white, above the dashed PCN line: the line passes behind the figure.
            label = pg.TextItem(format_value(key, bar.value), color=theme.NHS_DARK_BLUE,
                                anchor=(0, 0.5), fill=pg.mkBrush(255, 255, 255, 235))
            label.setZValue(20)
            label.setFont(font)
            label.setPos(value, y)
            self.addItem(label)
        self.getAxis("left").setTicks([[(y, bar.label) for y, bar in enumerate(self.rows)]])
        self.getAxis("bottom").setLabel("%" if is_share(key) else "",
                                        **{"font-size": f"{10 * self.scale:g}pt"})
        self._draw_total(comparison, unit)
        highest = [*values, (comparison.total or 0) * unit,
                   ((comparison.band or {}).get("p90") or 0) * unit]
        top = (max(highest) or 1) * 1.22  # room for the value labels
        self.setXRange(0, min(top, 100 * 1.12) if is_share(key) else top, padding=0)
        self._percent_ticks(top if is_share(key) else None)
        self.setYRange(-0.6, max(len(self.rows), 1) - 0.4, padding=0)

    def _percent_ticks(self, top: float | None) -> None:
        """A share's axis is labelled up to 100% at most (the room beyond is for labels)."""
        axis = self.getAxis("bottom")
        if top is None:
            axis.setTicks(None)
            return
        step = next(s for s in (1, 2, 5, 10, 20) if min(top, 100) / s <= 11)
        major = [(v, f"{v:g}") for v in range(0, int(min(top, 100)) + 1, step)]
        axis.setTicks([major])

    def _draw_band(self, comparison: Comparison, unit: float) -> None:
        band = comparison.band
        if not band or band.get("median") is None:
            return
        region = pg.LinearRegionItem((band["p10"] * unit, band["p90"] * unit),
                                     orientation="vertical", movable=False,
                                     brush=pg.mkBrush(theme.BAND_FILL), pen=pg.mkPen(None))
        region.setZValue(-10)
        self.addItem(region)
        median = pg.InfiniteLine(
            band["median"] * unit, angle=90,
            pen=pg.mkPen(theme.NHS_DARK_GREY, width=1.5 * self.scale, style=Qt.PenStyle.DotLine),
            label="England median", labelOpts={"position": 0.02, "color": theme.NHS_DARK_GREY,
                                               "anchors": [(0, 0), (0, 0)]})
        self._label_font(median)
        self.addItem(median)

    def _draw_total(self, comparison: Comparison, unit: float) -> None:
        if comparison.total is None:
            return
        line = pg.InfiniteLine(
            comparison.total * unit, angle=90,
            pen=pg.mkPen(theme.MDC_NEUTRAL, width=2 * self.scale, style=Qt.PenStyle.DashLine),
            label="PCN " + format_value(comparison.key, comparison.total),
            labelOpts={"position": 0.98, "color": theme.MDC_NEUTRAL,
                       "anchors": [(0, 1), (0, 1)]})
        self._label_font(line)
        self.addItem(line)

    def _label_font(self, line: pg.InfiniteLine) -> None:
        font = QFont()
        font.setPointSizeF(9 * self.scale)
        line.label.setFont(font)

    def tooltip_for(self, row: int) -> str:
        bar, comparison = self.rows[row], self.comparison
        key = comparison.key
        text = f"<b>{bar.label}</b>: {name_of(key)} {format_value(key, bar.value)}"
        if comparison.total is not None:
            text += f"<br>PCN: {format_value(key, comparison.total)}"
        band = comparison.band
        if band and band.get("median") is not None:
            low, mid, high = (format_value(key, band[k]) for k in ("p10", "median", "p90"))
            text += f"<br>England: median {mid}, middle 80% of practices {low} to {high}"
        return text

    def _show_value(self, scene_pos) -> None:
        if not self.rows:
            return
        point = self.getPlotItem().vb.mapSceneToView(scene_pos)
        row = round(point.y())
        self.setToolTip(self.tooltip_for(row) if 0 <= row < len(self.rows) else "")
