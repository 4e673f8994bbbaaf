"""Telephony metrics (metrics.md, Telephony) for a practice or PCN, per month.

Per practice and month the figures come from NHS England's CBT publication when it covers the
practice, else from the practice's own call log (mapped to the same outcome model). PCN figures sum
the practices' counts first, then divide. Waits in seconds and talk time exist only in call logs.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field

from practice_desk.metrics import appointments
from practice_desk.metrics.national import COUNT_COLUMNS, RATIOS, cbt_monthly_counts
from practice_desk.metrics.selection import Selection
from practice_desk.telephony import aggregates, core_hours

SOURCE_CBT, SOURCE_CALLS = "NHS England CBT", "call log"


def practice_counts(conn: sqlite3.Connection, practices: list[str],
                    selection: Selection) -> dict[str, dict[str, tuple[str, dict]]]:
    """{practice: {month: (source, counts)}}, CBT first."""
    return {practice: _practice_counts(conn, practice, selection) for practice in practices}


def _practice_counts(conn: sqlite3.Connection, practice: str,
                     selection: Selection) -> dict[str, tuple[str, dict]]:
    """{month: (source, counts)} for one practice, CBT first."""
    found = {month: (SOURCE_CALLS, counts) for month, counts in aggregates.call_month_counts(
        conn, [practice], selection.start, selection.end).items()}
    for month, counts in cbt_monthly_counts(conn, [practice], selection.start,
                                            selection.end).items():
        found[month] = (SOURCE_CBT, counts)
    return found


def add_counts(total: dict | None, counts: dict) -> dict:
    """Sum two practices' counts; a column missing for either is missing for the sum."""
    if total is None:
        return {column: counts.get(column) for column in COUNT_COLUMNS}
    return {column: None if total[column] is None or counts.get(column) is None
            else total[column] + counts[column] for column in COUNT_COLUMNS}


@dataclass
class MonthCounts:
    counts: dict
    sources: set[str] = field(default_factory=set)
    practices: list[str] = field(default_factory=list)


def monthly_counts(conn: sqlite3.Connection, practices: list[str], selection: Selection,
                   by_practice: dict[str, dict[str, tuple[str, dict]]] | None = None,
                   ) -> dict[str, MonthCounts]:
    """Summed counts per month over the practices, with the sources and practices behind them.
    `by_practice` is practice_counts when the caller already has it."""
    if by_practice is None:
        by_practice = practice_counts(conn, practices, selection)
    months: dict[str, MonthCounts] = {}
    for practice in practices:
        for month, (source, counts) in by_practice[practice].items():
            found = months.get(month)
            months[month] = MonthCounts(add_counts(found.counts if found else None, counts),
                                        found.sources if found else set(),
                                        found.practices if found else [])
            months[month].sources.add(source)
            months[month].practices.append(practice)
    return dict(sorted(months.items()))


def monthly(conn: sqlite3.Connection, practices: list[str], selection: Selection,
            months: dict[str, MonthCounts] | None = None, call_log: bool = True,
            ) -> dict[str, dict]:
    """{month: telephony keys} for every month where any of the practices has telephony data.
    `months` are monthly_counts when the caller already has them; without `call_log` the
    call-log-only keys (waits, talk time, diverted minutes: CALL_LOG_KEYS) are left out."""
    if months is None:
        months = monthly_counts(conn, practices, selection)
    core_111 = core_hours.calls_111_core_by_month(conn, practices, selection.start,
                                                  selection.end)
    rows = {}
    for month, found in months.items():
        row = values_from_counts(found.counts, found.sources)
        row["calls_111_core"] = core_111.get(month)
        if call_log:
            row.update(_call_log_only(conn, practices, month))
        size = appointments.list_size_total(conn, found.practices, month)
        patients = size[0] if size else None
        row["calls_per_1000"] = appointments.per_1000(row["inbound_calls"], patients)
        row["telephony_source"] = " and ".join(sorted(found.sources))
        rows[month] = row
    return rows


def period_values(conn: sqlite3.Connection, practices: list[str], selection: Selection,
                  months: dict[str, MonthCounts] | None = None) -> dict:
    """The whole range as one figure per count-based key (counts summed first, then divided).
    `months` are the selection's monthly counts when the caller already has them."""
    total, sources = period_totals(conn, practices, selection, months)
    return values_from_counts(total, sources) if total else {}


def period_totals(conn: sqlite3.Connection, practices: list[str], selection: Selection,
                  months: dict[str, MonthCounts] | None = None) -> tuple[dict | None, set[str]]:
    """The range's summed counts and the sources behind them."""
    if months is None:
        months = monthly_counts(conn, practices, selection)
    total, sources = None, set()
    for found in months.values():
        total = add_counts(total, found.counts)
        sources |= found.sources
    return total, sources


WAIT_BANDS = ("lt1m", "1to2m", "2to5m", "gt5m")
UNKNOWN_WAITS = {
    "answered": "the wait of some answered calls is unknown in the call log (an Asterisk "
                "Master.csv or CDR without its queue_log, or a layout with no answer time): "
                "import the queue_log, or map an answer-time or wait column, for answered waits",
    "missed": "the time before some missed calls ended is unknown in the call log: import "
              "the queue_log, or map an end-time or wait column, for missed waits",
}


def unknown_waits(counts: dict, sources: set[str] | None) -> list[str]:
    """'answered' and/or 'missed' when a call log leaves some of those calls' waits unknown:
    their band shares are then null (never 0 %), for UNKNOWN_WAITS to explain."""
    if not sources or SOURCE_CALLS not in sources:
        return []
    unknown = []
    for outcome in ("answered", "missed"):
        bands = [counts.get(f"{outcome}_wait_{b}") for b in WAIT_BANDS]
        total = counts.get(outcome)
        if total and None not in bands and sum(bands) < total:
            unknown.append(outcome)
    return unknown


def values_from_counts(counts: dict, sources: set[str] | None = None) -> dict:
    """Every CBT-derived key from summed counts; null for a missing count or a 0 denominator,
    and for wait-band shares when a call log leaves some waits unknown."""
    values = {}
    for key, (numerator, denominator) in RATIOS.items():
        top = counts.get(numerator)
        if denominator is None:
            values[key] = top
        else:
            bottom = counts.get(denominator)
            values[key] = top / bottom if top is not None and bottom else None
    parts = [counts.get(c) for c in ("answered", "ivr_ended", "callback_requested", "missed")]
    inbound = counts.get("inbound")
    values["unreconciled_calls"] = (None if inbound is None or None in parts
                                    else inbound - sum(parts))
    for outcome in unknown_waits(counts, sources):
        values.update({f"{outcome}_wait_{b}_share": None for b in WAIT_BANDS})
    return values


CALL_LOG_KEYS = ("wait_median_s", "wait_p90_s", "talk_mean_s", "diverted_minutes_core")


def _call_log_only(conn: sqlite3.Connection, practices: list[str], month: str) -> dict:
    median, p90 = aggregates.wait_stats(conn, practices, month)
    return {
        "wait_median_s": median,
        "wait_p90_s": p90,
        "talk_mean_s": aggregates.talk_mean_s(conn, practices, month),
        "diverted_minutes_core": core_hours.diverted_minutes_core(conn, practices, month),
    }
