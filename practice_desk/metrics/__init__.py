"""The one metrics engine behind the GUI, the command line and the exports (metrics.md)."""

from __future__ import annotations

import sqlite3

from practice_desk.metrics import appointments, area, capacity, nhs_app, telephony
from practice_desk.metrics.keys import CONTEXT_KEYS, METRIC_KEYS
from practice_desk.metrics.selection import Selection, SelectionError

__all__ = ["AREAS", "METRIC_KEYS", "Reading", "Selection", "SelectionError", "metric_rows",
           "metrics_document", "period_summary"]


def _empty_row(month: str) -> dict:
    return {"month": month, **dict.fromkeys(METRIC_KEYS), **dict.fromkeys(CONTEXT_KEYS),
            "telephony_source": None, **dict.fromkeys(nhs_app.CONTEXT_KEYS),
            **dict.fromkeys(capacity.CONTEXT_KEYS)}


# What a page can ask for: each area's keys are computed only when asked. CALL_LOG is the
# call-log-only telephony keys (waits, talk time, diverted minutes), read month by month.
APPOINTMENTS, TELEPHONY, CALL_LOG, NHS_APP, CAPACITY = (
    "appointments", "telephony", "call_log", "nhs_app", "capacity")
AREAS = frozenset({APPOINTMENTS, TELEPHONY, CALL_LOG, NHS_APP, CAPACITY})


class Reading:
    """One refresh's reads for a selection: its practices resolved once, and each practice's
    monthly telephony counts, NHS App series and capacity parts worked out once, then shared by
    the rows, the period and the page (tiles, trend, wait bands)."""

    def __init__(self, conn: sqlite3.Connection, selection: Selection) -> None:
        self.conn, self.selection = conn, selection
        self.practices = selection.practices(conn)
        self._found: dict[str, object] = {}

    def _once(self, name: str, work):
        if name not in self._found:
            self._found[name] = work()
        return self._found[name]

    def practice_calls(self) -> dict:
        """telephony.practice_counts: {practice: {month: (source, counts)}}."""
        return self._once("practice_calls", lambda: telephony.practice_counts(
            self.conn, self.practices, self.selection))

    def call_counts(self) -> dict[str, telephony.MonthCounts]:
        return self._once("call_counts", lambda: telephony.monthly_counts(
            self.conn, self.practices, self.selection, self.practice_calls()))

    def app_series(self) -> nhs_app.AppSeries:
        return self._once("app_series", lambda: nhs_app.AppSeries(self.conn, self.practices))

    def capacity_parts(self) -> dict[str, dict]:
        return self._once("capacity_parts", lambda: capacity.all_parts(
            self.conn, self.practices, self.selection, self.practice_calls()))

    def appointment_counts(self) -> dict[str, dict]:
        return self._once("appointment_counts", lambda: appointments.monthly_counts(
            self.conn, self.practices, self.selection))

    def rows(self, areas=AREAS) -> list[dict]:
        """metric_rows of these areas: one row per month with data in any of them, every key
        present, None where it cannot be computed or was not asked for."""
        if self.selection.area:
            return _area_rows(self.conn, self.selection) if APPOINTMENTS in areas else []
        conn, practices, selection = self.conn, self.practices, self.selection
        counts = self.appointment_counts() if APPOINTMENTS in areas else {}
        calls = telephony.monthly(conn, practices, selection, self.call_counts(),
                                  call_log=CALL_LOG in areas) if TELEPHONY in areas else {}
        app = (nhs_app.monthly(conn, practices, selection, self.app_series())
               if NHS_APP in areas else {})
        demand = (capacity.monthly(conn, practices, selection, self.capacity_parts())
                  if CAPACITY in areas else {})
        rows = []
        for month in sorted(set(counts) | set(calls) | set(app) | set(demand)):
            row = _empty_row(month)
            if month in counts:
                row.update(_appointment_values(conn, practices, month, counts[month]))
            row.update(calls.get(month, {}))
            row.update(app.get(month, {}))
            row.update(demand.get(month, {}))
            rows.append(row)
        return rows

    def period(self, areas=AREAS) -> dict | None:
        """period_summary of these areas; None when they have no data in the range."""
        if self.selection.area:
            return _area_period(self.conn, self.selection) if APPOINTMENTS in areas else None
        conn, practices, selection = self.conn, self.practices, self.selection
        counts = self.appointment_counts() if APPOINTMENTS in areas else {}
        calls = self.call_counts() if TELEPHONY in areas else {}
        app_months = ([m for m in self.app_series().months if selection.contains(m)]
                      if NHS_APP in areas else [])
        demand = (capacity.monthly(conn, practices, selection, self.capacity_parts())
                  if CAPACITY in areas else {})
        months = sorted(set(counts) | set(calls) | set(app_months) | set(demand))
        if not months:
            return None
        row = _empty_row(f"{months[0]}..{months[-1]}")
        if counts:
            row.update(_appointments_period(conn, practices, counts))
        row.update(telephony.period_values(conn, practices, selection, months=calls))
        if NHS_APP in areas:
            row.update(nhs_app.period_values(conn, practices, selection, self.app_series()))
        if CAPACITY in areas:
            row.update(capacity.period_values(conn, practices, selection, self.capacity_parts()))
        row["months"] = len(months)
        return row


def metric_rows(conn: sqlite3.Connection, selection: Selection, areas=AREAS) -> list[dict]:
    """One row per month with any data: every key present, None where it cannot be computed."""
    return Reading(conn, selection).rows(areas)


def _appointment_values(conn: sqlite3.Connection, practices: list[str], month: str,
                        counts: dict) -> dict:
    values = appointments.shares(counts)
    contributing = appointments.practices_with_data(conn, practices, month)
    size = appointments.list_size_total(conn, contributing, month)
    if size:
        values["list_size"], values["list_size_date"] = size
        total = values["appointments_total"]
        values["appointments_per_1000"] = appointments.per_1000(total, size[0])
    return values


def period_summary(conn: sqlite3.Connection, selection: Selection,
                   areas=AREAS) -> dict | None:
    """The whole range as one figure: numerators and denominators summed first, then divided.

    None when the selection has no data in the range.
    """
    return Reading(conn, selection).period(areas)


def _appointments_period(conn: sqlite3.Connection, practices: list[str],
                         counts: dict[str, dict]) -> dict:
    summed = {name: sum(month[name] for month in counts.values())
              for name in appointments.COUNT_NAMES}
    values = appointments.shares(summed)
    sizes = [appointments.list_size_total(
        conn, appointments.practices_with_data(conn, practices, month), month) for month in counts]
    if all(sizes):
        values["appointments_per_1000"] = appointments.per_1000(
            summed["total"], sum(size[0] for size in sizes))
    return values


def _area_rows(conn: sqlite3.Connection, selection: Selection) -> list[dict]:
    """An area's own appointment figures (GPAD area files); every other key is None."""
    values = area.monthly_values(conn, selection.area, selection.start, selection.end)
    return [{**_empty_row(month), **found} for month, found in values.items()]


def _area_period(conn: sqlite3.Connection, selection: Selection) -> dict | None:
    counts = area.monthly_counts(conn, selection.area, selection.start, selection.end)
    if not counts:
        return None
    summed = dict.fromkeys(appointments.COUNT_NAMES, 0)
    for month in counts.values():
        for name, value in month.items():
            summed[name] += value
    months = list(counts)
    row = _empty_row(f"{months[0]}..{months[-1]}")
    row.update(appointments.shares(summed))
    row["unmapped_category_share"] = None  # area files have no national category
    row["months"] = len(months)
    return row


def metrics_document(conn: sqlite3.Connection, selection: Selection) -> dict:
    """The object `practice-desk metrics --json` prints."""
    return {selection.scope_key: selection.code, "rows": metric_rows(conn, selection)}
