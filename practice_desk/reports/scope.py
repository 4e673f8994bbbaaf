"""What an export covers: one or more practices, or a PCN (its practices and its total)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from practice_desk.metrics import Selection, SelectionError


@dataclass(frozen=True)
class ExportScope:
    practices: tuple[str, ...] = ()
    pcn: str | None = None
    start: str | None = None
    end: str | None = None

    def __post_init__(self) -> None:
        if bool(self.practices) == bool(self.pcn):
            raise SelectionError("Choose one or more practices, or one PCN.")
        self.selections_for(self.practices or ())  # checks the months early

    def selections_for(self, codes) -> list[Selection]:
        return [Selection(practice=code, start=self.start, end=self.end) for code in codes]

    def practice_codes(self, conn: sqlite3.Connection) -> list[str]:
        if self.pcn:
            return Selection(pcn=self.pcn).practices(conn)
        for code in self.practices:
            Selection(practice=code).practices(conn)  # raises for an unknown practice
        return list(self.practices)

    def selections(self, conn: sqlite3.Connection) -> list[Selection]:
        """One selection per practice, then the PCN total when the scope is a PCN."""
        found = self.selections_for(self.practice_codes(conn))
        if self.pcn:
            found.append(Selection(pcn=self.pcn, start=self.start, end=self.end))
        return found
