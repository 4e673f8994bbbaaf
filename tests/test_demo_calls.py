"""Synthetic telephony: deterministic files, a realistic shape, loaded only through importers."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from local_db import queries
from local_db.connection import open_database
from practice_desk import demo, demo_calls
from practice_desk.demo_calls import CallProfile, Tally, generate_calls
from practice_desk.importing import import_file
from practice_desk.importing.runner import ImportOptions
from practice_desk.metrics import Selection, metric_rows
from practice_desk.telephony.aggregates import (
    call_month_counts,
    calls_by_hour_weekday,
    rebuild_all,
)
from practice_desk.telephony.core_hours import BANK_HOLIDAYS_ENGLAND, list_diversions

CALLS = Path(__file__).parent / "data" / "calls"
CALL_MONTHS = [f"2025-{m:02d}" for m in range(4, 11)]
LOG_PRACTICES = list(demo.CALL_LOGS)
DRAMA = [(7700900000, 7700900999), (1632960000, 1632960999)]  # Ofcom: reserved for fiction
PHONE = re.compile(rb"(?<![\d.])(?:\+44|0)(\d{4}) ?(\d{5,6})(?![\d.])")


def in_drama_range(national: str) -> bool:
    value = int(national)
    return any(low <= value <= high for low, high in DRAMA)


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    conn = open_database(tmp_path_factory.mktemp("demo-calls-db") / "demo.sqlite")
    reports = demo.load_demo(conn)
    yield conn, reports
    conn.close()


def short_calls(code="DEM900", profile=None, days=(date(2025, 10, 6), date(2025, 10, 19))):
    return generate_calls(code, days[0], days[1], 7, 6_000, profile)


# --- the generator and the files ------------------------------------------------------------
def test_files_are_byte_identical_across_runs(tmp_path):
    for run in ("a", "b"):
        folder = tmp_path / run
        folder.mkdir()
        demo_calls.write_3cx_cdr(short_calls(profile=CallProfile(callbacks=False)),
                                 folder / "cdr.csv")
        demo_calls.write_asterisk(short_calls(profile=CallProfile(callbacks=False)), folder)
        demo_calls.write_asterisk_zip(short_calls(), folder / "asterisk.zip")
        demo_calls.write_xon_export(short_calls(), folder / "xon.csv")
        tally = Tally("xon")
        list(tally.counting(short_calls()))
        rows = [demo_calls.CbtRow(date(2025, 10, 1), "DEM900", "DEMO X", "DEMPCN", "DEMO P",
                                  "DM0", "DEMO S", "DMI", "DEMO I", "DMR", "DEMO R", counts)
                for counts in tally.months.values()]
        demo_calls.write_cbt_workbook(rows, folder / "cbt.xlsx")
    names = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert names == ["Master.csv", "asterisk.zip", "cbt.xlsx", "cdr.csv", "queue_log", "xon.csv"]
    for name in names:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


def test_generator_streams_in_time_order_with_unique_ids():
    calls = generate_calls("DEM900", date(2025, 1, 1), date(2025, 1, 31), 3, 8_000)
    assert iter(calls) is calls  # a generator, not a list
    seen = list(calls)
    assert [c.seq for c in seen] == list(range(1, len(seen) + 1))
    assert [(c.day, c.second) for c in seen] == sorted((c.day, c.second) for c in seen)


def test_generated_shape():
    profile = CallProfile()
    tally = Tally("xon")
    by_day: dict[date, int] = {}
    answered_on_holidays = 0
    for call in tally.counting(generate_calls("DEM900", date(2024, 1, 1), date(2024, 12, 31), 5,
                                              10_000, profile)):
        if call.direction != "inbound":
            continue
        by_day[call.day] = by_day.get(call.day, 0) + 1
        if call.day.isoformat() in BANK_HOLIDAYS_ENGLAND and call.outcome == "answered":
            answered_on_holidays += 1
    assert answered_on_holidays == 0  # bank holidays are closed
    per_patient = [m["inbound"] / 10_000 for m in tally.months.values()]
    assert all(0.22 <= r <= 0.40 for r in per_patient), per_patient
    assert 0.25 <= sum(per_patient) / 12 <= 0.35
    assert tally.months["2024-01"]["inbound"] > 1.15 * tally.months["2024-08"]["inbound"]
    weekday = [n for d, n in by_day.items() if d.weekday() < 5
               and d.isoformat() not in BANK_HOLIDAYS_ENGLAND]
    weekend = [n for d, n in by_day.items() if d.weekday() >= 5]
    assert sum(weekend) / len(weekend) < 0.12 * sum(weekday) / len(weekday)
    year = {k: sum(m[k] for m in tally.months.values()) for k in demo_calls.COUNT_COLUMNS}
    share = {k: year[k] / year["inbound"] for k in demo_calls.OUTCOMES}
    assert 0.60 <= share["answered"] <= 0.75, share
    assert 0.08 <= share["missed"] <= 0.20, share
    assert 0.10 <= share["ivr_ended"] <= 0.25, share
    assert 0.01 <= share["callback_requested"] <= 0.06, share
    assert 0.85 <= year["callback_made"] / year["callback_requested"] <= 1.0


def test_missed_calls_wait_longer_at_the_peak():
    peak, calm = [], []
    for call in generate_calls("DEM900", date(2025, 1, 6), date(2025, 3, 28), 11, 12_000):
        if call.direction == "inbound" and call.outcome in ("answered", "missed"):
            (peak if 8 * 3600 <= call.second < 9 * 3600 else calm).append(call)
    def missed(calls):
        return sum(c.outcome == "missed" for c in calls) / len(calls)

    def mean_wait(calls):
        waits = [c.wait_s for c in calls if c.outcome == "answered"]
        return sum(waits) / len(waits)

    assert missed(peak) > 1.5 * missed(calm)
    assert mean_wait(peak) > 2 * mean_wait(calm)


def test_caller_numbers_only_from_the_drama_ranges(tmp_path):
    seen = set()
    withheld = 0
    for call in generate_calls("DEM900", date(2025, 2, 1), date(2025, 3, 31), 2, 9_000):
        if call.number is None:
            withheld += 1
        else:
            assert in_drama_range(call.number), call.number
            seen.add(call.number)
    assert withheld > 0 and len(seen) > 200
    assert in_drama_range(demo_calls.practice_number("DEM001"))


def test_no_number_outside_the_drama_ranges_in_any_demo_file(tmp_path):
    files = demo.write_demo_files(tmp_path)
    logs = [p for p in files if "_calls_" in p.name]
    assert len(logs) == 4
    found = 0
    for path in logs:
        if path.suffix == ".zip":
            import zipfile

            with zipfile.ZipFile(path) as archive:
                data = b"".join(archive.read(n) for n in archive.namelist())
        else:
            data = path.read_bytes()
        for first, rest in PHONE.findall(data):
            found += 1
            assert in_drama_range((first + rest).decode()), (path.name, first, rest)
    assert found > 10_000


def test_repeat_callers_are_seen_by_the_importer(conn, tmp_path):
    path = demo_calls.write_xon_export(short_calls(), tmp_path / "xon.csv")
    report = import_file(conn, path, options=ImportOptions(practice="DEM900"))
    assert report.status == "done", report.message
    calls, callers, withheld = conn.execute(
        "SELECT COUNT(*), COUNT(DISTINCT caller_hash), SUM(caller_hash IS NULL) FROM call_list "
        "WHERE direction = 'inbound'").fetchone()
    assert withheld > 0 and callers < 0.8 * calls


@pytest.mark.parametrize("fmt, callbacks", [("3cx", False), ("asterisk", False), ("xon", True)])
def test_each_format_imports_to_the_tally(conn, tmp_path, fmt, callbacks):
    profile = CallProfile(callbacks=callbacks, voicemail_share=0.3, diversions_per_year=30)
    tally = Tally(fmt)
    suffix = ".zip" if fmt == "asterisk" else ".csv"
    path = demo_calls.write_call_log(fmt, tally.counting(short_calls(profile=profile)),
                                     tmp_path / f"log{suffix}")
    report = import_file(conn, path, options=ImportOptions(practice="DEM900"))
    assert report.status == "done", report.message
    got = call_month_counts(conn, ["DEM900"], "2025-10", "2025-10")["2025-10"]
    expected = tally.months["2025-10"]
    keys = [k for k in demo_calls.COUNT_COLUMNS if "duration" not in k]
    assert {k: got[k] for k in keys} == {k: expected[k] for k in keys}
    assert got["outbound"] > 0 and got["calls_111"] > 0


# --- the loaded demo --------------------------------------------------------------------------
def test_demo_loads_call_logs_and_the_cbt_workbook(loaded):
    conn, reports = loaded
    assert all(r.status == "done" for r in reports), [r.message for r in reports]
    kinds = [r.kind for r in reports]
    assert kinds.count("call_log") == 4 and kinds.count("cbt_workbook") == 1
    practices = [r[0] for r in conn.execute("SELECT DISTINCT ods_code FROM call_list ORDER BY 1")]
    assert practices == LOG_PRACTICES  # DEM005 has no call log
    months = [r[0] for r in conn.execute("SELECT DISTINCT month FROM call_hours ORDER BY 1")]
    assert months == CALL_MONTHS
    cbt = conn.execute("SELECT COUNT(*), COUNT(DISTINCT month) FROM cbt_monthly "
                       "WHERE ods_code IN ('DEM001','DEM002','DEM003','DEM004','DEM005')")
    assert cbt.fetchone()[:] == (5 * 24, 24)
    others = conn.execute("SELECT COUNT(DISTINCT ods_code) FROM cbt_monthly "
                          "WHERE ods_code LIKE 'DEM1%'").fetchone()[0]
    assert others == len(demo.NATIONAL_PRACTICES) >= 15
    names = [r[0] for r in conn.execute("SELECT name FROM practices WHERE ods_code LIKE 'DEM%'")]
    assert names and all(n.upper().startswith("DEMO ") for n in names)
    assert queries.practices_in_pcn(conn, demo.DEMO_PCN) == demo.DEMO_PRACTICES


def test_cbt_figures_equal_the_call_log_counts(loaded):
    conn, _ = loaded
    keys = ["inbound", "answered", "ivr_ended", "callback_requested", "missed", "callback_made",
            *[f"{k}_wait_{b}" for k in ("answered", "missed") for b in demo_calls.BANDS]]
    for code in LOG_PRACTICES:
        logged = call_month_counts(conn, [code], CALL_MONTHS[0], CALL_MONTHS[-1])
        for month in CALL_MONTHS:
            row = conn.execute(f"SELECT {', '.join(keys)} FROM cbt_monthly WHERE ods_code = ? "
                               "AND month = ?", (code, month)).fetchone()
            assert dict(zip(keys, row, strict=True)) == {k: logged[month][k] for k in keys}, \
                (code, month)


def test_8am_peak_monday_effect_and_quiet_evenings(loaded):
    conn, _ = loaded
    grid = calls_by_hour_weekday(conn, LOG_PRACTICES, CALL_MONTHS[0], CALL_MONTHS[-1])
    inbound, days = grid["inbound"], grid["days"]
    for weekday in range(5):
        hours = inbound[weekday]
        assert max(range(24), key=hours.__getitem__) == 8, (weekday, hours)
        assert hours[8] > 1.4 * hours[10]
        assert hours[13] > hours[12]  # the smaller rise after lunch
        assert sum(hours[19:]) < 0.03 * sum(hours)
    per_day = [sum(inbound[w]) / days[w] for w in range(7)]
    # Bank-holiday Mondays (closed, near empty) are in Monday's days here, and still it shows.
    assert per_day[0] > 1.1 * (per_day[1] + per_day[2] + per_day[3]) / 3, per_day
    # Working days only: Mondays bring about a third more calls than midweek.
    working = dict(conn.execute(
        "SELECT weekday, SUM(inbound) * 1.0 / COUNT(DISTINCT day) FROM call_hours "
        "WHERE ods_code IN (?, ?, ?, ?) AND day NOT IN (SELECT day FROM bank_holidays) "
        "GROUP BY weekday", LOG_PRACTICES).fetchall())
    assert 1.2 < working[0] / ((working[2] + working[3]) / 2) < 1.5, working
    assert per_day[5] < 0.15 * per_day[2] and per_day[6] < 0.15 * per_day[2]
    # Missed calls concentrate in the rush.
    missed = [sum(grid["missed"][w][h] for w in range(5)) for h in range(24)]
    assert max(range(24), key=missed.__getitem__) == 8


def test_pcn_outcome_shares_through_the_metrics(loaded):
    conn, _ = loaded
    rows = {r["month"]: r for r in metric_rows(conn, Selection(pcn=demo.DEMO_PCN))}
    assert all(rows[m]["inbound_calls"] for m in rows if m >= "2023-11")
    for month in CALL_MONTHS:
        r = rows[month]
        assert 0.60 <= r["answered_share"] <= 0.75, (month, r["answered_share"])
        assert 0.08 <= r["missed_share"] <= 0.20, (month, r["missed_share"])
        assert 0.10 <= r["ivr_ended_share"] <= 0.25, (month, r["ivr_ended_share"])
        assert 0 < r["callback_requested_share"] <= 0.06
        assert 0.85 <= r["callback_made_share"] <= 1.0
        assert r["wait_median_s"] is not None and r["wait_p90_s"] > r["wait_median_s"]
        assert 60 <= r["talk_mean_s"] <= 240
        assert 0.2 <= r["calls_per_1000"] / 1000 <= 0.4
    for code in LOG_PRACTICES:
        for r in metric_rows(conn, Selection(practice=code)):
            if r["month"] in CALL_MONTHS:
                assert r["wait_median_s"] is not None and r["missed_share"] is not None
    dem005 = {r["month"]: r for r in metric_rows(conn, Selection(practice="DEM005"))}
    assert dem005["2025-10"]["missed_share"] is not None
    assert dem005["2025-10"]["wait_median_s"] is None  # CBT only: no waits in seconds


def test_111_routes_and_diversions(loaded):
    conn, _ = loaded
    core = sum(m["calls_111_core"] for code in LOG_PRACTICES
               for m in call_month_counts(conn, [code]).values())
    assert core > 0
    diversions = list_diversions(conn, LOG_PRACTICES)
    assert len(diversions) >= 2 * len(LOG_PRACTICES)
    assert all(d.reason.startswith("DEMO") for d in diversions)


def test_loading_twice_adds_nothing(loaded):
    conn, _ = loaded
    tables = ("calls", "call_hours", "cbt_monthly", "diversions", "imports")
    before = {t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in tables}
    reports = demo.load_demo(conn)
    assert {r.status for r in reports} == {"duplicate"}
    assert {t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in tables} == before


def test_remove_demo_leaves_nothing_demo_behind(tmp_path):
    conn = open_database(tmp_path / "both.sqlite")
    real = import_file(conn, CALLS / "xon_export.csv", options=ImportOptions(practice="A81001"))
    assert real.status == "done"
    demo.load_demo(conn)
    demo.remove_demo(conn)
    for table, column in (("call_list", "ods_code"), ("call_hours", "ods_code"),
                          ("call_waits", "ods_code"), ("cbt_monthly", "unit"),
                          ("practices", "ods_code"), ("diversions", "ods_code"),
                          ("coverage", "unit"), ("list_sizes", "ods_code"),
                          ("gpad_appointments", "ods_code")):
        left = conn.execute(f"SELECT COUNT(*) FROM {table} WHERE {column} LIKE 'DEM%'")
        assert left.fetchone()[0] == 0, table
    assert not queries.demo_loaded(conn)
    assert conn.execute("SELECT COUNT(*) FROM calls").fetchone()[0] == 14  # the real calls stay
    assert call_month_counts(conn, ["A81001"])["2025-10"]["inbound"] == 12
    conn.close()


def test_demo_calls_module_is_qt_free():
    import subprocess
    import sys

    code = ("import sys, practice_desk.demo_calls; "
            "bad = [m for m in sys.modules if m.split('.')[0] in ('PySide6', 'pyqtgraph', 'ui')]; "
            "sys.exit(1 if bad else 0)")
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


def test_sums_added_at_import_equal_a_rebuild_from_the_calls(loaded):
    conn, _ = loaded
    tables = ("call_hours", "call_months", "call_waits", "call_weekday_hours", "call_days")
    added = {t: sorted(tuple(r) for r in conn.execute(f"SELECT * FROM {t}")) for t in tables}
    assert all(added.values())
    rebuild_all(conn)
    assert {t: sorted(tuple(r) for r in conn.execute(f"SELECT * FROM {t}"))
            for t in tables} == added


def test_england_calls_per_1000_spread_covers_every_demo_practice(loaded):
    from practice_desk.metrics.national import national_distribution

    conn, _ = loaded
    spread = national_distribution(conn, "calls_per_1000", "2025-10")
    assert spread["practices"] == len(demo.PRACTICES) + len(demo.NATIONAL_PRACTICES)
    assert spread["p10"] < spread["median"] < spread["p90"]
