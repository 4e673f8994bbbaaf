"""fixed_width reads what times.parse_local reads, and leaves everything else (NaN) to it."""

import math
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from practice_desk.telephony import fixed_width
from practice_desk.telephony.times import BadValue, parse_local, parse_time_of_day


def _slow_date(text: str, day_first: bool) -> float:
    try:
        naive, aware = parse_local(text, day_first)
    except BadValue:
        return math.nan
    if aware or naive.time() != datetime.min.time():
        return math.nan
    return naive.replace(tzinfo=UTC).timestamp()


def _slow_clock(text: str) -> float:
    try:
        h, m, s, us = parse_time_of_day(text)
    except BadValue:
        return math.nan
    return h * 3600 + m * 60 + s + us / 1e6


def _same(fast: np.ndarray, slow: list[float], texts: list[str]) -> None:
    """Where the fast path read a text, the slow path reads it the same."""
    for text, f, s in zip(texts, fast.tolist(), slow, strict=True):
        if not math.isnan(f):
            assert f == s, text


def _dates() -> list[str]:
    day = datetime(1999, 12, 25)
    texts = []
    while day < datetime(2026, 3, 5):
        texts += [day.strftime("%d/%m/%Y"), day.strftime("%Y-%m-%d"), day.strftime("%Y/%m/%d"),
                  day.strftime("%m/%d/%Y"), day.strftime("%d.%m.%Y"), day.strftime("%d-%m-%Y")]
        day += timedelta(days=3)
    return texts


AWKWARD_DATES = ["29/02/2024", "29/02/2025", "31/04/2025", "00/01/2025", "01/13/2025",
                 "13/01/2025", "2025-02-29", "2024-02-29", "2025-13-01", "2025/1/05",
                 "2025-01/05", "0000-01-01", "1/1/2025", "01/01/25", "01-01-2025", "2025.01.05",
                 "2O25-01-01", "01/01/2025 ", "2025-01-01T", "٠١/٠١/٢٠٢٥", "ab/cd/efgh", ""]


@pytest.mark.parametrize("day_first", [True, False])
def test_dates_read_as_parse_local_reads_them(day_first):
    texts = _dates() + AWKWARD_DATES
    fast = fixed_width.dates(np.array(texts, dtype=object), day_first)
    slow = [_slow_date(t, day_first) for t in texts]
    _same(fast, slow, texts)
    generated = len(texts) - len(AWKWARD_DATES)
    assert np.isnan(fast[:generated]).tolist() == np.isnan(slow[:generated]).tolist()
    assert np.isnan(fast[generated:]).sum() >= 14  # left to parse_local


def test_the_day_order_is_the_files():
    both = np.array(["05/10/2025", "2025-10-05"], dtype=object)
    assert fixed_width.dates(both, True).tolist() == [datetime(2025, 10, 5, tzinfo=UTC)
                                                      .timestamp()] * 2
    assert fixed_width.dates(both, False)[0] == datetime(2025, 5, 10, tzinfo=UTC).timestamp()
    assert math.isnan(fixed_width.dates(np.array(["13/10/2025"], dtype=object), False)[0])


def test_clocks_read_as_parse_time_of_day_reads_them():
    texts = [f"{h:02d}:{m:02d}:{s:02d}" for h in range(25) for m in (0, 7, 59, 60)
             for s in (0, 31, 59, 60)]
    texts += [f"{h:02d}:{m:02d}" for h in range(25) for m in (0, 59, 60)]
    texts += ["8:03:15", "08:03:15.5", "08:03 pm", "08.03.15", "0a:00:00", "", "12:3:45"]
    fast = fixed_width.clocks(np.array(texts, dtype=object))
    _same(fast, [_slow_clock(t) for t in texts], texts)
    assert fast[texts.index("23:59:59")] == 86399
    assert math.isnan(fast[texts.index("24:00:00")])
    assert math.isnan(fast[texts.index("08:03:15.5")])  # read by parse_time_of_day instead


def test_moments_are_a_date_and_a_clock():
    texts = ["06/10/2025 08:03:15", "2025-10-06 08:03", "2025/10/06 23:59:59",
             "2025-10-06T08:03:15", "06/10/2025  8:03", "06/10/2025 24:00:00", "31/02/2025 08:00"]
    fast = fixed_width.moments(np.array(texts, dtype=object), True)
    expected = datetime(2025, 10, 6, tzinfo=UTC).timestamp()
    assert fast[:3].tolist() == [expected + 8 * 3600 + 195, expected + 8 * 3600 + 180,
                                 expected + 86399]
    assert np.isnan(fast[3:]).all()


def test_a_file_of_one_form():
    iso = fixed_width.moments(np.array(["2024-02-29 10:00:00", "2025-02-29 10:00:00"],
                                       dtype=object), True)
    assert iso[0] == datetime(2024, 2, 29, 10, tzinfo=UTC).timestamp()
    assert math.isnan(iso[1])  # no such day: parse_local words it


def test_london_clock_of_utc_instants_matches_datetime():
    """loading.LocalClock reads an offset per UTC day, per hour on the days the clocks change:
    every instant's London day, clock and summer time as datetime gives them, the hours around
    both changes of 2024 included."""
    from datetime import date

    from practice_desk.telephony.loading import LocalClock
    from practice_desk.telephony.times import LONDON

    rng = np.random.default_rng(7)
    utc = np.concatenate([rng.uniform(946_684_800, 1_800_000_000, 20_000),
                          np.arange(1_711_846_800 - 7_200, 1_711_846_800 + 7_200, 61.3),
                          np.arange(1_729_990_800 - 7_200, 1_729_990_800 + 7_200, 61.3)])
    day, clock, summer = LocalClock().parts(utc)
    for k in range(len(utc)):
        local = datetime.fromtimestamp(int(np.floor(utc[k])), UTC).astimezone(LONDON)
        assert day[k] == (local.date() - date(1970, 1, 1)).days
        assert clock[k] == local.hour * 3600 + local.minute * 60 + local.second
        assert summer[k] == (local.dst().total_seconds() > 0)
