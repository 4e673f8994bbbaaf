"""PCN comparison page, the anonymise toggle, meeting mode and chart export on the demo PCN."""

from __future__ import annotations

import pyqtgraph as pg
import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QGuiApplication, QImage
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QApplication,
    QComboBox,
    QGraphicsTextItem,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)

from local_db import queries
from practice_desk import demo
from practice_desk.metrics import Selection, period_summary
from practice_desk.reports.anonymise import Anonymiser
from practice_desk.reports.comparison import practice_value
from practice_desk.reports.scope import ExportScope
from practice_desk.telephony import core_hours
from tests import pack_fixtures
from ui import export
from ui.chart_pack import build_pack
from ui.main_window import PAGES

demo_db, db_copy = pack_fixtures.demo_db, pack_fixtures.db_copy


@pytest.fixture
def window(make_window, db_copy):
    win = make_window(db_copy)
    win.start()
    win.selector.choose("pcn", demo.DEMO_PCN)
    return win


def demo_practices(conn) -> list[dict]:
    return [p for p in queries.list_practices(conn) if p["pcn_code"] == demo.DEMO_PCN]


def pcn_page(window):
    window.show_page("PCN")
    return window.pages["PCN"]


# --- the PCN page --------------------------------------------------------------------------
def test_pcn_page_holds_each_practice_figure_for_the_last_month(window):
    page = pcn_page(window)
    conn = window.state.conn
    page.choose_metric("f2f_share")
    codes = [p["ods_code"] for p in demo_practices(conn)]
    assert len(codes) == 5
    comparison = page.chart.comparison
    assert comparison.start == comparison.end == "2025-10"
    for code in codes:
        expected = period_summary(conn, Selection(practice=code, start="2025-10",
                                                  end="2025-10"))["f2f_share"]
        assert comparison.values[code] == pytest.approx(expected)
    total = period_summary(conn, Selection(pcn=demo.DEMO_PCN, start="2025-10", end="2025-10"))
    assert comparison.total == pytest.approx(total["f2f_share"])
    # Ranked: highest first, the bar widths are the values in percent, the labels the names.
    ranked = sorted(codes, key=lambda c: -comparison.values[c])
    assert [bar.code for bar in page.chart.rows] == ranked
    (bars,) = [i for i in page.chart.getPlotItem().items if isinstance(i, pg.BarGraphItem)]
    assert list(bars.opts["width"]) == pytest.approx([comparison.values[c] * 100 for c in ranked])
    ticks = page.chart.getAxis("left")._tickLevels[0]
    names = {p["ods_code"]: p["name"] for p in demo_practices(conn)}
    assert [label for _, label in ticks] == [f"{names[c]} ({c})" for c in ranked]


def test_whole_range_sums_first_and_dot_plot_and_band(window):
    page = pcn_page(window)
    conn = window.state.conn
    page.period.setCurrentIndex(page.period.findData("whole"))
    page.shape.setCurrentIndex(page.shape.findData("dots"))
    page.choose_metric("missed_share")
    comparison = page.chart.comparison
    assert (comparison.start, comparison.end) == ("2023-11", "2025-10")
    for bar in comparison.bars:
        summary = period_summary(conn, Selection(practice=bar.code, start="2023-11",
                                                 end="2025-10"))
        assert bar.value == pytest.approx(summary["missed_share"])
    assert comparison.band and comparison.band["p10"] < comparison.band["median"] < \
        comparison.band["p90"]
    items = page.chart.getPlotItem().items
    assert any(isinstance(i, pg.ScatterPlotItem) for i in items)
    assert any(isinstance(i, pg.LinearRegionItem) for i in items)  # England's p10-p90
    assert "middle 80%" in page.note.text()


def test_counts_offer_per_1000_and_calls_per_1000_over_a_range(window):
    page = pcn_page(window)
    conn = window.state.conn
    page.choose_metric("inbound_calls")
    assert page.per_1000_row.isVisible()
    page.use_per_1000()
    assert page.metric.currentData() == "calls_per_1000"
    assert not page.per_1000_row.isVisible()
    page.period.setCurrentIndex(page.period.findData("whole"))
    for bar in page.chart.comparison.bars:  # the monthly average per 1,000 patients
        assert bar.value == pytest.approx(practice_value(conn, bar.code, "calls_per_1000",
                                                         "2023-11", "2025-10"))
        assert 5 < bar.value < 500
    index = page.metric.findData("f2f_share")
    assert "face-to-face" in page.metric.itemData(index, Qt.ItemDataRole.ToolTipRole).lower()


def test_a_practice_shows_its_pcn(window):
    code = demo_practices(window.state.conn)[2]["ods_code"]
    window.selector.choose("practice", code)
    page = pcn_page(window)
    assert demo.DEMO_PCN in page.scope_label.text()
    assert len(page.chart.comparison.bars) == 5


# --- anonymise -----------------------------------------------------------------------------
def _texts_of_model(model) -> list[str]:
    found = []
    try:
        columns = model.columnCount(QModelIndex())
    except TypeError:  # a list model keeps columnCount private
        columns = 1
    for row in range(model.rowCount(QModelIndex())):
        for column in range(columns):
            index = model.index(row, column, QModelIndex())
            for role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
                found.append(str(model.data(index, role) or ""))
    return found


def all_texts(root: QWidget) -> list[str]:
    """Every text a user could see or hover: labels, buttons, combo entries, tables, tooltips,
    window titles, and in charts the titles, axis labels and ticks and text items."""
    texts = []
    for widget in [root, *root.findChildren(QWidget)]:
        texts += [widget.toolTip(), widget.windowTitle(), widget.accessibleName(),
                  widget.statusTip(), widget.whatsThis()]
        if isinstance(widget, (QLabel, QAbstractButton, QLineEdit)):
            texts.append(widget.text())
        if isinstance(widget, (QPlainTextEdit, QTextEdit)):
            texts += [widget.toPlainText(), widget.placeholderText()]
        if isinstance(widget, QComboBox):
            for i in range(widget.count()):
                texts += [widget.itemText(i),
                          str(widget.itemData(i, Qt.ItemDataRole.ToolTipRole) or "")]
            texts.append(widget.currentText())
        if isinstance(widget, QAbstractItemView) and widget.model() is not None:
            texts += _texts_of_model(widget.model())
        if isinstance(widget, pg.PlotWidget):
            for item in widget.scene().items():
                if isinstance(item, QGraphicsTextItem):
                    texts.append(item.toPlainText())
            for name in ("left", "bottom", "top", "right"):
                axis = widget.getPlotItem().getAxis(name)
                texts.append(axis.labelText)
                for level in axis._tickLevels or []:
                    texts += [str(label) for _, label in level]
    return texts


def leaks(texts: list[str], practices: list[dict]) -> list[str]:
    secrets = [p["ods_code"] for p in practices] + [p["name"] for p in practices]
    return sorted({f"{secret!r} in {text[:80]!r}" for text in texts for secret in secrets
                   if secret and secret.lower() in text.lower()})


def test_anonymise_hides_every_name_and_code_on_every_page(qtbot, window):
    conn = window.state.conn
    practices = demo_practices(conn)
    core_hours.add_diversion(conn, practices[0]["ods_code"], "2025-10-06 08:00",
                             "2025-10-06 09:30", "phone fault")
    window.state.data_changed.emit()
    window.show_page("Telephony")
    assert leaks(all_texts(window), practices)  # the check sees names when they are shown
    qtbot.keyClick(window, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier |
                   Qt.KeyboardModifier.ShiftModifier)
    assert window.state.anonymise and window.anonymise_button.isChecked()
    for name in PAGES:
        window.show_page(name)
        assert leaks(all_texts(window), practices) == [], name
    entries = [window.selector.scope.itemText(i) for i in range(window.selector.scope.count())]
    assert "    Practice A" in entries and "    Practice E" in entries
    window.selector.choose("practice", practices[1]["ods_code"])
    for name in PAGES:
        window.show_page(name)
        assert leaks(all_texts(window), practices) == [], name
    assert "Practice B" in window.pages["PCN"].scope_label.text() or \
        "Practice B" in window.pages["Appointments"].scope_label.text()
    meeting = window.start_meeting()
    qtbot.addWidget(meeting)
    for _ in meeting.pack:
        assert leaks(all_texts(meeting), practices) == [], meeting.title
        meeting.next()
    meeting.close()
    window.pages["PCN"].anonymise.setChecked(False)  # the page's box turns it off everywhere
    assert not window.state.anonymise and not window.anonymise_button.isChecked()
    window.show_page("PCN")
    assert leaks(all_texts(window), practices)


def test_anonymised_pack_uses_the_screen_letters(window):
    conn = window.state.conn
    practices = demo_practices(conn)
    window.state.set_anonymise(True)
    pack = build_pack(conn, ExportScope(pcn=demo.DEMO_PCN),
                      Anonymiser([p["ods_code"] for p in practices]))
    assert leaks([chart.title for chart in pack], practices) == []
    page = pcn_page(window)
    page.choose_metric("f2f_share")
    on_screen = {bar.code: bar.label for bar in page.chart.rows}
    chart = next(c for c in pack if c.slug == "compare-f2f_share").build(1.0)
    assert {bar.code: bar.label for bar in chart.rows} == on_screen
    assert leaks(all_texts(chart), practices) == []


# --- meeting mode and export ----------------------------------------------------------------


def test_meeting_mode_from_the_window_with_ctrl_m_and_f11(qtbot, window):
    for key, modifier in ((Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier),
                          (Qt.Key.Key_F11, Qt.KeyboardModifier.NoModifier)):
        qtbot.keyClick(window, key, modifier)
        meeting = window.meeting
        assert meeting is not None and meeting.isVisible() and meeting.isFullScreen()
        assert "DEMO Riverside PCN" in meeting.heading.text()
        qtbot.keyClick(meeting, Qt.Key.Key_Escape)
        assert not meeting.isVisible()
        qtbot.waitUntil(lambda: window.meeting is None)




# --- export --------------------------------------------------------------------------------
def test_a_chart_on_screen_exports_and_stays_as_it_was(qtbot, window, tmp_path):
    chart = pcn_page(window).chart
    before = chart.size()
    png = export.save_png(chart, tmp_path / "chart.png", 1600, 900, scale=2)
    image = QImage(str(png))
    assert (image.width(), image.height()) == (1600, 900)
    assert len({image.pixel(x, y) for x in range(0, 1600, 9) for y in range(0, 900, 9)}) > 5
    assert chart.size() == before and chart.isVisible()
    QGuiApplication.clipboard().clear()
    export.copy_to_clipboard(chart)
    assert QApplication.clipboard().image().width() == 2 * chart.width()
    for page in ("Appointments", "Telephony", "PCN"):
        for plot in window.pages[page].findChildren(pg.PlotWidget):
            assert "Copy chart" in [a.text() for a in plot.actions()], (page, plot)
