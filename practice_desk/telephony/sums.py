"""New calls added to the aggregates at import (see aggregates.py): the sums rebuild_days would
compute from `calls`, worked out with numpy from the calls in memory instead of read back. Tests
hold the two ways equal."""

from __future__ import annotations

import sqlite3

import numpy as np
import pandas as pd

from practice_desk.telephony.aggregates import (
    COUNT_KEYS,
    OUTCOMES,
    sum_months,
    transaction,
)

_SUMMED = COUNT_KEYS + ("talk_sum_s", "talk_count")
_HOUR_KEYS = ("ods_code", "day", "month", "hour", "weekday", "core")
_ADD_HOURS_SQL = (
    f"INSERT INTO call_hours ({', '.join(_HOUR_KEYS + _SUMMED)}) "
    f"VALUES ({', '.join('?' * len(_HOUR_KEYS + _SUMMED))}) "
    "ON CONFLICT (ods_code, day, hour, core) DO UPDATE SET "
    + ", ".join(f"{k} = {k} + excluded.{k}" for k in _SUMMED))
_ADD_WAITS_SQL = (
    "INSERT INTO call_waits (ods_code, month, wait_s, calls) VALUES (?, ?, ?, ?) "
    "ON CONFLICT (ods_code, month, wait_s) DO UPDATE SET calls = calls + excluded.calls")


def add_calls(conn: sqlite3.Connection, calls: pd.DataFrame) -> None:
    """Add calls just stored (columns named as in `calls`) to call_hours, call_waits and
    call_months: the sums rebuild_days would compute from `calls` (a test holds them equal),
    without reading a million calls back."""
    if calls.empty:
        return
    keys = _Keys(calls)
    hours = _hour_sums(calls, keys, _core_flags(conn, calls, keys))
    with transaction(conn):
        conn.executemany(_ADD_HOURS_SQL, _rows(hours))
        conn.executemany(_ADD_WAITS_SQL, _wait_counts(calls, keys))
        for practice, months in hours.groupby("ods_code")["month"]:
            sum_months(conn, practice, months.unique().tolist())


class _Keys:
    """Practice, day, month and clock of every call as small integer codes, with the distinct
    values they stand for (a million calls have a few thousand of each)."""

    def __init__(self, calls: pd.DataFrame):
        self.practice, practices = pd.factorize(calls["ods_code"].to_numpy(dtype=object))
        self.day, days = pd.factorize(calls["local_day"].to_numpy(dtype=object))
        self.clock, clocks = pd.factorize(calls["local_time"].to_numpy(dtype=object))
        self.practices, self.days, self.clocks = (
            np.asarray(v, dtype=object) for v in (practices, days, clocks))
        self.month, self.months = pd.factorize(np.array([d[:7] for d in self.days], dtype=object))
        direction, outcome = _labels(calls["direction"]), _labels(calls["outcome"])
        self.inbound, self.outbound = direction("inbound"), direction("outbound")
        self.outcome = {name: self.inbound & outcome(name) for name in OUTCOMES}


def _core_flags(conn: sqlite3.Connection, calls: pd.DataFrame, keys: _Keys) -> np.ndarray:
    from practice_desk.telephony.core_hours import get_core_hours, seed_bank_holidays

    seed_bank_holidays(conn)
    core = get_core_hours(conn)
    holidays = {r[0] for r in conn.execute("SELECT day FROM bank_holidays")}
    start, end = core.start.strftime("%H:%M:%S"), core.end.strftime("%H:%M:%S")
    open_clock = np.array([start <= c < end for c in keys.clocks], dtype=bool)
    working_day = np.array([d not in holidays for d in keys.days], dtype=bool)
    return (np.isin(calls["weekday"].to_numpy(), core.days) & open_clock[keys.clock]
            & working_day[keys.day])


def _hour_sums(calls: pd.DataFrame, keys: _Keys, core: np.ndarray) -> pd.DataFrame:
    """call_hours rows (COUNT_KEYS and talk sums per practice, day, hour and core flag) for
    these calls, summed with numpy over integer group numbers."""
    wait, talk = calls["wait_s"].to_numpy(float), calls["talk_s"].to_numpy(float)
    inbound, answered = keys.inbound, keys.outcome["answered"]
    counts = {
        "inbound": inbound, **keys.outcome,
        "callback_made": inbound & (calls["callback_made"].to_numpy() == 1),
        "calls_111": inbound & (calls["is_111"].to_numpy() == 1),
        "outbound": keys.outbound,
    }
    with np.errstate(invalid="ignore"):  # NaN (unknown) waits are in no band
        for kind in ("answered", "missed"):  # the bands of the module docstring
            of_kind = keys.outcome[kind]
            counts[f"{kind}_wait_lt1m"] = of_kind & (wait < 60)
            counts[f"{kind}_wait_1to2m"] = of_kind & (wait >= 60) & (wait < 120)
            counts[f"{kind}_wait_2to5m"] = of_kind & (wait >= 120) & (wait <= 300)
            counts[f"{kind}_wait_gt5m"] = of_kind & (wait > 300)
    counts["talk_sum_s"] = np.where(answered & ~np.isnan(talk), talk, 0.0)
    counts["talk_count"] = answered & ~np.isnan(talk)

    hour = np.array([int(c[:2]) for c in keys.clocks], dtype=np.int64)[keys.clock]
    group = ((keys.practice * len(keys.days) + keys.day) * 24 + hour) * 2 + core
    groups, first, inverse = np.unique(group, return_index=True, return_inverse=True)
    sums = pd.DataFrame({key: np.bincount(inverse, weights=counts[key], minlength=len(groups))
                         for key in _SUMMED})
    whole = [k for k in _SUMMED if k != "talk_sum_s"]
    sums[whole] = sums[whole].astype("int64")
    day = keys.day[first]
    sums.insert(0, "ods_code", keys.practices[keys.practice[first]])
    sums.insert(1, "day", keys.days[day])
    sums.insert(2, "month", keys.months[keys.month[day]])
    sums.insert(3, "hour", hour[first])
    sums.insert(4, "weekday", calls["weekday"].to_numpy()[first])
    sums.insert(5, "core", groups % 2)
    return sums[(sums["inbound"] + sums["outbound"]) > 0]


def _wait_counts(calls: pd.DataFrame, keys: _Keys) -> list[tuple]:
    """call_waits rows: answered calls per practice, month and whole second of wait."""
    wait = calls["wait_s"].to_numpy(float)
    waited = np.flatnonzero(keys.outcome["answered"] & ~np.isnan(wait))
    seconds = wait[waited].astype(np.int64)
    month = keys.month[keys.day[waited]]
    group = (keys.practice[waited] * len(keys.months) + month) * (seconds.max(initial=0) + 1) \
        + seconds
    groups, first, count = np.unique(group, return_index=True, return_counts=True)
    rows = waited[first]
    return list(zip(keys.practices[keys.practice[rows]].tolist(),
                    keys.months[keys.month[keys.day[rows]]].tolist(),
                    seconds[first].tolist(), count.tolist(), strict=True))


def _labels(column: pd.Series):
    """is(label) -> which rows have that label, comparing small integer codes."""
    codes, labels = pd.factorize(column.to_numpy(dtype=object))
    where = {label: k for k, label in enumerate(labels)}
    return lambda label: codes == where.get(label, -2)


def _rows(frame: pd.DataFrame) -> list[tuple]:
    """Python values (sqlite3 binds no numpy integers), one tuple per row."""
    return list(zip(*(frame[c].tolist() for c in frame.columns), strict=True))
