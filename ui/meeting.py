"""Meeting mode: the chart pack full screen, one chart at a time, large enough for a video call.

Right, Down, Page Down or Space: next chart; Left, Up, Page Up or Backspace: previous; Home and
End: first and last; Escape: leave.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from ui import theme
from ui.chart_pack import PackChart

NEXT = {Qt.Key.Key_Right, Qt.Key.Key_Down, Qt.Key.Key_PageDown, Qt.Key.Key_Space}
PREVIOUS = {Qt.Key.Key_Left, Qt.Key.Key_Up, Qt.Key.Key_PageUp, Qt.Key.Key_Backspace}


def meeting_scale(height: int) -> float:
    """Text and line scale for a screen `height` pixels tall: about 2x on a 1080p screen."""
    return max(1.4, min(3.0, height / 540))


class MeetingMode(QWidget):
    closed = Signal()

    def __init__(self, pack: list[PackChart], heading: str = "", parent=None,
                 scale: float | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.pack = pack
        self.index = -1
        self.chart: QWidget | None = None
        self.setWindowTitle("Practice Desk: meeting mode")
        self.setObjectName("meeting")
        self.setStyleSheet(f"QWidget#meeting {{ background: {theme.WHITE}; }}")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        screen = self.screen() or QGuiApplication.primaryScreen()
        self.scale = scale or meeting_scale(screen.geometry().height() if screen else 1080)
        layout = QVBoxLayout(self)
        margin = round(16 * self.scale)
        layout.setContentsMargins(margin, margin // 2, margin, margin // 2)
        top = QHBoxLayout()
        self.heading = QLabel(heading)
        self.counter = QLabel()
        for label in (self.heading, self.counter):
            label.setStyleSheet(self._font_css(12))
        top.addWidget(self.heading, 1)
        top.addWidget(self.counter)
        layout.addLayout(top)
        self.area = QVBoxLayout()
        layout.addLayout(self.area, 1)
        self.empty = QLabel("No charts for this selection: import data, or choose another "
                            "practice or PCN.", alignment=Qt.AlignmentFlag.AlignCenter,
                            wordWrap=True)
        self.empty.setStyleSheet(f"font-size: {16 * self.scale:.0f}pt;")
        self.area.addWidget(self.empty)
        self.help = QLabel("→  next      ←  previous      Esc  leave meeting mode",
                           alignment=Qt.AlignmentFlag.AlignCenter)
        self.help.setStyleSheet(self._font_css(10))
        layout.addWidget(self.help)
        self.show_chart(0)

    def _font_css(self, points: float) -> str:
        return f"font-size: {points * self.scale:.0f}pt; color: {theme.NHS_DARK_GREY};"

    def start(self) -> None:
        self.showFullScreen()
        self.activateWindow()
        self.setFocus()

    # --- stepping -----------------------------------------------------------------------
    @property
    def title(self) -> str:
        return self.pack[self.index].title if self.pack else ""

    def show_chart(self, index: int) -> None:
        if not self.pack:
            self.counter.setText("")
            return
        index = max(0, min(index, len(self.pack) - 1))
        if index == self.index:
            return
        self.index = index
        self.empty.hide()
        if self.chart is not None:
            self.area.removeWidget(self.chart)
            self.chart.deleteLater()
        self.chart = self.pack[index].build(self.scale)
        self.chart.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the keys stay with meeting mode
        self.area.addWidget(self.chart, 1)
        self.chart.show()
        self.counter.setText(f"{index + 1} / {len(self.pack)}")

    def next(self) -> None:
        self.show_chart(self.index + 1)

    def previous(self) -> None:
        self.show_chart(self.index - 1)

    def keyPressEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        key = event.key()
        if key == Qt.Key.Key_Escape:
            self.close()
        elif key in NEXT:
            self.next()
        elif key in PREVIOUS:
            self.previous()
        elif key == Qt.Key.Key_Home:
            self.show_chart(0)
        elif key == Qt.Key.Key_End:
            self.show_chart(len(self.pack) - 1)
        else:
            super().keyPressEvent(event)
            return
        event.accept()

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        self.closed.emit()
        super().closeEvent(event)


def open_meeting(state, parent=None) -> MeetingMode:
    """Meeting mode for what is selected, with the names as on screen (anonymised or not)."""
    from ui.chart_pack import build_pack, scope_for
    from ui.names import PracticeNames
    from ui.pages.base import scope_text

    selection = state.selection
    pack = []
    if selection is not None and not selection.area:  # an area has no chart pack
        codes = selection.practices(state.conn)
        anonymiser = PracticeNames(state.conn, state.anonymise).anonymiser(codes[0])
        pack = build_pack(state.conn, scope_for(selection), anonymiser)
    meeting = MeetingMode(pack, scope_text(state, []), parent)
    meeting.start()
    return meeting
