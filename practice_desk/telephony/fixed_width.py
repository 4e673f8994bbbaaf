"""Dates and clock times of many texts at once, for the fixed shapes exports write: `06/10/2025`,
`2025-10-06`, `2025/10/06`, `08:03:15`, `08:03`, and a date and a clock joined by one space.

numpy reads the texts' bytes, so a million distinct times cost no Python each. Every other shape,
and every value out of range (13/13/2025, 24:00), is NaN here and left to times.parse_local, which
reads every form the importers accept and words the problem; what is read here is what
parse_local would read.
"""

from __future__ import annotations

import numpy as np

NAN = float("nan")
_ZERO, _SPACE, _COLON = ord("0"), ord(" "), ord(":")
_DATE_SEPARATORS = np.array([(ord(c) - _ZERO) % 256 for c in "/.-"], dtype=np.uint8)


def dates(texts: np.ndarray, day_first: bool) -> np.ndarray:
    """Seconds from 1970-01-01 to each date's midnight, read as UTC (the wall clock)."""
    out = np.full(len(texts), NAN)
    for at, matrix in _by_width(texts, (10,)):
        out[at] = _date(matrix, day_first) * 86400.0
    return out


def clocks(texts: np.ndarray) -> np.ndarray:
    """Seconds since midnight of each 'HH:MM:SS' or 'HH:MM'."""
    out = np.full(len(texts), NAN)
    for at, matrix in _by_width(texts, (5, 8)):
        out[at] = _clock(matrix)
    return out


def moments(texts: np.ndarray, day_first: bool) -> np.ndarray:
    """Wall-clock seconds (from 1970, read as UTC) of each 'date clock'."""
    out = np.full(len(texts), NAN)
    for at, matrix in _by_width(texts, (16, 19)):
        space = np.where(_is(matrix, 10, _SPACE), 0.0, NAN)
        out[at] = _date(matrix[:, :10], day_first) * 86400.0 + _clock(matrix[:, 11:]) + space
    return out


def _by_width(texts: np.ndarray, widths: tuple[int, ...]):
    """(positions, the texts of each width as an n x width array of byte - '0': a digit's value,
    any other character 10 or more) of the texts in ASCII."""
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    for width in widths:
        at = np.flatnonzero(lengths == width)
        if not len(at):
            continue
        try:
            raw = texts[at].astype(f"S{width}")
        except UnicodeEncodeError:  # texts not in ASCII are left to the slow path
            at = at[np.fromiter((t.isascii() for t in texts[at]), dtype=bool, count=len(at))]
            raw = texts[at].astype(f"S{width}")
        yield at, raw.view(np.uint8).reshape(len(at), width) - np.uint8(_ZERO)


def _number(digits: np.ndarray, first: int, width: int) -> np.ndarray:
    """The digits in columns first..first+width-1 as a float; NaN where any is not a digit."""
    value = np.zeros(len(digits), dtype=np.int64)
    ok = np.ones(len(digits), dtype=bool)
    for k in range(first, first + width):
        ok &= digits[:, k] <= 9
        value = value * 10 + digits[:, k]
    return np.where(ok, value, NAN)


def _is(digits: np.ndarray, column: int, character: int) -> np.ndarray:
    return digits[:, column] == np.uint8((character - _ZERO) % 256)


def _clock(digits: np.ndarray) -> np.ndarray:
    """'HH:MM' or 'HH:MM:SS' -> seconds; NaN for any other text or a time out of range."""
    hour, minute = _number(digits, 0, 2), _number(digits, 3, 2)
    colons = _is(digits, 2, _COLON)
    second = np.zeros(len(digits))
    if digits.shape[1] == 8:
        second = _number(digits, 6, 2)
        colons &= _is(digits, 5, _COLON)
    ok = colons & (hour <= 23) & (minute <= 59) & (second <= 59)
    return np.where(ok, hour * 3600 + minute * 60 + second, NAN)


def _date(digits: np.ndarray, day_first: bool) -> np.ndarray:
    """'DD/MM/YYYY' (or month first; '/', '.' or '-'), 'YYYY-MM-DD' or 'YYYY/MM/DD' (one
    separator) -> days since 1970-01-01; NaN for any other text or a day that does not exist."""
    iso = _separator(digits, 4) & (digits[:, 7] == digits[:, 4])
    if iso.all():  # a file writes one form: work out only that one
        return _days(_number(digits, 0, 4), _number(digits, 5, 2), _number(digits, 8, 2))
    slashed = _separator(digits, 2) & _separator(digits, 5)
    first, second = _number(digits, 0, 2), _number(digits, 3, 2)
    day, month = (first, second) if day_first else (second, first)
    year = np.where(slashed, _number(digits, 6, 4), NAN)
    if iso.any():
        year = np.where(iso, _number(digits, 0, 4), year)
        month = np.where(iso, _number(digits, 5, 2), month)
        day = np.where(iso, _number(digits, 8, 2), day)
    return _days(year, month, day)


def _separator(digits: np.ndarray, column: int) -> np.ndarray:
    return np.isin(digits[:, column], _DATE_SEPARATORS)


def _days(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Days since 1970-01-01 of real dates (years 1-9999); NaN for the rest."""
    ok = (year >= 1) & (month >= 1) & (month <= 12) & (day >= 1)
    y, m, d = (np.where(ok, v, 1).astype(np.int64) for v in (year, month, day))
    leap = ((y % 4 == 0) & (y % 100 != 0)) | (y % 400 == 0)
    month_days = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])[m - 1]
    month_days += leap & (m == 2)
    ok &= d <= month_days
    # Days from the civil date (March-based years, so February's leap day comes last).
    y = y - (m <= 2)
    era = y // 400
    year_of_era = y - era * 400
    day_of_year = (153 * (m + np.where(m > 2, -3, 9)) + 2) // 5 + d - 1
    day_of_era = year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + day_of_year
    return np.where(ok, era * 146097 + day_of_era - 719468, NAN)
