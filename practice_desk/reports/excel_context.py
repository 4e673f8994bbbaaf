"""Workbook parts beside the practice figures: appointments by national category with the
sub-ICB's share (Appointments sheet), and the Demand and capacity sheet. No Qt here.

Written through the workbook's own helpers (`excel._put` keeps text from becoming a formula).
"""

from __future__ import annotations

from collections import Counter

from openpyxl.chart import BarChart, Reference
from openpyxl.worksheet.worksheet import Worksheet

from practice_desk.metrics import Selection, area, demand
from practice_desk.metrics.appointments import categories
from practice_desk.reports import excel as xl


def category_rows(writer) -> tuple[list[dict], dict | None, tuple | None]:
    """(rows, sub-ICB, (first day, last day, days)) for the export's practices over its months:
    each category's appointments and share, beside the sub-ICB's share when the practices share
    one sub-ICB and its national categories file covers the months."""
    scope, conn = writer.scope, writer.conn
    own: Counter = Counter()
    for code in writer.practices:
        own.update(categories(conn, Selection(practice=code, start=scope.start, end=scope.end)))
    found = area.sub_icb_of(conn, writer.practices)
    theirs = area.categories(conn, found["code"], scope.start, scope.end) if found else []
    days = area.category_days(conn, found["code"], scope.start, scope.end) if theirs else None
    total = sum(own.values())
    share_of = {row["category"]: row["share"] for row in theirs}
    rows = [{"category": category, "appointments": own.get(category),
             "share": own[category] / total if own.get(category) and total else None,
             "area_share": share_of.get(category)}
            for category in set(own) | set(share_of)]
    rows.sort(key=lambda r: (r["category"] in ("Unmapped", "Inconsistent Mapping"),
                             -(r["appointments"] or 0), -(r["area_share"] or 0)))
    return rows, found, days


def write_categories(writer, ws: Worksheet, row: int) -> int:
    """The national-category table and a bar chart of the shares; returns the last row used."""
    rows, found, days = category_rows(writer)
    if not rows:
        return row
    xl._put(ws, row, 1, "Appointments by national category (whole period)", font=xl.HEADING_FONT)
    row += 1
    if found and days:
        note = (f"Sub-ICB: {found['name'] or found['code']}, {days[2]} days from {days[0]} to "
                f"{days[1]} (GPAD national categories file, every service setting).")
    elif found:
        note = (f"No GPAD national categories file for {found['name'] or found['code']} in "
                "these months: import National_Categories_CSV_<YYYY>.csv for the sub-ICB share.")
    else:
        note = "The practices are in more than one sub-ICB: no sub-ICB share."
    xl._put(ws, row, 1, note, font=xl.NOTE_FONT)
    row += 1
    titles = ["National category", "Appointments", "Share", "Sub-ICB share"]
    xl._header(ws, row, 1, titles)
    header_row = row
    for item in rows:
        row += 1
        xl._put(ws, row, 1, item["category"])
        xl._put(ws, row, 2, item["appointments"], number_format="#,##0")
        xl._put(ws, row, 3, item["share"], number_format="0.0%")
        xl._put(ws, row, 4, item["area_share"], number_format="0.0%")
    xl._add_table(ws, "Appointments_by_category", header_row, 1, row, len(titles))
    chart = BarChart()
    chart.type = "bar"
    chart.title = "Share of appointments by national category"
    chart.height, chart.width = xl.CHART_HEIGHT_CM * 1.6, xl.CHART_WIDTH_CM
    chart.add_data(Reference(ws, min_col=3, max_col=4, min_row=header_row, max_row=row),
                   titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=header_row + 1, max_row=row))
    chart.y_axis.scaling.orientation = "minMax"
    chart.x_axis.scaling.orientation = "maxMin"  # biggest category at the top
    for series, colour in zip(chart.series, (xl.TOTAL_COLOUR, "009E73"), strict=True):
        series.graphicalProperties.solidFill = colour
        series.graphicalProperties.line.solidFill = colour
    xl._axes(chart, "National category", "Share of appointments", "0%")
    ws.add_chart(chart, f"F{header_row}")
    return row


# --- the Demand and capacity sheet -------------------------------------------------------------
SHEET = "Demand and capacity"
MONTHLY_KEYS = ["inbound_calls", "oc_submissions", "oc_clinical_submissions",
                "oc_admin_submissions", "app_appointments_booked", "contacts",
                "appointments_total", "clinical_fte", "gp_fte", "contacts_per_1000",
                "appointments_per_contact", "online_share_of_contacts", "patients_per_gp_fte",
                "appointments_per_clinical_fte"]
CHANNEL_COLOURS = {"inbound_calls": "005EB8", "oc_submissions": "E69F00",
                   "appointments_total": "009E73"}


def write_demand_sheet(writer) -> None:
    """Contacts by channel beside appointments and staff for each line of the scope (practices,
    PCN total): the period table, the monthly table, and native charts of the trends."""
    ws = writer.sheets[SHEET]
    xl._put(ws, 1, 1, "Demand and capacity", font=xl.TITLE_FONT)
    xl._put(ws, 2, 1, "Calls, online requests and NHS App bookings beside appointments given and "
                      "clinical staff. Calls and online requests overlap (one patient may do "
                      "both): they show pressure, not a count of patients. Rates add the months' "
                      "counts first, then divide. See 'Definitions and caveats'.",
            font=xl.NOTE_FONT)
    ws.column_dimensions["A"].width = min(max([len(x.label) for x in writer.lines] + [24]) + 2,
                                          50)
    ws.column_dimensions["B"].width = 34
    keys = xl._keys_with_data(writer.lines, MONTHLY_KEYS)
    if not keys:
        xl._put(ws, 4, 1, "No demand or capacity figures for this selection and period.",
                font=xl.BOLD)
        return
    total = next((line for line in writer.lines if line.total), None) or writer.lines[0]
    charted = {key for keys_of in xl.CHART_KEYS.values() for key in keys_of}  # other sheets'
    chart_keys = [key for key in xl._keys_with_data(writer.lines, demand.TREND_KEYS)
                  if key not in charted][:xl.MAX_APP_CHARTS]
    chart_row, count = 4, len(chart_keys) + 1
    row = chart_row + -(-count // 2) * (xl.CHART_ROWS + 1) + 1
    row = _period_table(writer, ws, row) + 2
    row = _monthly_table(writer, ws, row, keys) + 2
    anchors = [writer._anchor(ws, chart_row, i) for i in range(count)]
    row = _channels_chart(ws, row, total, anchors[0]) + 2
    for index, key in enumerate(chart_keys, start=1):
        row = writer._chart_table(ws, row, key, anchors[index], SHEET) + 2
    for key in keys:
        writer._mark_shown(key, SHEET)


def _period_table(writer, ws: Worksheet, row: int) -> int:
    xl._put(ws, row, 1, "Over the period", font=xl.HEADING_FONT)
    row += 1
    titles = ["Practice", "Measure", "A month (average)", "Per 1,000 patients a month",
              "Per clinical FTE a month", "Months with data"]
    xl._header(ws, row, 1, titles)
    ws.row_dimensions[row].height = 45
    header_row = row
    missing: list[str] = []
    for line in writer.lines:
        rows = [line.rows[m] for m in sorted(line.rows)]
        found = demand.figures(writer.conn, line.selection, rows)
        for figure in found:
            row += 1
            xl._put(ws, row, 1, line.label)
            xl._put(ws, row, 2, ("of which " if figure.indent else "") + figure.label)
            xl._put(ws, row, 3, figure.monthly, number_format="#,##0.0")
            xl._put(ws, row, 4, figure.per_1000, number_format="#,##0.0")
            xl._put(ws, row, 5, figure.per_fte, number_format="#,##0.0")
            xl._put(ws, row, 6, figure.months)
        if line is writer.lines[-1]:
            missing = demand.missing_sources(found)
    xl._add_table(ws, "Demand_period", header_row, 1, row, len(titles))
    for column in "CDEF":
        ws.column_dimensions[column].width = 14
    if missing:
        row += 1
        xl._put(ws, row, 1, "Not shown for want of data: " + "; ".join(missing) + ".",
                font=xl.NOTE_FONT)
    return row


def _monthly_table(writer, ws: Worksheet, row: int, keys: list[str]) -> int:
    xl._put(ws, row, 1, "Monthly figures", font=xl.HEADING_FONT)
    row += 1
    titles = ["Practice", "Month", *[demand.label_of(key) for key in keys]]
    xl._header(ws, row, 1, titles)
    ws.row_dimensions[row].height = 60
    header_row = row
    for line in writer.lines:
        for month, values in line.rows.items():
            if all(values.get(key) is None for key in keys):
                continue
            row += 1
            xl._put(ws, row, 1, line.label)
            xl._put(ws, row, 2, xl.month_date(month), number_format=xl.MONTH_FORMAT)
            for column, key in enumerate(keys, start=3):
                fmt = "#,##0.0" if key.endswith(("_fte", "_per_1000", "per_contact")) \
                    else xl.number_format(key)
                xl._put(ws, row, column, values.get(key), number_format=fmt)
    xl._add_table(ws, "Demand_monthly", header_row, 1, row, len(titles))
    return row


def _channels_chart(ws: Worksheet, row: int, line, anchor: str) -> int:
    """Calls, online requests and appointments by month for the scope's total, as columns."""
    shown = [key for key in CHANNEL_COLOURS
             if any(values.get(key) is not None for values in line.rows.values())]
    xl._put(ws, row, 1, f"Chart data: contacts and appointments, {line.label}",
            font=xl.HEADING_FONT)
    row += 1
    titles = ["Month", *[demand.label_of(key) for key in shown]]
    xl._header(ws, row, 1, titles)
    header_row = row
    for month in sorted(line.rows):
        row += 1
        xl._put(ws, row, 1, xl.month_date(month), number_format=xl.MONTH_FORMAT)
        for column, key in enumerate(shown, start=2):
            xl._put(ws, row, column, line.rows[month].get(key), number_format="#,##0")
    xl._add_table(ws, "Chart_contacts_and_appointments", header_row, 1, row, len(titles))
    chart = BarChart()
    chart.type, chart.grouping = "col", "clustered"
    chart.title = "Contacts by channel and appointments given, by month"
    chart.height, chart.width = xl.CHART_HEIGHT_CM, xl.CHART_WIDTH_CM
    chart.add_data(Reference(ws, min_col=2, max_col=len(titles), min_row=header_row,
                             max_row=row), titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=header_row + 1, max_row=row))
    for series, key in zip(chart.series, shown, strict=True):
        series.graphicalProperties.solidFill = CHANNEL_COLOURS[key]
        series.graphicalProperties.line.solidFill = CHANNEL_COLOURS[key]
    xl._axes(chart, "Month", "Count", "#,##0")
    chart.x_axis.number_format = "mmm yy"
    ws.add_chart(chart, anchor)
    return row
