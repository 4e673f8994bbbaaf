"""Excel workbooks for LMC and ICB meetings (issue 7), written with openpyxl. No Qt here.

Sheets: Cover, Summary, Telephony, Appointments, NHS App, Demand and capacity (written by
`excel_context`), Definitions and caveats. Every metric
figure is a value of `metric_rows` (the same rows `practice-desk metrics --json` prints) for one
selection of the scope; national medians come from `national_distribution`/`national_series`,
targets from Settings. Charts are native Excel charts that read the chart-data tables on the
same sheet, so the figures behind every line can be checked and filtered.

Formula-injection guard: every text cell goes through `_put`. A text that starts with '=', '+',
'-', '@', a tab or a carriage return is stored as a *text* cell (data type 's', written by
openpyxl as an inline string, never an `<f>` formula element) and its cell format carries
`quotePrefix="1"`. quotePrefix is Excel's own record of "the user typed a leading apostrophe":
the cell shows and filters on the exact text that came from the file (no extra character is
added to the value), and Excel keeps it as text even when someone edits the cell and presses
Enter. A literal leading apostrophe in the value would instead be shown and quoted as part of
the practice's name.

Never exported: caller numbers or their hashes, routes, or anything else at the level of a call;
the call-level tables are read only as sums.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.chart.shapes import GraphicalProperties
from openpyxl.formatting.rule import ColorScaleRule, FormulaRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.table import Table, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

from local_db import queries
from practice_desk import APP_NAME, __version__
from practice_desk.importing.detect import kind_description
from practice_desk.metrics import Selection, metric_rows
from practice_desk.metrics.definitions import definitions
from practice_desk.metrics.keys import (
    APP_BASE_KEYS,
    APP_KEYS,
    APPOINTMENT_KEYS,
    HIGHER_IS_BETTER,
    LOWER_IS_BETTER,
    TELEPHONY_KEYS,
    is_share,
)
from practice_desk.metrics.list_sizes import missing_list_size
from practice_desk.metrics.national import NATIONAL_KEYS, national_distribution, national_series
from practice_desk.reports.anonymise import Anonymiser
from practice_desk.reports.scope import ExportScope
from practice_desk.targets import get_target
from practice_desk.telephony.aggregates import (
    call_import_ids,
    calls_by_hour_weekday,
    supplier_words,
)
from practice_desk.telephony.times import day_range

SHEETS = ["Cover", "Summary", "Telephony", "Appointments", "NHS App", "Demand and capacity",
          "Definitions and caveats"]

# One column each on the Summary sheet (those with data in the scope).
SUMMARY_KEYS = [
    "appointments_total", "appointments_per_1000", "f2f_share", "within_14_days_share",
    "same_day_share", "dna_rate", "inbound_calls", "calls_per_1000", "answered_share",
    "missed_share", "answered_wait_lt1m_share", "callback_requested_share", "calls_111_core",
    "app_logins_per_1000",
]
AREA_KEYS = {
    "Telephony": TELEPHONY_KEYS,
    "Appointments": [*APPOINTMENT_KEYS, "list_size", "list_size_date"],
    "NHS App": APP_KEYS,
}
CHART_KEYS = {
    "Telephony": ["missed_share", "answered_share", "answered_wait_lt1m_share",
                  "callback_requested_share", "calls_per_1000", "wait_median_s"],
    "Appointments": ["appointments_per_1000", "f2f_share", "within_14_days_share",
                     "same_day_share", "dna_rate", "gp_share"],
    # NHS App: the per-1,000 figures with data (then the plain counts), at most MAX_APP_CHARTS.
}
MAX_APP_CHARTS = 6
DATA_QUALITY_KEYS = ["unknown_mode_share", "unknown_status_share", "unknown_interval_share",
                     "unmapped_category_share"]
EXTRA_NAMES = {"list_size": "List size", "list_size_date": "List size extract"}
ROW_PRACTICE, ROW_TOTAL, ROW_NATIONAL, ROW_TARGET = (
    "Practice", "PCN total", "National median", "Target")
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
OUTCOME_WORDS = {"answered": "answered", "missed": "missed", "ivr_ended": "ended in IVR",
                 "callback_requested": "call-back requested"}
IMPORT_KINDS = {
    "gpad_crosstab": "Appointments in General Practice (practice crosstab)",
    "list_sizes": "Patients registered at a GP practice (list sizes)",
    "call_log": "Practice call log",
    "cbt_workbook": "NHS England cloud-based telephony (monthly publication)",
}



def _months_text(months: list[str]) -> str:
    if not months:
        return "None in this period"
    if len(months) == 1:
        return month_text(months[0])  # not "Oct 2025 to Oct 2025 (1 months)"
    return f"{month_text(months[0])} to {month_text(months[-1])} ({len(months)} months)"


def _kind_name(kind: str) -> str:
    """A readable kind for the sources table; the list of importers names those not above."""
    return IMPORT_KINDS.get(kind) or kind_description(kind).split(" (")[0]


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
TITLE_FONT = Font(size=16, bold=True, color="005EB8")
HEADING_FONT = Font(size=12, bold=True, color="005EB8")
BOLD = Font(bold=True)
NOTE_FONT = Font(italic=True, color="595959")
WRAP = Alignment(wrap_text=True, vertical="top")
TABLE_STYLE = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
GOOD = dict(fill=PatternFill(bgColor="C6EFCE"), font=Font(color="006100"))
BAD = dict(fill=PatternFill(bgColor="FFC7CE"), font=Font(color="9C0006"))
PALETTE = ["1F77B4", "FF7F0E", "2CA02C", "9467BD", "8C564B", "E377C2", "17BECF", "BCBD22",
           "7F7F7F", "D62728"]
TOTAL_COLOUR, NATIONAL_COLOUR, TARGET_COLOUR = "003087", "A6A6A6", "DE1B1B"
CHART_WIDTH_CM, CHART_HEIGHT_CM, CHART_ROWS = 18.0, 9.0, 18
MONTH_FORMAT = "mmm yyyy"


@dataclass
class Line:
    """One selection of the scope: a practice, or the PCN total."""
    label: str
    selection: Selection
    rows: dict[str, dict]  # month -> metric row
    total: bool


# --- small writing helpers ---------------------------------------------------------------------


def safe_text(value: str) -> str:
    """Text without the control characters an .xlsx file cannot hold."""
    return ILLEGAL_CHARACTERS_RE.sub("", value)


def _put(ws: Worksheet, row: int, column: int, value, number_format: str | None = None,
         font: Font | None = None, alignment: Alignment | None = None):
    """Write one cell. Text never becomes a formula (see the module docstring)."""
    cell = ws.cell(row=row, column=column)
    if isinstance(value, str):
        value = safe_text(value)
        cell.value = value
        if value.startswith(FORMULA_STARTS):
            cell.data_type = "s"
            cell.quotePrefix = True
    else:
        cell.value = value
    if number_format and value is not None:
        cell.number_format = number_format
    if font:
        cell.font = font
    if alignment:
        cell.alignment = alignment
    return cell


def name_of(key: str) -> str:
    found = definitions().get(key)
    return found.name if found else EXTRA_NAMES.get(key, key)


def number_format(key: str) -> str:
    if is_share(key):
        return "0.0%"
    if key.endswith("_ytd_change"):
        return "+0.0%;-0.0%;0.0%"
    if key.endswith("_per_1000"):
        return "#,##0.0"
    if key == "talk_mean_s":
        return "#,##0.0"
    return "#,##0"


def axis_title(key: str) -> str:
    if is_share(key) or key.endswith("_ytd_change"):
        return "Per cent"
    if key.endswith("_per_1000"):
        return "Per 1,000 patients"
    if key.endswith("_s"):
        return "Seconds"
    return "Count"


def month_date(month: str) -> date:
    return date(int(month[:4]), int(month[5:7]), 1)


def month_text(month: str) -> str:
    return month_date(month).strftime("%b %Y")


def _add_table(ws: Worksheet, name: str, first_row: int, first_col: int, last_row: int,
               last_col: int) -> Table | None:
    if last_row <= first_row:  # an Excel table needs a data row
        return None
    ref = f"{get_column_letter(first_col)}{first_row}:{get_column_letter(last_col)}{last_row}"
    table = Table(displayName=name, ref=ref, tableStyleInfo=TABLE_STYLE)
    ws.add_table(table)
    return table


def _header(ws: Worksheet, row: int, column: int, titles: list[str]) -> None:
    for offset, title in enumerate(titles):
        _put(ws, row, column + offset, title, font=BOLD,
             alignment=Alignment(wrap_text=True, vertical="bottom"))


def _unique(titles: list[str]) -> list[str]:
    """Excel table column names must differ (two practices could share a name)."""
    seen: dict[str, int] = {}
    out = []
    for title in titles:
        title = title.strip() or "(blank)"
        base = title
        while title.lower() in seen:
            seen[base.lower()] += 1
            title = f"{base} ({seen[base.lower()]})"
        seen.setdefault(title.lower(), 1)
        out.append(title)
    return out


# --- the data ----------------------------------------------------------------------------------


def _lines(conn: sqlite3.Connection, scope: ExportScope, names: Anonymiser) -> list[Line]:
    lines = []
    for selection in scope.selections(conn):
        rows = {row["month"]: row for row in metric_rows(conn, selection)}
        if selection.pcn:
            label = (f"PCN total: {_pcn_name(conn, selection.pcn)} ({selection.pcn})"
                     if not names.enabled else "PCN total")
            lines.append(Line(label, selection, rows, total=True))
        else:
            practice = queries.get_practice(conn, selection.practice) or {}
            label = names.label(selection.practice, practice.get("name"))
            lines.append(Line(label, selection, rows, total=False))
    return lines


def _pcn_name(conn: sqlite3.Connection, pcn: str) -> str:
    row = conn.execute("SELECT MAX(pcn_name) FROM practices WHERE pcn_code = ?", (pcn,)).fetchone()
    return (row[0] if row else None) or pcn


def _keys_with_data(lines: list[Line], keys: Iterable[str]) -> list[str]:
    return [key for key in keys
            if any(row.get(key) is not None for line in lines for row in line.rows.values())]


def _latest_month(lines: list[Line], key: str) -> str | None:
    months = [month for line in lines for month, row in line.rows.items()
              if row.get(key) is not None]
    return max(months) if months else None


def _has_national(key: str) -> bool:
    """National medians are shown for rates only: a median practice's count means little."""
    return key in NATIONAL_KEYS and (is_share(key) or key.endswith("_per_1000"))


def _direction(key: str) -> str | None:
    if key in HIGHER_IS_BETTER:
        return "higher"
    if key in LOWER_IS_BETTER:
        return "lower"
    return None


def data_sources(conn: sqlite3.Connection, practices: list[str], start: str | None,
                 end: str | None) -> list[dict]:
    """The imports behind the figures of these practices in the range (and the CBT
    publications behind national medians), newest first."""
    marks = ",".join("?" * len(practices)) or "NULL"
    low, high = start or "0000-00", end or "9999-99"
    found: set[int] = set()
    statements = [
        (f"SELECT DISTINCT import_id FROM coverage WHERE unit IN ({marks}) AND source != "
         "'list_size' AND substr(period, 1, 7) BETWEEN ? AND ?", [*practices, low, high]),
        (f"SELECT DISTINCT import_id FROM coverage WHERE unit IN ({marks}) AND source = "
         "'list_size' AND substr(period, 1, 7) <= ?", [*practices, high]),
        ("SELECT DISTINCT import_id FROM coverage WHERE source = 'cbt_month' "
         "AND period BETWEEN ? AND ?", [low, high]),
        (f"SELECT DISTINCT import_id FROM diversions WHERE ods_code IN ({marks}) "
         "AND import_id IS NOT NULL", list(practices)),
    ]
    for sql, params in statements:
        try:
            found.update(row[0] for row in conn.execute(sql, params))
        except sqlite3.OperationalError:  # a table this database does not have yet
            continue
    found.update(call_import_ids(conn, practices, start, end))
    return [row for row in queries.list_imports(conn)
            if row["id"] in found and row["status"] == "done"]


def _identifying_words(conn: sqlite3.Connection) -> list[str]:
    """Every practice code and name, and PCN code and name, in the database (lower case)."""
    words = set()
    for row in conn.execute("SELECT ods_code, name, pcn_code, pcn_name FROM practices"):
        words.update(str(value).strip().lower() for value in row if value and str(value).strip())
    return sorted(words, key=len, reverse=True)


# --- the workbook ------------------------------------------------------------------------------


class _Writer:
    def __init__(self, conn: sqlite3.Connection, scope: ExportScope, anonymise: bool,
                 generated: datetime) -> None:
        self.conn = conn
        self.scope = scope
        self.anonymise = anonymise
        self.generated = generated
        self.practices = scope.practice_codes(conn)
        self.names = Anonymiser(self.practices, enabled=anonymise)
        self.lines = _lines(conn, scope, self.names)
        self.shown: dict[str, list[str]] = {}  # metric key -> sheets showing it
        self.targets = {key: get_target(conn, key) for key in
                        dict.fromkeys([*SUMMARY_KEYS, *CHART_KEYS["Appointments"],
                                       *CHART_KEYS["Telephony"]])}
        self.wb = Workbook()
        self.wb.remove(self.wb.active)
        self.sheets = {title: self.wb.create_sheet(title) for title in SHEETS}

    def _mark_shown(self, key: str, sheet: str) -> None:
        where = self.shown.setdefault(key, [])
        if sheet not in where:
            where.append(sheet)

    def build(self) -> Workbook:
        self.summary()
        self.area("Telephony", "Telephony: monthly figures",
                  "NHS England cloud-based telephony (CBT) figures where the publication covers "
                  "the practice, else the practice's own call log (the Source column says "
                  "which). Voicemail counts as missed.")
        self.area("Appointments", "Appointments: monthly figures",
                  "NHS England Appointments in General Practice (GPAD). GPAD counts appointments, "
                  "not demand or workload.")
        self.area("NHS App", "NHS App and online access: monthly figures",
                  "NHS App dashboard exports, NHS App statistics and POMI, where imported.")
        from practice_desk.reports.excel_context import write_demand_sheet  # uses this module

        write_demand_sheet(self)
        self.definitions_sheet()
        self.cover()  # last: it lists what the other sheets hold
        for ws in self.wb.worksheets:  # printing: landscape, one page wide
            ws.page_setup.orientation = "landscape"
            ws.page_setup.paperSize = ws.PAPERSIZE_A4
            ws.sheet_properties.pageSetUpPr.fitToPage = True
            ws.page_setup.fitToWidth = 1
            ws.page_setup.fitToHeight = 0
        props = self.wb.properties
        props.creator = f"{APP_NAME} {__version__}"
        props.title = "GP access figures"
        props.lastModifiedBy = APP_NAME
        return self.wb

    # --- Cover ---------------------------------------------------------------------------
    def cover(self) -> None:
        ws = self.sheets["Cover"]
        ws.column_dimensions["A"].width = 24
        ws.column_dimensions["B"].width = 60
        _put(ws, 1, 1, f"{APP_NAME}: GP access figures", font=TITLE_FONT)
        months = sorted({m for line in self.lines for m in line.rows})
        demo = any(queries.is_demo_practice(code) for code in self.practices)
        facts = [
            ("Scope", self._scope_text()),
            ("Practices", "; ".join(line.label for line in self.lines if not line.total)),
            ("Period", self._period_text()),
            ("Months with data", _months_text(months)),
            ("Generated", self.generated.replace(microsecond=0)),
            ("Practice Desk version", __version__),
            ("Practice names", "Hidden: practices are shown as Practice A, B, ... and no ODS "
                               "codes are given (anonymised)" if self.anonymise else "Shown"),
        ]
        if demo:
            facts.append(("DEMO data", "Made-up practices for trying the app: not real figures"))
        gap = missing_list_size(self.conn, self.practices, months)
        if gap:  # per-1,000 columns are blank: say why and what fills them
            facts.append(("Per 1,000 patients", gap))
        row = 3
        for label, value in facts:
            _put(ws, row, 1, label, font=BOLD, alignment=WRAP)
            fmt = "dd mmm yyyy hh:mm" if isinstance(value, datetime) else None
            _put(ws, row, 2, value, number_format=fmt,
                 alignment=Alignment(wrap_text=True, vertical="top", horizontal="left"))
            _fit_height(ws, row, value, 60)
            row += 1
        row += 1
        _put(ws, row, 1, "Sheets", font=HEADING_FONT)
        row += 1
        about = {
            "Summary": "One row per practice (and the PCN total, England's median and the "
                       "local target): the latest month with data for each measure.",
            "Telephony": "Monthly telephony figures, charts, calls by hour and weekday.",
            "Appointments": "Monthly appointment figures and charts.",
            "NHS App": "Monthly NHS App and online-access figures and charts, where imported.",
            "Demand and capacity": "Calls, online requests and NHS App bookings beside "
                                   "appointments given and clinical staff, with charts.",
            "Definitions and caveats": "What each figure means and what the data cannot tell.",
        }
        for title, text in about.items():
            _put(ws, row, 1, title, font=BOLD, alignment=WRAP)
            _put(ws, row, 2, text, alignment=WRAP)
            _fit_height(ws, row, text, 60)
            row += 1
        row += 1
        _put(ws, row, 1, "Data sources", font=HEADING_FONT)
        row += 1
        sources = data_sources(self.conn, self.practices, self.scope.start, self.scope.end)
        if not sources:
            _put(ws, row, 1, "No imported data in this period.", font=NOTE_FONT)
            return
        titles = ["Import", "Kind", "File name", "Months", "Imported at", "Rows stored"]
        _header(ws, row, 1, titles)
        hidden = _identifying_words(self.conn) if self.anonymise else []
        first = row
        for source in sources:
            row += 1
            file_name = source["file_name"]
            if any(word in file_name.lower() for word in hidden):
                file_name = "(file name hidden: it names a practice)"
            imported = source.get("finished_at") or source.get("started_at")
            _put(ws, row, 1, source["id"])
            _put(ws, row, 2, _kind_name(source["kind"]))
            _put(ws, row, 3, file_name)
            _put(ws, row, 4, source["periods"])
            _put(ws, row, 5, _parse_time(imported), number_format="dd mmm yyyy hh:mm")
            _put(ws, row, 6, source["rows_stored"], number_format="#,##0")
        _add_table(ws, "Data_sources", first, 1, row, len(titles))
        for column, width in zip("CDEF", (48, 18, 18, 12), strict=True):
            ws.column_dimensions[column].width = width
        ws.column_dimensions["B"].width = 60

    def _scope_text(self) -> str:
        count = len(self.practices)
        plural = "practice" if count == 1 else "practices"
        if self.scope.pcn:
            if self.anonymise:
                return f"A PCN of {count} {plural} (names hidden)"
            name = _pcn_name(self.conn, self.scope.pcn)
            return f"PCN {name} ({self.scope.pcn}), {count} {plural}"
        return f"{count} {plural}" + (" (names hidden)" if self.anonymise else "")

    def _period_text(self) -> str:
        start, end = self.scope.start, self.scope.end
        if start and end:
            return f"{month_text(start)} to {month_text(end)}"
        if start:
            return f"From {month_text(start)}"
        if end:
            return f"Up to {month_text(end)}"
        return "All months with data"

    # --- Summary -------------------------------------------------------------------------
    def summary(self) -> None:
        ws = self.sheets["Summary"]
        keys = _keys_with_data(self.lines, SUMMARY_KEYS)
        months = {key: _latest_month(self.lines, key) for key in keys}
        _put(ws, 1, 1, "Summary", font=TITLE_FONT)
        _put(ws, 2, 1, "Each measure shows the latest month with data in the period (the month is "
                       "in the column heading). National median: the middle practice in England "
                       "that month (NHS England CBT publication; rates only). Green meets the "
                       "local target in Settings, red does not.", font=NOTE_FONT)
        header_row = 4
        label_titles = ["Practice", "Row"]
        titles = _unique([*label_titles,
                          *[f"{name_of(key)}, {month_text(months[key])}" for key in keys]])
        _header(ws, header_row, 1, titles)
        ws.row_dimensions[header_row].height = 62
        row = header_row
        for line in self.lines:
            row += 1
            _put(ws, row, 1, line.label)
            _put(ws, row, 2, ROW_TOTAL if line.total else ROW_PRACTICE)
            for index, key in enumerate(keys, start=len(label_titles) + 1):
                found = line.rows.get(months[key], {})
                _put(ws, row, index, found.get(key), number_format=number_format(key))
        national = {key: national_distribution(self.conn, key, months[key])
                    for key in keys if _has_national(key)}
        if any(national.values()):
            row += 1
            _put(ws, row, 1, "England (national median)")
            _put(ws, row, 2, ROW_NATIONAL)
            for index, key in enumerate(keys, start=len(label_titles) + 1):
                if national.get(key):
                    _put(ws, row, index, national[key]["median"], number_format(key))
        targets = {key: self.targets.get(key) for key in keys}
        if any(value is not None for value in targets.values()):
            row += 1
            _put(ws, row, 1, "Local target (Settings)")
            _put(ws, row, 2, ROW_TARGET)
            for index, key in enumerate(keys, start=len(label_titles) + 1):
                _put(ws, row, index, targets[key], number_format(key))
        last_col = len(titles)
        _add_table(ws, "Summary", header_row, 1, row, last_col)
        self._summary_targets(ws, keys, header_row + 1, row, len(label_titles) + 1)
        for key in keys:
            self._mark_shown(key, "Summary")
        ws.freeze_panes = ws.cell(row=header_row + 1, column=len(label_titles) + 1)
        width = max([len(line.label) for line in self.lines] + [26])
        ws.column_dimensions["A"].width = min(width + 2, 50)
        ws.column_dimensions["B"].width = 16
        for column in range(len(label_titles) + 1, last_col + 1):
            ws.column_dimensions[get_column_letter(column)].width = 15

    def _summary_targets(self, ws: Worksheet, keys: list[str], first: int, last: int,
                         first_col: int) -> None:
        """Green/red against the target, only on practice and PCN-total rows (by the Row column,
        so the colours stay right when the table is sorted or filtered)."""
        for index, key in enumerate(keys, start=first_col):
            target, direction = self.targets.get(key), _direction(key)
            if target is None or direction is None:
                continue
            column = get_column_letter(index)
            cell = f"{column}{first}"
            is_line = f'OR($B{first}="{ROW_PRACTICE}",$B{first}="{ROW_TOTAL}")'
            good, bad = (">=", "<") if direction == "higher" else ("<=", ">")
            area = f"{column}{first}:{column}{last}"
            for compare, style in ((good, GOOD), (bad, BAD)):
                formula = f"AND({is_line},ISNUMBER({cell}),{cell}{compare}{target!r})"
                ws.conditional_formatting.add(area, FormulaRule(formula=[formula], **style))

    # --- area sheets ---------------------------------------------------------------------
    def area(self, sheet: str, title: str, note: str) -> None:
        ws = self.sheets[sheet]
        _put(ws, 1, 1, title, font=TITLE_FONT)
        _put(ws, 2, 1, note + " See 'Definitions and caveats'.", font=NOTE_FONT)
        keys = _keys_with_data(self.lines, AREA_KEYS[sheet])
        metric_keys = [key for key in keys if key not in EXTRA_NAMES]
        missing = [key for key in AREA_KEYS[sheet] if key not in keys and key not in EXTRA_NAMES]
        ws.column_dimensions["A"].width = min(max([len(x.label) for x in self.lines] + [24]) + 2,
                                             50)
        ws.column_dimensions["B"].width = 11
        widths_from = 3
        if not metric_keys:
            _put(ws, 4, 1, f"No {sheet} figures for this selection and period.", font=BOLD)
            if sheet == "NHS App":
                _put(ws, 5, 1, "Import NHS App or POMI files on the Imports page to see them "
                               "here.", font=NOTE_FONT)
            return
        chart_keys = self._chart_keys(sheet, metric_keys)
        hourly = self._hour_data() if sheet == "Telephony" else None
        chart_count = len(chart_keys) + (1 if hourly else 0)
        row = self._not_available(ws, 3, missing) + 1
        chart_row = row
        row += -(-chart_count // 2) * (CHART_ROWS + 1) + 1
        # The monthly table
        _put(ws, row, 1, "Monthly figures", font=HEADING_FONT)
        row += 1
        extra = ["Source"] if sheet == "Telephony" else []
        titles = ["Practice", "Month", *extra, *[name_of(key) for key in keys]]
        _header(ws, row, 1, titles)
        header_row = row
        for line in self.lines:
            for month, values in line.rows.items():
                if all(values.get(key) is None for key in metric_keys):
                    continue
                row += 1
                _put(ws, row, 1, line.label)
                _put(ws, row, 2, month_date(month), number_format=MONTH_FORMAT)
                column = 3
                if extra:
                    _put(ws, row, column, values.get("telephony_source"))
                    column += 1
                for key in keys:
                    _put(ws, row, column, values.get(key), number_format=number_format(key))
                    column += 1
        _add_table(ws, sheet.replace(" ", "_") + "_monthly", header_row, 1, row, len(titles))
        ws.row_dimensions[header_row].height = 60
        for column in range(widths_from, len(titles) + 1):
            ws.column_dimensions[get_column_letter(column)].width = 14
        for key in metric_keys:
            self._mark_shown(key, sheet)
        # Chart data tables and their charts
        anchors = [self._anchor(ws, chart_row, i) for i in range(chart_count)]
        row += 2
        for index, key in enumerate(chart_keys):
            row = self._chart_table(ws, row, key, anchors[index], sheet) + 2
        if hourly:
            row = self._hour_tables(ws, row, hourly, anchors[-1]) + 2
        if sheet == "Telephony":
            row = self._supplier_words(ws, row) + 2
        if sheet == "Appointments":
            self._data_quality_note(ws, row)
            from practice_desk.reports.excel_context import write_categories  # uses this module

            write_categories(self, ws, row + 2)

    def _not_available(self, ws: Worksheet, row: int, missing: list[str]) -> int:
        if missing:
            _put(ws, row, 1, "Not available for this selection and period: "
                 + ", ".join(name_of(key) for key in missing) + ".", font=NOTE_FONT)
            row += 1
            months = sorted({m for line in self.lines for m in line.rows})
            gap = missing_list_size(self.conn, self.practices, months)
            if gap and any(key in ("appointments_per_1000", "calls_per_1000") for key in missing):
                _put(ws, row, 1, gap, font=NOTE_FONT)
                row += 1
        return row

    def _chart_keys(self, sheet: str, keys: list[str]) -> list[str]:
        if sheet == "NHS App":
            preferred = [f"{base}_per_1000" for base in APP_BASE_KEYS] + list(APP_BASE_KEYS)
            return [key for key in preferred if key in keys][:MAX_APP_CHARTS]
        return [key for key in CHART_KEYS[sheet] if key in keys]

    def _anchor(self, ws: Worksheet, first_row: int, index: int) -> str:
        row = first_row + (index // 2) * (CHART_ROWS + 1)
        column = 1
        if index % 2:  # the second chart of a row starts after the first one's width
            pixels, wanted = 0.0, CHART_WIDTH_CM / 2.54 * 96 + 20
            while pixels < wanted:
                width = ws.column_dimensions[get_column_letter(column)].width or 8.43
                pixels += width * 7 + 5
                column += 1
        return f"{get_column_letter(column)}{row}"

    def _chart_table(self, ws: Worksheet, row: int, key: str, anchor: str, sheet: str) -> int:
        """A Month x (practices, PCN total, England's median, target) table and its chart."""
        lines = [line for line in self.lines
                 if any(values.get(key) is not None for values in line.rows.values())]
        months = sorted({month for line in lines for month, values in line.rows.items()
                         if values.get(key) is not None})
        national = {}
        if _has_national(key):
            national = {item["month"]: item["median"] for item in national_series(
                self.conn, key, months[0], months[-1]) if item["median"] is not None}
            national = {month: value for month, value in national.items() if month in months}
        target = self.targets.get(key)
        _put(ws, row, 1, f"Chart data: {name_of(key)}", font=HEADING_FONT)
        row += 1
        titles = ["Month", *[line.label for line in lines]]
        if national:
            titles.append("England median")
        if target is not None:
            titles.append("Local target")
        titles = _unique(titles)
        _header(ws, row, 1, titles)
        ws.row_dimensions[row].height = 45
        header_row = row
        fmt = number_format(key)
        for month in months:
            row += 1
            _put(ws, row, 1, month_date(month), number_format=MONTH_FORMAT)
            column = 2
            for line in lines:
                _put(ws, row, column, line.rows.get(month, {}).get(key), number_format=fmt)
                column += 1
            if national:
                _put(ws, row, column, national.get(month), number_format=fmt)
                column += 1
            if target is not None:
                _put(ws, row, column, target, number_format=fmt)
        _add_table(ws, f"Chart_{key}", header_row, 1, row, len(titles))
        chart = LineChart()
        chart.title = name_of(key)
        chart.style = 2
        chart.height, chart.width = CHART_HEIGHT_CM, CHART_WIDTH_CM
        data = Reference(ws, min_col=2, max_col=len(titles), min_row=header_row, max_row=row)
        chart.add_data(data, titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=1, min_row=header_row + 1, max_row=row))
        styles = [("line", i, line.total) for i, line in enumerate(lines)]
        if national:
            styles.append(("national", 0, False))
        if target is not None:
            styles.append(("target", 0, False))
        for series, (kind, number, total) in zip(chart.series, styles, strict=True):
            _style_series(series, kind, number, total)
        _axes(chart, "Month", axis_title(key), fmt.split(";")[0].replace("0.0%", "0%"))
        ws.add_chart(chart, anchor)
        self._mark_shown(key, sheet)
        return row

    # --- calls by hour -------------------------------------------------------------------
    def _hour_data(self) -> dict | None:
        found = calls_by_hour_weekday(self.conn, self.practices, self.scope.start, self.scope.end)
        if not any(any(hours) for hours in found["inbound"]):
            return None
        low, high = day_range(self.scope.start, self.scope.end)
        marks = ",".join("?" * len(self.practices))
        codes = [row[0] for row in self.conn.execute(
            f"SELECT DISTINCT ods_code FROM call_hours WHERE ods_code IN ({marks}) "
            "AND day BETWEEN ? AND ? ORDER BY ods_code", [*self.practices, low, high])]
        found["practices"] = codes
        return found

    def _hour_tables(self, ws: Worksheet, row: int, found: dict, anchor: str) -> int:
        labels = [line.label for line in self.lines
                  if not line.total and line.selection.practice in found["practices"]]
        _put(ws, row, 1, "Inbound calls by weekday and hour", font=HEADING_FONT)
        row += 1
        _put(ws, row, 1, "From practices' own call logs only (NHS England's CBT figures have no "
                         "hours), over the whole period: " + "; ".join(labels) + ".",
             font=NOTE_FONT)
        row += 1
        titles = ["Weekday", "Days with data", *[f"{hour:02d}:00" for hour in range(24)], "Total"]
        _header(ws, row, 1, titles)
        ws.row_dimensions[row].height = 30
        header_row = row
        for weekday, name in enumerate(WEEKDAYS):
            row += 1
            _put(ws, row, 1, name)
            _put(ws, row, 2, found["days"][weekday])
            for hour in range(24):
                _put(ws, row, 3 + hour, found["inbound"][weekday][hour], number_format="#,##0")
            _put(ws, row, 27, sum(found["inbound"][weekday]), number_format="#,##0")
        _add_table(ws, "Calls_by_weekday_hour", header_row, 1, row, len(titles))
        ws.conditional_formatting.add(
            f"C{header_row + 1}:Z{row}",
            ColorScaleRule(start_type="min", start_color="FFFFFF", end_type="max",
                           end_color="5B9BD5"))
        for column in range(3, 28):
            width = ws.column_dimensions[get_column_letter(column)].width
            ws.column_dimensions[get_column_letter(column)].width = max(width or 0, 8)
        row += 2
        _put(ws, row, 1, "Inbound calls by hour and outcome (all weekdays)", font=HEADING_FONT)
        row += 1
        outcomes = [("answered", "Answered"), ("missed", "Missed"), ("ivr_ended", "Ended in IVR"),
                    ("callback_requested", "Call-back requested")]
        titles = ["Hour", *[title for _, title in outcomes], "Inbound"]
        _header(ws, row, 1, titles)
        header_row = row
        for hour in range(24):
            row += 1
            _put(ws, row, 1, f"{hour:02d}:00")
            for offset, (key, _) in enumerate(outcomes, start=2):
                _put(ws, row, offset, sum(found[key][day][hour] for day in range(7)),
                     number_format="#,##0")
            _put(ws, row, len(titles), sum(found["inbound"][day][hour] for day in range(7)),
                 number_format="#,##0")
        _add_table(ws, "Calls_by_hour_outcome", header_row, 1, row, len(titles))
        chart = BarChart()
        chart.type, chart.grouping, chart.overlap = "col", "stacked", 100
        chart.title = "Inbound calls by hour and outcome"
        chart.height, chart.width = CHART_HEIGHT_CM, CHART_WIDTH_CM
        chart.add_data(Reference(ws, min_col=2, max_col=1 + len(outcomes), min_row=header_row,
                                 max_row=row), titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=1, min_row=header_row + 1, max_row=row))
        for series, colour in zip(chart.series, ("2CA02C", "D62728", "7F7F7F", "FF7F0E"),
                                  strict=True):
            series.graphicalProperties.solidFill = colour
            series.graphicalProperties.line.solidFill = colour
        _axes(chart, "Hour of day", "Calls", "#,##0")
        ws.add_chart(chart, anchor)
        return row

    def _supplier_words(self, ws: Worksheet, row: int) -> int:
        """How call logs' own outcome words were counted (e.g. voicemail as missed)."""
        found = supplier_words(self.conn, self.practices, self.scope.start, self.scope.end)
        if not found:
            return row
        _put(ws, row, 1, "Call-log outcomes: the supplier's words and how they were counted",
             font=HEADING_FONT)
        row += 1
        titles = ["Supplier's word", "Counted as", "Inbound calls"]
        _header(ws, row, 1, titles)
        header_row = row
        for word, outcome, calls in found:
            row += 1
            _put(ws, row, 1, word or "(blank)")
            _put(ws, row, 2, OUTCOME_WORDS.get(outcome, "not counted"))
            _put(ws, row, 3, calls, number_format="#,##0")
        _add_table(ws, "Call_log_outcome_words", header_row, 1, row, len(titles))
        return row

    def _data_quality_note(self, ws: Worksheet, row: int) -> None:
        _put(ws, row, 1, "Unknown and unmapped shares (Mode unknown, Status unknown, Booking "
                         "interval unknown, Category unmapped) are in the monthly table: practices "
                         "with incomplete mapping look different for data-quality reasons.",
             font=NOTE_FONT)

    # --- Definitions and caveats ---------------------------------------------------------
    def definitions_sheet(self) -> None:
        ws = self.sheets["Definitions and caveats"]
        for column, width in zip("ABCD", (34, 30, 90, 28), strict=True):
            ws.column_dimensions[column].width = width
        _put(ws, 1, 1, "Definitions and caveats", font=TITLE_FONT)
        _put(ws, 2, 1, "Every figure in this workbook, as defined on Practice Desk's definitions "
                       "page. Shares are shown as percentages; a blank cell means the figure "
                       "cannot be computed (no data, or a denominator of 0), never 0.",
             font=NOTE_FONT)
        row = 4
        titles = ["Measure", "Key", "Definition", "Shown on"]
        _header(ws, row, 1, titles)
        header_row = row
        found = definitions()
        for key, sheets in self.shown.items():
            row += 1
            _put(ws, row, 1, name_of(key), alignment=WRAP)
            _put(ws, row, 2, key, alignment=WRAP)
            text = found[key].text if key in found else ""
            _put(ws, row, 3, text, alignment=WRAP)
            _fit_height(ws, row, text, 88)
            _put(ws, row, 4, ", ".join(sheets), alignment=WRAP)
        if row > header_row:
            _add_table(ws, "Definitions", header_row, 1, row, len(titles))
        row += 2
        _put(ws, row, 1, "Caveats", font=HEADING_FONT)
        for number, text in enumerate(self._caveats(), start=1):
            row += 1
            _put(ws, row, 1, f"{number}.", alignment=WRAP)
            ws.merge_cells(start_row=row, start_column=2, end_row=row, end_column=3)
            _put(ws, row, 2, text, alignment=WRAP)
            _fit_height(ws, row, text, 110)

    def _caveats(self) -> list[str]:
        caveats = [
            "Voicemail counts as missed. NHS England's 'missed' (CBT004, the abandonment rate) "
            "includes calls that ended in voicemail, and call logs are mapped the same way; some "
            "supplier reports show voicemail separately, so their missed figure is lower.",
            "CBT coverage: NHS England's cloud-based telephony statistics cover only practices "
            "whose telephony supplier submits data (about 48 % of practices in October 2024, "
            "about 82 % by February 2026). The growing coverage moves national figures; England's "
            "median is the middle of the practices with a value that month. A practice that is "
            "not covered is shown from its own call log where one has been imported (the Source "
            "column says which).",
            "Waits in seconds, call length, and calls by hour exist only in practices' own call "
            "logs; NHS England publishes waits only in bands (under 1 minute, 1-2, 2-5, over 5).",
            "Outcomes do not always add up to inbound calls in NHS data: the difference is shown "
            "as Unreconciled calls, never hidden.",
            "GPAD is not workload: Appointments in General Practice counts appointments, not "
            "demand and not workload (it leaves out work that is not booked as an appointment, "
            "and a telephone appointment counts the same as a long face-to-face one).",
            "Unknown and unmapped shares: practices with incomplete mapping look different for "
            "data-quality reasons. Mode unknown, Status unknown, Booking interval unknown and "
            "Category unmapped (Unmapped or Inconsistent Mapping) show how much of each "
            "practice's data is affected; read other shares with them.",
            "GPAD coverage: participating EMIS, TPP and Cegedim practices; PCN hub appointments "
            "appear separately. 'Within two weeks' is measured from booking, not from the "
            "patient's first request.",
            "Months are revised in later NHS England releases: the newest import of a month "
            "replaces the older one (the Cover sheet lists the files used).",
            "A period is never an average of monthly percentages: PCN totals add the practices' "
            "numerators and denominators first, then divide.",
            "Targets are local targets from Practice Desk's Settings (seen in ICB reports); they "
            "colour the Summary and are drawn on charts, and never change a figure.",
        ]
        if self.anonymise:
            caveats.append("Anonymised: practices are shown as Practice A, B, ... in order of "
                           "their ODS codes; names, ODS codes and file names that name a "
                           "practice are left out.")
        if any(queries.is_demo_practice(code) for code in self.practices):
            caveats.append("DEMO data: these are made-up practices for trying Practice Desk.")
        caveats.append("No caller numbers, or anything derived from them, are in this workbook.")
        return caveats


def _fit_height(ws: Worksheet, row: int, value, characters_per_line: int) -> None:
    """Room for wrapped text (Excel and LibreOffice do not always grow rows on opening)."""
    if isinstance(value, str) and len(value) > characters_per_line:
        lines = -(-len(value) // characters_per_line)
        ws.row_dimensions[row].height = max(ws.row_dimensions[row].height or 15, 15 * lines)


def _parse_time(text: str | None):
    if not text:
        return None
    try:
        return datetime.fromisoformat(text).replace(tzinfo=None)
    except ValueError:
        return text


def _style_series(series, kind: str, number: int, total: bool) -> None:
    line = series.graphicalProperties.line
    if kind == "national":
        colour, width, dash = NATIONAL_COLOUR, 22225, "dash"
    elif kind == "target":
        colour, width, dash = TARGET_COLOUR, 19050, "sysDash"
    elif total:
        colour, width, dash = TOTAL_COLOUR, 38100, None
    else:
        colour, width, dash = PALETTE[number % len(PALETTE)], 19050, None
    line.solidFill = colour
    line.width = width
    if dash:
        line.dashStyle = dash
    series.smooth = False
    # markers on every series: a period of one month is a single point
    series.marker.symbol = "circle" if kind == "line" else "dash"
    series.marker.size = 5 if kind == "line" else 9
    series.marker.graphicalProperties = GraphicalProperties(solidFill=colour)
    series.marker.graphicalProperties.line.solidFill = colour


def _axes(chart, x_title: str, y_title: str, y_format: str) -> None:
    """Titles, number formats and axes that current Excel shows (openpyxl's default
    `delete` is None, which recent Excel reads as a hidden axis)."""
    chart.x_axis.title = x_title
    chart.y_axis.title = y_title
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    chart.y_axis.number_format = y_format
    chart.y_axis.majorTickMark = "out"
    chart.x_axis.majorTickMark = "out"
    if isinstance(chart, LineChart):
        chart.x_axis.number_format = "mmm yy"
    chart.legend.position = "r"


def write_workbook(conn: sqlite3.Connection, scope: ExportScope, path: Path,
                   anonymise: bool = False, generated: datetime | None = None) -> Path:
    """Write the workbook for `scope` to `path` (.xlsx); returns the path written.

    The file is written beside the target and moved into place, so a failed export leaves any
    earlier file as it was.
    """
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        path = path.with_name(path.name + ".xlsx")
    workbook = _Writer(conn, scope, anonymise, generated or datetime.now()).build()
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=".practice-desk-", suffix=".xlsx",
                                         dir=path.parent)
    os.close(handle)
    try:
        workbook.save(temporary)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


__all__ = ["SHEETS", "SUMMARY_KEYS", "safe_text", "write_workbook", "data_sources"]
