"""pyqtgraph charts of monthly series, and the PNG renderer used by --self-test."""

from __future__ import annotations

import calendar
import math
from pathlib import Path

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont

from ui import theme

pg.setConfigOptions(antialias=True, background="w", foreground=theme.NHS_DARK_GREY)


def month_label(month: str) -> str:
    """'2025-10' -> 'Oct 25'."""
    year, number = month.split("-")
    return f"{calendar.month_abbr[int(number)]} {year[2:]}"


class MonthlyChart(pg.PlotWidget):
    """One monthly series as a line with points, an optional target line, values on hover."""

    def __init__(self, title: str, as_percent: bool = True, parent=None) -> None:
        super().__init__(parent=parent)
        self.as_percent = as_percent
        self.months: list[str] = []
        self.values: list[float | None] = []
        self.target: float | None = None
        self.setTitle(title, color=theme.NHS_DARK_BLUE, size="13pt")
        self.showGrid(x=False, y=True, alpha=0.25)
        self.setMenuEnabled(False)
        self.setMouseEnabled(x=False, y=False)
        self.hideButtons()
        font = QFont()
        font.setPointSize(10)
        for axis in ("left", "bottom"):
            self.getAxis(axis).setTickFont(font)
        self.setMinimumHeight(240)
        self._line = self.plot([], [], pen=pg.mkPen(theme.NHS_BLUE, width=2.5), symbol="o",
                               symbolSize=8, symbolBrush=theme.NHS_BLUE, symbolPen="w")
        self._target_line = pg.InfiniteLine(
            angle=0, pen=pg.mkPen(theme.MDC_TARGET, width=2, style=Qt.PenStyle.DashLine),
            label="", labelOpts={"position": 0.02, "color": theme.MDC_TARGET,
                                 "anchors": [(0, 1), (0, 1)]})
        self._target_line.hide()
        self.addItem(self._target_line)
        self.scene().sigMouseMoved.connect(self._show_value)

    def set_series(self, months: list[str], values: list[float | None]) -> None:
        self.months, self.values = list(months), list(values)
        shown = [(i, v) for i, v in enumerate(values) if v is not None]
        scale = 100 if self.as_percent else 1
        self._line.setData([i for i, _ in shown], [v * scale for _, v in shown])
        step = max(1, math.ceil(len(months) / 8))  # about eight labels fit without overlap
        ticks = [(i, month_label(m)) for i, m in enumerate(months) if i % step == 0]
        self.getAxis("bottom").setTicks([ticks])
        self.getAxis("left").setLabel("%" if self.as_percent else "")
        if self.as_percent:
            self.setYRange(0, 100, padding=0.02)
        self.setXRange(-0.5, max(len(months) - 0.5, 0.5), padding=0)
        self._place_target()

    def set_target(self, target: float | None) -> None:
        self.target = target
        self._place_target()

    def _place_target(self) -> None:
        if self.target is None:
            self._target_line.hide()
            return
        scale = 100 if self.as_percent else 1
        self._target_line.setValue(self.target * scale)
        self._target_line.label.setFormat(f"Target {self.target * scale:g}%")
        self._target_line.show()

    def _show_value(self, scene_pos) -> None:
        if not self.months:
            return
        point = self.getPlotItem().vb.mapSceneToView(scene_pos)
        index = round(point.x())
        if 0 <= index < len(self.months) and self.values[index] is not None:
            value = self.values[index]
            text = f"{value:.1%}" if self.as_percent else f"{value:,.1f}"
            self.setToolTip(f"{month_label(self.months[index])}: {text}")
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
