"""Appointments (GPAD): face-to-face and two-week shares by month with the sub-ICB's line for
context, the mode x interval mix, and appointments by national category beside the sub-ICB's."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from practice_desk import headline, targets
from practice_desk.importing.labels import INTERVAL_ORDER, MODE_ORDER, UNMAPPED_CATEGORIES
from practice_desk.metrics import APPOINTMENTS, Reading, area
from practice_desk.metrics.appointments import breakdown, categories
from practice_desk.metrics.definitions import name_of, tooltip
from practice_desk.metrics.keys import format_value
from practice_desk.metrics.list_sizes import missing_list_size
from ui.charts import month_label
from ui.models import RowsModel, percent, text, thousands
from ui.names import PracticeNames
from ui.notes_dialog import NoteEditor
from ui.pages.base import Page, scope_text, scope_words
from ui.spc_chart import SPCChart
from ui.widgets import TargetBox, data_table

CHARTED = ["f2f_share", "within_14_days_share"]
SUMMARY = ["appointments_total", "f2f_share", "within_14_days_share", "dna_rate",
           "appointments_per_1000"]
# Over a range of months a per-1,000 figure is the monthly average.
SUMMARY_CAPTIONS = {"appointments_per_1000": "Per 1,000 patients a month"}
QUALITY = ["unknown_mode_share", "unknown_interval_share", "unmapped_category_share"]


def pivot_breakdown(rows: list[dict]) -> list[dict]:
    """Mode x interval counts as one row per mode, with a total and its share of all."""
    grand = sum(row["appointments"] for row in rows)
    modes = [m for m in MODE_ORDER if any(r["mode"] == m for r in rows)]
    modes += sorted({r["mode"] for r in rows} - set(modes))
    table = []
    for mode in modes:
        line = {"mode": mode, **dict.fromkeys(INTERVAL_ORDER, 0)}
        for row in rows:
            if row["mode"] == mode:
                line[row["interval"]] = line.get(row["interval"], 0) + row["appointments"]
        line["total"] = sum(row["appointments"] for row in rows if row["mode"] == mode)
        line["share"] = line["total"] / grand if grand else None
        table.append(line)
    return table


def category_table(own: dict[str, int], area_rows: list[dict]) -> list[dict]:
    """One row per national category: this selection's appointments and share beside the
    area's share (either side may be missing); biggest first, data-quality categories last."""
    own_total = sum(own.values())
    theirs = {row["category"]: row for row in area_rows}
    rows = []
    for category in set(own) | set(theirs):
        count = own.get(category)
        rows.append({"category": category, "appointments": count,
                     "share": count / own_total if count is not None and own_total else None,
                     "area_appointments": theirs.get(category, {}).get("appointments"),
                     "area_share": theirs.get(category, {}).get("share")})
    return sorted(rows, key=lambda r: (r["category"] in UNMAPPED_CATEGORIES,
                                       -(r["appointments"] or 0), -(r["area_share"] or 0),
                                       r["category"]))


CATEGORY_COLUMNS = [("National category", "category", text),
                    ("Appointments", "appointments", thousands), ("Share", "share", percent),
                    ("Sub-ICB appointments", "area_appointments", thousands),
                    ("Sub-ICB share", "area_share", percent)]

BREAKDOWN_COLUMNS = [("Mode", "mode", text), *[(i, i, thousands) for i in INTERVAL_ORDER],
                     ("Total", "total", thousands), ("Share", "share", percent)]


class AppointmentsPage(Page):
    title = "Appointments"
    shows_areas = True  # an area's own series from GPAD area files

    def __init__(self, state, parent=None) -> None:
        super().__init__(state, parent)
        self.scope_label = QLabel(objectName="hint")
        self.body.addWidget(self.scope_label)
        self.empty = self.hint("No appointment data for this selection yet. Import a GPAD "
                               "practice-level crosstab (CSV or zip) on the Imports page.")
        self.content = QWidget()
        layout = QVBoxLayout(self.content)
        layout.setContentsMargins(0, 0, 0, 0)
        self.summary = self._summary_tiles()
        layout.addWidget(self.summary)
        self.charts: dict[str, SPCChart] = {}
        self.notes = NoteEditor(state, self)  # right-click a chart to add or edit a note
        self.notes.changed.connect(self.refresh)
        self.target_boxes: dict[str, TargetBox] = {}
        charts_row = QHBoxLayout()
        for key in CHARTED:
            charts_row.addLayout(self._chart_column(key))
        layout.addLayout(charts_row)
        self.context_note = QLabel(objectName="hint", wordWrap=True)
        layout.addWidget(self.context_note)
        self.quality = QLabel(objectName="hint", wordWrap=True)
        layout.addWidget(self.quality)
        layout.addWidget(QLabel("<b>Appointments by mode and time from booking</b> "
                                "(whole period selected)"))
        self.breakdown_model = RowsModel(BREAKDOWN_COLUMNS, self)
        self.breakdown_table = data_table(self.breakdown_model,
                                          "Appointments by mode and interval")
        self.breakdown_table.setMinimumHeight(200)
        layout.addWidget(self.breakdown_table)
        layout.addWidget(QLabel("<b>Appointments by national category</b> (whole period "
                                "selected)"))
        self.category_note = QLabel(objectName="hint", wordWrap=True)
        layout.addWidget(self.category_note)
        self.category_model = RowsModel(CATEGORY_COLUMNS, self)
        self.category_table = data_table(self.category_model, "Appointments by national category")
        self.category_table.setMinimumHeight(260)
        layout.addWidget(self.category_table)
        self.body.addWidget(self.content)
        self.body.addStretch(1)
        self.state.targets_changed.connect(self._show_targets)

    def _show_targets(self) -> None:
        for key, chart in self.charts.items():
            self.target_boxes[key].load()
            chart.set_target(targets.get_target(self.state.conn, key))

    def _summary_tiles(self) -> QWidget:
        box = QWidget()
        grid = QGridLayout(box)
        grid.setContentsMargins(0, 0, 0, 0)
        self.tiles: dict[str, QLabel] = {}
        for column, key in enumerate(SUMMARY):
            name = QLabel(SUMMARY_CAPTIONS.get(key, name_of(key)), objectName="hint")
            value = QLabel("–", accessibleName=name_of(key))
            value.setStyleSheet("font-size: 20pt; font-weight: bold; color: #003087;")
            for widget in (name, value):
                widget.setToolTip(tooltip(key))
            grid.addWidget(name, 0, column)
            grid.addWidget(value, 1, column)
            self.tiles[key] = value
        return box

    def _chart_column(self, key: str) -> QVBoxLayout:
        column = QVBoxLayout()
        chart = SPCChart(f"{name_of(key)} by month")
        chart.configure(key)
        self.notes.attach(chart)
        chart.setToolTip(tooltip(key))
        chart.setAccessibleName(f"{name_of(key)} by month")
        self.charts[key] = chart
        self.target_boxes[key] = TargetBox(self.state, key)
        column.addWidget(chart)
        column.addWidget(self.target_boxes[key])
        return column

    def refresh(self) -> None:
        self.read_and_show(anonymise=self.state.anonymise)

    def read(self, conn, selection, cancelled, anonymise: bool) -> dict | None:
        """Everything the page shows, read once (on a worker thread; no widget is touched):
        appointment figures only, the selection's practices resolved once."""
        if selection is None:
            return None
        reading = Reading(conn, selection)
        rows = [row for row in reading.rows({APPOINTMENTS})
                if row["appointments_total"] is not None]
        names = None if selection.area else PracticeNames(conn, anonymise, reading.practices)
        data = {"rows": rows, "scope": scope_words(conn, selection, names, rows)}
        if not rows or cancelled():
            return data
        data["summary"] = reading.period({APPOINTMENTS})
        months = [row["month"] for row in rows]
        # Why 'Per 1,000 patients' is blank (no list size on or before a month), if it is.
        data["list_gap"] = None if selection.area or data["summary"].get(
            "appointments_per_1000") is not None else missing_list_size(
            conn, reading.practices, months)
        found = (area.get_area(conn, selection.area) if selection.area
                 else area.sub_icb_of(conn, reading.practices))
        data["context"] = self._context(conn, selection, found, months)
        if selection.area:
            mix = area.breakdown(conn, selection.area, selection.start, selection.end)
        else:
            mix = breakdown(conn, selection)
        data["breakdown"] = pivot_breakdown(mix)
        own = {} if selection.area else categories(conn, selection)
        category_months = self._category_months(conn, selection, found)
        theirs = area.categories(conn, found["code"], *category_months) \
            if category_months else []
        data["categories"] = (bool(selection.area), category_table(own, theirs),
                              self._category_words(conn, selection, found, category_months))
        return data

    def draw(self, data: dict | None) -> None:
        rows = data["rows"] if data else []
        self.empty.setVisible(not rows)
        self.content.setVisible(bool(rows))
        self.scope_label.setText(data["scope"] if data else scope_text(self.state, []))
        if not rows:
            return
        summary = data["summary"]
        for key, label in self.tiles.items():
            label.setText(format_value(key, summary[key]))
        months = [row["month"] for row in rows]
        context, note = data["context"]
        self.context_note.setText(note)
        for key, chart in self.charts.items():
            self.target_boxes[key].load()
            if context:
                chart.set_context([context[1].get(m, {}).get(key) for m in months],
                                  context[0])
            else:
                chart.set_context()
            chart.set_data(months, [row[key] for row in rows], headline.improvement(key),
                           targets.get_target(self.state.conn, key), self.notes.notes_for(key))
        self.quality.setText("Data quality over the period: " + "; ".join(
            f"{name_of(key).lower()} {format_value(key, summary[key])}" for key in QUALITY)
            + ". GPAD counts appointments, not demand or workload."
            + (f" {data['list_gap']}" if data["list_gap"] else ""))
        self.breakdown_model.set_rows(data["breakdown"])
        is_area, table, words = data["categories"]
        self.category_table.setColumnHidden(1, is_area)
        self.category_table.setColumnHidden(2, is_area)
        self.category_model.set_rows(table)
        self.category_table.setVisible(bool(self.category_model.rows))
        self.category_note.setText(words)

    @staticmethod
    def _context(conn, selection, found: dict | None,
                 months: list[str]) -> tuple[tuple[str, dict] | None, str]:
        """(('Your sub-ICB: NAME', {month: values}) for the charts' context line, or None; the
        note under the charts, saying why there is no line and what would draw it)."""
        if selection.area or found is None:
            return None, ("" if selection.area else
                          "No sub-ICB line: the practices of this PCN are in more than one "
                          "sub-ICB, or their sub-ICB is not known yet (import GPAD's "
                          "Mapping.csv).")
        values = area.monthly_values(conn, found["code"], months[0], months[-1])
        name = found["name"] or found["code"]
        if not values:
            held = area.area_months(conn, found["code"])
            return None, f"No line for your sub-ICB ({name}): " + (
                f"its GPAD area figures cover {month_label(held[0])} to "
                f"{month_label(held[-1])}, outside the months chosen." if held else
                "import its GPAD regional monthly file (Regional_CSV_<area>.csv) or the "
                "daily sub-ICB file (SUB_ICB_LOCATION_CSV_<Mon>_<YY>.csv) to draw it.")
        return (f"Your sub-ICB: {name}", values), (
            f"The green dashed line is your sub-ICB, {name}: every practice of the area "
            "together (GPAD area file). Context only: it is not part of this selection's "
            "figures.")

    @staticmethod
    def _category_months(conn, selection, found: dict | None) -> tuple[str, str] | None:
        """The months of the sub-ICB's category figures: the months chosen when the national
        categories file covers any of them, else its nearest month (the note says so)."""
        if found is None:
            return None
        held = area.category_months(conn, found["code"])
        inside = [m for m in held if selection.contains(m)]
        if inside:
            return selection.start, selection.end
        if not held:
            return None
        before = [m for m in held if selection.end is None or m <= selection.end]
        nearest = before[-1] if before else held[0]
        return nearest, nearest

    @staticmethod
    def _category_words(conn, selection, found: dict | None,
                        months: tuple[str, str] | None) -> str:
        if found is None:
            return ("The sub-ICB columns need the practices' sub-ICB (import GPAD's "
                    "Mapping.csv); a PCN across several sub-ICBs has no single one.")
        name = found["name"] or found["code"]
        if months is None:
            return (f"For the sub-ICB columns ({name}), import GPAD's national categories file "
                    "(National_Categories_CSV_<YYYY>.csv) for these months.")
        first, last, days = area.category_days(conn, found["code"], *months)
        words = (f"Sub-ICB columns: {name}, {days} days from {first} to {last} (GPAD national "
                 "categories file), every service setting (practice, PCN, extended access).")
        if months[0] is not None and not selection.contains(months[0]):
            words += (f" The file holds no day in the months chosen: these are its nearest "
                      f"month, {month_label(months[0])}.")
        return words + " GPAD counts appointments, not demand."
