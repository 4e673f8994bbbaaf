"""Synthetic telephony for the demo and the benchmarks: calls, call-log writers, a CBT workbook.

`generate_calls` streams made-up calls for one practice, one local day at a time (never a list of
the whole range), with the shape of real GP telephony: the 8am rush (a sharp peak 08:00-09:00 and
a smaller one after lunch), few calls after 18:30, near-empty weekends, a Monday effect, closed
bank holidays (and a busy day after them), a winter rise, about 0.3 inbound calls per patient per
month, waits and missed calls that grow with the queue, IVR hang-ups, call-backs, a few calls
ending on a 111 route in core hours, a couple of 111 diversion periods, withheld numbers and
repeat callers. Caller numbers come only from Ofcom's ranges reserved for drama (07700 900000-
900999 and 01632 960000-960999), never real ones.

The writers produce the three call-log shapes the importers' presets read (practice_desk/
telephony/calllogs.py): a 3CX CDR (legs), an Asterisk/FreePBX Master.csv with its queue_log, and an
X-on Surgery Connect style export. `Tally` counts the calls the way the importers will read them
(canonical outcome, NHS wait and duration bands, per local month), so a CBT workbook written from
the tally agrees with the imported call logs; `write_cbt_workbook` writes Tables 3-5 in the layout
of NHS England's publication.

Determinism: random.Random seeded with strings, plain arithmetic and math.sqrt (correctly rounded
everywhere) only, no clock, no hash seeds; zips and the workbook get fixed timestamps, so every
file is byte-identical on every run. Qt-free.
"""

from __future__ import annotations

import csv
import io
import math
import random
import re
import zipfile
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import NamedTuple

from practice_desk.telephony.core_hours import BANK_HOLIDAYS_ENGLAND

ZIP_TIME = (2025, 11, 13, 9, 30, 0)  # fixed member timestamps keep zips byte-identical
WORKBOOK_TIME = "2025-11-13T09:30:00Z"

MOBILE_BASE, LANDLINE_BASE = 7700900000, 1632960000  # Ofcom drama ranges (national, no 0)
PRACTICE_NUMBERS = 100  # 01632 960000-960099 are the practices' own numbers; callers use the rest

CORE_START, CORE_END = 8 * 3600, 18 * 3600 + 1800  # 08:00-18:30 local
DAY_SECONDS = 86_400

# Inbound calls by local hour on a weekday (relative), shaped like NHS England's Table 2 (October
# 2025) with the 8am rush drawn out of the 08:00-09:59 band: lines open at 08:00.
HOUR_WEIGHTS = [1, 1, 1, 1, 1, 1, 8, 48, 230, 128, 150, 141, 100, 128, 120, 112, 90, 66, 21, 8,
                5, 3, 2, 1]
# Within an hour, quarter-hour shape (the first quarter of 08:00 is the worst; 18:30 closes).
QUARTERS = {8: (1.7, 1.1, 0.7, 0.5), 7: (0.3, 0.5, 0.9, 2.3), 13: (0.8, 1.0, 1.2, 1.0),
            18: (1.7, 1.7, 0.3, 0.3)}
# Calls per day relative to a Wednesday: Monday effect, near-empty weekends.
WEEKDAY_FACTOR = (1.36, 1.08, 1.0, 0.96, 0.95, 0.07, 0.04)
BANK_HOLIDAY_FACTOR = 0.05
AFTER_CLOSURE_FACTOR = 1.22  # the first working day after a bank holiday
# Calls per patient by calendar month (winter rise, August dip; mean about 1).
SEASON = {1: 1.12, 2: 1.05, 3: 1.03, 4: 0.96, 5: 0.95, 6: 0.93, 7: 0.93, 8: 0.85, 9: 1.0,
          10: 1.07, 11: 1.1, 12: 1.01}

OUTCOMES = ("answered", "ivr_ended", "callback_requested", "missed")
BANDS = ("lt1m", "1to2m", "2to5m", "gt5m")
COUNT_COLUMNS = (
    "inbound", "answered", "ivr_ended", "callback_requested", "missed", "callback_made",
    *[f"answered_wait_{b}" for b in BANDS],
    *[f"answered_duration_{b}" for b in BANDS],
    *[f"missed_wait_{b}" for b in BANDS],
)
FORMATS = ("3cx", "asterisk", "xon")


@dataclass(frozen=True)
class CallProfile:
    """A practice's telephony habits (defaults give a middling practice)."""

    calls_per_patient_month: float = 0.30
    capacity: float = 1.0          # staffing against demand: higher = fewer missed, shorter waits
    ivr_menu_share: float = 0.12   # core-hours calls ending in the menu or on a message
    callbacks: bool = True         # the practice offers call-backs in the queue
    callback_share: float = 0.035  # of queued calls at average load (more when busy)
    callback_made_share: float = 0.94
    voicemail_share: float = 0.08  # of missed calls, ended on voicemail (NHS: still missed)
    route_111_share: float = 0.003  # core-hours callers sent to 111 by a menu option
    diversions_per_year: float = 4.0  # 111 diversion periods (IT failure, training, ...)
    outbound_share: float = 0.12   # outbound calls per core-hours inbound call
    withheld_share: float = 0.04
    frequent_caller_share: float = 0.25  # calls from a small set of repeat callers


class SyntheticCall(NamedTuple):
    """One call. Times are local (Europe/London) wall-clock: `day` plus `second` of the day.

    wait_s: seconds from the start until answered or until the caller hung up (including the menu,
    `ivr_s`, and for voicemail the message, `voicemail_s`), the way the importers measure it.
    route: 'queue', 'menu', 'closed' (outside opening hours), '111_option', '111_diversion' or
    'outbound'. number: national digits of the caller (inbound) or the number dialled (outbound);
    None when withheld.
    """

    practice: str
    seq: int
    day: date
    second: int
    direction: str
    number: str | None
    outcome: str
    route: str
    wait_s: int
    talk_s: int
    ivr_s: int
    voicemail_s: int
    callback_made: bool
    is_111: bool

    @property
    def start(self) -> datetime:
        return datetime(self.day.year, self.day.month, self.day.day) + timedelta(
            seconds=self.second)

    @property
    def month(self) -> str:
        return f"{self.day.year:04d}-{self.day.month:02d}"


# --- the shape of a day -----------------------------------------------------------------------
def _quarter_weights(weights: list[int]) -> list[float]:
    out = []
    for hour, weight in enumerate(weights):
        shape = QUARTERS.get(hour, (1.0, 1.0, 1.0, 1.0))
        scale = sum(shape) / 4
        out += [weight * s / scale / 4 for s in shape]
    return out


_QUARTER = _quarter_weights(HOUR_WEIGHTS)
_CUMULATIVE: list[float] = []
for _w in _QUARTER:
    _CUMULATIVE.append((_CUMULATIVE[-1] if _CUMULATIVE else 0.0) + _w)
_CORE_QUARTERS = range(CORE_START // 900, CORE_END // 900)
_CORE_MEAN = sum(_QUARTER[q] for q in _CORE_QUARTERS) / len(_CORE_QUARTERS)
PRESSURE = [w / _CORE_MEAN for w in _QUARTER]  # queue load by quarter-hour (1 = average)
_WEEK_FACTOR = sum(WEEKDAY_FACTOR)


def _spring_forward(day: date) -> bool:
    """The last Sunday of March: 01:00-01:59 does not exist in Europe/London."""
    return day.month == 3 and day.weekday() == 6 and day.day > 24


def practice_number(practice: str) -> str:
    """The practice's own (made-up) number, in 01632 960000-960099."""
    digits = "".join(c for c in practice if c.isdigit())
    index = int(digits) % PRACTICE_NUMBERS if digits else sum(map(ord, practice)) % 100
    return f"0{LANDLINE_BASE + index}"


def _loglogistic(u: float) -> float:
    """Log-logistic (shape 2) quantile with median 1: a long right tail, arithmetic + sqrt only."""
    u = min(u, 0.999)
    return math.sqrt(u / (1 - u))


def _normal(rng: random.Random) -> float:
    """Approximately standard normal (Irwin-Hall), arithmetic only."""
    return sum(rng.random() for _ in range(12)) - 6.0


class _Callers:
    def __init__(self, rng: random.Random, profile: CallProfile):
        self.rng, self.profile = rng, profile
        self.frequent = [self._any() for _ in range(60)]

    def _any(self) -> str:
        rng = self.rng
        if rng.random() < 0.72:
            return f"0{MOBILE_BASE + int(rng.random() * 1000)}"
        return f"0{LANDLINE_BASE + PRACTICE_NUMBERS + int(rng.random() * 900)}"

    def next(self) -> str | None:
        rng, profile = self.rng, self.profile
        u = rng.random()
        if u < profile.withheld_share:
            return None
        if u < profile.withheld_share + profile.frequent_caller_share:
            return self.frequent[int(rng.random() * len(self.frequent))]
        return self._any()


def diversion_periods(practice: str, start_day: date, end_day: date, seed: int | str,
                      profile: CallProfile | None = None) -> list[tuple[datetime, datetime, str]]:
    """The practice's 111 diversion episodes (local start, end, reason), on core weekdays."""
    profile = profile or CallProfile()
    rng = random.Random(f"{seed}:{practice}:diversions")
    days = (end_day - start_day).days + 1
    count = round(days / 365.25 * profile.diversions_per_year)
    reasons = ["Telephony system failure", "Protected learning time", "Building evacuation",
               "Power cut at the surgery"]
    out = []
    for _ in range(count):
        for _attempt in range(20):
            day = start_day + timedelta(days=int(rng.random() * days))
            if day.weekday() < 5 and day.isoformat() not in BANK_HOLIDAYS_ENGLAND:
                break
        start = datetime(day.year, day.month, day.day, 10 + int(rng.random() * 6),
                         30 * int(rng.random() * 2))
        end = start + timedelta(minutes=60 + 30 * int(rng.random() * 5))
        out.append((start, end, reasons[int(rng.random() * len(reasons))]))
    return sorted(out)


def generate_calls(practice_code: str, start_day: date, end_day: date, seed: int | str,
                   list_size: int | Callable[[date], int],
                   profile: CallProfile | None = None) -> Iterator[SyntheticCall]:
    """Stream the practice's calls from start_day to end_day (inclusive), in time order.

    `list_size` is the registered list (or a function of the day). Same arguments, same calls.
    """
    profile = profile or CallProfile()
    rng = random.Random(f"{seed}:{practice_code}:calls")
    callers = _Callers(rng, profile)
    diversions = [(s.date(), (s - datetime.combine(s.date(), datetime.min.time())).seconds,
                   (e - datetime.combine(s.date(), datetime.min.time())).seconds)
                  for s, e, _ in diversion_periods(practice_code, start_day, end_day, seed,
                                                   profile)]
    seq = 0
    day = start_day
    closed_yesterday = False
    total = _CUMULATIVE[-1]
    while day <= end_day:
        patients = list_size(day) if callable(list_size) else list_size
        holiday = day.isoformat() in BANK_HOLIDAYS_ENGLAND
        weekday = day.weekday()
        factor = BANK_HOLIDAY_FACTOR if holiday else WEEKDAY_FACTOR[weekday]
        if not holiday and weekday < 5 and closed_yesterday:
            factor *= AFTER_CLOSURE_FACTOR
        if weekday < 5:
            closed_yesterday = holiday
        per_day = patients * profile.calls_per_patient_month * 12 / (365.25 / 7 * _WEEK_FACTOR)
        mean = per_day * factor * SEASON[day.month]
        n = max(0, round(mean + math.sqrt(mean) * _normal(rng)))
        seconds = sorted(bisect_right(_CUMULATIVE, rng.random() * total) * 900
                         + int(rng.random() * 900) for _ in range(n))
        core_day = weekday < 5 and not holiday
        # Busy days queue longer: load relative to an average weekday in an average month.
        day_load = factor * SEASON[day.month] / profile.capacity
        divert = [(a, b) for d, a, b in diversions if d == day]
        calls: list[tuple] = []
        core_inbound = 0
        for second in seconds:
            if second >= DAY_SECONDS:
                second = DAY_SECONDS - 1
            if _spring_forward(day) and 3600 <= second < 7200:
                second += 3600
            number = callers.next()
            core = core_day and CORE_START <= second < CORE_END
            core_inbound += core
            calls.append((second, "inbound", number,
                          *_inbound(rng, profile, core, second, day_load, divert)))
        outbound = round(core_inbound * profile.outbound_share)
        for _ in range(outbound):
            second = CORE_START + 1800 + int(rng.random() * (CORE_END - CORE_START - 2700))
            answered = rng.random() < 0.8
            ring = 5 + int(rng.random() * (20 if answered else 30))
            talk = int(20 + 110 * _loglogistic(rng.random())) if answered else 0
            calls.append((second, "outbound", callers._any(),
                          "answered" if answered else "missed", "outbound", ring, talk, 0, 0,
                          False, False))
        calls.sort(key=lambda c: c[0])
        for c in calls:
            seq += 1
            yield SyntheticCall(practice_code, seq, day, *c)
        day += timedelta(days=1)


def _inbound(rng: random.Random, profile: CallProfile, core: bool, second: int,
             day_load: float, divert: list[tuple[int, int]]) -> tuple:
    """(outcome, route, wait, talk, ivr, voicemail, callback made, is_111) of one inbound call."""
    if not core:
        ivr = 15 + int(rng.random() * 40)  # the closed message, then the caller hangs up
        return "ivr_ended", "closed", ivr, 0, ivr, 0, False, False
    for low, high in divert:
        if low <= second < high:
            ivr = 10 + int(rng.random() * 20)
            return "ivr_ended", "111_diversion", ivr, 0, ivr, 0, False, True
    u = rng.random()
    if u < profile.ivr_menu_share:
        ivr = 8 + int(rng.random() * 50)
        return "ivr_ended", "menu", ivr, 0, ivr, 0, False, False
    if u < profile.ivr_menu_share + profile.route_111_share:
        ivr = 20 + int(rng.random() * 30)
        return "ivr_ended", "111_option", ivr, 0, ivr, 0, False, True
    pressure = PRESSURE[second // 900] * day_load
    menu = 6 + int(rng.random() * 14)
    v = rng.random()
    callback = profile.callback_share * pressure if profile.callbacks else 0.0
    callback = min(callback, 0.12)
    missed = min(0.09 * pressure / profile.capacity, 0.45)
    if v < callback:
        wait = menu + int(30 + 60 * pressure * rng.random())
        made = rng.random() < profile.callback_made_share
        return "callback_requested", "queue", wait, 0, menu, 0, made, False
    if v < callback + missed:
        wait = menu + int(30 * (0.5 + 0.5 * pressure) * _loglogistic(rng.random()))
        wait = min(wait, 2400)
        if rng.random() < profile.voicemail_share:
            message = 15 + int(rng.random() * 60)
            return "missed", "queue", wait + message, 0, menu, message, False, False
        return "missed", "queue", wait, 0, menu, 0, False, False
    scale = 30 * (0.4 + 0.6 * pressure * pressure) / profile.capacity
    wait = min(menu + int(scale * _loglogistic(rng.random())), 3600)
    talk = min(15 + int(85 * _loglogistic(rng.random())), 2700)
    return "answered", "queue", wait, talk, menu, 0, False, False


# --- counting as the importers read ------------------------------------------------------------
def band(seconds: float) -> str:
    """NHS band of a wait or duration, with the importers' edges (aggregates.py)."""
    if seconds < 60:
        return "lt1m"
    if seconds < 120:
        return "1to2m"
    if seconds <= 300:
        return "2to5m"
    return "gt5m"


def read_outcome(call: SyntheticCall, fmt: str) -> str:
    """The canonical outcome the importer gives the call in format `fmt`. 3CX and Asterisk logs
    have no call-back outcome: a call-back request reads as a caller leaving the queue (missed);
    give 3CX and Asterisk practices CallProfile(callbacks=False)."""
    if call.outcome == "callback_requested" and fmt in ("3cx", "asterisk"):
        return "missed"
    return call.outcome


class Tally:
    """Per local month, the CBT counts of inbound calls as the importer of `fmt` reads them."""

    def __init__(self, fmt: str = "xon"):
        if fmt not in FORMATS:
            raise ValueError(f"unknown call-log format {fmt!r}")
        self.fmt = fmt
        self.months: dict[str, dict[str, int]] = {}

    def add(self, call: SyntheticCall) -> None:
        if call.direction != "inbound":
            return
        counts = self.months.get(call.month)
        if counts is None:
            counts = self.months[call.month] = dict.fromkeys(COUNT_COLUMNS, 0)
        outcome = read_outcome(call, self.fmt)
        counts["inbound"] += 1
        counts[outcome] += 1
        if outcome == "callback_requested" and call.callback_made:
            counts["callback_made"] += 1
        if outcome == "answered":
            counts[f"answered_wait_{band(call.wait_s)}"] += 1
            counts[f"answered_duration_{band(call.talk_s)}"] += 1
        elif outcome == "missed":
            counts[f"missed_wait_{band(call.wait_s)}"] += 1

    def counting(self, calls: Iterable[SyntheticCall]) -> Iterator[SyntheticCall]:
        """Pass the calls through, counting them (to tally while a writer streams them)."""
        for call in calls:
            self.add(call)
            yield call


# --- writing helpers ---------------------------------------------------------------------------
_HMS = [f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(DAY_SECONDS)]


class _Clock:
    """Formats (day, seconds since local midnight, possibly past midnight) quickly."""

    def __init__(self, day_format: str):
        self.day_format = day_format
        self._days: dict[date, str] = {}

    def day_text(self, day: date) -> str:
        text = self._days.get(day)
        if text is None:
            if len(self._days) > 4000:
                self._days.clear()
            text = self._days[day] = day.strftime(self.day_format)
        return text

    def split(self, day: date, second: int) -> tuple[str, str]:
        while second >= DAY_SECONDS:
            day, second = day + timedelta(days=1), second - DAY_SECONDS
        return self.day_text(day), _HMS[second]

    def stamp(self, day: date, second: int) -> str:
        d, t = self.split(day, second)
        return f"{d} {t}"


def _epoch_midnight(day: date) -> int:
    """Seconds since 1970 (UTC) of local midnight, for Asterisk's epoch ids (noon's offset)."""
    from practice_desk.telephony.times import LONDON

    noon = datetime(day.year, day.month, day.day, 12, tzinfo=LONDON)
    offset = int(noon.utcoffset().total_seconds())
    return int((datetime(day.year, day.month, day.day, tzinfo=UTC)).timestamp()) - offset


def _hms(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def _xon_duration(seconds: int) -> str:
    return f"{seconds // 60}m {seconds % 60:02d}s" if seconds >= 60 else f"{seconds}s"


def _zip_member(archive: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = 0
    archive.writestr(info, data)


# --- 3CX CDR -----------------------------------------------------------------------------------
THREECX_HEADER = [
    "historyid", "callid", "duration", "time-start", "time-answered", "time-end",
    "reason-terminated", "from-no", "to-no", "from-dn", "to-dn", "dial-no", "reason-changed",
    "final-number", "final-dn", "chain", "from-type", "to-type", "final-type",
]
IVR_DN, QUEUE_DN, CLOSED_DN, VOICEMAIL_DN, TRUNK_DN = "800", "801", "802", "999", "10000"


def write_3cx_cdr(calls: Iterable[SyntheticCall], path: str | Path,
                  file_output: bool = False) -> Path:
    """A 3CX CDR export: one row per leg (the IVR, then the queue, then voicemail), legs of one
    call sharing `callid`; times local 'YYYY-MM-DD HH:MM:SS', CRLF line ends. `file_output`:
    3CX's own CDR file instead (no header, UTF-8 BOM, `Call N` history ids, 'YYYY/MM/DD' times,
    the 27 default fields, as telephony.md describes)."""
    path = Path(path)
    clock = _Clock("%Y/%m/%d" if file_output else "%Y-%m-%d")
    with open(path, "w", newline="", encoding="utf-8-sig" if file_output else "utf-8") as f:
        out = csv.writer(f, lineterminator="\r\n")
        if not file_output:
            out.writerow(THREECX_HEADER)
        history = 0
        for c in calls:
            rows = _threecx_legs(c, clock)
            for row in rows:
                history += 1
                if file_output:  # bill fields before the chain; display names after the types
                    row = [f"Call {history}", *row[:14], "", "", "", "", *row[14:], "", "", "",
                           ""]
                    out.writerow(row)
                else:
                    out.writerow([history, *row])
    return path


def _threecx_legs(c: SyntheticCall, clock: _Clock) -> list[list]:
    stamp, day, t0 = clock.stamp, c.day, c.second
    callid = f"{c.practice}-{c.seq:08d}"
    agent = f"2{c.seq % 12:02d}"
    if c.direction == "outbound":
        answered = stamp(day, t0 + c.wait_s) if c.outcome == "answered" else ""
        end = t0 + c.wait_s + c.talk_s
        return [[callid, _hms(end - t0), stamp(day, t0), answered, stamp(day, end),
                 "TerminatedBySrc", agent, c.number, agent, TRUNK_DN, c.number, "", c.number,
                 TRUNK_DN, f"Chain: {agent};{TRUNK_DN}", "Extension", "Line", "Line"]]
    caller = c.number or "anonymous"
    practice = practice_number(c.practice)

    def leg(start, answered, end, reason, to_dn, changed, final_number, final_dn, to_type,
            final_type):
        return [callid, _hms(end - start), stamp(day, start),
                stamp(day, answered) if answered is not None else "", stamp(day, end), reason,
                caller, to_dn, TRUNK_DN, to_dn, practice, changed, final_number, final_dn,
                f"Chain: {TRUNK_DN};{to_dn}" + (f";{final_number}" if final_number != to_dn
                                                  else ""),
                "Line", to_type, final_type]

    if c.route == "closed":
        return [leg(t0, t0, t0 + c.ivr_s, "TerminatedBySrc", CLOSED_DN, "", CLOSED_DN, CLOSED_DN,
                    "IVR", "IVR")]
    if c.route == "menu":
        return [leg(t0, t0, t0 + c.ivr_s, "TerminatedBySrc", IVR_DN, "", IVR_DN, IVR_DN, "IVR",
                    "IVR")]
    if c.route in ("111_option", "111_diversion"):
        return [leg(t0, t0, t0 + c.ivr_s, "TerminatedByDst", IVR_DN, "ReplacedDst", "111",
                    TRUNK_DN, "IVR", "Line")]
    queued = t0 + c.ivr_s
    legs = [leg(t0, t0, queued, "TerminatedBySrc", IVR_DN, "", QUEUE_DN, QUEUE_DN, "IVR", "IVR")]
    if c.outcome == "answered":
        answer = t0 + c.wait_s
        legs.append(leg(queued, answer, answer + c.talk_s, "TerminatedByDst", QUEUE_DN, "",
                        agent, agent, "Queue", "Extension"))
    elif c.voicemail_s:
        left = t0 + c.wait_s - c.voicemail_s
        legs.append(leg(queued, None, left, "TerminatedBySrc", QUEUE_DN, "", QUEUE_DN, QUEUE_DN,
                        "Queue", "Queue"))
        legs.append(leg(left, left, t0 + c.wait_s, "TerminatedBySrc", VOICEMAIL_DN, "",
                        VOICEMAIL_DN, VOICEMAIL_DN, "VoiceMail", "VoiceMail"))
    else:  # missed (or a call-back request, which 3CX logs as the caller leaving the queue)
        legs.append(leg(queued, None, t0 + c.wait_s, "TerminatedBySrc", QUEUE_DN, "", QUEUE_DN,
                        QUEUE_DN, "Queue", "Queue"))
    return legs


# --- Asterisk / FreePBX ------------------------------------------------------------------------
QUEUE_NAME = "reception"


def _asterisk_lines(calls: Iterable[SyntheticCall], master, queue_log,
                    newcdrcolumns: bool = False) -> None:
    clock = _Clock("%Y-%m-%d")
    stamp = clock.stamp
    out = csv.writer(master, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\n")
    epochs: dict[date, int] = {}
    for c in calls:
        midnight = epochs.get(c.day)
        if midnight is None:
            if len(epochs) > 4000:
                epochs.clear()
            midnight = epochs[c.day] = _epoch_midnight(c.day)
        epoch = midnight + c.second
        uid = f"{epoch}.{c.seq}"
        t0, day = c.second, c.day
        agent = f"SIP/2{c.seq % 12:02d}"
        channel = f"SIP/trunk-{c.seq % 65536:04x}"
        if c.direction == "outbound":
            answered = c.outcome == "answered"
            end = t0 + c.wait_s + c.talk_s
            row = ["", agent[4:], c.number, "from-internal", f'"Reception" <{agent[4:]}>',
                   f"{agent}-{c.seq % 65536:04x}", channel, "Dial", f"SIP/trunk/{c.number},60",
                   stamp(day, t0), stamp(day, t0 + c.wait_s) if answered else "",
                   stamp(day, end), end - t0, c.talk_s, "ANSWERED" if answered else "NO ANSWER",
                   "DOCUMENTATION", uid, ""]
            out.writerow(row + ["", uid, 1] if newcdrcolumns else row)
            continue
        src = c.number or "anonymous"
        clid = f'"{"Anonymous" if c.number is None else "Caller"}" <{src}>'
        dst = practice_number(c.practice)

        legs: list[tuple] = []  # (context, dstchannel, app, data, start, answer, end, billsec,
        #                            disposition)
        if c.route in ("closed", "menu", "111_option", "111_diversion"):
            context, data = {
                "closed": ("ivr-closed", "practice-closed-message"),
                "menu": ("ivr-main", "main-menu"),
                "111_option": ("ivr-main", "nhs-111-message"),
                "111_diversion": ("ivr-divert", "nhs-111-divert"),
            }[c.route]
            app = "BackGround" if c.route == "menu" else "Playback"
            legs.append((context, "", app, data, t0, t0, t0 + c.ivr_s, c.ivr_s, "ANSWERED"))
        elif c.voicemail_s:  # rang the reception group, nobody answered, voicemail
            left = t0 + c.wait_s - c.voicemail_s
            legs.append(("from-pstn", f"{agent}-0001", "Dial", f"{agent},30", t0, None, left, 0,
                         "NO ANSWER"))
            legs.append(("from-pstn", "", "VoiceMail", "200@default", left, left,
                         t0 + c.wait_s, c.voicemail_s, "ANSWERED"))
        else:
            answered = c.outcome == "answered"
            end = t0 + c.wait_s + c.talk_s
            legs.append(("from-pstn", f"{agent}-{c.seq % 65536:04x}" if answered else "",
                         "Queue", f"{QUEUE_NAME},t", t0, t0, end, end - t0, "ANSWERED"))
            log = queue_log.write
            log(f"{epoch + c.ivr_s}|{uid}|{QUEUE_NAME}|NONE|ENTERQUEUE||{src}|1\n")
            if answered:
                log(f"{epoch + c.wait_s}|{uid}|{QUEUE_NAME}|{agent}|CONNECT|{c.wait_s}|"
                    f"{epoch + c.wait_s}.{c.seq}|3\n")
                event = "COMPLETECALLER" if c.seq % 3 else "COMPLETEAGENT"
                log(f"{epoch + end - t0}|{uid}|{QUEUE_NAME}|{agent}|{event}|{c.wait_s}|"
                    f"{c.talk_s}|1\n")
            else:
                log(f"{epoch + c.wait_s}|{uid}|{QUEUE_NAME}|NONE|ABANDON|1|"
                    f"{1 + c.seq % 4}|{c.wait_s}\n")
        for context, dst_channel, app, data, start, answer, end, billsec, disposition in legs:
            row = ["", src, dst, context, clid, channel, dst_channel, app, data,
                   stamp(day, start), stamp(day, answer) if answer is not None else "",
                   stamp(day, end), end - start, billsec, disposition, "DOCUMENTATION", uid, ""]
            out.writerow(row + ["", uid, c.seq % 1000] if newcdrcolumns else row)


def write_asterisk(calls: Iterable[SyntheticCall], folder: str | Path,
                   newcdrcolumns: bool = False) -> tuple[Path, Path]:
    """Asterisk/FreePBX `Master.csv` (no header, 18 quoted fields; 21 with `newcdrcolumns`:
    peeraccount, linkedid, sequence) and `queue_log` in `folder`."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    master, queue_log = folder / "Master.csv", folder / "queue_log"
    with open(master, "w", newline="", encoding="utf-8") as m, \
            open(queue_log, "w", newline="", encoding="utf-8") as q:
        _asterisk_lines(calls, m, q, newcdrcolumns)
    return master, queue_log


def write_asterisk_zip(calls: Iterable[SyntheticCall], path: str | Path) -> Path:
    """Master.csv and queue_log in one zip (imported together, in one transaction)."""
    path = Path(path)
    master, queue_log = io.StringIO(newline=""), io.StringIO(newline="")
    _asterisk_lines(calls, master, queue_log)
    with zipfile.ZipFile(path, "w") as archive:
        _zip_member(archive, "Master.csv", master.getvalue().encode("utf-8"))
        _zip_member(archive, "queue_log", queue_log.getvalue().encode("utf-8"))
    return path


# --- X-on Surgery Connect ----------------------------------------------------------------------
XON_HEADER = ["Call Date", "Call Time", "Call ID", "Direction", "Caller Number",
              "Dialled Number", "Queue", "IVR Option", "Outcome", "Queue Time", "Talk Time"]


def _spaced(number: str | None) -> str:
    if number is None:
        return "Withheld"
    return f"{number[:5]} {number[5:]}"


def write_xon_export(calls: Iterable[SyntheticCall], path: str | Path) -> Path:
    """An X-on Surgery Connect style export: day-first dates, '1m 09s' durations, X-on's words
    ('Abandoned' = never reached a queue, 'Missed', 'Voicemail', 'Callback ...')."""
    path = Path(path)
    clock = _Clock("%d/%m/%Y")
    with open(path, "w", newline="", encoding="utf-8") as f:
        out = csv.writer(f, lineterminator="\r\n")
        out.writerow(XON_HEADER)
        for c in calls:
            day_text, time_text = clock.split(c.day, c.second)
            own = _spaced(practice_number(c.practice))
            call_id = f"X{c.seq:08d}"
            if c.direction == "outbound":
                out.writerow([day_text, time_text, call_id, "Outbound", own, _spaced(c.number),
                              "", "", "Answered" if c.outcome == "answered" else "Missed",
                              "0s", _xon_duration(c.talk_s)])
                continue
            queue, option = "Reception", "1"
            if c.route == "queue":
                if c.outcome == "answered":
                    word = "Answered"
                elif c.outcome == "callback_requested":
                    word = "Callback successful" if c.callback_made else \
                        "Callback patient-cancelled"
                else:
                    word = "Voicemail" if c.voicemail_s else "Missed"
            else:
                word = "Abandoned"
                queue, option = {"closed": ("Closed message", ""), "menu": ("", ""),
                                 "111_option": ("", "3 - NHS 111"),
                                 "111_diversion": ("NHS 111 diversion", "")}[c.route]
            out.writerow([day_text, time_text, call_id, "Inbound", _spaced(c.number), own,
                          queue, option, word, _xon_duration(c.wait_s),
                          _xon_duration(c.talk_s)])
    return path


def write_call_log(fmt: str, calls: Iterable[SyntheticCall], path: str | Path) -> Path:
    """One file in `fmt` ('3cx', 'asterisk' as a zip, or 'xon')."""
    if fmt == "3cx":
        return write_3cx_cdr(calls, path)
    if fmt == "asterisk":
        return write_asterisk_zip(calls, path)
    if fmt == "xon":
        return write_xon_export(calls, path)
    raise ValueError(f"unknown call-log format {fmt!r}")


# --- CBT publication workbook ------------------------------------------------------------------
@dataclass(frozen=True)
class CbtRow:
    """One practice-month of the publication: the practice's details and its counts."""

    month: date
    code: str
    name: str
    pcn_code: str
    pcn_name: str
    sub_icb_code: str
    sub_icb_name: str
    icb_code: str
    icb_name: str
    region_code: str
    region_name: str
    counts: dict[str, int]


INFO_HEADERS = ["Month [1]", "GP Practice \n(ODS_CODE)", "GP Name", "PCN Code", "PCN Name [2,3]",
                "Sub ICB Code [2]", "Sub ICB Name", "ICB Code  [2]", "ICB Name",
                "Region Code  [2]", "Region Name"]
BAND_HEADERS = ["Less than 1 minute", "1 - 2 minutes", "2 - 5 minutes", "Longer than 5 minutes"]
COUNT_FORMAT = '_-* #,##0_-;\\-* #,##0_-;_-* "-"??_-;_-@_-'
TITLE = "DEMO Cloud Based Telephony Publication Summary (made-up figures, not NHS England data)"


def _share(top: int, bottom: int) -> float | str:
    return round(top / bottom, 3) if bottom else "-"


# (table title, group labels {column: text}, header cells {column: text}, sub-header
#  {column: text}, total row, first data row, cells of one row {column: (count key, share of)})
def _table_layouts() -> list[tuple]:
    t3 = {"L": ("inbound", None), "N": ("answered", "inbound"), "P": ("ivr_ended", "inbound"),
          "R": ("callback_requested", "inbound"), "U": ("missed", "inbound"),
          "X": ("callback_made", "callback_requested")}
    t3_heads = {"L": "Count of Inbound calls", "N": "Answered",
                "P": "Ended during the IVR Stage [4]", "R": "Call back requested",
                "U": "Missed", "X": "Call back made"}
    t3_sub = {"L": "Total", "N": "Total", "O": "%", "P": "Total", "Q": "%", "R": "Total",
              "S": "%", "U": "Total", "V": "%", "X": "Total", "Y": "% of requested"}
    t4 = {"L": ("inbound", None), "M": ("answered", "inbound")}
    t4_heads = {"L": "Total Inbound calls", "M": "Answered"}
    for first, kind in (("P", "answered_wait"), ("Y", "answered_duration")):
        start = _col(first)
        for i, b in enumerate(BANDS):
            letter = _letter(start + 2 * i)
            t4[letter] = (f"{kind}_{b}", "answered")
            t4_heads[letter] = BAND_HEADERS[i]
    t5 = {"L": ("inbound", None), "M": ("missed", "inbound")}
    t5_heads = {"L": "Total Inbound calls", "M": "Missed"}
    for i, b in enumerate(BANDS):
        letter = _letter(_col("P") + 2 * i)
        t5[letter] = (f"missed_wait_{b}", "missed")
        t5_heads[letter] = BAND_HEADERS[i]

    def sub(cells):
        out = {}
        for letter, (_, of) in cells.items():
            out[letter] = "Count"
            if of:
                out[_letter(_col(letter) + 1)] = "%"
        return out

    return [
        ("Table 3", "Table 3: Summary of Cloud based telephony call outcomes, by practice, "
                    "England (DEMO)", {"N": "Count of Inbound Call Outcome"}, t3_heads, t3_sub,
         13, 15, t3),
        ("Table 4", "Table 4: Summary of Answered Calls, the time it took to answer and the "
                    "duration of the call by practice, England (DEMO)",
         {"P": "Answered Calls - Wait time [4]", "Y": "Answered Calls - Duration"}, t4_heads,
         sub(t4), 12, 14, t4),
        ("Table 5", "Table 5: Summary of Missed Calls, the time it took to answer and the "
                    "duration of the call by practice, England (DEMO)",
         {"P": "Missed Calls - Wait time"}, t5_heads, sub(t5), 12, 14, t5),
    ]


def _col(letter: str) -> int:
    n = 0
    for ch in letter:
        n = n * 26 + ord(ch) - 64
    return n


def _letter(n: int) -> str:
    out = ""
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


def write_cbt_workbook(rows: list[CbtRow], path: str | Path) -> Path:
    """Tables 3-5 in the publication's layout (title rows, group labels on row 9, headers on row
    10, 'Total'/'Count'/'%' on row 11, a 'Total' row, then one row per practice-month), plus a
    title sheet saying the figures are made up. Byte-identical for the same rows."""
    import openpyxl
    from openpyxl.styles import Font

    path = Path(path)
    book = openpyxl.Workbook()
    title = book.active
    title.title = "Title sheet"
    title["A8"] = "Cloud Based Telephony data in General Practice - DEMO"
    title["A10"] = "Made-up figures for the Practice Desk demo. Not NHS England data."
    months = sorted({r.month for r in rows})
    if months:
        title["A12"] = f"{months[0]:%B %Y} to {months[-1]:%B %Y}"
    ordered = sorted(rows, key=lambda r: (r.month, r.code))
    totals = dict.fromkeys(COUNT_COLUMNS, 0)
    for r in ordered:
        for key in COUNT_COLUMNS:
            totals[key] += r.counts.get(key) or 0
    bold = Font(bold=True)
    for name, heading, groups, heads, sub, total_row, first_row, cells in _table_layouts():
        sheet = book.create_sheet(name)
        sheet["A5"] = "Return to Contents"
        sheet["A7"] = heading
        sheet["A7"].font = bold
        for letter, text in groups.items():
            sheet[f"{letter}9"] = text
        for i, text in enumerate(INFO_HEADERS):
            sheet.cell(10, i + 1, text).font = bold
        for letter, text in heads.items():
            sheet[f"{letter}10"] = text
            sheet[f"{letter}10"].font = bold
        for letter, text in sub.items():
            sheet[f"{letter}11"] = text
        sheet.cell(total_row, 1, "Total")
        sheet.cell(total_row, 2, "National")
        _values(sheet, total_row, cells, totals)
        for offset, r in enumerate(ordered):
            number = first_row + offset
            info = [r.month, r.code, r.name, r.pcn_code, r.pcn_name, r.sub_icb_code,
                    r.sub_icb_name, r.icb_code, r.icb_name, r.region_code, r.region_name]
            for i, value in enumerate(info):
                sheet.cell(number, i + 1, value)
            sheet.cell(number, 1).number_format = "mmm-yy"
            _values(sheet, number, cells, r.counts)
        last = first_row + len(ordered) + 2
        sheet.cell(last, 1, "Made-up figures for the Practice Desk demo. Not NHS England data.")
        sheet.freeze_panes = f"A{first_row}"
    buffer = io.BytesIO()
    book.save(buffer)
    path.write_bytes(fixed_zip(buffer.getvalue()))
    return path


def _values(sheet, number: int, cells: dict, counts: dict[str, int]) -> None:
    for letter, (key, of) in cells.items():
        column = _col(letter)
        value = counts.get(key)
        cell = sheet.cell(number, column, "-" if value is None else value)
        cell.number_format = COUNT_FORMAT
        if of:
            bottom = counts.get(of)
            share = "-" if value is None or not bottom else _share(value, bottom)
            sheet.cell(number, column + 1, share).number_format = "0.0%"


_CORE_DATES = re.compile(rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)")


def fixed_zip(data: bytes) -> bytes:
    """The saved workbook with fixed member timestamps and document dates (openpyxl stamps now)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            member = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                member = _CORE_DATES.sub(rb"\g<1>" + WORKBOOK_TIME.encode() + rb"\g<3>", member)
            _zip_member(dst, info.filename, member)
    return out.getvalue()
