"""Weekday x time-band heatmap (CBT daily calls, online requests): a colour-blind-safe sequential
scale, the value of each cell on hover and written in the cell when the grid is small."""

from __future__ import annotations

import pyqtgraph as pg

from practice_desk.metrics.time_bands import WEEKDAY_NAMES
from ui import theme


class BandHeatmap(pg.PlotWidget):
    """Rows are weekdays (Monday at the top), columns the bands in time order."""

    def __init__(self, title: str, unit: str = "calls", parent=None) -> None:
        super().__init__(parent=parent)
        self.setTitle(title, color=theme.NHS_DARK_BLUE, size="13pt")
        self.setMenuEnabled(False)
        self.setMouseEnabled(x=False, y=False)
        self.hideButtons()
        self.setMinimumHeight(240)
        self.unit = unit
        self.bands: list[str] = []
        self.values: list[list[float | None]] = []
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setColorMap(pg.colormap.get("viridis"))
        self.addItem(self.image)
        self._texts: list[pg.TextItem] = []
        self.getViewBox().invertY(True)
        self.getAxis("left").setTicks([[(i + 0.5, day) for i, day in enumerate(WEEKDAY_NAMES)]])
        self.scene().sigMouseMoved.connect(self._show_value)

    def set_values(self, bands: list[str], values: list[list[float | None]],
                   formatter=None) -> None:
        """values[weekday][band]; None cells are drawn as the lowest colour and say 'no data'."""
        import numpy as np

        self.bands, self.values = list(bands), [list(row) for row in values]
        self.formatter = formatter or (lambda v: f"{v:,.0f}")
        data = np.array([[v if v is not None else 0.0 for v in row] for row in values] or [[0.0]],
                        dtype=float)
        self.image.setImage(data, levels=(0, max(float(data.max()), 1e-9)))
        self.image.setRect(0, 0, max(len(bands), 1), 7)
        self.getAxis("bottom").setTicks([[(i + 0.5, band.split("-")[0].strip())
                                          for i, band in enumerate(bands)]])
        self.setXRange(0, max(len(bands), 1), padding=0)
        self.setYRange(0, 7, padding=0)
        self._write_cells(data)

    def _write_cells(self, data) -> None:
        for item in self._texts:
            self.removeItem(item)
        self._texts = []
        if len(self.bands) > 12:
            return  # too many cells to write in
        top = float(data.max()) or 1.0
        for day, row in enumerate(self.values):
            for column, value in enumerate(row):
                if value is None:
                    continue
                # Light text on the dark end of viridis, dark text on the light end.
                colour = "w" if value < 0.6 * top else "#212B32"
                item = pg.TextItem(self.formatter(value), color=colour, anchor=(0.5, 0.5))
                item.setPos(column + 0.5, day + 0.5)
                self.addItem(item)
                self._texts.append(item)

    def _show_value(self, scene_pos) -> None:
        point = self.getPlotItem().vb.mapSceneToView(scene_pos)
        column, day = int(point.x()), int(point.y())
        if 0 <= column < len(self.bands) and 0 <= day < 7 and self.values:
            value = self.values[day][column]
            shown = self.formatter(value) if value is not None else "no data"
            self.setToolTip(f"{WEEKDAY_NAMES[day]} {self.bands[column]}: {shown} {self.unit}")
