"""Telephony per day, from call-level data (call_hours): the daily series of the SPC charts.

Counts are summed over the practices first, then divided, with the same definitions as the monthly
figures (metrics.md, Telephony). Only call logs have days: NHS England's CBT figures are monthly.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from practice_desk.metrics.telephony import SOURCE_CALLS, values_from_counts
from practice_desk.telephony.aggregates import COUNT_KEYS
from practice_desk.telephony.times import day_range

# Keys a daily series can have (the rest need CBT bands, wait stats or list sizes).
DAILY_KEYS = [
    "inbound_calls", "answered", "answered_share", "ivr_ended", "ivr_ended_share",
    "callback_requested", "callback_requested_share", "missed", "missed_share", "callback_made",
    "callback_made_share", "answered_wait_lt1m_share", "answered_wait_gt5m_share",
    "calls_111_core",
]


def daily_rows(conn: sqlite3.Connection, practices: Iterable[str], start: str | None = None,
               end: str | None = None) -> list[dict]:
    """One row per day with calls ({'day', 'weekday' (0 = Monday), DAILY_KEYS...}), oldest first.

    `start`/`end` are months or days, inclusive.
    """
    codes = list(practices)
    if not codes:
        return []
    marks = ",".join("?" * len(codes))
    low, high = day_range(start, end)
    sums = ", ".join(f"SUM({key})" for key in COUNT_KEYS)
    rows = conn.execute(
        f"SELECT day, MIN(weekday), {sums}, SUM(CASE WHEN core = 1 THEN calls_111 ELSE 0 END) "
        f"FROM call_hours WHERE ods_code IN ({marks}) AND day >= ? AND day <= ? "
        "GROUP BY day ORDER BY day", (*codes, low, high))
    found = []
    for day, weekday, *values in rows:
        counts = dict(zip(COUNT_KEYS, values[:-1], strict=True))
        computed = values_from_counts(counts, {SOURCE_CALLS})
        row = {"day": day, "weekday": weekday, **{key: computed.get(key) for key in DAILY_KEYS}}
        row["calls_111_core"] = values[-1]
        found.append(row)
    return found


def has_days(conn: sqlite3.Connection, practices: Iterable[str], start: str | None = None,
             end: str | None = None) -> bool:
    """Whether daily_rows would give any day, without reading them (one index look-up)."""
    codes = list(practices)
    if not codes:
        return False
    low, high = day_range(start, end)
    return conn.execute(
        f"SELECT 1 FROM call_hours WHERE ods_code IN ({','.join('?' * len(codes))}) "
        "AND day >= ? AND day <= ? LIMIT 1", (*codes, low, high)).fetchone() is not None
