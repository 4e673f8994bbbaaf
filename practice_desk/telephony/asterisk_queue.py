"""Asterisk `queue_log`: real queue waits, talk times and abandonment for calls from Master.csv.

Lines are `epoch|uniqueid|queuename|agent|EVENT|data1|data2|...`, or the same events as a
database table exported with a header (`uid, date_time, callid, queue_name, agent, event,
param1, ...`: PBXware). Per uniqueid the last deciding
event sets the call's outcome (the Queue application answers the line itself, so Master.csv alone
cannot tell an answered queued call from an abandoned one):
- CONNECT(holdtime|...) / COMPLETECALLER / COMPLETEAGENT(holdtime|calltime|...) -> answered,
  wait = holdtime, talk = calltime;
- ABANDON(position|origposition|waittime), EXITWITHTIMEOUT(position|origposition|waittime),
  EXITEMPTY(position|origposition|waittime), EXITWITHKEY(key|position|origposition|waittime)
  -> missed, wait = waittime (time before the caller gave up or left the queue).
Calls ending in a queue that a 111 rule flags stay ended in IVR. In the same zip as Master.csv
the queue_log is applied in the same transaction; imported on its own it updates calls already
imported (matching their uniqueid). When none of its calls is in the database, the calls that
joined a queue are counted from the queue_log alone (inbound; answered or missed as above),
under the same keys as the CDR's calls, so a CDR imported afterwards never counts them twice.
Undoing such an import does not restore the earlier values
(undo and re-import the Master.csv for that).
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from practice_desk.importing.context import ImportContext, RowProblems
from practice_desk.importing.importer import Importer
from practice_desk.importing.mapping import normalise_name, open_table, table_header
from practice_desk.importing.problems import ImportFailed
from practice_desk.importing.sources import Source
from practice_desk.telephony import aggregates
from practice_desk.telephony.calllogs import QUEUE_NOTE, id_key
from practice_desk.telephony.model import DIRECTIONS, EPOCH_ORDINAL, OUTCOMES, day_text
from practice_desk.telephony.times import BadValue, london, parse_local, to_utc

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


@dataclass
class QueueEvent:
    line: int
    epoch: float
    callid: str
    queue: str
    event: str
    data: list[str]


def events(source: Source, problems: RowProblems) -> Iterator[QueueEvent]:
    """The events of a queue_log, natively pipe-separated or a database table exported with a
    header (uid, date_time, callid, queue_name, agent, event, param1, ...)."""
    columns = table_columns(table_header(source))
    if columns is None:
        table = open_table(source, has_header=False, delimiter="|")
        for line, row in table.rows:
            if len(row) < 5 or not _LINE.match("|".join(row[:5])):
                problems.add(source.problem(line, "is not a queue_log line "
                                                  "(epoch|uniqueid|queue|agent|EVENT|...)"))
                continue
            yield QueueEvent(line, float(row[0]), row[1], row[2], row[4].upper(), row[5:])
        return
    when, callid, queue, event, data = columns
    table = open_table(source)
    for line, row in table.rows:
        row = [clean(field) for field in row] + [""] * (len(table.header) - len(row))
        try:
            epoch = _epoch(row[when])
        except BadValue as exc:
            problems.add(source.problem(line, f"{table.header[when]}: {exc}"))
            continue
        values = [row[i] for i in data]
        if len(values) == 1:  # one `data` column holding data1|data2|... as the file has it
            values = values[0].split("|")
        while values and not values[-1]:
            values.pop()
        yield QueueEvent(line, epoch, row[callid], row[queue], row[event].upper(), values)


def clean(text: str) -> str:
    text = text.strip()
    return "" if text == "NULL" else text


def _epoch(text: str) -> float:
    naive, aware = parse_local(text)
    return (naive if aware else to_utc(naive)).timestamp()


_TIME_NAMES = ("time", "date time", "datetime", "timestamp", "created", "event time", "date",
               "time stamp", "eventdate")
_DATA = re.compile(r"^(?:data|param|arg)\s?(\d+)$")


def table_columns(header: list[str]) -> tuple[int, int, int, int, list[int]] | None:
    """Positions of (time, callid, queue, event, [data1, data2, ...]) in a queue_log table's
    header, or None when the header is not one."""
    names = [normalise_name(h) for h in header]

    def find(*wanted: str) -> int | None:
        return next((names.index(w) for w in wanted if w in names), None)

    found = [find(*_TIME_NAMES), find("callid", "call id", "uniqueid"),
             find("queuename", "queue name", "queue"), find("event", "verb")]
    if any(i is None for i in found):
        return None
    data = sorted((int(m[1]), i) for i, n in enumerate(names) if (m := _DATA.match(n)))
    if not data and "data" in names:
        data = [(1, names.index("data"))]
    when, callid, queue, event = found
    return when, callid, queue, event, [i for _, i in data]  # type: ignore[return-value]


def load_queue_log(ctx: ImportContext, source: Source) -> None:
    problems = RowProblems()
    # uniqueid -> (queue, outcome, event, wait, talk)
    results: dict[str, list[Any]] = {}
    entered: dict[str, tuple[float, str | None]] = {}  # uniqueid -> (ENTERQUEUE time, caller)
    epochs: list[float] = []  # event times, to find the calls' days
    for item in events(source, problems):
        ctx.rows_read += 1
        line, uniqueid, queue, event, data = item.line, item.callid, item.queue, item.event, \
            item.data
        epochs.append(item.epoch)
        if uniqueid in ("", "NONE"):
            continue
        if event == "ENTERQUEUE" and uniqueid not in entered:
            entered[uniqueid] = (item.epoch, data[1] if len(data) > 1 else None)
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
        _store_queued_calls(ctx, source, results, entered)
        return
    ctx.rows_stored += updated
    ctx.warn(f"{source.name}: queue waits and outcomes applied to {updated:,} calls")
    aggregates.rebuild_days(ctx.conn, days)


def _store_queued_calls(ctx: ImportContext, source: Source, results: dict[str, list[Any]],
                        entered: dict[str, tuple[float, str | None]]) -> None:
    """A queue_log whose calls are not in the database (no CDR imported): its queued calls are
    the calls, keyed by their uniqueid as the CDR's would be, so importing the CDR afterwards
    adds only the calls that never queued."""
    practice = (getattr(ctx.options, "practice", None) or "").strip().upper()
    if not entered:
        raise ImportFailed([source.problem(None, (
            "none of the calls in this queue_log are in the database, and it holds no "
            "ENTERQUEUE events to count calls from: import the Master.csv (CDR) for the same "
            "days first (with the same practice), or both in one zip"))])
    if not practice:
        raise ImportFailed([source.problem(None, (
            "none of the calls in this queue_log are in the database: import the Master.csv "
            "(CDR) for the same days first, or choose the practice (ODS code) to count the "
            "queued calls from the queue_log alone (practice-desk import --practice ODS)"))])
    from practice_desk.telephony.legs import queue_calls
    from practice_desk.telephony.loading import CallWriter

    writer = CallWriter(ctx)
    writer.add(writer.prepare(queue_calls(practice, results, entered, ctx.conn)))
    writer.finish()
    ctx.rows_stored += writer.written
    ctx.conn.execute("INSERT OR IGNORE INTO practices (ods_code) VALUES (?)", (practice,))
    ctx.warn(f"{source.name}: no CDR for these calls is in the database, so the "
             f"{writer.written:,} calls that joined a queue were counted from the queue_log "
             "alone; calls that never queued (ended in the IVR, dialled straight to a phone) "
             "are only in the CDR (Master.csv): import it too")


def _practices(ctx: ImportContext) -> list[tuple[int, str]]:
    """(call_labels id, ODS code) of the practices whose calls the queue_log may be about."""
    chosen = getattr(getattr(ctx, "options", None), "practice", None)
    where, args = ("AND text = ?", (chosen.strip().upper(),)) if chosen else ("", ())
    return [tuple(r) for r in ctx.conn.execute(
        f"SELECT id, text FROM call_labels WHERE kind = 'practice' {where}", args)]


def _days_around(epochs: list[float]) -> tuple[int, int]:
    """London day numbers from the day before the first event to the day after the last."""
    if not epochs:
        return 1, 0
    low, high = min(epochs) - 86_400, max(epochs) + 86_400
    return tuple(london(datetime.fromtimestamp(t, UTC)).date().toordinal()  # type: ignore
                 - EPOCH_ORDINAL for t in (low, high))


def _apply(ctx: ImportContext, results: dict[str, list[Any]],
           days_between: tuple[int, int]) -> tuple[int, set]:
    from practice_desk.telephony.loading import CallLabels

    conn: sqlite3.Connection = ctx.conn
    labels = CallLabels(conn)
    practices = _practices(ctx)
    calls = {}  # (practice, call_key) -> the stored inbound call
    for label, practice in practices:
        for row in conn.execute(
                "SELECT practice, day, call_key, is_111, outcome FROM calls WHERE practice = ? "
                "AND day BETWEEN ? AND ? AND direction = ?",
                (label, *days_between, DIRECTIONS.index("inbound"))):
            calls[(practice, row["call_key"])] = row
    updated, days = 0, set()
    for uniqueid, (queue, outcome, event, wait, talk) in results.items():
        if outcome is None:
            continue
        for _, practice in practices:
            row = calls.get((practice, id_key(practice, uniqueid)))
            if row is None:
                continue
            final = OUTCOMES.index(outcome)
            if row["outcome"] == OUTCOMES.index("callback_requested") or (
                    row["is_111"] and outcome == "missed"):
                final = row["outcome"]
            conn.execute(
                "UPDATE calls SET outcome = ?, wait_ms = ?, talk_ms = ?, supplier_outcome = ?, "
                "route = COALESCE(?, route) WHERE practice = ? AND day = ? AND call_key = ?",
                (final, _ms(wait), _ms(talk), labels.id("supplier_outcome", event),
                 queue and labels.id("route", queue), row["practice"], row["day"],
                 row["call_key"]))
            updated += 1
            day = day_text(row["day"])
            days.add((practice, day))
            ctx.periods.add(day[:7])
    labels.write(conn, labels.take_new())
    return updated, days


def _ms(seconds: float | None) -> int | None:
    return None if seconds is None else round(seconds * 1000)


def looks_like_queue_log(source: Source) -> bool:
    """The native pipe-separated file, or a table export whose header has the queue_log's
    columns and whose first rows hold its events."""
    try:
        with source.open() as f:
            head = f.read(4096)
    except OSError:
        return False
    first = head.decode("utf-8", "replace").lstrip("\ufeff").splitlines()[:1]
    if first and _LINE.match(first[0]):
        return True
    return table_columns(table_header(source)) is not None


QUEUE_LOG_IMPORTER = Importer(
    QUEUE_LOG, "Asterisk queue_log (queue waits and abandonment for imported Master.csv calls)",
    lambda h: False, load_queue_log, order=11)


def recognise(source: Source, conn: sqlite3.Connection | None, options: Any) -> Importer | None:
    if getattr(options, "mapping", None) is not None:
        return None
    return QUEUE_LOG_IMPORTER if looks_like_queue_log(source) else None

