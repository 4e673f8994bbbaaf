"""The main window: top bar (selection, DEMO badge, Help), messages, navigation, pages."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QGuiApplication, QIcon, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QMainWindow,
    QMenu,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QStatusBar,
    QVBoxLayout,
    QWidget,
)

from local_db import queries
from local_db.connection import make_daily_backup
from practice_desk import APP_NAME, __version__, demo
from practice_desk.applog import log_file
from practice_desk.metrics.national import remember_national_bands, remember_national_series
from practice_desk.resources import resource_path
from ui import theme
from ui.about_data import AboutDataDialog
from ui.excel_export import ExcelExportButton
from ui.fault_dialog import fault_box
from ui.find_scope import FindScopeDialog
from ui.help_view import DefinitionsDialog
from ui.meeting_entry import MeetingEntry
from ui.names import practice_names
from ui.pages.appointments import AppointmentsPage
from ui.pages.demand import NATIONAL_BAND_KEYS, DemandPage
from ui.pages.imports import ImportsPage
from ui.pages.nhs_app import NhsAppPage
from ui.pages.overview import OverviewPage
from ui.pages.pcn import PcnPage
from ui.pages.settings import SettingsPage
from ui.pages.telephony import ENGLAND_KEYS, TelephonyPage
from ui.selector import SelectionBar, many_entries
from ui.state import AppState
from ui.tasks import Task, on_own_connection, run_task
from ui.widgets import NoticeBar

log = logging.getLogger(__name__)

PAGES = ["Overview", "Telephony", "Appointments", "NHS App", "Demand and capacity", "PCN",
         "Imports", "Settings"]
PAGE_CLASSES = {"Overview": OverviewPage, "Telephony": TelephonyPage,
                "Demand and capacity": DemandPage,
                "Appointments": AppointmentsPage, "NHS App": NhsAppPage, "PCN": PcnPage,
                "Imports": ImportsPage}
FIRST_RUN_KEY = "first_run_done"
MINE_ASKED_KEY = "my_scope_asked"  # asked once which practice or PCN is the user's
TITLE_BAR = 40  # pixels a window's title bar and frame take, not known before it is shown
LARGE_SCREEN = (1600, 900)  # from this size up the window opens maximised
NORMAL_SIZE = (1600, 1000)  # the largest size the window opens at when not maximised


def initial_geometry(available: QRect) -> tuple[QRect, bool]:
    """Where the window opens on a screen's available area (less the taskbar): never taller
    than the area once a title bar is added, centred; maximised on a large screen."""
    width = min(available.width(), NORMAL_SIZE[0])
    height = min(available.height() - TITLE_BAR, NORMAL_SIZE[1])
    left = available.left() + (available.width() - width) // 2
    top = available.top() + TITLE_BAR + (available.height() - TITLE_BAR - height) // 2
    large = available.width() >= LARGE_SCREEN[0] and available.height() >= LARGE_SCREEN[1]
    return QRect(left, top, width, height), large


class MainWindow(QMainWindow):
    def __init__(self, db_path=None) -> None:
        super().__init__()
        self.state = AppState(db_path)
        self.demo_task: Task | None = None
        self.national_task: Task | None = None
        self.backup_task: Task | None = None
        self.setWindowTitle(f"{APP_NAME} {__version__}")
        icon = resource_path("icon.png")
        if icon.exists():
            self.setWindowIcon(QIcon(str(icon)))
        self.setStyleSheet(theme.STYLE_SHEET)
        self.fit_to_screen()
        central = QWidget()
        outer = QVBoxLayout(central)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        outer.addWidget(self._top_bar())
        self.notice = NoticeBar()
        outer.addWidget(self.notice)
        outer.addWidget(self._demo_banner())
        outer.addLayout(self._body(), 1)
        self.setCentralWidget(central)
        self.setStatusBar(QStatusBar())
        self.state.data_changed.connect(self._data_changed)
        self.state.selection_changed.connect(self._selection_changed)
        self.state.anonymise_changed.connect(self._refresh_visible)
        self.state.anonymise_changed.connect(self._anonymise_messages)
        self.selector.find_requested.connect(self.find_scope)
        self.pages["Imports"].finished.connect(
            lambda text, failed: self.notify(text, warning=failed))
        self.definitions: DefinitionsDialog | None = None
        self.find_dialog: FindScopeDialog | None = None
        QShortcut(QKeySequence("F1"), self, activated=self.show_definitions)
        QShortcut(QKeySequence.StandardKey.Print, self, activated=self.print_page)
        self.nav.setCurrentRow(PAGES.index("Overview"))

    def fit_to_screen(self) -> None:
        screen = self.screen() or QGuiApplication.primaryScreen()
        if screen is None:
            return
        geometry, maximise = initial_geometry(screen.availableGeometry())
        self.setGeometry(geometry)
        if maximise:
            self.setWindowState(self.windowState() | Qt.WindowState.WindowMaximized)

    # --- layout -------------------------------------------------------------------------
    def _top_bar(self) -> QFrame:
        bar = QFrame(objectName="topBar")
        row = QHBoxLayout(bar)
        row.setContentsMargins(16, 8, 16, 8)
        row.addWidget(QLabel(APP_NAME, objectName="appTitle"))
        self.demo_badge = QLabel("DEMO DATA", objectName="demoBadge", visible=False)
        self.demo_badge.setToolTip("Made-up practices for trying the app. Remove them in Settings.")
        row.addWidget(self.demo_badge)
        row.addStretch(1)
        self.selector = SelectionBar(self.state)
        row.addWidget(self.selector)
        self.excel_button = ExcelExportButton(
            self.state, lambda text: self.statusBar().showMessage(text, 8000))
        self.excel_button.setStyleSheet(theme.TOP_BAR_BUTTON)
        self.excel_button.saved.connect(
            lambda path: self.notify(f"Saved {path}", Path(path).parent))
        row.addWidget(self.excel_button)
        self.meeting_entry = MeetingEntry(self)  # Anonymise, Meeting mode (F11, Ctrl+M)
        self.anonymise_button = self.meeting_entry.anonymise
        row.addWidget(self.meeting_entry)
        self.help_button = QPushButton("Help")
        self.help_button.setStyleSheet(theme.TOP_BAR_BUTTON)
        self.help_button.setMenu(self._help_menu())
        row.addWidget(self.help_button)
        return bar

    def _help_menu(self) -> QMenu:
        menu = QMenu(self)
        for text, slot in (("What each number means (F1)", self.show_definitions),
                           ("About my data…", self.show_about_data),
                           ("Print this page… (Ctrl+P)", self.print_page),
                           ("Print the chart pack…", self.print_chart_pack),
                           (None, None),
                           (f"About {APP_NAME}", self.show_about)):
            if text is None:
                menu.addSeparator()
            else:
                menu.addAction(text, slot)
        return menu

    def _demo_banner(self) -> QFrame:
        self.banner = QFrame(objectName="banner", visible=False)
        row = QHBoxLayout(self.banner)
        row.setContentsMargins(16, 6, 16, 6)
        row.addWidget(QLabel("You are looking at <b>DEMO data</b>: a made-up PCN of five "
                             "practices. Import your own files, or remove the demo in Settings."),
                      1)
        go = QPushButton("Import your files")
        go.clicked.connect(lambda: self.show_page("Imports"))
        row.addWidget(go)
        return self.banner

    def _body(self) -> QHBoxLayout:
        row = QHBoxLayout()
        row.setSpacing(0)
        self.nav = QListWidget(objectName="nav", accessibleName="Pages")
        self.nav.setFixedWidth(215)
        self.stack = QStackedWidget()
        self.pages = {}
        for number, name in enumerate(PAGES, start=1):
            self.nav.addItem(name)
            self.nav.item(number - 1).setToolTip(f"{name} (Ctrl+{number})")
            page = self._make_page(name)
            self.pages[name] = page
            self.stack.addWidget(page)
            QShortcut(QKeySequence(f"Ctrl+{number}"), self,
                      activated=lambda n=name: self.show_page(n))
        self.nav.currentRowChanged.connect(self._page_chosen)
        row.addWidget(self.nav)
        row.addWidget(self.stack, 1)
        return row

    def _make_page(self, name: str):
        if name == "Settings":
            return SettingsPage(self.state, self.load_demo, self.remove_demo)
        return PAGE_CLASSES[name](self.state)

    # --- behaviour ----------------------------------------------------------------------
    def start(self) -> None:
        """After show(): fill the selectors; on the very first run, load the demo PCN."""
        self.selector.reload()  # opens on the user's own practice or PCN when they said which
        if self.state.read_only_reason:
            self._say_read_only()
        else:
            first_run = queries.get_setting(self.state.conn, FIRST_RUN_KEY) is None
            if first_run:
                self.state.save_setting(FIRST_RUN_KEY, "1")
                if not queries.has_any_data(self.state.conn):
                    self.load_demo()
            self._back_up_daily()
        self._show_demo_marks()
        self._refresh_visible()
        self._remember_national()
        self.nav.setFocus()  # keyboard focus starts on the page list, not in a field
        self.ask_which_is_mine()

    # --- the user's own practice or PCN -------------------------------------------------
    def ask_which_is_mine(self) -> None:
        """Once, when the stored files cover many practices (a national file), ask which
        practice or PCN is the user's; a "Not now" is remembered too (Find… can set it later)."""
        if self.state.mine() or queries.get_setting(self.state.conn, MINE_ASKED_KEY) or \
                not many_entries(self.state.conn):
            return
        self.state.save_setting(MINE_ASKED_KEY, "1")
        self.find_scope(first_time=True)

    def find_scope(self, first_time: bool = False) -> FindScopeDialog:
        """Search every practice and PCN by name or ODS code; show the one chosen. Window-modal
        (open(), not exec()): nothing waits on it, and the window stays drawn behind it."""
        if self.find_dialog is not None:
            self.find_dialog.close()
        dialog = self.find_dialog = FindScopeDialog(self.state, self, first_time=first_time)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self._scope_found(dialog))
        dialog.finished.connect(self._find_closed)
        dialog.open()
        return dialog

    def _scope_found(self, dialog: FindScopeDialog) -> None:
        chosen = dialog.chosen()
        if chosen is None:
            return
        if dialog.remember.isChecked():
            self.state.set_mine(*chosen)
        self.selector.choose(*chosen)

    def _find_closed(self, _result: int) -> None:
        self.find_dialog = None

    # --- messages, help, printing ---------------------------------------------------------
    def notify(self, text: str, folder: Path | None = None, warning: bool = False) -> None:
        """A message the user must see, at the top of the window (also in the status bar)."""
        self.notice.show_message(text, folder, warning)
        self.statusBar().showMessage(text, 8000)

    def _anonymise_messages(self) -> None:
        """A message shown before anonymise was turned on may name a practice or PCN."""
        self.notice.text.setText(practice_names(self.state).scrub(self.notice.text.text()))
        self.statusBar().clearMessage()

    def show_definitions(self) -> DefinitionsDialog:
        if self.definitions is None:
            self.definitions = DefinitionsDialog(self)
        self.definitions.show()
        self.definitions.raise_()
        return self.definitions

    def show_about_data(self) -> AboutDataDialog:
        dialog = AboutDataDialog(self.state, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog

    def print_page(self, printer=None) -> int:
        """The page on screen, on paper or to PDF; the number of sheets printed."""
        from ui.printing import ask_printer, print_page

        name = PAGES[self.nav.currentRow()]
        printer = printer or ask_printer(self, f"Print the {name} page")
        return print_page(printer, self.stack.currentWidget()) if printer else 0

    def print_chart_pack(self, printer=None) -> int:
        """Every chart of the pack for the selection, one per sheet, names as on screen."""
        from ui.chart_pack import build_pack, scope_for
        from ui.printing import ask_printer, print_pack

        selection = self.state.selection
        if selection is None or selection.area:  # an area has no chart pack
            self.notify("Choose a practice or PCN first: the chart pack is for what is shown.")
            return 0
        codes = selection.practices(self.state.conn)
        pack = build_pack(self.state.conn, scope_for(selection),
                          practice_names(self.state).anonymiser(codes[0]))
        if not pack:
            self.notify("No charts to print for this selection: import data first.")
            return 0
        printer = printer or ask_printer(self, "Print the chart pack")
        return print_pack(printer, pack) if printer else 0

    def _say_read_only(self) -> None:
        """Nothing can be saved: say why once (a dialog), and keep saying so in the status bar."""
        log.warning("opened read-only: %s", self.state.read_only_reason)
        self.statusBar().addPermanentWidget(QLabel("Read-only: nothing can be saved",
                                                   objectName="readOnly"))
        self.fault_box = fault_box(self, f"{self.state.read_only_reason}\n\nYou can look at "
                                   "your figures; imports and changes cannot be saved until "
                                   "this is put right.")
        self.fault_box.open()

    def _back_up_daily(self) -> None:
        """The first-of-the-day backup, on a worker thread once the window is up."""
        self.backup_task = run_task(
            on_own_connection(self.state.db_path, lambda conn, _progress, _cancelled:
                              make_daily_backup(conn, self.state.db_path)),
            on_failed=lambda message: self.statusBar().showMessage(
                f"Today's backup could not be made: {message}", 15000))

    def _remember_national(self) -> None:
        """England's spread for the Telephony and Demand pages' keys (series, and the Demand
        page's bands over any range), worked out in the background."""
        if self.national_task and not self.national_task.done.is_set():
            return

        def remember(conn, _progress, cancelled):
            remember_national_series(conn, [*dict.fromkeys([*ENGLAND_KEYS, *NATIONAL_BAND_KEYS])],
                                     cancelled)
            remember_national_bands(conn, NATIONAL_BAND_KEYS, cancelled)

        self.national_task = run_task(on_own_connection(self.state.db_path, remember))

    @property
    def meeting(self):
        return self.meeting_entry.meeting

    def start_meeting(self):
        return self.meeting_entry.start_meeting()

    def show_page(self, name: str) -> None:
        self.nav.setCurrentRow(PAGES.index(name))

    def _page_chosen(self, row: int) -> None:
        self.stack.setCurrentIndex(row)
        self._refresh_visible()

    def _refresh_visible(self) -> None:
        self.stack.currentWidget().refresh()

    def _selection_changed(self) -> None:
        self._show_demo_marks()
        self._refresh_visible()

    def _show_demo_marks(self) -> None:
        """The DEMO badge and banner whenever demo figures are on screen."""
        selection = self.state.selection
        demo_shown = bool(selection) and queries.is_demo_practice(selection.code)
        self.demo_badge.setVisible(demo_shown)
        self.banner.setVisible(demo_shown)

    def _data_changed(self) -> None:
        self.selector.reload()
        self._show_demo_marks()
        self._refresh_visible()
        self._remember_national()
        self.ask_which_is_mine()

    def load_demo(self) -> None:
        if self.demo_task:
            return
        self.statusBar().showMessage("Loading the demo PCN…")
        self.demo_task = run_task(on_own_connection(self.state.db_path, demo.load_demo),
                                  on_done=self._demo_loaded, on_failed=self._demo_failed,
                                  on_progress=self._demo_progress)

    def _demo_progress(self, fraction: float, _message: str) -> None:
        self.statusBar().showMessage(f"Loading the demo PCN… {fraction:.0%}")

    def _demo_loaded(self, _reports) -> None:
        self.demo_task = None
        self.state.data_changed.emit()
        self.selector.choose("pcn", demo.DEMO_PCN)
        self.notify("Demo loaded: a made-up PCN of five practices over 24 months. Remove it in "
                    "Settings when you import your own files.")

    def _demo_failed(self, message: str) -> None:
        self.demo_task = None
        self.statusBar().showMessage("")
        QMessageBox.warning(self, "Demo data", f"The demo data could not be loaded: {message}")

    def remove_demo(self) -> None:
        message = demo.remove_demo(self.state.conn)
        self.state.data_changed.emit()
        self.notify(message)

    def show_about(self) -> None:
        QMessageBox.about(self, f"About {APP_NAME}", about_text(self.state))

    def closeEvent(self, event) -> None:
        tasks = (self.demo_task, self.pages["Imports"].task, self.national_task, self.backup_task)
        for task in tasks:
            if task:
                task.cancel()
                task.done.wait(10)
        super().closeEvent(event)


def about_text(state: AppState) -> str:
    return (f"<h3>{APP_NAME} {__version__}</h3>"
            "<p>GP access data - telephony, appointments and NHS App - on your own computer. "
            "Nothing leaves this machine.</p>"
            f"<p><b>Database:</b> {state.db_path}<br><b>Log file:</b> {log_file()}</p>"
            "<p>Contains public sector information licensed under the Open Government "
            "Licence v3.0 (NHS England publications).</p>")
