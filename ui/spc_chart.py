"""SPC (XmR) charts in the Making Data Count style, with its variation and assurance icons.

`SPCChart` draws one monthly or daily series: the data line, each segment's mean and dashed process
limits (re-based at change points), points coloured *and shaped* by kind (so colour is never the
only cue), the target line, dated intervention notes, the two icons with words under the plot, and
values on hover. It reads no database: a page (or a chart pack) gives it periods, values, target and
notes, and listens to its note_* signals to edit notes. `render_image` draws it off screen.
"""

from __future__ import annotations

import calendar
import math

import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPainterPath, QPen, QPixmap
from PySide6.QtWidgets import QMenu

from practice_desk.metrics import spc
from practice_desk.metrics.keys import is_share
from practice_desk.notes import Note, change_points, note_position
from ui import export, theme
from ui.charts import fixed_plot, month_label

KIND_COLOURS = {
    spc.IMPROVEMENT: theme.MDC_IMPROVEMENT,
    spc.CONCERN: theme.MDC_CONCERN,
    spc.NEUTRAL: theme.MDC_NEUTRAL,
    spc.COMMON: theme.MDC_COMMON,
}
# Shapes carry the kind as well as colours do: up-triangle improvement, square concern, diamond
# neutral, small circle common cause. Special-cause points are larger.
KIND_SYMBOLS = {spc.IMPROVEMENT: "t1", spc.CONCERN: "s", spc.NEUTRAL: "d", spc.COMMON: "o"}
KIND_SIZES = {spc.IMPROVEMENT: 13, spc.CONCERN: 12, spc.NEUTRAL: 12, spc.COMMON: 7}
KIND_GLYPHS = {spc.IMPROVEMENT: "▲", spc.CONCERN: "■", spc.NEUTRAL: "◆", spc.COMMON: "●"}
RULE_WORDS = {"outside": "outside the limits", "shift": "run of 7 on one side of the mean",
              "trend": "7 rising or falling", "two_of_three": "2 of 3 near a limit"}
NOTE_COLOUR = theme.NHS_DARK_BLUE
LINE_COLOUR = "#768692"  # NHS mid grey: the data line between the points
CONTEXT_COLOUR = "#009E73"  # Okabe-Ito bluish green: an area's line (e.g. your sub-ICB)


# --- words and icons ---------------------------------------------------------------------------
def _parse_variation(variation: str | None) -> tuple[str | None, str | None]:
    """('improvement'|'concern'|'neutral'|'common cause'|None, 'high'|'low'|None)."""
    if not variation:
        return None, None
    if variation == spc.COMMON:
        return spc.COMMON, None
    # 'special cause improvement (high)'
    body = variation.removeprefix("special cause ")
    kind, _, side = body.partition(" (")
    return kind, side.rstrip(")") or None


def describe_variation(variation: str | None) -> str:
    kind, side = _parse_variation(variation)
    if kind is None:
        return "No data"
    if kind == spc.COMMON:
        return "Common cause: no sign of change"
    level = "high" if side == "high" else "low"
    if kind == spc.NEUTRAL:
        return f"Special cause: unusually {level} (neither better nor worse)"
    return f"Special cause {kind}: unusually {level}"


def describe_needed(needed: int, unit: str = "month") -> str:
    """Why there is no verdict: how many points there are and how many more it takes."""
    have = spc.MIN_POINTS - needed
    return (f"No verdict yet: {have} of the {spc.MIN_POINTS} points Making Data Count asks for "
            f"({needed} more {unit}{'' if needed == 1 else 's'} needed)")


def describe_assurance(assurance: str | None) -> str:
    return {
        "pass": "Target: will be met consistently",
        "fail": "Target: will be missed unless something changes",
        "inconsistent": "Target: met some months, missed others",
    }.get(assurance or "", "No target set")


def _icon_spec(kind_of_icon: str, value: str | None) -> tuple[str, str, str | None] | None:
    """(colour, letter, arrow 'up'/'down'/None) of an icon; None when there is nothing to show."""
    if kind_of_icon == "variation":
        kind, side = _parse_variation(value)
        if kind is None:
            return None
        if kind == spc.COMMON:
            return theme.MDC_COMMON, "~", None
        return KIND_COLOURS[kind], "H" if side == "high" else "L", \
            "up" if side == "high" else "down"
    return {"pass": (theme.MDC_IMPROVEMENT, "P", None), "fail": (theme.MDC_CONCERN, "F", None),
            "inconsistent": (theme.MDC_COMMON, "?", None)}.get(value or "")


def paint_icon(painter: QPainter, rect: QRectF, kind_of_icon: str, value: str | None) -> bool:
    """Draw a Making Data Count style badge (a ring with a letter, an arrow for a special cause)
    in `rect`; False when there is nothing to draw."""
    spec = _icon_spec(kind_of_icon, value)
    if spec is None:
        return False
    colour, letter, arrow = spec
    side = min(rect.width(), rect.height())
    box = QRectF(rect.center().x() - side / 2, rect.center().y() - side / 2, side, side)
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    ring = max(2.0, side / 12)
    painter.setPen(QPen(QColor(colour), ring))
    painter.setBrush(QColor("white"))
    painter.drawEllipse(box.adjusted(ring / 2, ring / 2, -ring / 2, -ring / 2))
    font = QFont()
    font.setBold(True)
    font.setPixelSize(max(6, round(side * (0.42 if arrow else 0.5))))
    painter.setFont(font)
    painter.setPen(QColor(colour))
    text_box = box.adjusted(0, 0, -side * 0.18 if arrow else 0, 0)
    painter.drawText(text_box, Qt.AlignmentFlag.AlignCenter, letter)
    if arrow:
        x = box.left() + side * 0.74
        top, bottom = box.top() + side * 0.28, box.top() + side * 0.72
        tip, tail = (top, bottom) if arrow == "up" else (bottom, top)
        painter.setPen(QPen(QColor(colour), max(1.5, side / 16)))
        painter.drawLine(QPointF(x, tail), QPointF(x, tip))
        head = side * 0.1
        path = QPainterPath(QPointF(x, tip))
        sign = 1 if arrow == "up" else -1
        path.lineTo(QPointF(x - head, tip + sign * head * 1.3))
        path.lineTo(QPointF(x + head, tip + sign * head * 1.3))
        path.closeSubpath()
        painter.fillPath(path, QColor(colour))
    painter.restore()
    return True


def icon_pixmap(kind_of_icon: str, value: str | None, size: int = 36,
                ratio: float = 1.0) -> QPixmap:
    """The icon as a pixmap (transparent when there is nothing to show), e.g. for a tile."""
    pixmap = QPixmap(QSize(round(size * ratio), round(size * ratio)))
    pixmap.setDevicePixelRatio(ratio)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    paint_icon(painter, QRectF(1, 1, size - 2, size - 2), kind_of_icon, value)
    painter.end()
    return pixmap


def period_label(period: str) -> str:
    """'2025-10' -> 'Oct 25'; '2025-10-06' -> 'Mon 6 Oct 25'."""
    if len(period) == 7:
        return month_label(period)
    year, month, day = (int(part) for part in period.split("-"))
    weekday = calendar.day_abbr[calendar.weekday(year, month, day)]
    return f"{weekday} {day} {calendar.month_abbr[month]} {year % 100:02d}"


def _short_period(period: str) -> str:
    if len(period) == 7:
        return month_label(period)
    _, month, day = (int(part) for part in period.split("-"))
    return f"{day} {calendar.month_abbr[month]}"


class IconStrip(pg.GraphicsWidget):
    """The row under the plot: the variation and assurance icons, each with what it means, and
    the point key. Part of the PlotItem, so it is in every export of the chart."""

    def __init__(self) -> None:
        super().__init__()
        self.variation: str | None = None
        self.assurance: str | None = None
        self.trial = False
        self.needed = ""  # why there is no verdict (too few points); empty when there is one
        self.set_scale(1.0)

    def set_scale(self, factor: float) -> None:
        """Bigger icons and words (meeting mode)."""
        self.factor = factor
        self.icon_size, self.row = round(34 * factor), round(40 * factor)
        self.setMinimumHeight(self.row + 8)
        self.setMaximumHeight(self.row + 8)
        self.update()

    def set_state(self, variation: str | None, assurance: str | None, trial: bool,
                  needed: str = "") -> None:
        self.variation, self.assurance, self.trial = variation, assurance, trial
        self.needed = needed
        self.update()

    def texts(self) -> list[str]:
        """What the strip says, for tests and screen readers."""
        found = [words for _kind, _value, words in self._entries()]
        if self.trial:
            found.append("Trial limits (fewer than 12 points)")
        return found

    def _font(self) -> QFont:
        font = QFont()
        font.setPixelSize(round(13 * self.factor))
        return font

    def _entries(self) -> list[tuple[str, str | None, str]]:
        if self.needed:
            return [("variation", None, self.needed)]
        return [("variation", self.variation, describe_variation(self.variation)),
                ("assurance", self.assurance, describe_assurance(self.assurance))]

    def _entry_width(self, metrics, entry) -> float:
        kind_of_icon, value, words = entry
        icon = self.icon_size + 6 if _icon_spec(kind_of_icon, value) else 0
        return icon + metrics.horizontalAdvance(words) + 22

    def _one_row(self, width: float) -> bool:
        from PySide6.QtGui import QFontMetrics

        metrics = QFontMetrics(self._font())
        return sum(self._entry_width(metrics, e) for e in self._entries()) + 8 <= width

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        """One row of icons when they fit, else one row each (so no words are cut off)."""
        height = self.row + 8 if self._one_row(event.newSize().width()) else 2 * self.row + 8
        if self.maximumHeight() != height:
            self.setMinimumHeight(height)
            self.setMaximumHeight(height)
        super().resizeEvent(event)

    def paint(self, painter: QPainter, *_args) -> None:
        rect = self.boundingRect()
        painter.setFont(self._font())
        one_row = self._one_row(rect.width())
        x, top = rect.left() + 4, rect.top() + 4
        for number, (kind_of_icon, value, words) in enumerate(self._entries()):
            if not one_row and number:
                x, top = rect.left() + 4, top + self.row
            y = top + (self.row - self.icon_size) / 2
            box = QRectF(x, y, self.icon_size, self.icon_size)
            if paint_icon(painter, box, kind_of_icon, value):
                x += self.icon_size + 6
            painter.setPen(QColor("#212B32"))
            width = painter.fontMetrics().horizontalAdvance(words)
            painter.drawText(QRectF(x, top, width + 4, self.row),
                             Qt.AlignmentFlag.AlignVCenter, words)
            x += width + 22
        metrics = painter.fontMetrics()
        items = [(KIND_GLYPHS[k], k, KIND_COLOURS[k]) for k in KIND_COLOURS]
        width = sum(metrics.horizontalAdvance(f"{g} {w}") + 14 for g, w, _ in items)
        if x + width > rect.right():  # the key only where it fits; the icons come first
            return
        x = rect.right() - width
        for glyph, words, colour in items:
            painter.setPen(QColor(colour))
            glyph_width = metrics.horizontalAdvance(glyph + " ")
            painter.drawText(QRectF(x, top, glyph_width + 2, self.row),
                             Qt.AlignmentFlag.AlignVCenter, glyph)
            x += glyph_width
            painter.setPen(QColor(theme.NHS_DARK_GREY))
            word_width = metrics.horizontalAdvance(words)
            painter.drawText(QRectF(x, top, word_width + 2, self.row),
                             Qt.AlignmentFlag.AlignVCenter, words)
            x += word_width + 14


class SPCChart(pg.PlotWidget):
    """One series as an XmR chart. Attributes: `months` (the periods: 'YYYY-MM' or 'YYYY-MM-DD'),
    `values`, `target`, `improvement`, `notes`, `analysis` (spc.Chart) and `change_points`."""

    note_add_requested = Signal(str)    # a day ('YYYY-MM-DD') the user pointed at
    note_edit_requested = Signal(int)   # note id
    note_delete_requested = Signal(int)

    def __init__(self, title: str = "", as_percent: bool = True, parent=None) -> None:
        super().__init__(parent=parent)
        self.as_percent = as_percent
        self.key: str | None = None
        self.months: list[str] = []
        self.values: list[float | None] = []
        self.target: float | None = None
        self.improvement: str | None = None
        self.notes: list[Note] = []
        self.change_points: list[int] = []
        self.analysis: spc.Chart | None = None
        self.spots: list[dict] = []
        self.context: list[float | None] = []   # a comparison line, e.g. the sub-ICB's
        self.context_name = ""
        self.band: list[tuple[float, float, float] | None] = []  # England (p10, median, p90)
        self._context_items: list = []
        self.factor = 1.0  # point and icon size (meeting mode enlarges)
        self.set_title(title)
        fixed_plot(self, grid_alpha=0.2, min_height=300)
        self._line = self.plot([], [], pen=pg.mkPen(LINE_COLOUR, width=2))
        self._points = pg.ScatterPlotItem(pxMode=True)
        self._points.setZValue(10)
        self.addItem(self._points)
        dash = Qt.PenStyle.DashLine
        self._mean_line = self.plot([], [], pen=pg.mkPen(theme.NHS_DARK_GREY, width=1.5),
                                    connect="finite")
        self._upper_line = self.plot([], [], pen=pg.mkPen(theme.NHS_DARK_GREY, width=1.5,
                                                          style=dash), connect="finite")
        self._lower_line = self.plot([], [], pen=pg.mkPen(theme.NHS_DARK_GREY, width=1.5,
                                                          style=dash), connect="finite")
        self._target_line = pg.InfiniteLine(
            angle=0, pen=pg.mkPen(theme.MDC_TARGET, width=2, style=Qt.PenStyle.DashDotLine),
            label="", labelOpts={"position": 0.02, "color": theme.MDC_TARGET,
                                 "anchors": [(0, 1), (0, 1)]})
        self._target_line.hide()
        self.addItem(self._target_line)
        self._labels: list[pg.TextItem] = []
        self._note_items: list[pg.InfiniteLine] = []
        self.icons = IconStrip()
        self.getPlotItem().layout.addItem(self.icons, 4, 1)
        self.scene().sigMouseMoved.connect(self._hover)
        export.add_export_actions(self)  # listed under the note actions of the right-click menu

    # --- configuration ------------------------------------------------------------------
    def set_title(self, title: str) -> None:
        self.title = title
        self.setTitle(title, color=theme.NHS_DARK_BLUE, size="13pt")

    def set_data(self, periods: list[str], values: list[float | None],
                 improvement: str | None = None, target: float | None = None,
                 notes: list[Note] = ()) -> None:
        """Everything at once, drawn once."""
        self.target, self.notes = target, list(notes)
        self.set_series(periods, values, improvement)

    def set_series(self, periods: list[str], values: list[float | None],
                   improvement: str | None = None) -> None:
        """The series (periods oldest first) and which direction is improvement."""
        self.months, self.values = list(periods), list(values)
        self.improvement = improvement
        step = max(1, math.ceil(len(periods) / 8))  # about eight labels fit without overlap
        self.getAxis("bottom").setTicks(
            [[(i, _short_period(p)) for i, p in enumerate(periods) if i % step == 0]])
        self.getAxis("left").setLabel("%" if self.as_percent else "")
        self._redraw()

    def set_target(self, target: float | None) -> None:
        self.target = target
        self._redraw()

    def set_scale(self, factor: float) -> None:
        """Bigger points, icons and words, e.g. for meeting mode (chart_pack.enlarge does the
        axes and lines)."""
        self.factor = factor
        self.icons.set_scale(factor)
        self._redraw()

    def set_notes(self, notes: list[Note]) -> None:
        """Notes to mark; those that re-base set where new limits start."""
        self.notes = list(notes)
        self._redraw()

    def set_context(self, line: list[float | None] | None = None, line_name: str = "",
                    band: list[tuple[float, float, float] | None] | None = None) -> None:
        """Context drawn behind the series, one value per period: a named line (an area's own
        figure) and England's spread as a dotted median in a shaded middle 80 %. Call before
        set_data; an empty call removes them."""
        self.context, self.context_name = list(line or []), line_name
        self.band = list(band or [])

    @property
    def periods(self) -> list[str]:
        return self.months

    def unit(self) -> str:
        """'month' or 'day': what one point is."""
        return "day" if self.months and len(self.months[0]) == 10 else "month"

    # --- drawing ------------------------------------------------------------------------
    def _scale(self) -> float:
        return 100 if self.as_percent else 1

    def _redraw(self) -> None:
        scale = self._scale()
        self.change_points = change_points(self.notes, self.months)
        self.analysis = spc.analyse(self.values, self.improvement, self.target,
                                    self.change_points)
        shown = [p for p in self.analysis.points if p.value is not None]
        self._line.setData([p.index for p in shown], [p.value * scale for p in shown],
                           connect="finite")
        self.spots = [{"pos": (p.index, p.value * scale), "symbol": KIND_SYMBOLS[p.kind],
                       "size": KIND_SIZES[p.kind] * self.factor,
                       "brush": pg.mkBrush(KIND_COLOURS[p.kind]),
                       "pen": pg.mkPen("w" if p.kind == spc.COMMON else theme.NHS_DARK_GREY,
                                       width=1), "data": p.index} for p in shown]
        self._points.setData(self.spots)
        self._draw_context()
        self._draw_limits()
        self._place_target()
        self._draw_notes()
        limits = self.analysis.limits
        needed = self.analysis.points_needed
        self.icons.set_state(self.analysis.variation, self.analysis.assurance,
                             bool(limits and limits.trial),
                             describe_needed(needed, self.unit()) if needed else "")
        self._fit()

    def segments(self) -> list[tuple[int, int, spc.Limits]]:
        """(first index, last index, limits) of each segment with limits."""
        found: list[tuple[int, int, spc.Limits]] = []
        if self.analysis is None:
            return found
        for point in self.analysis.points:
            if point.limits is None:
                continue
            if found and found[-1][2] is point.limits:
                found[-1] = (found[-1][0], point.index, point.limits)
            else:
                found.append((point.index, point.index, point.limits))
        return found

    def _draw_limits(self) -> None:
        scale = self._scale()
        for label in self._labels:
            self.removeItem(label)
        self._labels = []
        lines: dict[str, tuple[list[float], list[float]]] = {
            "mean": ([], []), "upper": ([], []), "lower": ([], [])}
        for first, last, limits in self.segments():
            left, right = first - 0.4, last + 0.4
            for name, (xs, ys) in lines.items():
                value = getattr(limits, name) * scale
                xs += [left, right, math.nan]
                ys += [value, value, math.nan]
            if limits.trial:
                label = pg.TextItem("trial limits", color=theme.NHS_DARK_GREY, anchor=(0, 1))
                label.setPos(left, limits.upper * scale)
                self.addItem(label)
                self._labels.append(label)
        self._mean_line.setData(*lines["mean"], connect="finite")
        self._upper_line.setData(*lines["upper"], connect="finite")
        self._lower_line.setData(*lines["lower"], connect="finite")

    def _draw_context(self) -> None:
        for item in self._context_items:
            self.removeItem(item)
        self._context_items = []
        if self.plotItem.legend is not None:
            self.plotItem.legend.clear()
        scale, entries = self._scale(), []
        band = [(i, b) for i, b in enumerate(self.band[:len(self.months)]) if b is not None]
        if len(band) == 1:  # one month: a short band and median across its point, not nothing
            (index, values), = band
            band = [(index - 0.3, values), (index + 0.3, values)]
        if band:
            xs = [i for i, _ in band]
            low = pg.PlotCurveItem(xs, [b[0] * scale for _, b in band], pen=pg.mkPen(None))
            high = pg.PlotCurveItem(xs, [b[2] * scale for _, b in band], pen=pg.mkPen(None))
            fill = pg.FillBetweenItem(low, high, brush=pg.mkBrush(theme.BAND_FILL))
            fill.setZValue(-10)
            self.addItem(fill)
            median = self.plot(xs, [b[1] * scale for _, b in band], pen=pg.mkPen(
                theme.NHS_DARK_GREY, width=1.5, style=Qt.PenStyle.DotLine))
            sample = pg.PlotDataItem([], [], pen=pg.mkPen(None), fillLevel=0,
                                     brush=pg.mkBrush(theme.BAND_FILL))
            self._context_items += [fill, median]
            entries += [(median, "England median"), (sample, "England, middle 80% of practices")]
        line = [(i, v) for i, v in enumerate(self.context[:len(self.months)]) if v is not None]
        if line:
            item = self.plot([i for i, _ in line], [v * scale for _, v in line],
                             pen=pg.mkPen(CONTEXT_COLOUR, width=2, style=Qt.PenStyle.DashLine),
                             symbol="x", symbolSize=7, symbolPen=CONTEXT_COLOUR)
            self._context_items.append(item)
            entries.append((item, self.context_name))
        if entries:
            legend = self.plotItem.legend or self.addLegend(
                offset=(-10, 10), labelTextSize="9pt", brush=pg.mkBrush(255, 255, 255, 220))
            legend.addItem(self._line, "This selection")
            for item, name in entries:
                legend.addItem(item, name)

    def context_values(self) -> list[float]:
        """Every context value drawn (for the y range)."""
        found = [v for v in self.context[:len(self.months)] if v is not None]
        for b in self.band[:len(self.months)]:
            if b is not None:
                found += [b[0], b[2]]
        return found

    def _place_target(self) -> None:
        if self.target is None:
            self._target_line.hide()
            return
        scale = self._scale()
        self._target_line.setValue(self.target * scale)
        shown = f"{self.target * scale:g}%" if self.as_percent else f"{self.target:,g}"
        self._target_line.label.setFormat(f"Target {shown}")
        self._target_line.show()

    def _draw_notes(self) -> None:
        for item in self._note_items:
            self.removeItem(item)
        self._note_items = []
        for note in self.notes:
            x = note_position(note.day, self.months)
            if x is None:
                continue
            pen = pg.mkPen(NOTE_COLOUR, width=2.5 if note.rebase else 1.5,
                           style=Qt.PenStyle.SolidLine if note.rebase else Qt.PenStyle.DotLine)
            # Labels run right of the marker, or left of it near the right edge.
            anchor = (1, 0) if x > 0.7 * len(self.months) else (0, 0)
            marker = pg.InfiniteLine(pos=x, angle=90, pen=pen, label=_short_note_label(note),
                                     labelOpts={"position": 0.97, "color": NOTE_COLOUR,
                                                "anchors": [anchor, anchor]})
            marker.note = note
            self.addItem(marker)
            self._note_items.append(marker)

    def _fit(self) -> None:
        scale = self._scale()
        ys = [v * scale for v in self.values if v is not None]
        for _first, _last, limits in self.segments():
            ys += [limits.upper * scale, limits.lower * scale]
        if self.target is not None:
            ys.append(self.target * scale)
        ys += [v * scale for v in self.context_values()]
        if not ys:
            self.setYRange(0, 1)
            return
        low, high = min(ys), max(ys)
        pad = (high - low) * 0.12 or abs(high) * 0.1 or 1
        low, high = low - pad, high + pad * 1.6  # room above for the note labels
        if min((v for v in self.values if v is not None), default=0) >= 0:
            low = max(low, 0)
        if self.as_percent:
            high = min(high, 100 + pad)
        self.setYRange(low, high, padding=0)
        self.setXRange(-0.6, max(len(self.months) - 0.4, 0.6), padding=0)

    # --- hover, notes menu, images ------------------------------------------------------
    def format_value(self, value: float) -> str:
        if self.as_percent:
            return f"{value:.1%}"
        return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"

    def describe_point(self, index: int) -> str:
        """Hover text of a point: period, value, what SPC says, and notes in that period."""
        point = self.analysis.points[index] if self.analysis else None
        if point is None or point.value is None:
            return ""
        text = f"<b>{period_label(self.months[index])}</b>: {self.format_value(point.value)}"
        if point.special:
            rules = ", ".join(RULE_WORDS[r] for r in sorted(point.rules))
            text += f"<br>Special cause ({point.kind}): {rules}"
        else:
            text += "<br>Common cause"
        if point.limits:
            limits = point.limits
            text += (f"<br>Mean {self.format_value(limits.mean)}, limits "
                     f"{self.format_value(limits.lower)} to {self.format_value(limits.upper)}"
                     + (" (trial)" if limits.trial else ""))
        return text

    def note_at(self, x: float, tolerance: float = 0.3) -> Note | None:
        best = None
        for note in self.notes:
            position = note_position(note.day, self.months)
            if position is not None and abs(position - x) <= tolerance:
                if best is None or abs(position - x) < abs(best[0] - x):
                    best = (position, note)
        return best[1] if best else None

    def _hover(self, scene_pos) -> None:
        if not self.months:
            return
        x = self.getPlotItem().vb.mapSceneToView(scene_pos).x()
        note = self.note_at(x)
        index = round(x)
        parts = []
        if note is not None:
            parts.append(note_tooltip(note))
        if 0 <= index < len(self.months):
            parts.append(self.describe_point(index))
        self.setToolTip("<br><br>".join(p for p in parts if p))

    def day_at(self, x: float) -> str | None:
        """The day a click at x points to: the period's own day, or the 1st of its month."""
        if not self.months:
            return None
        index = min(max(round(x), 0), len(self.months) - 1)
        period = self.months[index]
        return period if len(period) == 10 else f"{period}-01"

    def note_menu(self, x: float) -> QMenu:
        """The right-click menu at x (view coordinates): add a note there, edit or delete the
        note under the pointer."""
        menu = QMenu(self)
        day = self.day_at(x)
        if day is not None:
            shown = period_label(day if len(self.months[0]) == 10 else day[:7])
            menu.addAction(f"Add a note for {shown}…",
                           lambda: self.note_add_requested.emit(day))
        note = self.note_at(x)
        if note is not None:
            menu.addAction(f"Edit note of {period_label(note.day)}…",
                           lambda: self.note_edit_requested.emit(note.id))
            menu.addAction("Delete this note", lambda: self.note_delete_requested.emit(note.id))
        if menu.actions():
            menu.addSeparator()
        menu.addActions([a for a in self.actions() if a.property("export")])
        return menu

    def contextMenuEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        x = self.getPlotItem().vb.mapSceneToView(self.mapToScene(event.pos())).x()
        menu = self.note_menu(x)
        if menu.actions():
            menu.exec(event.globalPos())
        event.accept()

    def render_image(self, width: int = 1200, height: int = 600, ratio: float = 1.0) -> QImage:
        """The chart drawn off screen at width x height (logical pixels) and a device pixel ratio
        (2.0 for sharp slides), on white, as it is titled on screen."""
        image = export.render_image(self, round(width * ratio), round(height * ratio), ratio)
        image.setDevicePixelRatio(ratio)
        return image

    def configure(self, key: str, title: str | None = None) -> None:
        """Percent or count axis for a metric key, and an optional title."""
        self.key = key
        self.as_percent = is_share(key)
        if title is not None:
            self.set_title(title)


def _short_note_label(note: Note) -> str:
    text = note.text if len(note.text) <= 22 else note.text[:21] + "…"
    return ("↻ " if note.rebase else "✎ ") + text


def note_tooltip(note: Note) -> str:
    from html import escape

    extra = "<br><i>The limits are re-based here.</i>" if note.rebase else ""
    return f"<b>Note, {period_label(note.day)}</b>: {escape(note.text)}{extra}"

