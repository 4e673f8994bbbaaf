"""The window around the pages (issue 13 items 5-9): finding your own practice after a national
file, the window's size and its messages, anonymise everywhere, the smaller fixes, the
definitions page (F1), printing to PDF and 'About my data'."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pyqtgraph as pg
import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QColor, QPageLayout, QPageSize, QTextDocumentFragment
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QApplication

from local_db import queries
from local_db.connection import open_database
from practice_desk import demo
from practice_desk.data_coverage import about_my_data
from practice_desk.importing import import_file
from practice_desk.metrics.nhs_app import BASIS_USERS, BASIS_VIEWS
from practice_desk.telephony import rules
from tests import pack_fixtures
from tests.test_ui_pcn import all_texts
from ui import excel_export, main_window
from ui.about_data import AboutDataDialog
from ui.main_window import PAGES, initial_geometry
from ui.pages.nhs_app import record_views_caption
from ui.selector import FEW

demo_db, db_copy = pack_fixtures.demo_db, pack_fixtures.db_copy
DATA = Path(__file__).parent / "data"
CBT_WORKBOOK = DATA / "Cloud Based Telephony Publication Summary October 2025_v2.xlsx"
WAIT_MS = 60_000


@pytest.fixture(scope="module")
def national_db(tmp_path_factory):
    """NHS England's national telephony workbook: 4,376 practices in 1,175 PCNs."""
    path = tmp_path_factory.mktemp("national") / "national.sqlite"
    conn = open_database(path)
    assert import_file(conn, CBT_WORKBOOK).status == "done"
    queries.set_setting(conn, "first_run_done", "1")
    conn.close()
    return path


@pytest.fixture
def national_copy(national_db, tmp_path):
    path = tmp_path / "national.sqlite"
    shutil.copy(national_db, path)
    return path


def answer_find(dialog, typed: str | None, remember: bool = True) -> None:
    """In the open Find dialog, type `typed` and take the first match (None: "Not now")."""
    assert dialog is not None and dialog.isVisible()
    if typed is None:
        dialog.reject()
        return
    dialog.search.setText(typed)
    dialog.remember.setChecked(remember)
    dialog.accept()


def activate(qtbot, window) -> None:
    """Shortcuts reach an active window only (offscreen, none is active by itself)."""
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)


def a_practice_in_a_pcn(conn) -> dict:
    return next(p for p in queries.list_practices(conn)
                if p["pcn_code"] and p["name"] and len(p["name"]) > 25)


# --- item 5: finding your own practice ---------------------------------------------------------
def test_after_a_national_file_the_app_asks_once_which_practice_is_mine(
        qtbot, monkeypatch, make_window, national_copy):
    conn = open_database(national_copy)
    mine = a_practice_in_a_pcn(conn)
    mates = queries.practices_in_pcn(conn, mine["pcn_code"])
    conn.close()
    window = make_window(national_copy)
    window.start()
    asked = window.find_dialog
    assert asked.windowTitle() == "Which practice or PCN is yours?"
    answer_find(asked, mine["ods_code"].lower())  # an ODS code, any case
    assert asked.proxy.rowCount() == 1  # the code finds just that practice
    assert window.state.mine() == ("practice", mine["ods_code"])
    assert window.state.selection.practice == mine["ods_code"]
    # "Showing" holds the user's PCN and its practices, not 5,500 entries
    bar = window.selector.scope
    assert bar.count() == 1 + len(mates) <= FEW
    assert {bar.itemData(i) for i in range(bar.count())} == \
        {f"pcn:{mine['pcn_code']}"} | {f"practice:{code}" for code in mates}
    assert mine["name"] in bar.currentText() and not bar.isEditable()  # never clipped on the left
    assert bar.view().textElideMode() == Qt.TextElideMode.ElideRight  # long names keep their start
    window.state.data_changed.emit()  # another import: not asked again
    assert window.find_dialog is None
    window.close()
    again = make_window(national_copy)  # the next start opens on it, without asking
    again.start()
    assert again.find_dialog is None and again.state.selection.practice == mine["ods_code"]


def test_not_now_chooses_nothing_for_the_user_and_find_searches_by_name(
        qtbot, monkeypatch, make_window, national_copy):
    window = make_window(national_copy)
    window.start()
    answer_find(window.find_dialog, None)
    assert window.state.selection is None  # no unrelated PCN picked for the user
    assert window.selector.scope.currentIndex() == -1 and window.state.mine() is None
    conn = window.state.conn
    wanted = a_practice_in_a_pcn(conn)
    words = wanted["name"].split()[:2]
    activate(qtbot, window)
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    dialog = window.find_dialog
    assert dialog.windowTitle() == "Find a practice or PCN"
    dialog.search.setText(" ".join(words).lower())
    shown = [dialog.proxy.index(row, 0).data() for row in range(dialog.proxy.rowCount())]
    assert shown and all(" ".join(words).lower() in text.lower() for text in shown)
    pcn_rows = [text for text in shown if " - PCN of " in text]
    practice_rows = shown[len(pcn_rows):]
    assert shown[:len(pcn_rows)] == pcn_rows  # PCNs first, then practices, each by name
    assert practice_rows == sorted(practice_rows, key=str.lower)
    chosen = dialog.chosen()
    answer_find(dialog, " ".join(words).lower(), remember=False)
    assert window.state.selection.code == chosen[1] and window.state.mine() is None


def test_the_mapping_dialogs_practices_are_sorted(qtbot, national_copy):
    from practice_desk.importing.mapping_step import propose
    from ui.mapping_dialog import MappingDialog

    conn = open_database(national_copy)
    path = DATA / "calls" / "custom_log.csv"
    dialog = MappingDialog(conn, path, propose(path, conn))
    qtbot.addWidget(dialog)
    codes = [dialog.practice.itemData(i) for i in range(dialog.practice.count())]
    assert len(codes) == len(queries.list_practices(conn)) > 4000
    assert codes == sorted(codes)
    conn.close()


def test_the_to_month_follows_a_newer_month_unless_chosen(qtbot, make_window, db_copy):
    window = make_window(db_copy)
    window.start()
    bar = window.selector
    months = [bar.end.itemData(i) for i in range(bar.end.count())]
    assert (bar.start.currentData(), bar.end.currentData()) == ("2023-11", "2025-10")
    newer = months + ["2025-11"]
    bar._fill_months(newer, keep_range=True)  # as after importing November
    assert (bar.start.currentData(), bar.end.currentData()) == ("2023-12", "2025-11")
    bar.end.setCurrentIndex(bar.end.findData("2025-06"))  # the user's own range
    bar._range_chosen(0)
    bar._fill_months(newer + ["2025-12"], keep_range=True)
    assert (bar.start.currentData(), bar.end.currentData()) == ("2023-12", "2025-06")


# --- item 6: the window and its messages -------------------------------------------------------
def test_the_window_fits_the_screen():
    small, maximised = initial_geometry(QRect(0, 0, 1366, 728))  # 1366 x 768 less a taskbar
    assert not maximised and small.top() >= main_window.TITLE_BAR
    assert small.bottom() < 728 and small.width() <= 1366
    large, maximised = initial_geometry(QRect(0, 0, 1920, 1040))
    assert maximised and large.width() >= 1366 and large.height() >= 900


def test_saved_workbook_and_import_are_announced_in_the_window(
        qtbot, monkeypatch, make_window, db_copy, tmp_path):
    window = make_window(db_copy)
    window.start()
    available = window.screen().availableGeometry()
    assert window.geometry().height() <= available.height() - main_window.TITLE_BAR
    out = tmp_path / "pack.xlsx"
    monkeypatch.setattr(excel_export.QFileDialog, "getSaveFileName",
                        lambda *_a: (str(out), excel_export.FILE_FILTER))
    opened = []
    monkeypatch.setattr("ui.widgets.QDesktopServices.openUrl", opened.append)
    window.excel_button.click()
    qtbot.waitUntil(lambda: window.excel_button.task is None and out.exists(), timeout=WAIT_MS)
    assert window.notice.isVisible() and window.notice.text.text() == f"Saved {out}"
    assert window.notice.open_folder.isVisible()
    window.notice.open_folder.click()
    assert Path(opened[0].toLocalFile()) == tmp_path
    window.notice.dismiss.click()
    assert not window.notice.isVisible()
    page = window.pages["Imports"]
    page.start_import([str(DATA / "Mapping_subset_Oct_25.csv")])
    qtbot.waitUntil(lambda: page.task is None, timeout=WAIT_MS)
    assert window.notice.isVisible() and "Imported 1 of 1" in window.notice.text.text()


# --- item 7: anonymise -------------------------------------------------------------------------
def secrets_of(conn) -> list[str]:
    found = []
    for p in queries.list_practices(conn):
        found += [p["ods_code"], p["name"]]
    for pcn in queries.list_pcns(conn):
        found += [pcn["pcn_code"], pcn["pcn_name"]]
    return [s for s in found if s]


def leaks(texts: list[str], secrets: list[str]) -> list[str]:
    return sorted({f"{secret!r} in {text[:80]!r}" for text in texts for secret in secrets
                   if secret.lower() in text.lower()})


def test_anonymise_leaves_no_practice_or_pcn_name_or_code_anywhere(
        qtbot, monkeypatch, make_window, db_copy, tmp_path):
    named = tmp_path / f"{demo.DEMO_PCN} list sizes.csv"  # a file name that names the PCN
    shutil.copy(DATA / "PracPopFeb26_gp-reg-pat-prac-all.csv", named)
    conn = open_database(db_copy)
    assert import_file(conn, named).status == "done"
    conn.close()
    window = make_window(db_copy)
    window.start()
    window.selector.choose("pcn", demo.DEMO_PCN)
    secrets = secrets_of(window.state.conn)
    window.show_page("Imports")
    assert leaks(all_texts(window), secrets)  # the check sees them when shown
    window.anonymise_button.click()
    assert window.state.anonymise
    for kind, code in (("pcn", demo.DEMO_PCN),
                       ("practice", queries.practices_in_pcn(window.state.conn,
                                                             demo.DEMO_PCN)[2])):
        window.selector.choose(kind, code)
        for name in PAGES:
            window.show_page(name)
            assert leaks(all_texts(window), secrets) == [], (kind, name)
        meeting = window.start_meeting()
        qtbot.addWidget(meeting)
        for _ in meeting.pack:
            assert leaks(all_texts(meeting), secrets) == [], meeting.title
            meeting.next()
        meeting.close()
        qtbot.waitUntil(lambda: window.meeting is None)
        about = AboutDataDialog(window.state, window)
        qtbot.addWidget(about)
        assert leaks(all_texts(about), secrets) == []
    dialog = window.find_scope()
    assert leaks(all_texts(dialog), secrets) == []
    answer_find(dialog, None)
    assert window.selector.scope.currentText().strip() == "Practice C"


# --- item 8: smaller things --------------------------------------------------------------------
def contrast(a: QColor, b: QColor) -> float:
    def luminance(c: QColor) -> float:
        def channel(v: float) -> float:
            return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4
        return 0.2126 * channel(c.redF()) + 0.7152 * channel(c.greenF()) + \
            0.0722 * channel(c.blueF())
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def on_screen(widget):
    """The widget as drawn in its window (a grab of the widget alone has no background)."""
    window = widget.window()
    return window.grab(QRect(widget.mapTo(window, QPoint(0, 0)), widget.size())).toImage()


def colours(widget) -> list[tuple[QColor, int]]:
    image = on_screen(widget)
    counts: dict[int, int] = {}
    for y in range(image.height()):
        for x in range(image.width()):
            rgb = image.pixel(x, y)
            counts[rgb] = counts.get(rgb, 0) + 1
    return [(QColor(rgb), n) for rgb, n in sorted(counts.items(), key=lambda i: -i[1])]


def test_top_bar_buttons_read_as_buttons_and_pressed_anonymise_is_readable(
        qtbot, make_window, db_copy):
    window = make_window(db_copy)
    window.start()
    window.anonymise_button.setChecked(True)
    found = colours(window.anonymise_button)
    background = found[0][0]
    text = max((c for c, n in found if n >= 15), key=lambda c: contrast(c, background))
    assert contrast(text, background) >= 4.5  # was dark text on navy
    image = on_screen(window.excel_button)
    edge = QColor(image.pixel(image.width() // 2, 0))
    middle = QColor(image.pixel(4, image.height() // 2))
    assert edge.lightness() > 200 and middle.blue() > middle.red()  # a white outline on blue
    assert window.excel_button.accessibleName() == "Export to Excel"


def test_record_views_tile_names_its_basis_once(qtbot, make_window, db_copy):
    assert record_views_caption(BASIS_VIEWS) == "Record views"
    assert record_views_caption(BASIS_USERS) == "Record views: counted as users accessing records"
    window = make_window(db_copy)
    window.start()
    window.selector.choose("pcn", demo.DEMO_PCN)
    window.show_page("NHS App")
    tile = window.pages["NHS App"].tiles["app_record_views"]
    assert tile.caption.text().startswith("Record views")
    assert "(record views)" not in tile.caption.text()


def test_111_rules_read_as_words_and_stay_editable(qtbot, make_window, db_copy):
    window = make_window(db_copy)
    window.start()
    window.show_page("Settings")
    box = window.pages["Settings"].telephony
    shown = QTextDocumentFragment.fromHtml(box.rules_text.text()).toPlainText()
    assert 'the word "111"' in shown and '"nhs 111" (any spacing)' in shown
    assert 'exactly "111" (with or without +44, 0044, 44 or 0 in front)' in shown
    assert "\\b" not in shown and "\\s" not in shown
    assert not box.rules_editor.isVisible()
    box.edit_rules.click()
    assert box.rules_editor.isVisible()
    box.route_rules.setText(r"\b111\b; 111 service")
    box.save_rules()
    assert rules.get_rules(window.state.conn).route_patterns == [r"\b111\b", "111 service"]
    assert "&quot;111 service&quot;" in box.rules_text.text()


def test_keyboard_focus_is_visible_on_the_sidebar_combos_and_charts(qtbot, make_window, db_copy):
    window = make_window(db_copy)
    window.start()
    activate(qtbot, window)
    chart = window.pages["Overview"].findChildren(pg.PlotWidget)[0]
    for widget in (window.nav, window.selector.end, chart):
        window.excel_button.setFocus()
        QApplication.processEvents()
        before = widget.grab().toImage()
        widget.setFocus(Qt.FocusReason.TabFocusReason)
        qtbot.waitUntil(widget.hasFocus)
        assert widget.grab().toImage() != before, widget.accessibleName()


def test_opens_on_overview_and_f1_shows_the_definitions(qtbot, make_window, db_copy):
    window = make_window(db_copy)
    window.start()
    assert window.stack.currentWidget() is window.pages["Overview"]
    activate(qtbot, window)
    qtbot.keyClick(window, Qt.Key.Key_F1)
    help_view = window.definitions
    assert help_view is not None and help_view.isVisible()
    assert "what each number means" in help_view.text.toPlainText()
    help_view.find.setText("Did not attend")
    assert help_view.find_next()
    assert help_view.text.textCursor().selectedText() == "Did not attend"


def test_a_text_file_named_xlsx_gets_a_clear_message(qtbot, make_window, db_copy, tmp_path):
    fake = tmp_path / "calls.xlsx"
    fake.write_text("Date,Caller,Outcome\n2025-10-01 09:00,01234,Answered\n")
    window = make_window(db_copy)
    window.start()
    page = window.pages["Imports"]
    page.start_import([str(fake)])
    qtbot.waitUntil(lambda: page.task is None, timeout=WAIT_MS)
    text = page.results.toPlainText()
    assert "calls.xlsx" in text and "plain text file, not an Excel workbook" in text
    assert "Rename it to end in .csv" in text and "It reads:" not in text


# --- item 9: printing and 'About my data' ------------------------------------------------------
def pdf_printer(path: Path) -> QPrinter:
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    printer.setPageOrientation(QPageLayout.Orientation.Portrait)
    printer.setOutputFileName(str(path))
    return printer


def pdf_pages(path: Path) -> int:
    return len(re.findall(rb"/Type\s*/Page\b(?!s)", path.read_bytes()))


def test_print_a_page_and_the_chart_pack_to_pdf(qtbot, make_window, db_copy, tmp_path):
    window = make_window(db_copy)
    window.start()
    window.selector.choose("pcn", demo.DEMO_PCN)
    page_pdf = tmp_path / "overview.pdf"
    sheets = window.print_page(pdf_printer(page_pdf))
    assert sheets >= 1 and page_pdf.read_bytes().startswith(b"%PDF")
    assert pdf_pages(page_pdf) == sheets
    pack_pdf = tmp_path / "pack.pdf"
    from ui.chart_pack import build_pack, scope_for
    from ui.names import practice_names
    codes = window.state.selection.practices(window.state.conn)
    pack = build_pack(window.state.conn, scope_for(window.state.selection),
                      practice_names(window.state).anonymiser(codes[0]))
    assert window.print_chart_pack(pdf_printer(pack_pdf)) == len(pack) == pdf_pages(pack_pdf)
    assert len(pack) > 5


def test_about_my_data_says_what_is_covered_and_what_comes_next(
        qtbot, make_window, db_copy):
    window = make_window(db_copy)
    window.start()
    window.selector.choose("pcn", demo.DEMO_PCN)
    codes = queries.practices_in_pcn(window.state.conn, demo.DEMO_PCN)
    feeds = {feed.name: feed for feed in about_my_data(window.state.conn, codes)}
    gpad = feeds["Appointments (GPAD)"]
    assert gpad.practices == sorted(codes) and len(gpad.months) == 24
    assert (gpad.months[0], gpad.months[-1], gpad.missing) == ("2023-11", "2025-10", [])
    assert gpad.next_step.startswith("Next: November 2025 from NHS England")
    calls = feeds["Call logs (your phone system)"]  # the demo's logs: four practices, Apr-Oct 25
    without = sorted(set(codes) - set(calls.practices))
    assert len(calls.practices) == 4 and len(without) == 1
    assert (calls.months[0], calls.months[-1], calls.missing) == ("2025-04", "2025-10", [])
    # The feeds of the Demand and capacity page are listed too (the demo's online requests
    # start in April 2024, with one practice missing from some months).
    online, staff = feeds["Online consultations"], feeds["GP workforce"]
    assert online.practices == sorted(codes)
    assert (online.months[0], online.months[-1], online.missing) == ("2024-04", "2025-10", [])
    assert online.partial and all(len(left) == 1 for left in online.partial.values())
    assert (staff.months[0], staff.months[-1], len(staff.months)) == ("2023-11", "2025-10", 24)
    window.show_about_data()
    dialog = window.findChild(AboutDataDialog)
    html = dialog.text.toPlainText()
    assert "Appointments (GPAD)" in html and "November 2023 to October 2025 (24 months)" in html
    assert "Online consultations" in html and "GP workforce" in html
    name = queries.get_practice(window.state.conn, without[0])["name"]
    assert f"None for: {name}" in html


def test_the_file_chooser_shows_phone_system_exports_by_default():
    """3CX and Asterisk write call logs as .log or .txt, and queue_log has no extension: the
    default filter of "Choose files..." must not hide them."""
    from fnmatch import fnmatch

    from ui.pages.imports import FILE_FILTER
    first = FILE_FILTER.split(";;")[0]
    patterns = first[first.index("(") + 1:first.index(")")].split()
    for name in ("Master.csv", "queue_log", "cdr.log", "3cx_cdr.txt", "Regional_CSV.zip",
                 "Submissions via OC Systems in General Practice - October 2025.xlsx"):
        assert any(fnmatch(name, pattern) for pattern in patterns), name
