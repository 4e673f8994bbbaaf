"""Read queries and small writes shared by the command line and the GUI."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

DEMO_PREFIX = "DEM"  # demo practices' made-up ODS codes start with this


def _dicts(conn: sqlite3.Connection, sql: str, params: Iterable = ()) -> list[dict]:
    """The rows as dicts (a page refresh reads every practice: plain sqlite3 is several times
    quicker than a sqlite_utils Database made for each call, and imports no pandas)."""
    cursor = conn.execute(sql, list(params))
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor]


def get_setting(conn: sqlite3.Connection, key: str, default: str | None = None) -> str | None:
    row = conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
    return row[0] if row else default


MY_SCOPE = "my_scope"  # setting: 'practice:CODE' or 'pcn:CODE', the selection the user calls theirs


def my_scope(conn: sqlite3.Connection) -> tuple[str, str] | None:
    """('practice' or 'pcn', code) the user said is theirs, while the database still holds it."""
    kind, _, code = (get_setting(conn, MY_SCOPE) or "").partition(":")
    column = {"practice": "ods_code", "pcn": "pcn_code"}.get(kind)
    if not column or not conn.execute(
            f"SELECT 1 FROM practices WHERE {column} = ? LIMIT 1", (code,)).fetchone():
        return None
    return kind, code


def set_setting(conn: sqlite3.Connection, key: str, value: str) -> None:
    conn.execute(
        "INSERT INTO settings (key, value) VALUES (?, ?) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (key, value),
    )


def list_practices(conn: sqlite3.Connection) -> list[dict]:
    return _dicts(conn, "SELECT * FROM practices ORDER BY pcn_name, name, ods_code")


def get_practice(conn: sqlite3.Connection, ods_code: str) -> dict | None:
    rows = _dicts(conn, "SELECT * FROM practices WHERE ods_code = ?", [ods_code])
    return rows[0] if rows else None


def list_pcns(conn: sqlite3.Connection) -> list[dict]:
    sql = """
        SELECT pcn_code, MAX(pcn_name) AS pcn_name, COUNT(*) AS practices
        FROM practices WHERE pcn_code IS NOT NULL AND pcn_code != ''
        GROUP BY pcn_code ORDER BY pcn_name, pcn_code
    """
    return _dicts(conn, sql)


def practices_in_pcn(conn: sqlite3.Connection, pcn_code: str) -> list[str]:
    rows = conn.execute(
        "SELECT ods_code FROM practices WHERE pcn_code = ? ORDER BY ods_code", (pcn_code,)
    )
    return [r[0] for r in rows]


def gpad_months(conn: sqlite3.Connection, practices: Iterable[str] | None = None) -> list[str]:
    """Months with appointment data, for the given practices or any practice."""
    if practices is None:
        sql = "SELECT DISTINCT period FROM coverage WHERE source = 'gpad_practice' ORDER BY period"
        return [r[0] for r in conn.execute(sql)]
    codes = list(practices)
    marks = ",".join("?" * len(codes))
    sql = (
        "SELECT DISTINCT period FROM coverage WHERE source = 'gpad_practice' "
        f"AND unit IN ({marks}) ORDER BY period"
    )
    return [r[0] for r in conn.execute(sql, codes)]


def list_imports(conn: sqlite3.Connection) -> list[dict]:
    return _dicts(conn, "SELECT * FROM imports ORDER BY id DESC")


def has_any_data(conn: sqlite3.Connection) -> bool:
    return conn.execute("SELECT EXISTS (SELECT 1 FROM imports WHERE status = 'done')").fetchone()[0]


def is_demo_practice(ods_code: str) -> bool:
    return ods_code.startswith(DEMO_PREFIX)


def demo_loaded(conn: sqlite3.Connection) -> bool:
    sql = "SELECT EXISTS (SELECT 1 FROM practices WHERE ods_code LIKE ? || '%')"
    return bool(conn.execute(sql, (DEMO_PREFIX,)).fetchone()[0])


def list_size_for_month(
    conn: sqlite3.Connection, ods_code: str, month: str
) -> tuple[int, str] | None:
    """The registered list size from the extract nearest to, and not after, the month."""
    row = conn.execute(
        "SELECT patients, extract_date FROM list_sizes "
        "WHERE ods_code = ? AND extract_date <= ? || '-31' "
        "ORDER BY extract_date DESC LIMIT 1",
        (ods_code, month),
    ).fetchone()
    return (row[0], row[1]) if row else None


def data_months(conn: sqlite3.Connection, practices: Iterable[str]) -> list[str]:
    """Months with appointment, telephony, NHS App, online consultation or workforce data for
    any of the practices."""
    codes = list(practices)
    marks = ",".join("?" * len(codes)) or "NULL"
    sql = (
        "SELECT period FROM coverage WHERE source IN ('gpad_practice', 'cbt_month', "
        "'oc_practice', 'workforce') "
        f"AND unit IN ({marks}) "
        f"UNION SELECT month FROM call_hours WHERE ods_code IN ({marks}) "
        f"UNION SELECT month FROM app_practice_values WHERE ods_code IN ({marks}) "
        f"UNION SELECT month FROM pomi_values WHERE ods_code IN ({marks}) ORDER BY 1"
    )
    return [r[0] for r in conn.execute(sql, [*codes, *codes, *codes, *codes])]
