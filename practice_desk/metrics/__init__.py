"""The one metrics engine behind the GUI, the command line and the exports (metrics.md)."""

from __future__ import annotations

import sqlite3

from practice_desk.metrics import appointments
from practice_desk.metrics.keys import CONTEXT_KEYS, METRIC_KEYS
from practice_desk.metrics.selection import Selection, SelectionError

__all__ = ["METRIC_KEYS", "Selection", "SelectionError", "metric_rows", "metrics_document",
           "period_summary"]


def _empty_row(month: str) -> dict:
    return {"month": month, **dict.fromkeys(METRIC_KEYS), **dict.fromkeys(CONTEXT_KEYS)}


def metric_rows(conn: sqlite3.Connection, selection: Selection) -> list[dict]:
    """One row per month with any data: every key present, None where it cannot be computed."""
    practices = selection.practices(conn)
    counts = appointments.monthly_counts(conn, practices, selection)
    rows = []
    for month in sorted(counts):
        row = _empty_row(month)
        row.update(appointments.shares(counts[month]))
        contributing = appointments.practices_with_data(conn, practices, month)
        size = appointments.list_size_total(conn, contributing, month)
        if size:
            row["list_size"], row["list_size_date"] = size
            row["appointments_per_1000"] = appointments.per_1000(row["appointments_total"], size[0])
        rows.append(row)
    return rows


def period_summary(conn: sqlite3.Connection, selection: Selection) -> dict | None:
    """The whole range as one figure: numerators and denominators summed first, then divided."""
    practices = selection.practices(conn)
    counts = appointments.monthly_counts(conn, practices, selection)
    if not counts:
        return None
    months = sorted(counts)
    summed = {name: sum(month[name] for month in counts.values())
              for name in appointments.COUNT_NAMES}
    row = _empty_row(f"{months[0]}..{months[-1]}")
    row.update(appointments.shares(summed))
    sizes = [appointments.list_size_total(
        conn, appointments.practices_with_data(conn, practices, month), month) for month in months]
    if all(sizes):
        row["appointments_per_1000"] = appointments.per_1000(
            summed["total"], sum(size[0] for size in sizes))
    row["months"] = len(months)
    return row


def metrics_document(conn: sqlite3.Connection, selection: Selection) -> dict:
    """The object `practice-desk metrics --json` prints."""
    return {selection.scope_key: selection.code, "rows": metric_rows(conn, selection)}
