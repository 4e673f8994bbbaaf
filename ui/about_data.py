"""'About my data': which files cover which practices and months for what is selected, which
months are missing, and what to download next (practice_desk.data_coverage does the counting)."""

from __future__ import annotations

from html import escape

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout

from practice_desk.data_coverage import about_my_data, month_name, span_text
from ui.names import practice_names

MAX_LISTED = 8  # files, months or practices named in one cell before "and N more"


def listed(items: list[str]) -> str:
    shown = ", ".join(items[:MAX_LISTED])
    return shown + (f" and {len(items) - MAX_LISTED} more" if len(items) > MAX_LISTED else "")


def without(names, codes: list[str], feed) -> str:
    """Which practices have none of this data (when some have it)."""
    missing = sorted(set(codes) - set(feed.practices))
    if not feed.practices or not missing:
        return ""
    return f"<br><i>None for:</i> {escape(listed([names.name(c) for c in missing]))}"


def about_html(state) -> str:
    selection = state.selection
    if selection is None or selection.area:
        return "<p>Choose a practice or PCN at the top (or import your files) first.</p>"
    names = practice_names(state)
    codes = selection.practices(state.conn)
    who = names.pcn_label(selection.pcn) if selection.pcn else names.label(selection.practice)
    rows = []
    for feed in about_my_data(state.conn, codes):
        missing = [month_name(m) for m in feed.missing]
        gaps = [f"{month_name(m)}: {listed([names.name(c) for c in without])}"
                for m, without in feed.partial.items()]
        rows.append(
            "<tr>"
            f"<td><b>{escape(feed.name)}</b></td>"
            f"<td>{len(feed.practices)} of {len(codes)}{without(names, codes, feed)}</td>"
            f"<td>{escape(span_text(feed.months))}</td>"
            f"<td>{escape(listed(missing) or 'none')}"
            + (f"<br><i>Not every practice:</i> {escape(listed(gaps))}" if gaps else "")
            + "</td>"
            f"<td>{escape(listed([names.scrub(f) for f in feed.files]) or '-')}</td>"
            f"<td>{escape(feed.next_step)}</td>"
            "</tr>")
    header = "".join(f"<th align='left'>{h}</th>" for h in (
        "Data", "Practices", "Months", "Missing months", "Files", "What to download next"))
    return (f"<h2>About my data: {escape(who)}</h2>"
            f"<p>{len(codes)} practice(s). A month counts when any of them has data for it; "
            "'Missing months' are gaps between the first and the latest month.</p>"
            f"<table border='1' cellspacing='0' cellpadding='6'><tr>{header}</tr>"
            + "".join(rows) + "</table>")


class AboutDataDialog(QDialog):
    def __init__(self, state, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("About my data")
        self.resize(1100, 560)
        layout = QVBoxLayout(self)
        self.text = QTextBrowser(accessibleName="About my data")
        self.text.setHtml(about_html(state))
        layout.addWidget(self.text, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        self.print_button = buttons.addButton("Print…", QDialogButtonBox.ButtonRole.ActionRole)
        self.print_button.clicked.connect(self.print_text)
        layout.addWidget(buttons)

    def print_text(self) -> None:
        from ui.printing import ask_printer

        printer = ask_printer(self, "Print About my data")
        if printer is not None:
            self.text.document().print_(printer)
