"""pytest-qt tests of the window: first run with the demo, import flow, Appointments page."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QDate, QMimeData, QPoint, Qt, QUrl
from PySide6.QtGui import QDropEvent

from local_db import queries
from practice_desk import demo, targets
from practice_desk.importing.mapping_step import propose
from practice_desk.metrics import Selection, metric_rows
from practice_desk.telephony import core_hours
from ui.main_window import PAGES
from ui.mapping_dialog import MappingDialog
from ui.models import IMPORT_COLUMNS, RowsModel, import_rows
from ui.pages.appointments import pivot_breakdown

WAIT_MS = 60_000


@pytest.fixture
def window(make_window, db_path):
    return make_window(db_path)


def start_without_demo(win):
    queries.set_setting(win.state.conn, "first_run_done", "1")
    win.start()


def wait_for_import(qtbot, page):
    qtbot.waitUntil(lambda: page.task is None, timeout=WAIT_MS)


def test_first_run_loads_the_demo_pcn_and_labels_it(qtbot, window):
    window.start()
    qtbot.waitUntil(lambda: window.demo_task is None, timeout=WAIT_MS)
    assert window.state.selection == Selection(pcn=demo.DEMO_PCN, start="2023-11", end="2025-10")
    assert window.demo_badge.isVisible() and window.banner.isVisible()
    assert window.stack.currentWidget() is window.pages["Overview"]  # the app opens on it
    assert "Demo loaded" in window.notice.text.text() and window.notice.isVisible()
    window.show_page("Appointments")
    page = window.pages["Appointments"]
    expected = metric_rows(window.state.conn, window.state.selection)
    chart = page.charts["f2f_share"]
    assert chart.months == [row["month"] for row in expected]
    assert chart.values == [row["f2f_share"] for row in expected]
    x, y = chart._line.getData()
    assert len(x) == 24 and y[0] == pytest.approx(expected[0]["f2f_share"] * 100)
    assert chart.target == pytest.approx(0.70)
    assert page.charts["within_14_days_share"].target == pytest.approx(0.85)


def test_empty_database_after_first_run_shows_no_numbers(qtbot, window):
    start_without_demo(window)
    window.show_page("Appointments")
    page = window.pages["Appointments"]
    assert window.state.selection is None
    assert not page.content.isVisible() and page.empty.isVisible()


def test_import_flow_then_appointments_page_shows_real_figures(qtbot, window, crosstab_csv):
    start_without_demo(window)
    imports = window.pages["Imports"]
    window.show_page("Imports")
    imports.start_import([str(crosstab_csv)])
    assert imports.progress.isVisible() and imports.cancel_button.isVisible()
    wait_for_import(qtbot, imports)
    assert "Imported 2,638 rows" in imports.results.toPlainText()
    assert imports.model.rowCount() == 1
    window.selector.choose("practice", "D81001")
    window.show_page("Appointments")
    page = window.pages["Appointments"]
    assert page.tiles["appointments_total"].text() == "6,649"
    assert page.tiles["f2f_share"].text() == "64.9%"        # 4,313 / 6,649
    assert page.tiles["within_14_days_share"].text() == "72.7%"  # 4,835 / 6,649
    table = page.breakdown_model.rows
    assert sum(row["total"] for row in table) == 6649
    home = next(row for row in table if row["mode"] == "Home Visit")
    assert home["total"] == 35


def test_a_bad_file_is_reported_and_changes_nothing(qtbot, window, crosstab_csv, tmp_path, db_dump):
    start_without_demo(window)
    imports = window.pages["Imports"]
    imports.start_import([str(crosstab_csv)])
    wait_for_import(qtbot, imports)
    before = db_dump(window.state.conn)
    bad = tmp_path / "broken.csv"
    lines = crosstab_csv.read_text(encoding="utf-8").splitlines()
    bad.write_text("\n".join([lines[0], lines[1].replace("01OCT2025", "31XYZ2025")]) + "\n")
    imports.start_import([str(bad)])
    wait_for_import(qtbot, imports)
    message = imports.results.toPlainText()
    assert "broken.csv" in message and "line 2" in message and "nothing was changed" in message
    assert db_dump(window.state.conn) == before


def test_cancel_leaves_the_database_unchanged(qtbot, window, tmp_path, db_dump):
    start_without_demo(window)
    before = db_dump(window.state.conn)
    crosstab_zip = demo.write_demo_files(tmp_path)[0]  # 62,000 rows: passes a cancel check
    imports = window.pages["Imports"]
    task = imports.start_import([str(crosstab_zip)])
    imports.cancel()
    wait_for_import(qtbot, imports)
    assert task.cancelled()
    assert "cancelled" in imports.results.toPlainText()
    assert db_dump(window.state.conn) == before


def test_drop_then_undo(qtbot, window, crosstab_csv):
    start_without_demo(window)
    imports = window.pages["Imports"]
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(crosstab_csv))])
    drop = QDropEvent(QPoint(5, 5), Qt.DropAction.CopyAction, mime,
                      Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    imports.dropEvent(drop)
    wait_for_import(qtbot, imports)
    assert queries.get_practice(window.state.conn, "D81001") is not None
    imports.refresh()
    imports.table.selectRow(0)
    assert imports.undo_button.isEnabled()
    imports.undo_selected(confirm=False)
    wait_for_import(qtbot, imports)
    assert "Undid import 1" in imports.results.toPlainText()
    count = window.state.conn.execute("SELECT COUNT(*) FROM gpad_appointments").fetchone()[0]
    assert count == 0
    assert imports.model.rows[0]["status_label"] == "undone"


def test_editing_a_target_moves_the_line_and_is_saved(qtbot, window):
    window.start()
    qtbot.waitUntil(lambda: window.demo_task is None, timeout=WAIT_MS)
    page = window.pages["Appointments"]
    page.target_boxes["f2f_share"].spin.setValue(75)
    assert targets.get_target(window.state.conn, "f2f_share") == pytest.approx(0.75)
    assert page.charts["f2f_share"].target == pytest.approx(0.75)
    assert window.pages["Settings"].target_boxes["f2f_share"].spin.value() == 75
    page.target_boxes["f2f_share"].spin.setValue(0)
    assert targets.get_target(window.state.conn, "f2f_share") is None
    assert not page.charts["f2f_share"]._target_line.isVisible()


def test_keyboard_shortcuts_switch_pages(qtbot, window):
    start_without_demo(window)
    for number, name in enumerate(PAGES, start=1):
        qtbot.keyClick(window, str(number), Qt.KeyboardModifier.ControlModifier)
        assert window.stack.currentWidget() is window.pages[name]


def test_month_range_narrows_the_charts(qtbot, window):
    window.start()
    qtbot.waitUntil(lambda: window.demo_task is None, timeout=WAIT_MS)
    bar = window.selector
    bar.start.setCurrentIndex(bar.start.findData("2025-01"))
    bar._range_chosen(0)
    window.show_page("Appointments")
    chart = window.pages["Appointments"].charts["f2f_share"]
    assert chart.months[0] == "2025-01" and chart.months[-1] == "2025-10"


def test_remove_demo_from_settings(qtbot, window):
    window.start()
    qtbot.waitUntil(lambda: window.demo_task is None, timeout=WAIT_MS)
    window.remove_demo()
    assert not queries.demo_loaded(window.state.conn)
    assert window.state.selection is None and not window.banner.isVisible()


def test_rows_model_and_breakdown_pivot_without_a_window(qtbot):
    rows = [{"mode": "Telephone", "interval": "Same Day", "appointments": 30},
            {"mode": "Face-to-Face", "interval": "1 Day", "appointments": 50},
            {"mode": "Face-to-Face", "interval": "Same Day", "appointments": 20}]
    table = pivot_breakdown(rows)
    assert [r["mode"] for r in table] == ["Face-to-Face", "Telephone"]
    assert table[0]["total"] == 70 and table[0]["share"] == pytest.approx(0.7)
    assert table[0]["Same Day"] == 20 and table[1]["1 Day"] == 0
    model = RowsModel(IMPORT_COLUMNS)
    model.set_rows(import_rows([{"id": 3, "kind": "gpad_crosstab", "file_name": "a.csv",
                                 "rows_stored": 1200, "rows_superseded": 0, "periods": "2025-10",
                                 "status": "done", "finished_at": "2025-11-01T09:00:00",
                                 "message": ""}]))
    assert model.rowCount() == 1
    assert model.index(0, 3).data() == "1,200"
    assert model.index(0, 1).data() == "GPAD practice-level crosstab"
    assert model.index(0, 5).data() == "in use"


def test_qt_binding_keeps_bool_refcounts(qtbot):
    """PySide6 6.12.0 lost a reference to True on every pyqtgraph range change and crashed the
    app at exit (hence the pin to 6.11.2); this guards against that coming back."""
    import sys

    import pyqtgraph as pg

    plot = pg.PlotWidget()
    qtbot.addWidget(plot)
    plot.setXRange(0, 5, padding=0)
    before = sys.getrefcount(True)
    for _ in range(200):
        plot.setXRange(0, 5, padding=0)
    assert sys.getrefcount(True) >= before - 5


def test_call_log_goes_through_the_mapping_dialog_then_is_remembered(qtbot, window, data_dir):
    start_without_demo(window)
    imports = window.pages["Imports"]
    asked = []

    def answer(path, proposal):
        dialog = MappingDialog(window.state.conn, path, proposal, imports)
        qtbot.addWidget(dialog)
        assert not dialog.import_button.isEnabled()  # no practice chosen yet
        dialog.practice.setEditText("E81050")
        assert dialog.import_button.isEnabled(), dialog.problems.text()
        asked.append(Path(path).name)
        return dialog.result(), True

    imports.ask_mapping = answer
    imports.start_import([str(data_dir / "calls" / "xon_export.csv")])
    wait_for_import(qtbot, imports)
    assert asked == ["xon_export.csv"]
    rows = metric_rows(window.state.conn, Selection(practice="E81050"))
    (row,) = rows
    # Worked out by hand in tests/test_calllogs.py for this fixture.
    assert (row["inbound_calls"], row["answered"], row["ivr_ended"], row["missed"]) == (12, 4, 3, 2)
    assert row["callback_requested"] == 3 and row["telephony_source"] == "call log"
    # Same columns again: the saved mapping (with its practice) is used without asking.
    imports.start_import([str(data_dir / "calls" / "xon_export_overlap.csv")])
    wait_for_import(qtbot, imports)
    assert asked == ["xon_export.csv"]
    assert "xon_export_overlap.csv" in imports.results.toPlainText()


def test_mapping_dialog_masks_caller_numbers(qtbot, window, data_dir):
    path = data_dir / "calls" / "xon_export.csv"
    dialog = MappingDialog(window.state.conn, path, propose(path, window.state.conn))
    qtbot.addWidget(dialog)
    caller = dialog.header.index("Caller Number")
    shown = [dialog.preview.item(r, caller).text() for r in range(dialog.preview.rowCount())]
    assert any("•" in text for text in shown)
    assert not any(sum(ch.isdigit() for ch in text) > 4 for text in shown)


def test_cancelling_the_mapping_imports_nothing(qtbot, window, data_dir, db_dump):
    start_without_demo(window)
    imports = window.pages["Imports"]
    before = db_dump(window.state.conn)
    imports.ask_mapping = lambda path, proposal: None
    assert imports.start_import([str(data_dir / "calls" / "custom_log.csv")]) is None
    assert "cancelled when asked" in imports.results.toPlainText()
    assert db_dump(window.state.conn) == before


def test_pomi_file_without_its_service_in_the_name_is_asked_about(qtbot, window, data_dir,
                                                                  db_dump):
    """A 2015-17 POMI file counts one service; when its name does not say which, the import
    asks, and cancelling imports nothing."""
    start_without_demo(window)
    imports = window.pages["Imports"]
    path = str(data_dir / "nhs_app" / "POMI_Mar_2016_extract.csv")
    before = db_dump(window.state.conn)
    imports.ask_pomi_service = lambda path: None
    assert imports.start_import([path]) is None
    assert db_dump(window.state.conn) == before
    asked = []
    imports.ask_pomi_service = lambda path: asked.append(Path(path).name) or "records"
    imports.start_import([path])
    wait_for_import(qtbot, imports)
    assert asked == ["POMI_Mar_2016_extract.csv"]
    row = window.state.conn.execute(
        "SELECT value FROM pomi_values WHERE ods_code = 'Z99001' AND month = '2016-03' "
        "AND field = 'Pat_DetCodeRec_Use'").fetchone()
    assert row[0] == 31  # as tests/test_nhs_app_import.py reads it with the service given


def test_core_hours_and_holidays_are_edited_in_settings(qtbot, window):
    start_without_demo(window)
    window.show_page("Settings")
    panel = window.pages["Settings"].telephony
    assert [box.isChecked() for box in panel.days] == [True] * 5 + [False] * 2
    panel.end.setTime(panel.end.time().addSecs(-30 * 60))  # 18:00
    panel.save_core_hours()
    qtbot.waitUntil(lambda: panel.task is None, timeout=WAIT_MS)
    assert core_hours.get_core_hours(window.state.conn).end.strftime("%H:%M") == "18:00"
    panel.holiday_day.setDate(QDate(2031, 1, 2))
    panel.holiday_name.setText("Practice training day")
    panel.add_holiday()
    qtbot.waitUntil(lambda: panel.task is None, timeout=WAIT_MS)
    assert ("2031-01-02", "Practice training day") in core_hours.list_bank_holidays(
        window.state.conn)
