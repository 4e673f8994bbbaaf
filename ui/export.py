"""Any chart to a PNG (chosen pixel size, high DPI), an SVG, or the clipboard.

The chart is laid out at the size asked for divided by the sharpness (device pixel ratio), then
drawn into an image of exactly the size asked for: at 2x a 1920 x 1080 PNG holds a chart laid out
at 960 x 540 with every line and letter drawn at twice the detail, so text stays readable on a
slide. A chart on screen is resized for the moment of drawing, then put back.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

from PySide6.QtCore import QPoint, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QAction, QColor, QGuiApplication, QImage, QPainter, QRegion
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QSpinBox,
    QWidget,
)

SIZES = [("Slide, 1920 × 1080", (1920, 1080)), ("Document, 1600 × 900", (1600, 900)),
         ("Small, 1200 × 675", (1200, 675)), ("Square, 1200 × 1200", (1200, 1200))]
SHARPNESS = [("High DPI (2×)", 2.0), ("Very high DPI (3×)", 3.0), ("Standard (1×)", 1.0)]


@contextmanager
def laid_out(widget: QWidget, width: int, height: int):
    """The widget at width x height (logical pixels) for the duration, then as it was."""
    old = widget.size()
    minimum, maximum = widget.minimumSize(), widget.maximumSize()
    widget.setMinimumSize(0, 0)
    widget.setMaximumSize(16777215, 16777215)
    widget.resize(width, height)
    if not widget.isVisible():
        widget.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen, True)
        widget.show()  # a hidden widget gets its resize (and pyqtgraph its layout) on show
        shown = True
    else:
        shown = False
    QGuiApplication.processEvents()
    try:
        yield widget
    finally:
        if shown:
            widget.hide()
        widget.setMinimumSize(minimum)
        widget.setMaximumSize(maximum)
        widget.resize(old)


def render_image(widget: QWidget, width: int, height: int, scale: float = 2.0) -> QImage:
    """The widget drawn into an image of exactly width x height pixels at `scale` detail."""
    logical = QSize(max(1, round(width / scale)), max(1, round(height / scale)))
    image = QImage(width, height, QImage.Format.Format_ARGB32)
    image.fill(QColor("white"))
    with laid_out(widget, logical.width(), logical.height()):
        painter = QPainter(image)
        try:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
            painter.scale(width / logical.width(), height / logical.height())
            _draw(widget, painter)
        finally:
            painter.end()
    return image


def _draw(widget: QWidget, painter: QPainter) -> None:
    # QWidget.render explicitly: QGraphicsView (so pyqtgraph) has a render() of its own.
    QWidget.render(widget, painter, QPoint(), QRegion(), QWidget.RenderFlag.DrawChildren)


def save_png(widget: QWidget, path: str | Path, width: int = 1920, height: int = 1080,
             scale: float = 2.0) -> Path:
    path = Path(path)
    image = render_image(widget, width, height, scale)
    image.setDotsPerMeterX(round(96 * scale / 0.0254))  # tells editors the intended print size
    image.setDotsPerMeterY(round(96 * scale / 0.0254))
    if not image.save(str(path), "PNG"):
        raise OSError(f"Could not write {path}")
    return path


def save_svg(widget: QWidget, path: str | Path, width: int = 960, height: int = 540,
             title: str = "") -> Path:
    """A vector copy at width x height (SVG user units = pixels)."""
    from PySide6.QtSvg import QSvgGenerator

    path = Path(path)
    generator = QSvgGenerator()
    generator.setFileName(str(path))
    generator.setSize(QSize(width, height))
    generator.setViewBox(QRect(0, 0, width, height))
    generator.setTitle(title or widget.accessibleName() or "Chart")
    generator.setDescription("Practice Desk chart")
    with laid_out(widget, width, height):
        painter = QPainter(generator)
        try:
            painter.fillRect(QRectF(0, 0, width, height), QColor("white"))
            _draw(widget, painter)
        finally:
            painter.end()
    if not path.exists():
        raise OSError(f"Could not write {path}")
    return path


def copy_to_clipboard(widget: QWidget, scale: float = 2.0) -> QImage:
    """The chart as it is laid out now, at `scale` detail, onto the clipboard."""
    size = widget.size() if widget.width() > 50 else QSize(960, 540)
    image = render_image(widget, round(size.width() * scale), round(size.height() * scale), scale)
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


def _slug(widget: QWidget) -> str:
    name = widget.accessibleName() or "chart"
    return "".join(ch if ch.isalnum() else "-" for ch in name.lower()).strip("-")[:60] or "chart"


def ask_and_save(widget: QWidget, svg: bool = False) -> Path | None:
    dialog = ExportDialog(svg, widget.window())
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    width, height, scale = dialog.choice()
    suffix, kind = (".svg", "SVG image (*.svg)") if svg else (".png", "PNG image (*.png)")
    path, _ = QFileDialog.getSaveFileName(widget.window(), dialog.windowTitle(),
                                          _slug(widget) + suffix, kind)
    if not path:
        return None
    if not path.lower().endswith(suffix):
        path += suffix
    return save_svg(widget, path, width, height) if svg else save_png(widget, path, width,
                                                                       height, scale)


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
