"""Printing (or "Microsoft Print to PDF" / "Save as PDF"): the page on screen, or the chart pack
with one chart per landscape page, through the system's print dialog."""

from __future__ import annotations

from PySide6.QtCore import QRect, QRectF
from PySide6.QtGui import QImage, QPageLayout, QPainter
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QDialog, QWidget

PACK_IMAGE = (1600, 900)  # each chart drawn at this size, then fitted to the page


def ask_printer(parent: QWidget, title: str) -> QPrinter | None:
    """The system print dialog; None when cancelled. A PDF printer is one of its choices."""
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setDocName(title)
    dialog = QPrintDialog(printer, parent)
    dialog.setWindowTitle(title)
    return printer if dialog.exec() == QDialog.DialogCode.Accepted else None


def print_images(printer: QPrinter, images: list[QImage]) -> int:
    """Each image fitted to the page width and cut into page-high slices (a long page over
    several sheets); returns the number of sheets printed."""
    painter = QPainter()
    if not painter.begin(printer):
        raise OSError("The printer could not be started.")
    sheets = 0
    try:
        area = printer.pageLayout().paintRectPixels(printer.resolution())
        for image in images:
            scale = area.width() / image.width()
            slice_height = max(1, int(area.height() / scale))
            for top in range(0, image.height(), slice_height):
                if sheets:
                    printer.newPage()
                part = image.copy(QRect(0, top, image.width(),
                                        min(slice_height, image.height() - top)))
                painter.drawImage(QRectF(0, 0, part.width() * scale, part.height() * scale),
                                  part)
                sheets += 1
    finally:
        painter.end()
    return sheets


def page_image(page: QWidget) -> QImage:
    """The whole of a page, also the part scrolled out of view."""
    body = page.body.parentWidget() if hasattr(page, "body") else page
    return body.grab().toImage()


def print_page(printer: QPrinter, page: QWidget) -> int:
    printer.setPageOrientation(QPageLayout.Orientation.Portrait)
    return print_images(printer, [page_image(page)])


def print_pack(printer: QPrinter, pack) -> int:
    """The chart pack (ui.chart_pack.PackChart list), one chart per landscape sheet."""
    from ui.export import render_image

    printer.setPageOrientation(QPageLayout.Orientation.Landscape)
    images = []
    for chart in pack:
        widget = chart.build(1.0)
        images.append(render_image(widget, *PACK_IMAGE, scale=1.0))
        widget.deleteLater()
    return print_images(printer, images) if images else 0
