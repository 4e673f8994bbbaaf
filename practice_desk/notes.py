"""Intervention notes: dated notes on the charts of a practice or a PCN (e.g. "new phone system").

A note can also re-base the SPC limits (metrics.md, SPC section): the limits of every series it
applies to start again at the period holding the note's date. A note applies to every chart of its
scope, or to one metric's charts when it names one.
"""

from __future__ import annotations

import calendar
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

SCOPE_KINDS = ("practice", "pcn")


class NoteError(ValueError):
    """A note that cannot be stored as given (no text, a bad date, an unknown scope)."""


@dataclass(frozen=True)
class Note:
    id: int
    scope_kind: str
    scope_code: str
    day: str               # 'YYYY-MM-DD'
    text: str
    rebase: bool
    metric: str | None     # None: every chart of the scope
    created_at: str

    @property
    def month(self) -> str:
        return self.day[:7]


def _checked(scope_kind: str, day: str | date, text: str) -> tuple[str, str]:
    if scope_kind not in SCOPE_KINDS:
        raise NoteError(f"A note belongs to a practice or a PCN, not '{scope_kind}'.")
    if isinstance(day, date):
        day = day.isoformat()
    try:
        day = date.fromisoformat(str(day)).isoformat()
    except ValueError as exc:
        raise NoteError(f"'{day}' is not a date; use YYYY-MM-DD, e.g. 2025-03-17.") from exc
    text = (text or "").strip()
    if not text:
        raise NoteError("A note needs some text, e.g. 'New phone system went live'.")
    return day, text


def _note(row: sqlite3.Row) -> Note:
    return Note(row["id"], row["scope_kind"], row["scope_code"], row["day"], row["text"],
                bool(row["rebase"]), row["metric"], row["created_at"])


def add_note(conn: sqlite3.Connection, scope_kind: str, scope_code: str, day: str | date,
             text: str, rebase: bool = False, metric: str | None = None) -> Note:
    day, text = _checked(scope_kind, day, text)
    cur = conn.execute(
        "INSERT INTO notes (scope_kind, scope_code, day, text, rebase, metric, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        (scope_kind, scope_code.strip().upper(), day, text, int(bool(rebase)), metric or None,
         datetime.now().isoformat(timespec="seconds")))
    return get_note(conn, int(cur.lastrowid))  # type: ignore[return-value]


def get_note(conn: sqlite3.Connection, note_id: int) -> Note | None:
    row = conn.execute("SELECT * FROM notes WHERE id = ?", (note_id,)).fetchone()
    return _note(row) if row else None


def list_notes(conn: sqlite3.Connection, scope_kind: str, scope_code: str,
               metric: str | None = None, start: str | None = None,
               end: str | None = None) -> list[Note]:
    """A scope's notes, oldest first: those for every chart, plus `metric`'s own when given.

    `start`/`end` (months 'YYYY-MM' or days, inclusive) narrow them to a period.
    """
    sql = "SELECT * FROM notes WHERE scope_kind = ? AND scope_code = ?"
    args: list = [scope_kind, scope_code.strip().upper()]
    sql += " AND (metric IS NULL OR metric = ?)" if metric else " AND metric IS NULL"
    if metric:
        args.append(metric)
    if start:
        sql += " AND day >= ?"
        args.append(start if len(start) == 10 else f"{start}-01")
    if end:
        sql += " AND day <= ?"
        args.append(end if len(end) == 10 else f"{end}-31")
    return [_note(row) for row in conn.execute(sql + " ORDER BY day, id", args)]


_KEEP = object()


def update_note(conn: sqlite3.Connection, note_id: int, *, day: str | date | None = None,
                text: str | None = None, rebase: bool | None = None,
                metric: str | None | object = _KEEP) -> Note:
    """Change some fields of a note; the others stay. Raises NoteError for an unknown id."""
    note = get_note(conn, note_id)
    if note is None:
        raise NoteError(f"There is no note {note_id}.")
    new_day, new_text = _checked(note.scope_kind, day if day is not None else note.day,
                                 text if text is not None else note.text)
    new_rebase = note.rebase if rebase is None else bool(rebase)
    new_metric = note.metric if metric is _KEEP else (metric or None)
    conn.execute("UPDATE notes SET day = ?, text = ?, rebase = ?, metric = ? WHERE id = ?",
                 (new_day, new_text, int(new_rebase), new_metric, note_id))
    return get_note(conn, note_id)  # type: ignore[return-value]


def delete_note(conn: sqlite3.Connection, note_id: int) -> bool:
    return conn.execute("DELETE FROM notes WHERE id = ?", (note_id,)).rowcount > 0


# --- notes on a series -------------------------------------------------------------------------
def _period_of(day: str, periods: Sequence[str]) -> str:
    """The note's period in the series' own terms: its month for monthly series, else its day."""
    return day[:7] if periods and len(periods[0]) == 7 else day


def note_index(day: str, periods: Sequence[str]) -> int | None:
    """Index of the period holding `day` (or the first one after it, for a gap in the series);
    None when the note is outside the series."""
    if not periods:
        return None
    period = _period_of(day, periods)
    if period < periods[0] or period > periods[-1]:
        return None
    return next(i for i, p in enumerate(periods) if p >= period)


def note_position(day: str, periods: Sequence[str]) -> float | None:
    """Where a note sits on a chart whose x is the period index: at the left edge of its period
    plus the fraction of the month gone by (monthly series); None outside the series."""
    index = note_index(day, periods)
    if index is None:
        return None
    if len(periods[0]) == 7 and periods[index] == day[:7]:
        year, month, dom = (int(part) for part in day.split("-"))
        return index - 0.5 + (dom - 1) / calendar.monthrange(year, month)[1]
    return index - 0.5 if periods[index] != _period_of(day, periods) else float(index)


def change_points(notes: Iterable[Note], periods: Sequence[str]) -> list[int]:
    """Indexes where new SPC limits start: the periods of the notes that re-base."""
    found = {note_index(note.day, periods) for note in notes if note.rebase}
    return sorted(i for i in found if i)  # None (outside) and 0 (the first period) add nothing
