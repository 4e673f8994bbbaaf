"""The main window: top bar (selection, DEMO badge, About), navigation, pages."""

from __future__ import annotations

import logging

from PySide6.QtGui import QIcon, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QMainWindow,
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
from practice_desk.metrics.national import remember_national_series
from practice_desk.resources import resource_path
from ui import theme
from ui.excel_export import ExcelExportButton
from ui.fault_dialog import fault_box
from ui.meeting_entry import MeetingEntry
from ui.pages.appointments import AppointmentsPage
from ui.pages.demand import DemandPage
from ui.pages.imports import ImportsPage
from ui.pages.nhs_app import NhsAppPage
from ui.pages.overview import OverviewPage
from ui.pages.pcn import PcnPage
from ui.pages.settings import SettingsPage
from ui.pages.telephony import ENGLAND_KEYS, TelephonyPage
from ui.selector import SelectionBar
from ui.state import AppState
from ui.tasks import Task, on_own_connection, run_task

log = logging.getLogger(__name__)

PAGES = ["Overview", "Telephony", "Appointments", "NHS App", "Demand and capacity", "PCN",
         "Imports", "Settings"]
PAGE_CLASSES = {"Overview": OverviewPage, "Telephony": TelephonyPage,
                "Demand and capacity": DemandPage,
                "Appointments": AppointmentsPage, "NHS App": NhsAppPage, "PCN": PcnPage,
                "Imports": ImportsPage}
FIRST_RUN_KEY = "first_run_done"


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
        self.resize(1366, 768)
        central = QWidget()
        outer = QVBoxLayout(central)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        outer.addWidget(self._top_bar())
        outer.addWidget(self._demo_banner())
        outer.addLayout(self._body(), 1)
        self.setCentralWidget(central)
        self.setStatusBar(QStatusBar())
        self.state.data_changed.connect(self._data_changed)
        self.state.selection_changed.connect(self._selection_changed)
        self.state.anonymise_changed.connect(self._refresh_visible)
        self.nav.setCurrentRow(PAGES.index("Appointments"))

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
        row.addWidget(self.excel_button)
        self.meeting_entry = MeetingEntry(self)  # Anonymise, Meeting mode (F11, Ctrl+M)
        self.anonymise_button = self.meeting_entry.anonymise
        row.addWidget(self.meeting_entry)
        about = QPushButton("About", flat=True)
        about.setStyleSheet("color: white; text-decoration: underline;")
        about.clicked.connect(self.show_about)
        row.addWidget(about)
        return bar

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
        self.nav.setFixedWidth(190)
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
        self.selector.reload()
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

    def _say_read_only(self) -> None:
        """Nothing can be saved: say why once (a dialog), and keep saying so in the status bar."""
        log.warning("opened read-only: %s", self.state.read_only_reason)
        self.statusBar().addPermanentWidget(QLabel("Read-only: nothing can be saved",
                                                   objectName="readOnly"))
        self.fault_box = fault_box(self, f"{self.state.read_only_reason}\n\nYou can look at "
                                   "your figures; importing and changes are turned off.")
        self.fault_box.open()

    def _back_up_daily(self) -> None:
        """The first-of-the-day backup, on a worker thread once the window is up."""
        self.backup_task = run_task(
            on_own_connection(self.state.db_path, lambda conn, _progress, _cancelled:
                              make_daily_backup(conn, self.state.db_path)),
            on_failed=lambda message: self.statusBar().showMessage(
                f"Today's backup could not be made: {message}", 15000))

    def _remember_national(self) -> None:
        """England's spread for the Telephony page's keys, worked out in the background."""
        if self.national_task and not self.national_task.done.is_set():
            return
        self.national_task = run_task(on_own_connection(
            self.state.db_path, lambda conn, _progress, cancelled: remember_national_series(
                conn, ENGLAND_KEYS, cancelled)))

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
        self.statusBar().showMessage("Demo PCN loaded.", 5000)
        self.state.data_changed.emit()
        self.selector.choose("pcn", demo.DEMO_PCN)

    def _demo_failed(self, message: str) -> None:
        self.demo_task = None
        self.statusBar().showMessage("")
        QMessageBox.warning(self, "Demo data", f"The demo data could not be loaded: {message}")

    def remove_demo(self) -> None:
        self.statusBar().showMessage(demo.remove_demo(self.state.conn), 5000)
        self.state.data_changed.emit()

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
