"""'About my data': which imported files cover which practices and months, what is missing
inside that span, and what to download next. Plain rows for the GUI and the command line."""

from __future__ import annotations

import calendar
import sqlite3
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Feed:
    name: str
    sql: str  # (ods_code, month, file_name or NULL) for the practices in {marks}
    where: str  # where a manager downloads the next month
    monthly: bool = True  # list sizes are extracts: a gap between them is not missing data


_COVERED = ("SELECT c.unit, substr(c.period, 1, 7), i.file_name FROM coverage c "
            "JOIN imports i ON i.id = c.import_id WHERE c.source = '{source}' "
            "AND c.unit IN ({{marks}})")

FEEDS = [
    Feed("Appointments (GPAD)",
         _COVERED.format(source="gpad_practice"),
         "NHS England, 'Appointments in General Practice', the practice-level crosstab or the "
         "monthly zip"),
    Feed("Telephony (NHS England CBT)",
         _COVERED.format(source="cbt_month"),
         "NHS England, 'Cloud Based Telephony' monthly publication (workbook or CSVs)"),
    Feed("Call logs (your phone system)",
         "SELECT DISTINCT ods_code, month, NULL FROM call_hours WHERE ods_code IN ({marks})",
         "an export of last month's calls from your telephony system (3CX, Asterisk, X-on...)"),
    Feed("NHS App",
         "SELECT DISTINCT v.ods_code, v.month, i.file_name FROM app_practice_values v "
         "JOIN imports i ON i.id = v.import_id WHERE v.ods_code IN ({marks})",
         "the NHS App dashboard export by practice"),
    Feed("Online consultations",  # a practice published with no data ('No Data') is not covered
         "SELECT o.ods_code, o.month, i.file_name FROM oc_practice_months o "
         "JOIN imports i ON i.id = o.import_id "
         "WHERE o.submissions IS NOT NULL AND o.ods_code IN ({marks})",
         "NHS England, 'Submissions via Online Consultation Systems in General Practice' "
         "(monthly workbook)"),
    Feed("GP workforce",
         "SELECT w.ods_code, w.month, i.file_name FROM workforce w "
         "JOIN imports i ON i.id = w.import_id WHERE w.ods_code IN ({marks})",
         "NHS England, 'General Practice Workforce', the practice-level detailed CSV"),
    Feed("List sizes",
         _COVERED.format(source="list_size"),
         "NHS England, 'Patients Registered at a GP Practice' (monthly extract)", monthly=False),
]


@dataclass
class FeedCoverage:
    name: str
    practices: list[str]  # with any month of this feed
    months: list[str]  # sorted, with data for at least one of the practices
    missing: list[str]  # months inside the span with no data for any practice
    partial: dict[str, list[str]] = field(default_factory=dict)  # month -> practices without it
    files: list[str] = field(default_factory=list)
    next_step: str = ""


def month_after(month: str) -> str:
    year, number = map(int, month.split("-"))
    return f"{year + number // 12}-{number % 12 + 1:02d}"


def months_between(first: str, last: str) -> list[str]:
    months, month = [], first
    while month <= last:
        months.append(month)
        month = month_after(month)
    return months


def month_name(month: str) -> str:
    year, number = month.split("-")
    return f"{calendar.month_name[int(number)]} {year}"


def feed_coverage(conn: sqlite3.Connection, feed: Feed, codes: list[str]) -> FeedCoverage:
    marks = ",".join("?" * len(codes)) or "NULL"
    rows = conn.execute(feed.sql.format(marks=marks), codes).fetchall()
    by_month: dict[str, set[str]] = {}
    files = set()
    for code, month, file_name in rows:
        by_month.setdefault(month, set()).add(code)
        if file_name:
            files.add(file_name)
    months = sorted(by_month)
    practices = sorted({code for code, _m, _f in rows})
    result = FeedCoverage(feed.name, practices, months, [], files=sorted(files))
    if not months:
        result.next_step = f"Nothing imported yet. Download {feed.where}."
        return result
    if feed.monthly:
        result.missing = [m for m in months_between(months[0], months[-1]) if m not in by_month]
        result.partial = {m: sorted(set(practices) - by_month[m]) for m in months
                          if set(practices) - by_month[m]}
    result.next_step = (f"Next: {month_name(month_after(months[-1]))} from {feed.where}."
                        if feed.monthly else f"Newest extract {month_name(months[-1])}; a newer "
                        f"one comes from {feed.where}.")
    if result.missing:
        result.next_step += " Also fill the missing months."
    return result


def about_my_data(conn: sqlite3.Connection, codes: list[str]) -> list[FeedCoverage]:
    """One FeedCoverage for each kind of data, for the practices `codes` (e.g. a PCN's)."""
    return [feed_coverage(conn, feed, list(codes)) for feed in FEEDS]


def span_text(months: list[str]) -> str:
    if not months:
        return "none"
    if len(months) == 1:
        return month_name(months[0])
    return f"{month_name(months[0])} to {month_name(months[-1])} ({len(months)} months)"
