"""Call aggregates and the sums the metrics and the GUI read.

`call_hours` has one row per practice x local day x hour x core flag (hour 18 splits at 18:30 with
the default core hours). `call_waits` holds answered calls' waits in whole seconds (truncated) per
practice and month, for exact medians. `call_months`, `call_weekday_hours` and `call_days` sum
`call_hours` per month for the monthly figures and the hour x weekday heatmap.

Imports add their new calls to these sums, and an undo, the Asterisk queue_log and new core hours
or bank holidays sum whole practice-months again from `calls`: both with the same code and rules
(sums.py, model.py).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from contextlib import contextmanager
from datetime import date, timedelta

from local_db.connection import rollback
from practice_desk.telephony.model import DIRECTIONS, EPOCH_ORDINAL, OUTCOMES, WAIT_BANDS
from practice_desk.telephony.times import day_range, month_days

COUNT_KEYS = ("inbound", *OUTCOMES, "callback_made", "calls_111", "outbound") + tuple(
    f"{kind}_wait_{band}" for kind in ("answered", "missed") for band in WAIT_BANDS)


_MONTHS_SQL = f"""
INSERT INTO call_months (ods_code, month, {", ".join(COUNT_KEYS)}, calls_111_core, talk_sum_s,
    talk_count)
SELECT ods_code, month, {", ".join(f"SUM({k})" for k in COUNT_KEYS)},
    SUM(CASE WHEN core = 1 THEN calls_111 ELSE 0 END), TOTAL(talk_sum_s), SUM(talk_count)
FROM call_hours WHERE ods_code = ? AND month IN ({{months}}) GROUP BY ods_code, month
"""

_WEEKDAY_HOURS_SQL = """
INSERT INTO call_weekday_hours (ods_code, month, weekday, hour, inbound, answered, missed,
    ivr_ended, callback_requested)
SELECT ods_code, month, weekday, hour, SUM(inbound), SUM(answered), SUM(missed), SUM(ivr_ended),
    SUM(callback_requested)
FROM call_hours WHERE ods_code = ? AND month IN ({months}) GROUP BY month, weekday, hour
"""
_DAYS_SQL = """
INSERT INTO call_days (ods_code, day, month, weekday)
SELECT DISTINCT ods_code, day, month, weekday FROM call_hours
WHERE ods_code = ? AND month IN ({months})
"""
MONTH_TABLES = {"call_months": _MONTHS_SQL, "call_weekday_hours": _WEEKDAY_HOURS_SQL,
                "call_days": _DAYS_SQL}


def sum_months(conn: sqlite3.Connection, practice: str, months: Iterable[str]) -> None:
    """Recompute the practice's monthly tables (MONTH_TABLES) from its call_hours, a few
    hundred months to a statement."""
    months = sorted(set(months))
    for first in range(0, len(months), 500):
        some = months[first:first + 500]
        marks = ", ".join("?" * len(some))
        for table, sql in MONTH_TABLES.items():
            conn.execute(f"DELETE FROM {table} WHERE ods_code = ? AND month IN ({marks})",
                         (practice, *some))
            conn.execute(sql.format(months=marks), (practice, *some))


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


def rebuild_days(conn: sqlite3.Connection, days: Iterable[tuple[str, str]]) -> None:
    """Sum the months of these (practice, 'YYYY-MM-DD') again from what `calls` now holds."""
    from practice_desk.telephony.sums import rebuild_months

    rebuild_months(conn, {(practice, day[:7]) for practice, day in days})


def rebuild_all(conn: sqlite3.Connection) -> None:
    """Recompute every aggregate (after core hours or bank holidays change)."""
    from practice_desk.telephony.sums import rebuild_months, stored_months

    with transaction(conn):
        for table in ("call_hours", "call_waits", *MONTH_TABLES):
            conn.execute(f"DELETE FROM {table}")
        rebuild_months(conn, stored_months(conn))


def remove_calls(conn: sqlite3.Connection, import_id: int) -> int:
    """Undo hook: delete the calls an import added and sum their months again."""
    from practice_desk.telephony.sums import rebuild_months, stored_months

    months = stored_months(conn, "import_id = ?", (import_id,))
    if not months:
        return 0
    deleted = conn.execute("DELETE FROM calls WHERE import_id = ?", (import_id,)).rowcount
    rebuild_months(conn, months)
    return deleted


# --- reading ---------------------------------------------------------------------------------


def day_numbers(start: str | None, end: str | None) -> tuple[int, int]:
    """Inclusive bounds, as `calls` numbers days, of months ('2025-10') or days ('2025-10-06');
    None = open."""
    low = -10**6 if not start else date.fromisoformat(
        start + "-01" if len(start) == 7 else start).toordinal() - EPOCH_ORDINAL
    high = 10**6 if not end else (month_days(end)[1] - timedelta(days=1) if len(end) == 7
                                  else date.fromisoformat(end)).toordinal() - EPOCH_ORDINAL
    return low, high


def _calls_of(practices: Iterable[str], start: str | None, end: str | None) -> tuple[str, list]:
    """FROM and WHERE for the practices' calls (`c`) in a range of months or days."""
    marks, codes = _in(practices)
    return (f"FROM calls c JOIN call_labels p ON p.id = c.practice AND p.kind = 'practice' "
            f"WHERE p.text IN ({marks}) AND c.day BETWEEN ? AND ?",
            [*codes, *day_numbers(start, end)])


def call_import_ids(conn: sqlite3.Connection, practices: Iterable[str], start: str | None,
                    end: str | None) -> set[int]:
    """The imports that stored these practices' calls in the range."""
    where, args = _calls_of(practices, start, end)
    return {row[0] for row in conn.execute(f"SELECT DISTINCT c.import_id {where}", args)}


def supplier_words(conn: sqlite3.Connection, practices: Iterable[str], start: str | None,
                   end: str | None) -> list[tuple[str, str | None, int]]:
    """(the supplier's outcome word or '', the outcome it was counted as, inbound calls), most
    calls first: how call logs' own words were read."""
    where, args = _calls_of(practices, start, end)
    rows = conn.execute(
        "SELECT COALESCE(w.text, ''), c.outcome, COUNT(*) "
        f"{where.replace('WHERE', 'LEFT JOIN call_labels w ON w.id = c.supplier_outcome WHERE')}"
        " AND c.direction = ? GROUP BY 1, 2 ORDER BY 3 DESC",
        [*args, DIRECTIONS.index("inbound")])
    return [(word, None if code is None else OUTCOMES[code], n) for word, code, n in rows]


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
