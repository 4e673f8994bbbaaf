"""Colours and the style sheet: calm, NHS-familiar, readable when screen-shared."""

NHS_BLUE = "#005EB8"
NHS_DARK_BLUE = "#003087"
NHS_DARK_GREY = "#425563"
NHS_PALE_GREY = "#E8EDEE"
WHITE = "#FFFFFF"
FOCUS_YELLOW = "#FFEB3B"  # the NHS focus colour: keyboard focus stands out on blue and on white
TEXT = "#212B32"
DEMO_AMBER = "#FFB81C"  # NHS warm yellow: the DEMO badge, with dark text for contrast

# Making Data Count colours (metrics.md, SPC section).
MDC_IMPROVEMENT = "#00b0f0"
MDC_CONCERN = "#e46c0a"
MDC_NEUTRAL = "#490092"
MDC_COMMON = "#a6a6a6"
MDC_TARGET = "#de1b1b"

BAND_FILL = (0, 94, 184, 40)  # NHS blue, faint: the national p10-p90 band behind a series

# Okabe-Ito colours: distinguishable with the common forms of colour blindness.
SERIES = ["#005EB8", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000"]

STYLE_SHEET = f"""
QWidget {{ font-size: 11pt; color: #212B32; }}
QMainWindow, QStackedWidget, QScrollArea, QScrollArea > QWidget > QWidget {{ background: {WHITE}; }}
QListWidget#nav {{
    background: {NHS_PALE_GREY}; border: none; padding-top: 8px; outline: none;
}}
QListWidget#nav::item {{ padding: 10px 16px; border-left: 4px solid transparent; }}
QListWidget#nav::item:selected {{
    background: {WHITE}; color: {NHS_BLUE}; border-left: 4px solid {NHS_BLUE}; font-weight: bold;
}}
QListWidget#nav::item:selected:focus {{
    background: {FOCUS_YELLOW}; color: {TEXT}; border-left: 4px solid {TEXT};
}}
QComboBox, QLineEdit {{
    background: {WHITE}; border: 1px solid {NHS_DARK_GREY}; border-radius: 3px; padding: 3px 6px;
}}
QComboBox:focus, QLineEdit:focus {{ background: {FOCUS_YELLOW}; border: 2px solid {TEXT}; }}
QListWidget:focus, QTableView:focus, QTextBrowser:focus {{ border: 3px solid {TEXT}; }}
QFrame#topBar {{ background: {NHS_BLUE}; }}
QFrame#topBar QLabel {{ color: {WHITE}; }}
QFrame#topBar QLabel#appTitle {{ font-size: 14pt; font-weight: bold; }}
QLabel#demoBadge {{
    background: {DEMO_AMBER}; color: #212B32; font-weight: bold; padding: 2px 8px;
    border-radius: 3px;
}}
QLabel#pageTitle {{ font-size: 18pt; font-weight: bold; color: {NHS_DARK_BLUE}; }}
QLabel#hint {{ color: {NHS_DARK_GREY}; }}
QFrame#banner {{ background: #FFF4CC; border: 1px solid {DEMO_AMBER}; border-radius: 4px; }}
QPushButton {{
    background: {NHS_BLUE}; color: {WHITE}; border: none; border-radius: 4px; padding: 6px 14px;
}}
QPushButton:hover {{ background: {NHS_DARK_BLUE}; }}
QPushButton:focus {{ outline: none; border: 2px solid #FFEB3B; }}
QPushButton:disabled {{ background: {NHS_PALE_GREY}; color: {NHS_DARK_GREY}; }}
QPushButton[secondary="true"] {{
    background: {WHITE}; color: {NHS_BLUE}; border: 1px solid {NHS_BLUE};
}}
QProgressBar {{ border: 1px solid {NHS_DARK_GREY}; border-radius: 3px; text-align: center; }}
QProgressBar::chunk {{ background: {NHS_BLUE}; }}
QHeaderView::section {{
    background: {NHS_PALE_GREY}; padding: 4px; border: none; font-weight: bold;
}}
QFrame#notice {{ background: #E6F0F9; border: 1px solid {NHS_BLUE}; border-radius: 4px; }}
QFrame#notice[tone="warning"] {{ background: #FFF4CC; border-color: {DEMO_AMBER}; }}
QToolTip {{ background: {WHITE}; color: #212B32; border: 1px solid {NHS_DARK_GREY}; padding: 4px; }}
"""

# Buttons on the blue top bar: white outline so they read as buttons; pressed or checked they turn
# white with dark blue text (the dark-text-on-navy state was unreadable), focus is yellow.
TOP_BAR_BUTTON = f"""
QPushButton {{ background: transparent; color: {WHITE}; border: 1px solid {WHITE};
               border-radius: 4px; padding: 4px 10px; }}
QPushButton:hover {{ background: {NHS_DARK_BLUE}; color: {WHITE}; }}
QPushButton:checked, QPushButton:pressed, QPushButton:checked:hover {{
    background: {WHITE}; color: {NHS_DARK_BLUE}; border-color: {WHITE}; }}
QPushButton:focus {{ border: 2px solid {FOCUS_YELLOW}; }}
QPushButton:disabled {{ color: {NHS_PALE_GREY}; border-color: {NHS_PALE_GREY}; }}
QPushButton::menu-indicator {{ subcontrol-position: right center; right: 4px; }}
"""

CHART_FOCUS = f"""
QGraphicsView {{ border: 3px solid transparent; }}
QGraphicsView:focus {{ border: 3px solid {TEXT}; }}
"""


def show_focus(chart) -> None:
    """A dark frame round a chart that has keyboard focus (a chart has no frame of its own)."""
    if chart.styleSheet() != CHART_FOCUS:
        chart.setFrameShape(chart.Shape.StyledPanel)
        chart.setStyleSheet(CHART_FOCUS)
