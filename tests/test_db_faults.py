"""Database faults are diagnosed before any advice (issue 14 items 2, 3, 4, 7; issue 16 item 6).

A full disk is simulated (SQLite's page limit gives its real 'database or disk is full'; an OSError
ENOSPC for file copies), a read-only file is a chmod (honoured even by an administrator, as we run
tests as root), a busy database is a second connection holding BEGIN IMMEDIATE, damage is pages
overwritten on disk.
"""

from __future__ import annotations

import errno
import gzip
import os
import sqlite3
import stat
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from local_db import connection, faults
from local_db.connection import (
    DatabaseError,
    list_backups,
    make_backup,
    open_database,
    open_for_viewing,
    restore_backup,
)
from practice_desk import cli
from practice_desk.importing import import_file, runner

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def quick_busy(monkeypatch):
    monkeypatch.setattr(connection, "BUSY_TIMEOUT", 0.2)


@pytest.fixture
def holder(db_path):
    """Another program holding the database for writing (BEGIN IMMEDIATE) until the test ends."""
    other = sqlite3.connect(db_path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    yield other
    other.execute("ROLLBACK")
    other.close()


def run(capsys, *args) -> tuple[int, str, str]:
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def spoil(path: Path, first_page: int, pages: int) -> None:
    data = bytearray(path.read_bytes())
    data[(first_page - 1) * 4096:(first_page - 1 + pages) * 4096] = b"\xa5" * (pages * 4096)
    path.write_bytes(bytes(data))


def counts(db_path: Path) -> tuple[int, int]:
    conn = sqlite3.connect(db_path)
    try:
        return (conn.execute("SELECT COUNT(*) FROM gpad_appointments").fetchone()[0],
                conn.execute("SELECT COUNT(*) FROM imports").fetchone()[0])
    finally:
        conn.close()


# --- a full disk -------------------------------------------------------------------------------
def test_full_disk_during_an_import_names_the_real_cause(conn, db_dump, crosstab_csv):
    before = db_dump(conn)
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count = {pages + 2}")  # SQLite's own 'disk is full'
    report = import_file(conn, crosstab_csv)
    assert report.status == "failed"
    assert "cannot rollback" not in report.message
    assert "is full" in report.message and "Do not restore a backup" in report.message
    assert "nothing was changed" in report.message
    conn.execute(f"PRAGMA max_page_count = {2**31}")
    assert db_dump(conn) == before


def test_disk_io_error_on_a_full_disk_is_not_called_damage(filled, monkeypatch):
    """SQLite often says only 'disk I/O error' when the disk fills; the probe write finds out."""
    monkeypatch.setattr(faults, "probe_write", lambda folder: errno.ENOSPC)
    error = faults.explain(sqlite3.OperationalError("disk I/O error"), filled)
    assert error.cause == faults.FULL
    assert "is full" in str(error) and "is damaged" not in str(error)
    assert "restore-backup" not in str(error)


def test_an_unexplained_error_on_a_sound_file_says_the_data_is_safe(filled):
    error = faults.explain(sqlite3.OperationalError("table settings already exists"), filled)
    assert error.cause == faults.OTHER
    assert "data is safe" in str(error) and "damaged" not in str(error)


# --- read-only file and folder ----------------------------------------------------------------
def test_read_only_file_opens_for_viewing_and_refuses_writes(filled, capsys, crosstab_csv,
                                                              mapping_csv):
    filled.chmod(stat.S_IREAD)
    try:
        conn, reason = open_for_viewing(filled)
        assert "read-only" in reason and "damaged" not in reason
        assert conn.execute("SELECT COUNT(*) FROM gpad_appointments").fetchone()[0] == 2638
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            conn.execute("INSERT INTO settings VALUES ('x', 'y')")
        conn.close()
        code, out, _ = run(capsys, "imports", "--db", str(filled))
        assert code == 0 and "Practice_Level_Crosstab" in out
        code, out, err = run(capsys, "import", "--db", str(filled), str(mapping_csv))
        assert code == 1
        assert "read-only" in err and "damaged" not in err and "Traceback" not in err
    finally:
        filled.chmod(stat.S_IREAD | stat.S_IWRITE)
    assert counts(filled) == (2638, 1)


def test_read_only_folder_is_diagnosed_not_called_damage(filled, monkeypatch):
    """As root nothing stops the write, so SQLite's refusal is simulated; the folder's own
    read-only mark is what the diagnosis finds."""
    writable = connection.connect

    def refuse(db_path, read_only=False, immutable=False):
        if not (read_only and immutable):  # no -shm can be made in a read-only folder
            raise sqlite3.OperationalError("unable to open database file")
        return writable(db_path, read_only, immutable)

    monkeypatch.setattr(connection, "connect", refuse)
    filled.parent.chmod(0o555)
    try:
        with pytest.raises(DatabaseError) as caught:
            open_database(filled)
        assert caught.value.cause == faults.READ_ONLY
        assert str(filled.parent) in str(caught.value) and "damaged" not in str(caught.value)
        conn, reason = open_for_viewing(filled)  # still readable
        assert reason == str(caught.value)
        assert conn.execute("SELECT COUNT(*) FROM imports").fetchone()[0] == 1
        conn.close()
    finally:
        filled.parent.chmod(0o755)


# --- another program holding the database -----------------------------------------------------
@pytest.mark.parametrize("command", [["undo", "1"], ["demo"], ["import", "MAPPING"]])
def test_busy_database_gives_cause_and_next_step(filled, holder, quick_busy, capsys, command,
                                                 mapping_csv):
    args = [str(mapping_csv) if a == "MAPPING" else a for a in command]
    code, _, err = run(capsys, args[0], "--db", str(filled), *args[1:])
    assert code == 1
    assert "busy" in err and "try again" in err and "data is safe" in err
    assert "Traceback" not in err and "damaged" not in err


def test_busy_message_names_the_program_from_the_lock_file(filled):
    other = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.readline()"],
                             stdin=subprocess.PIPE)
    try:
        import socket

        Path(f"{filled}.lock").write_text(f"{other.pid}\nPracticeDesk\n{socket.gethostname()}\n")
        error = faults.explain(sqlite3.OperationalError("database is locked"), filled)
        assert error.cause == faults.LOCKED
        assert f"process {other.pid}" in str(error) and "PracticeDesk" in str(error)
    finally:
        other.stdin.close()
        other.wait(timeout=30)
    error = faults.explain(sqlite3.OperationalError("database is locked"), filled)
    assert "process" not in str(error)  # that program has gone: its lock file names no one


def test_cli_never_prints_a_traceback(filled, tmp_path):
    """The real command in its own process, on a damaged file."""
    spoil(filled, 2, 10)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PRACTICE_DESK_LOG_DIR": str(tmp_path / "log")}
    done = subprocess.run([sys.executable, "-m", "practice_desk", "imports", "--db", str(filled)],
                          capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr and "damaged" in done.stderr


# --- damaged: only then a backup, with its date and what would be lost -------------------------
def test_damage_names_the_backup_date_and_the_imports_lost(filled, mapping_csv):
    conn = open_database(filled)
    backup = make_backup(conn, filled, reason="by-hand")
    assert import_file(conn, mapping_csv).status == "done"
    conn.close()
    spoil(filled, 30, 2)  # a data page: the list of imports is still readable
    with pytest.raises(DatabaseError) as caught:
        open_database(filled)
    message = str(caught.value)
    assert caught.value.cause == faults.DAMAGED
    assert connection.stamp_of(backup) in message and backup.name in message
    assert "Mapping_subset_Oct_25.csv" in message and "would be lost" in message


# --- restore-backup is atomic -----------------------------------------------------------------
def test_restore_says_which_imports_are_gone(filled, mapping_csv, capsys):
    conn = open_database(filled)
    make_backup(conn, filled, reason="by-hand")
    assert import_file(conn, mapping_csv).status == "done"
    conn.close()
    code, out, _ = run(capsys, "restore-backup", "--db", str(filled))
    assert code == 0
    assert "Mapping_subset_Oct_25.csv" in out and "gone" in out
    assert counts(filled) == (2638, 1)


def test_restore_on_a_full_disk_leaves_the_database_untouched(filled, mapping_csv, monkeypatch,
                                                              capsys):
    conn = open_database(filled)
    make_backup(conn, filled, reason="by-hand")
    assert import_file(conn, mapping_csv).status == "done"
    conn.close()
    before = filled.read_bytes()

    def unpack_until_full(source, staged):
        staged.write_bytes(b"SQLite format 3\x00" + b"\0" * 5000)  # part of it, then no room
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(connection, "_unpack", unpack_until_full)
    code, _, err = run(capsys, "restore-backup", "--db", str(filled))
    assert code == 1
    assert "is full" in err and "Traceback" not in err
    assert filled.read_bytes() == before
    assert sorted(p.name for p in filled.parent.iterdir()) == ["backups", filled.name]
    assert counts(filled) == (2638, 2)


def test_a_damaged_backup_is_refused_before_anything_moves(filled):
    conn = open_database(filled)
    backup = make_backup(conn, filled, reason="by-hand")
    conn.close()
    before = filled.read_bytes()
    image = bytearray(gzip.decompress(backup.read_bytes()))
    image[4096:4096 * 6] = b"\xa5" * (4096 * 5)
    backup.write_bytes(gzip.compress(bytes(image)))
    with pytest.raises(DatabaseError, match="cannot be used"):
        restore_backup(filled)
    assert filled.read_bytes() == before
    assert not [p for p in filled.parent.iterdir() if "replaced" in p.name or "restoring" in p.name]


# --- the same file twice at once --------------------------------------------------------------
def test_two_imports_of_the_same_file_at_once_list_it_once(filled, mapping_csv, monkeypatch):
    """Both pass the first repeat check while a third connection holds the write lock; the one
    that writes second must see the first's import and report a repeat."""
    checked = threading.Barrier(3, timeout=30)
    original = runner.find_duplicate
    first_checks: set[int] = set()

    def find_duplicate(conn, content_hash):
        found = original(conn, content_hash)
        if threading.get_ident() not in first_checks:
            first_checks.add(threading.get_ident())
            checked.wait()
        return found

    monkeypatch.setattr(runner, "find_duplicate", find_duplicate)
    reports = []

    def worker():
        conn = open_database(filled)
        reports.append(import_file(conn, mapping_csv))
        conn.close()

    blocker = sqlite3.connect(filled, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    checked.wait()  # both have found no earlier import
    blocker.execute("ROLLBACK")
    blocker.close()
    for thread in threads:
        thread.join(60)
    assert sorted(r.status for r in reports) == ["done", "duplicate"]
    duplicate = next(r for r in reports if r.status == "duplicate")
    assert "already imported" in duplicate.message
    conn = sqlite3.connect(filled)
    names = [r[0] for r in conn.execute("SELECT file_name FROM imports WHERE status = 'done'")]
    conn.close()
    assert names.count(mapping_csv.name) == 1


CHILD = textwrap.dedent("""
    import sys
    from local_db.connection import open_database
    from practice_desk.importing import import_file
    conn = open_database(sys.argv[1])
    print(import_file(conn, sys.argv[2]).status, flush=True)
""")


def test_processes_creating_one_new_database_at_once(tmp_path, crosstab_csv):
    db = tmp_path / "new" / "practice_desk.sqlite"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PRACTICE_DESK_LOG_DIR": str(tmp_path / "log")}
    children = [subprocess.Popen([sys.executable, "-c", CHILD, str(db), str(crosstab_csv)],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                 env=env) for _ in range(4)]
    results = [child.communicate(timeout=180) for child in children]
    assert [child.returncode for child in children] == [0, 0, 0, 0], results
    assert sorted(out.strip() for out, _ in results) == ["done", "duplicate", "duplicate",
                                                          "duplicate"]
    assert counts(db) == (2638, 1)


# --- small backups ----------------------------------------------------------------------------
def test_backups_are_compressed_and_the_folder_kept_within_budget(filled, mapping_csv):
    conn = open_database(filled)
    assert import_file(conn, mapping_csv).status == "done"
    for number in range(14):
        made = make_backup(conn, filled, reason=f"n{number}")
        assert made.read_bytes()[:2] == b"\x1f\x8b"  # gzip
    conn.close()
    kept = list_backups(filled)
    total = sum(p.stat().st_size for p in kept)
    assert made == kept[0]  # the newest is always kept
    assert 1 <= len(kept) <= connection.KEEP_BACKUPS
    assert total <= connection.BACKUP_BUDGET * filled.stat().st_size
    assert sum(p.stat().st_size for p in filled.parent.joinpath("backups").iterdir()) == total
    assert kept[0].stat().st_size < filled.stat().st_size / 3
    restore_backup(filled, kept[-1])
    assert counts(filled) == (2638, 2)


def test_budget_prunes_by_size_as_well_as_count(filled, monkeypatch):
    monkeypatch.setattr(connection, "BACKUP_BUDGET", 0.2)
    conn = open_database(filled)
    one = make_backup(conn, filled, reason="a").stat().st_size
    for reason in "bcde":
        make_backup(conn, filled, reason=reason)
    conn.close()
    allowed = int(0.2 * filled.stat().st_size // one)
    assert len(list_backups(filled)) == max(1, allowed) < 5


@pytest.mark.parametrize("damage", ["header", "truncated", "schema-pages", "data-pages",
                                    "last-pages", "page-1", "zeroes", "garbage"])
def test_every_kind_of_damage_is_named_without_a_traceback(filled, capsys, damage):
    conn = open_database(filled)
    make_backup(conn, filled, reason="by-hand")
    conn.close()
    good = filled.read_bytes()
    pages = len(good) // 4096
    spoilt = {
        "header": lambda: b"\0" * 100 + good[100:],
        "truncated": lambda: good[:len(good) // 2],
        "page-1": lambda: good[:100] + b"\xff" * 3996 + good[4096:],
        "zeroes": lambda: b"\0" * len(good),
        "garbage": lambda: bytes(range(256)) * (len(good) // 256),
    }
    if damage in spoilt:
        filled.write_bytes(spoilt[damage]())
    else:
        first = {"schema-pages": 2, "data-pages": 30, "last-pages": pages - 3}[damage]
        spoil(filled, first, 3)
    code, _, err = run(capsys, "imports", "--db", str(filled))
    assert code == 1
    assert "damaged" in err and "restore-backup" in err and "Traceback" not in err


def test_restore_is_refused_while_the_app_is_open_on_the_database(filled):
    conn = open_database(filled)
    make_backup(conn, filled, reason="by-hand")
    conn.close()
    before = filled.read_bytes()
    app = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.readline()"],
                           stdin=subprocess.PIPE)
    try:
        import socket

        Path(f"{filled}.lock").write_text(f"{app.pid}\nPracticeDesk\n{socket.gethostname()}\n")
        with pytest.raises(DatabaseError, match="Close it first"):
            restore_backup(filled)
    finally:
        app.stdin.close()
        app.wait(timeout=30)
    assert filled.read_bytes() == before


def test_an_upgrade_that_cannot_be_written_names_the_real_cause(filled, monkeypatch):
    from local_db.migrations import MIGRATIONS, SCHEMA_VERSION

    writable = connection.connect

    def full(db_path, read_only=False, immutable=False):
        if not read_only:
            raise sqlite3.OperationalError("database or disk is full")
        return writable(db_path, read_only, immutable)

    monkeypatch.setattr(connection, "connect", full)
    monkeypatch.setattr(connection, "MIGRATIONS", [*MIGRATIONS, "CREATE TABLE t (x);"])
    monkeypatch.setattr(connection, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    with pytest.raises(DatabaseError) as caught:
        open_for_viewing(filled)
    assert caught.value.cause == faults.FULL
    assert "must upgrade" in str(caught.value) and "is full" in str(caught.value)
    assert "read-only" not in str(caught.value)


def test_a_folder_that_cannot_be_made_is_not_called_a_sound_file(tmp_path, capsys):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the database's folder should be")
    code, _, err = run(capsys, "imports", "--db", str(blocker / "practice_desk.sqlite"))
    assert code == 1
    assert "exists and can be reached" in err
    assert "integrity" not in err and "Traceback" not in err
