"""Demand by weekday x time band: NHS England's CBT daily CSVs (inbound calls, CBT001, by
2-hour band) for practices without a call log of their own.

Bands are kept as published ('08:00 - 09:59', ...) and ordered by their start time.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

WEEKDAY_NAMES = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


@dataclass
class WeekdayBands:
    """Counts by weekday (0 = Monday) and band, and how many days of each weekday they cover."""
    bands: list[str] = field(default_factory=list)
    counts: list[list[int]] = field(default_factory=list)  # [weekday][band]
    days: list[int] = field(default_factory=lambda: [0] * 7)

    @property
    def total(self) -> int:
        return sum(map(sum, self.counts))

    def per_day(self) -> list[list[float | None]]:
        """Average per day of that weekday (None for a weekday with no day in the data)."""
        return [[count / self.days[d] if self.days[d] else None for count in row]
                for d, row in enumerate(self.counts)]

    def shares(self) -> list[list[float | None]]:
        """Each cell's share of the average week (per-day averages, so a month with five
        Mondays does not weigh Monday up)."""
        averages = self.per_day()
        week = sum(v for row in averages for v in row if v is not None)
        return [[v / week if v is not None and week else None for v in row] for row in averages]


def band_start(band: str) -> str:
    """'08:00 - 09:59' -> '08:00' (sort key; unknown shapes sort last)."""
    head = band.split("-")[0].strip()
    return head if len(head) == 5 and head[2] == ":" else "99:99" + band


def cbt_weekday_bands(conn: sqlite3.Connection, practices: Iterable[str],
                      start: str | None = None, end: str | None = None) -> WeekdayBands:
    """Inbound calls (CBT001) by weekday and 2-hour band from the CBT daily CSVs, summed over
    the practices, months `start`..`end` inclusive."""
    codes = list(practices)
    found = WeekdayBands()
    if not codes:
        return found
    marks = ",".join("?" * len(codes))
    rows = conn.execute(
        f"SELECT day, band, SUM(value) FROM cbt_daily WHERE ods_code IN ({marks}) "
        "AND indicator = 'CBT001' AND band_kind = 'time' AND band != 'TOTAL' "
        "AND value IS NOT NULL AND month >= ? AND month <= ? GROUP BY day, band",
        (*codes, start or "0000-00", end or "9999-99")).fetchall()
    found.bands = sorted({band for _, band, _ in rows}, key=band_start)
    position = {band: i for i, band in enumerate(found.bands)}
    found.counts = [[0] * len(found.bands) for _ in range(7)]
    days: set[str] = set()
    for day, band, value in rows:
        found.counts[date.fromisoformat(day).weekday()][position[band]] += value
        days.add(day)
    for day in days:
        found.days[date.fromisoformat(day).weekday()] += 1
    return found


def _start_hour(band: str) -> int | None:
    """8 for '08:00 - 09:59'; None for 'Unknown' or 'TOTAL'."""
    start = band_start(band)
    return None if start.startswith("99:99") else int(start[:2])


def england_online_bands(conn: sqlite3.Connection, start: str | None = None,
                         end: str | None = None) -> WeekdayBands:
    """England's online consultation submissions per day by weekday and time band (Table 3 of
    NHS England's workbook: each month's average per weekday), averaged over the months held in
    the range. `days` counts the months. 'Unknown' times are left out."""
    rows = conn.execute(
        "SELECT month, weekday, band, average FROM oc_england_times WHERE area_code = 'ENGLAND' "
        "AND average IS NOT NULL AND month >= ? AND month <= ?",
        (start or "0000-00", end or "9999-99")).fetchall()
    found = WeekdayBands()
    found.bands = sorted({band for _, _, band, _ in rows if _start_hour(band) is not None},
                         key=band_start)
    position = {band: i for i, band in enumerate(found.bands)}
    sums = [[0.0] * len(found.bands) for _ in range(7)]
    months: list[set[str]] = [set() for _ in range(7)]
    for month, weekday, band, average in rows:
        if band in position:
            sums[weekday][position[band]] += average
            months[weekday].add(month)
    found.counts = sums
    found.days = [len(m) for m in months]
    return found


def calls_in_bands(conn: sqlite3.Connection, practices: Iterable[str], bands: list[str],
                   start: str | None = None, end: str | None = None) -> tuple[WeekdayBands, str]:
    """The practices' inbound calls by weekday in the given time bands (e.g. England's online
    bands), from their call logs where they have any, else from CBT daily CSVs; with the
    source's name ('' when neither has calls). A band holds every hour from its start to the
    next band's start."""
    codes = list(practices)
    starts = [_start_hour(band) for band in bands]
    found = WeekdayBands(bands=list(bands), counts=[[0] * len(bands) for _ in range(7)])
    if not codes or not bands:
        return found, ""

    def band_of(hour: int) -> int | None:
        inside = [i for i, first in enumerate(starts) if first is not None and first <= hour]
        return inside[-1] if inside else None

    marks = ",".join("?" * len(codes))
    low, high = start or "0000-00", end or "9999-99"
    hours = conn.execute(
        f"SELECT weekday, hour, SUM(inbound) FROM call_weekday_hours WHERE ods_code IN ({marks}) "
        "AND month >= ? AND month <= ? GROUP BY weekday, hour", (*codes, low, high)).fetchall()
    if any(count for _, _, count in hours):
        for weekday, hour, count in hours:
            if (i := band_of(hour)) is not None:
                found.counts[weekday][i] += count
        found.days = [0] * 7
        for weekday, days in conn.execute(
                f"SELECT weekday, COUNT(DISTINCT day) FROM call_days WHERE ods_code IN ({marks}) "
                "AND month >= ? AND month <= ? GROUP BY weekday", (*codes, low, high)):
            found.days[weekday] = days
        return found, "call log"
    daily = cbt_weekday_bands(conn, codes, start, end)
    if not daily.total:
        return found, ""
    for weekday, row in enumerate(daily.counts):
        for band, count in zip(daily.bands, row, strict=True):
            hour = _start_hour(band)
            if hour is not None and (i := band_of(hour)) is not None:
                found.counts[weekday][i] += count
    found.days = daily.days
    return found, "CBT daily CSVs"
