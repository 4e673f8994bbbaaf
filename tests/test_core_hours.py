"""Core hours, bank holidays in England, the diversion log and the two 111 measures."""

from __future__ import annotations

from datetime import date, datetime, time
from pathlib import Path

import pytest

from practice_desk.importing import import_file, undo_import
from practice_desk.importing.mapping import suggest_mapping
from practice_desk.importing.runner import ImportOptions
from practice_desk.telephony.aggregates import call_month_counts
from practice_desk.telephony.core_hours import (
    BANK_HOLIDAYS_ENGLAND,
    CoreHours,
    add_bank_holiday,
    add_diversion,
    calls_111_core,
    delete_diversion,
    diverted_minutes_core,
    is_core,
    list_bank_holidays,
    list_diversions,
    set_core_hours,
    update_diversion,
)

CALLS = Path(__file__).parent / "data" / "calls"


@pytest.mark.parametrize("day, name", [
    ("2022-06-02", "Spring"), ("2022-06-03", "Jubilee"), ("2022-09-19", "Funeral"),
    ("2023-05-08", "coronation"), ("2020-05-08", "VE"), ("2025-12-26", "Boxing"),
    ("2026-12-28", "substitute"), ("2027-03-26", "Good Friday"), ("2015-12-28", "substitute"),
])
def test_known_bank_holidays(day, name):
    assert name.lower() in BANK_HOLIDAYS_ENGLAND[day].lower()


def test_bank_holiday_list_shape():
    days = [date.fromisoformat(d) for d in BANK_HOLIDAYS_ENGLAND]
    assert min(days).year == 2015 and max(days).year == 2027
    assert all(d.weekday() < 5 for d in days)  # substitutes are always weekdays
    for year in range(2015, 2028):
        assert sum(d.year == year for d in days) >= 8
        may = [d for d in days if d.year == year and d.month == 5]
        if year != 2020:  # 2020's early May holiday moved to Friday 8 May (VE Day)
            assert may[0].weekday() == 0 and may[0].day <= 7
        assert [d for d in days if d.year == year and d.month == 8][0].day >= 25


def test_is_core():
    assert is_core(datetime(2025, 10, 6, 8, 0))            # Monday 08:00
    assert not is_core(datetime(2025, 10, 6, 7, 59, 59))
    assert is_core(datetime(2025, 10, 6, 18, 29, 59))
    assert not is_core(datetime(2025, 10, 6, 18, 30))
    assert not is_core(datetime(2025, 10, 4, 10, 0))       # Saturday
    assert not is_core(datetime(2025, 12, 25, 10, 0))      # Christmas Day (a Thursday)
    assert not is_core(datetime(2023, 5, 8, 10, 0))        # coronation


def test_bank_holidays_seeded_once_and_editable(conn):
    assert len(list_bank_holidays(conn)) == len(BANK_HOLIDAYS_ENGLAND)
    add_bank_holiday(conn, "2025-10-06", "Practice closure (test)")
    assert is_core(datetime(2025, 10, 6, 10, 0)) is True            # built-in list
    assert is_core(datetime(2025, 10, 6, 10, 0), conn) is False     # this database's list


def test_core_hours_change_rebuilds_aggregates(conn):
    import_file(conn, CALLS / "xon_export.csv", options=ImportOptions("A81001"))
    assert call_month_counts(conn, ["A81001"])["2025-10"]["calls_111_core"] == 1
    set_core_hours(conn, CoreHours(start=time(8), end=time(19)))  # X8 (18:45) now core
    assert call_month_counts(conn, ["A81001"])["2025-10"]["calls_111_core"] == 2
    add_bank_holiday(conn, "2025-10-06", "closure")                 # Monday not core at all
    assert call_month_counts(conn, ["A81001"])["2025-10"]["calls_111_core"] == 0
    with pytest.raises(ValueError):
        set_core_hours(conn, CoreHours(start=time(19), end=time(8)))


def test_diversion_log_and_minutes(conn):
    # Fri 3 Oct 2025 18:00 to Mon 6 Oct 09:00: 30 (Fri 18:00-18:30) + 60 (Mon 08:00-09:00) = 90.
    first = add_diversion(conn, "a81001", "2025-10-03 18:00", "2025-10-06 09:00", "IT failure",
                          True)
    # Overlaps the first on Monday (08:30-10:00): adds 60 more (09:00-10:00), not 90.
    add_diversion(conn, "A81001", "2025-10-06 08:30", "2025-10-06 10:00", "staff")
    # Another practice: 30 core minutes; a bank holiday (25 Dec) counts nothing.
    add_diversion(conn, "A81002", datetime(2025, 10, 7, 12, 0), datetime(2025, 10, 7, 12, 30))
    add_diversion(conn, "A81001", "2025-12-25 09:00", "2025-12-25 17:00", "closed")
    # Starts in September: only October's part counts (Wed 1 Oct 08:00-09:00 = 60).
    add_diversion(conn, "A81003", "2025-09-30 17:00", "2025-10-01 09:00")
    assert diverted_minutes_core(conn, ["A81001"], "2025-10") == 150
    assert diverted_minutes_core(conn, ["A81001", "A81002", "A81003"], "2025-10") == 240
    assert diverted_minutes_core(conn, ["A81001"], "2025-12") == 0
    assert diverted_minutes_core(conn, ["A81003"], "2025-09") == 90  # 17:00-18:30
    listed = list_diversions(conn, ["A81001"], "2025-10")
    assert [d.reason for d in listed] == ["IT failure", "staff"] and listed[0].icb_informed
    update_diversion(conn, first, end="2025-10-03 18:10", icb_informed=False)
    assert diverted_minutes_core(conn, ["A81001"], "2025-10") == 10 + 90
    with pytest.raises(ValueError, match="end after it starts"):
        update_diversion(conn, first, end="2025-10-01 00:00")
    with pytest.raises(ValueError, match="not a date and time"):
        add_diversion(conn, "A81001", "tuesday", "2025-10-01 00:00")
    assert delete_diversion(conn, first) and not delete_diversion(conn, first)


def test_calls_111_core_from_calls_else_imported_counts(conn):
    assert calls_111_core(conn, ["A81001"], "2025-10") is None
    import_file(conn, CALLS / "xon_export.csv", options=ImportOptions("A81001"))
    header = ["Practice", "Month", "Calls to 111 in core hours"]
    mapping = suggest_mapping("calls_111", header, "NHS 111 counts")
    assert mapping.columns == {"practice": "Practice", "period": "Month",
                               "count": "Calls to 111 in core hours"}
    report = import_file(conn, CALLS / "calls_111_counts.csv", options=ImportOptions(
        mapping=mapping))
    assert report.status == "done", report.message
    # A81001 has call-level data (1 in core hours); D81004 and D81005 only NHS counts.
    assert calls_111_core(conn, ["A81001"], "2025-10") == 1
    assert calls_111_core(conn, ["A81001", "D81004", "D81005"], "2025-10") == 1 + 7 + 3
    undo_import(conn, report.import_id)
    assert calls_111_core(conn, ["D81004"], "2025-10") is None
