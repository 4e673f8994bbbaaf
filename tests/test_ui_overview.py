"""pytest-qt tests of the Overview page, the SPC chart widget and intervention notes (demo)."""

from __future__ import annotations

import shutil

import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QScrollArea

from local_db.connection import open_database
from practice_desk import demo, headline, notes, targets
from practice_desk.metrics import Selection, metric_rows, spc
from practice_desk.metrics.keys import format_value
from practice_desk.telephony.daily import daily_rows
from ui.notes_dialog import NoteDraft
from ui.spc_chart import KIND_COLOURS, KIND_SIZES, KIND_SYMBOLS, SPCChart

PCN = Selection(pcn=demo.DEMO_PCN)


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    """The demo PCN loaded once; each test works on its own copy."""
    path = tmp_path_factory.mktemp("overview-demo") / "demo.sqlite"
    conn = open_database(path)
    demo.load_demo(conn)
    conn.close()
    return path


@pytest.fixture
def window(make_window, demo_db, tmp_path):
    db_path = tmp_path / "practice_desk.sqlite"
    shutil.copy(demo_db, db_path)
    win = make_window(db_path, first_run_done=True)
    win.start()
    win.selector.choose("pcn", demo.DEMO_PCN)
    win.show_page("Overview")
    return win


def limits_of(chart: SPCChart) -> list[tuple[float, float, float, bool]]:
    return [(lim.mean, lim.lower, lim.upper, lim.trial) for _a, _b, lim in chart.segments()]


def expected_limits(values, improvement, target, points=()):
    analysis = spc.analyse(values, improvement, target, points)
    seen, found = [], []
    for point in analysis.points:
        if point.limits is not None and all(point.limits is not s for s in seen):
            seen.append(point.limits)
            found.append((point.limits.mean, point.limits.lower, point.limits.upper,
                          point.limits.trial))
    return found


def test_tiles_show_the_latest_figures_of_metric_rows(window):
    page = window.pages["Overview"]
    assert page.content.isVisible()
    rows = metric_rows(window.state.conn, window.state.selection)
    assert list(page.tiles) == headline.HEADLINE_KEYS
    for key, tile in page.tiles.items():
        shown = [row for row in rows if row[key] is not None]
        if not shown:  # e.g. NHS App figures before any are imported
            assert tile.value.text() == "–" and tile.change.text() == "No data yet"
            continue
        assert tile.value.text() == format_value(key, shown[-1][key]), key
        months, values = headline.series(rows, key)
        target = targets.get_target(window.state.conn, key)
        analysis = spc.analyse(values, headline.improvement(key), target)
        assert (tile.variation, tile.assurance) == (analysis.variation, analysis.assurance)
    f2f = page.tiles["f2f_share"]
    assert f2f.target.text() == "Target 70%"
    assert page.tiles["missed_share"].target.text() == "No target set"
    # The demo's latest month and the one before: the change is worked from the rows.
    last, before = rows[-1]["f2f_share"], rows[-2]["f2f_share"]
    points = abs(last - before) * 100
    assert f"{points:.1f} points on" in f2f.change.text()


def test_a_tile_opens_its_chart_by_click_or_keyboard(qtbot, window):
    page = window.pages["Overview"]
    rows = metric_rows(window.state.conn, window.state.selection)
    qtbot.mouseClick(page.tiles["within_14_days_share"], Qt.MouseButton.LeftButton)
    assert page.chart_key == "within_14_days_share"
    chart = page.chart
    months, values = headline.series(rows, "within_14_days_share")
    assert chart.months == months and chart.values == values
    assert chart.target == pytest.approx(0.85)
    assert limits_of(chart) == expected_limits(values, spc.HIGHER, 0.85)
    x, y = chart._line.getData()
    assert list(x) == list(range(len(values)))
    assert list(y) == pytest.approx([v * 100 for v in values])
    mean, lower, upper = (chart._mean_line.getData()[1][0], chart._lower_line.getData()[1][0],
                          chart._upper_line.getData()[1][0])
    limits = chart.analysis.limits
    assert (mean, lower, upper) == pytest.approx((limits.mean * 100, limits.lower * 100,
                                                  limits.upper * 100))
    tile = page.tiles["dna_rate"]
    tile.setFocus()
    qtbot.keyClick(tile, Qt.Key.Key_Return)
    assert page.chart_key == "dna_rate" and chart.improvement == spc.LOWER
    assert tile.property("chosen") is True
    assert page.tiles["within_14_days_share"].property("chosen") is False


def test_points_are_coloured_and_shaped_by_kind(window):
    page = window.pages["Overview"]
    page.open_chart("f2f_share")
    chart = page.chart
    kinds = [p.kind for p in chart.analysis.points if p.value is not None]
    assert spc.IMPROVEMENT in kinds and spc.COMMON in kinds  # the demo's rise in face-to-face
    for spot, kind in zip(chart.spots, kinds, strict=True):
        assert spot["brush"].color().name() == KIND_COLOURS[kind]
        assert spot["symbol"] == KIND_SYMBOLS[kind] and spot["size"] == KIND_SIZES[kind]
    drawn = chart._points.data
    assert [b.color().name() for b in drawn["brush"]] == [KIND_COLOURS[k] for k in kinds]


def test_every_kind_and_icon_on_a_worked_series(qtbot):
    chart = SPCChart("worked")
    qtbot.addWidget(chart)
    values = [0.5] * 3 + [0.52, 0.48] * 6 + [0.9]   # 16 points, the last far above the limits
    chart.configure("missed_share")
    chart.set_data([f"2025-{m:02d}" if m <= 12 else f"2026-{m - 12:02d}"
                    for m in range(1, len(values) + 1)], values, spc.LOWER, 0.8)
    assert chart.analysis.points[-1].kind == spc.CONCERN
    assert chart.spots[-1]["brush"].color().name() == "#e46c0a"
    assert chart.spots[0]["brush"].color().name() == "#a6a6a6"
    assert chart.icons.texts()[:2] == ["Special cause concern: unusually high",
                                       "Target: will be met consistently"]
    chart.set_series(chart.months, values, spc.HIGHER)
    assert chart.spots[-1]["brush"].color().name() == "#00b0f0"
    chart.set_series(chart.months, values, None)
    assert chart.spots[-1]["brush"].color().name() == "#490092"
    assert chart._target_line.isVisible()
    assert "Target 80%" in chart._target_line.label.format
    chart.set_series(chart.months[:5], values[:5], spc.HIGHER)
    assert chart.analysis.limits.trial and "Trial limits" in chart.icons.texts()[-1]
    assert [label.textItem.toPlainText() for label in chart._labels] == ["trial limits"]
    assert "Jan 25" in chart.describe_point(0) and "50.0%" in chart.describe_point(0)
    image = chart.render_image(800, 400, ratio=2.0)
    assert (image.width(), image.height()) == (1600, 800)


def _answer(draft: NoteDraft):
    return lambda _draft, _metric: draft


def test_a_rebase_note_changes_the_limits_then_edit_and_delete(qtbot, window):
    page = window.pages["Overview"]
    page.open_chart("f2f_share")
    chart = page.chart
    before = limits_of(chart)
    assert len(before) == 1
    page.editor.ask = _answer(NoteDraft("2024-11-04", "Extra face-to-face clinics", True,
                                        "f2f_share"))
    note = page.notes_panel.editor.add("2024-11-01", "f2f_share")
    index = chart.months.index("2024-11")
    assert chart.change_points == [index]
    assert limits_of(chart) == expected_limits(chart.values, spc.HIGHER, 0.70, [index])
    assert len(limits_of(chart)) == 2 and limits_of(chart) != before
    assert [n.text for n in chart.notes] == ["Extra face-to-face clinics"]
    assert "Extra face-to-face clinics" in page.notes_panel.list.item(0).text()
    position = notes.note_position(note.day, chart.months)
    assert chart.note_at(position) == note
    middle = chart.analysis.limits.mean * 100
    chart._hover(chart.getPlotItem().vb.mapViewToScene(QPointF(position, middle)))
    assert "Extra face-to-face clinics" in chart.toolTip() and "re-based" in chart.toolTip()
    chart._hover(chart.getPlotItem().vb.mapViewToScene(QPointF(0, middle)))
    assert chart.toolTip().startswith("<b>Nov 23</b>: " + f"{chart.values[0]:.1%}")
    # Only this metric's charts carry it.
    page.open_chart("dna_rate")
    assert chart.notes == [] and chart.change_points == []
    page.open_chart("f2f_share")
    # Edit: no longer re-basing.
    page.editor.ask = _answer(NoteDraft("2024-11-04", "Extra clinics", False, "f2f_share"))
    page.notes_panel.list.setCurrentRow(0)
    page.notes_panel.edit_button.click()
    assert limits_of(chart) == before and chart.notes[0].text == "Extra clinics"
    page.editor.confirm = lambda _note: True
    page.notes_panel.list.setCurrentRow(0)
    page.notes_panel.delete_button.click()
    assert chart.notes == [] and notes.list_notes(window.state.conn, "pcn", demo.DEMO_PCN,
                                                  "f2f_share") == []


def test_right_click_menu_adds_a_note_for_every_chart(qtbot, window):
    page = window.pages["Overview"]
    page.open_chart("missed_share")
    chart = page.chart
    asked = []

    def answer(draft, metric):
        asked.append((draft.day, metric))
        return NoteDraft(draft.day, "New phone system", True, None)

    page.editor.ask = answer
    menu = chart.note_menu(chart.months.index("2025-04"))
    add = menu.actions()[0]
    assert add.text() == "Add a note for Apr 25…"
    add.trigger()
    assert asked == [("2025-04-01", "missed_share")]
    # A note for every chart shows on the Appointments page's charts too.
    window.show_page("Appointments")
    appointments = window.pages["Appointments"].charts["f2f_share"]
    assert [n.text for n in appointments.notes] == ["New phone system"]
    assert appointments.change_points == [appointments.months.index("2025-04")]
    menu = chart.note_menu(notes.note_position("2025-04-01", chart.months))
    texts = [a.text() for a in menu.actions() if not a.isSeparator()]
    assert texts[1:] == ["Edit note of Tue 1 Apr 25…", "Delete this note", "Copy chart",
                         "Save chart as PNG…", "Save chart as SVG…"]


def test_daily_telephony_chart_from_call_logs(window):
    page = window.pages["Overview"]
    page.open_chart("missed_share")
    selection = window.state.selection
    days = daily_rows(window.state.conn, selection.practices(window.state.conn))
    assert days, "the demo has call logs"
    assert page.view.isEnabled()
    page.view.setCurrentIndex(page.view.findData("weekday"))
    working = [row for row in days if row["weekday"] < 5]
    assert page.chart.months == [row["day"] for row in working]
    assert page.chart.values == [row["missed_share"] for row in working]
    assert limits_of(page.chart) == expected_limits(page.chart.values, spc.LOWER, None)
    assert page.chart.title == "Missed (abandonment) rate by working day"
    page.open_chart("f2f_share")  # appointments have no days
    assert not page.view.isEnabled() and len(page.chart.months[0]) == 7


def test_targets_for_every_headline_measure_in_settings(window):
    settings = window.pages["Settings"]
    assert list(settings.target_boxes) == headline.HEADLINE_KEYS
    box = settings.target_boxes["calls_111_core"]
    assert box.spin.suffix() == "" and box.spin.value() == 0
    box.spin.setValue(30)
    assert targets.get_target(window.state.conn, "calls_111_core") == 30
    page = window.pages["Overview"]
    window.show_page("Overview")
    assert page.tiles["calls_111_core"].target.text() == "Target 30"
    page.open_chart("calls_111_core")
    assert page.chart.target == 30  # lower is better for 111 calls: the target gets assurance
    # The demo has 7 months of 111 calls: too few for an assurance verdict, which the tile says.
    assert page.chart.analysis.points_needed == 8
    assert page.tiles["calls_111_core"].assurance is page.chart.analysis.assurance is None
    assert page.tiles["calls_111_core"].meaning.text().startswith("No verdict yet: 7 of the 15")
    settings.target_boxes["missed_share"].spin.setValue(10)
    assert page.tiles["missed_share"].target.text() == "Target 10%"
    assert page.tiles["missed_share"].assurance in {"pass", "fail", "inconsistent"}


@pytest.mark.parametrize("size", [(1366, 768), (1920, 1080)])
def test_screenshots_fit_without_clipping(qtbot, window, tmp_path, size):
    """Grabbed to PNG for review by eye; checked here for what a machine can: no sideways
    scrolling (nothing cut off at the right) and every tile wide enough for its figure."""
    window.resize(*size)
    for name in ("Overview", "Appointments"):
        window.show_page(name)
        qtbot.wait(50)
        page = window.pages[name]
        scroll = page.findChild(QScrollArea)
        assert not scroll.horizontalScrollBar().isVisible(), name
        assert window.grab().save(str(tmp_path / f"{name}_{size[0]}x{size[1]}.png"))
    for tile in window.pages["Overview"].tiles.values():
        metrics = tile.value.fontMetrics()
        assert tile.value.width() >= metrics.horizontalAdvance(tile.value.text())
