"""Opening the one SQLite file: where it lives, integrity check, backups and migrations."""

from __future__ import annotations

import gzip
import logging
import os
import shutil
import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import platformdirs

from local_db import faults
from local_db.faults import DatabaseError
from local_db.migrations import MIGRATIONS, SCHEMA_VERSION

log = logging.getLogger(__name__)

DB_ENV_VAR = "PRACTICE_DESK_DB"
DB_FILE_NAME = "practice_desk.sqlite"
BACKUP_DIR_NAME = "backups"
KEEP_BACKUPS = 10
BACKUP_BUDGET = 1.5  # the backups of a database take at most this many times its size
BUSY_TIMEOUT = 30.0  # seconds to wait for another program's write to finish

__all__ = ["DatabaseError"]  # raised here, defined with the diagnosis in local_db.faults


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


def connect(db_path: str | os.PathLike, read_only: bool = False,
            immutable: bool = False) -> sqlite3.Connection:
    """A raw connection with the project's settings; transactions are always explicit.
    A read-only one refuses every write (`is_read_only` tells); an immutable one also leaves no
    -shm file (for a disk or folder that takes no writes at all)."""
    if read_only:
        flags = "mode=ro&immutable=1" if immutable else "mode=ro"
        uri = f"{Path(db_path).resolve().as_uri()}?{flags}"
        conn = sqlite3.connect(uri, uri=True, isolation_level=None, timeout=BUSY_TIMEOUT)
        conn.execute("PRAGMA query_only = ON")
    else:
        conn = sqlite3.connect(db_path, isolation_level=None, timeout=BUSY_TIMEOUT)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA foreign_keys = ON")
    if str(db_path) != ":memory:" and not read_only:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
    return conn


def is_read_only(conn: sqlite3.Connection) -> bool:
    return conn.execute("PRAGMA query_only").fetchone()[0] == 1


def open_database(path: str | os.PathLike | None = None,
                  daily_backup: bool = True) -> sqlite3.Connection:
    """Open (creating if needed), check and migrate the database. Raises DatabaseError, whose
    message gives the diagnosed cause. A file marked read-only is opened read-only.
    `daily_backup=False` leaves the first-of-the-day copy to the caller (the app makes it on a
    worker thread once the window is shown)."""
    if str(path) == ":memory:":
        conn = connect(":memory:")
        migrate(conn)
        return conn
    db_path = resolve_db_path(path)
    try:
        return _open_file(db_path, daily_backup)
    except (sqlite3.Error, OSError) as exc:
        raise faults.explain(exc, db_path, "open") from exc


def _open_file(db_path: Path, daily_backup: bool) -> sqlite3.Connection:
    db_path.parent.mkdir(parents=True, exist_ok=True)
    read_only = db_path.exists() and faults.marked_read_only(db_path)
    if db_path.exists() and db_path.stat().st_size > 0:
        _check_is_sqlite(db_path)
    conn = None
    try:
        conn = connect(db_path, read_only)
        _check_integrity(conn, db_path)
        if read_only:
            _check_current(conn, db_path)
        else:
            migrate(conn, db_path)
            if daily_backup:
                _daily_backup_or_log(conn, db_path)
    except BaseException:
        _close_quietly(conn)  # Windows cannot move the file aside while it is open
        raise
    return conn


def open_for_viewing(path: str | os.PathLike | None = None) -> tuple[sqlite3.Connection, str]:
    """The app's way in: the database opened as usual, or - when it cannot be written (a full
    disk, a read-only file, folder or drive) - opened read-only so the figures can still be
    seen. Returns the connection and, when read-only, the diagnosed reason (else "").
    Raises DatabaseError for everything else (damaged, newer, busy)."""
    db_path = resolve_db_path(path)
    try:
        conn = open_database(db_path, daily_backup=False)
    except DatabaseError as exc:
        if exc.cause not in (faults.FULL, faults.READ_ONLY) or not db_path.is_file():
            raise
        return _open_read_only(db_path, exc), str(exc)
    if is_read_only(conn):
        return conn, str(faults.read_only_file(db_path))
    return conn, ""


def _open_read_only(db_path: Path, why: DatabaseError) -> sqlite3.Connection:
    """Read-only, with no -shm file to write: `immutable` when no write-ahead log holds
    changes (nobody can write it meanwhile: the disk or folder refuses), else plain read-only."""
    wal = Path(f"{db_path}-wal")
    conn = None
    try:
        conn = connect(db_path, read_only=True,
                       immutable=not (wal.exists() and wal.stat().st_size))
        _check_integrity(conn, db_path)
        _check_current(conn, db_path, why)
    except sqlite3.Error as exc:
        _close_quietly(conn)
        raise why from exc
    except DatabaseError:
        _close_quietly(conn)
        raise
    return conn


def make_daily_backup(conn: sqlite3.Connection, db_path: Path) -> Path | None:
    """On the first open of a day, copy a database that holds imports (a rolling backup)."""
    has_data = conn.execute("SELECT EXISTS (SELECT 1 FROM imports)").fetchone()[0]
    today = datetime.now().strftime("%Y%m%d")
    newest = list_backups(db_path)[:1]
    if not has_data or (newest and _stamp_day(newest[0], db_path) == today):
        return None
    return make_backup(conn, db_path, reason="daily")


def _daily_backup_or_log(conn: sqlite3.Connection, db_path: Path) -> None:
    """A backup that cannot be made (a full disk) never stops the database opening."""
    try:
        make_daily_backup(conn, db_path)
    except (sqlite3.Error, OSError) as exc:
        log.warning("the daily backup of %s failed: %s", db_path, exc)


def _stamp_day(backup: Path, db_path: Path) -> str:
    """The YYYYMMDD a backup was made, from its name '<stem>-YYYYMMDD-HHMMSS-ffffff-<reason>'."""
    return backup.name[len(db_path.stem) + 1:][:8]


def stamp_of(backup: Path) -> str:
    """When a backup was made, 'YYYY-MM-DD HH:MM', read from its name."""
    parts = backup.name.split("-")
    for day, clock in zip(parts, parts[1:], strict=False):
        if len(day) == 8 and day.isdigit() and len(clock) == 6 and clock.isdigit():
            return f"{day[:4]}-{day[4:6]}-{day[6:]} {clock[:2]}:{clock[2:4]}"
    return backup.name


def _close_quietly(conn: sqlite3.Connection | None) -> None:
    if conn is not None:
        try:
            conn.close()
        except sqlite3.Error:
            pass


def _check_is_sqlite(db_path: Path) -> None:
    with open(db_path, "rb") as f:
        if f.read(16) != b"SQLite format 3\x00":
            raise faults.damaged(db_path, "the file is not an SQLite database")


def _check_integrity(conn: sqlite3.Connection, db_path: Path) -> None:
    result = conn.execute("PRAGMA quick_check").fetchone()[0]
    if result != "ok":
        raise faults.damaged(db_path, result)


def _check_current(conn: sqlite3.Connection, db_path: Path,
                   why: DatabaseError | None = None) -> None:
    """A database opened read-only cannot be upgraded: it must already be at this version.
    `why` is the reason it could not be opened for writing (else: the file is marked read-only)."""
    current = schema_version(conn)
    if current > SCHEMA_VERSION:
        raise _newer(db_path, current)
    if current < SCHEMA_VERSION:
        reason = why or faults.read_only_file(db_path)
        raise DatabaseError(
            f"This version of Practice Desk must upgrade the database {db_path} (schema "
            f"{current} to {SCHEMA_VERSION}) before it can be used, and it cannot write to it "
            f"now. {reason}", reason.cause)


def _newer(db_path: Path | str, current: int) -> DatabaseError:
    return DatabaseError(
        f"The database {db_path} was written by a newer Practice Desk "
        f"(schema {current}, this version knows {SCHEMA_VERSION}). Your data is safe. "
        "Update Practice Desk.", faults.NEWER)


def schema_version(conn: sqlite3.Connection) -> int:
    return conn.execute("PRAGMA user_version").fetchone()[0]


def rollback(conn: sqlite3.Connection) -> None:
    """Undo the open transaction, if SQLite has not already undone it: after a full disk or an
    I/O error SQLite rolls back by itself, and a second ROLLBACK would hide the real cause."""
    if conn.in_transaction:
        try:
            conn.execute("ROLLBACK")
        except sqlite3.Error as exc:
            log.warning("rollback failed: %s", exc)


def migrate(conn: sqlite3.Connection, db_path: Path | str = ":memory:") -> int:
    """Apply pending migrations, each in its own transaction; back up a non-empty file first.
    Safe against a second process opening the same new file: each step re-reads the version
    once it holds the write lock, and skips what the other process already did."""
    current = schema_version(conn)
    if current > SCHEMA_VERSION:
        raise _newer(db_path, current)
    if current == SCHEMA_VERSION:
        return 0
    has_content = current > 0 or conn.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchone()
    if str(db_path) != ":memory:" and has_content:
        make_backup(conn, Path(db_path), reason=f"before-migration-{current + 1}")
    applied = 0
    for version in range(current + 1, SCHEMA_VERSION + 1):
        conn.execute("BEGIN IMMEDIATE")
        try:
            if schema_version(conn) < version:  # not done meanwhile by another process
                for statement in _statements(MIGRATIONS[version - 1]):
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {version}")
                applied += 1
            conn.execute("COMMIT")
        except BaseException:
            rollback(conn)
            raise
    return applied


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


# --- backups ---------------------------------------------------------------------------------
def make_backup(conn: sqlite3.Connection, db_path: Path, reason: str) -> Path:
    """A consistent copy of the live database (SQLite's backup API), gzip-compressed, in
    backups/; then the oldest are pruned to the count and size budget."""
    folder = backup_dir(db_path)
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    target = folder / f"{db_path.stem}-{stamp}-{reason}.sqlite.gz"
    raw, packed = target.with_suffix(".copy"), target.with_suffix(".part")
    try:
        dest = sqlite3.connect(raw)
        try:
            conn.backup(dest)
            dest.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
        finally:
            dest.close()
        with open(raw, "rb") as src, open(packed, "wb") as out:
            with gzip.GzipFile(fileobj=out, mode="wb", compresslevel=6, mtime=0) as zipped:
                shutil.copyfileobj(src, zipped, 1 << 20)
            out.flush()
            os.fsync(out.fileno())
        os.replace(packed, target)
    finally:
        raw.unlink(missing_ok=True)
        packed.unlink(missing_ok=True)
    _prune_backups(db_path)
    return target


def list_backups(db_path: Path) -> list[Path]:
    """Backups of this database (compressed, or plain from older versions), newest first."""
    folder = backup_dir(Path(db_path))
    if not folder.is_dir():
        return []
    stem = Path(db_path).stem
    found = [*folder.glob(f"{stem}-*.sqlite.gz"), *folder.glob(f"{stem}-*.sqlite")]
    return sorted(found, key=lambda p: p.name, reverse=True)  # names carry a sortable timestamp


def _database_size(db_path: Path) -> int:
    return sum(Path(f"{db_path}{suffix}").stat().st_size
               for suffix in ("", "-wal") if Path(f"{db_path}{suffix}").exists())


def _prune_backups(db_path: Path) -> None:
    """Keep the newest backup always, then the next newest while they stay within KEEP_BACKUPS
    and BACKUP_BUDGET times the database's size; remove the rest."""
    budget = BACKUP_BUDGET * _database_size(db_path)
    total = 0
    for number, backup in enumerate(list_backups(db_path)):
        total += backup.stat().st_size
        if number > 0 and (number >= KEEP_BACKUPS or total > budget):
            backup.unlink(missing_ok=True)
            total = budget + 1  # older ones go too: the kept ones stay the newest


def read_backup(backup: Path) -> sqlite3.Connection:
    """An in-memory copy of a backup, to look inside it (a small database: it is read whole)."""
    opener = gzip.open if backup.name.endswith(".gz") else open
    with opener(backup, "rb") as f:
        image = bytearray(f.read())
    image[18:20] = b"\x01\x01"  # a WAL-mode header cannot be read in memory: say rollback
    conn = sqlite3.connect(":memory:")
    conn.deserialize(image)
    return conn


# --- restoring -------------------------------------------------------------------------------
@dataclass
class Restored:
    """What a restore did: the backup used, where the previous file went, what was lost."""

    db_path: Path
    source: Path
    kept_as: Path | None
    lost: list[str] = field(default_factory=list)

    @property
    def message(self) -> str:
        when = stamp_of(self.source)
        lost = (f"These imports made after it are gone: {', '.join(self.lost)}. Import those "
                "files again to bring them back." if self.lost else
                "Anything imported or changed after that backup is gone.")
        kept = f" The previous file was kept as {self.kept_as}." if self.kept_as else ""
        return (f"Restored {self.db_path} from the backup of {when} ({self.source.name}). "
                f"{lost}{kept}")


def restore_backup(db_path: str | os.PathLike,
                   backup: str | os.PathLike | None = None) -> Restored:
    """Put a backup (the newest by default) in place of the database, atomically: the backup is
    unpacked beside the database and checked first; only then is the current file (with its
    -wal) moved aside, by renames that need no space. On any failure the database is untouched."""
    db_path = Path(db_path)
    backups = list_backups(db_path)
    source = Path(backup) if backup else (backups[0] if backups else None)
    if source is None or not source.exists():
        raise DatabaseError(f"There is no backup of {db_path} to restore; nothing was changed.")
    holder = faults.lock_holder(db_path)
    if holder:  # it would go on writing to the file moved aside
        raise DatabaseError(f"Practice Desk is open on {db_path} ({holder}). Close it first, "
                            "then restore; nothing was changed.", faults.LOCKED)
    staged = db_path.with_name(f".{db_path.name}.restoring")
    try:
        _unpack(source, staged)
        _check_backup(staged, source)
        lost = lost_imports(db_path, staged)
        kept_as = _swap_in(staged, db_path)
    except (OSError, sqlite3.Error) as exc:
        error = faults.explain(exc, db_path, "restore a backup of")
        raise DatabaseError(f"The backup {source.name} was not restored; the database is "
                            f"untouched. {_restore_advice(error, db_path)}", error.cause) from exc
    finally:
        staged.unlink(missing_ok=True)
    log.info("restored %s from %s", db_path, source.name)
    return Restored(db_path, source, kept_as, lost)


def _restore_advice(error: DatabaseError, db_path: Path) -> str:
    if error.cause == faults.FULL:
        free = faults.free_space(db_path.parent)
        left = f" ({faults.size_text(free)} free)" if free is not None else ""
        return (f"The disk holding it is full{left}: the unpacked backup needs about as much "
                "room as the database. Free some space on that disk, then try again.")
    return str(error)


def _unpack(source: Path, staged: Path) -> None:
    opener = gzip.open if source.name.endswith(".gz") else open
    with opener(source, "rb") as src, open(staged, "wb") as out:
        shutil.copyfileobj(src, out, 1 << 20)
        out.flush()
        os.fsync(out.fileno())


def _check_backup(staged: Path, source: Path) -> None:
    """The unpacked copy is a sound database this version can open."""
    problem = faults.integrity_problem(staged)
    if problem is None:
        with _read_only(staged, immutable=True) as check:
            version = schema_version(check)
        if version > SCHEMA_VERSION:
            problem = f"it was made by a newer Practice Desk (schema {version})"
    if problem is not None:
        raise DatabaseError(f"The backup {source.name} cannot be used ({problem}). Nothing was "
                            "changed; choose another backup.", faults.DAMAGED)


def _swap_in(staged: Path, db_path: Path) -> Path | None:
    """Move the database and its -wal (which holds committed changes) aside, then the checked
    copy into place; undone if a rename fails. Returns where the previous database went."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    aside = db_path.with_name(f"{db_path.stem}-replaced-{stamp}.sqlite")
    wal, shm = Path(f"{db_path}-wal"), Path(f"{db_path}-shm")
    moved: list[tuple[Path, Path]] = []
    try:
        for current, kept in ((db_path, aside), (wal, Path(f"{aside}-wal"))):
            if current.exists() and current.stat().st_size > 0:
                os.replace(current, kept)
                moved.append((current, kept))
        os.replace(staged, db_path)
    except OSError:
        for current, kept in reversed(moved):
            os.replace(kept, current)
        raise
    for leftover in (wal, shm):  # an empty log and the index of the old file: not wanted
        leftover.unlink(missing_ok=True)
    return aside if moved else None


def lost_imports(db_path: Path, backup: Path) -> list[str]:
    """File names of imports in the database that the backup does not hold (best effort: a
    damaged file may not say). An unpacked copy is compared import by import; a packed backup
    by when it was made."""
    try:
        if backup.name.endswith(".gz"):
            made = datetime.strptime(stamp_of(backup), "%Y-%m-%d %H:%M").isoformat()
            sql, known = "SELECT id, file_name, finished_at FROM imports", set()
        else:
            made, sql = None, "SELECT id, file_name, finished_at FROM imports"
            with _read_only(backup, immutable=True) as kept:
                known = {row[0] for row in kept.execute("SELECT id FROM imports")}
        with _read_only(db_path) as current:
            rows = current.execute(f"{sql} WHERE status = 'done' ORDER BY id").fetchall()
    except (OSError, ValueError, sqlite3.Error):
        return []
    return [name for number, name, finished in rows
            if number not in known and (made is None or (finished or "") >= made)]


@contextmanager
def _read_only(path: Path, immutable: bool = False):
    flags = "mode=ro&immutable=1" if immutable else "mode=ro"
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?{flags}", uri=True, timeout=5)
    try:
        yield conn
    finally:
        conn.close()
