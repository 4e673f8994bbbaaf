"""Opening the one SQLite file: where it lives, integrity check, backups and migrations."""

from __future__ import annotations

import os
import shutil
import sqlite3
from datetime import datetime
from pathlib import Path

import platformdirs

from local_db.migrations import MIGRATIONS, SCHEMA_VERSION

DB_ENV_VAR = "PRACTICE_DESK_DB"
DB_FILE_NAME = "practice_desk.sqlite"
BACKUP_DIR_NAME = "backups"
KEEP_BACKUPS = 10


class DatabaseError(Exception):
    """The database cannot be used; the message says why and what to do."""


def data_dir() -> Path:
    return Path(platformdirs.user_data_dir("PracticeDesk", appauthor=False))


def default_db_path() -> Path:
    return data_dir() / DB_FILE_NAME


def resolve_db_path(explicit: str | os.PathLike | None = None) -> Path:
    """--db wins, then $PRACTICE_DESK_DB, then the user's data folder."""
    if explicit:
        return Path(explicit)
    if os.environ.get(DB_ENV_VAR):
        return Path(os.environ[DB_ENV_VAR])
    return default_db_path()


def backup_dir(db_path: Path) -> Path:
    return db_path.parent / BACKUP_DIR_NAME


def connect(db_path: str | os.PathLike) -> sqlite3.Connection:
    """A raw connection with the project's settings; transactions are always explicit."""
    conn = sqlite3.connect(db_path, isolation_level=None, timeout=30, check_same_thread=True)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA foreign_keys = ON")
    if str(db_path) != ":memory:":
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
    return conn


def open_database(path: str | os.PathLike | None = None) -> sqlite3.Connection:
    """Open (creating if needed), check and migrate the database. Raises DatabaseError."""
    db_path = Path(path) if str(path) == ":memory:" else resolve_db_path(path)
    in_memory = str(db_path) == ":memory:"
    if not in_memory:
        db_path.parent.mkdir(parents=True, exist_ok=True)
        if db_path.exists() and db_path.stat().st_size > 0:
            _check_is_sqlite(db_path)
    conn = None
    try:
        conn = connect(db_path)
        if not in_memory:
            _check_integrity(conn, db_path)
        migrate(conn, db_path)
        if not in_memory:
            _daily_backup(conn, db_path)
    except sqlite3.DatabaseError as exc:
        _close_quietly(conn)  # Windows cannot move the file aside while it is open
        raise DatabaseError(_damaged_message(db_path, str(exc))) from exc
    except DatabaseError:
        _close_quietly(conn)
        raise
    return conn


def _daily_backup(conn: sqlite3.Connection, db_path: Path) -> None:
    """On the first open of a day, copy a database that holds imports (a rolling backup)."""
    has_data = conn.execute("SELECT EXISTS (SELECT 1 FROM imports)").fetchone()[0]
    today = datetime.now().strftime("%Y%m%d")
    newest = list_backups(db_path)[:1]
    if has_data and not (newest and _stamp_day(newest[0], db_path) == today):
        make_backup(conn, db_path, reason="daily")


def _stamp_day(backup: Path, db_path: Path) -> str:
    """The YYYYMMDD a backup was made, from its name '<stem>-YYYYMMDD-HHMMSS-ffffff-<reason>'."""
    return backup.name[len(db_path.stem) + 1:][:8]


def _close_quietly(conn: sqlite3.Connection | None) -> None:
    if conn is not None:
        try:
            conn.close()
        except sqlite3.Error:
            pass


def _check_is_sqlite(db_path: Path) -> None:
    with open(db_path, "rb") as f:
        if f.read(16) != b"SQLite format 3\x00":
            raise DatabaseError(_damaged_message(db_path, "the file is not an SQLite database"))


def _check_integrity(conn: sqlite3.Connection, db_path: Path) -> None:
    result = conn.execute("PRAGMA quick_check").fetchone()[0]
    if result != "ok":
        raise DatabaseError(_damaged_message(db_path, result))


def _damaged_message(db_path: Path, detail: str) -> str:
    backups = list_backups(db_path)
    way_back = (
        f"The newest backup is {backups[0].name}; restore it from Settings or with "
        f"`practice-desk restore-backup --db \"{db_path}\"`."
        if backups
        else "There is no backup to restore; move the file aside and re-import your files."
    )
    return f"The database {db_path} is damaged ({detail}). {way_back}"


def schema_version(conn: sqlite3.Connection) -> int:
    return conn.execute("PRAGMA user_version").fetchone()[0]


def migrate(conn: sqlite3.Connection, db_path: Path | str = ":memory:") -> int:
    """Apply pending migrations, each in its own transaction; back up a non-empty file first."""
    current = schema_version(conn)
    if current > SCHEMA_VERSION:
        raise DatabaseError(
            f"The database {db_path} was written by a newer Practice Desk "
            f"(schema {current}, this version knows {SCHEMA_VERSION}). Update Practice Desk."
        )
    if current == SCHEMA_VERSION:
        return 0
    has_content = current > 0 or conn.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchone()
    if str(db_path) != ":memory:" and has_content:
        make_backup(conn, Path(db_path), reason=f"before-migration-{current + 1}")
    for version in range(current + 1, SCHEMA_VERSION + 1):
        conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in _statements(MIGRATIONS[version - 1]):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {version}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    return SCHEMA_VERSION - current


def _statements(script: str) -> list[str]:
    """Split a migration script into statements (executescript would commit on its own)."""
    statements, buffer = [], ""
    for line in script.splitlines(keepends=True):
        if line.strip().startswith("--"):
            continue
        buffer += line
        if sqlite3.complete_statement(buffer):
            statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        statements.append(buffer.strip())
    return statements


def make_backup(conn: sqlite3.Connection, db_path: Path, reason: str) -> Path:
    """Copy the live database (consistently, through SQLite's backup API) into backups/."""
    folder = backup_dir(db_path)
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    target = folder / f"{db_path.stem}-{stamp}-{reason}.sqlite"
    dest = sqlite3.connect(target)
    try:
        conn.backup(dest)
    finally:
        dest.close()
    _prune_backups(db_path)
    return target


def list_backups(db_path: Path) -> list[Path]:
    """Backups of this database, newest first."""
    folder = backup_dir(Path(db_path))
    if not folder.is_dir():
        return []
    found = folder.glob(f"{Path(db_path).stem}-*.sqlite")
    return sorted(found, key=lambda p: p.name, reverse=True)  # names carry a sortable timestamp


def _prune_backups(db_path: Path) -> None:
    for old in list_backups(db_path)[KEEP_BACKUPS:]:
        old.unlink(missing_ok=True)


def restore_backup(db_path: str | os.PathLike, backup: str | os.PathLike | None = None) -> Path:
    """Put a backup (the newest by default) in place of the database, keeping the old file."""
    db_path = Path(db_path)
    backups = list_backups(db_path)
    source = Path(backup) if backup else (backups[0] if backups else None)
    if source is None or not source.exists():
        raise DatabaseError(f"There is no backup of {db_path} to restore.")
    if db_path.exists():
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        db_path.replace(db_path.with_name(f"{db_path.stem}-replaced-{stamp}.sqlite"))
    for suffix in ("-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    shutil.copy2(source, db_path)
    return source
