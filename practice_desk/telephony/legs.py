"""Rows of a call log -> call legs -> calls, a block of rows at a time (the rules are in
calllogs.py's docstring).

Logs run to millions of rows, so nothing here works row by row in Python where it can be helped:
every text is cleaned, parsed or looked up once per distinct value (a log has a few thousand dates,
durations and words however long it is), and the rules are numpy operations on whole columns,
merging the legs of calls too (components by either call identifier, then one sort).
"""

from __future__ import annotations

import bisect
import dataclasses
import math
import operator
import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from datetime import time as time_of_day

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pa_compute

from practice_desk.importing.blocks import Block
from practice_desk.importing.dates import BadDate, check_plausible, plausible_instants
from practice_desk.importing.mapping import ColumnMapping, normalise_name
from practice_desk.importing.problems import ImportProblem
from practice_desk.importing.sources import Source, open_csv
from practice_desk.telephony import fixed_width
from practice_desk.telephony.callers import CallerHasher
from practice_desk.telephony.calllogs import ODS
from practice_desk.telephony.rules import Rules111
from practice_desk.telephony.times import (
    BadValue,
    parse_duration,
    parse_local,
    parse_time_of_day,
    settle_day_first,
    to_utc,
    zone,
)

NAN = float("nan")
_IVR_TYPES = ["ivr", "script", "playfile", "ivrmenu", "digital receptionist"]
_TIME_ONLY = re.compile(r"^\d{1,2}:\d{2}(:\d{2})?$")
CALLS_FROM = datetime(2000, 1, 1, tzinfo=UTC).timestamp()
MEMO_TEXTS = 200_000  # distinct texts remembered per field (a log has a few thousand)
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
    link: np.ndarray | None = None   # a second call identifier (3CX callid beside historyid)
    side: np.ndarray | None = None   # 1 for a leg that is never a call of its own (Local/)

    def __post_init__(self) -> None:
        if self.link is None:
            self.link = nones(len(self.line))
        if self.side is None:
            self.side = np.zeros(len(self.line), dtype=np.int8)

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


def combinations(columns: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """(which combination each row has, the first row of each) of columns of codes (-1 for
    None, as pd.factorize gives them)."""
    which = np.zeros(len(columns[0]), np.int64)
    for codes in columns:
        codes = codes.astype(np.int64) + 1
        # Numbered again at each step (in order of first appearance), so never overflows.
        which, _ = pd.factorize(which * (int(codes.max(initial=0)) + 1) + codes)
    _, first = np.unique(which, return_index=True)
    return which.astype(np.int64), first


def objects(values) -> np.ndarray:
    """An array of the values as they are (a text stays one text, None stays None)."""
    return np.fromiter(values, dtype=object, count=len(values))


def nones(n: int) -> np.ndarray:
    return np.full(n, None, dtype=object)


# After a separator: a space or an apostrophe, NULL alone, or the separator after a space (each
# alternative starts with the separator, which the search then skips to quickly).
_UNCLEAN = re.compile(r"\x00(?:[\s']|NULL\x00|(?<=\s\x00))")


# The same for pyarrow (RE2, whose \s is ASCII only): the characters str.strip() removes.
WHITESPACE = ("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004"
              "\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")
_SPACE = "".join(f"\\x{{{ord(c):x}}}" for c in WHITESPACE)
_UNCLEAN_ARROW = f"^[{_SPACE}']|[{_SPACE}]$|^NULL$"


def _may_need_cleaning(texts: np.ndarray, arrow_texts: pa.Array | None = None) -> bool:
    """Whether clean() could change any of the texts (a space or an apostrophe at an end, or
    NULL), searched in one string, or by pyarrow without Python's lock when it holds them:
    most columns of most files have none."""
    if arrow_texts is not None:
        return pa_compute.any(pa_compute.match_substring_regex(
            arrow_texts, _UNCLEAN_ARROW)).as_py() is True
    return bool(_UNCLEAN.search("\x00" + "\x00".join(texts) + "\x00"))


def clean(text: str) -> str:
    """A field as Excel and suppliers write it: spaces and Excel's leading apostrophe removed;
    a database table's NULL is empty."""
    text = text.strip().lstrip("'").strip()
    return "" if text == "NULL" else text


class LegReader:
    """Turns blocks of rows into Legs with one mapping, for one import. Problems are collected
    as (line, message); rows with a problem, or mapped to 'ignore', or with a word the mapping
    does not know, are left out of the Legs."""

    def __init__(self, mapping: ColumnMapping, header: list[str], practice: str | None,
                 hasher: CallerHasher, rules: Rules111, source: Source | None = None):
        self.pos = mapping.positions(header)
        self.practice = practice
        self.tz = zone(mapping.option("time_zone"))
        self.fmt = mapping.option("date_format")
        self.notes: list[str] = []  # for the import's notes: how the file was read
        self.day_first = self._date_order(mapping, source)
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
        self._day_offsets: dict[int, float] = {}  # local day -> the same
        self._dates: dict[str, float] = {}
        self._converted: dict[tuple, dict[str, tuple]] = {}  # mapped(): text -> (value, problem)
        self._expanded: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}  # _expand
        self._clocks: dict[str, float] = {}

    def _date_order(self, mapping: ColumnMapping, source: Source | None) -> bool:
        """Day first or month first, decided once for the whole file: the user's choice, else
        a date that reads only one way (13/10 or 10/13), else the UK order, said in the notes."""
        chosen = mapping.option("day_first")
        if chosen not in (None, "", "auto"):
            return bool(chosen)
        column = self.pos.get("start_date", self.pos.get("start_time"))
        if self.fmt or source is None or column is None:
            return True
        found, slashed = date_order(source, mapping, column)
        if found is None and slashed:
            self.notes.append(f"dates such as {slashed} were read day first (UK order): no "
                              "date in the file settles the order; choose it in the "
                              "column-mapping step if they are month first")
        elif found is not None:
            self.notes.append(f"dates were read {'day' if found else 'month'} first "
                              f"(such as {slashed})")
        return True if found is None else found

    # --- columns -----------------------------------------------------------------------------

    def read(self, numbers: np.ndarray, block: Block) -> Legs:
        """Legs of a block of rows (blocks.Block, columns numbered as in the header);
        `numbers` are the rows' numbers in the file, which problems and Legs.line refer to."""
        self.lines, self.block, self.n = numbers, block, len(block)
        self.bad = np.zeros(self.n, dtype=bool)
        self.drop = np.zeros(self.n, dtype=bool)
        self._distinct: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._expanded: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        legs = self._legs()
        self.skipped += int((self.drop & ~self.bad).sum())
        kept = ~(self.bad | self.drop)
        return legs if kept.all() else legs.select(kept)

    def distinct(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """(codes, texts): the field's distinct cleaned texts, and which one each row has."""
        if name not in self._distinct:
            i = self.pos.get(name)
            if i is None:
                self._distinct[name] = np.zeros(self.n, np.int64), objects([""])
                return self._distinct[name]
            codes, texts = self.block.distinct(i)
            if _may_need_cleaning(texts, self.block.arrow_texts(i)):
                cleaned = [clean(text) for text in texts]
                if not all(map(operator.is_, cleaned, texts)):  # ' 08:00' and '08:00' are one
                    codes, texts = pd.factorize(objects(cleaned)[codes])
            self._distinct[name] = codes, texts
        return self._distinct[name]

    def optional(self, name: str) -> np.ndarray:
        """The field's cleaned text in every row, None where it is empty."""
        codes, texts = self.distinct(name)
        return self._expand(codes, objects([text or None for text in texts])) if len(texts) \
            else nones(len(codes))

    def identifiers(self, name: str) -> np.ndarray:
        """optional() for a column of identifiers, nearly all distinct: cleaned row by row, as
        finding the distinct ones first would cost more than it saves."""
        if name not in self.pos:
            return nones(self.n)
        values = self.block.texts(self.pos[name])
        if _may_need_cleaning(values, self.block.arrow_texts(self.pos[name])):
            values = objects([clean(value) for value in values])
        return np.where(values == "", None, values)  # a new array: the block stays as read

    def joined(self, names: tuple[str, ...], separator: str) -> np.ndarray:
        """The fields' non-empty texts joined in every row (None when all are empty), worked
        out once per distinct combination."""
        fields = [self.distinct(name) for name in names]
        which, first = combinations([codes for codes, _ in fields])
        values = [separator.join(t for t in (texts[codes[i]] for codes, texts in fields) if t)
                  or None for i in first]
        return self._expand(which, objects(values))

    def _expand(self, codes: np.ndarray, values: np.ndarray) -> np.ndarray:
        """values[codes], remembered with its codes for the block (coded)."""
        expanded = values[codes]
        self._expanded[id(expanded)] = expanded, codes, values
        return expanded

    def coded(self, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(codes, values) of an array: as _expand made it, else as pd.factorize finds them
        (codes -1 for None)."""
        made = self._expanded.get(id(values))
        if made is not None and made[0] is values:
            return made[1], made[2]
        return pd.factorize(values)

    def mapped(self, name: str, convert: Callable[[str], object],
               what: str | None = None) -> np.ndarray:
        """convert(text) of the field's cleaned text in every row, once per distinct text. A
        BadValue is reported on every row with that text (prefixed with `what`): None there."""
        codes, results = self.mapped_distinct(name, convert, what)
        return results[codes] if len(results) else nones(len(codes))

    def mapped_distinct(self, name: str, convert: Callable[[str], object],
                        what: str | None = None) -> tuple[np.ndarray, np.ndarray]:
        """mapped() as (codes, the result of each distinct text)."""
        codes, texts = self.distinct(name)
        if len(texts) * 4 > len(codes):  # mostly distinct (channels, times): nothing to remember
            results, failed = _convert_all(texts, convert, what)
        else:
            results, failed = self._convert_remembered(name, texts, convert, what)
        if failed:
            for i in np.flatnonzero(np.isin(codes, list(failed))):
                self._problem(i, failed[codes[i]])
        return codes, results

    def _convert_remembered(self, name: str, texts: np.ndarray, convert: Callable[[str], object],
                            what: str | None) -> tuple[np.ndarray, dict[int, str]]:
        """_convert_all, remembering each text's result from block to block (a log has a few
        thousand dates, durations and words however long it is); each place that calls
        mapped() converts one way, so the place (its code) is part of the key."""
        memo = self._converted.setdefault(
            (name, getattr(convert, "__code__", convert), what), {})
        results, failed = nones(len(texts)), {}
        for k, text in enumerate(texts):
            hit = memo.get(text)
            if hit is None:
                hit = _convert_one(text, convert, what)
                if len(memo) < MEMO_TEXTS:
                    memo[text] = hit
            results[k], problem = hit
            if problem is not None:
                failed[k] = problem
        return results, failed

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
        self._refuse_implausible(start)
        answered = self._instants("answered_at", "answer time", start)
        ended = self._instants("ended_at", "end time", start)
        wait = self.numbers("wait_s", "wait")
        talk = self.numbers("talk_s", "talk time")
        duration = self.numbers("duration_s", "duration")
        direction = self._directions()
        supplier = self.optional("outcome")
        outcome, made = self._outcomes(answered, talk)
        route = self.joined(("route", "ivr_option"), " / ")
        legs = Legs(self.lines, practice, nones(n), start, answered, ended,
                    direction, route, wait, talk, outcome, supplier, made,
                    nones(n), np.zeros(n, dtype=bool), np.ones(n, dtype=bool))
        if self.profile == "3cx":
            self._threecx(legs)
        elif self.profile == "asterisk":
            self._asterisk(legs)
        fill_times(legs, duration)
        negative = np.flatnonzero(legs.wait < 0)
        for i in negative:
            self._problem(i, "the answer or end time is before the start time")
        legs.group, legs.link = self._groups()
        if "caller" in self.pos:
            codes, callers = self.distinct("caller")
            if self.profile in ("3cx", "asterisk"):  # an extension is not a caller's number
                codes, callers = self.mapped_distinct("caller", lambda c: "" if _extension(
                    c) or c.lower().startswith("ext.") else c)
            rows = np.bincount(codes, minlength=len(callers)).tolist()
            legs.caller_hash = objects(self.hasher.distinct(callers.tolist(), rows))[codes]
        legs.is_111 = self._flag_111(legs.route, supplier)
        return legs

    def _refuse_implausible(self, start: np.ndarray) -> None:
        """Calls in a month to come, or before 2000, are damage (the check every importer
        makes: dates.check_plausible). A practice's own phone system logged calls long before
        NHS England's series began in 2015, so older calls are kept (a 2013 Asterisk log)."""
        _, until = plausible_instants()
        for i in np.flatnonzero((start < CALLS_FROM) | (start >= until)):
            day = datetime.fromtimestamp(start[i], UTC).date().isoformat()
            if start[i] < CALLS_FROM:
                self._problem(i, f"start time: {day} is before 2000, earlier than any phone "
                                 "system's log this app reads")
                continue
            try:
                check_plausible(day)
            except BadDate as exc:
                self._problem(i, f"start time: {exc}")

    def _practices(self) -> np.ndarray:
        def code(text: str) -> str | None:
            if not text:
                return self.practice
            if not ODS.match(text.upper()):
                raise BadValue(f"practice '{text.upper()}' is not an ODS code")
            return text.upper()

        if "practice" not in self.pos:
            return objects([self.practice] * self.n)  # the import's practice (_practice)
        codes, results = self.mapped_distinct("practice", code)
        for i in np.flatnonzero(are_none(results)[codes]):
            self._problem(i, "no practice code")
        return results[codes]

    def _instants(self, name: str, what: str, start: np.ndarray | None = None) -> np.ndarray:
        """UTC instants of a date-and-time column (with the date column for the start); NaN
        where the field is empty. An answer or end time of day alone (in a log with a date
        column) is on the start's local day, or the next when it would be before the start."""
        if name not in self.pos:
            return np.full(self.n, NAN)
        codes, distinct = self.distinct(name)
        separate = "start_date" in self.pos and start is None
        if separate:
            date_codes, date_texts = self.distinct("start_date")
        if self.fmt:
            local = np.full(self.n, NAN)
        elif separate:
            local = self._each(date_texts, fixed_width.dates(date_texts, self.day_first),
                               self._date)[date_codes] \
                + self._each(distinct, fixed_width.clocks(distinct), self._clock)[codes]
        else:
            local = self._each(distinct, fixed_width.moments(distinct, self.day_first),
                               self._moment)[codes]
        utc = self._to_utc(local)
        for i in np.flatnonzero(np.isnan(utc)):  # offsets, serials, a format, or a problem
            text = distinct[codes[i]]
            if self.bad[i] or (start is not None and not text):
                continue
            try:
                if start is not None and "start_date" in self.pos and _TIME_ONLY.match(text):
                    utc[i] = self._on_start_day(text, start[i])
                    continue
                date = date_texts[date_codes[i]] if separate else text
                naive, _ = parse_local(date, self.day_first, self.fmt,
                                       text if separate else None)
                utc[i] = to_utc(naive, self.tz).timestamp()
            except BadValue as exc:
                self._problem(i, f"{what}: {exc}")
        return utc

    @staticmethod
    def _each(texts: np.ndarray, fast: np.ndarray, convert: Callable[[str], float]) -> np.ndarray:
        """Wall-clock seconds of distinct texts: those of a fixed shape read at once
        (fixed_width), the others one by one; NaN where a text does not read on its own."""
        for k in np.flatnonzero(np.isnan(fast)):
            fast[k] = convert(texts[k])
        return fast

    def _moment(self, text: str) -> float:
        date, _, clock = text.partition(" ")
        return self._date(date) + self._clock(clock)

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
        """Local wall-clock seconds -> UTC with the clock-change rules of times.to_utc: one
        offset per local day, or per hour on a day the clocks change (NaN, for the exact slow
        path, in the hour with the change inside)."""
        offsets = np.full(len(local), NAN)
        finite = np.flatnonzero(~np.isnan(local))
        if len(finite):
            hours = np.floor(local[finite] / 3600).astype(np.int64)
            days, on_day = np.unique(hours // 24, return_inverse=True)
            values = np.array([self._day_offset(int(d)) for d in days])[on_day]
            changing = np.flatnonzero(np.isnan(values))
            values[changing] = [self._offset(int(h)) for h in hours[changing]]
            offsets[finite] = values
        return local - offsets

    def _day_offset(self, day: int) -> float:
        """The day's UTC offset in seconds; NaN when the clocks change that day."""
        if day not in self._day_offsets:
            first, last = self._offset(day * 24), self._offset(day * 24 + 23)
            self._day_offsets[day] = first if first == last else NAN
        return self._day_offsets[day]

    def _offset(self, hour: int) -> float:
        """The hour's UTC offset in seconds; NaN when the clocks change within it."""
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
        codes, results = self.mapped_distinct(
            field_name, lambda word: table.get(normalise_name(word)) if word else empty)
        missing = are_none(results)[codes]
        unknown = np.flatnonzero(missing & ~self.bad & ~self.drop)
        if len(unknown):
            texts = self.distinct(field_name)[1]
            for i in unknown:
                self.unknown.add(field_name, texts[codes[i]], int(self.lines[i]))
        self.drop |= missing | (results == "ignore")[codes]
        return results[codes]

    def _outcomes(self, answered: np.ndarray, talk: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        made = np.zeros(self.n, dtype=bool)
        if "outcome" in self.pos and self.profile != "asterisk":
            codes, texts = self.distinct("outcome")
            empty = (texts == "")[codes]  # where the supplier's word (optional) is None
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

    def _groups(self) -> tuple[np.ndarray, np.ndarray]:
        """(group, link): the call's identifier (the leg group when the file has one, else the
        call ID) and the call ID beside it; rows sharing either are one call."""
        ids = self.identifiers("call_id")
        if self.legs and "leg_group" in self.pos:
            groups = self.identifiers("leg_group")
            return np.where(groups == None, ids, groups), ids  # noqa: E711 (elementwise)
        return ids, nones(self.n)

    def _flag_111(self, route: np.ndarray, supplier: np.ndarray) -> np.ndarray:
        """Whether the 111 rules match each row: each field's distinct texts tried once."""
        rules = self.rules
        hit = np.zeros(self.n, dtype=bool)
        for values in (route, supplier):
            codes, texts = self.coded(values)
            hit |= np.array([*map(rules.text_matches, texts), False], dtype=bool)[codes]
        for name, test in (("ivr_option", rules.text_matches), ("last_data", rules.text_matches),
                           ("destination", rules.number_matches),
                           ("final_number", rules.number_matches)):
            if name in self.pos:
                codes, results = self.mapped_distinct(name, test)  # remembered from block to block
                hit |= results.astype(bool)[codes]
        if self.profile == "asterisk" and "last_data" in self.pos:  # Dial(SIP/trunk/111,...)
            codes, texts = self.distinct("last_data")
            dialled = (text.split(",")[0].rsplit("/", 1)[-1] for text in texts)
            hit |= np.fromiter(map(rules.number_matches, dialled), dtype=bool,
                               count=len(texts))[codes]
        return hit

    # --- supplier profiles -------------------------------------------------------------------

    def _threecx(self, legs: Legs) -> None:
        from_type, to_type, final_type = (self.mapped(name, normalise_name)
                                          for name in ("from_type", "to_type", "final_type"))
        typed = (from_type != "") | (to_type != "")
        outside = ["line", "external"]  # v18 writes Line, v15/16 External
        # A row cut short before the types: an extension is written Ext.610.
        from_ext = self.mapped("caller", lambda n: n.lower().startswith("ext.")).astype(bool)
        to_ext = self.mapped("destination", lambda n: n.lower().startswith("ext.") or
                             _extension(n)).astype(bool)
        untyped = np.where(from_ext, np.where(to_ext, "internal", "outbound"), "inbound")
        legs.direction = objects(np.where(typed, np.select(
            [np.isin(from_type, outside), np.isin(to_type, outside) | np.isin(final_type,
                                                                               outside)],
            ["inbound", "outbound"], "internal"), untyped).tolist())
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
        internal = internal.astype(bool) | self.mapped("caller", _extension).astype(bool) | \
            self.mapped("channel", _extension_channel).astype(bool)
        long_number = self.mapped("destination", lambda d: len(re.sub(r"\D", "", d)) >= 7)
        legs.direction = objects(np.where(
            internal, np.where(long_number.astype(bool), "outbound", "internal"),
            "inbound").tolist())
        legs.side = self.mapped("channel", lambda c: c.lower().startswith("local/")).astype(
            np.int8)
        said_answered = self.mapped("outcome", lambda s: normalise_name(s) == "answered")
        said_answered = said_answered.astype(bool)
        if "ended_at" not in self.pos:  # a CDR with a header: calldate + duration
            legs.ended = legs.start + self.numbers("duration_s", "duration")
        if "answered_at" not in self.pos:  # nor an answer time: billsec before the end
            legs.answered = np.where(said_answered & (legs.talk > 0), legs.ended - legs.talk,
                                     NAN)
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


_SLASHED_DATE = re.compile(r"^\s*'?\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}\b")


def date_order(source: Source, mapping: ColumnMapping, column: int,
               rows_per_block: int = 200_000) -> tuple[bool | None, str]:
    """(day first?, an example date) from a date column's distinct values across the file,
    read until one settles the order; (None, example) when none does, (None, '') when the
    dates are not written d/m/y at all."""
    opened = open_csv(source)
    example = ""
    with opened.text:
        if mapping.has_header:
            opened.header()
        for texts in _distinct_blocks(opened.text, column, rows_per_block):
            texts = [t for t in texts if _SLASHED_DATE.match(t)]
            if not texts:
                if not example:
                    return None, ""
                continue
            example = example or texts[0].strip()
            found = settle_day_first(texts)
            if found is not None:
                settled = next(t for t in texts if settle_day_first([t]) is not None)
                return found, settled.strip()
    return None, example


def _distinct_blocks(text, column: int, rows_per_block: int):
    """The distinct values of one column, a block of rows at a time (until the CSV cannot be
    read: the reading proper reports that)."""
    try:
        frames = pd.read_csv(text, header=None, usecols=[column], dtype=str,
                             keep_default_na=False, na_filter=False, engine="c",
                             chunksize=rows_per_block, on_bad_lines="skip")
        for frame in frames:
            yield frame[column].unique().tolist()
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError):
        return


def _convert_all(texts: np.ndarray, convert: Callable[[str], object],
                 what: str | None) -> tuple[np.ndarray, dict[int, str]]:
    """(convert(text) of every text, None where it raised BadValue; {position: problem})."""
    try:
        return objects([convert(text) for text in texts]), {}
    except BadValue:  # rare: go again, one by one, to find every text that fails
        hits = [_convert_one(text, convert, what) for text in texts]
        return (objects([value for value, _ in hits]),
                {k: problem for k, (_, problem) in enumerate(hits) if problem is not None})


def _convert_one(text: str, convert: Callable[[str], object],
                 what: str | None) -> tuple[object, str | None]:
    try:
        return convert(text), None
    except BadValue as exc:
        return None, f"{what}: {exc}" if what else str(exc)


def _extension(number: str) -> bool:
    """An extension's number (1 to 6 digits), not a caller from outside."""
    return number.isdigit() and len(number) <= 6


def _extension_channel(channel: str) -> bool:
    """A channel of a phone on the practice's system (SIP/201-0000a1, PJSIP/2001-...), not a
    trunk's (SIP/trunk-..., named after the provider) and not a Local/ channel."""
    technology, _, rest = channel.partition("/")
    peer = rest.rsplit("-", 1)[0]
    return technology.upper() in ("SIP", "PJSIP", "IAX2") and _extension(peer)


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
    """Rows that are legs of one call (same practice, and the same group or link) -> one call
    each; the rules are in calllogs.py's docstring. Rows without a group are calls already.
    Worked on whole columns (a log has millions of legs): components, then one sort."""
    if not legs_are_calls or len(legs) == 0:
        return legs
    fold_side_legs(legs)
    alone = are_none(legs.group) & are_none(legs.link)
    part = legs.select(~alone)
    if not len(part):
        return legs
    return Legs.join([legs.select(alone), _merged(part, _components(part))])


def are_none(values: np.ndarray) -> np.ndarray:
    """Which values are None (or NaN), elementwise in C."""
    return pd.isna(np.asarray(values, dtype=object))


def _codes(practice: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """One integer per (practice, id); every row without an id a code of its own."""
    missing = are_none(ids)
    codes = np.empty(len(ids), dtype=np.int64)
    keys = pd.Series(ids[~missing], dtype=object)
    if len(set(practice.tolist())) > 1:  # one practice per file is the rule
        keys = pd.Series(practice[~missing], dtype=object) + "\x1f" + keys.astype(str)
    codes[~missing] = pd.factorize(keys)[0]
    start = codes[~missing].max() + 1 if (~missing).any() else 0
    codes[missing] = start + np.arange(missing.sum())
    return codes


def _components(legs: Legs) -> np.ndarray:
    """Call number 0..m-1 of every leg: legs sharing a group or a link are one call, however
    they chain (the smallest leg number spreads along both keys until nothing changes)."""
    by_group, by_link = _codes(legs.practice, legs.group), _codes(legs.practice, legs.link)
    for one, other in ((by_group, by_link), (by_link, by_group)):
        if one.max() + 1 == len(legs):  # one key is every leg's own (3CX historyid); codes
            # run 0..k-1, so k = len means no two legs share it
            return pd.factorize(other)[0]
    labels = np.arange(len(legs))
    while True:
        spread = pd.Series(labels).groupby(by_group).transform("min").to_numpy()
        spread = pd.Series(spread).groupby(by_link).transform("min").to_numpy()
        if (spread == labels).all():
            return pd.factorize(labels, sort=True)[0]
        labels = spread


def _per_call_first(calls: np.ndarray, wanted: np.ndarray, count: int) -> np.ndarray:
    """For rows already in call order: the first wanted row of each call (-1 when none)."""
    found = np.full(count, -1, dtype=np.int64)
    rows = np.flatnonzero(wanted)[::-1]  # the last write wins: the first row
    found[calls[rows]] = rows
    return found


def _merged(legs: Legs, call: np.ndarray) -> Legs:
    """One call per component: the first leg's start, direction and key; the best leg's
    outcome (answered, then call-back, then missed, then IVR; earliest first)."""
    count = int(call.max()) + 1
    order = np.lexsort((legs.line, legs.side, legs.start, call))
    sorted_call = call[order]
    first = order[np.r_[True, sorted_call[1:] != sorted_call[:-1]]]
    priority = pd.Series(legs.outcome, dtype=object).map(PRIORITY).to_numpy(dtype=float)
    by_best = np.lexsort((legs.start, priority, call))
    best = by_best[np.r_[True, call[by_best][1:] != call[by_best][:-1]]]
    calls = legs.select(first)
    calls.group = np.where(are_none(calls.group), calls.link, calls.group)
    calls.outcome, calls.supplier = legs.outcome[best], legs.supplier[best]
    calls.callback_made = np.bincount(call, legs.callback_made.astype(float), count) > 0
    calls.is_111 = np.bincount(call, legs.is_111.astype(float), count) > 0
    routes, callers = legs.route[order], legs.caller_hash[order]
    route = _per_call_first(sorted_call, ~are_none(routes) & legs.reached_queue[order], count)
    calls.route = np.where(route >= 0, routes[route], calls.route)
    caller = _per_call_first(sorted_call, ~are_none(callers), count)
    calls.caller_hash = np.where(caller >= 0, callers[caller], None)
    start = legs.start[first]
    answered = calls.outcome == "answered"
    wait_answered = np.where(~np.isnan(legs.answered[best]), legs.answered[best] - start,
                             legs.start[best] - start + legs.wait[best])
    last_end = _max_per_call(legs.ended, call, count)
    known = ~np.isnan(legs.wait)
    waited = np.bincount(call[known], legs.wait[known], count)
    wait_other = np.where(~np.isnan(last_end), last_end - start,
                          np.where(waited > 0, waited, NAN))
    calls.wait = np.where(answered, wait_answered, wait_other)
    calls.talk = np.where(answered, _talk_per_call(legs, call, count), NAN)
    return calls


def _max_per_call(values: np.ndarray, call: np.ndarray, count: int) -> np.ndarray:
    known = ~np.isnan(values)
    out = np.full(count, -np.inf)
    np.maximum.at(out, call[known], values[known])
    return np.where(np.isinf(out), NAN, out)


def _talk_per_call(legs: Legs, call: np.ndarray, count: int) -> np.ndarray:
    """Talk time of each call: its answered legs' talk, counting once the time two legs of the
    same conversation overlap (the trunk's leg and the Local/ leg of one ring-group answer);
    a plain sum when an answered leg has no answer time. NaN for a call with none."""
    spoke = (legs.outcome == "answered") & ~np.isnan(legs.talk)
    who, begin, talk = call[spoke], legs.answered[spoke], legs.talk[spoke]
    legs_with = np.bincount(who, minlength=count)
    total = np.bincount(who, talk, count)
    timed = ~np.isnan(begin)
    untimed = np.bincount(who[~timed], minlength=count) > 0
    order = np.lexsort((begin[timed], who[timed]))
    who, begin = who[timed][order], begin[timed][order]
    end = begin + talk[timed][order]
    reached = pd.Series(end).groupby(who).cummax().groupby(who).shift(1).to_numpy()
    covered = np.maximum(0.0, end - np.fmax(begin, np.nan_to_num(reached, nan=-np.inf)))
    union = np.bincount(who, covered, count)
    return np.where(legs_with == 0, NAN, np.where(untimed, total, union))


def fold_side_legs(legs: Legs) -> None:
    """A Local/ channel's row of a file without linkedid joins the call of the same caller that
    was going on when it started (a ring group's or a queue's leg, not a call of its own)."""
    side = np.flatnonzero((legs.side == 1) & np.fromiter(
        (k is None for k in legs.link.tolist()), bool, len(legs)))
    if not len(side):
        return
    mains: dict[tuple, list[tuple[float, float, int]]] = {}
    for i in np.flatnonzero(legs.side == 0).tolist():
        if legs.group[i] is not None:
            end = legs.ended[i] if not np.isnan(legs.ended[i]) else legs.start[i]
            mains.setdefault((legs.practice[i], legs.caller_hash[i]), []).append(
                (legs.start[i], end, i))
    for found in mains.values():
        found.sort()
    for i in side.tolist():
        candidates = mains.get((legs.practice[i], legs.caller_hash[i]), [])
        at = bisect.bisect_right(candidates, (legs.start[i] + 1, math.inf, 0))
        for start, end, main in reversed(candidates[max(0, at - 5):at]):
            if start - 1 <= legs.start[i] <= end + 1:
                legs.group[i] = legs.group[main]
                break
        else:  # a leg whose call is not in the file: never an inbound call of its own
            legs.direction[i] = "internal"


def settle(calls: Legs) -> None:
    """The 111 rule: a 111 call nobody answered ended on the 111 message or diversion."""
    ended_on_111 = calls.is_111 & (calls.direction == "inbound") & (calls.outcome == "missed")
    calls.outcome[ended_on_111] = "ivr_ended"


def queue_calls(practice: str, results: dict[str, list], entered: dict[str, tuple],
                conn) -> Legs:
    """The calls of a queue_log read on its own (asterisk_queue.py): one inbound call per
    uniqueid that joined a queue, answered or missed by its events, missed (wait unknown) when
    the log ends before the call did."""
    ids = sorted(entered, key=lambda u: (entered[u][0], u))
    n = len(ids)
    outcome = [results[u][1] or "missed" for u in ids]
    callers = CallerHasher(conn).column([entered[u][1] or "" for u in ids])

    def number(k: int) -> np.ndarray:
        return np.array([NAN if results[u][k] is None else float(results[u][k]) for u in ids])

    start = np.array([entered[u][0] for u in ids], dtype=float)
    return Legs(
        np.arange(n), objects([practice] * n), objects(ids), start, np.full(n, NAN),
        np.full(n, NAN), objects(["inbound"] * n), objects([results[u][0] for u in ids]),
        number(3), number(4), objects(outcome), objects([results[u][2] for u in ids]),
        np.zeros(n, dtype=bool), objects(callers), np.zeros(n, dtype=bool),
        np.ones(n, dtype=bool))
