"""Times and durations as telephony exports write them, and Europe/London local time.

Clock changes (documented rule, applied to times written without an offset):
- a local time that happens twice (the hour before 02:00 on the last Sunday of October) is read as
  the *first* occurrence, still on summer time (BST, UTC+1) — `fold=0`;
- a local time that never happens (01:00-01:59 on the last Sunday of March) is read with the offset
  in force just before the change (GMT, UTC+0), so 01:30 becomes 01:30 UTC = 02:30 BST.
Times with an explicit offset or `Z` are taken as written. The stored local day, time and weekday
are always derived from the UTC instant, so every call lands on exactly one local day and hour.
A call spanning midnight belongs to the day it started.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from practice_desk.plausible import check_call_seconds

LONDON = ZoneInfo("Europe/London")


class BadValue(ValueError):
    """A value that cannot be read; the message names the value and what was expected."""


_TIME = r"(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,6}))?)?\s*([AaPp][Mm])?"
_ISO = re.compile(r"^(\d{4})([-/.])(\d{1,2})\2(\d{1,2})(?:[T ]" + _TIME +
                  r")?\s*(Z|[+-]\d{2}:?\d{2})?$")
_SLASHED = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})(?:,?\s+" + _TIME + r")?$")
_TIME_ONLY = re.compile(r"^" + _TIME + r"$")
_EXCEL_SERIAL = re.compile(r"^\d{5}(?:\.\d+)?$")
_EPOCH = re.compile(r"^1\d{9}(?:\.\d+)?$")  # seconds since 1970: 2001 to 2286
_EXCEL_EPOCH = datetime(1899, 12, 30)


def zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "Europe/London")
    except (ZoneInfoNotFoundError, ValueError):
        raise BadValue(f"'{name}' is not a time zone (use e.g. Europe/London or UTC)") from None


def _clock(groups: tuple, text: str) -> tuple[int, int, int, int]:
    hour, minute, second, fraction, ampm = groups
    h, m, s = int(hour), int(minute), int(second or 0)
    micro = int((fraction or "0").ljust(6, "0")[:6])
    if ampm:
        if not 1 <= h <= 12:
            raise BadValue(f"'{text}' is not a time")
        h = h % 12 + (12 if ampm.lower() == "pm" else 0)
    if h > 23 or m > 59 or s > 59:
        raise BadValue(f"'{text}' is not a time")
    return h, m, s, micro


def parse_time_of_day(text: str) -> tuple[int, int, int, int]:
    """'08:03', '08:03:15', '8:03 pm' -> (hour, minute, second, microsecond)."""
    m = _TIME_ONLY.match(text.strip())
    if not m:
        raise BadValue(f"'{text}' is not a time of day (such as 08:03 or 08:03:15)")
    return _clock(m.groups(), text)


def parse_local(text: str, day_first: bool = True, fmt: str | None = None,
                time_text: str | None = None) -> tuple[datetime, bool]:
    """A date-time as written -> (naive or aware datetime, has_offset).

    Understands ISO (2025-10-06 08:03:15, 2025-10-06T07:03:15Z, 3CX's 2025/10/06 08:03:15),
    epoch seconds (1759734195), UK day-first dates
    (06/10/2025 08:03[:15], 06/10/25 8:03, 06-10-2025), US month-first when `day_first` is False,
    Excel serial numbers (45936.335) and an explicit strptime `fmt`. `time_text` is a separate
    time column (the date column then holds only the date).
    """
    value = text.strip().lstrip("'").strip()
    if time_text is not None and time_text.strip():
        value = f"{value} {time_text.strip().lstrip(chr(39))}"
    if not value:
        raise BadValue("the start time is empty")
    try:
        if fmt:
            parsed = datetime.strptime(value, fmt)
            return parsed, parsed.tzinfo is not None
        if m := _ISO.match(value):
            y, mo, d = int(m[1]), int(m[3]), int(m[4])
            h, mi, s, us = _clock(m.groups()[4:9], value) if m[5] else (0, 0, 0, 0)
            result = datetime(y, mo, d, h, mi, s, us)
            offset = m[10]
            if offset:
                if offset == "Z":
                    return result.replace(tzinfo=UTC), True
                sign = 1 if offset[0] == "+" else -1
                digits = offset[1:].replace(":", "")
                delta = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
                return (result - sign * delta).replace(tzinfo=UTC), True
            return result, False
        if m := _SLASHED.match(value):
            first, second, year = int(m[1]), int(m[2]), int(m[3])
            year += 2000 if year < 100 else 0
            d, mo = (first, second) if day_first else (second, first)
            h, mi, s, us = _clock(m.groups()[3:8], value) if m[4] else (0, 0, 0, 0)
            return datetime(year, mo, d, h, mi, s, us), False
        if _EPOCH.match(value):
            return datetime.fromtimestamp(float(value), UTC), True
        if _EXCEL_SERIAL.match(value):
            return _EXCEL_EPOCH + timedelta(days=float(value)), False
    except ValueError as exc:
        if isinstance(exc, BadValue):
            raise
        raise BadValue(f"'{value}' is not a real date and time ({exc})") from None
    raise BadValue(f"'{value}' is not a date and time in a form Practice Desk reads "
                   "(such as 06/10/2025 08:03:15 or 2025-10-06 08:03:15)")


_FIRST_TWO = re.compile(r"^\s*'?(\d{1,2})[/.-](\d{1,2})[/.-]\d{2,4}\b")


def settle_day_first(texts) -> bool | None:
    """True when some date reads only day first (13/10/2025), False when only month first
    (10/13/2025), None when nothing settles it (or the dates are not d/m/y at all). Raises
    BadValue when the file has both, which no single order reads."""
    day_first = month_first = None
    for text in texts:
        m = _FIRST_TWO.match(text)
        if not m:
            continue
        first, second = int(m[1]), int(m[2])
        if first > 12 and day_first is None:
            day_first = text.strip()
        elif second > 12 and month_first is None:
            month_first = text.strip()
        if day_first and month_first:
            raise BadValue(f"the dates are in both orders ('{day_first}' is day first, "
                           f"'{month_first}' month first); Practice Desk reads one order "
                           "per file")
    return True if day_first else False if month_first else None


def to_utc(naive_or_aware: datetime, tz: ZoneInfo = LONDON) -> datetime:
    """UTC instant of a time read from a file; naive times are local in `tz` (rules above)."""
    if naive_or_aware.tzinfo is not None:
        return naive_or_aware.astimezone(UTC)
    local = naive_or_aware.replace(tzinfo=tz, fold=0)
    if local.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != naive_or_aware:
        # The clocks skipped this time: keep the offset in force just before the change.
        before = (naive_or_aware - timedelta(hours=3)).replace(tzinfo=tz)
        return (naive_or_aware - before.utcoffset()).replace(tzinfo=UTC)
    return local.astimezone(UTC)


def london(utc: datetime) -> datetime:
    return utc.astimezone(LONDON)


_UNITS = re.compile(
    r"(\d+(?:\.\d+)?)\s*(h|hr|hrs|hours?|m|min|mins|minutes?|s|sec|secs|seconds?)\b",
    re.IGNORECASE)
_CLOCK_DURATION = re.compile(r"^(?:(\d+):)?(\d{1,2}):(\d{2})(?:\.(\d+))?$")


def parse_duration(text: str, what: str = "duration") -> float | None:
    """Seconds from '69', '69.5', '1m 9s', '02m 55s', '1h 2m', '00:01:09', '1:09'; '' -> None.
    A duration longer than a day is refused (plausible.MAX_CALL_SECONDS)."""
    seconds = _duration(text, what)
    if seconds is not None:
        try:
            check_call_seconds(seconds, text, what)
        except ValueError as exc:
            raise BadValue(str(exc)) from None
    return seconds


def _duration(text: str, what: str) -> float | None:
    value = text.strip().lstrip("'").strip()
    if value in ("", "-"):
        return None
    try:
        seconds = float(value)
    except ValueError:
        seconds = None
    if seconds is not None:
        if seconds < 0 or seconds != seconds:
            raise BadValue(f"{what} '{text}' is negative")
        return seconds
    if m := _CLOCK_DURATION.match(value):
        hours, minutes, secs = int(m[1] or 0), int(m[2]), int(m[3])
        return hours * 3600 + minutes * 60 + secs + float(f"0.{m[4]}" if m[4] else 0)
    parts = _UNITS.findall(value)
    if parts and _UNITS.sub("", value).strip() == "":
        total = 0.0
        for number, unit in parts:
            scale = 3600 if unit[0].lower() == "h" else 60 if unit[0].lower() == "m" else 1
            total += float(number) * scale
        return total
    raise BadValue(f"{what} '{text}' is not a number of seconds or a duration such as 1m 9s "
                   "or 00:01:09")


def day_range(start: str | None, end: str | None) -> tuple[str, str]:
    """Inclusive day bounds from months ('2025-10') or days ('2025-10-06'); None = open."""
    low = "0000-00-00" if not start else (start + "-01" if len(start) == 7 else start)
    high = "9999-12-31" if not end else (end + "-31" if len(end) == 7 else end)
    return low, high


def month_days(month: str) -> tuple[date, date]:
    """First day of the month and first day of the next."""
    year, mon = int(month[:4]), int(month[5:7])
    first = date(year, mon, 1)
    following = date(year + (mon == 12), mon % 12 + 1, 1)
    return first, following
