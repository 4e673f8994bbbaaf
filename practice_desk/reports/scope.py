"""What an export covers: one or more practices, or a PCN (its practices and its total)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from local_db import queries
from practice_desk.metrics import Selection, SelectionError

# Practices with any figures: appointments, CBT months, call logs, NHS App or POMI values.
_WITH_DATA = """
    SELECT unit FROM coverage WHERE source IN ('gpad_practice', 'cbt_month')
    UNION SELECT ods_code FROM call_hours UNION SELECT ods_code FROM app_practice_values
    UNION SELECT ods_code FROM pomi_values
"""


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


def default_scope(conn: sqlite3.Connection, start: str | None = None,
                  end: str | None = None) -> ExportScope:
    """No practice or PCN named (metrics.md: the selection is optional): the practice or PCN the
    user said is theirs (the app asks once), else the PCN when the database holds one, else every
    practice with data."""
    mine = queries.my_scope(conn)
    if mine is not None:
        kind, code = mine
        return ExportScope(practices=(code,) if kind == "practice" else (),
                           pcn=code if kind == "pcn" else None, start=start, end=end)
    pcns = queries.list_pcns(conn)
    if len(pcns) == 1:
        return ExportScope(pcn=pcns[0]["pcn_code"], start=start, end=end)
    with_data = {row[0] for row in conn.execute(_WITH_DATA)}
    codes = [p["ods_code"] for p in queries.list_practices(conn) if p["ods_code"] in with_data]
    if not codes:
        raise SelectionError("No practice has figures yet: import files first, or name "
                             "--practice or --pcn.")
    return ExportScope(practices=tuple(sorted(codes)), start=start, end=end)
