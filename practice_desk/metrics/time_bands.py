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
