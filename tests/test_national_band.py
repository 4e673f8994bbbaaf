"""England's band over a range of months (national_band), on a small hand-built database.

Four practices and a shared 'Unassigned' account, January to March 2025. Calls per 1,000 divides
by the list size from the extract nearest to, and not after, each month (metrics.md):

| practice | list-size extracts (date: patients) | Jan | Feb | Mar |
|---|---|---|---|---|
| A81001 | 2024-12-01: 1,000; 2025-02-01: 2,000; | 30 calls / 1,000 | 50 / 2,500 | 40 / 2,500 |
|        | 2025-02-20: 2,500; 2025-04-01: 9,999  |                  |            |            |
| A81002 | 2025-03-01: 4,000 | 10 / none: out | NULL calls: out | 60 / 4,000 |
| A81003 | 2025-01-31: 0; 2025-02-01: 500 | 5 / 0: out | 20 / 500 | 30 / 500 |
| A81004 | none | 99 / none: out | | |
| Unassigned (no ODS code) | | 1,000 | | |

Each practice's calls and list sizes are summed over the months it has a value, then divided.
January to March: A81001 120 / 6,000 = 20.0, A81002 60 / 4,000 = 15.0, A81003 50 / 1,000 = 50.0
per 1,000; sorted 15, 20, 50: median 20, p10 (h = 0.2) 15 + 0.2 × 5 = 16, p90 (h = 1.8)
20 + 0.8 × 30 = 44. February to March: A81001 90 / 5,000 = 18, then 15 and 50: median 18,
p10 15 + 0.2 × 3 = 15.6, p90 18 + 0.8 × 32 = 43.6. (Had February used its first extract, 2,000,
or March April's 9,999, A81001 would not be 20.)
"""

from __future__ import annotations

import pytest

from practice_desk.metrics import national
from practice_desk.metrics.national import (
    NATIONAL_KEYS,
    forget_national_series,
    national_band,
    remember_national_bands,
)

EXTRACTS = [("A81001", "2024-12-01", 1000), ("A81001", "2025-02-01", 2000),
            ("A81001", "2025-02-20", 2500), ("A81001", "2025-04-01", 9999),
            ("A81002", "2025-03-01", 4000), ("A81003", "2025-01-31", 0),
            ("A81003", "2025-02-01", 500)]
# (unit, ods_code, month, inbound, answered, missed)
CALLS = [("A81001", "A81001", "2025-01", 30, 20, 4), ("A81001", "A81001", "2025-02", 50, 40, 5),
         ("A81001", "A81001", "2025-03", 40, 30, 8), ("A81002", "A81002", "2025-01", 10, 9, 1),
         ("A81002", "A81002", "2025-02", None, 7, 2), ("A81002", "A81002", "2025-03", 60, 45, 3),
         ("A81003", "A81003", "2025-01", 5, 5, 0), ("A81003", "A81003", "2025-02", 20, 15, 5),
         ("A81003", "A81003", "2025-03", 30, 0, 0), ("A81004", "A81004", "2025-01", 99, 0, 0),
         ("Unassigned:X", None, "2025-01", 1000, 0, 0)]


@pytest.fixture
def hand_built(conn):
    forget_national_series()
    conn.execute("INSERT INTO imports (id, kind, file_name, content_hash, status, started_at) "
                 "VALUES (1, 'hand', 'hand', 'hand', 'done', '2025-04-01')")
    conn.executemany("INSERT INTO list_sizes (ods_code, extract_date, patients, import_id) "
                     "VALUES (?, ?, ?, 1)", EXTRACTS)
    conn.executemany("INSERT INTO cbt_monthly (import_id, unit, ods_code, month, inbound, "
                     "answered, missed) VALUES (1, ?, ?, ?, ?, ?, ?)", CALLS)
    conn.commit()
    yield conn
    forget_national_series()


def test_calls_per_1000_uses_each_months_own_list_size(hand_built):
    band = national_band(hand_built, "calls_per_1000", "2025-01", "2025-03")
    assert band["practices"] == 3
    assert band["median"] == pytest.approx(20.0)
    assert band["p10"] == pytest.approx(16.0)
    assert band["p90"] == pytest.approx(44.0)
    band = national_band(hand_built, "calls_per_1000", "2025-02", "2025-03")
    assert (band["p10"], band["median"], band["p90"]) == pytest.approx((15.6, 18.0, 43.6))


def test_a_share_sums_counts_first(hand_built):
    """missed / inbound, January to March: A81001 17 / 120, A81002 4 / 70 (February's NULL
    calls leave that month out), A81003 5 / 55, A81004 0 / 99; median of four: the mean of
    4 / 70 and 5 / 55."""
    band = national_band(hand_built, "missed_share", None, None)
    assert band["practices"] == 4
    assert band["median"] == pytest.approx((4 / 70 + 5 / 55) / 2)


def test_remembered_parts_give_the_same_band_for_every_range(hand_built):
    """The background warm-up's running totals and the direct read agree on every key and
    range, and once remembered the band is not read again."""
    months = [None, "2024-12", "2025-01", "2025-02", "2025-03", "2025-04"]
    ranges = [(start, end) for start in months for end in months
              if not (start and end and start >= end)]
    direct = {(key, *r): national._national_band(hand_built, key, *r)
              for key in NATIONAL_KEYS for r in ranges}
    remember_national_bands(hand_built, NATIONAL_KEYS)
    read = []
    original = national._national_band
    national._national_band = lambda *args: read.append(args) or original(*args)
    try:
        assert {(key, *r): national_band(hand_built, key, *r)
                for key in NATIONAL_KEYS for r in ranges} == direct
    finally:
        national._national_band = original
    assert read == []
    assert direct[("calls_per_1000", "2025-01", "2025-03")]["median"] == pytest.approx(20.0)
    assert direct[("unreconciled_calls", None, None)] is None  # no row has all five counts


def test_a_key_cbt_cannot_give_is_refused(hand_built):
    with pytest.raises(ValueError, match="not a metric the CBT publication gives"):
        national_band(hand_built, "appointments_total", "2025-01", "2025-03")
