"""Asterisk `queue_log`: real queue waits, talk times and abandonment for calls from Master.csv.

Lines are `epoch|uniqueid|queuename|agent|EVENT|data1|data2|...`. Per uniqueid the last deciding
event sets the call's outcome (the Queue application answers the line itself, so Master.csv alone
cannot tell an answered queued call from an abandoned one):
- CONNECT(holdtime|...) / COMPLETECALLER / COMPLETEAGENT(holdtime|calltime|...) -> answered,
  wait = holdtime, talk = calltime;
- ABANDON(position|origposition|waittime), EXITWITHTIMEOUT(position|origposition|waittime),
  EXITEMPTY(position|origposition|waittime), EXITWITHKEY(key|position|origposition|waittime)
  -> missed, wait = waittime (time before the caller gave up or left the queue).
Calls ending in a queue that a 111 rule flags stay ended in IVR. In the same zip as Master.csv
the queue_log is applied in the same transaction; imported on its own it updates calls already
imported (matching their uniqueid); undoing such an import does not restore the earlier values
(undo and re-import the Master.csv for that).
"""

from __future__ import annotations

import re
import sqlite3
from datetime import UTC, datetime
from typing import Any

from practice_desk.importing.context import ImportContext, RowProblems
from practice_desk.importing.importer import Importer
from practice_desk.importing.mapping import open_table
from practice_desk.importing.problems import ImportFailed
from practice_desk.importing.sources import Source
from practice_desk.telephony import aggregates
from practice_desk.telephony.calllogs import QUEUE_NOTE, id_key
from practice_desk.telephony.times import london

QUEUE_LOG = "queue_log"
ANSWER_EVENTS = {"CONNECT", "COMPLETECALLER", "COMPLETEAGENT"}
GIVE_UP_EVENTS = {"ABANDON": 2, "EXITWITHTIMEOUT": 2, "EXITEMPTY": 2, "EXITWITHKEY": 3}
_LINE = re.compile(r"^\d{9,11}(\.\d+)?\|[^|]*\|[^|]*\|[^|]*\|[A-Z_]+")


def _number(text: str, line: int, source: Source, problems: RowProblems) -> float | None:
    try:
        value = float(text)
    except ValueError:
        problems.add(source.problem(line, f"'{text}' is not a number of seconds"))
        return None
    return value


def load_queue_log(ctx: ImportContext, source: Source) -> None:
    table = open_table(source, has_header=False, delimiter="|")
    problems = RowProblems()
    # uniqueid -> (queue, outcome, event, wait, talk)
    results: dict[str, list[Any]] = {}
    epochs: list[float] = []  # event times, to find the calls' days
    for line, row in table.rows:
        ctx.rows_read += 1
        if len(row) < 5 or not _LINE.match("|".join(row[:5])):
            problems.add(source.problem(line, "is not a queue_log line "
                                              "(epoch|uniqueid|queue|agent|EVENT|...)"))
            continue
        uniqueid, queue, event, data = row[1], row[2], row[4].upper(), row[5:]
        epochs.append(float(row[0]))
        if uniqueid in ("", "NONE"):
            continue
        entry = results.setdefault(uniqueid, [queue if queue != "NONE" else None,
                                              None, None, None, None])
        if event in ANSWER_EVENTS:
            wait = _number(data[0], line, source, problems) if data else None
            talk = _number(data[1], line, source, problems) \
                if event != "CONNECT" and len(data) > 1 else entry[4]
            entry[1:] = ["answered", event, wait, talk]
        elif event in GIVE_UP_EVENTS and entry[1] != "answered":
            index = GIVE_UP_EVENTS[event]
            wait = _number(data[index], line, source, problems) if len(data) > index else None
            entry[1:] = ["missed", event, wait, None]
    problems.raise_if_any()
    updated, days = _apply(ctx, results, _days_around(epochs))
    if ctx.warnings and QUEUE_NOTE in ctx.warnings:
        ctx.warnings.remove(QUEUE_NOTE)
    if not updated:
        raise ImportFailed([source.problem(None, (
            "none of the calls in this queue_log are in the database: import the Master.csv "
            "for the same days first (with the same practice), or both in one zip"))])
    ctx.rows_stored += updated
    ctx.warn(f"{source.name}: queue waits and outcomes applied to {updated:,} calls")
    aggregates.rebuild_days(ctx.conn, days)


def _practices(ctx: ImportContext) -> list[str]:
    chosen = getattr(getattr(ctx, "options", None), "practice", None)
    if chosen:
        return [chosen.strip().upper()]
    return [r[0] for r in ctx.conn.execute("SELECT DISTINCT ods_code FROM calls")]


def _days_around(epochs: list[float]) -> tuple[str, str]:
    """Local days from the day before the first event to the day after the last."""
    if not epochs:
        return "9999-12-31", "0000-01-01"
    low, high = min(epochs) - 86_400, max(epochs) + 86_400
    return tuple(london(datetime.fromtimestamp(t, UTC)).date().isoformat()  # type: ignore
                 for t in (low, high))


def _apply(ctx: ImportContext, results: dict[str, list[Any]],
           days_between: tuple[str, str]) -> tuple[int, set]:
    conn: sqlite3.Connection = ctx.conn
    practices = _practices(ctx)
    calls = {}  # (practice, call_key) -> the stored inbound call
    for practice in practices:
        for row in conn.execute(
                "SELECT call_key, id, local_day, is_111, outcome FROM calls WHERE ods_code = ? "
                "AND local_day BETWEEN ? AND ? AND direction = 'inbound'",
                (practice, *days_between)):
            calls[(practice, row["call_key"])] = row
    updated, days = 0, set()
    for uniqueid, (queue, outcome, event, wait, talk) in results.items():
        if outcome is None:
            continue
        for practice in practices:
            row = calls.get((practice, id_key(practice, uniqueid)))
            if row is None:
                continue
            final = outcome
            if row["outcome"] == "callback_requested" or (row["is_111"] and outcome == "missed"):
                final = row["outcome"]
            conn.execute(
                "UPDATE calls SET outcome = ?, wait_s = ?, talk_s = ?, supplier_outcome = ?, "
                "route = COALESCE(?, route) WHERE id = ?",
                (final, wait, talk, event, queue, row["id"]))
            updated += 1
            days.add((practice, row["local_day"]))
            ctx.periods.add(row["local_day"][:7])
    return updated, days


def looks_like_queue_log(source: Source) -> bool:
    try:
        with source.open() as f:
            head = f.read(4096)
    except OSError:
        return False
    first = head.decode("utf-8", "replace").lstrip("\ufeff").splitlines()[:1]
    return bool(first) and bool(_LINE.match(first[0]))


QUEUE_LOG_IMPORTER = Importer(
    QUEUE_LOG, "Asterisk queue_log (queue waits and abandonment for imported Master.csv calls)",
    lambda h: False, load_queue_log, order=11)


def recognise(source: Source, conn: sqlite3.Connection | None, options: Any) -> Importer | None:
    if getattr(options, "mapping", None) is not None:
        return None
    return QUEUE_LOG_IMPORTER if looks_like_queue_log(source) else None

