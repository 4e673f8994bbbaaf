"""Exported charts look like the screen: the whole chart fills the PNG or SVG at the default
1920 x 1080 and at 800 x 450, under a title and a practice/PCN + period subtitle, with a meaningful
file name; every chart (SPC ones too) has the export actions on its right-click menu; the chart
pack, meeting mode and `export --png` (without a selection) use the SPC charts (demo PCN)."""

from __future__ import annotations

from pathlib import Path

import pyqtgraph as pg
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QDialog, QFileDialog

from local_db.connection import open_database
from practice_desk import demo, headline
from practice_desk.importing import import_file
from practice_desk.metrics import Selection, metric_rows
from practice_desk.reports.anonymise import Anonymiser
from practice_desk.reports.scope import default_scope
from tests import pack_fixtures
from tests.conftest import DATA_DIR
from ui import export
from ui.chart_pack import MONTHLY_KEYS, build_pack, scope_for
from ui.charts import month_label
from ui.main import main as app_main
from ui.meeting import MeetingMode
from ui.spc_chart import SPCChart

demo_db, db_copy, demo_conn = (pack_fixtures.demo_db, pack_fixtures.db_copy,
                               pack_fixtures.demo_conn)
PCN_NAME = f"{demo.DEMO_PCN_NAME} ({demo.DEMO_PCN})"
EXPORT_TEXTS = ["Copy chart", "Save chart as PNG…", "Save chart as SVG…"]
SIZES = [(1920, 1080), (800, 450)]


@pytest.fixture
def window(make_window, db_copy):
    win = make_window(db_copy)
    win.resize(1366, 768)
    win.start()
    win.selector.choose("pcn", demo.DEMO_PCN)
    return win


def drawn_box(image: QImage) -> tuple[float, float, float, float]:
    """(left, top, right, bottom) of what is not white, as fractions of the image."""
    image = image.convertToFormat(QImage.Format.Format_RGB32)
    width, height = image.width(), image.height()
    step = max(1, width // 400)
    xs, ys = [], []
    for y in range(0, height, step):
        for x in range(0, width, step):
            if image.pixelColor(x, y).lightness() < 235:
                xs.append(x)
                ys.append(y)
    return min(xs) / width, min(ys) / height, (max(xs) + 1) / width, (max(ys) + 1) / height


def assert_fills(image: QImage, what: str) -> None:
    left, top, right, bottom = drawn_box(image)
    assert left < 0.06 and top < 0.07, (what, left, top)       # title and axis labels are in
    assert right > 0.93 and bottom > 0.9, (what, right, bottom)  # and it reaches the far edges


def svg_image(path, width: int, height: int) -> QImage:
    image = QImage(width, height, QImage.Format.Format_ARGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    QSvgRenderer(str(path)).render(painter)
    painter.end()
    return image


def page_charts(window):
    """(page, chart, expected subtitle) for charts of four kinds on three pages."""
    window.show_page("PCN")
    pcn = window.pages["PCN"].chart
    window.show_page("Telephony")
    telephony = window.pages["Telephony"]
    window.show_page("Overview")
    spc = window.pages["Overview"].chart
    whole = f"{PCN_NAME} · Nov 23 to Oct 25"
    return [("PCN", pcn, f"{PCN_NAME} · Oct 25"), ("Telephony", telephony.trend, whole),
            ("Telephony", telephony.heatmap, whole), ("Overview", spc, whole)]


def test_exports_fill_the_image_under_a_title_and_subtitle(window, tmp_path):
    for number, (page, chart, subtitle) in enumerate(page_charts(window)):
        window.show_page(page)
        caption = export.caption_for(chart)
        assert caption.subtitle == subtitle and caption.title
        assert subtitle not in caption.title  # the period is said once
        before = chart.getPlotItem().titleLabel.text
        with export.captioned(chart, caption):
            shown = chart.getPlotItem().titleLabel.item.toPlainText()
            assert shown == f"{caption.title}\n{caption.subtitle}"
        assert chart.getPlotItem().titleLabel.text == before  # the screen is left as it was
        size_on_screen = chart.size()
        for width, height in SIZES:
            png = export.save_png(chart, tmp_path / f"{number}-{width}.png", width, height)
            image = QImage(str(png))
            assert (image.width(), image.height()) == (width, height)
            assert_fills(image, f"{caption.title} PNG {width}")
            svg = export.save_svg(chart, tmp_path / f"{number}-{width}.svg", width, height)
            assert f'viewBox="0 0 {width} {height}"' in svg.read_text()
            assert_fills(svg_image(svg, width, height), f"{caption.title} SVG {width}")
        assert chart.size() == size_on_screen


def test_an_england_chart_is_not_subtitled_with_the_pcn(window):
    window.show_page("NHS App")
    caption = export.caption_for(window.pages["NHS App"].national)
    assert caption.subtitle.startswith("England · ") and demo.DEMO_PCN not in caption.subtitle


def test_the_file_name_offered_names_measure_selection_and_period(window, tmp_path,
                                                                  monkeypatch):
    window.show_page("PCN")
    chart = window.pages["PCN"].chart
    offered = []

    def save_as(_parent, _title, name, _kinds):
        offered.append(name)
        return str(tmp_path / Path(name).name), ""

    monkeypatch.setattr(export.ExportDialog, "exec", lambda _self: QDialog.DialogCode.Accepted)
    monkeypatch.setattr(QFileDialog, "getSaveFileName", save_as)
    written = export.ask_and_save(chart)
    assert offered == [str(Path.home() / "face-to-face-share-by-practice_demo-riverside-pcn-"
                                          "dempcn_oct-25.png")]
    assert QImage(str(written)).size().toTuple() == (1920, 1080)
    # The save is confirmed in the window's message bar, with the folder to open.
    assert window.notice.isVisible() and window.notice.text.text() == f"Saved {written}"
    assert window.notice.folder == tmp_path
    assert export.ask_and_save(chart, svg=True).name.endswith("_oct-25.svg")


def test_every_chart_has_the_export_actions_on_its_menu(window):
    spc_charts = 0
    for name, page in window.pages.items():
        window.show_page(name)
        for chart in page.findChildren(pg.PlotWidget):
            texts = [a.text() for a in chart.actions() if a.property("export")]
            assert texts == EXPORT_TEXTS, (name, type(chart).__name__)
            if isinstance(chart, SPCChart):
                spc_charts += 1
                menu = [a.text() for a in chart.note_menu(0).actions() if not a.isSeparator()]
                assert menu[-3:] == EXPORT_TEXTS, name
                if chart.months:  # notes can be added only where there are periods
                    assert menu[0].startswith("Add a note for"), name
            else:
                assert chart.contextMenuPolicy() == Qt.ContextMenuPolicy.ActionsContextMenu
    assert spc_charts >= 3  # Overview's and Appointments' two


def test_the_pack_and_meeting_mode_use_the_spc_charts(qtbot, demo_conn):
    selection = Selection(pcn=demo.DEMO_PCN)
    pack = build_pack(demo_conn, scope_for(selection), Anonymiser([], enabled=False))
    monthly = [chart for chart in pack if not chart.slug.startswith("compare-")]
    rows = metric_rows(demo_conn, selection)
    with_data = [key for key in MONTHLY_KEYS if any(row[key] is not None for row in rows)]
    assert [chart.slug for chart in monthly] == [f"dempcn-{key}" for key in with_data]
    assert len(with_data) >= 8
    for item in monthly:
        chart = item.build(1.0)
        qtbot.addWidget(chart)
        assert isinstance(chart, SPCChart), item.slug
        months, values = headline.series(rows, chart.key)
        assert (chart.months, chart.values) == (months, values)
        assert chart.improvement == headline.improvement(chart.key)
        assert chart.analysis.points_needed == 0 and chart.icons.texts()[0] != ""
        first, last = month_label(months[0]), month_label(months[-1])
        assert chart.property("exportSubtitle") == f"{PCN_NAME} · {first} to {last}"
    meeting = MeetingMode(pack, "DEMO", scale=2.0)
    qtbot.addWidget(meeting)
    assert isinstance(meeting.chart, SPCChart) and meeting.chart.factor == 2.0
    assert [a.text() for a in meeting.chart.actions() if a.property("export")] == EXPORT_TEXTS


def one_pcn_files(folder) -> list:
    """The October 2025 crosstab and mapping cut to one PCN's rows (U88254, three practices)."""
    written = []
    for name in ("Practice_Level_Crosstab_subset_Oct_25.csv", "Mapping_subset_Oct_25.csv"):
        lines = (DATA_DIR / name).read_text(encoding="utf-8-sig").splitlines()
        kept = [lines[0], *(line for line in lines[1:] if ",U88254," in line)]
        (folder / name).write_text("\n".join(kept) + "\n", encoding="utf-8")
        written.append(folder / name)
    return written


def test_export_png_without_a_selection_draws_the_pcn(capsys, tmp_path):
    db = tmp_path / "one-pcn.sqlite"
    conn = open_database(db)
    for path in one_pcn_files(tmp_path):
        assert import_file(conn, path).status == "done"
    conn.close()
    out = tmp_path / "pack"
    assert app_main(["export", "--db", str(db), "--png", str(out)]) == 0
    names = sorted(path.name for path in out.iterdir())
    assert f"Wrote {len(names)} charts" in capsys.readouterr().out
    # The PCN's own monthly charts, then its three practices compared.
    assert names[:3] == ["01-u88254-f2f-share.png", "02-u88254-within-14-days-share.png",
                         "03-u88254-dna-rate.png"]
    assert names[3].startswith("04-compare-") and len(names) == 6
    for name in (names[0], names[-1]):
        assert_fills(QImage(str(out / name)), name)


def test_the_default_selection_is_every_practice_with_data_without_one_pcn(tmp_path):
    conn = open_database(tmp_path / "three.sqlite")
    for name in ("Practice_Level_Crosstab_subset_Oct_25.csv", "Mapping_subset_Oct_25.csv"):
        assert import_file(conn, DATA_DIR / name).status == "done"
    import csv

    with (DATA_DIR / "Practice_Level_Crosstab_subset_Oct_25.csv").open(
            encoding="utf-8-sig") as handle:
        in_file = sorted({row["GP_CODE"] for row in csv.DictReader(handle)})
    scope = default_scope(conn)
    assert scope.pcn is None and list(scope.practices) == in_file and len(in_file) == 13
    conn.close()


def test_the_default_selection_is_the_users_own_when_they_chose_one(tmp_path):
    """The practice or PCN the user said is theirs comes first; one no longer in the database
    is passed over."""
    from local_db import queries

    conn = open_database(tmp_path / "mine.sqlite")
    for name in ("Practice_Level_Crosstab_subset_Oct_25.csv", "Mapping_subset_Oct_25.csv"):
        assert import_file(conn, DATA_DIR / name).status == "done"
    queries.set_setting(conn, queries.MY_SCOPE, "practice:D81001")
    assert default_scope(conn).practices == ("D81001",)
    queries.set_setting(conn, queries.MY_SCOPE, "pcn:U88254")
    scope = default_scope(conn)
    assert scope.pcn == "U88254" and scope.practices == ()
    queries.set_setting(conn, queries.MY_SCOPE, "practice:Z99999")  # gone (e.g. an undone file)
    assert default_scope(conn).pcn is None and len(default_scope(conn).practices) == 13
    conn.close()


def test_one_month_draws_the_england_band_its_legend_lists(qtbot, tmp_path):
    from ui import theme
    from ui.charts import MonthlyChart

    chart = MonthlyChart("Missed (abandonment) rate by month")
    qtbot.addWidget(chart)
    chart.set_series(["2025-10"], [0.092])
    chart.set_band([(0.036, 0.089, 0.197)])  # p10, median, p90
    legend = [label.text for _sample, label in chart.plotItem.legend.items]
    assert legend == ["This selection", "England median", "England, middle 80% of practices"]
    fill, median = chart._band_items
    xs, ys = median.getData()
    assert list(xs) == pytest.approx([-0.3, 0.3]) and list(ys) == pytest.approx([8.9, 8.9])
    image = export.render_image(chart, 800, 450, 1.0, export.Caption("Missed", "one month"))
    red, green, blue, alpha = theme.BAND_FILL  # the faint band over white
    band = [255 + (c - 255) * alpha / 255 for c in (red, green, blue)]

    def shaded_at(x, y):
        colour = image.pixelColor(x, y)
        return all(abs(a - b) <= 3 for a, b in zip(
            (colour.red(), colour.green(), colour.blue()), band, strict=True))

    shaded = sum(1 for x in range(0, 800, 5) for y in range(0, 450, 5) if shaded_at(x, y))
    assert shaded > 500  # a visible block of England's middle 80 %, not a zero-width sliver


def test_the_heatmap_has_a_colour_scale(qtbot):
    from ui.charts import HeatmapChart

    chart = HeatmapChart("Inbound calls by weekday and hour")
    qtbot.addWidget(chart)
    counts = [[0] * 24 for _ in range(7)]
    counts[0][8] = 412
    chart.set_counts(counts)
    assert chart.scale_bar.levels() == (0, 412.0)
    assert chart.scale_bar.colorMap().name == "viridis"  # perceptually even, colour-blind safe
    layout = chart.getPlotItem().layout
    placed = [layout.itemAt(i) for i in range(layout.count())]
    assert chart.scale_bar in placed  # beside the map in the plot, so in every export too


def test_percent_axis_of_the_pcn_chart_stops_at_100(qtbot):
    from practice_desk.reports.comparison import Bar, Comparison
    from ui.comparison_chart import ComparisonChart

    chart = ComparisonChart()
    qtbot.addWidget(chart)
    chart.set_comparison(Comparison("within_14_days_share", "2025-10", "2025-10",
                                    [Bar("A", "Practice A", 0.96), Bar("B", "Practice B", 0.81)],
                                    total=0.9))
    labels = [float(text) for value, text in chart.getAxis("bottom")._tickLevels[0]]
    assert max(labels) == 100 and chart.viewRange()[0][1] > 100  # room for "96.0%" beyond
    texts = [item for item in chart.getPlotItem().items if isinstance(item, pg.TextItem)]
    assert [t.toPlainText() for t in texts] == ["96.0%", "81.0%"]
    assert all(t.zValue() > 10 and t.fill.color().alpha() > 200 for t in texts)
