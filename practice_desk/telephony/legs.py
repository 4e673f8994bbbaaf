"""Rows of a call log -> call legs -> calls, a block of rows at a time (the rules are in
calllogs.py's docstring).

Logs run to millions of rows, so nothing here works row by row in Python where it can be helped:
every text is cleaned, parsed or looked up once per distinct value (a log has a few thousand dates,
durations and words however long it is), and the rules are numpy operations on whole columns.
Only the legs of one call (3CX, Asterisk) are merged group by group.
"""

from __future__ import annotations

import dataclasses
import operator
import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from datetime import time as time_of_day

import numpy as np
import pandas as pd

from practice_desk.importing.mapping import ColumnMapping, normalise_name
from practice_desk.importing.problems import ImportProblem
from practice_desk.importing.sources import Source
from practice_desk.telephony.callers import CallerHasher
from practice_desk.telephony.calllogs import ODS
from practice_desk.telephony.rules import Rules111
from practice_desk.telephony.times import (
    LONDON,
    BadValue,
    parse_duration,
    parse_local,
    parse_time_of_day,
    to_utc,
    zone,
)

NAN = float("nan")
_IVR_TYPES = ["ivr", "script", "playfile", "ivrmenu", "digital receptionist"]
_TIME_ONLY = re.compile(r"^\d{1,2}:\d{2}(:\d{2})?$")
PRIORITY = {"answered": 0, "callback_requested": 1, "missed": 2, "ivr_ended": 3}


@dataclasses.dataclass
class Legs:
    """Call legs (or whole calls) as columns; times are UTC epoch seconds, NaN when unknown."""

    line: np.ndarray
    practice: np.ndarray
    group: np.ndarray            # call ID or leg group, None when the row is a call on its own
    start: np.ndarray
    answered: np.ndarray
    ended: np.ndarray
    direction: np.ndarray        # 'inbound', 'outbound', 'internal'
    route: np.ndarray
    wait: np.ndarray
    talk: np.ndarray
    outcome: np.ndarray
    supplier: np.ndarray         # the supplier's own outcome word
    callback_made: np.ndarray
    caller_hash: np.ndarray
    is_111: np.ndarray
    reached_queue: np.ndarray    # for merging legs: a leg that ended in the IVR did not

    def __len__(self) -> int:
        return len(self.line)

    def select(self, keep: np.ndarray) -> Legs:
        return Legs(**{f.name: getattr(self, f.name)[keep] for f in dataclasses.fields(self)})

    @staticmethod
    def join(parts: Sequence[Legs]) -> Legs:
        return Legs(**{f.name: np.concatenate([getattr(p, f.name) for p in parts])
                       for f in dataclasses.fields(Legs)})


@dataclasses.dataclass
class UnknownWords:
    """Supplier words the mapping does not translate: (field, word) -> [first line, rows]."""

    words: dict[tuple[str, str], list[int]] = dataclasses.field(default_factory=dict)

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


def by_distinct(texts: list[str], convert: Callable[[str], float]) -> np.ndarray:
    """convert(text) as floats for every text, computed once per distinct text."""
    codes, distinct = pd.factorize(np.asarray(texts, dtype=object))
    return np.array([convert(text) for text in distinct], dtype=float)[codes]


def objects(values) -> np.ndarray:
    array = np.empty(len(values), dtype=object)
    array[:] = values
    return array


def clean(text: str) -> str:
    """A field as Excel and suppliers write it: spaces and Excel's leading apostrophe removed."""
    return text.strip().lstrip("'").strip()


class LegReader:
    """Turns blocks of rows into Legs with one mapping, for one import. Problems are collected
    as (line, message); rows with a problem, or mapped to 'ignore', or with a word the mapping
    does not know, are left out of the Legs."""

    def __init__(self, mapping: ColumnMapping, header: list[str], practice: str | None,
                 hasher: CallerHasher, rules: Rules111):
        self.pos = mapping.positions(header)
        self.practice = practice
        self.tz = zone(mapping.option("time_zone"))
        self.day_first = bool(mapping.option("day_first"))
        self.fmt = mapping.option("date_format")
        self.profile = (mapping.option("profile") or "").lower()
        self.legs = bool(mapping.option("call_legs"))
        self.words = {name: mapping.word_table(name)
                      for name in ("outcome", "direction", "callback_made")}
        self.hasher, self.rules = hasher, rules
        self.unknown = UnknownWords()
        self.problems: dict[int, str] = {}   # row number in the file -> its first problem
        self.skipped = 0
        self.queued_without_log = 0
        self._offsets: dict[int, float] = {}  # local hour -> UTC offset in seconds (NaN: changes)
        self._dates: dict[str, float] = {}
        self._clocks: dict[str, float] = {}

    # --- columns -----------------------------------------------------------------------------

    def read(self, numbers: np.ndarray, block: pd.DataFrame) -> Legs:
        """Legs of a block of rows (a DataFrame of text, columns numbered as in the header);
        `numbers` are the rows' numbers in the file, which problems and Legs.line refer to."""
        self.lines, self.block, self.n = numbers, block, len(block)
        self.bad = np.zeros(self.n, dtype=bool)
        self.drop = np.zeros(self.n, dtype=bool)
        self._distinct: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        legs = self._legs()
        self.skipped += int((self.drop & ~self.bad).sum())
        return legs.select(~(self.bad | self.drop))

    def distinct(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """(codes, texts): the field's distinct cleaned texts, and which one each row has."""
        if name not in self._distinct:
            i = self.pos.get(name)
            if i is None:
                self._distinct[name] = np.zeros(self.n, np.int64), objects([""])
                return self._distinct[name]
            codes, texts = pd.factorize(self.block[i].to_numpy(dtype=object))
            cleaned = [clean(text) for text in texts]
            if all(map(operator.is_, cleaned, texts)):  # clean() returns unchanged texts as is
                texts = objects(cleaned)
            else:  # ' 08:00' and '08:00' are one text
                codes, texts = pd.factorize(objects(cleaned)[codes])
            self._distinct[name] = codes, texts
        return self._distinct[name]

    def clean(self, name: str) -> list[str]:
        """The field's cleaned text in every row ('' when not mapped or the row is short)."""
        codes, texts = self.distinct(name)
        return texts[codes].tolist() if len(texts) else [""] * len(codes)

    def optional(self, name: str) -> np.ndarray:
        """The field's cleaned text in every row, None where it is empty."""
        codes, texts = self.distinct(name)
        return objects([text or None for text in texts])[codes] if len(texts) else \
            objects([None] * len(codes))

    def joined(self, names: tuple[str, ...], separator: str) -> np.ndarray:
        """The fields' non-empty texts joined in every row (None when all are empty), worked
        out once per distinct combination."""
        fields = [self.distinct(name) for name in names]
        combined = np.zeros(self.n, np.int64)
        for codes, texts in fields:
            combined = combined * len(texts) + codes
        _, first, inverse = np.unique(combined, return_index=True, return_inverse=True)
        values = [separator.join(t for t in (texts[codes[i]] for codes, texts in fields) if t)
                  or None for i in first]
        return objects(values)[inverse]

    def mapped(self, name: str, convert: Callable[[str], object],
               what: str | None = None) -> np.ndarray:
        """convert(text) of the field's cleaned text in every row, once per distinct text. A
        BadValue is reported on every row with that text (prefixed with `what`): None there."""
        codes, texts = self.distinct(name)
        results = objects([None] * len(texts))
        failed: dict[int, str] = {}
        for k, text in enumerate(texts):
            try:
                results[k] = convert(text)
            except BadValue as exc:
                failed[k] = f"{what}: {exc}" if what else str(exc)
        if failed:
            for i in np.flatnonzero(np.isin(codes, list(failed))):
                self._problem(i, failed[codes[i]])
        return results[codes] if len(texts) else objects([None] * len(codes))

    def _problem(self, i: int, message: str) -> None:
        """A problem on the block's i-th row (kept by the row's number in the file)."""
        self.bad[i] = True
        self.problems.setdefault(int(self.lines[i]), message)

    def numbers(self, name: str, what: str) -> np.ndarray:
        if name not in self.pos:
            return np.full(self.n, NAN)
        values = self.mapped(name, lambda text: parse_duration(text, what))
        values[values == None] = NAN  # noqa: E711 (elementwise)
        return values.astype(float)

    # --- the rules ---------------------------------------------------------------------------

    def _legs(self) -> Legs:
        n = self.n
        practice = self._practices()
        start = self._instants("start_time", "start time")
        answered = self._instants("answered_at", "answer time", start)
        ended = self._instants("ended_at", "end time", start)
        wait = self.numbers("wait_s", "wait")
        talk = self.numbers("talk_s", "talk time")
        duration = self.numbers("duration_s", "duration")
        direction = self._directions()
        supplier = self.optional("outcome")
        outcome, made = self._outcomes(supplier, answered, talk)
        route = self.joined(("route", "ivr_option"), " / ")
        legs = Legs(self.lines, practice, objects([None] * n), start, answered, ended,
                    direction, route, wait, talk, outcome, supplier, made,
                    objects([None] * n), np.zeros(n, dtype=bool), np.ones(n, dtype=bool))
        if self.profile == "3cx":
            self._threecx(legs)
        elif self.profile == "asterisk":
            self._asterisk(legs)
        fill_times(legs, duration)
        negative = np.flatnonzero(legs.wait < 0)
        for i in negative:
            self._problem(i, "the answer or end time is before the start time")
        legs.group = self._groups()
        if "caller" in self.pos:
            legs.caller_hash = objects(self.hasher.column(self.clean("caller")))
        legs.is_111 = self._flag_111(legs.route, supplier)
        return legs

    def _practices(self) -> np.ndarray:
        def code(text: str) -> str | None:
            if not text:
                return self.practice
            if not ODS.match(text.upper()):
                raise BadValue(f"practice '{text.upper()}' is not an ODS code")
            return text.upper()

        values = self.mapped("practice", code) if "practice" in self.pos else \
            objects([self.practice] * self.n)
        for i in np.flatnonzero(np.fromiter((v is None for v in values), bool, len(values))):
            self._problem(i, "no practice code")
        return values

    def _instants(self, name: str, what: str, start: np.ndarray | None = None) -> np.ndarray:
        """UTC instants of a date-and-time column (with the date column for the start); NaN
        where the field is empty. An answer or end time of day alone (in a log with a date
        column) is on the start's local day, or the next when it would be before the start."""
        if name not in self.pos:
            return np.full(self.n, NAN)
        texts = self.clean(name)
        dates = self.clean("start_date") if "start_date" in self.pos and start is None else None
        if self.fmt:
            local = np.full(len(texts), NAN)
        elif dates is not None:
            local = self._local(dates, texts)
        else:
            parts = [text.partition(" ") for text in texts]
            local = self._local([p[0] for p in parts], [p[2] for p in parts])
        utc = self._to_utc(local)
        for i in np.flatnonzero(np.isnan(utc)):  # offsets, serials, a format, or a problem
            if self.bad[i] or (start is not None and not texts[i]):
                continue
            try:
                if start is not None and dates is None and "start_date" in self.pos \
                        and _TIME_ONLY.match(texts[i]):
                    utc[i] = self._on_start_day(texts[i], start[i])
                    continue
                naive, _ = parse_local(dates[i] if dates else texts[i], self.day_first,
                                       self.fmt, texts[i] if dates else None)
                utc[i] = to_utc(naive, self.tz).timestamp()
            except BadValue as exc:
                self._problem(i, f"{what}: {exc}")
        return utc

    def _local(self, dates: list[str], clocks: list[str]) -> np.ndarray:
        """Local epoch seconds (the wall clock read as if it were UTC) of date and clock texts,
        from their distinct values; NaN where either does not read on its own."""
        return by_distinct(dates, self._date) + by_distinct(clocks, self._clock)

    def _date(self, text: str) -> float:
        hit = self._dates.get(text)
        if hit is None:
            hit = NAN
            if text and ":" not in text:
                try:
                    naive, aware = parse_local(text, self.day_first)
                    if not aware and naive.time() == time_of_day(0):  # a date, not a moment
                        hit = naive.replace(tzinfo=UTC).timestamp()
                except BadValue:
                    pass
            self._dates[text] = hit
        return hit

    def _clock(self, text: str) -> float:
        hit = self._clocks.get(text)
        if hit is None:
            try:
                h, m, s, us = parse_time_of_day(text)
                hit = h * 3600 + m * 60 + s + us / 1e6
            except BadValue:
                hit = NAN
            self._clocks[text] = hit
        return hit

    def _to_utc(self, local: np.ndarray) -> np.ndarray:
        """Local wall-clock seconds -> UTC with the clock-change rules of times.to_utc, one
        offset per local hour (NaN, for the exact slow path, in an hour with a change inside)."""
        hours = np.floor(local / 3600)
        offsets = np.full(len(local), NAN)
        finite = ~np.isnan(hours)
        if finite.any():
            distinct, inverse = np.unique(hours[finite], return_inverse=True)
            values = np.array([self._offset(int(h)) for h in distinct], dtype=float)
            offsets[finite] = values[inverse]
        return local - offsets

    def _offset(self, hour: int) -> float:
        if hour not in self._offsets:
            first = datetime(1970, 1, 1) + timedelta(hours=hour)
            at_start = first - to_utc(first, self.tz).replace(tzinfo=None)
            last = first + timedelta(minutes=59, seconds=59)
            at_end = last - to_utc(last, self.tz).replace(tzinfo=None)
            self._offsets[hour] = at_start.total_seconds() if at_start == at_end else NAN
        return self._offsets[hour]

    def _on_start_day(self, text: str, start: float) -> float:
        day = datetime.fromtimestamp(start, UTC).astimezone(self.tz).date()
        naive, _ = parse_local(day.isoformat(), True, None, text)
        value = to_utc(naive, self.tz).timestamp()
        return value if value >= start else to_utc(naive + timedelta(days=1), self.tz).timestamp()

    def _directions(self) -> np.ndarray:
        if "direction" not in self.pos:
            return objects(["inbound"] * self.n)
        return self._words("direction", "inbound")

    def _words(self, field_name: str, empty: str | None) -> np.ndarray:
        """The mapping's value for each row's word (`empty` for no word). Rows whose word is not
        mapped are counted per word for the message and left out, as are rows mapped to
        'ignore'."""
        table = self.words[field_name]
        values = self.mapped(field_name,
                             lambda word: table.get(normalise_name(word)) if word else empty)
        missing = np.fromiter((v is None for v in values), bool, len(values))
        words = self.clean(field_name)
        for i in np.flatnonzero(missing & ~self.bad & ~self.drop):
            self.unknown.add(field_name, words[i], int(self.lines[i]))
        self.drop |= missing | (values == "ignore")
        return values

    def _outcomes(self, supplier: np.ndarray, answered: np.ndarray,
                  talk: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        made = np.zeros(self.n, dtype=bool)
        if "outcome" in self.pos:
            empty = np.fromiter((s is None for s in supplier), bool, len(supplier))
            for i in np.flatnonzero(empty & ~self.drop):
                self._problem(i, "the outcome is empty")
            targets = self._words("outcome", None)
            made = targets == "callback_made"
            outcome = objects(np.where(made, "callback_requested", targets).tolist())
        else:
            spoke = ~np.isnan(answered) | (np.nan_to_num(talk) > 0)
            outcome = objects(np.where(spoke, "answered", "missed").tolist())
        if "callback_made" in self.pos:
            made |= self._words("callback_made", "no") == "yes"
        return outcome, made

    def _groups(self) -> np.ndarray:
        ids = self.optional("call_id")
        if self.legs:
            groups = self.optional("leg_group")
            return np.where(groups == None, ids, groups)  # noqa: E711 (elementwise)
        return ids

    def _flag_111(self, route: np.ndarray, supplier: np.ndarray) -> np.ndarray:
        last_data = self.clean("last_data")
        asterisk = self.profile == "asterisk"
        keys = zip(route.tolist(), self.clean("ivr_option"), supplier.tolist(), last_data,
                   self.clean("destination"), self.clean("final_number"), strict=True)
        results: dict[tuple, bool] = {}
        flags = []
        for key in keys:
            hit = results.get(key)
            if hit is None:
                leg_route, ivr, word, data, destination, final = key
                destinations = [destination, final]
                if asterisk and data:
                    destinations.append(data.split(",")[0].rsplit("/", 1)[-1])
                hit = results[key] = self.rules.matches([leg_route, ivr, word, data],
                                                        destinations)
            flags.append(hit)
        return np.array(flags, dtype=bool)

    # --- supplier profiles -------------------------------------------------------------------

    def _threecx(self, legs: Legs) -> None:
        from_type, to_type, final_type = (self.mapped(name, normalise_name)
                                          for name in ("from_type", "to_type", "final_type"))
        typed = (from_type != "") | (to_type != "")
        legs.direction = objects(np.where(typed, np.select(
            [from_type == "line", (to_type == "line") | (final_type == "line")],
            ["inbound", "outbound"], "internal"), legs.direction).tolist())
        legs.supplier = self.joined(("end_reason", "final_type"), "/")
        mail = np.isin(to_type, ["voicemail", "vmail"]) | np.isin(final_type,
                                                                  ["voicemail", "vmail"])
        ivr = ~mail & (np.isin(final_type, _IVR_TYPES) | (
            np.isin(to_type, _IVR_TYPES) & np.isin(final_type, ["", "line"])))
        # The IVR ended the call, or sent it out of the practice (a diversion).
        legs.outcome = objects(np.select(
            [mail, ivr, ~np.isnan(legs.answered)], ["missed", "ivr_ended", "answered"],
            "missed").tolist())
        legs.reached_queue = ~ivr
        legs.talk = np.where(ivr, NAN, legs.talk)

    def _asterisk(self, legs: Legs) -> None:
        app = self.mapped("last_app", str.lower)
        internal = self.mapped("context", lambda c: c.lower().startswith("from-internal"))
        long_number = self.mapped("destination", lambda d: len(re.sub(r"\D", "", d)) >= 7)
        legs.direction = objects(np.where(
            internal.astype(bool), np.where(long_number.astype(bool), "outbound", "internal"),
            "inbound").tolist())
        said_answered = self.mapped("outcome", lambda s: normalise_name(s) == "answered")
        said_answered = said_answered.astype(bool)
        mail = app == "voicemail"
        queue = ~mail & (app == "queue")
        dial = ~mail & ~queue & np.isin(app, ["dial", ""])
        other = ~(mail | queue | dial)
        queue_names = self.mapped("last_data", lambda d: d.split(",")[0] or None)
        has_channel = self.mapped("dst_channel", bool).astype(bool)
        legs.route = np.where(queue & (queue_names != None), queue_names, legs.route)  # noqa: E711
        context_or_none = self.optional("context")
        legs.route = np.where(other & (legs.route == None), context_or_none, legs.route)  # noqa
        legs.outcome = objects(np.select(
            [mail, queue, dial],
            ["missed", np.where(said_answered & has_channel, "answered", "missed"),
             np.where(said_answered & ~np.isnan(legs.answered), "answered", "missed")],
            "ivr_ended").tolist())
        # The Queue application answers the line itself: the real wait and talk come from
        # queue_log; without it the wait of a queued call is unknown.
        legs.wait = np.where(mail | queue, NAN, legs.wait)
        legs.talk = np.where(mail | queue | other, NAN, legs.talk)
        legs.answered = np.where(queue, NAN, legs.answered)
        legs.reached_queue = ~other
        legs.route = np.where(legs.route == None, context_or_none, legs.route)  # noqa: E711
        self.queued_without_log += int((queue & ~self.bad & ~self.drop).sum())


def fill_times(legs: Legs, duration: np.ndarray) -> None:
    """Wait and talk from whichever of answer/end times and durations the file gives."""
    spoke = legs.outcome == "answered"
    has = {"answered": ~np.isnan(legs.answered), "ended": ~np.isnan(legs.ended),
           "duration": ~np.isnan(duration), "talk": ~np.isnan(legs.talk)}
    guess = np.select(
        [spoke & has["answered"], ~spoke & has["ended"],
         ~spoke & has["duration"] & (legs.outcome == "missed"), has["duration"] & has["talk"]],
        [legs.answered - legs.start, legs.ended - legs.start, duration,
         np.maximum(duration - legs.talk, 0.0)], NAN)
    legs.wait = np.where(np.isnan(legs.wait), guess, legs.wait)
    talk = np.select(
        [has["answered"] & has["ended"], has["duration"] & ~np.isnan(legs.wait)],
        [legs.ended - legs.answered, np.maximum(duration - legs.wait, 0.0)], NAN)
    legs.talk = np.where(np.isnan(legs.talk) & spoke, talk, legs.talk)


# --- legs -> calls ---------------------------------------------------------------------------


def merge(legs: Legs, legs_are_calls: bool) -> Legs:
    """Rows that are legs of one call (same practice and group) -> one call each; the rules are
    in calllogs.py's docstring. Rows without a group are calls already."""
    if not legs_are_calls or len(legs) == 0:
        return legs
    alone = np.fromiter((g is None for g in legs.group), bool, len(legs))
    groups: dict[tuple[str, str], list[int]] = {}
    for i in np.flatnonzero(~alone):
        groups.setdefault((legs.practice[i], legs.group[i]), []).append(int(i))
    firsts, merged = [], []
    for members in groups.values():
        members.sort(key=lambda i: (legs.start[i], legs.line[i]))
        firsts.append(members[0])
        merged.append(_merge_one(legs, members))
    calls = legs.select(np.asarray(firsts, dtype=np.int64))
    for name in ("outcome", "supplier", "callback_made", "is_111", "route", "caller_hash",
                 "wait", "talk"):
        getattr(calls, name)[:] = [values[name] for values in merged]
    return Legs.join([legs.select(alone), calls])


def _merge_one(legs: Legs, members: list[int]) -> dict:
    first = members[0]
    best = min(members, key=lambda i: (PRIORITY[legs.outcome[i]], legs.start[i]))
    known = [i for i in members if not np.isnan(legs.wait[i])]
    values = {
        "outcome": legs.outcome[best], "supplier": legs.supplier[best],
        "callback_made": any(legs.callback_made[i] for i in members),
        "is_111": any(legs.is_111[i] for i in members),
        "route": next((legs.route[i] for i in members
                       if legs.route[i] and legs.reached_queue[i]), legs.route[first]),
        "caller_hash": next((legs.caller_hash[i] for i in members if legs.caller_hash[i]),
                            None),
        "talk": NAN,
    }
    start = legs.start[first]
    if legs.outcome[best] == "answered":
        if not np.isnan(legs.answered[best]):
            values["wait"] = legs.answered[best] - start
        elif not np.isnan(legs.wait[best]):
            values["wait"] = legs.start[best] - start + legs.wait[best]
        else:
            values["wait"] = NAN
        talks = [legs.talk[i] for i in members
                 if legs.outcome[i] == "answered" and not np.isnan(legs.talk[i])]
        values["talk"] = sum(talks) if talks else NAN
    else:
        ends = [legs.ended[i] for i in members if not np.isnan(legs.ended[i])]
        waited = sum(legs.wait[i] for i in known)
        values["wait"] = max(ends) - start if ends else (waited or NAN)
    return values


def settle(calls: Legs) -> None:
    """The 111 rule: a 111 call nobody answered ended on the 111 message or diversion."""
    ended_on_111 = calls.is_111 & (calls.direction == "inbound") & (calls.outcome == "missed")
    calls.outcome[ended_on_111] = "ivr_ended"


class LocalClock:
    """UTC epoch seconds -> UTC text and Europe/London day, time and weekday, from caches per
    day, per second of the day and per hour's offset (calls are stored by London's clock)."""

    def __init__(self) -> None:
        self._offsets: dict[int, int] = {}
        self._days: dict[int, str] = {}
        self._clock = [f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(86400)]

    def _offset(self, hour: int) -> int:
        hit = self._offsets.get(hour)
        if hit is None:
            instant = datetime.fromtimestamp(hour * 3600, UTC)
            hit = self._offsets[hour] = int(instant.astimezone(LONDON).utcoffset().total_seconds())
        return hit

    def _day(self, number: int) -> str:
        hit = self._days.get(number)
        if hit is None:
            hit = self._days[number] = datetime.fromtimestamp(number * 86400, UTC).strftime(
                "%Y-%m-%d")
        return hit

    def texts(self, utc: np.ndarray) -> tuple[list[str], list[str], list[str], list[int]]:
        """(started_at 'YYYY-MM-DDTHH:MM:SSZ', local day, local time, weekday 0 = Monday)."""
        seconds = np.floor(utc).astype(np.int64)
        hours = seconds // 3600
        distinct, inverse = np.unique(hours, return_inverse=True)
        local = seconds + np.array([self._offset(int(h)) for h in distinct],
                                   dtype=np.int64)[inverse]
        day, clock = self._days_of(seconds)
        local_day, local_clock = self._days_of(local)
        started = [f"{d}T{c}Z" for d, c in zip(day, clock, strict=True)]
        weekday = ((local // 86400 + 3) % 7).tolist()  # 1 January 1970 was a Thursday
        return started, local_day, local_clock, weekday

    def _days_of(self, seconds: np.ndarray) -> tuple[list[str], list[str]]:
        numbers, within = np.divmod(seconds, 86400)
        distinct, inverse = np.unique(numbers, return_inverse=True)
        days = [self._day(int(d)) for d in distinct]
        clock = self._clock
        return [days[i] for i in inverse.tolist()], [clock[s] for s in within.tolist()]
