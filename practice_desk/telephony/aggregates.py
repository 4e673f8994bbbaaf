"""Call aggregates and the sums the metrics and the GUI read.

`call_hours` has one row per practice x local day x hour x core flag (hour 18 splits at 18:30 with
the default core hours). `call_waits` holds answered calls' waits in whole seconds (truncated) per
practice and month, for exact medians. `call_months`, `call_weekday_hours` and `call_days` sum
`call_hours` per month for the monthly figures and the hour x weekday heatmap.

An import adds its new calls to these sums itself (`sums.add_calls`, with numpy); an undo or
the Asterisk queue_log rebuilds the (practice, day) pairs it touches from `calls` with SQL
(`rebuild_days`), and `rebuild_all` rebuilds everything when core hours or bank holidays change.
Tests hold the two ways equal.

Wait bands (metrics.md): < 60 s, 60-120 s, 120-300 s, > 300 s. A wait of exactly 60 s is in
1-2 min and exactly 120 s in 2-5 min (lower edges belong to the band above); exactly 300 s is in
2-5 min because metrics.md writes the last band as '> 300 s'. Waits that are unknown (NULL) are in
no band, so band sums may fall short of answered/missed, as in NHS data.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from contextlib import contextmanager

from local_db.connection import rollback
from practice_desk.telephony.times import day_range

WAIT_BANDS = ("lt1m", "1to2m", "2to5m", "gt5m")
OUTCOMES = ("answered", "ivr_ended", "callback_requested", "missed")
COUNT_KEYS = ("inbound", "answered", "ivr_ended", "callback_requested", "missed",
              "callback_made", "calls_111", "outbound") + tuple(
    f"{kind}_wait_{band}" for kind in ("answered", "missed") for band in WAIT_BANDS)


def _band_sql(outcome: str) -> str:
    base = f"direction = 'inbound' AND outcome = '{outcome}' AND wait_s IS NOT NULL AND "
    return ",\n".join([
        f"SUM({base}wait_s < 60)",
        f"SUM({base}wait_s >= 60 AND wait_s < 120)",
        f"SUM({base}wait_s >= 120 AND wait_s <= 300)",
        f"SUM({base}wait_s > 300)",
    ])


_HOURS_SQL = f"""
INSERT INTO call_hours (ods_code, day, month, hour, weekday, core, inbound, answered, ivr_ended,
    callback_requested, missed, callback_made, calls_111, outbound,
    answered_wait_lt1m, answered_wait_1to2m, answered_wait_2to5m, answered_wait_gt5m,
    missed_wait_lt1m, missed_wait_1to2m, missed_wait_2to5m, missed_wait_gt5m,
    talk_sum_s, talk_count)
SELECT ods_code, local_day, substr(local_day, 1, 7), CAST(substr(local_time, 1, 2) AS INTEGER),
    weekday, core,
    SUM(direction = 'inbound'),
    SUM(direction = 'inbound' AND outcome = 'answered'),
    SUM(direction = 'inbound' AND outcome = 'ivr_ended'),
    SUM(direction = 'inbound' AND outcome = 'callback_requested'),
    SUM(direction = 'inbound' AND outcome = 'missed'),
    SUM(direction = 'inbound' AND callback_made = 1),
    SUM(direction = 'inbound' AND is_111 = 1),
    SUM(direction = 'outbound'),
    {_band_sql('answered')},
    {_band_sql('missed')},
    TOTAL(CASE WHEN direction = 'inbound' AND outcome = 'answered' THEN talk_s END),
    SUM(direction = 'inbound' AND outcome = 'answered' AND talk_s IS NOT NULL)
FROM (
    SELECT c.*, (c.weekday IN (SELECT value FROM json_each(:days))
                 AND c.local_time >= :start AND c.local_time < :end
                 AND c.local_day NOT IN (SELECT day FROM bank_holidays)) AS core
    FROM calls c WHERE c.ods_code = :practice
      AND c.local_day IN (SELECT value FROM json_each(:day_list))
)
GROUP BY ods_code, local_day, CAST(substr(local_time, 1, 2) AS INTEGER), core
HAVING SUM(direction IN ('inbound', 'outbound')) > 0
"""

_MONTHS_SQL = f"""
INSERT INTO call_months (ods_code, month, {", ".join(COUNT_KEYS)}, calls_111_core, talk_sum_s,
    talk_count)
SELECT ods_code, month, {", ".join(f"SUM({k})" for k in COUNT_KEYS)},
    SUM(CASE WHEN core = 1 THEN calls_111 ELSE 0 END), TOTAL(talk_sum_s), SUM(talk_count)
FROM call_hours WHERE ods_code = ? AND month = ? GROUP BY ods_code, month
"""

_WEEKDAY_HOURS_SQL = """
INSERT INTO call_weekday_hours (ods_code, month, weekday, hour, inbound, answered, missed,
    ivr_ended, callback_requested)
SELECT ods_code, month, weekday, hour, SUM(inbound), SUM(answered), SUM(missed), SUM(ivr_ended),
    SUM(callback_requested)
FROM call_hours WHERE ods_code = ? AND month = ? GROUP BY weekday, hour
"""
_DAYS_SQL = """
INSERT INTO call_days (ods_code, day, month, weekday)
SELECT DISTINCT ods_code, day, month, weekday FROM call_hours WHERE ods_code = ? AND month = ?
"""
MONTH_TABLES = {"call_months": _MONTHS_SQL, "call_weekday_hours": _WEEKDAY_HOURS_SQL,
                "call_days": _DAYS_SQL}


def sum_months(conn: sqlite3.Connection, practice: str, months: Iterable[str]) -> None:
    """Recompute the practice's monthly tables (MONTH_TABLES) from its call_hours."""
    for month in sorted(set(months)):
        for table, sql in MONTH_TABLES.items():
            conn.execute(f"DELETE FROM {table} WHERE ods_code = ? AND month = ?",
                         (practice, month))
            conn.execute(sql, (practice, month))


_WAITS_SQL = """
INSERT INTO call_waits (ods_code, month, wait_s, calls)
SELECT ods_code, substr(local_day, 1, 7), CAST(wait_s AS INTEGER), COUNT(*)
FROM calls
WHERE ods_code = ? AND local_day >= ? AND local_day <= ? AND direction = 'inbound'
  AND outcome = 'answered' AND wait_s IS NOT NULL
GROUP BY CAST(wait_s AS INTEGER)
"""


@contextmanager
def transaction(conn: sqlite3.Connection):
    """BEGIN IMMEDIATE ... COMMIT, or nothing extra when the caller already holds a transaction."""
    if conn.in_transaction:
        yield
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
        conn.execute("COMMIT")
    except BaseException:
        rollback(conn)  # not a second ROLLBACK hiding a full disk's own message
        raise


def _core_params(conn: sqlite3.Connection) -> dict:
    from practice_desk.telephony.core_hours import get_core_hours, seed_bank_holidays

    seed_bank_holidays(conn)
    hours = get_core_hours(conn)
    return {"days": "[" + ",".join(str(d) for d in hours.days) + "]",
            "start": hours.start.strftime("%H:%M:%S"), "end": hours.end.strftime("%H:%M:%S")}


def rebuild_days(conn: sqlite3.Connection, days: Iterable[tuple[str, str]]) -> None:
    """Recompute call_hours for these (practice, local day) pairs, and call_months and
    call_waits for their months, from what `calls` now holds."""
    by_practice: dict[str, list[str]] = {}
    for practice, day in set(days):
        by_practice.setdefault(practice, []).append(day)
    if not by_practice:
        return
    params = _core_params(conn)
    with transaction(conn):
        for practice, day_list in sorted(by_practice.items()):
            day_json = json.dumps(sorted(day_list))
            conn.execute("DELETE FROM call_hours WHERE ods_code = ? AND day IN "
                         "(SELECT value FROM json_each(?))", (practice, day_json))
            conn.execute(_HOURS_SQL, {**params, "practice": practice, "day_list": day_json})
            months = sorted({day[:7] for day in day_list})
            sum_months(conn, practice, months)
            for month in months:
                conn.execute("DELETE FROM call_waits WHERE ods_code = ? AND month = ?",
                             (practice, month))
                conn.execute(_WAITS_SQL, (practice, f"{month}-01", f"{month}-31"))


def rebuild_all(conn: sqlite3.Connection) -> None:
    """Recompute every aggregate (after core hours or bank holidays change)."""
    with transaction(conn):
        conn.execute("DELETE FROM call_hours")
        conn.execute("DELETE FROM call_waits")
        for table in MONTH_TABLES:
            conn.execute(f"DELETE FROM {table}")
        days = conn.execute("SELECT DISTINCT ods_code, local_day FROM calls").fetchall()
        rebuild_days(conn, [(p, d) for p, d in days])


def remove_calls(conn: sqlite3.Connection, import_id: int) -> int:
    """Undo hook: delete the calls an import added and rebuild the days they were on."""
    days = conn.execute("SELECT DISTINCT ods_code, local_day FROM calls WHERE import_id = ?",
                        (import_id,)).fetchall()
    if not days:
        return 0
    deleted = conn.execute("DELETE FROM calls WHERE import_id = ?", (import_id,)).rowcount
    rebuild_days(conn, [(p, d) for p, d in days])
    return deleted


# --- reading ---------------------------------------------------------------------------------


def _in(practices: Iterable[str]) -> tuple[str, list[str]]:
    codes = list(practices)
    return ",".join("?" * len(codes)) or "NULL", codes


def call_month_counts(conn: sqlite3.Connection, practices: Iterable[str], start: str | None = None,
                      end: str | None = None) -> dict[str, dict[str, float]]:
    """Per month ('YYYY-MM'), the call-level sums named like cbt_monthly's columns, plus
    calls_111_core (calls_111 in core hours), talk_sum_s and talk_count. Whole months (start and
    end as 'YYYY-MM' or None) are read from call_months; a range of days from call_hours."""
    marks, codes = _in(practices)
    keys = COUNT_KEYS + ("calls_111_core", "talk_sum_s", "talk_count")
    if all(bound is None or len(bound) == 7 for bound in (start, end)):
        sums = ", ".join(f"SUM({k})" for k in keys)
        rows = conn.execute(
            f"SELECT month, {sums} FROM call_months WHERE ods_code IN ({marks}) "
            "AND month >= ? AND month <= ? GROUP BY month ORDER BY month",
            (*codes, start or "0000-00", end or "9999-99"))
    else:
        low, high = day_range(start, end)
        sums = ", ".join(f"SUM({k})" for k in COUNT_KEYS)
        rows = conn.execute(
            f"SELECT month, {sums}, SUM(CASE WHEN core = 1 THEN calls_111 ELSE 0 END), "
            "TOTAL(talk_sum_s), SUM(talk_count) FROM call_hours "
            f"WHERE ods_code IN ({marks}) AND day >= ? AND day <= ? GROUP BY month ORDER BY month",
            (*codes, low, high))
    return {row[0]: dict(zip(keys, row[1:], strict=True)) for row in rows}


def wait_stats(conn: sqlite3.Connection, practices: Iterable[str],
               month: str) -> tuple[float | None, float | None]:
    """(median, 90th percentile) of answered calls' waits in seconds, from call_waits.

    Median: the middle wait, or the mean of the two middle waits for an even count. P90: the
    nearest-rank 90th percentile (the smallest wait with at least 90 % of calls at or below it).
    """
    marks, codes = _in(practices)
    rows = conn.execute(
        f"SELECT wait_s, SUM(calls) FROM call_waits WHERE ods_code IN ({marks}) AND month = ? "
        "GROUP BY wait_s ORDER BY wait_s", (*codes, month)).fetchall()
    total = sum(n for _, n in rows)
    if not total:
        return None, None

    def nth(rank: int) -> int:  # 1-based rank
        seen = 0
        for wait, n in rows:
            seen += n
            if seen >= rank:
                return wait
        return rows[-1][0]

    if total % 2:
        median = float(nth(total // 2 + 1))
    else:
        median = (nth(total // 2) + nth(total // 2 + 1)) / 2
    p90 = float(nth(max(1, -(-total * 9 // 10))))
    return median, p90


def talk_mean_s(conn: sqlite3.Connection, practices: Iterable[str], month: str) -> float | None:
    marks, codes = _in(practices)
    total, count = conn.execute(
        f"SELECT TOTAL(talk_sum_s), SUM(talk_count) FROM call_months WHERE ods_code IN ({marks}) "
        "AND month = ?", (*codes, month)).fetchone()
    return total / count if count else None


def calls_by_hour_weekday(conn: sqlite3.Connection, practices: Iterable[str],
                          start: str | None = None, end: str | None = None) -> dict[str, list]:
    """Inbound calls and outcomes by weekday (0 = Monday) x hour (0-23), for the heatmap and the
    'answered/missed/IVR by hour' chart; sum over weekdays for 'all days'.

    Returns {'inbound': 7x24, 'answered': 7x24, 'missed': 7x24, 'ivr_ended': 7x24,
    'callback_requested': 7x24, 'days': [days with data per weekday]} (start/end: months or
    days, inclusive). Whole months are read from call_weekday_hours and call_days.
    """
    marks, codes = _in(practices)
    keys = ("inbound", "answered", "missed", "ivr_ended", "callback_requested")
    if all(bound is None or len(bound) == 7 for bound in (start, end)):
        hours_table, days_table, column = "call_weekday_hours", "call_days", "month"
        low, high = start or "0000-00", end or "9999-99"
    else:
        hours_table, days_table, column = "call_hours", "call_hours", "day"
        low, high = day_range(start, end)
    where = f"WHERE ods_code IN ({marks}) AND {column} >= ? AND {column} <= ?"
    result: dict[str, list] = {k: [[0] * 24 for _ in range(7)] for k in keys}
    rows = conn.execute(
        f"SELECT weekday, hour, {', '.join(f'SUM({k})' for k in keys)} FROM {hours_table} "
        f"{where} GROUP BY weekday, hour", (*codes, low, high))
    for weekday, hour, *values in rows:
        for key, value in zip(keys, values, strict=True):
            result[key][weekday][hour] = value or 0
    days = [0] * 7
    for weekday, count in conn.execute(
            f"SELECT weekday, COUNT(DISTINCT day) FROM {days_table} {where} GROUP BY weekday",
            (*codes, low, high)):
        days[weekday] = count
    result["days"] = days
    return result
