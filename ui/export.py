"""Any chart to a PNG (chosen pixel size, high DPI), an SVG, or the clipboard, as on screen and
with a caption: the chart's title and a subtitle naming the practice or PCN and the period.

The chart is laid out at the size asked for divided by the sharpness (device pixel ratio), then
its scene is drawn to fill an image of exactly the size asked for: at 2x a 1920 x 1080 PNG holds a
chart laid out at 960 x 540 with every line and letter drawn at twice the detail, so text stays
readable on a slide. A chart is never laid out smaller than 800 x 450 (a smaller image draws it at
less detail), so its labels and axes always fit. A chart on screen is resized for the moment of
drawing, then put back. An SVG is laid out like a 2x PNG and scaled to fill its canvas.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QPoint, QRect, QRectF, QSize, Qt
from PySide6.QtGui import (
    QAction,
    QColor,
    QGuiApplication,
    QImage,
    QPainter,
    QPicture,
    QRegion,
)
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGraphicsItem,
    QSpinBox,
    QWidget,
)

SIZES = [("Slide, 1920 × 1080", (1920, 1080)), ("Document, 1600 × 900", (1600, 900)),
         ("Small, 1200 × 675", (1200, 675)), ("Thumbnail, 800 × 450", (800, 450)),
         ("Square, 1200 × 1200", (1200, 1200))]
SHARPNESS = [("High DPI (2×)", 2.0), ("Very high DPI (3×)", 3.0), ("Standard (1×)", 1.0)]
SMALLEST_LAYOUT = (800, 450)  # logical pixels: below this, titles and axis labels crowd out
SVG_SCALE = 2.0
NHS_DARK_BLUE, DARK_GREY = "#003087", "#425563"
BIGGEST = 16777215  # QWIDGETSIZE_MAX


@dataclass(frozen=True)
class Caption:
    """What an exported chart says above it, and the file name offered for it."""
    title: str
    subtitle: str = ""

    @property
    def stem(self) -> str:
        """'missed-abandonment-rate-by-month_demo-pcn-dem01_nov-23-to-oct-25'."""
        parts = [_slug(self.title), *(_slug(part) for part in self.subtitle.split(" · "))]
        return "_".join(part for part in parts if part)[:120] or "chart"


def _slug(text: str) -> str:
    words = "".join(ch if ch.isalnum() else " " for ch in text.lower()).split()
    return "-".join(words)


def layout_scale(width: int, height: int, scale: float, text_scale: float = 1.0) -> float:
    """The sharpness actually used: `scale`, or less where the layout would be too small (for a
    chart with larger text, e.g. meeting mode's, in proportion)."""
    smallest_width, smallest_height = (side * text_scale for side in SMALLEST_LAYOUT)
    return max(0.25, min(scale, width / smallest_width, height / smallest_height))


def _text_scale(widget: QWidget) -> float:
    return float(widget.property("textScale") or 1.0)


def _plot_item(widget: QWidget):
    import pyqtgraph as pg

    return widget.getPlotItem() if isinstance(widget, pg.PlotWidget) else None


def _relayout(widget: QWidget) -> None:
    """What a shown pyqtgraph view does on a resize, done now (also for a hidden widget)."""
    import pyqtgraph as pg

    if isinstance(widget, pg.GraphicsView):
        pg.GraphicsView.resizeEvent(widget, None)
    item = _plot_item(widget)
    if item is not None:
        for _ in range(2):  # a row that changes height on a new width needs a second pass
            item.layout.invalidate()
            item.layout.activate()


def _warm_up(widget: QWidget, width: int, height: int) -> None:
    """Draw once where no one sees it: axes widen to their longest tick label as they paint, so a
    chart never shown on screen (a chart pack's) gets its labels on the second drawing."""
    if _plot_item(widget) is None:
        return
    scratch = QImage(max(1, width), max(1, height), QImage.Format.Format_ARGB32)
    painter = QPainter(scratch)
    area = QRectF(0, 0, width, height)
    widget.scene().render(painter, area, area)
    painter.end()
    _relayout(widget)


@contextmanager
def laid_out(widget: QWidget, width: int, height: int):
    """The widget at width x height (logical pixels) for the duration, then as it was."""
    old = widget.size()
    minimum, maximum = widget.minimumSize(), widget.maximumSize()
    widget.setMinimumSize(0, 0)
    widget.setMaximumSize(BIGGEST, BIGGEST)
    widget.resize(width, height)
    _relayout(widget)
    _warm_up(widget, width, height)
    try:
        yield widget
    finally:
        widget.setMinimumSize(minimum)
        widget.setMaximumSize(maximum)
        widget.resize(old)
        _relayout(widget)


def caption_for(widget: QWidget) -> Caption:
    """The chart's title (its `exportTitle` property, else the title shown) and a subtitle (its
    `exportSubtitle` property, else whose figures they are - its `exportWho` property or the
    window's selection - and the chart's period)."""
    title = widget.property("exportTitle") or _shown_title(widget) or widget.accessibleName()
    subtitle = widget.property("exportSubtitle")
    if subtitle is None:
        subtitle = _subtitle_from_window(widget)
    title = title or "Chart"
    period = subtitle.rsplit(" · ", 1)[-1] if subtitle else ""
    if period and title.endswith(f" · {period}"):  # said once, in the subtitle
        title = title.removesuffix(f" · {period}")
    return Caption(title, subtitle or "")


def _shown_title(widget: QWidget) -> str:
    item = _plot_item(widget)
    if item is None or not item.titleLabel.isVisible():
        return ""
    return " ".join(item.titleLabel.item.toPlainText().split())


def _subtitle_from_window(widget: QWidget) -> str:
    state = getattr(widget.window(), "state", None)
    if state is None or state.selection is None:
        return ""
    from ui.charts import period_text
    from ui.pages.base import scope_text

    who = widget.property("exportWho") or scope_text(state, [])  # e.g. "England"
    if state.selection.pcn and not widget.property("exportWho"):
        who = who.rsplit(", ", 1)[0]  # 'NAME (CODE), 5 practices': the count is not needed
    comparison = getattr(widget, "comparison", None)
    periods = getattr(widget, "months", None)
    if comparison is not None:
        period = period_text(comparison.start, comparison.end)
    elif periods:
        period = period_text(periods[0], periods[-1])
    else:
        period = _selection_period(state)
    return " · ".join(part for part in (who, period) if part)


def _selection_period(state) -> str:
    from local_db import queries
    from ui.charts import period_text

    selection = state.selection
    start, end = selection.start, selection.end
    if start is None or end is None:
        months = queries.data_months(state.conn, selection.practices(state.conn))
        start, end = start or (months[0] if months else None), end or (months[-1] if months
                                                                       else None)
    return period_text(start, end)


def caption_html(caption: Caption, size: float = 13) -> str:
    """Title over a smaller grey subtitle, as the plot title shows them."""
    from html import escape

    text = escape(caption.title)
    if caption.subtitle:
        text += (f"<br><span style='font-size:{size * 10 / 13:g}pt; color:{DARK_GREY}'>"
                 f"{escape(caption.subtitle)}</span>")
    return text


@contextmanager
def captioned(widget: QWidget, caption: Caption | None):
    """The plot's title reads the caption's title and subtitle for the duration."""
    item = _plot_item(widget)
    if item is None or caption is None or widget.property("captioned"):
        yield  # a chart pack chart shows its caption already
        return
    label = item.titleLabel
    old_text, old_opts, old_visible = label.text, dict(label.opts), label.isVisible()
    size = float(str(old_opts.get("size", "13pt")).removesuffix("pt") or 13)
    item.setTitle(caption_html(caption, size), color=NHS_DARK_BLUE, size=f"{size:g}pt",
                  justify="left")
    height = label.item.boundingRect().height() + 4
    label.setMaximumHeight(height)
    item.layout.setRowFixedHeight(0, height)
    try:
        yield
    finally:
        label.opts = old_opts
        item.setTitle(old_text if old_visible else None)


def render_image(widget: QWidget, width: int, height: int, scale: float = 2.0,
                 caption: Caption | None = None) -> QImage:
    """The widget drawn to fill an image of exactly width x height pixels at `scale` detail."""
    scale = layout_scale(width, height, scale, _text_scale(widget))
    logical = QSize(max(1, round(width / scale)), max(1, round(height / scale)))
    image = QImage(width, height, QImage.Format.Format_ARGB32)
    image.fill(QColor("white"))
    with captioned(widget, caption), laid_out(widget, logical.width(), logical.height()):
        painter = QPainter(image)
        try:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
            painter.scale(width / logical.width(), height / logical.height())
            _draw(widget, painter, logical)
        finally:
            painter.end()
    return image


def _draw(widget: QWidget, painter: QPainter, size: QSize) -> None:
    if _plot_item(widget) is not None:
        # The scene itself, over the whole size: a view on screen may still clip to its old size.
        # Legends ignore transformations (so zooming leaves them alone): for the moment of drawing
        # they follow the painter's scale like the rest of the chart.
        flag = QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations
        fixed = [item for item in widget.scene().items() if item.flags() & flag]
        for item in fixed:
            item.setFlag(flag, False)
        area = QRectF(0, 0, size.width(), size.height())
        try:
            widget.scene().render(painter, area, area)
        finally:
            for item in fixed:
                item.setFlag(flag, True)
        return
    # QWidget.render explicitly: QGraphicsView has a render() of its own.
    QWidget.render(widget, painter, QPoint(), QRegion(), QWidget.RenderFlag.DrawChildren)


def save_png(widget: QWidget, path: str | Path, width: int = 1920, height: int = 1080,
             scale: float = 2.0, caption: Caption | None = None) -> Path:
    """The chart as a PNG; `caption` defaults to caption_for(widget)."""
    path = Path(path)
    image = render_image(widget, width, height, scale, caption or caption_for(widget))
    used = layout_scale(width, height, scale, _text_scale(widget))
    image.setDotsPerMeterX(round(96 * used / 0.0254))  # tells editors the intended print size
    image.setDotsPerMeterY(round(96 * used / 0.0254))
    if not image.save(str(path), "PNG"):
        raise OSError(f"Could not write {path}")
    return path


def save_svg(widget: QWidget, path: str | Path, width: int = 1920, height: int = 1080,
             caption: Caption | None = None) -> Path:
    """A vector copy filling a width x height canvas (SVG user units = pixels)."""
    from PySide6.QtSvg import QSvgGenerator

    path = Path(path)
    caption = caption or caption_for(widget)
    scale = layout_scale(width, height, SVG_SCALE, _text_scale(widget))
    logical = QSize(max(1, round(width / scale)), max(1, round(height / scale)))
    generator = QSvgGenerator()
    generator.setFileName(str(path))
    generator.setSize(QSize(width, height))
    generator.setViewBox(QRect(0, 0, width, height))
    # Axes are drawn as recorded pictures, which a painter scales by the ratio of resolutions:
    # the SVG must have a picture's resolution or the axes come out at the wrong size.
    generator.setResolution(QPicture().logicalDpiX())
    generator.setTitle(caption.title)  # the measure only: no practice names in the metadata
    generator.setDescription("Practice Desk chart")
    with captioned(widget, caption), laid_out(widget, logical.width(), logical.height()):
        painter = QPainter(generator)
        try:
            painter.fillRect(QRectF(0, 0, width, height), QColor("white"))
            painter.scale(width / logical.width(), height / logical.height())
            _draw(widget, painter, logical)
        finally:
            painter.end()
    if not path.exists():
        raise OSError(f"Could not write {path}")
    return path


def copy_to_clipboard(widget: QWidget, scale: float = 2.0) -> QImage:
    """The chart at its size on screen (`scale` times the pixels), captioned, onto the clipboard."""
    size = widget.size() if widget.width() > 50 else QSize(960, 540)
    image = render_image(widget, round(size.width() * scale), round(size.height() * scale), scale,
                         caption_for(widget))
    QGuiApplication.clipboard().setImage(image)
    return image


class ExportDialog(QDialog):
    """Size and sharpness for a PNG, or size for an SVG."""

    def __init__(self, svg: bool = False, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Save chart as SVG" if svg else "Save chart as PNG")
        form = QFormLayout(self)
        self.preset = QComboBox(accessibleName="Size")
        for label, size in SIZES:
            self.preset.addItem(label, size)
        self.preset.addItem("Other size", None)
        self.width = QSpinBox(minimum=200, maximum=8000, singleStep=10, suffix=" px")
        self.height = QSpinBox(minimum=150, maximum=8000, singleStep=10, suffix=" px")
        self.sharpness = QComboBox(accessibleName="Sharpness")
        for label, scale in SHARPNESS:
            self.sharpness.addItem(label, scale)
        self.sharpness.setToolTip("Higher keeps the same layout with finer lines and text: use "
                                  "2× for slides and documents, 3× for printing.")
        form.addRow("Size", self.preset)
        form.addRow("Width", self.width)
        form.addRow("Height", self.height)
        if not svg:
            form.addRow("Sharpness", self.sharpness)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save |
                                   QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.preset.currentIndexChanged.connect(self._preset_chosen)
        self._preset_chosen()

    def _preset_chosen(self, _index: int = 0) -> None:
        size = self.preset.currentData()
        for spin in (self.width, self.height):
            spin.setEnabled(size is None)
        if size:
            self.width.setValue(size[0])
            self.height.setValue(size[1])

    def choice(self) -> tuple[int, int, float]:
        return self.width.value(), self.height.value(), self.sharpness.currentData()


def ask_and_save(widget: QWidget, svg: bool = False) -> Path | None:
    dialog = ExportDialog(svg, widget.window())
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    width, height, scale = dialog.choice()
    caption = caption_for(widget)
    suffix, kind = (".svg", "SVG image (*.svg)") if svg else (".png", "PNG image (*.png)")
    # Offered in the home folder, as the Excel export is (not wherever the app was started).
    path, _ = QFileDialog.getSaveFileName(widget.window(), dialog.windowTitle(),
                                          str(Path.home() / (caption.stem + suffix)), kind)
    if not path:
        return None
    if not path.lower().endswith(suffix):
        path += suffix
    saved = (save_svg(widget, path, width, height, caption) if svg
             else save_png(widget, path, width, height, scale, caption))
    notify = getattr(widget.window(), "notify", None)
    if notify:  # the main window's message bar: a save is confirmed where the user looks
        notify(f"Saved {saved}", saved.parent)
    return saved


def add_export_actions(widget: QWidget) -> list[QAction]:
    """Right-click menu on a chart: copy, save as PNG, save as SVG (once per widget)."""
    if widget.property("exportActions"):
        return [a for a in widget.actions() if a.property("export")]
    actions = []
    for text, slot in (("Copy chart", lambda: copy_to_clipboard(widget)),
                       ("Save chart as PNG…", lambda: ask_and_save(widget)),
                       ("Save chart as SVG…", lambda: ask_and_save(widget, svg=True))):
        action = QAction(text, widget)
        action.setProperty("export", True)
        action.triggered.connect(slot)
        widget.addAction(action)
        actions.append(action)
    if _plain_menu(type(widget)):
        widget.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
    # else the chart has a right-click menu of its own, which can list widget.actions()
    widget.setProperty("exportActions", True)
    return actions


def _plain_menu(cls) -> bool:
    """True when no class between `cls` and pyqtgraph's PlotWidget has its own context menu."""
    import pyqtgraph as pg

    for klass in cls.__mro__:
        if klass is pg.PlotWidget or klass.__module__.startswith(("pyqtgraph", "PySide6")):
            return True
        if "contextMenuEvent" in vars(klass):
            return False
    return True
