"""The date spellings found in NHS files, and in the same files after a trip through Excel."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

_MONTHS = {
    name: number
    for number, name in enumerate(
        ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"], 1
    )
}
_DMONY = re.compile(r"^(\d{1,2})[- ]?([A-Za-z]{3})[- ]?(\d{4}|\d{2})$")  # 01OCT2025, 01-Oct-25
_MONY = re.compile(r"^([A-Za-z]{3})[- ]?(\d{4}|\d{2})$")  # MAR2019, Mar-19
_DMY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")  # 01/10/2025 (UK order, as Excel writes it)
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[ T]00:00(?::00)?)?$")

EARLIEST_YEAR = 2015


class BadDate(ValueError):
    pass


def _year(text: str) -> int:
    year = int(text)
    return year + 2000 if year < 100 else year


def _month_number(name: str) -> int:
    try:
        return _MONTHS[name.upper()]
    except KeyError:
        raise BadDate(f"'{name}' is not a month name") from None


def parse_day(text: str) -> date:
    """A day written DDMONYYYY, DD-Mon-YY, DD/MM/YYYY or YYYY-MM-DD."""
    value = text.strip()
    try:
        if m := _DMONY.match(value):
            return date(_year(m[3]), _month_number(m[2]), int(m[1]))
        if m := _DMY.match(value):
            return date(int(m[3]), int(m[2]), int(m[1]))
        if m := _ISO.match(value):
            return date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError as exc:
        raise BadDate(f"'{value}' is not a real date ({exc})") from None
    raise BadDate(f"'{value}' is not a date in a form NHS files use (such as 01OCT2025)")


def parse_month(text: str) -> str:
    """A month written MONYYYY, or as its first day in any form parse_day knows -> 'YYYY-MM'."""
    value = text.strip()
    if m := _MONY.match(value):
        return f"{_year(m[2]):04d}-{_month_number(m[1]):02d}"
    day = parse_day(value)
    if day.day != 1:
        raise BadDate(f"'{value}' should be the first day of a month")
    return f"{day.year:04d}-{day.month:02d}"


def check_plausible(period: str, today: date | None = None) -> None:
    """Reject periods before the data series began or in the future."""
    today = today or date.today()
    if int(period[:4]) < EARLIEST_YEAR:
        raise BadDate(f"{period} is before {EARLIEST_YEAR}, earlier than any data this app reads")
    if period[:7] > f"{today.year:04d}-{today.month:02d}":
        raise BadDate(f"{period} is in the future")


def plausible_instants(today: date | None = None) -> tuple[float, float]:
    """UTC epoch seconds bounding what check_plausible accepts: [1 January EARLIEST_YEAR, the
    first day of next month), for checking whole columns of instants at once."""
    today = today or date.today()
    after = date(today.year + today.month // 12, today.month % 12 + 1, 1)
    start = datetime(EARLIEST_YEAR, 1, 1, tzinfo=UTC).timestamp()
    return start, datetime(after.year, after.month, 1, tzinfo=UTC).timestamp()
