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
from dataclasses import dataclass
from typing import Any

from practice_desk.importing.mapping import (
    ColumnMapping,
    Field,
    MappingKind,
    Option,
    normalise_name,
    open_table,
)
from practice_desk.importing.problems import ImportFailed
from practice_desk.importing.sources import Source
from practice_desk.telephony.times import BadValue, zone

CALL_LOG = "call_log"
ODS = re.compile(r"^[A-Z0-9]{3,10}$")
OUTCOMES = ("answered", "ivr_ended", "callback_requested", "missed")
OUTCOME_TARGETS = OUTCOMES + ("callback_made", "ignore")
DIRECTIONS = ("inbound", "outbound", "internal", "ignore")

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
    if practice and not ODS.match(practice):
        messages.append(f"'{options['practice']}' is not a practice ODS code (such as E81050).")
    try:
        zone(options.get("time_zone"))
    except BadValue as exc:
        messages.append(f"Time zone: {exc}.")
    return messages


def _f(name, label, *synonyms, **kw) -> Field:
    return Field(name, label, synonyms=tuple(normalise_name(s) for s in synonyms), **kw)


CALL_LOG_KIND = MappingKind(
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
)


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


# --- loading (numpy and pandas are imported only when a call log is) -----------------------------
QUEUE_NOTE = ("queue waits, talk times and abandonment of queued calls come from the Asterisk "
              "queue_log: import it too (in the same zip, or on its own afterwards)")


KEY_DIGITS = 16  # a key need only tell apart one practice's calls on one day


def id_key(practice: str, call_id: str) -> str:
    """The key of a call the supplier gave an ID (the same in every export of it)."""
    return hashlib.sha256(f"id\x1f{practice}\x1f{call_id}".encode()).hexdigest()[:KEY_DIGITS]


def row_key(practice: str, started_at: str, caller_hash: str | None, direction: str,
            route: str | None) -> str:
    """The key of a call without an ID: when, from whom (the whole caller hash), which way and
    where."""
    text = f"row\x1f{practice}\x1f{started_at}\x1f{caller_hash or ''}\x1f{direction}\x1f" \
           f"{route or ''}"
    return hashlib.sha256(text.encode()).hexdigest()[:KEY_DIGITS]


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
