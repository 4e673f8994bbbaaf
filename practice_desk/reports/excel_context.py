"""Workbook parts beside the practice figures: appointments by national category with the
sub-ICB's share (Appointments sheet), and the Demand and capacity sheet. No Qt here.

Written through the workbook's own helpers (`excel._put` keeps text from becoming a formula).
"""

from __future__ import annotations

from collections import Counter

from openpyxl.chart import BarChart, Reference
from openpyxl.worksheet.worksheet import Worksheet

from practice_desk.metrics import Selection, area
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
