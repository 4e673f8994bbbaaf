"""Why a per-1,000 figure is blank, and what would fill it (resources/definitions.md).

A per-1,000 figure divides by the list size from the extract nearest to, and not after, the month
(metrics.md). An extract dated after the month is never used for it: the figure stays blank and the
reason says which extract is there and which one to import.
"""

from __future__ import annotations

import calendar
import sqlite3
from collections.abc import Sequence

from practice_desk.metrics.appointments import list_size_total

SOURCE = "NHS England's “Patients Registered at a GP Practice” extract"


def _month_text(month: str) -> str:
    year, number = month.split("-")[:2]
    return f"{calendar.month_name[int(number)]} {year}"


def _day_text(day: str) -> str:
    year, month, number = day.split("-")
    return f"{int(number)} {calendar.month_abbr[int(month)]} {year}"


def missing_list_size(conn: sqlite3.Connection, practices: Sequence[str],
                      months: Sequence[str]) -> str | None:
    """Why per-1,000 figures are blank for some of `months`, and what to import; None when
    every month has a list size for all the practices. Practices are counted, never named."""
    codes = list(practices)
    blank = sorted(m for m in months if list_size_total(conn, codes, m) is None)
    if not codes or not blank:
        return None
    marks = ",".join("?" * len(codes))
    earliest = dict(conn.execute(
        f"SELECT ods_code, MIN(extract_date) FROM list_sizes WHERE ods_code IN ({marks}) "
        "GROUP BY ods_code", codes).fetchall())
    without = [code for code in codes if code not in earliest]
    if without:
        whose = "this practice" if len(codes) == 1 else \
            f"{len(without)} of the {len(codes)} practices"
        reason = f"no list size is imported for {whose}"
    else:
        first = max(earliest.values())  # the practice whose extracts start latest
        reason = (f"the earliest list-size extract imported is dated {_day_text(first)}, "
                  f"after {_month_text(blank[0])}")
    period = _month_text(blank[0]) if len(blank) == 1 else \
        f"{_month_text(blank[0])} to {_month_text(blank[-1])}"
    return (f"Per-1,000 figures for {period} are blank: {reason}, and a figure is divided only "
            f"by a list size from on or before its month. Import {SOURCE} dated on or before "
            f"{_month_text(blank[0])} to fill them.")
