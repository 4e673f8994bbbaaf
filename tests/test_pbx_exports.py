"""Real phone-system export layouts (telephony.md), recognised by shape with no mapping, counted
as calls, not rows or legs. The fixtures are written here in each real layout with made-up
numbers; every call is worked out by hand in the comments of the generator lines below and in
tests/data/calls/README.md."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from practice_desk.cli import main
from practice_desk.importing import import_file
from practice_desk.importing.runner import ImportOptions
from practice_desk.telephony.aggregates import call_month_counts

CALLS = Path(__file__).parent / "data" / "calls"
KEYS = ("inbound", "answered", "missed", "ivr_ended", "outbound")


def imp(conn, name, practice="E81050", path=None):
    return import_file(conn, path or CALLS / name, options=ImportOptions(practice=practice))


def counted(conn, practice="E81050", month="2026-03"):
    got = call_month_counts(conn, [practice], month, month)[month]
    internal = conn.execute("SELECT COUNT(*) FROM call_list WHERE direction = 'internal'")
    return {**{k: got[k] for k in KEYS}, "internal": internal.fetchone()[0]}


def calls(conn):
    return [dict(r) for r in conn.execute("SELECT * FROM call_list ORDER BY started_at")]


# (file, how it is read, rows, calls stored, {inbound, answered, missed, ivr_ended, outbound,
# internal}), hand-counted:
# - 3cx_v16_file.csv (no header, BOM, CRLF, rows of 27, 21 and 23 fields, chain quoted with
#   commas): 9744 answered then transferred, 9746 queue unanswered -> missed, 9748 withheld
#   answered, 9749 answered on 13 March: inbound 4 (3 answered, 1 missed); 9745 Ext.315 ->
#   Ext.184 in a row cut short before its types -> internal; 9747 Ext.610 -> a mobile ->
#   outbound.
# - 3cx_header_underscores.csv: the same rows under a header written time_start, from_no, ...
# - 3cx_v18_file.csv (Line/Extension, chain with ';'): 288832 and 288836 answered, 288833
#   queue unanswered -> missed, 288834 IVR closed message -> ended in IVR; 288831 outbound,
#   288835 extension to extension.
# - Master_21.csv (21 fields, Windows-1252 name): 14 rows, 12 uniqueids, 8 calls. A: five legs
#   sharing linkedid (IVR, ring group, three Local/ legs) -> answered; B queue with an agent ->
#   answered; C queue without -> missed; D withheld, Dial then voicemail -> missed; G menu
#   hang-up -> ended in IVR; H answered then transferred by 201 (same linkedid) -> answered;
#   E 201 -> 202 internal; F 202 -> a mobile outbound.
# - freepbx_cdr_report.csv (header, no linkedid, no answer time): 8 rows, 7 uniqueids, 5 calls.
#   R1 ring group: the trunk row and two Local/ rows (their own uniqueids) -> one answered call;
#   R2 Dial then voicemail -> missed; R5 withheld, queue answered by 203; R3 internal, R4 out.
# - pbxware_cdr.csv (MySQL cdr export: NULL, extra columns, linkedid): 6 rows, 5 calls. W1
#   answered then transferred (one linkedid); W2 queue unanswered -> missed; W4 NO ANSWER with
#   a NULL linkedid -> missed; W3 internal; W5 outbound.
# - cdr_summary_cr.csv (6 columns, CR-only, dd/mm/yy hh:mm, 13/03 settles day first): 2 March
#   08:01 answered, 08:05 NO ANSWER, 13 March BUSY -> missed; 201 -> mobile out; 202 -> 203.
# - cdr_summary_month_first.csv: the first three calls again written 03/13/2026.
EXPECTED = [
    ("3cx_v16_file.csv", "3CX CDR file output", 6, 6,
     {"inbound": 4, "answered": 3, "missed": 1, "ivr_ended": 0, "outbound": 1, "internal": 1}),
    ("3cx_header_underscores.csv", "3CX CDR", 6, 6,
     {"inbound": 4, "answered": 3, "missed": 1, "ivr_ended": 0, "outbound": 1, "internal": 1}),
    ("3cx_v18_file.csv", "3CX CDR file output", 6, 6,
     {"inbound": 4, "answered": 2, "missed": 1, "ivr_ended": 1, "outbound": 1, "internal": 1}),
    ("Master_21.csv", "Asterisk/FreePBX Master.csv", 14, 8,
     {"inbound": 6, "answered": 3, "missed": 2, "ivr_ended": 1, "outbound": 1, "internal": 1}),
    ("freepbx_cdr_report.csv", "FreePBX CDR Reports", 8, 5,
     {"inbound": 3, "answered": 2, "missed": 1, "ivr_ended": 0, "outbound": 1, "internal": 1}),
    ("pbxware_cdr.csv", "Asterisk CDR table export", 6, 5,
     {"inbound": 3, "answered": 1, "missed": 2, "ivr_ended": 0, "outbound": 1, "internal": 1}),
    ("cdr_summary_cr.csv", "Asterisk CDR summary", 5, 5,
     {"inbound": 3, "answered": 1, "missed": 2, "ivr_ended": 0, "outbound": 1, "internal": 1}),
    ("cdr_summary_month_first.csv", "Asterisk CDR summary", 3, 3,
     {"inbound": 3, "answered": 1, "missed": 2, "ivr_ended": 0, "outbound": 0, "internal": 0}),
]


@pytest.mark.parametrize("name, read_as, rows, stored, expected", EXPECTED,
                         ids=[e[0] for e in EXPECTED])
def test_real_layouts_import_as_calls(conn, name, read_as, rows, stored, expected):
    report = imp(conn, name)
    assert report.status == "done", report.message
    assert any(f"read as {read_as}" in w for w in report.warnings), report.warnings
    assert (report.rows_read, report.rows_stored) == (rows, stored)
    assert counted(conn) == expected


def test_reimporting_a_renamed_copy_adds_nothing(conn, tmp_path):
    assert imp(conn, "Master_21.csv").status == "done"
    copy = tmp_path / "cdr (2).csv"
    copy.write_bytes((CALLS / "Master_21.csv").read_bytes() + b"\n")
    report = imp(conn, None, path=copy)
    assert report.status == "duplicate", report.message
    assert counted(conn)["inbound"] == 6


def test_five_legs_of_one_call(conn):
    """Call A of Master_21.csv: answered at 08:00:20 after the 08:00:00 start (wait 20 s);
    the trunk's ring-group leg and the Local/ leg that answered are one conversation of 180 s,
    not 360; the name in clid is Windows-1252 and the file reads."""
    report = imp(conn, "Master_21.csv")
    assert any("Windows-1252" in w for w in report.warnings)
    first = calls(conn)[0]
    assert (first["local_time"], first["outcome"], first["wait_s"], first["talk_s"]) == \
        ("08:00:00", "answered", 20.0, 180.0)
    transferred = [c for c in calls(conn) if c["local_time"] == "10:00:00"][0]
    assert (transferred["direction"], transferred["talk_s"]) == ("inbound", 300.0)


def test_3cx_times_and_rows_of_different_lengths(conn):
    imp(conn, "3cx_v16_file.csv")
    by_time = {c["local_time"]: c for c in calls(conn)}
    # 2026/03/02 10:53:43 (GMT) answered at 10:53:50, ended 10:58:58.
    assert by_time["10:53:43"]["started_at"] == "2026-03-02T10:53:43Z"
    assert (by_time["10:53:43"]["wait_s"], by_time["10:53:43"]["talk_s"]) == (7.0, 308.0)
    assert by_time["09:00:00"]["local_day"] == "2026-03-13"  # the 23-field row
    assert by_time["10:58:46"]["direction"] == "internal"     # the 21-field row


@pytest.mark.parametrize("name, order, example, days", [
    ("cdr_summary_cr.csv", "day", "13/03/26 09:00", ["2026-03-02", "2026-03-13"]),
    ("cdr_summary_month_first.csv", "month", "03/13/2026 09:00", ["2026-03-02", "2026-03-13"]),
])
def test_date_order_is_decided_once_per_file_and_said(conn, name, order, example, days):
    report = imp(conn, name)
    assert f"dates were read {order} first (such as {example})" in report.warnings
    assert sorted({c["local_day"] for c in calls(conn)}) == days


def test_unsettled_dates_are_read_uk_order_and_the_notes_say_so(conn, tmp_path):
    lines = (CALLS / "cdr_summary_cr.csv").read_bytes().split(b"\r")[:3]
    path = tmp_path / "summary.csv"
    path.write_bytes(b"\r".join(lines) + b"\r")
    report = imp(conn, None, path=path)
    assert report.status == "done", report.message
    assert any("read day first (UK order): no date in the file settles" in w
               for w in report.warnings)
    assert {c["local_day"] for c in calls(conn)} == {"2026-03-02"}


def test_dates_in_both_orders_are_refused(conn, db_dump, tmp_path):
    text = (CALLS / "cdr_summary_month_first.csv").read_text()
    path = tmp_path / "mixed.csv"
    path.write_text(text + "13/03/2026 09:30,07700900805,01632960100,20,0,BUSY\n")
    before = db_dump(conn)
    report = imp(conn, None, path=path)
    assert report.status == "failed"
    assert "dates are in both orders" in report.message
    assert db_dump(conn) == before


def test_pbxware_queue_log_table_export_after_the_cdr(conn):
    """W2 sat in queue 7000 for 38 s and abandoned (the export's ABANDON 1|1|38)."""
    assert imp(conn, "pbxware_cdr.csv").status == "done"
    report = imp(conn, "pbxware_queue_log.csv")
    assert report.status == "done", report.message
    assert any("applied to 1 calls" in w for w in report.warnings)
    w2 = [c for c in calls(conn) if c["local_time"] == "08:10:00"][0]
    assert (w2["outcome"], w2["wait_s"], w2["supplier_outcome"]) == ("missed", 38.0, "ABANDON")
    assert counted(conn)["inbound"] == 3


def test_queue_log_alone_counts_its_queued_calls_then_the_cdr_adds_the_rest(conn):
    report = imp(conn, "pbxware_queue_log.csv")
    assert report.status == "done", report.message
    assert counted(conn)["inbound"] == 1 and counted(conn)["missed"] == 1
    after = imp(conn, "pbxware_cdr.csv")
    assert after.status == "done", after.message
    assert any("1 of the 5 calls were already" in w for w in after.warnings)
    assert counted(conn)["inbound"] == 3


def test_queue_log_alone_without_a_practice_says_what_to_do(conn, db_dump):
    before = db_dump(conn)
    report = imp(conn, "pbxware_queue_log.csv", practice=None)
    assert report.status == "failed"
    assert "import the Master.csv" in report.message and "--practice" in report.message
    assert db_dump(conn) == before


@pytest.mark.parametrize("name, inbound", [(e[0], e[4]["inbound"]) for e in EXPECTED])
def test_command_line_import_and_metrics(tmp_path, capsys, name, inbound):
    """The acceptance path: `import FILE --practice ODS` with no mapping, then
    `metrics --json` reports the hand-counted inbound calls."""
    db = str(tmp_path / "cli.sqlite")
    copy = tmp_path / "export.csv"  # recognised by content, not by name
    shutil.copy(CALLS / name, copy)
    assert main(["import", "--db", db, "--practice", "E81050", str(copy)]) == 0
    capsys.readouterr()
    assert main(["metrics", "--db", db, "--practice", "E81050", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)["rows"]
    assert [r["inbound_calls"] for r in rows] == [inbound]


def test_presets_are_named_on_the_command_line(tmp_path, capsys):
    """`--mapping 3cx` on 3CX's headerless file output reads it as that layout; a name that
    is neither a preset nor saved is refused with the list of both."""
    db = str(tmp_path / "cli.sqlite")
    assert main(["import", "--db", db, "--practice", "E81050", "--mapping", "3cx",
                 str(CALLS / "3cx_v18_file.csv")]) == 0
    assert "read as 3CX CDR file output" in capsys.readouterr().out
    assert main(["import", "--db", db, "--mapping", "Our PBX",
                 str(CALLS / "3cx_v18_file.csv")]) == 2
    err = capsys.readouterr().err
    assert "no saved column mapping or preset called 'Our PBX'" in err
    assert "3cx-file" in err and "x-on" in err


def test_import_help_lists_presets_and_saved_mappings(conn, db_path, capsys):
    from practice_desk.importing.mapping import ColumnMapping, save_mapping

    header = ["When", "From", "Result"]
    save_mapping(conn, ColumnMapping("call_log", "Our supplier", {
        "start_time": "When", "caller": "From", "outcome": "Result"},
        {"outcome": {"OK": "answered"}}), header)
    conn.commit()
    with pytest.raises(SystemExit):
        main(["import", "--db", str(db_path), "--help"])
    out = capsys.readouterr().out
    for name in ("3cx", "3cx-file", "asterisk", "asterisk-cdr", "x-on", "Our supplier"):
        assert name in out, name


def test_unknown_waits_are_null_not_zero(conn):
    """Master_21.csv has no queue_log: B was answered from a queue, so its wait is unknown and
    every answered wait share is null; the missed waits (C 96 s, D 60 s) are all known."""
    from practice_desk.metrics import Selection, metric_rows

    imp(conn, "Master_21.csv")
    row = metric_rows(conn, Selection(practice="E81050"))[0]
    assert [row[f"answered_wait_{b}_share"] for b in ("lt1m", "1to2m", "2to5m", "gt5m")] == \
        [None] * 4
    assert [row[f"missed_wait_{b}_share"] for b in ("lt1m", "1to2m", "2to5m", "gt5m")] == \
        [0.0, 1.0, 0.0, 0.0]
    assert row["answered"] == 3 and row["wait_median_s"] == 13.0  # waits 6 and 20 are known


def test_an_unknown_headerless_shape_is_described_without_its_values(conn, db_dump, tmp_path):
    """A Master.csv of 23 fields (two more than any Asterisk writes): refused with what it
    looks like and what to do, never echoing the caller's number that the first row holds."""
    line = (CALLS / "Master_21.csv").read_bytes().splitlines()[0]
    path = tmp_path / "Master.csv"
    path.write_bytes(line + b',"x","y"\n')
    before = db_dump(conn)
    report = imp(conn, None, path=path)
    assert report.status == "failed"
    assert ("a CSV without a header row, of 23 fields, whose 10th field is a date: this looks "
            "like an Asterisk Master.csv variant Practice Desk does not know") in report.message
    assert "--mapping" in report.message and "column-mapping step" in report.message
    assert "07700900501" not in report.message and "900501" not in report.message
    assert db_dump(conn) == before


def test_an_older_phone_system_log_imports(conn, tmp_path):
    """A practice's own Asterisk logged calls before NHS England's series began (2015): a 2013
    Master.csv is not refused as implausible. Calls of 2099 still are."""
    text = (CALLS / "Master_21.csv").read_bytes()
    old = tmp_path / "Master.csv"
    old.write_bytes(text.replace(b"2026-03-02", b"2013-04-23"))
    report = imp(conn, None, path=old)
    assert report.status == "done", report.message
    assert counted(conn, month="2013-04")["inbound"] == 6
    future = tmp_path / "future.csv"
    future.write_bytes(text.replace(b"2026-03-02", b"2099-04-23"))
    assert "in the future" in imp(conn, None, path=future).message


def test_a_queue_log_table_with_one_data_column(conn, tmp_path):
    """The realtime queue_log table as some systems export it: time, callid, queuename, agent,
    event and one `data` column holding data1|data2|data3."""
    path = tmp_path / "queue_log.csv"
    path.write_text("time,callid,queuename,agent,event,data\n"
                    "2026-03-04 08:10:01,1772611800.4,7000,NONE,ENTERQUEUE,|07700900702|1\n"
                    "2026-03-04 08:10:39,1772611800.4,7000,NONE,ABANDON,1|1|38\n")
    assert imp(conn, "pbxware_cdr.csv").status == "done"
    report = imp(conn, None, path=path)
    assert report.status == "done", report.message
    w2 = [c for c in calls(conn) if c["local_time"] == "08:10:00"][0]
    assert (w2["outcome"], w2["wait_s"]) == ("missed", 38.0)


def test_a_cdr_table_with_start_answer_end_columns(conn, tmp_path):
    """Master_21.csv's rows under Asterisk's own column names (a cdr table written by
    cdr_adaptive_odbc): the same 8 calls, 6 inbound."""
    import csv

    names = ["accountcode", "src", "dst", "dcontext", "clid", "channel", "dstchannel",
             "lastapp", "lastdata", "start", "answer", "end", "duration", "billsec",
             "disposition", "amaflags", "uniqueid", "userfield", "peeraccount", "linkedid",
             "sequence"]
    rows = list(csv.reader((CALLS / "Master_21.csv").read_text(encoding="cp1252").splitlines()))
    path = tmp_path / "cdr.csv"
    with open(path, "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([names, *rows])
    report = imp(conn, None, path=path)
    assert report.status == "done", report.message
    assert counted(conn) == EXPECTED[3][4]


def test_queue_log_with_a_bom_and_cr_line_ends(conn, tmp_path):
    """The native queue_log as a Windows tool may save it: BOM, CR-only line ends."""
    text = (CALLS / "queue_log").read_text()
    path = tmp_path / "queue_log"
    path.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r").encode())
    report = imp(conn, None, path=path)
    assert report.status == "done", report.message
    got = call_month_counts(conn, ["E81050"], "2025-10", "2025-10")["2025-10"]
    assert (got["inbound"], got["answered"], got["missed"]) == (2, 1, 1)
