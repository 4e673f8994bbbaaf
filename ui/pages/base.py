"""Shared page scaffolding: a title, an optional hint line, and a scrolling body."""

from __future__ import annotations

import logging

from PySide6.QtCore import QCoreApplication, QEvent, Qt
from PySide6.QtWidgets import QLabel, QScrollArea, QVBoxLayout, QWidget

from local_db import queries
from ui.charts import month_label
from ui.names import PracticeNames, practice_names
from ui.state import AppState
from ui.tasks import Task, on_reading_connection, run_task

log = logging.getLogger(__name__)
# A page's reads that take longer than this are finished on a worker thread (the window
# stays live); a quicker one is drawn before refresh() returns.
REFRESH_BUDGET_S = 0.1
# Rounds of layout requests settle_layouts() delivers: more than a page's nesting of layouts
# needs (three on the Telephony page's first figures).
LAYOUT_LEVELS = 8


def settle_layouts() -> None:
    """Lay out now what a draw() changed, before anything is painted. New texts and charts post
    layout requests that climb one widget level per pass of the event loop, and the window was
    painted at each pass: a page's first figures (every tile, label and chart resized) were
    painted two or three times over, about 100 ms. Delivering the requests here, a level a
    round, leaves one paint; a round with nothing to deliver costs nothing."""
    for _level in range(LAYOUT_LEVELS):
        QCoreApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)


class Page(QWidget):
    title = ""
    # A sub-ICB/CCG area chosen at the top has appointment figures only (GPAD area files): pages
    # that cannot show an area say so instead of refreshing.
    shows_areas = False

    def __init__(self, state: AppState, parent=None) -> None:
        super().__init__(parent)
        self.state = state
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        scroll = QScrollArea(widgetResizable=True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        outer.addWidget(scroll, 1)
        self._scroll = scroll
        self._area_note = QLabel(objectName="hint", wordWrap=True, visible=False)
        self._area_note.setContentsMargins(24, 16, 24, 16)
        self._area_note.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        outer.addWidget(self._area_note, 1)
        if not self.shows_areas:
            own_refresh = self.refresh
            self.refresh = lambda: self._refresh_unless_area(own_refresh)
        body = QWidget()
        scroll.setWidget(body)
        self.body = QVBoxLayout(body)
        self.body.setContentsMargins(24, 16, 24, 16)
        self.body.setSpacing(12)
        self.heading = QLabel(self.title, objectName="pageTitle")
        self.body.addWidget(self.heading)
        self.failed_note = QLabel(objectName="hint", wordWrap=True, visible=False)
        self.body.addWidget(self.failed_note)
        self._reading: Task | None = None  # the newest background read, until it is drawn

    def hint(self, text: str) -> QLabel:
        label = QLabel(text, objectName="hint", wordWrap=True)
        self.body.addWidget(label)
        return label

    def refresh(self) -> None:
        """Redraw from the database for the current selection. Pages override this."""

    # --- reading off the UI thread ---------------------------------------------------------
    # A page whose refresh() calls read_and_show() splits its work in two: read() (on a worker
    # thread, with that thread's own connection; it must not touch widgets) returns plain data;
    # draw() shows it here, on the UI thread.
    def read(self, conn, selection, cancelled, **options):
        raise NotImplementedError

    def draw(self, data) -> None:
        raise NotImplementedError

    def read_and_show(self, **options) -> None:
        """Read for the current selection on a worker thread and draw the result. A read done
        within REFRESH_BUDGET_S is drawn at once; a longer one when it ends, unless a newer
        refresh has superseded (and cancelled) it by then. `options` (the widgets' choices,
        taken here on the UI thread) go to read()."""
        if self._reading is not None:
            self._reading.cancel()
            self._reading = None
        selection, state = self.state.selection, self.state
        if selection is None or str(state.db_path) == ":memory:" or state.read_only_reason:
            # nothing to read, or a database only this connection can reach
            self._draw(self.read(state.conn, selection, lambda: False, **options))
            return
        task = run_task(on_reading_connection(state.db_path, lambda conn, cancelled: self.read(
            conn, selection, cancelled, **options)))
        task.signals.finished.connect(self._read_ended)
        task.signals.failed.connect(self._read_ended)
        self._reading = task
        if task.done.wait(REFRESH_BUDGET_S):
            self._read_ended()

    def _read_ended(self, *_ignored) -> None:
        """Draw the newest read once it is done (a superseded one's signal finds nothing)."""
        task = self._reading
        if task is None or not task.done.is_set():
            return
        self._reading = None
        if task.error is not None:
            self.failed_note.setText(f"The figures could not be read: {task.error}")
            self.failed_note.show()
            return
        self._draw(task.result)

    def _draw(self, data) -> None:
        self.failed_note.hide()
        self.draw(data)
        settle_layouts()

    def refreshing(self) -> bool:
        """Whether a background read has not been drawn yet."""
        return self._reading is not None

    def _refresh_unless_area(self, own_refresh) -> None:
        selection = self.state.selection
        is_area = bool(selection and selection.area)
        self._scroll.setVisible(not is_area)
        self._area_note.setVisible(is_area)
        if is_area:
            self._area_note.setText(
                f"<b>{self.title}</b>: an area (sub-ICB or CCG) chosen at the top has "
                "appointment figures only, from GPAD area files. Its series are on the "
                "Appointments page; choose a practice or a PCN to see this page.")
            return
        own_refresh()


def scope_text(state: AppState, rows: list[dict]) -> str:
    """'NAME (CODE) · Nov 23 to Oct 25' for the current selection and the months shown."""
    selection = state.selection
    names = practice_names(state) if selection and not selection.area else None
    return scope_words(state.conn, selection, names, rows)


def scope_words(conn, selection, names: PracticeNames | None, rows: list[dict]) -> str:
    """scope_text from a connection (a worker's own) and the names to show (needed for a
    practice or a PCN)."""
    if selection is None:
        return "Choose a practice or PCN at the top."
    if selection.area:
        from practice_desk.metrics.area import area_label, get_area

        found = get_area(conn, selection.area)
        scope = area_label(found) if found else selection.area
    elif selection.practice:
        scope = names.label(selection.practice)
    else:
        count = len(queries.practices_in_pcn(conn, selection.pcn))
        scope = f"{names.pcn_label(selection.pcn)}, {count} practices"
    if rows:
        scope += f" · {month_label(rows[0]['month'])} to {month_label(rows[-1]['month'])}"
    return scope
