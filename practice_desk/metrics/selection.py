"""What the user is looking at: one practice, one PCN or one sub-ICB/CCG area, and an optional
month range. An area (from GPAD area files) has appointment figures only and no practices."""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass

from local_db import queries

_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


class SelectionError(ValueError):
    """The selection names something that is not in the database, or a malformed month."""


@dataclass(frozen=True)
class Selection:
    practice: str | None = None
    pcn: str | None = None
    area: str | None = None   # sub-ICB or CCG code of an imported GPAD area file
    start: str | None = None  # first month, YYYY-MM, inclusive
    end: str | None = None    # last month, YYYY-MM, inclusive

    def __post_init__(self) -> None:
        if [self.practice, self.pcn, self.area].count(None) != 2:
            raise SelectionError("Choose one practice, one PCN or one area.")
        for month in (self.start, self.end):
            if month is not None and not _MONTH.match(month):
                raise SelectionError(f"'{month}' is not a month; use YYYY-MM, e.g. 2025-10.")
        if self.start and self.end and self.start > self.end:
            raise SelectionError(f"The range starts ({self.start}) after it ends ({self.end}).")

    @property
    def scope_key(self) -> str:
        """The JSON key naming the scope: 'practice', 'pcn' or 'area'."""
        return "practice" if self.practice else "pcn" if self.pcn else "area"

    @property
    def code(self) -> str:
        return self.practice or self.pcn or self.area  # type: ignore[return-value]

    def practices(self, conn: sqlite3.Connection) -> list[str]:
        """ODS codes of the practices the selection covers (a PCN's current members; none for an
        area, whose figures are the area file's own)."""
        if self.area:
            # An area's own code, or 'ICB:<name>' for an ICB (STP) adding up its sub-ICBs.
            found = conn.execute("SELECT 1 FROM areas WHERE code = ? OR 'ICB:' || parent_name = ?",
                                 (self.area, self.area)).fetchone()
            if found is None:
                raise SelectionError(f"There is no area {self.area} in the database.")
            return []
        if self.practice:
            if queries.get_practice(conn, self.practice) is None:
                raise SelectionError(f"There is no practice {self.practice} in the database.")
            return [self.practice]
        codes = queries.practices_in_pcn(conn, self.pcn)
        if not codes:
            raise SelectionError(f"There is no PCN {self.pcn} in the database.")
        return codes

    def contains(self, month: str) -> bool:
        after_start = self.start is None or month >= self.start
        return after_start and (self.end is None or month <= self.end)
