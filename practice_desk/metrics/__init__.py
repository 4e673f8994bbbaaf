"""The one metrics engine behind the GUI, the command line and the exports (metrics.md)."""

from __future__ import annotations

import sqlite3

from practice_desk.metrics import appointments, area, capacity, nhs_app, telephony
from practice_desk.metrics.keys import CONTEXT_KEYS, METRIC_KEYS
from practice_desk.metrics.selection import Selection, SelectionError

__all__ = ["METRIC_KEYS", "Selection", "SelectionError", "metric_rows", "metrics_document",
           "period_summary"]


def _empty_row(month: str) -> dict:
    return {"month": month, **dict.fromkeys(METRIC_KEYS), **dict.fromkeys(CONTEXT_KEYS),
            "telephony_source": None, **dict.fromkeys(nhs_app.CONTEXT_KEYS),
            **dict.fromkeys(capacity.CONTEXT_KEYS)}


def metric_rows(conn: sqlite3.Connection, selection: Selection) -> list[dict]:
    """One row per month with any data: every key present, None where it cannot be computed."""
    if selection.area:
        return _area_rows(conn, selection)
    practices = selection.practices(conn)
    counts = appointments.monthly_counts(conn, practices, selection)
    calls = telephony.monthly(conn, practices, selection)
    app = nhs_app.monthly(conn, practices, selection)
    demand = capacity.monthly(conn, practices, selection)
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


def period_summary(conn: sqlite3.Connection, selection: Selection) -> dict | None:
    """The whole range as one figure: numerators and denominators summed first, then divided.

    None when the selection has no data in the range.
    """
    if selection.area:
        return _area_period(conn, selection)
    practices = selection.practices(conn)
    counts = appointments.monthly_counts(conn, practices, selection)
    calls = telephony.monthly_counts(conn, practices, selection)
    app_months = [m for m in nhs_app.data_months(conn, practices) if selection.contains(m)]
    demand = capacity.monthly(conn, practices, selection)
    months = sorted(set(counts) | set(calls) | set(app_months) | set(demand))
    if not months:
        return None
    row = _empty_row(f"{months[0]}..{months[-1]}")
    if counts:
        row.update(_appointments_period(conn, practices, counts))
    row.update(telephony.period_values(conn, practices, selection, months=calls))
    row.update(nhs_app.period_values(conn, practices, selection))
    row.update(capacity.period_values(conn, practices, selection))
    row["months"] = len(months)
    return row


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
    selection.practices(conn)  # says so when the area is not in the database
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
