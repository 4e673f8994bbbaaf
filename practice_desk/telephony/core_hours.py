"""Core hours (Monday-Friday 08:00-18:30 local, editable), bank holidays in England, the
diversion log, and the two 111 measures `diverted_minutes_core` and `calls_111_core`.

Diversion episodes are local wall-clock times ('YYYY-MM-DD HH:MM'); minutes are wall-clock
minutes (core hours never include the 01:00-02:00 hour the clocks change in).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from local_db import queries
from local_db.connection import is_read_only
from practice_desk.telephony.aggregates import rebuild_all, transaction
from practice_desk.telephony.model import EPOCH_ORDINAL
from practice_desk.telephony.times import month_days

CORE_SETTING = "telephony.core_hours"
SEEDED_SETTING = "telephony.bank_holidays_seeded"

# Bank holidays in England (and Wales), 2015-2027, as published by the UK government,
# including the substitute days and the one-off ones (2020 VE Day move, 2022 Platinum Jubilee,
# 2022 State Funeral, 2023 Coronation).
BANK_HOLIDAYS_ENGLAND: dict[str, str] = {
    "2015-01-01": "New Year's Day", "2015-04-03": "Good Friday", "2015-04-06": "Easter Monday",
    "2015-05-04": "Early May bank holiday", "2015-05-25": "Spring bank holiday",
    "2015-08-31": "Summer bank holiday", "2015-12-25": "Christmas Day",
    "2015-12-28": "Boxing Day (substitute day)",
    "2016-01-01": "New Year's Day", "2016-03-25": "Good Friday", "2016-03-28": "Easter Monday",
    "2016-05-02": "Early May bank holiday", "2016-05-30": "Spring bank holiday",
    "2016-08-29": "Summer bank holiday", "2016-12-26": "Boxing Day",
    "2016-12-27": "Christmas Day (substitute day)",
    "2017-01-02": "New Year's Day (substitute day)", "2017-04-14": "Good Friday",
    "2017-04-17": "Easter Monday", "2017-05-01": "Early May bank holiday",
    "2017-05-29": "Spring bank holiday", "2017-08-28": "Summer bank holiday",
    "2017-12-25": "Christmas Day", "2017-12-26": "Boxing Day",
    "2018-01-01": "New Year's Day", "2018-03-30": "Good Friday", "2018-04-02": "Easter Monday",
    "2018-05-07": "Early May bank holiday", "2018-05-28": "Spring bank holiday",
    "2018-08-27": "Summer bank holiday", "2018-12-25": "Christmas Day",
    "2018-12-26": "Boxing Day",
    "2019-01-01": "New Year's Day", "2019-04-19": "Good Friday", "2019-04-22": "Easter Monday",
    "2019-05-06": "Early May bank holiday", "2019-05-27": "Spring bank holiday",
    "2019-08-26": "Summer bank holiday", "2019-12-25": "Christmas Day",
    "2019-12-26": "Boxing Day",
    "2020-01-01": "New Year's Day", "2020-04-10": "Good Friday", "2020-04-13": "Easter Monday",
    "2020-05-08": "Early May bank holiday (VE day)", "2020-05-25": "Spring bank holiday",
    "2020-08-31": "Summer bank holiday", "2020-12-25": "Christmas Day",
    "2020-12-28": "Boxing Day (substitute day)",
    "2021-01-01": "New Year's Day", "2021-04-02": "Good Friday", "2021-04-05": "Easter Monday",
    "2021-05-03": "Early May bank holiday", "2021-05-31": "Spring bank holiday",
    "2021-08-30": "Summer bank holiday", "2021-12-27": "Christmas Day (substitute day)",
    "2021-12-28": "Boxing Day (substitute day)",
    "2022-01-03": "New Year's Day (substitute day)", "2022-04-15": "Good Friday",
    "2022-04-18": "Easter Monday", "2022-05-02": "Early May bank holiday",
    "2022-06-02": "Spring bank holiday", "2022-06-03": "Platinum Jubilee bank holiday",
    "2022-08-29": "Summer bank holiday",
    "2022-09-19": "Bank Holiday for the State Funeral of Queen Elizabeth II",
    "2022-12-26": "Boxing Day", "2022-12-27": "Christmas Day (substitute day)",
    "2023-01-02": "New Year's Day (substitute day)", "2023-04-07": "Good Friday",
    "2023-04-10": "Easter Monday", "2023-05-01": "Early May bank holiday",
    "2023-05-08": "Bank holiday for the coronation of King Charles III",
    "2023-05-29": "Spring bank holiday", "2023-08-28": "Summer bank holiday",
    "2023-12-25": "Christmas Day", "2023-12-26": "Boxing Day",
    "2024-01-01": "New Year's Day", "2024-03-29": "Good Friday", "2024-04-01": "Easter Monday",
    "2024-05-06": "Early May bank holiday", "2024-05-27": "Spring bank holiday",
    "2024-08-26": "Summer bank holiday", "2024-12-25": "Christmas Day",
    "2024-12-26": "Boxing Day",
    "2025-01-01": "New Year's Day", "2025-04-18": "Good Friday", "2025-04-21": "Easter Monday",
    "2025-05-05": "Early May bank holiday", "2025-05-26": "Spring bank holiday",
    "2025-08-25": "Summer bank holiday", "2025-12-25": "Christmas Day",
    "2025-12-26": "Boxing Day",
    "2026-01-01": "New Year's Day", "2026-04-03": "Good Friday", "2026-04-06": "Easter Monday",
    "2026-05-04": "Early May bank holiday", "2026-05-25": "Spring bank holiday",
    "2026-08-31": "Summer bank holiday", "2026-12-25": "Christmas Day",
    "2026-12-28": "Boxing Day (substitute day)",
    "2027-01-01": "New Year's Day", "2027-03-26": "Good Friday", "2027-03-29": "Easter Monday",
    "2027-05-03": "Early May bank holiday", "2027-05-31": "Spring bank holiday",
    "2027-08-30": "Summer bank holiday", "2027-12-27": "Christmas Day (substitute day)",
    "2027-12-28": "Boxing Day (substitute day)",
}


@dataclass(frozen=True)
class CoreHours:
    days: tuple[int, ...] = (0, 1, 2, 3, 4)  # 0 = Monday
    start: time = time(8, 0)
    end: time = time(18, 30)


DEFAULT_CORE_HOURS = CoreHours()


def get_core_hours(conn: sqlite3.Connection) -> CoreHours:
    text = queries.get_setting(conn, CORE_SETTING)
    if not text:
        return DEFAULT_CORE_HOURS
    data = json.loads(text)
    return CoreHours(tuple(data["days"]), time.fromisoformat(data["start"]),
                     time.fromisoformat(data["end"]))


def set_core_hours(conn: sqlite3.Connection, hours: CoreHours) -> None:
    """Save core hours and rebuild the call aggregates (their core split depends on them)."""
    if not hours.start < hours.end:
        raise ValueError("Core hours must end after they start.")
    if not hours.days or any(d not in range(7) for d in hours.days):
        raise ValueError("Core days are weekdays 0 (Monday) to 6 (Sunday).")
    with transaction(conn):
        queries.set_setting(conn, CORE_SETTING, json.dumps({
            "days": sorted(set(hours.days)), "start": hours.start.strftime("%H:%M"),
            "end": hours.end.strftime("%H:%M")}))
        rebuild_all(conn)


def seed_bank_holidays(conn: sqlite3.Connection) -> None:
    """Put the built-in list in `bank_holidays` once per database (later edits are kept)."""
    if queries.get_setting(conn, SEEDED_SETTING) or is_read_only(conn):
        return
    with transaction(conn):
        conn.executemany("INSERT OR IGNORE INTO bank_holidays (day, name) VALUES (?, ?)",
                         sorted(BANK_HOLIDAYS_ENGLAND.items()))
        queries.set_setting(conn, SEEDED_SETTING, "1")


def list_bank_holidays(conn: sqlite3.Connection) -> list[tuple[str, str]]:
    seed_bank_holidays(conn)
    if not queries.get_setting(conn, SEEDED_SETTING):  # read-only and never seeded
        return sorted(BANK_HOLIDAYS_ENGLAND.items())
    return [tuple(r) for r in conn.execute("SELECT day, name FROM bank_holidays ORDER BY day")]


def add_bank_holiday(conn: sqlite3.Connection, day: str, name: str) -> None:
    date.fromisoformat(day)
    with transaction(conn):
        seed_bank_holidays(conn)
        conn.execute("INSERT INTO bank_holidays (day, name) VALUES (?, ?) ON CONFLICT (day) "
                     "DO UPDATE SET name = excluded.name", (day, name))
        rebuild_all(conn)


def delete_bank_holiday(conn: sqlite3.Connection, day: str) -> None:
    with transaction(conn):
        seed_bank_holidays(conn)
        conn.execute("DELETE FROM bank_holidays WHERE day = ?", (day,))
        rebuild_all(conn)


class CoreCalendar:
    """Core hours and bank holidays of one database, for many look-ups."""

    def __init__(self, hours: CoreHours = DEFAULT_CORE_HOURS,
                 holidays: Iterable[str] = BANK_HOLIDAYS_ENGLAND):
        self.hours = hours
        self.holidays = {date.fromisoformat(d) for d in holidays}

    @classmethod
    def of(cls, conn: sqlite3.Connection) -> CoreCalendar:
        return cls(get_core_hours(conn), [d for d, _ in list_bank_holidays(conn)])

    def is_core_day(self, day: date) -> bool:
        return day.weekday() in self.hours.days and day not in self.holidays

    def is_core(self, local: datetime) -> bool:
        clock = local.hour * 3600 + local.minute * 60 + local.second + local.microsecond / 1e6
        return bool(self.core_mask([local.date().toordinal() - EPOCH_ORDINAL], [clock])[0])

    def core_mask(self, day, clock):
        """Which calls are in core hours (the rule every call sum uses): London day numbers
        (days since 1970-01-01) and times of day in seconds, as numpy arrays or lists."""
        import numpy as np

        days, on_day = np.unique(np.asarray(day, dtype=np.int64), return_inverse=True)
        core_day = np.array([self.is_core_day(date.fromordinal(int(d) + EPOCH_ORDINAL))
                             for d in days], dtype=bool)
        start, end = (t.hour * 3600 + t.minute * 60 + t.second for t in (self.hours.start,
                                                                          self.hours.end))
        clock = np.asarray(clock)
        return core_day[on_day.reshape(-1)] & (clock >= start) & (clock < end)

    def core_minutes(self, start: datetime, end: datetime) -> float:
        """Minutes of [start, end) (local wall clock) that fall in core hours."""
        total = 0.0
        day = start.date()
        while day <= end.date():
            if self.is_core_day(day):
                low = max(start, datetime.combine(day, self.hours.start))
                high = min(end, datetime.combine(day, self.hours.end))
                if high > low:
                    total += (high - low).total_seconds() / 60
            day += timedelta(days=1)
        return total


def is_core(local: datetime, conn: sqlite3.Connection | None = None) -> bool:
    """Whether a local (Europe/London) time is in core hours: the database's settings, or the
    defaults and the built-in bank holidays without one."""
    calendar = CoreCalendar.of(conn) if conn is not None else CoreCalendar()
    if local.tzinfo is not None:
        from practice_desk.telephony.times import LONDON

        local = local.astimezone(LONDON).replace(tzinfo=None)
    return calendar.is_core(local)


# --- diversion log ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Diversion:
    id: int
    practice: str
    started_at: str  # local 'YYYY-MM-DD HH:MM'
    ended_at: str
    reason: str
    icb_informed: bool
    import_id: int | None = None


def _local(value: str | datetime, what: str) -> datetime:
    if isinstance(value, datetime):
        return value.replace(second=0, microsecond=0, tzinfo=None)
    try:
        return datetime.fromisoformat(value.strip().replace("T", " ")).replace(second=0,
                                                                               microsecond=0)
    except ValueError:
        raise ValueError(f"The {what} '{value}' is not a date and time like 2025-10-06 08:00.") \
            from None


def _checked(start: str | datetime, end: str | datetime) -> tuple[str, str]:
    low, high = _local(start, "start"), _local(end, "end")
    if high <= low:
        raise ValueError("A diversion must end after it starts.")
    return low.strftime("%Y-%m-%d %H:%M"), high.strftime("%Y-%m-%d %H:%M")


def add_diversion(conn: sqlite3.Connection, practice: str, start: str | datetime,
                  end: str | datetime, reason: str = "", icb_informed: bool = False) -> int:
    low, high = _checked(start, end)
    cur = conn.execute(
        "INSERT INTO diversions (ods_code, started_at, ended_at, reason, icb_informed) "
        "VALUES (?, ?, ?, ?, ?)", (practice.strip().upper(), low, high, reason, int(icb_informed)))
    return int(cur.lastrowid)


def list_diversions(conn: sqlite3.Connection, practices: Iterable[str] | None = None,
                    month: str | None = None) -> list[Diversion]:
    """Episodes (of these practices, overlapping this month), oldest first."""
    sql, args = "SELECT * FROM diversions WHERE 1", []
    if practices is not None:
        codes = list(practices)
        sql += f" AND ods_code IN ({','.join('?' * len(codes)) or 'NULL'})"
        args += codes
    if month:
        first, following = month_days(month)
        sql += " AND started_at < ? AND ended_at > ?"
        args += [following.isoformat(), first.isoformat()]
    rows = conn.execute(sql + " ORDER BY started_at, id", args)
    return [Diversion(r["id"], r["ods_code"], r["started_at"], r["ended_at"], r["reason"],
                      bool(r["icb_informed"]), r["import_id"]) for r in rows]


def update_diversion(conn: sqlite3.Connection, diversion_id: int, *,
                     practice: str | None = None, start: str | datetime | None = None,
                     end: str | datetime | None = None, reason: str | None = None,
                     icb_informed: bool | None = None) -> None:
    row = conn.execute("SELECT * FROM diversions WHERE id = ?", (diversion_id,)).fetchone()
    if row is None:
        raise ValueError(f"There is no diversion {diversion_id}.")
    low, high = _checked(start if start is not None else row["started_at"],
                         end if end is not None else row["ended_at"])
    conn.execute(
        "UPDATE diversions SET ods_code = ?, started_at = ?, ended_at = ?, reason = ?, "
        "icb_informed = ? WHERE id = ?",
        ((practice or row["ods_code"]).strip().upper(), low, high,
         row["reason"] if reason is None else reason,
         row["icb_informed"] if icb_informed is None else int(icb_informed), diversion_id))


def delete_diversion(conn: sqlite3.Connection, diversion_id: int) -> bool:
    return conn.execute("DELETE FROM diversions WHERE id = ?", (diversion_id,)).rowcount > 0


def diverted_minutes_core(conn: sqlite3.Connection, practices: Iterable[str],
                          month: str) -> float:
    """Core-hours minutes of the month during which each practice was diverted, summed over the
    practices; overlapping episodes of one practice count once."""
    calendar = CoreCalendar.of(conn)
    first, following = month_days(month)
    month_start, month_end = datetime.combine(first, time()), datetime.combine(following, time())
    by_practice: dict[str, list[tuple[datetime, datetime]]] = {}
    for d in list_diversions(conn, practices, month):
        low = max(_local(d.started_at, "start"), month_start)
        high = min(_local(d.ended_at, "end"), month_end)
        if high > low:
            by_practice.setdefault(d.practice, []).append((low, high))
    total = 0.0
    for spans in by_practice.values():
        spans.sort()
        merged: list[list[datetime]] = []
        for low, high in spans:
            if merged and low <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], high)
            else:
                merged.append([low, high])
        total += sum(calendar.core_minutes(low, high) for low, high in merged)
    return total


def calls_111_core(conn: sqlite3.Connection, practices: Iterable[str], month: str) -> int | None:
    """Calls to 111 in core hours: from call-level data where the practice has calls that month,
    else NHS England's imported in-core-hours count; None when neither exists for any practice."""
    return calls_111_core_by_month(conn, practices, month, month).get(month)


def calls_111_core_by_month(conn: sqlite3.Connection, practices: Iterable[str],
                            start: str | None, end: str | None) -> dict[str, int]:
    """calls_111_core for each month in [start, end] (YYYY-MM, inclusive; None = open) where any
    of the practices has either source, in two reads (call_months sums call_hours per month)."""
    codes = list(practices)
    marks = ",".join("?" * len(codes)) or "NULL"
    bounds = (start or "0000-00", end or "9999-99")
    from_calls = {(code, month): n for code, month, n in conn.execute(
        f"SELECT ods_code, month, calls_111_core FROM call_months WHERE ods_code IN ({marks}) "
        "AND month >= ? AND month <= ?", (*codes, *bounds))}
    totals: dict[str, int] = {}
    for (_, month), n in from_calls.items():
        totals[month] = totals.get(month, 0) + n
    for code, month, n in conn.execute(
            f"SELECT ods_code, month, SUM(calls) FROM calls_111_counts WHERE ods_code IN ({marks}) "
            "AND month >= ? AND month <= ? GROUP BY ods_code, month", (*codes, *bounds)):
        if (code, month) not in from_calls:  # call-level data wins where the practice has it
            totals[month] = totals.get(month, 0) + (n or 0)
    return dict(sorted(totals.items()))
