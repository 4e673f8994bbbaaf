"""Intervention notes (storage, change points), headline figures and daily telephony, without Qt."""

from __future__ import annotations

import pytest

from local_db.migrations import MIGRATIONS
from practice_desk import headline, notes, targets
from practice_desk.metrics import spc
from practice_desk.telephony.daily import daily_rows

MONTHS = [f"2025-{m:02d}" for m in range(1, 13)]


def test_the_notes_table_comes_from_a_migration_of_its_own(conn):
    assert sum("CREATE TABLE notes" in migration for migration in MIGRATIONS) == 1
    columns = [row["name"] for row in conn.execute("PRAGMA table_info(notes)")]
    assert columns == ["id", "scope_kind", "scope_code", "day", "text", "rebase", "metric",
                       "created_at"]


def test_add_list_update_delete(conn):
    first = notes.add_note(conn, "practice", "d81001", "2025-03-17", "  New phone system  ",
                           rebase=True)
    assert (first.scope_code, first.day, first.text, first.rebase, first.metric) == (
        "D81001", "2025-03-17", "New phone system", True, None)
    assert first.created_at
    only_f2f = notes.add_note(conn, "practice", "D81001", "2025-01-05", "Locum cover",
                              metric="f2f_share")
    notes.add_note(conn, "pcn", "U12345", "2025-02-01", "PCN hub opened")
    # Every-chart notes always; a metric's own only on that metric's charts; oldest first.
    assert [n.id for n in notes.list_notes(conn, "practice", "D81001")] == [first.id]
    assert [n.id for n in notes.list_notes(conn, "practice", "D81001", metric="f2f_share")] == [
        only_f2f.id, first.id]
    assert [n.text for n in notes.list_notes(conn, "pcn", "U12345")] == ["PCN hub opened"]
    assert notes.list_notes(conn, "practice", "D81001", "f2f_share", start="2025-02",
                            end="2025-03") == [first]

    changed = notes.update_note(conn, first.id, text="New phone system (cloud)", rebase=False)
    assert (changed.text, changed.rebase, changed.day) == ("New phone system (cloud)", False,
                                                           "2025-03-17")
    moved = notes.update_note(conn, only_f2f.id, day="2025-01-20", metric=None)
    assert moved.metric is None and moved.day == "2025-01-20" and moved.text == "Locum cover"
    assert notes.delete_note(conn, first.id)
    assert not notes.delete_note(conn, first.id)
    assert notes.get_note(conn, first.id) is None


@pytest.mark.parametrize("scope, day, text", [
    ("ward", "2025-01-01", "x"), ("practice", "2025-02-30", "x"), ("practice", "2025-01", "x"),
    ("practice", "2025-01-01", "   "),
])
def test_bad_notes_are_refused(conn, scope, day, text):
    with pytest.raises(notes.NoteError):
        notes.add_note(conn, scope, "D81001", day, text)
    assert conn.execute("SELECT COUNT(*) FROM notes").fetchone()[0] == 0
    with pytest.raises(notes.NoteError):
        notes.update_note(conn, 99, text="x")


def _note(day: str, rebase: bool = True) -> notes.Note:
    return notes.Note(1, "practice", "D81001", day, "x", rebase, None, "")


def test_change_points_map_rebasing_notes_to_the_series():
    found = [_note("2025-04-15"), _note("2025-07-01", rebase=False), _note("2025-09-30"),
             _note("2024-12-31"), _note("2026-01-01"), _note("2025-01-01")]
    # April and September start new limits; no-rebase, outside and first-period notes add none.
    assert notes.change_points(found, MONTHS) == [3, 8]
    days = ["2025-03-03", "2025-03-04", "2025-03-05", "2025-03-07", "2025-03-10"]
    # A note on a day without calls (the 6th, a gap) starts the limits at the next day shown.
    assert notes.change_points([_note("2025-03-06"), _note("2025-03-04")], days) == [1, 3]
    assert notes.note_index("2025-03-06", days) == 3
    assert notes.note_position("2025-03-06", days) == 2.5
    assert notes.note_position("2025-03-04", days) == 1.0
    # Monthly: the left edge of the month plus the part of the month gone by.
    assert notes.note_position("2025-04-01", MONTHS) == pytest.approx(2.5)
    assert notes.note_position("2025-04-16", MONTHS) == pytest.approx(2.5 + 15 / 30)
    assert notes.note_position("2024-12-31", MONTHS) is None


def test_a_rebase_changes_the_limits_like_spc_analyse():
    values = [10, 12, 11, 13, 9, 10, 11, 20, 21, 19, 22, 20]
    points = notes.change_points([_note("2025-08-01")], MONTHS)
    assert points == [7]
    chart = spc.analyse(values, spc.HIGHER, None, points)
    assert chart.points[0].limits.mean == pytest.approx(sum(values[:7]) / 7)
    assert chart.limits.mean == pytest.approx(sum(values[7:]) / 5)
    assert chart.limits.trial


def test_headline_latest_and_change():
    rows = [{"month": "2025-08", "missed_share": 0.10, "calls_111_core": None},
            {"month": "2025-09", "missed_share": 0.12, "calls_111_core": 40},
            {"month": "2025-10", "missed_share": 0.09, "calls_111_core": 52},
            {"month": "2025-11", "missed_share": None, "calls_111_core": None}]
    missed = headline.latest(rows, "missed_share")
    assert (missed.month, missed.value, missed.previous_month) == ("2025-10", 0.09, "2025-09")
    assert missed.change == pytest.approx(-0.03) and missed.better() is True
    assert headline.format_change(missed) == "▼ 3.0 points"
    calls = headline.latest(rows, "calls_111_core")
    assert headline.format_change(calls) == "▲ 12" and calls.better() is False
    assert headline.series(rows, "calls_111_core") == (["2025-09", "2025-10"], [40, 52])
    nothing = headline.latest(rows, "app_logins_per_1000")
    assert nothing.month is None and nothing.change is None
    assert headline.format_change(nothing) == ""
    assert headline.improvement("dna_rate") == spc.LOWER
    assert headline.improvement("within_14_days_share") == spc.HIGHER
    assert headline.improvement("callback_requested_share") is None


def test_targets_for_counts_and_shares(conn):
    targets.set_target(conn, "calls_111_core", 30)
    assert targets.get_target(conn, "calls_111_core") == 30
    assert targets.get_target(conn, "missed_share") is None
    with pytest.raises(ValueError):
        targets.set_target(conn, "missed_share", 5)
    with pytest.raises(ValueError):
        targets.set_target(conn, "calls_111_core", -1)


def _hour(conn, code, day, hour, core, **counts):
    columns = ["inbound", "answered", "ivr_ended", "callback_requested", "missed",
               "callback_made", "calls_111", "outbound", "answered_wait_lt1m",
               "answered_wait_1to2m", "answered_wait_2to5m", "answered_wait_gt5m",
               "missed_wait_lt1m", "missed_wait_1to2m", "missed_wait_2to5m", "missed_wait_gt5m",
               "talk_sum_s", "talk_count"]
    values = [counts.get(c, 0) for c in columns]
    from datetime import date
    weekday = date.fromisoformat(day).weekday()
    conn.execute(f"INSERT INTO call_hours (ods_code, day, month, hour, weekday, core, "
                 f"{', '.join(columns)}) VALUES ({', '.join('?' * (6 + len(columns)))})",
                 (code, day, day[:7], hour, weekday, core, *values))


def test_daily_telephony_sums_practices_then_divides(conn):
    _hour(conn, "A1", "2025-10-06", 8, 1, inbound=10, answered=6, missed=4, calls_111=2,
          answered_wait_lt1m=3, answered_wait_1to2m=3, missed_wait_lt1m=4)
    _hour(conn, "A1", "2025-10-06", 19, 0, inbound=2, answered=2, calls_111=1,
          answered_wait_lt1m=2)
    _hour(conn, "B2", "2025-10-06", 9, 1, inbound=8, answered=8, answered_wait_lt1m=8)
    _hour(conn, "A1", "2025-10-11", 10, 0, inbound=4, missed=4)
    _hour(conn, "C3", "2025-10-07", 10, 1, inbound=99, missed=99)  # not selected
    rows = daily_rows(conn, ["A1", "B2"])
    assert [(r["day"], r["weekday"]) for r in rows] == [("2025-10-06", 0), ("2025-10-11", 5)]
    monday = rows[0]
    assert monday["inbound_calls"] == 20 and monday["missed"] == 4
    assert monday["missed_share"] == pytest.approx(4 / 20)
    assert monday["answered_wait_lt1m_share"] == pytest.approx(13 / 16)
    assert monday["calls_111_core"] == 2  # the 19:00 one is outside core hours
    assert rows[1]["answered_wait_lt1m_share"] is None  # no answered calls: no share
    assert daily_rows(conn, ["A1"], "2025-10-07", "2025-10-31")[0]["day"] == "2025-10-11"
    assert daily_rows(conn, []) == []
    # Answered calls whose wait is unknown (bands adding up to fewer than answered): no share.
    _hour(conn, "B2", "2025-10-07", 9, 1, inbound=5, answered=5, answered_wait_lt1m=2)
    tuesday = daily_rows(conn, ["B2"], "2025-10-07", "2025-10-07")[0]
    assert tuesday["answered_wait_lt1m_share"] is None
