"""The Telephony page on real NHS England figures and on a hand-checked call log."""

from __future__ import annotations

import pytest

from practice_desk.importing import import_file
from practice_desk.importing.mapping_step import propose
from practice_desk.importing.runner import ImportOptions
from practice_desk.metrics import Selection
from practice_desk.metrics.national import national_distribution
from practice_desk.telephony import core_hours

WORKBOOK = "Cloud Based Telephony Publication Summary October 2025_v2.xlsx"


@pytest.fixture
def window(make_window, db_path):
    return make_window(db_path, first_run_done=True)


def show(window, selection: Selection):
    window.start()
    window.selector.choose(selection.scope_key, selection.code)
    window.show_page("Telephony")
    return window.pages["Telephony"]


def test_cbt_figures_with_england_for_context(window, data_dir):
    assert import_file(window.state.conn, data_dir / WORKBOOK).status == "done"
    page = show(window, Selection(practice="E81050"))
    assert page.content.isVisible()
    assert page.tiles["inbound_calls"].value.text() == "7,993"
    assert page.tiles["missed_share"].value.text() == "13.3%"  # 1,060 / 7,993
    national = national_distribution(window.state.conn, "missed_share", "2025-10")
    assert f"median {national['median']:.1%}" in page.tiles["missed_share"].context.text()
    assert page.trend.values == [pytest.approx(1060 / 7993)]
    assert page.trend.band[0][1] == pytest.approx(national["median"])
    legend = [label.text for _, label in page.trend.plotItem.legend.items]
    assert legend == ["This selection", "England median", "England, middle 80% of practices"]
    assert page.hours_note.isVisible() and not page.heatmap.isVisible()  # no hours in CBT


def test_call_log_fills_the_hour_views(window, data_dir):
    path = data_dir / "calls" / "xon_export.csv"
    proposal = propose(path, window.state.conn)
    options = ImportOptions(practice="E81050", mapping=proposal.mapping)
    assert import_file(window.state.conn, path, options=options).status == "done"
    page = show(window, Selection(practice="E81050"))
    assert page.heatmap.isVisible() and not page.hours_note.isVisible()
    assert sum(map(sum, page.heatmap.counts)) == 12  # the fixture's inbound calls
    parts = page.by_hour.series
    assert sum(parts["Answered"]) == 4 and sum(parts["Missed"]) == 2
    page.weekday.setCurrentIndex(page.weekday.findData(6))  # Sunday: no calls
    assert sum(page.by_hour.series["Answered"]) == 0


def test_diversion_log_feeds_minutes_diverted(window, data_dir):
    assert import_file(window.state.conn, data_dir / WORKBOOK).status == "done"
    page = show(window, Selection(practice="E81050"))
    # Monday 6 October 2025, 12:00-13:30: 90 minutes inside core hours.
    page.diversions.add({"practice": "E81050", "start": "2025-10-06 12:00",
                         "end": "2025-10-06 13:30", "reason": "Phone fault",
                         "icb_informed": True})
    assert page.diversions.model.rowCount() == 1
    assert core_hours.diverted_minutes_core(window.state.conn, ["E81050"], "2025-10") == 90


def test_diversion_dialog_lists_practices_as_on_screen(window, data_dir, qtbot):
    """Anonymised, the dialog offers 'Practice A', not the ODS code, and still saves the code."""
    from ui.names import practice_names
    from ui.pages.diversions import DiversionDialog

    assert import_file(window.state.conn, data_dir / WORKBOOK).status == "done"
    page = show(window, Selection(practice="E81050"))
    window.state.set_anonymise(True)
    names = practice_names(window.state)
    dialog = DiversionDialog({"E81050": names.label("E81050")})
    qtbot.addWidget(dialog)
    shown = [dialog.practice.itemText(i) for i in range(dialog.practice.count())]
    assert shown == ["Practice A"] and "E81050" not in " ".join(shown)
    assert dialog.values()["practice"] == "E81050"
    assert page.diversions.model.rowCount() == 0


def test_england_spread_is_worked_out_in_the_background(window, data_dir, qtbot, monkeypatch):
    """After an import the window works out England's series on a worker thread, so the
    Telephony page then draws its band and tiles without computing them itself."""
    from practice_desk.metrics import national

    assert import_file(window.state.conn, data_dir / WORKBOOK).status == "done"
    window.state.data_changed.emit()
    qtbot.waitUntil(lambda: window.national_task.done.is_set(), timeout=30_000)
    computed = []
    original = national.national_series_uncached
    monkeypatch.setattr(national, "national_series_uncached",
                        lambda *args: computed.append(args) or original(*args))
    page = show(window, Selection(practice="E81050"))
    assert page.trend.band and page.trend.band[0] is not None
    assert computed == []


def test_unknown_answered_waits_are_not_drawn_as_zero(window, data_dir):
    """Master.csv without its queue_log: A1 was answered from the queue with an unknown wait,
    so the answered wait bands are null (not 0 %) and the page says what would fill them; the
    missed waits (A2 after 121 s, A5 after 60 s) are known and drawn. The queue_log then fills
    the answered bands."""
    conn = window.state.conn
    options = ImportOptions(practice="C81003")
    assert import_file(conn, data_dir / "calls" / "Master.csv", options=options).status == "done"
    page = show(window, Selection(practice="C81003"))
    assert set(page.waits.series) == {"Missed"}
    assert page.waits_note.isVisible() and "import the queue_log" in page.waits_note.text()
    assert import_file(conn, data_dir / "calls" / "queue_log", options=options).status == "done"
    page.refresh()
    assert set(page.waits.series) == {"Answered", "Missed"}
    assert not page.waits_note.isVisible()


def test_overview_tile_says_why_answered_waits_are_blank(window, data_dir):
    """The same Master.csv on the Overview: 'Answered within 1 minute' has no figure because the
    answered calls' waits are unknown, which is not 'No data yet'."""
    conn = window.state.conn
    options = ImportOptions(practice="C81003")
    assert import_file(conn, data_dir / "calls" / "Master.csv", options=options).status == "done"
    show(window, Selection(practice="C81003"))
    window.show_page("Overview")
    overview = window.pages["Overview"]
    tile = overview.tiles["answered_wait_lt1m_share"]
    assert tile.value.text() == "–"
    assert "import the queue_log" in tile.change.text()
    assert overview.tiles["dna_rate"].change.text() == "No data yet"  # no appointments at all


def test_first_figures_are_laid_out_before_they_are_painted(window, data_dir):
    """A page's first figures resize every tile, label and chart: the layout is settled as they
    are drawn, so the window is painted once, in its final places, not again at each level."""
    from PySide6.QtWidgets import QApplication, QWidget

    assert import_file(window.state.conn, data_dir / WORKBOOK).status == "done"
    page = show(window, Selection(practice="E81050"))
    widgets = page.findChildren(QWidget)
    placed = [widget.geometry() for widget in widgets]
    QApplication.processEvents()
    assert [widget.geometry() for widget in widgets] == placed
