"""GPAD appointment metrics: counts summed per month, then divided (metrics.md, Appointments)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from local_db import queries
from practice_desk.importing.labels import (
    INTERVAL_ORDER,
    MODE_ORDER,
    UNMAPPED_CATEGORIES,
    WITHIN_14_DAYS,
)
from practice_desk.metrics.selection import Selection

# Count name -> (label dimension, labels counted). 'total' counts every row.
COUNTS: dict[str, tuple[str, set[str]]] = {
    "f2f": ("appt_mode", {"Face-to-Face"}),
    "home_visit": ("appt_mode", {"Home Visit"}),
    "telephone": ("appt_mode", {"Telephone"}),
    "unknown_mode": ("appt_mode", {"Unknown"}),
    "same_day": ("interval", {"Same Day"}),
    "within_14_days": ("interval", WITHIN_14_DAYS),
    "unknown_interval": ("interval", {"Unknown"}),
    "dna": ("status", {"DNA"}),
    "unknown_status": ("status", {"Unknown"}),
    "gp": ("hcp_type", {"GP"}),
    "unmapped_category": ("category", UNMAPPED_CATEGORIES),
}

# Share key -> (numerator count names); the denominator is always the total.
_SHARES: dict[str, tuple[str, ...]] = {
    "f2f_share": ("f2f",),
    "in_person_share": ("f2f", "home_visit"),
    "telephone_share": ("telephone",),
    "same_day_share": ("same_day",),
    "within_14_days_share": ("within_14_days",),
    "dna_rate": ("dna",),
    "gp_share": ("gp",),
    "unknown_mode_share": ("unknown_mode",),
    "unknown_status_share": ("unknown_status",),
    "unknown_interval_share": ("unknown_interval",),
    "unmapped_category_share": ("unmapped_category",),
}

COUNT_NAMES = ["total", *COUNTS]


def _marks(items: list) -> str:
    return ",".join("?" * len(items))


def label_ids(conn: sqlite3.Connection, dimension: str, labels: set[str]) -> list[int]:
    sql = f"SELECT id FROM labels WHERE dimension = ? AND label IN ({_marks(list(labels))})"
    return [row[0] for row in conn.execute(sql, [dimension, *labels])]


def monthly_counts(conn: sqlite3.Connection, practices: list[str],
                   selection: Selection) -> dict[str, dict[str, int]]:
    """{month: {count name: appointments}} summed over the practices, months in the range."""
    columns, params = [], []
    for name, (dimension, labels) in COUNTS.items():
        ids = label_ids(conn, dimension, labels) or [-1]
        condition = f"{dimension} IN ({_marks(ids)})"
        columns.append(f"SUM(CASE WHEN {condition} THEN count ELSE 0 END) AS {name}")
        params.extend(ids)
    where, where_params = _where(practices, selection)
    sql = (f"SELECT month, SUM(count) AS total, {', '.join(columns)} "
           f"FROM gpad_appointments WHERE {where} GROUP BY month ORDER BY month")
    cursor = conn.execute(sql, [*params, *where_params])
    names = [d[0] for d in cursor.description]
    return {row[0]: dict(zip(names[1:], row[1:], strict=True)) for row in cursor}


def _where(practices: list[str], selection: Selection, table: str = "") -> tuple[str, list]:
    prefix = f"{table}." if table else ""
    clauses, params = [f"{prefix}ods_code IN ({_marks(practices)})"], list(practices)
    if selection.start:
        clauses.append(f"{prefix}month >= ?")
        params.append(selection.start)
    if selection.end:
        clauses.append(f"{prefix}month <= ?")
        params.append(selection.end)
    return " AND ".join(clauses), params


def list_size_total(conn: sqlite3.Connection, practices: Iterable[str],
                    month: str) -> tuple[int, str] | None:
    """Summed list size of the practices for the month, with the newest extract date used.

    None when any practice has no extract on or before the month: a partial denominator would
    inflate the rate.
    """
    total, dates = 0, []
    for code in practices:
        found = queries.list_size_for_month(conn, code, month)
        if found is None:
            return None
        total += found[0]
        dates.append(found[1])
    return (total, max(dates)) if dates else None


def practices_with_data(conn: sqlite3.Connection, practices: list[str], month: str) -> list[str]:
    sql = (f"SELECT unit FROM coverage WHERE source = 'gpad_practice' AND period = ? "
           f"AND unit IN ({_marks(practices)})")
    return [row[0] for row in conn.execute(sql, [month, *practices])]


def shares(counts: dict[str, int]) -> dict[str, float | int | None]:
    """Appointment keys from summed counts; null when the total is 0."""
    total = counts.get("total") or 0
    values: dict[str, float | int | None] = {"appointments_total": total}
    for key, names in _SHARES.items():
        values[key] = sum(counts[name] for name in names) / total if total else None
    return values


def per_1000(numerator: int | None, list_size: int | None) -> float | None:
    if numerator is None or not list_size:
        return None
    return numerator / list_size * 1000


def breakdown(conn: sqlite3.Connection, selection: Selection) -> list[dict]:
    """Appointments by mode x booking interval over the whole selection (rows in display order)."""
    practices = selection.practices(conn)
    where, params = _where(practices, selection, table="g")
    sql = f"""
        SELECT m.label AS mode, i.label AS interval, SUM(g.count) AS appointments
        FROM gpad_appointments g
        JOIN labels m ON m.id = g.appt_mode JOIN labels i ON i.id = g.interval
        WHERE {where}
        GROUP BY m.label, i.label
    """
    rows = [dict(zip(("mode", "interval", "appointments"), row, strict=True))
            for row in conn.execute(sql, params)]

    def order(row: dict) -> tuple[int, int]:
        return (_position(MODE_ORDER, row["mode"]), _position(INTERVAL_ORDER, row["interval"]))

    return sorted(rows, key=order)


def _position(order: list[str], label: str) -> int:
    return order.index(label) if label in order else len(order)


def categories(conn: sqlite3.Connection, selection: Selection) -> dict[str, int]:
    """Appointments by national category over the whole selection: {category: appointments}."""
    practices = selection.practices(conn)
    where, params = _where(practices, selection, table="g")
    sql = (f"SELECT c.label, SUM(g.count) FROM gpad_appointments g "
           f"JOIN labels c ON c.id = g.category WHERE {where} GROUP BY c.label")
    return dict(conn.execute(sql, params).fetchall())
