"""A call log is read on a second thread while the calls before are stored (blocks.read_ahead):
the same calls, problems raised in the caller's thread, and cancel stops both."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from practice_desk.importing import import_file
from practice_desk.importing.blocks import read_ahead
from practice_desk.importing.runner import ImportOptions
from practice_desk.telephony import loading

HEADER = ("Call Date,Call Time,Call ID,Direction,Caller Number,Dialled Number,Queue,IVR Option,"
          "Outcome,Queue Time,Talk Time")


def _xon(path: Path, calls: int, bad_row: int | None = None) -> Path:
    lines = [HEADER]
    for k in range(calls):
        day = 1 + k // 100
        clock = f"{8 + (k % 100) // 10:02d}:{(k % 10) * 5:02d}:00"
        outcome, talk = ("Answered", "1m 9s") if k % 3 else ("Missed", "0s")
        date = "31/02/2025" if k == bad_row else f"{day:02d}/10/2025"
        lines.append(f"{date},{clock},X{k:06d},Inbound,01632 96{k % 900:04d},01632 960001,"
                     f"Reception,1,{outcome},{k % 50}s,{talk}")
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    return path


def _stored(conn) -> tuple[int, int]:
    calls = conn.execute("SELECT COUNT(*) FROM calls").fetchone()[0]
    answered = conn.execute("SELECT COALESCE(SUM(answered), 0) FROM call_hours").fetchone()[0]
    return calls, answered


def test_items_come_in_order_and_errors_in_the_callers_thread():
    def items():
        yield from range(5)
        raise ValueError("row 6 is damaged")

    seen = []
    with pytest.raises(ValueError, match="row 6"):
        for item in read_ahead(items()):
            seen.append(item)
    assert seen == [0, 1, 2, 3, 4]


def test_stopping_early_stops_the_thread():
    closed = threading.Event()

    def items():
        try:
            yield from range(1_000_000)
        finally:
            closed.set()

    for item in read_ahead(items(), depth=2):
        if item == 3:
            break
    assert closed.wait(5)
    assert not [t for t in threading.enumerate() if t.name == "read-ahead"]


@pytest.mark.parametrize("rows_per_block", [7, 100_000])
def test_blocks_store_the_same_calls(conn, tmp_path, monkeypatch, rows_per_block):
    monkeypatch.setattr(loading, "ROWS_PER_BLOCK", rows_per_block)
    report = import_file(conn, _xon(tmp_path / "calls.csv", 450),
                         options=ImportOptions(practice="A81001"))
    assert report.status == "done", report.message
    assert _stored(conn) == (450, 300)  # every third call missed


def test_a_problem_in_a_later_block_stores_nothing(conn, tmp_path, monkeypatch, db_dump):
    monkeypatch.setattr(loading, "ROWS_PER_BLOCK", 50)
    before = db_dump(conn)
    path = _xon(tmp_path / "calls.csv", 450, bad_row=400)
    report = import_file(conn, path, options=ImportOptions(practice="A81001"))
    assert report.status == "failed"
    assert "line 402" in report.message and "31/02/2025" in report.message
    assert db_dump(conn) == before


def test_cancel_mid_file_stores_nothing(conn, tmp_path, monkeypatch, db_dump):
    monkeypatch.setattr(loading, "ROWS_PER_BLOCK", 50)
    before = db_dump(conn)
    checks = []

    def cancel() -> bool:
        checks.append(1)
        return len(checks) > 3

    path = _xon(tmp_path / "calls.csv", 450)
    report = import_file(conn, path, options=ImportOptions(practice="A81001"), cancel=cancel)
    assert report.status == "cancelled", report.message
    assert db_dump(conn) == before
    assert not [t for t in threading.enumerate() if t.name == "read-ahead"]
    again = import_file(conn, path, options=ImportOptions(practice="A81001"))
    assert again.status == "done" and _stored(conn) == (450, 300)


def test_each_column_is_stored_as_written(conn, tmp_path):
    """Calls are bound packed (loading.UNPACK): every column, NULLs too, comes out as it went in."""
    from datetime import date

    from practice_desk.telephony.callers import caller_key, hash_number, normalise_number, stored
    from practice_desk.telephony.model import DIRECTIONS, OUTCOMES

    path = tmp_path / "calls.csv"
    path.write_text(
        HEADER + "\n"
        "15/07/2025,08:00:05,X1,Inbound,01632 960100,01632 960001,Reception,1,Answered,30s,1m 9s\n"
        "15/01/2025,09:00:00,X2,Inbound,,01632 960001,,,Missed,,\n"
        "16/01/2025,10:30:00,X3,Outbound,01632 960200,01632 960001,,,Answered,,10s\n",
        encoding="utf-8")
    report = import_file(conn, path, options=ImportOptions(practice="A81001"))
    assert report.status == "done", report.message
    rows = conn.execute(
        "SELECT p.text, c.day, c.clock, c.summer, c.direction, c.outcome, r.text, s.text, "
        "c.wait_ms, c.talk_ms, c.callback_made, c.is_111, c.caller, c.import_id FROM calls c "
        "JOIN call_labels p ON p.id = c.practice LEFT JOIN call_labels r ON r.id = c.route "
        "LEFT JOIN call_labels s ON s.id = c.supplier_outcome ORDER BY c.day, c.clock").fetchall()
    key = caller_key(conn)

    def day(text: str) -> int:
        return date.fromisoformat(text).toordinal() - date(1970, 1, 1).toordinal()

    def caller(number: str) -> int:
        return stored(hash_number(key, normalise_number(number)))

    answered, missed = OUTCOMES.index("answered"), OUTCOMES.index("missed")
    assert [tuple(row) for row in rows] == [
        ("A81001", day("2025-01-15"), 9 * 3600, 0, DIRECTIONS.index("inbound"), missed, None,
         "Missed", None, None, 0, 0, None, report.import_id),
        ("A81001", day("2025-01-16"), 10 * 3600 + 1800, 0, DIRECTIONS.index("outbound"),
         answered, None, "Answered", None, 10_000, 0, 0, caller("01632 960200"),
         report.import_id),
        ("A81001", day("2025-07-15"), 8 * 3600 + 5, 1, DIRECTIONS.index("inbound"), answered,
         "Reception / 1", "Answered", 30_000, 69_000, 0, 0, caller("01632 960100"),
         report.import_id)]


@pytest.mark.parametrize("texts", [
    ["a", "b"], [" a", "b"], ["a ", "b"], ["a", "'b"], ["NULL"], ["a", "NULLx"], ["xNULL"],
    ["a\tb"], ["a", "b\t"], [""], ["\xa0x"], ["x\u2003"], ["'"], ["08:00", "NULL", "x"],
    ["\x1fa"], ["a\x85"], ["a\u200b"], ["a\u3000"], ["\u2029"], ["a\nb"], []])
def test_a_column_is_cleaned_when_clean_would_change_a_text(texts):
    """The one search per column (legs._may_need_cleaning) finds every text clean() changes,
    by Python's regex or by pyarrow's."""
    import numpy as np
    import pyarrow as pa

    from practice_desk.telephony.legs import _may_need_cleaning, clean

    changed = any(clean(text) != text for text in texts)
    assert _may_need_cleaning(np.array(texts, dtype=object)) == changed
    assert _may_need_cleaning(np.array(texts, dtype=object), pa.array(texts, pa.string())) \
        == changed


def test_the_whitespace_pyarrow_looks_for_is_pythons():
    from practice_desk.telephony.legs import WHITESPACE

    assert WHITESPACE == "".join(c for c in map(chr, range(0x110000)) if c.isspace())


def test_cancel_while_merged_calls_are_stored(conn, monkeypatch, db_dump):
    """Calls merged from legs (3CX) are stored a block at a time, each a chance to cancel."""
    from practice_desk.telephony import legs as leg_rules

    path = Path(__file__).parent / "data" / "calls" / "3cx_v18_file.csv"
    monkeypatch.setattr(loading, "ROWS_PER_BLOCK", 2)
    merged = threading.Event()

    def merge(*args):
        merged.set()
        return leg_rules.merge(*args)

    monkeypatch.setattr(loading, "merge", merge)
    stored = []
    add = loading.CallWriter.add
    monkeypatch.setattr(loading.CallWriter, "add", lambda self, ready: (
        stored.append(len(ready.calls)), add(self, ready)))
    before = db_dump(conn)
    report = import_file(conn, path, options=ImportOptions(practice="A81001"),
                         cancel=merged.is_set)
    assert merged.is_set() and report.status == "cancelled", report.message
    assert stored == []  # cancelled before the first block of calls, not after the last
    assert db_dump(conn) == before
    assert not [t for t in threading.enumerate() if t.name == "read-ahead"]
