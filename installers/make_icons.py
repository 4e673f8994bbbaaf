"""Draw the Practice Desk app icon: resources/icon.svg, icon.png (256 px) and icon.ico.

A calm NHS-blue (#005EB8) rounded square with a white calendar page: two binder rings, a header
bar and a grid of days with one day marked. Small sizes (16-32 px) use a simplified drawing so the
icon stays legible in the taskbar and file lists.

Run from the repository root (the outputs are committed, so this only needs re-running when the
design changes):

    QT_QPA_PLATFORM=offscreen .venv/bin/python installers/make_icons.py
"""

from __future__ import annotations

import os
import struct
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRectF, Qt  # noqa: E402
from PySide6.QtGui import QColor, QGuiApplication, QImage, QPainter  # noqa: E402
from PySide6.QtSvg import QSvgRenderer  # noqa: E402

NHS_BLUE = "#005EB8"
DARK_BLUE = "#003087"
WHITE = "#FFFFFF"

ROOT = Path(__file__).resolve().parents[1]
RESOURCES = ROOT / "resources"
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
SIMPLE_BELOW = 40  # sizes under this many pixels use the simplified drawing


def icon_svg(simple: bool = False) -> str:
    """The icon as SVG text on a 256 x 256 canvas."""
    parts = [
        '<svg xmlns="http://www.w3.org/2000/svg" width="256" height="256" viewBox="0 0 256 256">',
        "<title>Practice Desk</title>",
        f'<rect x="8" y="8" width="240" height="240" rx="52" ry="52" fill="{NHS_BLUE}"/>',
    ]
    if simple:
        # Bold shapes only: a white page, a thick blue header line and one marked day.
        parts += [
            f'<rect x="44" y="52" width="168" height="156" rx="20" fill="{WHITE}"/>',
            f'<rect x="44" y="92" width="168" height="20" fill="{NHS_BLUE}"/>',
            f'<rect x="72" y="32" width="28" height="48" rx="12" fill="{WHITE}"/>',
            f'<rect x="156" y="32" width="28" height="48" rx="12" fill="{WHITE}"/>',
            f'<rect x="136" y="136" width="48" height="44" rx="8" fill="{NHS_BLUE}"/>',
        ]
    else:
        parts += [
            # Calendar page with a header bar.
            f'<rect x="48" y="60" width="160" height="148" rx="18" fill="{WHITE}"/>',
            f'<rect x="48" y="98" width="160" height="12" fill="{NHS_BLUE}"/>',
            # Binder rings.
            f'<rect x="80" y="40" width="20" height="42" rx="10" fill="{WHITE}" '
            f'stroke="{NHS_BLUE}" stroke-width="6"/>',
            f'<rect x="156" y="40" width="20" height="42" rx="10" fill="{WHITE}" '
            f'stroke="{NHS_BLUE}" stroke-width="6"/>',
        ]
        # A 4 x 3 grid of days; one of them marked in dark blue.
        for row in range(3):
            for col in range(4):
                x = 68 + col * 32
                y = 124 + row * 26
                marked = (row, col) == (1, 2)
                fill = DARK_BLUE if marked else NHS_BLUE
                size = 22 if marked else 16
                off = (16 - size) / 2
                opacity = "1" if marked else "0.55"
                parts.append(
                    f'<rect x="{x + off:g}" y="{y + off:g}" width="{size}" height="{size}" rx="4" '
                    f'fill="{fill}" fill-opacity="{opacity}"/>'
                )
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def render(svg: str, size: int) -> QImage:
    renderer = QSvgRenderer(QByteArray(svg.encode("utf-8")))
    if not renderer.isValid():
        raise RuntimeError("icon SVG did not parse")
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter, QRectF(0, 0, size, size))
    painter.end()
    return image


def png_bytes(image: QImage) -> bytes:
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, "PNG"):
        raise RuntimeError("PNG encoding failed")
    buffer.close()
    return bytes(data)


def dib_bytes(image: QImage) -> bytes:
    """A 32-bit BGRA DIB (BITMAPINFOHEADER + bottom-up pixels + AND mask) for one ICO entry."""
    size = image.width()
    header = struct.pack(
        "<IiiHHIIiiII", 40, size, size * 2, 1, 32, 0, 0, 0, 0, 0, 0
    )  # height doubled: colour rows + mask rows
    pixels = bytearray()
    mask = bytearray()
    mask_stride = ((size + 31) // 32) * 4
    for y in range(size - 1, -1, -1):
        mask_row = bytearray(mask_stride)
        for x in range(size):
            colour = QColor.fromRgba(image.pixel(x, y))
            pixels += bytes((colour.blue(), colour.green(), colour.red(), colour.alpha()))
            if colour.alpha() == 0:
                mask_row[x // 8] |= 0x80 >> (x % 8)
        mask += mask_row
    return header + bytes(pixels) + bytes(mask)


def ico_bytes(images: dict[int, QImage]) -> bytes:
    """A multi-size .ico: classic DIB entries up to 64 px, PNG-compressed entries above."""
    entries = []
    for size in sorted(images):
        payload = dib_bytes(images[size]) if size <= 64 else png_bytes(images[size])
        entries.append((size, payload))
    out = struct.pack("<HHH", 0, 1, len(entries))
    offset = 6 + 16 * len(entries)
    blobs = b""
    for size, payload in entries:
        dim = 0 if size >= 256 else size  # 0 means 256 in the ICO directory
        out += struct.pack("<BBBBHHII", dim, dim, 0, 0, 1, 32, len(payload), offset)
        offset += len(payload)
        blobs += payload
    return out + blobs


def main() -> int:
    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])  # noqa: F841 (keeps Qt up)
    RESOURCES.mkdir(exist_ok=True)
    full, simple = icon_svg(), icon_svg(simple=True)
    (RESOURCES / "icon.svg").write_text(full, encoding="utf-8")
    images = {s: render(simple if s < SIMPLE_BELOW else full, s) for s in ICO_SIZES}
    if not images[256].save(str(RESOURCES / "icon.png"), "PNG"):
        raise RuntimeError("could not write icon.png")
    (RESOURCES / "icon.ico").write_bytes(ico_bytes(images))
    for name in ("icon.svg", "icon.png", "icon.ico"):
        print(f"wrote {RESOURCES / name} ({(RESOURCES / name).stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
