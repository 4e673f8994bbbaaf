"""Opening the database: migrations, backups before migrating, damaged files, restoring."""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path

import pytest

from local_db import connection
from local_db.connection import (
    KEEP_BACKUPS,
    DatabaseError,
    list_backups,
    make_backup,
    migrate,
    open_database,
    read_backup,
    restore_backup,
    schema_version,
)
from local_db.migrations import MIGRATIONS, SCHEMA_VERSION
from practice_desk.importing import import_file

TABLES = {"settings", "imports", "practices", "labels", "list_sizes", "gpad_appointments",
          "coverage", "areas", "gpad_area_appointments", "gpad_category_appointments"}


def tables(conn) -> set[str]:
    return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


@pytest.fixture
def filled(db_path, crosstab_csv):
    """A database file holding a real import, closed (no -wal file left behind)."""
    conn = open_database(db_path)
    assert import_file(conn, crosstab_csv).status == "done"
    conn.close()
    assert not Path(f"{db_path}-wal").exists() or Path(f"{db_path}-wal").stat().st_size == 0
    return db_path


def spoil(path: Path, first_page: int, pages: int, page_size: int = 4096) -> None:
    data = bytearray(path.read_bytes())
    start = (first_page - 1) * page_size
    assert start + pages * page_size <= len(data)
    data[start:start + pages * page_size] = b"\xa5" * (pages * page_size)
    path.write_bytes(bytes(data))


# --- migrations --------------------------------------------------------------------------
def test_fresh_database_reaches_the_latest_version(db_path):
    assert SCHEMA_VERSION == len(MIGRATIONS) >= 1
    conn = open_database(db_path)
    try:
        assert schema_version(conn) == SCHEMA_VERSION
        assert TABLES <= tables(conn)
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    finally:
        conn.close()
    assert list_backups(db_path) == []  # nothing worth backing up in a new file


def test_in_memory_database_is_migrated():
    conn = open_database(":memory:")
    assert schema_version(conn) == SCHEMA_VERSION
    assert TABLES <= tables(conn)


def test_migrate_is_idempotent(conn, db_path, db_dump, crosstab_csv):
    import_file(conn, crosstab_csv)
    before = db_dump(conn)
    assert migrate(conn, db_path) == 0
    assert migrate(conn, db_path) == 0
    assert db_dump(conn) == before
    conn.close()
    again = open_database(db_path)
    try:
        assert db_dump(again) == before
    finally:
        again.close()
    # No migration ran, so no migration backup: only the first-open-of-the-day copy.
    assert [b.name.endswith("-daily.sqlite.gz") for b in list_backups(db_path)] == [True]


def test_older_non_empty_database_is_backed_up_before_migrating(filled, monkeypatch, db_dump):
    """Simulate the next release: one more migration than the file has."""
    old = sqlite3.connect(filled)
    old_content = db_dump(old)
    old.close()
    assert old_content["__user_version__"] == [(SCHEMA_VERSION,)]

    extra = "CREATE TABLE test_extra (id INTEGER PRIMARY KEY, text TEXT NOT NULL);"
    monkeypatch.setattr(connection, "MIGRATIONS", [*MIGRATIONS, extra])
    monkeypatch.setattr(connection, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    conn = open_database(filled)
    try:
        assert schema_version(conn) == SCHEMA_VERSION + 1
        assert "test_extra" in tables(conn)
        after = db_dump(conn)
    finally:
        conn.close()
    backups = list_backups(filled)
    assert len(backups) == 1
    assert f"before-migration-{SCHEMA_VERSION + 1}" in backups[0].name
    saved = read_backup(backups[0])
    try:
        assert db_dump(saved) == old_content  # the backup is the database as it was
    finally:
        saved.close()
    # The data came through the migration.
    assert after["gpad_appointments"] == old_content["gpad_appointments"]
    assert after["imports"] == old_content["imports"]


def test_failed_migration_rolls_back_to_the_old_version(filled, monkeypatch, db_dump):
    old = sqlite3.connect(filled)
    old_content = db_dump(old)
    old.close()
    broken = "CREATE TABLE test_x (id INTEGER PRIMARY KEY);\nINSERT INTO no_such_table VALUES (1);"
    monkeypatch.setattr(connection, "MIGRATIONS", [*MIGRATIONS, broken])
    monkeypatch.setattr(connection, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    with pytest.raises(DatabaseError):
        open_database(filled)
    check = sqlite3.connect(filled)
    try:
        assert db_dump(check) == old_content
    finally:
        check.close()
    assert len(list_backups(filled)) == 1


def test_database_from_a_newer_release_is_refused(db_path):
    raw = sqlite3.connect(db_path)
    raw.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    raw.close()
    with pytest.raises(DatabaseError, match="newer Practice Desk"):
        open_database(db_path)


def test_unversioned_database_with_content_is_backed_up(db_path):
    """A file at version 0 that already holds tables (not made by this schema) is not empty:
    it is backed up before the first migration writes into it."""
    raw = sqlite3.connect(db_path)
    raw.execute("CREATE TABLE somebody_elses (x INTEGER)")
    raw.execute("INSERT INTO somebody_elses VALUES (42)")
    raw.commit()
    raw.close()
    conn = open_database(db_path)
    conn.close()
    backups = list_backups(db_path)
    assert len(backups) == 1
    saved = read_backup(backups[0])
    try:
        assert saved.execute("SELECT x FROM somebody_elses").fetchall() == [(42,)]
    finally:
        saved.close()


# --- damaged files -----------------------------------------------------------------------
def test_garbage_file_is_refused_with_a_way_out(db_path):
    db_path.write_bytes(b"this is not a database at all\x00\xff" * 200)
    with pytest.raises(DatabaseError) as caught:
        open_database(db_path)
    message = str(caught.value)
    assert str(db_path) in message
    assert "damaged" in message
    assert "no backup" in message and "re-import" in message


@pytest.mark.parametrize(("first_page", "pages"), [(2, 10), (30, 2)],
                         ids=["schema-pages", "data-pages"])
def test_damaged_page_is_refused_and_names_the_backup(filled, first_page, pages):
    conn = open_database(filled)
    backup = make_backup(conn, filled, reason="manual")
    conn.close()
    spoil(filled, first_page, pages)
    with pytest.raises(DatabaseError) as caught:
        open_database(filled)
    message = str(caught.value)
    assert str(filled) in message
    assert "damaged" in message
    assert backup.name in message
    assert "restore-backup" in message
    assert "Settings" in message


def test_restore_backup_brings_the_data_back(filled, db_dump):
    conn = open_database(filled)
    expected = db_dump(conn)
    backup = make_backup(conn, filled, reason="manual")
    conn.close()
    spoil(filled, 2, 10)
    with pytest.raises(DatabaseError):
        open_database(filled)

    used = restore_backup(filled)
    assert used.source == backup
    damaged = [p for p in filled.parent.iterdir() if "-replaced-" in p.name]
    assert len(damaged) == 1  # the damaged file is kept, not deleted
    conn = open_database(filled)
    try:
        assert db_dump(conn) == expected
        assert import_file(conn, Path(__file__).parent / "data" /
                           "Mapping_subset_Oct_25.csv").status == "done"
    finally:
        conn.close()


def test_restore_a_chosen_backup(filled, db_dump, crosstab_csv, mapping_csv):
    conn = open_database(filled)
    first_state = db_dump(conn)
    first = make_backup(conn, filled, reason="first")
    assert import_file(conn, mapping_csv).status == "done"
    make_backup(conn, filled, reason="second")
    conn.close()
    assert restore_backup(filled, first).source == first
    conn = open_database(filled)
    try:
        assert db_dump(conn) == first_state
    finally:
        conn.close()


def test_restore_without_a_backup_says_so(db_path):
    with pytest.raises(DatabaseError, match="no backup"):
        restore_backup(db_path)


def test_old_backups_are_pruned(conn, db_path):
    # Backups are ordered by modification time; space them a second apart so that the
    # file system's timestamp granularity cannot make two of them look equally new.
    start = time.time_ns() - 100 * 10**9
    made = []
    for i in range(KEEP_BACKUPS + 3):
        made.append(make_backup(conn, db_path, reason=f"n{i}"))
        stamp = start + i * 10**9
        os.utime(made[-1], ns=(stamp, stamp))
    kept = list_backups(db_path)
    assert len(kept) == KEEP_BACKUPS
    assert made[-1] in kept
    assert made[0] not in kept


def test_daily_backup_on_the_first_open_of_a_day(db_path, crosstab_csv):
    from local_db.connection import list_backups, open_database
    from practice_desk.importing import import_file

    conn = open_database(db_path)
    assert list_backups(db_path) == []  # nothing worth keeping yet
    import_file(conn, crosstab_csv)
    conn.close()
    open_database(db_path).close()
    backups = list_backups(db_path)
    assert len(backups) == 1 and backups[0].name.endswith("-daily.sqlite.gz")
    open_database(db_path).close()  # same day: no second copy
    assert list_backups(db_path) == backups
    copy = read_backup(backups[0])
    assert copy.execute("SELECT COUNT(*) FROM gpad_appointments").fetchone()[0] == 2638
    copy.close()


def test_migration_5_keeps_calls_and_sums_call_months(tmp_path):
    """Calls and hourly aggregates written under schema 4 survive the rebuilds of `calls` (in
    migration 5 and the compact call store's), their keys and caller hashes cut to the 64 bits
    new imports write; the new call_months equal call_hours' sums; re-importing the same export
    still adds nothing."""
    import gzip

    from practice_desk.importing.runner import ImportOptions
    from practice_desk.telephony.aggregates import call_month_counts

    data = Path(__file__).parent / "data" / "calls"
    donor_path = tmp_path / "v5.sqlite"  # calls as the schema-5 importer wrote them
    donor_path.write_bytes(gzip.decompress((data / "schema5_calls.sqlite.gz").read_bytes()))
    donor = sqlite3.connect(donor_path)
    old = sqlite3.connect(tmp_path / "v4.sqlite", isolation_level=None)
    for script in MIGRATIONS[:4]:
        old.executescript(script)
    old.execute("PRAGMA user_version = 4")
    old.execute("BEGIN")
    for table in ("imports", "calls", "call_hours", "call_waits", "settings"):
        rows = [list(r) for r in donor.execute(f"SELECT * FROM {table}")]
        if table == "calls":  # schema 4 kept 32-digit keys and 64-digit caller hashes
            for row in rows:
                row[3] += "0" * 16
                row[16] = row[16] and row[16] + "f" * 32
        marks = ",".join("?" * len(rows[0]))
        old.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)
    old.execute("COMMIT")
    old.close()

    conn = open_database(tmp_path / "v4.sqlite")
    assert schema_version(conn) == SCHEMA_VERSION
    columns = ("import_id, ods_code, call_key, started_at, local_day, local_time, weekday, "
               "direction, route, wait_s, talk_s, outcome, supplier_outcome, callback_made, "
               "is_111, caller_hash")
    got = sorted(tuple(r) for r in conn.execute(f"SELECT {columns} FROM call_list"))
    want = sorted((*r[:2], _bits64(r[2]), *r[3:15], _bits64(r[15]))
                  for r in donor.execute(f"SELECT {columns} FROM calls"))
    assert got == want and len(got) == 4439
    by_month = call_month_counts(conn, ["A81001"], "2025-10", "2025-10")
    by_days = call_month_counts(conn, ["A81001"], "2025-10-01", "2025-10-31")
    assert by_month == by_days and by_month["2025-10"]["inbound"] == 16
    again = tmp_path / "again.csv"  # the same calls in other bytes: matched call by call
    again.write_bytes((data / "xon_export.csv").read_bytes() + b"\n\n")
    report = import_file(conn, again, options=ImportOptions(practice="A81001"))
    assert report.status == "duplicate" and "already in the database" in report.message
    assert conn.execute("SELECT COUNT(*) FROM calls").fetchone()[0] == 4439


def _bits64(hex_digits: str | None) -> int | None:
    """A schema-5 key or caller hash as the compact store keeps it: its first 64 bits, signed."""
    if hex_digits is None:
        return None
    return int.from_bytes(bytes.fromhex(hex_digits[:16]), "big", signed=True)
