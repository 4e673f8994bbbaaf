"""Colours and the style sheet: calm, NHS-familiar, readable when screen-shared."""

NHS_BLUE = "#005EB8"
NHS_DARK_BLUE = "#003087"
NHS_DARK_GREY = "#425563"
NHS_PALE_GREY = "#E8EDEE"
WHITE = "#FFFFFF"
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
QListWidget#nav::item:focus {{ outline: 2px solid {NHS_DARK_BLUE}; }}
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
QToolTip {{ background: {WHITE}; color: #212B32; border: 1px solid {NHS_DARK_GREY}; padding: 4px; }}
"""
