"""Call-log importers on hand-made fixtures whose outcomes are worked out by hand (below)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from practice_desk.cli import main
from practice_desk.importing import import_file, undo_import
from practice_desk.importing.mapping import ColumnMapping, save_mapping, suggest_mapping
from practice_desk.importing.runner import ImportOptions
from practice_desk.telephony.aggregates import (
    call_month_counts,
    calls_by_hour_weekday,
    rebuild_all,
    talk_mean_s,
    wait_stats,
)
from practice_desk.telephony.callers import caller_key, hash_number, normalise_number, stored
from practice_desk.telephony.core_hours import calls_111_core

CALLS = Path(__file__).parent / "data" / "calls"


def imp(conn, name, practice=None, mapping=None, path=None):
    options = ImportOptions(practice=practice, mapping=mapping)
    return import_file(conn, path or CALLS / name, options=options)


def counts(conn, practice, month="2025-10"):
    return call_month_counts(conn, [practice], month, month)[month]


def calls(conn, practice):
    return [dict(r) for r in conn.execute(
        "SELECT * FROM call_list WHERE ods_code = ? ORDER BY started_at", (practice,))]


# xon_export.csv, practice A81001, Monday 6 and Tuesday 7 October 2025 (BST):
#  X1  08:00:05 Answered, wait 1m 9s = 69 (1-2 min), talk 02m 55s = 175   -> answered
#  X2  08:01:10 Missed, wait 120 (2-5 min), same caller as X1 (+44 form)  -> missed
#  X3  08:02:00 Abandoned (never reached a queue), Withheld               -> ivr_ended, no caller
#  X4  08:15:00 Voicemail, wait 330 (> 5 min)                             -> missed
#  X5  09:00:00 Callback requested                                        -> callback_requested
#  X6  09:05:00 Callback successful                               -> callback_requested, made
#  X7  09:10:00 Callback patient-cancelled (asked, then gave up)          -> callback_requested
#  X8  18:45:00 Abandoned on 'Closed message 111' (not core hours)        -> ivr_ended, 111
#  X9  10:00:00 'Missed' after IVR option '2 - NHS 111' (core hours)      -> ivr_ended, 111
#  X10 10:30:00 Answered, wait exactly 60 s (1-2 min), talk 180           -> answered
#  X11 Outbound, X12 Internal                                             -> not inbound
#  X13 23:59:30 Answered, wait 120 (2-5 min), talk 300, ends after midnight -> Monday, hour 23
#  X14 Tue 08:30 Answered, wait exactly 300 (2-5 min), talk 60, caller as X1
# inbound 12 = answered 4 (X1 X10 X13 X14) + ivr_ended 3 (X3 X8 X9) + callback_requested 3
# (X5 X6 X7) + missed 2 (X2 X4); callback_made 1; outbound 1; 111: 2, in core hours 1 (X9).
# Answered waits 60, 69, 120, 300: median (69 + 120) / 2 = 94.5, p90 (nearest rank 4) = 300;
# bands lt1m 0, 1to2m 2, 2to5m 2, gt5m 0. Missed waits 120, 330: 2to5m 1, gt5m 1.
# Talk mean (175 + 180 + 300 + 60) / 4 = 178.75.
XON_EXPECTED = {
    "inbound": 12, "answered": 4, "ivr_ended": 3, "callback_requested": 3, "missed": 2,
    "callback_made": 1, "calls_111": 2, "calls_111_core": 1, "outbound": 1,
    "answered_wait_lt1m": 0, "answered_wait_1to2m": 2, "answered_wait_2to5m": 2,
    "answered_wait_gt5m": 0, "missed_wait_lt1m": 0, "missed_wait_1to2m": 0,
    "missed_wait_2to5m": 1, "missed_wait_gt5m": 1,
}


def test_xon_preset_outcomes_worked_by_hand(conn):
    report = imp(conn, "xon_export.csv", "A81001")
    assert report.status == "done", report.message
    assert report.rows_read == 14 and report.rows_stored == 14
    got = counts(conn, "A81001")
    assert {k: got[k] for k in XON_EXPECTED} == XON_EXPECTED
    assert wait_stats(conn, ["A81001"], "2025-10") == (94.5, 300.0)
    assert talk_mean_s(conn, ["A81001"], "2025-10") == pytest.approx(178.75)
    assert calls_111_core(conn, ["A81001"], "2025-10") == 1
    rows = {r["supplier_outcome"] + r["local_time"]: r for r in calls(conn, "A81001")}
    assert rows["Missed10:00:00"]["outcome"] == "ivr_ended" and rows["Missed10:00:00"]["is_111"]
    assert rows["Abandoned08:02:00"]["caller_hash"] is None
    late = rows["Answered23:59:30"]
    assert (late["local_day"], late["weekday"], late["started_at"]) == \
        ("2025-10-06", 0, "2025-10-06T22:59:30Z")
    same = [r["caller_hash"] for r in calls(conn, "A81001")
            if r["local_time"] in ("08:00:05", "08:01:10", "08:30:00")]
    assert len(set(same)) == 1 and same[0] is not None


def test_heatmap_and_by_hour(conn):
    imp(conn, "xon_export.csv", "A81001")
    grid = calls_by_hour_weekday(conn, ["A81001"], "2025-10", "2025-10")
    monday, tuesday = grid["inbound"][0], grid["inbound"][1]
    # Monday: 08h X1-X4, 09h X5-X7, 10h X9 X10, 18h X8, 23h X13; Tuesday 08h X14.
    assert {h: n for h, n in enumerate(monday) if n} == {8: 4, 9: 3, 10: 2, 18: 1, 23: 1}
    assert {h: n for h, n in enumerate(tuesday) if n} == {8: 1}
    assert grid["answered"][0][8] == 1 and grid["missed"][0][8] == 2
    assert grid["ivr_ended"][0][8] == 1 and grid["callback_requested"][0][9] == 3
    assert grid["days"][:2] == [1, 1]
    # Read from the per-day hours instead of the monthly tables: the same grid.
    assert calls_by_hour_weekday(conn, ["A81001"], "2025-10-01", "2025-10-31") == grid
    assert calls_by_hour_weekday(conn, ["A81001"], "2025-10-07", "2025-10-07")["days"] == \
        [0, 1, 0, 0, 0, 0, 0]


def test_excel_mangled_export(conn):
    # Windows-1252 ('Réception'), apostrophes, HH:MM times, 7.7009E+10, leading zero lost:
    # E1 answered (07700900123), E2 missed with an unusable caller, E3 answered (07700900125).
    report = imp(conn, "xon_excel.csv", "A81002")
    assert report.status == "done", report.message
    assert any("Windows-1252" in w for w in report.warnings)
    assert any("1 caller numbers were unusable" in w for w in report.warnings)
    got = counts(conn, "A81002")
    assert (got["inbound"], got["answered"], got["missed"]) == (3, 2, 1)
    key = caller_key(conn)
    hashes = [r["caller_hash"] for r in calls(conn, "A81002")]
    assert hashes == [stored(hash_number(key, "07700900123")), None,
                      stored(hash_number(key, "07700900125"))]
    assert calls(conn, "A81002")[0]["local_time"] == "08:03:00"
    assert calls(conn, "A81002")[0]["route"] == "Réception / 1"


def test_clock_changes(conn):
    assert imp(conn, "xon_clock_change.csv", "A81009").status == "done"
    got = [(r["started_at"], r["local_day"], r["local_time"]) for r in calls(conn, "A81009")]
    assert got == [
        ("2025-03-30T01:30:00Z", "2025-03-30", "02:30:00"),  # skipped hour: read as GMT
        ("2025-10-25T23:59:00Z", "2025-10-26", "00:59:00"),  # BST
        ("2025-10-26T00:30:00Z", "2025-10-26", "01:30:00"),  # repeated hour: first (BST)
        ("2025-10-26T02:00:00Z", "2025-10-26", "02:00:00"),  # GMT again
    ]


# 3cx_cdr.csv, practice B81002, Monday 6 October 2025 (legs grouped by callid):
#  C1 IVR leg (ivr_ended) then queue leg answered at 08:01:20 -> answered, wait 80 (1-2 min),
#     talk 180 (08:01:20-08:04:20)
#  C2 queue unanswered then VoiceMail                        -> missed, wait 08:10-08:13 = 180
#  C3 answered by ext 201 at 09:00:30 then transferred to 111 -> answered, wait 30, talk 180, 111
#  C4 IVR sent the caller out to 111 (10:00, core)            -> ivr_ended, 111
#  C5 extension to line                                        -> outbound
#  C6 extension to extension                                   -> internal
#  C7 'anonymous' caller, queue, answered after 10 s, talk 120 -> answered, no caller
# inbound 5 = answered 3 + missed 1 + ivr_ended 1; answered waits 80, 30, 10 -> lt1m 2, 1to2m 1;
# missed wait 180 -> 2to5m; 111: 2, both in core hours; talk mean (180 + 180 + 120) / 3 = 160.
def test_3cx_preset(conn):
    report = imp(conn, "3cx_cdr.csv", "B81002")
    assert report.status == "done", report.message
    assert report.rows_read == 9 and report.rows_stored == 7
    got = counts(conn, "B81002")
    assert {k: got[k] for k in ("inbound", "answered", "missed", "ivr_ended", "outbound",
                                "calls_111", "calls_111_core", "answered_wait_lt1m",
                                "answered_wait_1to2m", "missed_wait_2to5m")} == {
        "inbound": 5, "answered": 3, "missed": 1, "ivr_ended": 1, "outbound": 1,
        "calls_111": 2, "calls_111_core": 2, "answered_wait_lt1m": 2, "answered_wait_1to2m": 1,
        "missed_wait_2to5m": 1}
    assert talk_mean_s(conn, ["B81002"], "2025-10") == pytest.approx(160)
    transferred = [r for r in calls(conn, "B81002") if r["local_time"] == "09:00:00"][0]
    assert (transferred["outcome"], transferred["is_111"]) == ("answered", 1)
    assert [r["direction"] for r in calls(conn, "B81002")].count("internal") == 1


# Master.csv + queue_log (asterisk.zip), practice C81003, Monday 6 October 2025:
#  A1 Queue, agent bridged; queue_log CONNECT 45 s, COMPLETECALLER talk 254 -> answered
#  A2 Queue, no agent; queue_log ABANDON after 120 s                       -> missed (2-5 min)
#  A3 Playback 'closed-111-message' at 19:00 (not core)                   -> ivr_ended, 111
#  A4 Dial answered after 12 s, billsec 120                               -> answered
#  A5 Dial NO ANSWER then VoiceMail (two rows, one uniqueid): 09:30:00-09:31:00 -> missed, 60 s
#  A6 from-internal to a mobile                                            -> outbound
#  A7 anonymous, Dial answered after 3 s, billsec 60                       -> answered, no caller
# inbound 6 = answered 3 + missed 2 + ivr_ended 1; answered waits 45, 12, 3 -> lt1m 3;
# missed waits 120 (2-5 min), 60 (1-2 min); talk mean (254 + 120 + 60) / 3 = 144.67.
ASTERISK_EXPECTED = {"inbound": 6, "answered": 3, "missed": 2, "ivr_ended": 1, "outbound": 1,
                     "calls_111": 1, "calls_111_core": 0, "answered_wait_lt1m": 3,
                     "missed_wait_1to2m": 1, "missed_wait_2to5m": 1}


def test_asterisk_zip_with_queue_log(conn):
    report = imp(conn, "asterisk.zip", "C81003")
    assert report.status == "done", report.message
    got = counts(conn, "C81003")
    assert {k: got[k] for k in ASTERISK_EXPECTED} == ASTERISK_EXPECTED
    assert talk_mean_s(conn, ["C81003"], "2025-10") == pytest.approx(434 / 3)
    assert not any("queue_log: import it" in w for w in report.warnings)


def test_asterisk_master_then_queue_log_separately(conn):
    first = imp(conn, "Master.csv", "C81003")
    assert first.status == "done", first.message
    assert any("queue_log" in w for w in first.warnings)
    # Without queue_log: A1 answered (agent bridged) with unknown wait; A2 missed after 121 s.
    before = counts(conn, "C81003")
    assert (before["answered"], before["missed"], before["answered_wait_lt1m"]) == (3, 2, 2)
    second = imp(conn, "queue_log")  # practice found from the calls already imported
    assert second.status == "done", second.message
    assert second.rows_stored == 2
    after = counts(conn, "C81003")
    assert {k: after[k] for k in ASTERISK_EXPECTED} == ASTERISK_EXPECTED


def test_queue_log_without_calls_or_practice_fails_cleanly(conn, db_dump):
    before = db_dump(conn)
    report = imp(conn, "queue_log")
    assert report.status == "failed"
    assert "import the Master.csv" in report.message
    assert db_dump(conn) == before


def test_queue_log_alone_counts_the_calls_that_queued(conn):
    # A1 CONNECT after 45 s, talk 254 -> answered; A2 ABANDON after 120 s -> missed.
    report = imp(conn, "queue_log", "C81003")
    assert report.status == "done", report.message
    got = counts(conn, "C81003")
    assert (got["inbound"], got["answered"], got["missed"]) == (2, 1, 1)
    assert (got["answered_wait_lt1m"], got["missed_wait_2to5m"]) == (1, 1)
    # The Master.csv afterwards adds the calls that never queued, not A1 and A2 again.
    assert imp(conn, "Master.csv", "C81003").status == "done"
    assert counts(conn, "C81003")["inbound"] == 6


def test_overlapping_reimport_counts_once(conn, tmp_path):
    assert imp(conn, "xon_export.csv", "A81001").status == "done"
    report = imp(conn, "xon_export_overlap.csv", "A81001")
    assert report.status == "done" and report.rows_stored == 1
    assert any("2 of the 3 calls were already" in w for w in report.warnings)
    assert counts(conn, "A81001")["inbound"] == 13
    # The same calls in a file with other bytes: nothing new, reported as a duplicate.
    again = tmp_path / "again.csv"
    again.write_bytes((CALLS / "xon_export_overlap.csv").read_bytes() + b"\n\n")
    report = imp(conn, None, "A81001", path=again)
    assert report.status == "duplicate" and "already in the database" in report.message
    assert counts(conn, "A81001")["inbound"] == 13


AGGREGATES = ("call_hours", "call_months", "call_waits", "call_weekday_hours", "call_days")


def aggregate_tables(conn):
    return {table: sorted(tuple(r) for r in conn.execute(f"SELECT * FROM {table}"))
            for table in AGGREGATES}


def test_sums_added_at_import_equal_a_rebuild_from_the_calls(conn):
    """The importer adds each block's new calls to the aggregates (sums.summed, add_summed);
    summing them again from `calls` (as undo and a change of core hours do) must give the same."""
    for name, practice in [("xon_export.csv", "A81001"), ("xon_export_overlap.csv", "A81001"),
                           ("xon_clock_change.csv", "A81009"), ("3cx_cdr.csv", "B81002"),
                           ("Master.csv", "C81003")]:
        assert imp(conn, name, practice).status == "done"
    added = aggregate_tables(conn)
    assert all(added.values())
    rebuild_all(conn)
    assert aggregate_tables(conn) == added


def test_undo_removes_calls_and_aggregates(conn):
    first = imp(conn, "xon_export.csv", "A81001")
    second = imp(conn, "xon_export_overlap.csv", "A81001")
    undo_import(conn, second.import_id)
    assert counts(conn, "A81001")["inbound"] == 12
    undo_import(conn, first.import_id)
    for table in ("calls", *AGGREGATES):
        assert conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] == 0
    assert call_month_counts(conn, ["A81001"]) == {}


def test_practice_is_required(conn, db_dump):
    before = db_dump(conn)
    report = imp(conn, "xon_export.csv")
    assert report.status == "failed" and "--practice" in report.message
    assert db_dump(conn) == before


def _bad(tmp_path, line):
    header = (CALLS / "xon_export.csv").read_text().splitlines()[0]
    good = (CALLS / "xon_export.csv").read_text().splitlines()[1]
    path = tmp_path / "bad.csv"
    path.write_text("\n".join([header, good, line]) + "\n")
    return path


@pytest.mark.parametrize("line, problem", [
    ("31/02/2025,08:00:00,B1,Inbound,07700 900150,01632960000,Q,1,Answered,10s,10s",
     "not a real date"),
    ("06/10/2025,08:00:00,B2,Inbound,07700 900151,01632960000,Q,1,Answered,soon,10s",
     "wait 'soon' is not a number of seconds"),
    ("06/10/2025,08:00:00,B3,Inbound,07700 900152,01632960000,Q,1,Lost in space,10s,10s",
     "'Lost in space' (1 rows) is not mapped to an outcome"),
    ("yesterday,08:00:00,B4,Inbound,07700 900153,01632960000,Q,1,Answered,10s,10s",
     "start time"),
    ("06/10/2025,08:00:00,B5,Inbound,07700 900154,01632960000,Q,1,Answered,10s,10s,spare",
     "has 12 fields where the header has 11"),
])
def test_bad_rows_name_file_line_problem(conn, db_dump, tmp_path, line, problem):
    before = db_dump(conn)
    report = imp(conn, None, "A81001", path=_bad(tmp_path, line))
    assert report.status == "failed"
    assert "bad.csv, line 3" in report.message and problem in report.message
    assert db_dump(conn) == before


def test_problem_lines_are_physical_lines(conn, db_dump, tmp_path):
    """pandas numbers rows, not lines: a quoted queue name over two lines and blank lines before
    the bad row must not shift the line the message names."""
    lines = (CALLS / "xon_export.csv").read_text().splitlines()
    path = tmp_path / "bad.csv"
    path.write_text("\n".join([
        lines[0], lines[1].replace(",Reception,", ',"Reception\nDesk",'), "", ",,,,,,,,,,",
        "06/10/2025,08:00:00,B1,Inbound,07700 900150,01632960000,Q,1,Lost in space,10s,10s",
        "31/02/2025,08:00:00,B2,Inbound,07700 900151,01632960000,Q,1,Answered,10s,10s"]) + "\n")
    before = db_dump(conn)
    report = imp(conn, None, "A81001", path=path)
    assert report.status == "failed"
    assert "bad.csv, line 7: start time" in report.message
    assert "bad.csv, line 6: the word 'Lost in space'" in report.message
    assert db_dump(conn) == before


def test_first_row_longer_than_the_header(conn, db_dump, tmp_path):
    lines = (CALLS / "xon_export.csv").read_text().splitlines()
    path = tmp_path / "long.csv"
    path.write_text("\n".join([lines[0], lines[1] + ",spare", lines[2]]) + "\n")
    before = db_dump(conn)
    report = imp(conn, None, "A81001", path=path)
    assert report.status == "failed"
    assert "long.csv, line 2: has more fields than the header's 11" in report.message
    assert db_dump(conn) == before


def test_missing_mapped_column(conn, db_dump):
    mapping = suggest_mapping("call_log", ["When", "From", "Result"])
    mapping.columns.update({"start_time": "When", "outcome": "Result", "wait_s": "Waited"})
    mapping.values["outcome"] = {"OK": "answered", "Gone": "missed"}
    before = db_dump(conn)
    report = imp(conn, "custom_log.csv", "D81004", mapping=mapping)
    assert report.status == "failed"
    assert "custom_log.csv, line 1" in report.message
    assert "'Waited' chosen for 'Wait (queue or ring time)' is not in this file" in report.message
    assert db_dump(conn) == before


def test_unknown_header_asks_for_a_mapping_then_saved_mapping_is_used(conn):
    report = imp(conn, "custom_log.csv", "D81004")
    assert report.status == "failed" and "map its columns" in report.message
    header = ["When", "From", "Queue Name", "Result", "Waited (s)", "Spoke (s)", "Ref"]
    mapping = suggest_mapping("call_log", header, name="Our supplier")
    mapping.columns.update({"start_time": "When", "caller": "From", "route": "Queue Name",
                            "outcome": "Result", "wait_s": "Waited (s)", "talk_s": "Spoke (s)",
                            "call_id": "Ref"})
    mapping.values["outcome"] = {"OK": "answered", "Gone": "missed"}
    mapping.options["practice"] = "D81004"
    save_mapping(conn, mapping, header)
    report = imp(conn, "custom_log.csv")  # found by header signature; practice from the mapping
    assert report.status == "done", report.message
    got = counts(conn, "D81004")
    # R1 answered after 15 s (talk 100); R2 missed after 200 s.
    assert (got["inbound"], got["answered"], got["missed"]) == (2, 1, 1)
    assert (got["answered_wait_lt1m"], got["missed_wait_2to5m"]) == (1, 1)


def test_cli_practice_and_mapping(tmp_path, capsys):
    db = str(tmp_path / "cli.sqlite")
    assert main(["import", "--db", db, "--practice", "a81001",
                 str(CALLS / "xon_export.csv")]) == 0
    assert "Imported 14 rows" in capsys.readouterr().out
    assert main(["import", "--db", db, "--mapping", "nothing saved",
                 str(CALLS / "custom_log.csv")]) == 2
    assert "no saved column mapping" in capsys.readouterr().err


NUMBERS = ["07700900123", "07700900124", "07700900125", "07700900130", "07700900132",
           "07700900141", "07700900201", "07700900202", "07700900203", "07700900301",
           "07700900302", "07700900305", "07700900401", "07700900402"]


def _forms(number: str) -> list[bytes]:
    national = number[1:]
    forms = [number, "+44" + national, "44" + national, "0044" + national,
             f"{number[:5]} {number[5:]}", national]
    return [f.encode() for f in forms] + [f.encode("utf-16-le") for f in forms[:2]]


def test_no_caller_number_in_the_database_file(db_path, conn, tmp_path):
    imp(conn, "xon_export.csv", "A81001")
    imp(conn, "xon_excel.csv", "A81002")
    imp(conn, "3cx_cdr.csv", "B81002")
    imp(conn, "asterisk.zip", "C81003")
    header = ["When", "From", "Queue Name", "Result", "Waited (s)", "Spoke (s)", "Ref"]
    mapping = ColumnMapping("call_log", "x", {"start_time": "When", "caller": "From",
                                              "outcome": "Result", "wait_s": "Waited (s)"},
                            {"outcome": {"OK": "answered", "Gone": "missed"}})
    save_mapping(conn, mapping, header)
    imp(conn, "custom_log.csv", "D81004")
    # 14 X-on + 3 Excel + 7 3CX + 7 Asterisk + 2 custom calls.
    assert conn.execute("SELECT COUNT(*) FROM calls").fetchone()[0] == 33
    assert all(normalise_number(n) == n for n in NUMBERS)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = b"".join(p.read_bytes() for p in db_path.parent.iterdir()
                    if p.name.startswith(db_path.name))
    for number in NUMBERS:
        for form in _forms(number):
            assert form not in data, (number, form)


def test_fixture_copy_in_a_zip_with_other_name(conn, tmp_path):
    # Detection by content, not name: the 3CX file renamed still reads as 3CX.
    copy = tmp_path / "export (3).csv"
    shutil.copy(CALLS / "3cx_cdr.csv", copy)
    report = imp(conn, None, "B81002", path=copy)
    assert report.status == "done" and any("3CX CDR" in w for w in report.warnings)


def test_a_truncated_last_line_is_reported_as_cut_short(conn, db_dump, tmp_path):
    """Not as 'the outcome is empty': the export stopped part way through the line."""
    text = (CALLS / "xon_export.csv").read_text()
    path = tmp_path / "cut.csv"
    path.write_text(text.rstrip("\n") + "\n06/10/2025,11:00:00,X99,Inbound,07700 900199")
    before = db_dump(conn)
    report = imp(conn, None, "A81001", path=path)
    assert report.status == "failed"
    lines = len(text.rstrip("\n").splitlines()) + 1
    assert f"cut.csv, line {lines}: has 5 of the header's 11 fields: the line is cut short" \
        in report.message
    assert "outcome is empty" not in report.message
    assert db_dump(conn) == before


def test_call_keys_of_a_file_of_many_practices_are_each_calls_own():
    """id_digests hashes each practice's part once: the keys are still SHA-256 of the practice
    and the ID, call by call, as stored keys were made (overlapping exports must match)."""
    import hashlib

    from practice_desk.telephony.calllogs import id_digests, id_key

    practices, ids = ["A81001", "B82002", "A81001", "C83003"], ["X1", "X1", "Ä-7", "1700000000.12"]
    digests = id_digests(practices, ids)
    one = id_digests(["A81001"] * len(ids), ids)
    for k, (practice, call_id) in enumerate(zip(practices, ids, strict=True)):
        assert digests[32 * k:32 * k + 32] == \
            hashlib.sha256(f"id\x1f{practice}\x1f{call_id}".encode()).digest()
        assert one[32 * k:32 * k + 32] == \
            hashlib.sha256(f"id\x1fA81001\x1f{call_id}".encode()).digest()
        assert id_key(practice, call_id) == int.from_bytes(digests[32 * k:32 * k + 8], "big",
                                                           signed=True)
