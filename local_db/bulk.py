"""Many rows into SQLite at once: several rows to an INSERT statement instead of executemany's
statement a row. Moving the values is most of an import's storing time, and SQLite spends about
a third less on it this way (measured: 6,000 practice-months, 4 to 13 values a row)."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

# Rows to a statement. More saves little, and a longer statement takes longer to prepare (each
# connection prepares it once, so a new database pays for it on every import).
ROWS_PER_STATEMENT = 200
MAX_VALUES = 32_766  # SQLite's limit on the values one statement binds


def insert_columns(conn: sqlite3.Connection, head: str, columns: Sequence[Sequence],
                   tail: str = "") -> None:
    """`head` ('INSERT INTO t (a, b) VALUES'), then rows made of `columns` (one sequence of
    values a column, all as long; `[value] * n` for a constant), then `tail` (an ON CONFLICT
    clause, or nothing). Rows go in in order, so a later row meets the earlier ones as with
    executemany. Taking columns saves making a tuple a row: importers that read a column at a
    time have them."""
    rows = len(columns[0]) if columns else 0
    width = len(columns)
    one = f"({','.join('?' * width)})"
    step = min(ROWS_PER_STATEMENT, MAX_VALUES // max(width, 1))
    statement = f"{head} {','.join([one] * step)} {tail}"
    for start in range(0, rows, step):
        count = min(step, rows - start)
        values = [None] * (count * width)
        for j, column in enumerate(columns):  # row-major, a column at a time
            values[j::width] = column[start:start + count]
        # The last rows as one statement too, prepared for their number: executemany would
        # take a step a row, and an import's storing thread waits for Python's lock after each.
        conn.execute(statement if count == step else f"{head} {','.join([one] * count)} {tail}",
                     values)
