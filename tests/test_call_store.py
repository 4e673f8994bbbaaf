"""The compact call store (schema 8): a schema-5 database's calls converted in place give every
figure they gave before, and the telephony rules are applied by one piece of code."""

from __future__ import annotations

import gzip
import math
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from local_db.connection import connect, list_backups, open_database, schema_version
from local_db.migrations import SCHEMA_VERSION
from practice_desk.importing import import_file
from practice_desk.importing.runner import ImportOptions
from practice_desk.metrics.selection import Selection
from practice_desk.metrics.telephony import monthly
from practice_desk.telephony.aggregates import calls_by_hour_weekday, rebuild_all, wait_stats
from practice_desk.telephony.core_hours import CoreCalendar, CoreHours
from practice_desk.telephony.model import wait_bands

CALLS = Path(__file__).parent / "data" / "calls"
AGGREGATES = ("call_hours", "call_waits", "call_months", "call_weekday_hours", "call_days")
PRACTICES = ["A81001", "A81002", "A81003", "B82001", "B82002", "B82003"]
RANGES = [(None, None), ("2025-04", "2025-04"), ("2025-03-30", "2025-04-21"),
          ("2025-10-06", "2025-10-06")]


@pytest.fixture
def schema5(tmp_path) -> Path:
    path = tmp_path / "practice_desk.sqlite"
    path.write_bytes(gzip.decompress((CALLS / "schema5_calls.sqlite.gz").read_bytes()))
    return path


def figures(conn: sqlite3.Connection) -> dict:
    """Every telephony figure of each practice and of all six together: the monthly metrics,
    the hour x weekday cells of several ranges, and the median/P90 waits."""
    found: dict = {}
    for scope in [[p] for p in PRACTICES] + [PRACTICES]:
        name = ",".join(scope)
        found[name, "monthly"] = monthly(conn, scope, Selection(practice=scope[0]))
        for start, end in RANGES:
            found[name, "cells", start, end] = calls_by_hour_weekday(conn, scope, start, end)
        for month in ("2025-03", "2025-04", "2025-05", "2025-10"):
            found[name, "waits", month] = wait_stats(conn, scope, month)
    return found


def aggregate_rows(conn: sqlite3.Connection) -> dict[str, list[tuple]]:
    return {t: sorted(tuple(r) for r in conn.execute(f"SELECT * FROM {t}")) for t in AGGREGATES}


def same(a, b) -> bool:
    """Equal, floats to 1e-9 (talk-time sums added up in another order)."""
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    return a == b


def test_compact_store_migration_keeps_every_figure(schema5):
    old = connect(schema5)  # read as schema 5 left it, before any migration
    assert schema_version(old) == 5
    before, sums_before = figures(old), aggregate_rows(old)
    calls = old.execute("SELECT COUNT(*) FROM calls").fetchone()[0]
    old.close()
    assert calls == 4439 and all(sums_before.values())

    conn = open_database(schema5)
    assert schema_version(conn) == SCHEMA_VERSION
    assert any("before-migration-6" in b.name for b in list_backups(schema5))
    assert conn.execute("SELECT COUNT(*) FROM calls").fetchone()[0] == calls
    rebuild_all(conn)  # every sum worked out again from the converted calls
    assert same(aggregate_rows(conn), sums_before)
    after = figures(conn)
    assert same(after, before)
    waits = [after[p, "waits", "2025-04"] for p in ("B82001", "B82002", "B82003")]
    assert all(median is not None for median, _ in waits)  # figures that could differ
    inbound = conn.execute("SELECT COUNT(*) FROM call_list WHERE ods_code = 'A81001' "
                           "AND direction = 'inbound'").fetchone()[0]
    assert sum(sum(row) for row in after["A81001", "cells", None, None]["inbound"]) == inbound


def test_overlapping_export_after_migration_counts_once(schema5, tmp_path):
    conn = open_database(schema5)
    before = conn.execute("SELECT COUNT(*) FROM calls").fetchone()[0]
    report = import_file(conn, CALLS / "xon_export_overlap.csv",
                         options=ImportOptions(practice="A81001"))
    assert report.status == "duplicate"  # the same file: recognised by its bytes
    again = tmp_path / "overlap.csv"
    again.write_bytes((CALLS / "xon_export_overlap.csv").read_bytes() + b"\n")
    report = import_file(conn, again, options=ImportOptions(practice="A81001"))
    assert report.status == "duplicate" and "already in the database" in report.message
    assert conn.execute("SELECT COUNT(*) FROM calls").fetchone()[0] == before


def test_a_call_takes_at_most_64_bytes(schema5):
    """calls (the table is its own unique key: no other index) from dbstat, once migrated."""
    conn = open_database(schema5)
    conn.execute("VACUUM")
    size = conn.execute("SELECT SUM(pgsize) FROM dbstat WHERE name = 'calls'").fetchone()[0]
    assert not conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'index' AND "
                            "tbl_name = 'calls'").fetchone()
    assert size / 4439 <= 64


def test_wait_bands_edges():
    """metrics.md: 60 s is in 1-2 min, 120 s and 300 s in 2-5 min, 300.001 s above it."""
    wait_ms = np.array([0, 59_999, 60_000, 119_999, 120_000, 300_000, 300_001, np.nan, -5.0])
    assert wait_bands(wait_ms).tolist() == [0, 0, 1, 1, 2, 2, 3, -1, 0]


def test_core_hours_one_rule_for_one_call_and_many():
    from datetime import datetime, time

    calendar = CoreCalendar(CoreHours((0, 1, 2, 3, 4), time(8, 0), time(18, 30)))
    moments = [datetime(2025, 4, 17, 8, 0), datetime(2025, 4, 17, 7, 59, 59),
               datetime(2025, 4, 17, 18, 29, 59), datetime(2025, 4, 17, 18, 30),
               datetime(2025, 4, 18, 10, 0),  # Good Friday
               datetime(2025, 4, 19, 10, 0)]  # a Saturday
    assert [calendar.is_core(m) for m in moments] == [True, False, True, False, False, False]
    day = [m.date().toordinal() - 719163 for m in moments]
    clock = [m.hour * 3600 + m.minute * 60 + m.second for m in moments]
    assert calendar.core_mask(day, clock).tolist() == [True, False, True, False, False, False]
