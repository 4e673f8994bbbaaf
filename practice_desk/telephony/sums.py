"""Calls -> the call aggregates (aggregates.py), summed with numpy by the one set of rules
(model.py; core_hours.CoreCalendar for core hours): the calls an import has just stored are
added to what is there (summed, add_summed, then sum_practice_months once at the end), without
reading a million calls back; an undo, the Asterisk queue_log and new core hours or bank
holidays sum whole practice-months again from `calls` (rebuild_months)."""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import Iterable
from datetime import date

import numpy as np
import pandas as pd

from local_db.bulk import insert_columns
from practice_desk.telephony.aggregates import COUNT_KEYS, sum_months, transaction
from practice_desk.telephony.core_hours import CoreCalendar
from practice_desk.telephony.model import (
    DIRECTIONS,
    EPOCH_ORDINAL,
    OUTCOMES,
    WAIT_BANDS,
    day_text,
    wait_bands,
)

_SUMMED = COUNT_KEYS + ("talk_sum_s", "talk_count")
_HOUR_KEYS = ("ods_code", "day", "month", "hour", "weekday", "core")
# Added many rows to a statement (local_db.bulk): the storing thread takes Python's lock back
# after each statement, and a row each would mean thousands a block.
_ADD_HOURS = (f"INSERT INTO call_hours ({', '.join(_HOUR_KEYS + _SUMMED)}) VALUES",
              "ON CONFLICT (ods_code, day, hour, core) DO UPDATE SET "
              + ", ".join(f"{k} = {k} + excluded.{k}" for k in _SUMMED))
_ADD_WAITS = ("INSERT INTO call_waits (ods_code, month, wait_s, calls) VALUES",
              "ON CONFLICT (ods_code, month, wait_s) DO UPDATE SET calls = calls + excluded.calls")
_READ_SQL = ("SELECT day, clock, direction, outcome, wait_ms, talk_ms, callback_made, is_111 "
             "FROM calls WHERE practice = ? AND day BETWEEN ? AND ?")


@dataclasses.dataclass
class StoredCalls:
    """Calls as `calls` stores them, column by column (numpy arrays of one length)."""

    practice: np.ndarray       # ODS codes
    day: np.ndarray            # London day, days since 1970-01-01
    clock: np.ndarray          # London time of day in seconds
    direction: np.ndarray      # index in DIRECTIONS
    outcome: np.ndarray        # index in OUTCOMES, -1 for none
    wait_ms: np.ndarray        # float, NaN when unknown
    talk_ms: np.ndarray        # float, NaN when unknown
    callback_made: np.ndarray  # bool
    is_111: np.ndarray         # bool

    def __len__(self) -> int:
        return len(self.day)

    def select(self, keep: np.ndarray) -> StoredCalls:
        return StoredCalls(**{f.name: getattr(self, f.name)[keep]
                              for f in dataclasses.fields(self)})


# What summed() gives: (call_hours columns, call_waits columns, the (practice, month)s they add
# to); columns as lists of Python values, which sqlite3 binds.
Summed = tuple[list[list], list[list], set[tuple[str, str]]]


def summed(calls: StoredCalls, calendar: CoreCalendar) -> Summed:
    """What add_summed adds for these calls (calendar: the database's core hours and bank
    holidays): numpy alone, so it can be worked out away from the database."""
    if not len(calls):
        return [], [], set()
    hours, waits = _sums(calls, calendar)
    months = set(zip(hours["ods_code"].tolist(), hours["month"].tolist(), strict=True))
    return [hours[key].tolist() for key in _HOUR_KEYS + _SUMMED], waits, months


def add_summed(conn: sqlite3.Connection, sums: Summed) -> set[tuple[str, str]]:
    """Add the sums of calls just stored to call_hours and call_waits; the (practice, month)s
    whose monthly tables sum_practice_months must then sum again."""
    hours, waits, months = sums
    if hours:
        with transaction(conn):
            insert_columns(conn, _ADD_HOURS[0], hours, _ADD_HOURS[1])
            insert_columns(conn, _ADD_WAITS[0], waits, _ADD_WAITS[1])
    return months


def sum_practice_months(conn: sqlite3.Connection, months: Iterable[tuple[str, str]]) -> None:
    """The monthly tables of these (practice, month)s summed again from call_hours."""
    by_practice: dict[str, list[str]] = {}
    for practice, month in months:
        by_practice.setdefault(practice, []).append(month)
    with transaction(conn):
        for practice, its_months in sorted(by_practice.items()):
            sum_months(conn, practice, its_months)


def rebuild_months(conn: sqlite3.Connection, months: Iterable[tuple[str, str]]) -> None:
    """Sum these (practice, 'YYYY-MM') again from what `calls` now holds."""
    calendar = CoreCalendar.of(conn)
    with transaction(conn):
        for practice, month in sorted(set(months)):
            for table in ("call_hours", "call_waits"):
                conn.execute(f"DELETE FROM {table} WHERE ods_code = ? AND month = ?",
                             (practice, month))
            add_summed(conn, summed(_read(conn, practice, month), calendar))
            sum_months(conn, practice, [month])


def stored_months(conn: sqlite3.Connection, where: str = "", args: tuple = ()) -> set:
    """(practice, 'YYYY-MM') of the calls `where` selects (an SQL condition on calls)."""
    rows = conn.execute(
        "SELECT p.text, c.day FROM (SELECT DISTINCT practice, day FROM calls "
        f"{'WHERE ' + where if where else ''}) c JOIN call_labels p ON p.id = c.practice", args)
    return {(practice, day_text(day)[:7]) for practice, day in rows}


def _read(conn: sqlite3.Connection, practice: str, month: str) -> StoredCalls:
    first = date.fromisoformat(f"{month}-01").toordinal() - EPOCH_ORDINAL
    label = conn.execute("SELECT id FROM call_labels WHERE kind = 'practice' AND text = ?",
                         (practice,)).fetchone()
    cursor = conn.cursor()
    cursor.row_factory = None  # plain tuples: a month holds tens of thousands of calls
    rows = cursor.execute(_READ_SQL, (label[0] if label else None, first, first + 30)).fetchall()
    values = np.array(rows, dtype=float).reshape(len(rows), 8)  # NULL -> NaN
    days = values[:, 0].astype(np.int64)
    keep = np.array([day_text(d)[:7] == month for d in range(first, first + 31)])[days - first]
    values, days = values[keep], days[keep]
    return StoredCalls(
        practice=np.full(len(days), practice, dtype=object), day=days,
        clock=values[:, 1].astype(np.int64), direction=values[:, 2].astype(np.int64),
        outcome=np.nan_to_num(values[:, 3], nan=-1).astype(np.int64), wait_ms=values[:, 4],
        talk_ms=values[:, 5], callback_made=values[:, 6] == 1, is_111=values[:, 7] == 1)


def _sums(calls: StoredCalls, calendar: CoreCalendar) -> tuple[dict[str, np.ndarray],
                                                                list[list]]:
    """call_hours columns and call_waits columns of these calls."""
    practice, practices = pd.factorize(calls.practice)
    day, days = pd.factorize(calls.day)
    day_texts = np.array([day_text(int(d)) for d in days], dtype=object)
    month_of_day, months = pd.factorize(np.array([d[:7] for d in day_texts], dtype=object))
    month = month_of_day[day]
    hour = calls.clock // 3600
    core = calendar.core_mask(calls.day, calls.clock)
    group = ((practice * len(days) + day) * 24 + hour) * 2 + core
    groups, first, inverse = np.unique(group, return_index=True, return_inverse=True)
    counts = _counts(calls)
    sums = {key: np.bincount(inverse[counts[key]], minlength=len(groups)) for key in _SUMMED
            if key != "talk_sum_s"}
    sums["talk_sum_s"] = np.bincount(inverse, weights=counts["talk_sum_s"], minlength=len(groups))
    used = (sums["inbound"] + sums["outbound"]) > 0
    first = first[used]
    hours = {"ods_code": np.asarray(practices, dtype=object)[practice[first]],
             "day": day_texts[day[first]],
             "month": np.asarray(months, dtype=object)[month[first]],
             "hour": hour[first],
             "weekday": (calls.day[first] + 3) % 7,  # 1 January 1970 was a Thursday
             "core": groups[used] % 2,
             **{key: column[used] for key, column in sums.items()}}
    return hours, _waits(calls, counts["answered"], practice, practices, month, months)


def _counts(calls: StoredCalls) -> dict[str, np.ndarray]:
    """Per call, 1/0 (or seconds) for each summed column of call_hours."""
    inbound = calls.direction == DIRECTIONS.index("inbound")
    counts = {"inbound": inbound, "outbound": calls.direction == DIRECTIONS.index("outbound")}
    for code, name in enumerate(OUTCOMES):
        counts[name] = inbound & (calls.outcome == code)
    counts["callback_made"] = inbound & calls.callback_made
    counts["calls_111"] = inbound & calls.is_111
    band = wait_bands(calls.wait_ms)
    for kind in ("answered", "missed"):
        for code, name in enumerate(WAIT_BANDS):
            counts[f"{kind}_wait_{name}"] = counts[kind] & (band == code)
    talked = counts["answered"] & ~np.isnan(calls.talk_ms)
    counts["talk_sum_s"] = np.where(talked, calls.talk_ms, 0.0) / 1000
    counts["talk_count"] = talked
    return counts


def _waits(calls: StoredCalls, answered: np.ndarray, practice: np.ndarray, practices,
           month: np.ndarray, months) -> list[list]:
    """call_waits columns: answered calls per practice, month and whole second of wait (cut)."""
    waited = np.flatnonzero(answered & ~np.isnan(calls.wait_ms))
    seconds = np.trunc(calls.wait_ms[waited] / 1000).astype(np.int64)
    low = seconds.min(initial=0)
    group = (practice[waited] * len(months) + month[waited]) \
        * (seconds.max(initial=0) - low + 1) + seconds - low
    groups, first, count = np.unique(group, return_index=True, return_counts=True)
    rows = waited[first]
    return [np.asarray(practices, dtype=object)[practice[rows]].tolist(),
            np.asarray(months, dtype=object)[month[rows]].tolist(),
            seconds[first].tolist(), count.tolist()]
