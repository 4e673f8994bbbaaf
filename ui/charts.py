"""pyqtgraph charts of monthly series, and the PNG renderer used by --self-test."""

from __future__ import annotations

import calendar
import math
from pathlib import Path

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont

from ui import export, theme

pg.setConfigOptions(antialias=True, background="w", foreground=theme.NHS_DARK_GREY)


def fixed_plot(widget: pg.PlotWidget, grid_alpha: float = 0.25, min_height: int = 240) -> None:
    """A chart for reading, not exploring: no pan, zoom or menu; readable tick labels."""
    widget.showGrid(x=False, y=True, alpha=grid_alpha)
    widget.setMenuEnabled(False)
    widget.setMouseEnabled(x=False, y=False)
    widget.hideButtons()
    font = QFont()
    font.setPointSize(10)
    for axis in ("left", "bottom"):
        widget.getAxis(axis).setTickFont(font)
    widget.setMinimumHeight(min_height)


def month_label(month: str) -> str:
    """'2025-10' -> 'Oct 25'."""
    year, number = month.split("-")
    return f"{calendar.month_abbr[int(number)]} {year[2:]}"


def day_or_month_label(period: str) -> str:
    """'2025-10' -> 'Oct 25'; '2025-10-06' -> '6 Oct 25'."""
    if len(period) == 7:
        return month_label(period)
    year, month, day = period.split("-")
    return f"{int(day)} {calendar.month_abbr[int(month)]} {year[2:]}"


def period_text(start: str | None, end: str | None) -> str:
    """'Oct 25', or 'Nov 23 to Oct 25' (months or days)."""
    if not end:
        return ""
    if not start or start == end:
        return day_or_month_label(end)
    return f"{day_or_month_label(start)} to {day_or_month_label(end)}"


class MonthlyChart(pg.PlotWidget):
    """One monthly series as a line with points, an optional target line, values on hover."""

    def __init__(self, title: str, as_percent: bool = True, parent=None) -> None:
        super().__init__(parent=parent)
        self.as_percent = as_percent
        self.months: list[str] = []
        self.values: list[float | None] = []
        self.target: float | None = None
        self.setTitle(title, color=theme.NHS_DARK_BLUE, size="13pt")
        fixed_plot(self, grid_alpha=0.25)
        self._line = self.plot([], [], pen=pg.mkPen(theme.NHS_BLUE, width=2.5), symbol="o",
                               symbolSize=8, symbolBrush=theme.NHS_BLUE, symbolPen="w")
        self._target_line = pg.InfiniteLine(
            angle=0, pen=pg.mkPen(theme.MDC_TARGET, width=2, style=Qt.PenStyle.DashLine),
            label="", labelOpts={"position": 0.02, "color": theme.MDC_TARGET,
                                 "anchors": [(0, 1), (0, 1)]})
        self._target_line.hide()
        self.addItem(self._target_line)
        self._band_items: list = []
        self.band: list[tuple[float, float, float] | None] = []
        self.scene().sigMouseMoved.connect(self._show_value)
        export.add_export_actions(self)

    def set_band(self, band: list[tuple[float, float, float] | None]) -> None:
        """National context per month: (p10, median, p90) or None, drawn behind the series."""
        for item in self._band_items:
            self.removeItem(item)
        self._band_items, self.band = [], list(band)
        shown = [(i, b) for i, b in enumerate(band) if b is not None]
        if not shown:
            return
        scale = 100 if self.as_percent else 1
        if len(shown) == 1:  # one month: a short band and median across its point, not nothing
            (index, values), = shown
            shown = [(index - 0.3, values), (index + 0.3, values)]
        xs = [i for i, _ in shown]
        low = pg.PlotCurveItem(xs, [b[0] * scale for _, b in shown], pen=pg.mkPen(None))
        high = pg.PlotCurveItem(xs, [b[2] * scale for _, b in shown], pen=pg.mkPen(None))
        fill = pg.FillBetweenItem(low, high, brush=pg.mkBrush(theme.BAND_FILL))
        median = self.plot(xs, [b[1] * scale for _, b in shown],
                           pen=pg.mkPen(theme.NHS_DARK_GREY, width=1.5, style=Qt.PenStyle.DotLine))
        self.addItem(fill)
        fill.setZValue(-10)
        self._band_items = [fill, median]
        self._show_legend(median)
        self._fit_y()

    def _show_legend(self, median) -> None:
        """What the line, the dotted line and the shaded band are (England's spread)."""
        legend = self.plotItem.legend or self.addLegend(
            offset=(-10, 10), labelTextSize="10pt", brush=pg.mkBrush(255, 255, 255, 220))
        legend.clear()
        band_sample = pg.PlotDataItem([], [], pen=pg.mkPen(None), fillLevel=0,
                                      brush=pg.mkBrush(theme.BAND_FILL))
        for item, name in ((self._line, "This selection"), (median, "England median"),
                           (band_sample, "England, middle 80% of practices")):
            legend.addItem(item, name)

    def set_series(self, months: list[str], values: list[float | None]) -> None:
        self.months, self.values = list(months), list(values)
        shown = [(i, v) for i, v in enumerate(values) if v is not None]
        scale = 100 if self.as_percent else 1
        self._line.setData([i for i, _ in shown], [v * scale for _, v in shown])
        step = max(1, math.ceil(len(months) / 8))  # about eight labels fit without overlap
        ticks = [(i, month_label(m)) for i, m in enumerate(months) if i % step == 0]
        self.getAxis("bottom").setTicks([ticks])
        self.getAxis("left").setLabel("%" if self.as_percent else "")
        self._fit_y()
        self.setXRange(-0.5, max(len(months) - 0.5, 0.5), padding=0)
        self._place_target()

    def set_target(self, target: float | None) -> None:
        self.target = target
        self._place_target()
        self._fit_y()

    def _fit_y(self) -> None:
        """From 0 to a little above the highest value, band or target (at most 100%)."""
        scale = 100 if self.as_percent else 1
        highest = [v for v in self.values if v is not None]
        highest += [b[2] for b in self.band if b is not None]
        if self.target is not None:
            highest.append(self.target)
        top = max(highest, default=1) * scale * 1.15 or 1
        self.setYRange(0, min(top, 100) if self.as_percent else top, padding=0)

    def _place_target(self) -> None:
        if self.target is None:
            self._target_line.hide()
            return
        scale = 100 if self.as_percent else 1
        self._target_line.setValue(self.target * scale)
        self._target_line.label.setFormat(f"Target {self.target * scale:g}%")
        self._target_line.show()

    def _format(self, value: float) -> str:
        return f"{value:.1%}" if self.as_percent else f"{value:,.1f}"

    def _show_value(self, scene_pos) -> None:
        if not self.months:
            return
        point = self.getPlotItem().vb.mapSceneToView(scene_pos)
        index = round(point.x())
        if 0 <= index < len(self.months) and self.values[index] is not None:
            text = f"{month_label(self.months[index])}: {self._format(self.values[index])}"
            band = self.band[index] if index < len(self.band) else None
            if band:
                low, median, high = (self._format(value) for value in band)
                text += f"<br>England: median {median}, middle 80% of practices {low} to {high}"
            self.setToolTip(text)
        else:
            self.setToolTip("")


def render_png(rows: list[dict], path: Path, key: str = "f2f_share") -> None:
    """Draw one monthly chart of `key` to a PNG file (used by the self-test and exports)."""
    from pyqtgraph.exporters import ImageExporter

    chart = MonthlyChart("Face-to-face share" if key == "f2f_share" else key)
    chart.resize(900, 400)
    chart.set_series([row["month"] for row in rows], [row[key] for row in rows])
    exporter = ImageExporter(chart.getPlotItem())
    exporter.parameters()["width"] = 900
    exporter.export(str(path))
    chart.deleteLater()


WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


def _plain_plot(widget: pg.PlotWidget, title: str) -> None:
    widget.setTitle(title, color=theme.NHS_DARK_BLUE, size="13pt")
    widget.setMenuEnabled(False)
    widget.setMouseEnabled(x=False, y=False)
    widget.hideButtons()
    widget.setMinimumHeight(240)
    export.add_export_actions(widget)


class HeatmapChart(pg.PlotWidget):
    """Calls by weekday (rows) and hour of day (columns); a colour-blind-safe sequential scale."""

    def __init__(self, title: str, parent=None) -> None:
        super().__init__(parent=parent)
        _plain_plot(self, title)
        self.counts = [[0] * 24 for _ in WEEKDAYS]
        self.image = pg.ImageItem(axisOrder="row-major")
        colours = pg.colormap.get("viridis")  # perceptually even and colour-blind safe
        self.image.setColorMap(colours)
        self.addItem(self.image)
        # The scale beside the map: how many calls each colour stands for.
        self.scale_bar = pg.ColorBarItem(colorMap=colours, interactive=False, label="Calls",
                                         colorMapMenu=False, width=18)
        self.scale_bar.setImageItem(self.image, insert_in=self.getPlotItem())
        self.getViewBox().invertY(True)
        self.getAxis("bottom").setTicks([[(h + 0.5, f"{h:02d}") for h in range(0, 24, 2)]])
        self.getAxis("left").setTicks([[(i + 0.5, day) for i, day in enumerate(WEEKDAYS)]])
        self.scene().sigMouseMoved.connect(self._show_value)

    def set_counts(self, counts: list[list[int]]) -> None:
        import numpy as np

        self.counts = counts
        data = np.array(counts, dtype=float)
        levels = (0, max(float(data.max()), 1.0))
        self.image.setImage(data, levels=levels)
        self.scale_bar.setLevels(levels)
        self.image.setRect(0, 0, 24, 7)
        self.setXRange(0, 24, padding=0)
        self.setYRange(0, 7, padding=0)

    def _show_value(self, scene_pos) -> None:
        point = self.getPlotItem().vb.mapSceneToView(scene_pos)
        hour, day = int(point.x()), int(point.y())
        if 0 <= hour < 24 and 0 <= day < 7:
            self.setToolTip(f"{WEEKDAYS[day]} {hour:02d}:00–{hour:02d}:59: "
                            f"{self.counts[day][hour]:,} calls")


class StackedBars(pg.PlotWidget):  # also draws grouped (side-by-side) bars
    """Bars per category (e.g. hour of day) split into named parts, with a legend."""

    def __init__(self, title: str, parent=None) -> None:
        super().__init__(parent=parent)
        _plain_plot(self, title)
        self.showGrid(x=False, y=True, alpha=0.25)
        self.legend = self.addLegend(offset=(-10, 10), labelTextSize="10pt")
        self.series: dict[str, list[float]] = {}

    def set_bars(self, labels: list[str], parts: dict[str, list[float]],
                 colours: dict[str, str] | None = None) -> None:
        self.clear()
        self.legend.clear()
        self.series = {name: list(values) for name, values in parts.items()}
        bottom = [0.0] * len(labels)
        for number, (name, values) in enumerate(parts.items()):
            colour = (colours or {}).get(name, theme.SERIES[number % len(theme.SERIES)])
            bars = pg.BarGraphItem(x=list(range(len(labels))), height=values, y0=bottom,
                                   width=0.8, brush=colour, pen=pg.mkPen("w", width=0.5),
                                   name=name)
            self.addItem(bars)  # named items join the legend by themselves
            bottom = [b + v for b, v in zip(bottom, values, strict=True)]
        step = max(1, math.ceil(len(labels) / 12))
        self.getAxis("bottom").setTicks([[(i, t) for i, t in enumerate(labels) if i % step == 0]])
        self.setXRange(-0.6, len(labels) - 0.4, padding=0)

    def set_grouped(self, labels: list[str], parts: dict[str, list[float]],
                    colours: dict[str, str], unit: str = "") -> None:
        """Bars side by side per label, one colour per part (e.g. answered vs missed)."""
        self.clear()
        self.legend.clear()
        self.series = {name: list(values) for name, values in parts.items()}
        width = 0.8 / max(len(parts), 1)
        for number, (name, values) in enumerate(parts.items()):
            xs = [i - 0.4 + width * (number + 0.5) for i in range(len(labels))]
            bars = pg.BarGraphItem(x=xs, height=values, width=width * 0.9, brush=colours[name],
                                   pen=pg.mkPen("w", width=0.5), name=name)
            self.addItem(bars)
        self.getAxis("bottom").setTicks([list(enumerate(labels))])
        self.getAxis("left").setLabel(unit)
        self.setXRange(-0.6, len(labels) - 0.4, padding=0)
