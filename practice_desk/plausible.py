"""The ranges every importer holds its numbers to (one place; the definitions page lists them).

A value outside them is refused by line like any other bad value: it is damage in the file (or a
number Excel mangled), and left in it would overflow SQLite's integers or poison a median.
A module of its own, outside the importing package, so that low-level modules (telephony.times)
can use it without importing every importer."""

from __future__ import annotations

# Appointments, calls, patients or NHS App figures of one practice, area or England in one period:
# far above any real one (England has about 30 million appointments a month).
MAX_COUNT = 10**9
# One call's wait, ring or talk time: a day is far above any real call.
MAX_CALL_SECONDS = 24 * 3600


def check_count(value: int, text: object, what: str = "count") -> int:
    if value > MAX_COUNT:
        raise ValueError(f"{what} '{text}' is too large to be real (over {MAX_COUNT:,})")
    return value


def check_call_seconds(value: float, text: object, what: str) -> float:
    if value > MAX_CALL_SECONDS:
        raise ValueError(f"{what} '{text}' is longer than a day: not a real call")
    return value
