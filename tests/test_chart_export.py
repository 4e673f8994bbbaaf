"""Chart export (PNG at a chosen size, SVG, clipboard), the chart pack from the command line,
and meeting mode's keys, on the demo PCN."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pyqtgraph as pg
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage

from local_db.connection import open_database
from practice_desk import demo
from practice_desk.metrics import Selection
from practice_desk.reports.anonymise import Anonymiser
from practice_desk.reports.scope import ExportScope
from tests import pack_fixtures
from ui import export
from ui.chart_pack import build_pack, file_names, scope_for
from ui.main import main as app_main
from ui.meeting import MeetingMode, meeting_scale
from ui.spc_chart import SPCChart

PNG = b"\x89PNG\r\n\x1a\n"
demo_db, db_copy, demo_conn = (pack_fixtures.demo_db, pack_fixtures.db_copy,
                               pack_fixtures.demo_conn)
PCN = Selection(pcn=demo.DEMO_PCN, start="2023-11", end="2025-10")


def test_a_pack_chart_to_png_svg_and_clipboard(qtbot, demo_conn, tmp_path):
    pack = build_pack(demo_conn, scope_for(PCN), Anonymiser([], enabled=False))
    for chart in (pack[0].build(1.0), pack[-1].build(1.0)):
        qtbot.addWidget(chart)
        png = export.save_png(chart, tmp_path / "chart.png", 1600, 900, scale=2)
        assert png.read_bytes()[:8] == PNG
        image = QImage(str(png))
        assert (image.width(), image.height()) == (1600, 900)
        assert len({image.pixel(x, y) for x in range(0, 1600, 9) for y in range(0, 900, 9)}) > 5
        small = QImage(str(export.save_png(chart, tmp_path / "small.png", 640, 480, scale=1)))
        assert (small.width(), small.height()) == (640, 480)
        svg = export.save_svg(chart, tmp_path / "chart.svg", 800, 450)
        root = ET.parse(svg).getroot()
        assert root.tag.endswith("svg") and root.attrib["viewBox"] == "0 0 800 450"
        assert "<text" in svg.read_text() or "<path" in svg.read_text()
        QGuiApplication.clipboard().clear()
        chart.resize(700, 400)
        export.copy_to_clipboard(chart)
        copied = QGuiApplication.clipboard().image()
        assert (copied.width(), copied.height()) == (1400, 800)
    actions = export.add_export_actions(chart)
    assert [a.text() for a in actions] == ["Copy chart", "Save chart as PNG…",
                                           "Save chart as SVG…"]
    assert export.add_export_actions(chart) == actions  # once per chart
    QGuiApplication.clipboard().clear()
    actions[0].trigger()
    assert not QGuiApplication.clipboard().image().isNull()


def test_meeting_scale_follows_the_screen():
    assert meeting_scale(1080) == pytest.approx(2.0)
    assert meeting_scale(768) == pytest.approx(1.4222, abs=1e-3)
    assert meeting_scale(400) == 1.4 and meeting_scale(4000) == 3.0


def test_meeting_mode_keys_step_through_the_pack(qtbot, demo_conn):
    pack = build_pack(demo_conn, scope_for(PCN), Anonymiser([], enabled=False))
    assert len(pack) >= 10
    meeting = MeetingMode(pack, "DEMO")
    qtbot.addWidget(meeting)
    meeting.start()
    qtbot.waitExposed(meeting)
    assert meeting.isFullScreen() and meeting.index == 0
    assert meeting.counter.text() == f"1 / {len(pack)}"
    qtbot.keyClick(meeting, Qt.Key.Key_Right)
    assert meeting.index == 1 and meeting.title == pack[1].title
    qtbot.keyClick(meeting, Qt.Key.Key_Left)
    qtbot.keyClick(meeting, Qt.Key.Key_Left)  # stays on the first
    assert meeting.index == 0
    qtbot.keyClick(meeting, Qt.Key.Key_End)
    assert meeting.index == len(pack) - 1
    qtbot.keyClick(meeting, Qt.Key.Key_Right)  # stays on the last
    assert meeting.index == len(pack) - 1
    assert meeting.chart.parent() is meeting and meeting.chart.isVisible()
    with qtbot.waitSignal(meeting.closed, timeout=5000):
        qtbot.keyClick(meeting, Qt.Key.Key_Escape)
    assert not meeting.isVisible()


def test_meeting_charts_are_larger(qtbot, demo_conn):
    pack = build_pack(demo_conn, scope_for(PCN), Anonymiser([], enabled=False))
    small, big = pack[0].build(1.0), pack[0].build(2.0)
    assert big.getAxis("left").style["tickFont"].pointSizeF() == pytest.approx(20)
    assert isinstance(small, SPCChart) and isinstance(big, SPCChart)
    lines = [(s.opts["pen"].widthF(), b.opts["pen"].widthF())
             for s, b in zip(small.getPlotItem().listDataItems(),
                             big.getPlotItem().listDataItems(), strict=True)
             if isinstance(s, pg.PlotDataItem)]
    assert len(lines) == 4 and all(b == pytest.approx(2 * max(s, 1)) for s, b in lines)
    assert [b["size"] for b in big.spots] == [2 * s["size"] for s in small.spots]
    assert big.icons.icon_size == 2 * small.icons.icon_size


def test_export_dialog_sizes(qtbot):
    dialog = export.ExportDialog()
    qtbot.addWidget(dialog)
    assert dialog.choice() == (1920, 1080, 2.0)
    dialog.preset.setCurrentIndex(dialog.preset.count() - 1)  # other size
    assert dialog.width.isEnabled()
    dialog.width.setValue(1000)
    dialog.height.setValue(700)
    dialog.sharpness.setCurrentIndex(1)
    assert dialog.choice() == (1000, 700, 3.0)


def test_cli_export_png_writes_the_pack_in_order(capsys, db_copy, tmp_path):
    out = tmp_path / "pack"
    code = app_main(["export", "--db", str(db_copy), "--png", str(out), "--pcn",
                     demo.DEMO_PCN, "--from", "2025-01", "--to", "2025-10", "--anonymise"])
    assert code == 0
    files = sorted(out.iterdir())
    assert f"Wrote {len(files)} charts" in capsys.readouterr().out
    conn = open_database(db_copy)
    scope = ExportScope(pcn=demo.DEMO_PCN, start="2025-01", end="2025-10")
    pack = build_pack(conn, scope, Anonymiser(scope.practice_codes(conn)))
    assert [f.name for f in files] == file_names(pack)
    assert files[0].name.startswith("01-") and "compare" in files[-1].name
    assert all("Jan 25 to Oct 25" in chart.title or "Oct 25" in chart.title for chart in pack)
    # anonymised: neither the PCN's name nor its code (issue 13 item 7), as on screen
    assert not any(demo.DEMO_PCN_NAME in chart.title or demo.DEMO_PCN in chart.title
                   for chart in pack)
    codes = [demo.DEMO_PCN, *scope.practice_codes(conn)]  # nor in the files' names
    assert not any(code.lower() in f.name.lower() for f in files for code in codes)
    for path in files:
        assert path.read_bytes()[:8] == PNG
        image = QImage(str(path))
        assert (image.width(), image.height()) == (1920, 1080)
    code = app_main(["export", "--db", str(db_copy), "--png", str(tmp_path / "one"),
                     "--practice", "DEM003"])
    assert code == 0
    names = [f.name for f in sorted((tmp_path / "one").iterdir())]
    assert names and all("dem003" in name for name in names)
