"""Telephony metrics (metrics.md, Telephony) for a practice or PCN, per month.

Per practice and month the figures come from NHS England's CBT publication when it covers the
practice, else from the practice's own call log (mapped to the same outcome model). PCN figures sum
the practices' counts first, then divide. Waits in seconds and talk time exist only in call logs.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field

from practice_desk.metrics import appointments
from practice_desk.metrics.national import COUNT_COLUMNS, RATIOS, cbt_monthly_counts
from practice_desk.metrics.selection import Selection
from practice_desk.telephony import aggregates, core_hours

SOURCE_CBT, SOURCE_CALLS = "NHS England CBT", "call log"


def _practice_counts(conn: sqlite3.Connection, practice: str,
                     selection: Selection) -> dict[str, tuple[str, dict]]:
    """{month: (source, counts)} for one practice, CBT first."""
    found = {month: (SOURCE_CALLS, counts) for month, counts in aggregates.call_month_counts(
        conn, [practice], selection.start, selection.end).items()}
    for month, counts in cbt_monthly_counts(conn, [practice], selection.start,
                                            selection.end).items():
        found[month] = (SOURCE_CBT, counts)
    return found


def _add(total: dict | None, counts: dict) -> dict:
    """Sum two practices' counts; a column missing for either is missing for the sum."""
    if total is None:
        return {column: counts.get(column) for column in COUNT_COLUMNS}
    return {column: None if total[column] is None or counts.get(column) is None
            else total[column] + counts[column] for column in COUNT_COLUMNS}


@dataclass
class MonthCounts:
    counts: dict
    sources: set[str] = field(default_factory=set)
    practices: list[str] = field(default_factory=list)


def monthly_counts(conn: sqlite3.Connection, practices: list[str],
                   selection: Selection) -> dict[str, MonthCounts]:
    """Summed counts per month over the practices, with the sources and practices behind them."""
    months: dict[str, MonthCounts] = {}
    for practice in practices:
        for month, (source, counts) in _practice_counts(conn, practice, selection).items():
            found = months.get(month)
            months[month] = MonthCounts(_add(found.counts if found else None, counts),
                                        found.sources if found else set(),
                                        found.practices if found else [])
            months[month].sources.add(source)
            months[month].practices.append(practice)
    return dict(sorted(months.items()))


def monthly(conn: sqlite3.Connection, practices: list[str],
            selection: Selection) -> dict[str, dict]:
    """{month: telephony keys} for every month where any of the practices has telephony data."""
    rows = {}
    for month, found in monthly_counts(conn, practices, selection).items():
        row = values_from_counts(found.counts)
        row.update(_call_only(conn, practices, month))
        size = appointments.list_size_total(conn, found.practices, month)
        patients = size[0] if size else None
        row["calls_per_1000"] = appointments.per_1000(row["inbound_calls"], patients)
        row["telephony_source"] = " and ".join(sorted(found.sources))
        rows[month] = row
    return rows


def period_values(conn: sqlite3.Connection, practices: list[str], selection: Selection,
                  months: dict[str, MonthCounts] | None = None) -> dict:
    """The whole range as one figure per count-based key (counts summed first, then divided).
    `months` are the selection's monthly counts when the caller already has them."""
    if months is None:
        months = monthly_counts(conn, practices, selection)
    total = None
    for found in months.values():
        total = _add(total, found.counts)
    return values_from_counts(total) if total else {}


def values_from_counts(counts: dict) -> dict:
    """Every CBT-derived key from summed counts; null for a missing count or a 0 denominator."""
    values = {}
    for key, (numerator, denominator) in RATIOS.items():
        top = counts.get(numerator)
        if denominator is None:
            values[key] = top
        else:
            bottom = counts.get(denominator)
            values[key] = top / bottom if top is not None and bottom else None
    parts = [counts.get(c) for c in ("answered", "ivr_ended", "callback_requested", "missed")]
    inbound = counts.get("inbound")
    values["unreconciled_calls"] = (None if inbound is None or None in parts
                                    else inbound - sum(parts))
    return values


def _call_only(conn: sqlite3.Connection, practices: list[str], month: str) -> dict:
    median, p90 = aggregates.wait_stats(conn, practices, month)
    return {
        "wait_median_s": median,
        "wait_p90_s": p90,
        "talk_mean_s": aggregates.talk_mean_s(conn, practices, month),
        "calls_111_core": core_hours.calls_111_core(conn, practices, month),
        "diverted_minutes_core": core_hours.diverted_minutes_core(conn, practices, month),
    }
