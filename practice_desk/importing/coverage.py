"""Which import supplies each unit and period, so a newer release replaces an older one."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class FactSource:
    table: str
    unit_column: str
    period_column: str
    condition: str = ""  # SQL limiting the rows to this source where several share a table


# The facts of the importers with fixed tables, keyed by the `coverage.source` value. Importers
# that store one fact per measure (NHS App, POMI) give theirs in the list of importers
# (formats.fact_sources), which the runner hands to each import and to undo.
SOURCES: dict[str, FactSource] = {
    "gpad_practice": FactSource("gpad_appointments", "ods_code", "month"),
    "gpad_area_day": FactSource("gpad_area_appointments", "area_code", "period"),
    "gpad_area_month": FactSource("gpad_area_appointments", "area_code", "period"),
    "gpad_category": FactSource("gpad_category_appointments", "area_code", "period"),
    "list_size": FactSource("list_sizes", "ods_code", "extract_date"),
    "calls_111": FactSource("calls_111_counts", "ods_code", "period"),
    "cbt_month": FactSource("cbt_monthly", "unit", "month"),
    "cbt_day_time": FactSource("cbt_daily", "unit", "day", "band_kind = 'time'"),
    "cbt_day_duration": FactSource("cbt_daily", "unit", "day", "band_kind = 'duration'"),
    "cbt_day_wait": FactSource("cbt_daily", "unit", "day", "band_kind = 'wait'"),
    "cbt_day_core": FactSource("cbt_daily", "unit", "day", "band_kind = 'core'"),
    "oc_practice": FactSource("oc_practice_months", "ods_code", "month"),
    "oc_england_times": FactSource("oc_england_times", "area_code", "month"),
    "workforce": FactSource("workforce", "ods_code", "month"),
}


def replace_older(
    conn: sqlite3.Connection, import_id: int, source: str, claims: Collection[tuple[str, str]],
    sources: Mapping[str, FactSource] = SOURCES,
) -> int:
    """Make `import_id` the supplier of each (unit, period); delete what older imports stored there.
    `claims` is a set, or a dict's keys when their order is worth keeping.

    Returns the number of rows deleted.
    """
    fact = sources[source]
    delete_sql = (
        f"DELETE FROM {fact.table} WHERE {fact.unit_column} = ? "
        f"AND {fact.period_column} = ? AND import_id = ?"
        + (f" AND {fact.condition}" if fact.condition else "")
    )
    by_period = _units_by_period(claims)
    existing = {  # only the claimed periods: a database holds years of other months
        (unit, period): owner
        for unit, period, owner in conn.execute(
            "SELECT unit, period, import_id FROM coverage WHERE source = ? "
            "AND period IN (SELECT value FROM json_each(?))", (source, json.dumps(list(by_period)))
        )
    }
    replaced_by_owner: dict[int, int] = {}
    for (unit, period), owner in existing.items():
        if owner != import_id and (unit, period) in claims:
            deleted = conn.execute(delete_sql, (unit, period, owner)).rowcount
            replaced_by_owner[owner] = replaced_by_owner.get(owner, 0) + deleted
    for period, units in by_period.items():
        conn.execute(_CLAIM, (source, period, import_id, json.dumps(sorted(units))))
    conn.executemany(
        "UPDATE imports SET rows_superseded = rows_superseded + ? WHERE id = ?",
        ((count, owner) for owner, count in replaced_by_owner.items()),
    )
    return sum(replaced_by_owner.values())


# The units of one period handed over as one JSON list (binding them one row at a time took
# three times as long: 6,000 practices, 2.5 ms against 8), sorted (in a set's order storing them
# takes half as long again; sorting claims that come in a file's order costs next to nothing).
_CLAIM = ("INSERT INTO coverage (source, unit, period, import_id) "
          "SELECT ?1, value, ?2, ?3 FROM json_each(?4) WHERE true "
          "ON CONFLICT (source, unit, period) DO UPDATE SET import_id = excluded.import_id")


def _units_by_period(claims: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for unit, period in claims:
        found.setdefault(period, []).append(unit)
    return found


# Facts that are not replaced per (unit, period) (e.g. calls, kept once per call key) are removed
# by the undo hooks of the list of importers (formats.py): (conn, import_id) -> rows deleted.
UndoHook = Callable[[sqlite3.Connection, int], int]


def remove_import(conn: sqlite3.Connection, import_id: int, hooks: Iterable[UndoHook] = (),
                  sources: Mapping[str, FactSource] = SOURCES) -> int:
    """Delete every fact an import still supplies, and its coverage. Returns rows deleted."""
    deleted = sum(hook(conn, import_id) for hook in hooks)
    claims = conn.execute(
        "SELECT source, unit, period FROM coverage WHERE import_id = ?", (import_id,)
    ).fetchall()
    for source, unit, period in claims:
        fact = sources[source]
        deleted += conn.execute(
            f"DELETE FROM {fact.table} WHERE {fact.unit_column} = ? "
            f"AND {fact.period_column} = ? AND import_id = ?"
            + (f" AND {fact.condition}" if fact.condition else ""),
            (unit, period, import_id),
        ).rowcount
    conn.execute("DELETE FROM coverage WHERE import_id = ?", (import_id,))
    forget_unmentioned(conn, import_id)
    return deleted


# Columns that name a practice or an area in the fact tables; a code still found in one of them
# (or named by an import that stands) is kept by `forget_unmentioned`.
_CODE_COLUMNS = {"practice": ("ods_code",), "area": ("area_code",)}
_KIND_TABLES = {"practice": ("practices", "ods_code"), "area": ("areas", "code")}


def forget_unmentioned(conn: sqlite3.Connection, import_id: int) -> int:
    """After an import is undone: forget the practices (and so their PCNs) and areas that no
    remaining import names and no stored row refers to. Returns how many were forgotten."""
    legacy = conn.execute(  # databases from before import_mentions knew only the last import
        "SELECT 'practice', ods_code FROM practices WHERE import_id = ?", (import_id,)).fetchall()
    named = conn.execute("SELECT kind, code FROM import_mentions WHERE import_id = ?",
                         (import_id,)).fetchall()
    conn.execute("DELETE FROM import_mentions WHERE import_id = ?", (import_id,))
    forgotten = 0
    for kind in _KIND_TABLES:
        codes = {code for k, code in [*legacy, *named] if k == kind}
        forgotten += _forget(conn, kind, codes - _still_used(conn, kind, codes))
    conn.execute(
        "UPDATE practices SET import_id = (SELECT MAX(m.import_id) FROM import_mentions m "
        "WHERE m.kind = 'practice' AND m.code = practices.ods_code) WHERE import_id = ?",
        (import_id,))
    return forgotten


def _still_used(conn: sqlite3.Connection, kind: str, codes: set[str]) -> set[str]:
    if not codes:
        return set()
    marks = ",".join("?" * len(codes))
    used = {c for (c,) in conn.execute(
        f"SELECT DISTINCT code FROM import_mentions WHERE kind = ? AND code IN ({marks})",
        (kind, *codes))}
    own_table = _KIND_TABLES[kind][0]
    for table, column in _referring_columns(conn, kind):
        if table != own_table:
            used.update(c for (c,) in conn.execute(
                f"SELECT DISTINCT {column} FROM {table} WHERE {column} IN ({marks})", list(codes)))
    if kind == "area":  # a practice's sub-ICB, ICB or region stays while the practice does
        for column in ("sub_icb_code", "icb_code", "region_code"):
            used.update(c for (c,) in conn.execute(
                f"SELECT DISTINCT {column} FROM practices WHERE {column} IN ({marks})",
                list(codes)))
    return used


def _referring_columns(conn: sqlite3.Connection, kind: str) -> list[tuple[str, str]]:
    found = []
    for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'"):
        columns = {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}
        found += [(table, c) for c in _CODE_COLUMNS[kind] if c in columns]
    return found


def _forget(conn: sqlite3.Connection, kind: str, codes: set[str]) -> int:
    table, column = _KIND_TABLES[kind]
    return sum(conn.execute(f"DELETE FROM {table} WHERE {column} = ?", (code,)).rowcount
               for code in codes)
