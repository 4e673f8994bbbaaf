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
_DATE_SEPARATORS = np.array([ord("/"), ord("."), ord("-")], dtype=np.uint8)


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
        space = np.where(matrix[:, 10] == _SPACE, 0.0, NAN)
        out[at] = _date(matrix[:, :10], day_first) * 86400.0 + _clock(matrix[:, 11:]) + space
    return out


def _by_width(texts: np.ndarray, widths: tuple[int, ...]):
    """(positions, bytes as an n x width array) of the ASCII texts of each width."""
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
        yield at, raw.view(np.uint8).reshape(len(at), width)


def _number(matrix: np.ndarray, first: int, width: int) -> np.ndarray:
    """The digits in columns first..first+width-1 as a float; NaN where any is not a digit."""
    digits = matrix[:, first:first + width].astype(np.int64) - _ZERO
    value = np.zeros(len(matrix), dtype=np.int64)
    for k in range(width):
        value = value * 10 + digits[:, k]
    ok = ((digits >= 0) & (digits <= 9)).all(axis=1)
    return np.where(ok, value, NAN)


def _clock(matrix: np.ndarray) -> np.ndarray:
    """'HH:MM' or 'HH:MM:SS' -> seconds; NaN for any other text or a time out of range."""
    hour, minute = _number(matrix, 0, 2), _number(matrix, 3, 2)
    colons = matrix[:, 2] == _COLON
    second = np.zeros(len(matrix))
    if matrix.shape[1] == 8:
        second = _number(matrix, 6, 2)
        colons &= matrix[:, 5] == _COLON
    ok = colons & (hour <= 23) & (minute <= 59) & (second <= 59)
    return np.where(ok, hour * 3600 + minute * 60 + second, NAN)


def _date(matrix: np.ndarray, day_first: bool) -> np.ndarray:
    """'DD/MM/YYYY' (or month first; '/', '.' or '-'), 'YYYY-MM-DD' or 'YYYY/MM/DD' (one
    separator) -> days since 1970-01-01; NaN for any other text or a day that does not exist."""
    iso = np.isin(matrix[:, 4], _DATE_SEPARATORS) & (matrix[:, 7] == matrix[:, 4])
    slashed = np.isin(matrix[:, 2], _DATE_SEPARATORS) & np.isin(matrix[:, 5], _DATE_SEPARATORS)
    first, second = _number(matrix, 0, 2), _number(matrix, 3, 2)
    day, month = (first, second) if day_first else (second, first)
    year = np.where(iso, _number(matrix, 0, 4), np.where(slashed, _number(matrix, 6, 4), NAN))
    month = np.where(iso, _number(matrix, 5, 2), month)
    day = np.where(iso, _number(matrix, 8, 2), day)
    return _days(year, month, day)


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
