"""What went wrong with the database, found out before any advice is given (Qt-free).

Every failure to open, read or write the database becomes a DatabaseError whose message says what
happened, whether the data is safe and what to do next. The cause is checked, not guessed from
SQLite's words (a full disk often shows as "disk I/O error"): a full disk, a read-only file, folder
or drive, another program holding the file, and - only when SQLite's integrity check fails - damage,
the one case where restoring a backup is the advice.
"""

from __future__ import annotations

import errno
import os
import shutil
import socket
import sqlite3
import stat
import tempfile
from pathlib import Path

FULL, READ_ONLY, LOCKED, DAMAGED, NEWER, OTHER = (
    "full", "read-only", "locked", "damaged", "newer", "other")

_FULL_ERRNOS = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)}
_DENIED_ERRNOS = {errno.EACCES, errno.EPERM, errno.EROFS}
_SQLITE_BUSY, _SQLITE_LOCKED, _SQLITE_FULL = 5, 6, 13
PROBE_BYTES = 64 * 1024  # a write this small failing means the disk is full
LOW_SPACE = 1024 * 1024


class DatabaseError(Exception):
    """The database cannot be used or written; the message says why and what to do.
    `cause` is one of FULL, READ_ONLY, LOCKED, DAMAGED, NEWER, OTHER."""

    def __init__(self, message: str, cause: str = OTHER) -> None:
        super().__init__(message)
        self.cause = cause


def explain(exc: BaseException, db_path: Path | str, doing: str = "use") -> DatabaseError:
    """The diagnosed DatabaseError for an sqlite3 or OS error met while `doing` the database."""
    if isinstance(exc, DatabaseError):
        return exc
    db_path = Path(db_path)
    text = str(exc).lower()
    code = getattr(exc, "sqlite_errorcode", None)
    number = getattr(exc, "errno", None)
    if number in _FULL_ERRNOS or code == _SQLITE_FULL or "disk is full" in text:
        return disk_full(db_path)
    if code in (_SQLITE_BUSY, _SQLITE_LOCKED) or "database is locked" in text:
        return locked(db_path)
    cannot_write = write_problem(db_path)
    if cannot_write is not None:
        return cannot_write
    if not db_path.is_file():
        return DatabaseError(
            f"Practice Desk could not {doing} the database {db_path} ({exc}). Check that the "
            f"folder {db_path.parent} exists and can be reached (a network drive may be "
            "disconnected), then try again.", OTHER)
    problem = integrity_problem(db_path)
    if problem is not None:
        return damaged(db_path, problem)
    return DatabaseError(
        f"Practice Desk could not {doing} the database {db_path} ({exc}). Your data is safe: "
        "SQLite's integrity check found the file sound, and nothing was changed. Try again; if "
        "it happens again, the log file (its place is shown in About) has the details.", OTHER)


def explain_on(conn: sqlite3.Connection, exc: BaseException, doing: str = "use") -> DatabaseError:
    """explain() for an error met on an open connection (its file found from the connection)."""
    try:
        name = conn.execute("PRAGMA database_list").fetchone()[2]
    except sqlite3.Error:
        name = ""
    if not name:  # an in-memory database: nothing on disk to diagnose
        return DatabaseError(f"Practice Desk could not {doing} the database ({exc}).")
    return explain(exc, Path(name), doing)


# --- the checks ----------------------------------------------------------------------------
def marked_read_only(path: Path) -> bool:
    """True when the file or folder exists and is marked read-only (for this user, or for
    everyone: an administrator could still write it, but whoever marked it meant it)."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return not os.access(path, os.W_OK) or not mode & stat.S_IWUSR


def probe_write(folder: Path) -> int | None:
    """The errno of writing a small file in `folder` (None when it works): the real answer to
    'is the disk full, or the folder or drive read-only?'."""
    try:
        handle, name = tempfile.mkstemp(prefix=".practice-desk-probe-", dir=folder)
    except OSError as exc:
        return exc.errno or errno.EIO
    try:
        with os.fdopen(handle, "wb") as f:
            f.write(b"\0" * PROBE_BYTES)
            f.flush()
            os.fsync(f.fileno())
    except OSError as exc:
        return exc.errno or errno.EIO
    finally:
        Path(name).unlink(missing_ok=True)
    return None


def free_space(folder: Path) -> int | None:
    try:
        return shutil.disk_usage(folder).free
    except OSError:
        return None


def write_problem(db_path: Path) -> DatabaseError | None:
    """A full disk or a read-only file, folder or drive, if that is what stops writing."""
    folder = db_path.parent
    if not folder.is_dir():
        return None
    if marked_read_only(db_path) and db_path.exists():
        return read_only_file(db_path)
    if os.name != "nt" and marked_read_only(folder):  # Windows' folder mark means no such thing
        return read_only_folder(db_path)
    failed = probe_write(folder)
    if failed in _FULL_ERRNOS:
        return disk_full(db_path)
    if failed in _DENIED_ERRNOS:
        return read_only_folder(db_path, drive=failed == errno.EROFS)
    free = free_space(folder)
    if free is not None and free < LOW_SPACE:
        return disk_full(db_path)
    return None


def integrity_problem(db_path: Path) -> str | None:
    """What SQLite's integrity check says is wrong with the file, or None when it is sound
    (or cannot be checked now, e.g. while another program holds it)."""
    if not db_path.is_file() or db_path.stat().st_size == 0:
        return None
    with open(db_path, "rb") as f:
        if f.read(16) != b"SQLite format 3\x00":
            return "the file is not an SQLite database"
    try:
        conn = sqlite3.connect(f"{db_path.resolve().as_uri()}?mode=ro", uri=True, timeout=5)
    except sqlite3.Error:
        return None
    try:
        rows = [row[0] for row in conn.execute("PRAGMA quick_check(5)")]
    except sqlite3.DatabaseError as exc:
        text = str(exc).lower()
        busy = "locked" in text or "busy" in text or "unable to open" in text
        return None if busy else str(exc)
    finally:
        conn.close()
    return None if rows == ["ok"] else "; ".join(rows)


def lock_holder(db_path: Path) -> str | None:
    """Who holds the app's lock beside the database (QLockFile writes pid, program, host), when
    it is another live process: 'python3 (process 1234 on PC-7)'."""
    try:
        pid, program, host = Path(f"{db_path}.lock").read_text("utf-8").splitlines()[:3]
        pid_number = int(pid)
    except (OSError, ValueError, UnicodeDecodeError):
        return None
    here = host == socket.gethostname()
    if here and (pid_number == os.getpid() or not _alive(pid_number)):
        return None  # this window, or a copy that has gone
    where = "this computer" if here else host
    return f"{program or 'Practice Desk'} (process {pid_number} on {where})"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except PermissionError:
        return True
    except (OSError, OverflowError):
        return False
    return True


# --- the messages --------------------------------------------------------------------------
def size_text(count: float) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if count < 1024 or unit == "GB":
            return f"{count:,.0f} {unit}" if unit == "bytes" else f"{count:,.1f} {unit}"
        count /= 1024
    return ""


def disk_full(db_path: Path) -> DatabaseError:
    free = free_space(db_path.parent)
    left = f" ({size_text(free)} free)" if free is not None else ""
    return DatabaseError(
        f"The disk holding the database {db_path} is full{left}, so Practice Desk cannot save to "
        "it. Your data is safe: the database is not damaged, and what was being saved was undone "
        "as a whole. Free some space on that disk, then try again. Do not restore a backup: that "
        "would throw away what you imported since.", FULL)


def read_only_file(db_path: Path) -> DatabaseError:
    return DatabaseError(
        f"The database file {db_path} is read-only, so nothing can be saved to it. Your data is "
        "safe and can still be viewed. To import or change anything, make the file writable "
        "(untick Read-only in its Properties, or ask your IT team), then open Practice Desk "
        "again.", READ_ONLY)


def read_only_folder(db_path: Path, drive: bool = False) -> DatabaseError:
    where = "drive" if drive else "folder"
    return DatabaseError(
        f"The {where} holding the database ({db_path.parent}) is read-only, or you may not write "
        "in it, so Practice Desk cannot save to the database. Your data is safe. Ask for write "
        f"access to that {where}, or copy the database to a folder you can write to and open "
        "it there (--db FILE, or the PRACTICE_DESK_DB setting).", READ_ONLY)


def locked(db_path: Path) -> DatabaseError:
    holder = lock_holder(db_path)
    who = (f"{holder}, which has Practice Desk open on it" if holder else
           "another program (another Practice Desk window or command, or a tool such as "
           "a backup or sync program)")
    return DatabaseError(
        f"The database {db_path} is busy: {who} is writing to it, and it did not finish in "
        "time. Your data is safe; nothing was changed. Wait for that program to finish (or "
        "close it), then try again.", LOCKED)


def damaged(db_path: Path, detail: str) -> DatabaseError:
    from local_db.connection import list_backups, lost_imports, stamp_of  # one way round

    backups = list_backups(db_path)
    if not backups:
        way_back = ("There is no backup to restore. Move the file aside (rename it) and "
                    "re-import your files: Practice Desk then starts a new database.")
    else:
        when = stamp_of(backups[0])
        lost = lost_imports(db_path, backups[0])
        gone = (f"; these imports made after it would be lost and need importing again: "
                f"{', '.join(lost[:5])}{' and more' if len(lost) > 5 else ''}" if lost else
                "; anything imported or changed after it would be lost")
        way_back = (f"The newest backup is from {when} ({backups[0].name}). Restoring it brings "
                    f"your data back as it was then{gone}. Restore it from Settings → Backups "
                    f"or with `practice-desk restore-backup --db \"{db_path}\"`; the damaged "
                    "file is kept beside it.")
    return DatabaseError(
        f"The database {db_path} is damaged: SQLite's integrity check failed ({detail}). Data in "
        f"it may be lost. {way_back}", DAMAGED)
