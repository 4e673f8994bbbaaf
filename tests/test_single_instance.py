"""A second copy of the app on the same database is told it is in use."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from ui.main import lock_database


def test_second_copy_is_refused_while_the_first_holds_the_lock(db_path, tmp_path):
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import sys, time
        from pathlib import Path
        from ui.main import lock_database
        lock = lock_database(Path({str(db_path)!r}))
        print("locked" if lock else "refused", flush=True)
        sys.stdin.readline()
    """)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        assert lock_database(db_path) is None
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
    again = lock_database(db_path)  # released when the first copy ends
    assert again is not None
    again.unlock()


def test_a_lock_left_by_a_crashed_copy_is_taken_over(db_path):
    crashed = subprocess.run([sys.executable, "-c", textwrap.dedent(f"""
        import os
        from pathlib import Path
        from ui.main import lock_database
        lock = lock_database(Path({str(db_path)!r}))
        os._exit(0 if lock else 1)  # exits without unlocking, like a crash
    """)], timeout=60)
    assert crashed.returncode == 0
    assert (db_path.parent / f"{db_path.name}.lock").exists()
    taken = lock_database(db_path)
    assert taken is not None
    taken.unlock()
