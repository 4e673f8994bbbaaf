"""Killing an import with SIGKILL at random moments never leaves a damaged or half-filled database.

A child process imports a large crosstab (one transaction); the parent kills it after a random
delay, then checks the database opens, passes SQLite's integrity check, and holds either all of
the interrupted import or none of it, with the earlier import untouched.
"""

from __future__ import annotations

import csv
import os
import random
import signal
import subprocess
import sys
import time

import pytest

from local_db.connection import open_database
from practice_desk.importing import import_file, undo_import

KILLS = 12
CHILD = """
import sys
from local_db.connection import open_database
from practice_desk.importing import import_file, undo_import
conn = open_database(sys.argv[1])
print("started", flush=True)
report = import_file(conn, sys.argv[2])
print(report.status, flush=True)
"""


@pytest.fixture
def big_crosstab(tmp_path, crosstab_csv):
    """About 130,000 rows: the real October rows relabelled as 50 earlier months."""
    path = tmp_path / "Practice_Level_Crosstab_many_months.csv"
    with open(crosstab_csv, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    months = [f"01{m}{y}" for y in (2020, 2021, 2022, 2023, 2024)  # not October 2025
              for m in ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT")]
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\r\n")
        writer.writerow(header)
        for month in months:
            for row in body:
                writer.writerow([month, *row[1:]])
    return path, len(months) * len(body)


def stored(conn) -> tuple[int, int]:
    rows = conn.execute("SELECT COUNT(*) FROM gpad_appointments").fetchone()[0]
    imports = conn.execute("SELECT COUNT(*) FROM imports WHERE status = 'done'").fetchone()[0]
    return rows, imports


def test_killed_imports_leave_all_or_nothing(tmp_path, crosstab_csv, big_crosstab):
    path, big_rows = big_crosstab
    db_path = tmp_path / "crash.sqlite"
    conn = open_database(db_path)
    first = import_file(conn, crosstab_csv)  # data that must survive every crash
    assert first.status == "done"
    before = stored(conn)
    conn.close()
    rng = random.Random(20251124)
    outcomes = []
    for _ in range(KILLS):
        child = subprocess.Popen([sys.executable, "-c", CHILD, str(db_path), str(path)],
                                 stdout=subprocess.PIPE, text=True)
        assert child.stdout.readline().strip() == "started"
        time.sleep(rng.uniform(0.0, 2.5))
        if child.poll() is None:
            os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=60)
        conn = open_database(db_path)  # runs SQLite's quick_check; raises when damaged
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        now = stored(conn)
        assert now in (before, (before[0] + big_rows, before[1] + 1)), now
        outcomes.append("all" if now != before else "none")
        if now != before:  # it finished before the kill: undo it for the next round
            undo_import(conn, conn.execute("SELECT MAX(id) FROM imports").fetchone()[0])
            assert stored(conn) == before
        conn.close()
    assert "none" in outcomes  # at least one kill landed mid-import
