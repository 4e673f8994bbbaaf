"""Call-level logs -> one row per call in `calls`, in the NHS CBT outcome model (telephony.md).

Every layout goes through a `ColumnMapping` of kind 'call_log': the presets below (3CX CDR,
Asterisk/FreePBX Master.csv, X-on Surgery Connect export), a mapping the user saved for the file's
header signature, or one chosen explicitly (`ImportOptions(mapping=...)`).

Outcome rules (inbound calls; documented in the README of the telephony page):
- the supplier's outcome word is translated by the mapping's word list; a word that is not in the
  list stops the import and is named, so the user can map it (nothing is guessed);
- voicemail is *missed* (NHS counts it as abandonment); 'callback_made' words are call-back
  requested with the call-back made flag set; X-on 'Abandoned' (never reached a queue) is
  *ended in IVR* in the X-on preset only, X-on 'Missed' is *missed*; for any other supplier
  'abandoned' (hung up while waiting) is *missed*; a word the user mapped wins over these;
- a call whose route, IVR option, outcome word or destination matches the 111 rules is flagged
  is_111; if it was not answered (and no call-back was taken) it ended on the 111 message or
  diversion and is *ended in IVR*; a call answered by staff and then transferred to 111 stays
  *answered* (with is_111 = 1);
- several rows of one call are one call: rows sharing the system's call identifier (Asterisk
  `linkedid`, else `uniqueid`, with a `Local/` channel row of a file without `linkedid` folded
  into the caller's call it lies within; 3CX `historyid` or `callid`; the call-id column chosen
  in the mapping step). The call is answered if any leg was answered by a person, else
  call-back requested, else missed if any leg reached a queue or a phone, else ended in IVR;
  start = first leg, wait = until the first answer (or until the last leg ended), talk = the
  answered legs' talk, overlapping legs of one conversation counted once;
- inbound means the caller is outside the practice: 3CX `from-type` External or Line; Asterisk
  a call whose first leg did not start at an extension (context `from-internal`, an extension's
  channel such as `SIP/201-...`, or a caller of 6 digits or fewer); outbound and internal calls
  are stored (direction) but never counted as inbound;
- withheld/anonymous numbers hash to NULL; numbers Excel turned into 7.7E+10 are not hashed and
  the import says how many there were.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from practice_desk.importing.mapping import (
    ColumnMapping,
    Field,
    MappingKind,
    Option,
    normalise_name,
    open_table,
    table_header,
)
from practice_desk.importing.problems import ImportFailed
from practice_desk.importing.sources import Source
from practice_desk.telephony.model import OUTCOMES
from practice_desk.telephony.times import BadValue, zone

CALL_LOG = "call_log"
ODS = re.compile(r"^[A-Z0-9]{3,10}$")
OUTCOME_TARGETS = OUTCOMES + ("callback_made", "ignore")
DIRECTIONS = ("inbound", "outbound", "internal", "ignore")

OUTCOME_WORDS = {
    "answered": "answered", "answer": "answered", "connected": "answered",
    "missed": "missed", "missed from queue": "missed", "missed (from queue)": "missed",
    "no answer": "missed", "unanswered": "missed", "busy": "missed", "failed": "missed",
    "voicemail": "missed", "voice mail": "missed",
    # For a supplier Practice Desk does not know, 'abandoned' is a caller who hung up while
    # waiting: NHS's missed. X-on's own meaning (never reached a queue) is in its preset only.
    "abandoned": "missed", "ended in ivr": "ivr_ended", "ivr": "ivr_ended",
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
        _f("channel", "Asterisk channel", "channel", advanced=True),
        _f("dst_channel", "Asterisk dstchannel", "dstchannel", advanced=True),
        _f("last_app", "Asterisk lastapp", "lastapp", advanced=True),
        _f("last_data", "Asterisk lastdata", "lastdata", advanced=True),
    ),
    options=(
        Option("practice", "Practice ODS code (call logs do not name the practice)"),
        Option("day_first", "Dates are day first (06/10/2025 = 6 October); empty: decided from "
                            "the file's dates (UK order when nothing settles it)", None),
        Option("date_format", "Exact date format (strptime, optional)"),
        Option("time_zone", "Time zone of the times in the file", "Europe/London"),
        Option("call_legs", "Rows are legs: rows with the same call ID are one call", False),
        Option("profile", "Supplier rules ('3cx', 'asterisk' or none)"),
    ),
    check_options=_check_options,
)


# --- presets ---------------------------------------------------------------------------------

# 3CX's CDR file output, in its default field order (telephony.md); the file has no header row.
THREECX_FIELDS = [
    "historyid", "callid", "duration", "time-start", "time-answered", "time-end",
    "reason-terminated", "from-no", "to-no", "from-dn", "to-dn", "dial-no", "reason-changed",
    "final-number", "final-dn", "bill-code", "bill-rate", "bill-cost", "bill-name", "chain",
    "from-type", "to-type", "final-type", "from-dispname", "to-dispname", "final-dispname",
    "missed-queue-calls",
]
THREECX_COLUMNS = {
    "call_id": "callid", "leg_group": "historyid", "start_time": "time-start",
    "answered_at": "time-answered", "ended_at": "time-end", "caller": "from-no",
    "destination": "to-no", "route": "to-dn", "duration_s": "duration", "from_type": "from-type",
    "to_type": "to-type", "final_type": "final-type", "final_number": "final-number",
    "end_reason": "reason-terminated",
}
# Asterisk's Master.csv (cdr_csv): 16 standard fields, then uniqueid, userfield and, with
# newcdrcolumns, peeraccount, linkedid, sequence: 16, 17, 18 or 21 fields, no header row.
ASTERISK_HEADER = [
    "accountcode", "src", "dst", "dcontext", "clid", "channel", "dstchannel", "lastapp",
    "lastdata", "start", "answer", "end", "duration", "billsec", "disposition", "amaflags",
    "uniqueid", "userfield", "peeraccount", "linkedid", "sequence",
]
ASTERISK_WIDTHS = (16, 17, 18, 21)
ASTERISK_COLUMNS = {
    "caller": "src", "destination": "dst", "context": "dcontext", "channel": "channel",
    "dst_channel": "dstchannel", "last_app": "lastapp", "last_data": "lastdata",
    "start_time": "start", "answered_at": "answer", "ended_at": "end", "duration_s": "duration",
    "talk_s": "billsec", "outcome": "disposition", "call_id": "uniqueid", "leg_group": "linkedid",
}
# The same CDR with a header: FreePBX's CDR Reports download, a `cdr` table exported from MySQL
# (Bicom PBXware), or the 6-column summary; `calldate` is the start, there is no answer time.
CDR_TABLE_COLUMNS = {**{f: c for f, c in ASTERISK_COLUMNS.items()
                        if c not in ("start", "answer", "end")}, "start_time": "calldate"}
ASTERISK_WORDS = {"ANSWERED": "answered", "NO ANSWER": "missed", "BUSY": "missed",
                  "FAILED": "missed", "CONGESTION": "missed"}
XON_COLUMNS = {
    "start_date": "Call Date", "start_time": "Call Time", "call_id": "Call ID",
    "direction": "Direction", "caller": "Caller Number", "destination": "Dialled Number",
    "route": "Queue", "ivr_option": "IVR Option", "outcome": "Outcome", "wait_s": "Queue Time",
    "talk_s": "Talk Time",
}
XON_WORDS = {
    "Answered": "answered",
    "Abandoned": "ivr_ended",              # X-on's word: never reached a queue or a user
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
    key: str = ""          # the short name for `practice-desk import --mapping KEY`

    def matches(self, header: list[str]) -> bool:
        return self.needs <= {normalise_name(h) for h in header}

    def for_header(self, header: list[str]) -> ColumnMapping:
        """The preset limited to the columns this file has (3CX fields are chosen by admins),
        with each column named as this file writes it."""
        present = {normalise_name(h): h.strip() for h in header}
        columns = {f: present[normalise_name(c)] for f, c in self.mapping.columns.items()
                   if normalise_name(c) in present}
        options = dict(self.mapping.options)
        if self.mapping.options.get("profile") == "asterisk":
            options["call_legs"] = "call_id" in columns or "leg_group" in columns
        return self.mapping.copy(columns=columns, options=options)


def _needs(*names: str) -> frozenset[str]:
    return frozenset(normalise_name(n) for n in names)


PRESETS: list[Preset] = [
    Preset("3CX CDR", ColumnMapping(
        CALL_LOG, "3CX CDR", dict(THREECX_COLUMNS), {}, {"profile": "3cx", "call_legs": True}),
        _needs("time-start", "from-no", "to-no"), "3cx"),
    Preset("X-on Surgery Connect export", ColumnMapping(
        CALL_LOG, "X-on Surgery Connect export", dict(XON_COLUMNS),
        {"outcome": dict(XON_WORDS), "direction": dict(DIRECTION_WORDS)}, {}),
        _needs("call date", "call time", "outcome", "queue time", "talk time"), "x-on"),
    Preset("Asterisk CDR with a header (FreePBX CDR Reports, cdr table export, summary)",
           ColumnMapping(CALL_LOG, "Asterisk CDR with a header", dict(CDR_TABLE_COLUMNS),
                         {"outcome": dict(ASTERISK_WORDS)},
                         {"profile": "asterisk", "call_legs": True}),
           _needs("calldate", "src", "dst", "billsec", "disposition"), "asterisk-cdr"),
    # The same table with Asterisk's own start, answer and end columns (cdr_adaptive_odbc).
    Preset("Asterisk CDR with a header and answer times",
           ColumnMapping(CALL_LOG, "Asterisk CDR with a header and answer times",
                         dict(ASTERISK_COLUMNS), {"outcome": dict(ASTERISK_WORDS)},
                         {"profile": "asterisk", "call_legs": True}),
           _needs("start", "answer", "src", "dst", "billsec", "disposition"),
           "asterisk-cdr-times"),
]
ASTERISK_PRESET_NAME = "Asterisk/FreePBX Master.csv (+ queue_log)"
THREECX_FILE_NAME = "3CX CDR file output (no header)"


def asterisk_mapping(columns: int) -> ColumnMapping:
    header = ASTERISK_HEADER[:columns]
    mapped = {f: c for f, c in ASTERISK_COLUMNS.items() if c in header}
    return ColumnMapping(
        CALL_LOG, ASTERISK_PRESET_NAME, mapped, {"outcome": dict(ASTERISK_WORDS)},
        {"profile": "asterisk", "call_legs": columns >= 17},
        has_header=False, header=header)


def threecx_mapping(columns: int) -> ColumnMapping:
    """3CX file output of `columns` fields in the default order (more are named Column N)."""
    header = THREECX_FIELDS[:columns] + [f"Column {i + 1}" for i in range(27, columns)]
    mapped = {f: c for f, c in THREECX_COLUMNS.items() if c in header}
    return ColumnMapping(CALL_LOG, THREECX_FILE_NAME, mapped, {},
                         {"profile": "3cx", "call_legs": True}, has_header=False, header=header)


def presets() -> list[ColumnMapping]:
    """The ready-made mappings, for a dialog to start from."""
    return [p.mapping.copy() for p in PRESETS] + [threecx_mapping(27), asterisk_mapping(21)]


def named_presets() -> dict[str, ColumnMapping]:
    """Presets by the short names `practice-desk import --mapping` takes (and their full
    names)."""
    by_key = {p.key: p.mapping.copy() for p in PRESETS}
    return {"3cx": by_key["3cx"], "3cx-file": threecx_mapping(27),
            "asterisk": asterisk_mapping(21), "asterisk-cdr": by_key["asterisk-cdr"],
            "x-on": by_key["x-on"]}


def find_preset(name: str) -> ColumnMapping | None:
    wanted = normalise_name(name)
    for key, mapping in named_presets().items():
        if wanted in (normalise_name(key), normalise_name(mapping.name)):
            return mapping
    return None


# --- loading (numpy and pandas are imported only when a call log is) -----------------------------
QUEUE_NOTE = ("queue waits, talk times and abandonment of queued calls come from the Asterisk "
              "queue_log: import it too (in the same zip, or on its own afterwards)")


def id_key(practice: str, call_id: str) -> int:
    """The key of a call the supplier gave an ID (the same in every export of it)."""
    return int.from_bytes(id_digests([practice], [call_id])[:8], "big", signed=True)


def id_digests(practices: list[str], call_ids: list[str]) -> bytes:
    """The SHA-256 of many calls' IDs at once, 32 bytes each, of which id_key is the first 8
    (for numpy to read in one go). Each practice's part is hashed once."""
    prefixes = {p: hashlib.sha256(f"id\x1f{p}\x1f".encode()).copy for p in set(practices)}
    if len(prefixes) == 1:  # a file of one practice's calls: one prefix, no look-up a call
        return _digests(itertools.repeat(next(iter(prefixes.values()))), call_ids)
    return _digests(map(prefixes.__getitem__, practices), call_ids)


def _digests(prefixes: Iterable[Callable], call_ids: list[str]) -> bytes:
    digests = []
    for copy, call_id in zip(prefixes, call_ids, strict=False):  # prefixes may repeat
        digest = copy()
        digest.update(call_id.encode())
        digests.append(digest.digest())
    return b"".join(digests)


def row_key(practice: str, started_at: str, caller_hash: str | None, direction: str,
            route: str | None) -> int:
    """The key of a call without an ID: when, from whom (the whole caller hash), which way and
    where."""
    text = f"row\x1f{practice}\x1f{started_at}\x1f{caller_hash or ''}\x1f{direction}\x1f" \
           f"{route or ''}"
    return _key(text)


def _key(text: str) -> int:
    """64 bits of the text's SHA-256, as `calls` stores keys (schema 5 kept the same bits as 16
    hex digits): a key need only tell apart one practice's calls on one day."""
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big", signed=True)


# --- recognising call logs by shape ----------------------------------------------------------


_ASTERISK_TIME = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
_THREECX_TIME = re.compile(r"^\d{4}[/-]\d{2}[/-]\d{2} \d{2}:\d{2}(:\d{2})?$")
SAMPLE_ROWS = 200


def sample_rows(source: Source, rows: int = SAMPLE_ROWS) -> list[list[str]]:
    """The first rows of a CSV read without a header ([] when it cannot be read as one)."""
    try:
        table = open_table(source, has_header=False)
        sample = [row for _, row in itertools.islice(table.rows, rows)]
        table.rows.close()  # type: ignore[attr-defined]
    except (ImportFailed, UnicodeDecodeError, OSError, ValueError):
        return []
    return sample


def _is_asterisk(row: list[str]) -> bool:
    return len(row) >= 16 and bool(_ASTERISK_TIME.match(row[9].strip())) and \
        row[14].strip().upper() in ASTERISK_WORDS


def _is_threecx(row: list[str]) -> bool:
    """`Call 9744`, a call id, a duration, then the start time; the reason terminated a word."""
    return len(row) >= 7 and bool(re.match(r"^Call \d+$", row[0].strip().lstrip("\ufeff"))) \
        and bool(_THREECX_TIME.match(row[3].strip())) \
        and bool(re.match(r"^[A-Za-z_]*$", row[6].strip()))


def headerless_mapping(source: Source) -> ColumnMapping | None:
    """The preset for a headerless file recognised by the shape of its rows: 3CX file output
    (rows of varying length, `Call NNNN` first, yyyy/mm/dd times) or Asterisk's Master.csv
    (16, 17, 18 or 21 quoted fields, the 10th a date, the 15th a disposition)."""
    rows = sample_rows(source)
    if not rows:
        return None
    widest = max(len(row) for row in rows)
    if _is_threecx(rows[0]) and widest <= 60:
        return threecx_mapping(widest)
    if _is_asterisk(rows[0]) and widest in ASTERISK_WIDTHS:
        return asterisk_mapping(widest)
    return None


def header_preset(header: list[str]) -> ColumnMapping | None:
    """The preset whose columns this header has, limited to them."""
    for preset in PRESETS:
        if preset.matches(header):
            mapping = preset.for_header(header)
            if preset.key.startswith("asterisk-cdr"):
                mapping.name = _cdr_name(header)
            return mapping
    return None


def _cdr_name(header: list[str]) -> str:
    names = {normalise_name(h) for h in header}
    if "linkedid" in names:
        return "Asterisk CDR table export (MySQL cdr, PBXware)"
    if "uniqueid" in names:
        return "FreePBX CDR Reports"
    return "Asterisk CDR summary (no answer times)"


_DATA = re.compile(r"^\s*(\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}"
                   r"|\d{1,2}:\d{2}|\+?\d[\d ]{6,}\s*$)")
_NUMBER = re.compile(r"^\s*\d+(\.\d+)?\s*$")
_DATE = re.compile(r"^\s*(\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}"
                   r"|1\d{9})\b")


def looks_like_data(row: list[str]) -> bool:
    """A first row that is a record, not a header: it holds a date, a time or a phone
    number, or is mostly numbers (a header such as '111 calls' is still a header)."""
    cells = [cell for cell in row if cell.strip()]
    numbers = sum(bool(_NUMBER.match(cell)) for cell in cells)
    return any(_DATA.match(cell) for cell in cells) or numbers * 2 > len(cells)


def headerless_names(source: Source) -> list[str]:
    """Column 1 ... Column N for a file without a header row (N: the widest of its first
    rows): the names a mapping of it is saved and found under."""
    widest = max((len(row) for row in sample_rows(source)), default=0)
    return [f"Column {i + 1}" for i in range(widest)]


def shape_header(source: Source) -> list[str]:
    """The header a mapping of this file is saved and found under: its first row, or Column 1
    ... N when that row is a record, not names."""
    header = table_header(source)
    return headerless_names(source) if header and looks_like_data(header) else header


def describe_unknown(source: Source, header: list[str]) -> str | None:
    """What a file no importer took looks like, when it has no header row: its shape, what it
    may be and what to do, naming no value in it (a caller's number could be one). None for a
    file with a header (its column names are shown instead)."""
    if not looks_like_data(header):
        return None
    rows = sample_rows(source) or [header]
    widths = sorted({len(row) for row in rows})
    fields = f"{widths[0]}" if len(widths) == 1 else f"{widths[0]} to {widths[-1]}"
    dates = [i for i, cell in enumerate(rows[0]) if _DATE.match(cell)]
    shape = f"a CSV without a header row, of {fields} fields"
    if dates:
        shape += f", whose {_ordinal(dates[0] + 1)} field is a date"
    if dates and dates[0] == 9 and 15 <= widths[-1] <= 24:
        guess = ("this looks like an Asterisk Master.csv variant Practice Desk does not know "
                 f"(it knows {', '.join(map(str, ASTERISK_WIDTHS))} fields)")
    elif rows[0] and re.match(r"^Call \d+$", rows[0][0].strip().lstrip("\ufeff")):
        guess = "this looks like 3CX CDR file output with its fields in another order"
    else:
        guess = "this may be a call log in a layout Practice Desk does not know"
    return (f"this is {shape}: {guess}. Import it through the column-mapping step (in the "
            "app, Imports: its columns show as Column 1, 2, ... with numbers masked), or name "
            "a preset or saved mapping: practice-desk import FILE --mapping NAME "
            "(practice-desk import --help lists them).")


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def fit_to_file(mapping: ColumnMapping, source: Source, header: list[str]) -> ColumnMapping:
    """A preset named explicitly (`--mapping 3cx`), fitted to this file as if it had been
    recognised: the same supplier's headerless layout when the rows have its shape, else the
    columns this header has. A saved or changed mapping is used as it is."""
    preset = next((p for p in named_presets().values() if p.name == mapping.name), None)
    if preset is None or mapping.to_json() != preset.to_json():
        return mapping
    shaped = headerless_mapping(source)
    if shaped is not None and shaped.option("profile") == mapping.option("profile"):
        return shaped
    if not mapping.has_header or not mapping.option("profile"):
        return mapping  # X-on's columns are fixed: a missing one is the file's problem
    found = next(p for p in PRESETS if p.mapping.name == mapping.name)
    return found.for_header(header)  # 3CX and Asterisk fields are chosen by administrators
