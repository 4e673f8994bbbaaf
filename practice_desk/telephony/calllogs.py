"""Call-level logs -> one row per call in `calls`, in the NHS CBT outcome model (telephony.md).

Every layout goes through a `ColumnMapping` of kind 'call_log': the presets below (3CX CDR,
Asterisk/FreePBX Master.csv, X-on Surgery Connect export), a mapping the user saved for the file's
header signature, or one chosen explicitly (`ImportOptions(mapping=...)`).

Outcome rules (inbound calls; documented in the README of the telephony page):
- the supplier's outcome word is translated by the mapping's word list; a word that is not in the
  list stops the import and is named, so the user can map it (nothing is guessed);
- voicemail is *missed* (NHS counts it as abandonment); 'callback_made' words are call-back
  requested with the call-back made flag set; X-on 'Abandoned' (never reached a queue) is
  *ended in IVR*, X-on 'Missed' is *missed*;
- a call whose route, IVR option, outcome word or destination matches the 111 rules is flagged
  is_111; if it was not answered (and no call-back was taken) it ended on the 111 message or
  diversion and is *ended in IVR*; a call answered by staff and then transferred to 111 stays
  *answered* (with is_111 = 1);
- several rows of one call (3CX legs sharing a call id, Asterisk rows sharing a uniqueid) are one
  call: answered if any leg was answered by a person, else call-back requested, else missed if any
  leg reached a queue or a phone, else ended in IVR; start = first leg, wait = until the first
  answer (or until the last leg ended), talk = sum of answered legs;
- outbound and internal calls are stored (direction) but never counted as inbound;
- withheld/anonymous numbers hash to NULL; numbers Excel turned into 7.7E+10 are not hashed and
  the import says how many there were.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from practice_desk.importing import coverage
from practice_desk.importing.detect import Importer, register, register_recogniser
from practice_desk.importing.gpad import note_encoding
from practice_desk.importing.mapping import (
    ColumnMapping,
    Field,
    MappingKind,
    Option,
    Table,
    find_saved,
    normalise_name,
    open_table,
    register_kind,
    table_header,
)
from practice_desk.importing.problems import ImportFailed, ImportProblem
from practice_desk.importing.runner import ImportContext, NothingNew, RowProblems
from practice_desk.importing.sources import Source
from practice_desk.telephony import aggregates
from practice_desk.telephony.callers import CallerHasher
from practice_desk.telephony.rules import Rules111, get_rules
from practice_desk.telephony.times import (
    BadValue,
    london,
    parse_duration,
    parse_local,
    to_utc,
    utc_text,
    zone,
)

CALL_LOG = "call_log"
OUTCOMES = ("answered", "ivr_ended", "callback_requested", "missed")
OUTCOME_TARGETS = OUTCOMES + ("callback_made", "ignore")
DIRECTIONS = ("inbound", "outbound", "internal", "ignore")
_ODS = re.compile(r"^[A-Z0-9]{3,10}$")

OUTCOME_WORDS = {
    "answered": "answered", "answer": "answered", "connected": "answered",
    "missed": "missed", "missed from queue": "missed", "missed (from queue)": "missed",
    "no answer": "missed", "unanswered": "missed", "busy": "missed", "failed": "missed",
    "voicemail": "missed", "voice mail": "missed",
    "abandoned": "ivr_ended", "ended in ivr": "ivr_ended", "ivr": "ivr_ended",
    "callback requested": "callback_requested", "call back requested": "callback_requested",
    "callback made": "callback_made", "callback successful": "callback_made",
    "callback unsuccessful": "callback_made",
    "callback cancelled": "callback_requested", "callback patient-cancelled": "callback_requested",
    "patient cancelled": "callback_requested",
}
DIRECTION_WORDS = {
    "inbound": "inbound", "incoming": "inbound", "in": "inbound",
    "outbound": "outbound", "outgoing": "outbound", "out": "outbound",
    "internal": "internal", "extension": "internal",
}
YES_NO_WORDS = {"yes": "yes", "y": "yes", "true": "yes", "1": "yes",
                "no": "no", "n": "no", "false": "no", "0": "no"}


def _check_options(options: dict[str, Any]) -> list[str]:
    messages = []
    practice = (options.get("practice") or "").strip().upper()
    if practice and not _ODS.match(practice):
        messages.append(f"'{options['practice']}' is not a practice ODS code (such as E81050).")
    try:
        zone(options.get("time_zone"))
    except BadValue as exc:
        messages.append(f"Time zone: {exc}.")
    return messages


def _f(name, label, *synonyms, **kw) -> Field:
    return Field(name, label, synonyms=tuple(normalise_name(s) for s in synonyms), **kw)


CALL_LOG_KIND = register_kind(MappingKind(
    CALL_LOG, "call log",
    fields=(
        _f("start_time", "Start time (date and time, or time only with a date column)",
           "start time", "time-start", "start", "call start", "date/time", "call time",
           "datetime", "date time", "time", required=True),
        _f("start_date", "Start date (when date and time are separate columns)",
           "date", "call date", "start date"),
        _f("practice", "Practice ODS code (when one file holds several practices)",
           "ods code", "practice code", "ods", "practice"),
        _f("call_id", "Call ID", "call id", "callid", "uniqueid", "unique id", "call reference"),
        _f("leg_group", "Legs of one call share (chain / linked id)", "linkedid", "linked id",
           "chain id", advanced=True),
        _f("direction", "Direction (inbound / outbound / internal)", "direction", "call direction",
           "type", values=DIRECTIONS, default_words=DIRECTION_WORDS),
        _f("caller", "Caller number", "caller number", "caller", "from-no", "from", "cli",
           "calling number", "source", "src", "from number"),
        _f("destination", "Dialled / destination number", "dialled number", "dialed number",
           "to-no", "destination", "dst", "called number", "to", "to number"),
        _f("route", "Route or queue", "queue", "route", "queue name", "hunt group", "to-dn"),
        _f("ivr_option", "IVR option", "ivr option", "ivr choice", "menu option", "ivr"),
        _f("answered_at", "Answer time", "answer time", "time-answered", "answered at", "answer",
           group="outcome"),
        _f("ended_at", "End time", "end time", "time-end", "ended at", "end"),
        _f("wait_s", "Wait (queue or ring time)", "queue time", "wait time", "wait", "ring time",
           "hold time", "time in queue"),
        _f("talk_s", "Talk time", "talk time", "talk", "talk duration", "billsec",
           "conversation time", group="outcome"),
        _f("duration_s", "Total duration", "duration", "call duration", "total duration"),
        _f("outcome", "Outcome (supplier's word)", "outcome", "result", "call outcome", "status",
           "disposition", "call result", values=OUTCOME_TARGETS, default_words=OUTCOME_WORDS,
           group="outcome"),
        _f("callback_made", "Call-back made (yes/no)", "callback made", "call back made",
           values=("yes", "no"), default_words=YES_NO_WORDS),
        # Used by the 3CX and Asterisk presets.
        _f("from_type", "3CX from-type", "from-type", advanced=True),
        _f("to_type", "3CX to-type", "to-type", advanced=True),
        _f("final_type", "3CX final-type", "final-type", advanced=True),
        _f("final_number", "Transferred to (final number)", "final-number", advanced=True),
        _f("end_reason", "Reason terminated", "reason-terminated", advanced=True),
        _f("context", "Asterisk dcontext", "dcontext", advanced=True),
        _f("dst_channel", "Asterisk dstchannel", "dstchannel", advanced=True),
        _f("last_app", "Asterisk lastapp", "lastapp", advanced=True),
        _f("last_data", "Asterisk lastdata", "lastdata", advanced=True),
    ),
    options=(
        Option("practice", "Practice ODS code (call logs do not name the practice)"),
        Option("day_first", "Dates are day first (06/10/2025 = 6 October)", True),
        Option("date_format", "Exact date format (strptime, optional)"),
        Option("time_zone", "Time zone of the times in the file", "Europe/London"),
        Option("call_legs", "Rows are legs: rows with the same call ID are one call", False),
        Option("profile", "Supplier rules ('3cx', 'asterisk' or none)"),
    ),
    check_options=_check_options,
))


# --- presets ---------------------------------------------------------------------------------

THREECX_COLUMNS = {
    "call_id": "callid", "start_time": "time-start", "answered_at": "time-answered",
    "ended_at": "time-end", "caller": "from-no", "destination": "to-no", "route": "to-dn",
    "duration_s": "duration", "from_type": "from-type", "to_type": "to-type",
    "final_type": "final-type", "final_number": "final-number",
    "end_reason": "reason-terminated",
}
ASTERISK_HEADER = [
    "accountcode", "src", "dst", "dcontext", "clid", "channel", "dstchannel", "lastapp",
    "lastdata", "start", "answer", "end", "duration", "billsec", "disposition", "amaflags",
    "uniqueid", "userfield",
]
ASTERISK_COLUMNS = {
    "caller": "src", "destination": "dst", "context": "dcontext", "dst_channel": "dstchannel",
    "last_app": "lastapp", "last_data": "lastdata", "start_time": "start", "answered_at": "answer",
    "ended_at": "end", "duration_s": "duration", "talk_s": "billsec", "outcome": "disposition",
    "call_id": "uniqueid",
}
XON_COLUMNS = {
    "start_date": "Call Date", "start_time": "Call Time", "call_id": "Call ID",
    "direction": "Direction", "caller": "Caller Number", "destination": "Dialled Number",
    "route": "Queue", "ivr_option": "IVR Option", "outcome": "Outcome", "wait_s": "Queue Time",
    "talk_s": "Talk Time",
}
XON_WORDS = {
    "Answered": "answered",
    "Abandoned": "ivr_ended",              # never reached a queue or a user
    "Missed": "missed", "Missed from queue": "missed", "Missed (from queue)": "missed",
    "Voicemail": "missed",
    "Callback requested": "callback_requested",
    "Callback successful": "callback_made", "Callback unsuccessful": "callback_made",
    "Callback patient-cancelled": "callback_requested", "Callback cancelled": "callback_requested",
}


@dataclass(frozen=True)
class Preset:
    name: str
    mapping: ColumnMapping
    needs: frozenset[str]  # normalised header names that identify it

    def matches(self, header: list[str]) -> bool:
        return self.needs <= {normalise_name(h) for h in header}

    def for_header(self, header: list[str]) -> ColumnMapping:
        """The preset limited to the columns this file has (3CX fields are chosen by admins)."""
        present = {normalise_name(h) for h in header}
        columns = {f: c for f, c in self.mapping.columns.items() if normalise_name(c) in present}
        return self.mapping.copy(columns=columns)


PRESETS: list[Preset] = [
    Preset("3CX CDR", ColumnMapping(
        CALL_LOG, "3CX CDR", dict(THREECX_COLUMNS), {},
        {"profile": "3cx", "call_legs": True, "day_first": False}),
        frozenset({"time-start", "time-answered", "from-no"})),
    Preset("X-on Surgery Connect export", ColumnMapping(
        CALL_LOG, "X-on Surgery Connect export", dict(XON_COLUMNS),
        {"outcome": dict(XON_WORDS), "direction": dict(DIRECTION_WORDS)}, {"day_first": True}),
        frozenset({"call date", "call time", "outcome", "queue time", "talk time"})),
]
ASTERISK_PRESET_NAME = "Asterisk/FreePBX Master.csv (+ queue_log)"


def asterisk_mapping(columns: int) -> ColumnMapping:
    mapped = dict(ASTERISK_COLUMNS)
    if columns < 17:
        del mapped["call_id"]
    return ColumnMapping(
        CALL_LOG, ASTERISK_PRESET_NAME, mapped,
        {"outcome": {"ANSWERED": "answered", "NO ANSWER": "missed", "BUSY": "missed",
                     "FAILED": "missed", "CONGESTION": "missed"}},
        {"profile": "asterisk", "call_legs": columns >= 17},
        has_header=False, header=ASTERISK_HEADER[:columns])


def presets() -> list[ColumnMapping]:
    """The ready-made mappings, for a dialog to start from."""
    return [p.mapping.copy() for p in PRESETS] + [asterisk_mapping(18)]


# --- one row -> one leg ----------------------------------------------------------------------


@dataclass
class Leg:
    line: int
    practice: str
    group: str | None
    start: datetime               # UTC
    answered: datetime | None
    ended: datetime | None
    direction: str
    route: str | None
    wait_s: float | None
    talk_s: float | None
    outcome: str
    supplier_outcome: str | None
    callback_made: bool
    caller_hash: str | None
    is_111: bool
    reached_queue: bool = True    # for merging legs: an IVR-only leg did not


class Skip(Exception):
    """The row is not a call to count (mapped to 'ignore')."""


@dataclass
class UnknownWords:
    words: dict[tuple[str, str], list[int]] = field(default_factory=dict)

    def add(self, field_name: str, word: str, line: int) -> None:
        seen = self.words.setdefault((field_name, word), [line, 0])
        seen[1] += 1

    def problems(self, source: Source) -> list[ImportProblem]:
        out = []
        for (field_name, word), (line, count) in list(self.words.items())[:20]:
            what = "an outcome" if field_name == "outcome" else f"a {field_name.replace('_', ' ')}"
            out.append(source.problem(line, f"the word '{word}' ({count:,} rows) is not mapped to "
                                            f"{what}; map it in the column-mapping step"))
        return out


_IVR_TYPES = {"ivr", "script", "playfile", "ivrmenu", "digital receptionist"}


class RowReader:
    """Reads call legs from rows, with one mapping, for one import."""

    def __init__(self, mapping: ColumnMapping, header: list[str], source: Source,
                 practice: str | None, hasher: CallerHasher, rules: Rules111):
        self.m, self.source = mapping, source
        self.pos = mapping.positions(header)
        self.width = len(header)
        self.practice = (practice or mapping.option("practice") or "").strip().upper() or None
        if self.practice is None and "practice" not in self.pos:
            raise ImportFailed([source.problem(None, (
                "call logs do not say which practice they belong to: choose the practice "
                "(ODS code) in the import (practice-desk import --practice ODS), or map a "
                "practice column"))])
        if self.practice and not _ODS.match(self.practice):
            raise ImportFailed([source.problem(None, f"'{self.practice}' is not a practice "
                                                     "ODS code (such as E81050)")])
        self.tz = zone(mapping.option("time_zone"))
        self.day_first = bool(mapping.option("day_first"))
        self.fmt = mapping.option("date_format")
        self.profile = (mapping.option("profile") or "").lower()
        self.legs = bool(mapping.option("call_legs"))
        self.outcome_words = mapping.word_table("outcome")
        self.direction_words = mapping.word_table("direction")
        self.callback_words = mapping.word_table("callback_made")
        self.hasher, self.rules = hasher, rules
        self.unknown = UnknownWords()
        self._time_cache: dict[str, datetime] = {}
        self.queued_without_log = 0

    def get(self, row: list[str], name: str) -> str:
        i = self.pos.get(name)
        if i is None or i >= len(row):
            return ""
        return row[i].strip().lstrip("'").strip()

    def time(self, text: str, date_text: str | None = None, what: str = "start time") -> datetime:
        key = f"{date_text}\x1f{text}"
        hit = self._time_cache.get(key)
        if hit is None:
            try:
                naive, _ = parse_local(date_text if date_text is not None else text,
                                       self.day_first, self.fmt,
                                       text if date_text is not None else None)
            except BadValue as exc:
                raise BadValue(f"{what}: {exc}") from None
            hit = to_utc(naive, self.tz)
            if len(self._time_cache) < 100_000:
                self._time_cache[key] = hit
        return hit

    def leg(self, line: int, row: list[str]) -> Leg:
        if len(row) < self.width and max(self.pos.values(), default=0) >= len(row):
            raise BadValue(f"has {len(row)} fields where the header has {self.width}")
        g = self.get
        practice = self.practice
        if "practice" in self.pos and g(row, "practice"):
            practice = g(row, "practice").upper()
            if not _ODS.match(practice):
                raise BadValue(f"practice '{practice}' is not an ODS code")
        if not practice:
            raise BadValue("no practice code")
        if "start_date" in self.pos:
            start = self.time(g(row, "start_time"), g(row, "start_date"))
        else:
            start = self.time(g(row, "start_time"))
        answered = self.time(g(row, "answered_at"), what="answer time") \
            if g(row, "answered_at") else None
        ended = self.time(g(row, "ended_at"), what="end time") if g(row, "ended_at") else None
        if "start_date" in self.pos:  # answer/end written as times only, on the start's day
            answered = self._same_day(answered, row, "answered_at", start)
            ended = self._same_day(ended, row, "ended_at", start)
        wait = parse_duration(g(row, "wait_s"), "wait") if "wait_s" in self.pos else None
        talk = parse_duration(g(row, "talk_s"), "talk time") if "talk_s" in self.pos else None
        duration = parse_duration(g(row, "duration_s"), "duration") \
            if "duration_s" in self.pos else None

        direction = "inbound"
        word = g(row, "direction")
        if "direction" in self.pos and word:
            direction = self.direction_words.get(normalise_name(word)) or ""
            if not direction:
                self.unknown.add("direction", word, line)
                raise Skip()
            if direction == "ignore":
                raise Skip()

        supplier = g(row, "outcome") or None
        callback_made = False
        if "outcome" in self.pos:
            target = self.outcome_words.get(normalise_name(supplier or ""))
            if target is None:
                if supplier is None:
                    raise BadValue("the outcome is empty")
                self.unknown.add("outcome", supplier, line)
                raise Skip()
            if target == "ignore":
                raise Skip()
            outcome = "callback_requested" if target == "callback_made" else target
            callback_made = target == "callback_made"
        else:
            outcome = "answered" if answered or (talk or 0) > 0 else "missed"
        made = g(row, "callback_made")
        if made:
            value = self.callback_words.get(normalise_name(made))
            if value is None:
                self.unknown.add("callback_made", made, line)
                raise Skip()
            callback_made = callback_made or value == "yes"

        route = " / ".join(v for v in (g(row, "route"), g(row, "ivr_option")) if v) or None
        leg = Leg(line, practice, None, start, answered, ended, direction, route, wait, talk,
                  outcome, supplier, callback_made, None, False)
        if self.profile == "3cx":
            self._threecx(leg, row)
        elif self.profile == "asterisk":
            self._asterisk(leg, row)
        self._times(leg, duration)
        if leg.wait_s is not None and leg.wait_s < 0:
            raise BadValue("the answer or end time is before the start time")

        if self.legs:
            leg.group = g(row, "leg_group") or g(row, "call_id") or None
        elif "call_id" in self.pos and g(row, "call_id"):
            leg.group = g(row, "call_id")
        leg.caller_hash = self.hasher(g(row, "caller")) if "caller" in self.pos else None
        destinations = [g(row, "destination"), g(row, "final_number")]
        if self.profile == "asterisk" and g(row, "last_data"):
            destinations.append(g(row, "last_data").split(",")[0].rsplit("/", 1)[-1])
        leg.is_111 = self.rules.matches(
            [leg.route, g(row, "ivr_option"), supplier, g(row, "last_data")], destinations)
        return leg

    def _same_day(self, value: datetime | None, row: list[str], name: str,
                  start: datetime) -> datetime | None:
        text = self.get(row, name)
        if value is None or not re.fullmatch(r"\d{1,2}:\d{2}(:\d{2})?", text):
            return value
        local_start = london(start) if self.tz.key == "Europe/London" else start.astimezone(self.tz)
        naive, _ = parse_local(local_start.strftime("%Y-%m-%d"), True, None, text)
        result = to_utc(naive, self.tz)
        if result < start:  # the call crossed midnight
            result = to_utc(naive + timedelta(days=1), self.tz)
        return result

    def _times(self, leg: Leg, duration: float | None) -> None:
        """Wait and talk from whichever of answer/end times, durations the file gives."""
        answered_call = leg.outcome == "answered"
        if leg.wait_s is None:
            if answered_call and leg.answered:
                leg.wait_s = (leg.answered - leg.start).total_seconds()
            elif not answered_call and leg.ended:
                leg.wait_s = (leg.ended - leg.start).total_seconds()
            elif not answered_call and duration is not None and leg.outcome == "missed":
                leg.wait_s = duration
            elif duration is not None and leg.talk_s is not None:
                leg.wait_s = max(duration - leg.talk_s, 0.0)
        if leg.talk_s is None and answered_call:
            if leg.answered and leg.ended:
                leg.talk_s = (leg.ended - leg.answered).total_seconds()
            elif duration is not None and leg.wait_s is not None:
                leg.talk_s = max(duration - leg.wait_s, 0.0)

    def _threecx(self, leg: Leg, row: list[str]) -> None:
        from_type = normalise_name(self.get(row, "from_type"))
        to_type = normalise_name(self.get(row, "to_type"))
        final_type = normalise_name(self.get(row, "final_type"))
        if from_type or to_type:
            if from_type == "line":
                leg.direction = "inbound"
            elif "line" in (to_type, final_type):
                leg.direction = "outbound"
            else:
                leg.direction = "internal"
        reason = self.get(row, "end_reason")
        leg.supplier_outcome = "/".join(v for v in (reason, self.get(row, "final_type")) if v) \
            or None
        if "voicemail" in (to_type, final_type) or "vmail" in (to_type, final_type):
            leg.outcome = "missed"
        elif final_type in _IVR_TYPES or (to_type in _IVR_TYPES and final_type in ("", "line")):
            # The IVR ended the call, or sent it out of the practice (a diversion).
            leg.outcome, leg.reached_queue = "ivr_ended", False
            leg.talk_s = None
        elif leg.answered:
            leg.outcome = "answered"
        else:
            leg.outcome = "missed"

    def _asterisk(self, leg: Leg, row: list[str]) -> None:
        context = self.get(row, "context")
        app = self.get(row, "last_app").lower()
        digits = re.sub(r"\D", "", self.get(row, "destination"))
        if context.lower().startswith("from-internal"):
            leg.direction = "outbound" if len(digits) >= 7 else "internal"
        else:  # from-pstn, from-trunk, ext-did, ivr-*, ext-queues ...: legs of an inbound call
            leg.direction = "inbound"
        answered = normalise_name(leg.supplier_outcome or "") == "answered"
        if app == "voicemail":
            leg.outcome, leg.talk_s = "missed", None
            leg.wait_s = None
        elif app == "queue":
            leg.route = self.get(row, "last_data").split(",")[0] or leg.route
            if answered and self.get(row, "dst_channel"):
                leg.outcome = "answered"
            else:
                leg.outcome = "missed"
            # The Queue application answers the line itself: the real wait and talk come from
            # queue_log; without it the wait of a queued call is unknown.
            leg.wait_s, leg.talk_s, leg.answered = None, None, None
            self.queued_without_log += 1
        elif app in ("dial", ""):
            leg.outcome = "answered" if answered and leg.answered else "missed"
        else:  # Playback, BackGround, Hangup, WaitExten ...: ended at the IVR stage
            leg.outcome, leg.reached_queue, leg.talk_s = "ivr_ended", False, None
            leg.route = leg.route or context or None
        if leg.route is None:
            leg.route = context or None


# --- legs -> calls ---------------------------------------------------------------------------

_PRIORITY = {"answered": 0, "callback_requested": 1, "missed": 2, "ivr_ended": 3}


def merge(legs: list[Leg]) -> Leg:
    """Several legs of one call -> the call (rules in the module docstring)."""
    if len(legs) == 1:
        return legs[0]
    legs = sorted(legs, key=lambda leg: (leg.start, leg.line))
    first = legs[0]
    best = min(legs, key=lambda leg: (_PRIORITY[leg.outcome], leg.start))
    call = Leg(**{**first.__dict__})
    call.outcome, call.supplier_outcome = best.outcome, best.supplier_outcome
    call.callback_made = any(leg.callback_made for leg in legs)
    call.is_111 = any(leg.is_111 for leg in legs)
    call.route = next((leg.route for leg in legs if leg.route and leg.reached_queue),
                      first.route)
    call.caller_hash = next((leg.caller_hash for leg in legs if leg.caller_hash), None)
    if best.outcome == "answered":
        if best.answered:
            call.wait_s = (best.answered - first.start).total_seconds()
        elif best.wait_s is not None:
            call.wait_s = (best.start - first.start).total_seconds() + best.wait_s
        else:
            call.wait_s = None
        talks = [leg.talk_s for leg in legs if leg.outcome == "answered" and leg.talk_s is not None]
        call.talk_s = sum(talks) if talks else None
    else:
        ends = [leg.ended for leg in legs if leg.ended]
        call.wait_s = (max(ends) - first.start).total_seconds() if ends else \
            (sum(leg.wait_s for leg in legs if leg.wait_s is not None) or None)
        call.talk_s = None
    return call


def settle(call: Leg) -> Leg:
    """The 111 rule: a 111 call nobody answered ended on the 111 message or diversion."""
    if call.is_111 and call.direction == "inbound" and call.outcome == "missed":
        call.outcome = "ivr_ended"
    return call


def call_key(practice: str, call_id: str | None, call: Leg) -> str:
    if call_id:
        text = f"id\x1f{practice}\x1f{call_id}"
    else:
        text = (f"row\x1f{practice}\x1f{utc_text(call.start)}\x1f{call.caller_hash or ''}"
                f"\x1f{call.direction}\x1f{call.route or ''}")
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


INSERT = (
    "INSERT OR IGNORE INTO calls (import_id, ods_code, call_key, started_at, local_day, "
    "local_time, weekday, direction, route, wait_s, talk_s, outcome, supplier_outcome, "
    "callback_made, is_111, caller_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
BATCH = 5_000
QUEUE_NOTE = ("queue waits, talk times and abandonment of queued calls come from the Asterisk "
              "queue_log: import it too (in the same zip, or on its own afterwards)")


class CallWriter:
    def __init__(self, ctx: ImportContext):
        self.ctx = ctx
        self.batch: list[tuple] = []
        self.days: set[tuple[str, str]] = set()
        self.written = 0
        self.offered = 0

    def add(self, call: Leg) -> None:
        call = settle(call)
        local = london(call.start)
        day = local.strftime("%Y-%m-%d")
        self.days.add((call.practice, day))
        self.ctx.periods.add(day[:7])
        self.batch.append((
            self.ctx.import_id, call.practice, call_key(call.practice, call.group, call),
            utc_text(call.start), day, local.strftime("%H:%M:%S"), local.weekday(),
            call.direction, call.route, _round(call.wait_s), _round(call.talk_s),
            call.outcome, call.supplier_outcome, int(call.callback_made), int(call.is_111),
            call.caller_hash,
        ))
        self.offered += 1
        if len(self.batch) >= BATCH:
            self.flush()

    def flush(self) -> None:
        if self.batch:
            before = self.ctx.conn.total_changes
            self.ctx.conn.executemany(INSERT, self.batch)
            self.written += self.ctx.conn.total_changes - before
            self.batch.clear()


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def load_call_log(ctx: ImportContext, source: Source, mapping: ColumnMapping) -> None:
    table = open_table(source, mapping.has_header, mapping.header)
    note_encoding(ctx, table)  # type: ignore[arg-type]
    options = getattr(ctx, "options", None)
    practice = getattr(options, "practice", None)
    try:
        reader = RowReader(mapping, table.header, source, practice, CallerHasher(ctx.conn),
                           get_rules(ctx.conn))
    except ValueError as exc:  # MappingError
        table.rows.close()  # type: ignore[attr-defined]
        raise ImportFailed([source.problem(1, line) for line in str(exc).splitlines()]) from None
    problems = RowProblems()
    writer = CallWriter(ctx)
    groups: dict[tuple[str, str], list[Leg]] = defaultdict(list)
    skipped = 0
    position = _Position(source, table)
    for line, row in table.rows:
        ctx.rows_read += 1
        ctx.tick(position, ctx.rows_read)  # type: ignore[arg-type]
        try:
            leg = reader.leg(line, row)
        except Skip:
            skipped += 1
            continue
        except BadValue as exc:
            problems.add(source.problem(line, str(exc)))
            continue
        if problems.items or reader.unknown.words:
            continue
        if reader.legs and leg.group:
            groups[(leg.practice, leg.group)].append(leg)
        else:
            writer.add(leg)
    unknown = reader.unknown.problems(source)
    problems.items.extend(unknown)
    problems.raise_if_any()
    for legs in groups.values():
        writer.add(merge(legs))
    writer.flush()
    _report(ctx, source, mapping, reader, writer, skipped)
    aggregates.rebuild_days(ctx.conn, writer.days)
    # A practice first seen in its own call log still needs a row to be chosen in the app.
    ctx.conn.executemany("INSERT OR IGNORE INTO practices (ods_code) VALUES (?)",
                         {(practice,) for practice, _ in writer.days})


def _report(ctx: ImportContext, source: Source, mapping: ColumnMapping, reader: RowReader,
            writer: CallWriter, skipped: int) -> None:
    if writer.offered == 0:
        raise ImportFailed([source.problem(None, "the file has no calls in it")])
    present = writer.offered - writer.written
    ctx.rows_stored += writer.written
    ctx.warn(f"{source.name}: read as {mapping.name or 'a mapped call log'}")
    if present:
        ctx.warn(f"{present:,} of the {writer.offered:,} calls were already in the database "
                 "(an overlapping export) and were not counted again")
    if writer.written == 0:
        raise NothingNew(f"All {writer.offered:,} calls in {source.name} are already in the "
                         "database; nothing was added.")
    if reader.hasher.unusable:
        ctx.warn(f"{reader.hasher.unusable:,} caller numbers were unusable (turned into numbers "
                 "like 7.7E+10 by Excel, or not numbers); those calls were kept without a caller")
    if skipped:
        ctx.warn(f"{skipped:,} rows mapped to 'ignore' were left out")
    if reader.queued_without_log:
        ctx.warn(QUEUE_NOTE)


class _Position:
    """Adapter so ImportContext.tick can report progress for a Table."""

    def __init__(self, source: Source, table: Table):
        self.source, self.position = source, table.position


# --- recognising call logs -------------------------------------------------------------------


def call_log_importer(mapping: ColumnMapping, description: str | None = None) -> Importer:
    return Importer(CALL_LOG, description or mapping.name or "call log (mapped columns)",
                    lambda h: False, lambda ctx, source: load_call_log(ctx, source, mapping),
                    order=10)


def asterisk_columns(source: Source) -> int | None:
    """Columns of an Asterisk Master.csv (no header, 16 or 18 quoted fields), else None."""
    try:
        table = open_table(source, has_header=False)
        first = next(table.rows, None)
        table.rows.close()  # type: ignore[attr-defined]
    except (ImportFailed, UnicodeDecodeError, OSError):
        return None
    if first is None:
        return None
    _, row = first
    if len(row) not in (16, 17, 18):
        return None
    if not re.match(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$", row[9].strip()):
        return None
    if row[14].strip().upper() not in ("ANSWERED", "NO ANSWER", "BUSY", "FAILED", "CONGESTION"):
        return None
    return len(row)


def recognise(source: Source, conn: sqlite3.Connection | None, options: Any) -> Importer | None:
    explicit = getattr(options, "mapping", None)
    if explicit is not None:
        return call_log_importer(explicit) if explicit.kind == CALL_LOG else None
    columns = asterisk_columns(source)
    if columns:
        return call_log_importer(asterisk_mapping(columns))
    header = table_header(source)
    if not header:
        return None
    if conn is not None:
        saved = find_saved(conn, CALL_LOG, header)
        if saved is not None:
            return call_log_importer(saved)
    for preset in PRESETS:
        if preset.matches(header):
            return call_log_importer(preset.for_header(header), preset.name)
    return None


register(Importer(CALL_LOG, "call logs (3CX CDR, Asterisk/FreePBX Master.csv with queue_log, "
                            "X-on Surgery Connect export, or any layout through a column mapping)",
                  lambda h: False, lambda ctx, source: None, order=10))
register_recogniser(recognise)

# Importing registers the related importers.
from practice_desk.telephony import asterisk_queue, counts111  # noqa: E402, F401

coverage.register_undo_hook(aggregates.remove_calls)
