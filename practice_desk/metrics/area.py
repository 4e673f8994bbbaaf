"""Area context from GPAD area files (metrics.md, Area context): sub-ICB and CCG-era series and
appointments by national category. Shown beside a practice or PCN, never mixed into its keys.

Area files have no practice code, no national category (regional and daily files) and no list
size, so an area's series has the appointment shares only: `appointments_per_1000` and
`unmapped_category_share` are null for an area.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from practice_desk.importing.labels import UNMAPPED_CATEGORIES
from practice_desk.metrics import appointments

# The appointment counts an area file can give (it has no national category).
AREA_COUNTS = {name: spec for name, spec in appointments.COUNTS.items()
               if spec[0] != "category"}
AREA_KINDS = {"sub_icb": "sub-ICB", "ccg": "CCG", "icb": "ICB", "stp": "STP"}
# An ICB (a CCG-era STP) is the sum of its sub-ICBs (CCGs) in the area files: code 'ICB:<name>'.
GROUP = "ICB:"


def _marks(items: list) -> str:
    return ",".join("?" * len(items))


def list_areas(conn: sqlite3.Connection) -> list[dict]:
    """Areas with appointment data, {'code', 'kind', 'name', 'parent_name'}: each ICB (or
    CCG-era STP) named by the files, then its sub-ICBs (CCGs)."""
    sql = ("SELECT code, kind, name, parent_name FROM areas WHERE code IN "
           "(SELECT DISTINCT unit FROM coverage WHERE source LIKE 'gpad_area_%') "
           "ORDER BY parent_name, name, code")
    found = []
    for row in conn.execute(sql):
        area = dict(zip(("code", "kind", "name", "parent_name"), row, strict=True))
        if area["parent_name"] and not any(a["code"] == GROUP + area["parent_name"]
                                           for a in found):
            found.append(_group(area["parent_name"], area["kind"]))
        found.append(area)
    return found


def _group(parent: str, member_kind: str) -> dict:
    return {"code": GROUP + parent, "kind": "stp" if member_kind == "ccg" else "icb",
            "name": parent, "parent_name": None}


def get_area(conn: sqlite3.Connection, code: str) -> dict | None:
    if code.startswith(GROUP):
        row = conn.execute("SELECT kind FROM areas WHERE parent_name = ? LIMIT 1",
                           (code.removeprefix(GROUP),)).fetchone()
        return _group(code.removeprefix(GROUP), row[0]) if row else None
    row = conn.execute("SELECT code, kind, name, parent_name FROM areas WHERE code = ?",
                       (code,)).fetchone()
    return dict(zip(("code", "kind", "name", "parent_name"), row, strict=True)) if row else None


def members(conn: sqlite3.Connection, code: str) -> list[str]:
    """The area codes an area adds up: an ICB's sub-ICBs, else the area itself."""
    if code.startswith(GROUP):
        return [row[0] for row in conn.execute(
            "SELECT code FROM areas WHERE parent_name = ? ORDER BY code",
            (code.removeprefix(GROUP),))]
    return [code]


def area_label(area: dict) -> str:
    """'NHS Somerset CCG (11X), CCG' or 'Somerset STP, STP' as people read it."""
    kind = AREA_KINDS.get(area["kind"], "area")
    if area["code"].startswith(GROUP):
        return f"{area['name']}, {kind} (all its {'CCGs' if kind == 'STP' else 'sub-ICBs'})"
    return f"{area['name'] or area['code']} ({area['code']}), {kind}"


def sub_icb_of(conn: sqlite3.Connection, practices: Iterable[str]) -> dict | None:
    """The one sub-ICB the practices are in ({'code', 'name', 'kind', ...}); None when they span
    several or none is known. Its name comes from an area file, else from the practices' own."""
    codes = list(practices)
    if not codes:
        return None
    found = set(conn.execute(
        f"SELECT sub_icb_code, sub_icb_name FROM practices WHERE ods_code IN ({_marks(codes)})",
        codes).fetchall())
    if len({row[0] for row in found}) != 1 or not next(iter(found))[0]:
        return None
    code, name = next(iter(found))
    return get_area(conn, code) or {"code": code, "kind": "sub_icb", "name": name,
                                    "parent_name": None}


def _covered_months(conn: sqlite3.Connection, code: str, sources: tuple[str, ...]) -> list[str]:
    """The months the area's files cover in these coverage sources."""
    codes = members(conn, code)
    sql = (f"SELECT DISTINCT substr(period, 1, 7) FROM coverage WHERE unit IN ({_marks(codes)}) "
           f"AND source IN ({_marks(sources)}) ORDER BY 1")
    return [row[0] for row in conn.execute(sql, [*codes, *sources])]


def area_months(conn: sqlite3.Connection, code: str) -> list[str]:
    return _covered_months(conn, code, ("gpad_area_month", "gpad_area_day"))


def monthly_counts(conn: sqlite3.Connection, code: str, start: str | None = None,
                   end: str | None = None) -> dict[str, dict[str, int]]:
    """{month: {count name: appointments}} for an area. A month given by a monthly (regional)
    file is read from it; other months add up the area's daily file, so a month held in both
    kinds of file is never counted twice."""
    columns, params = [], []
    for dimension, labels in AREA_COUNTS.values():
        ids = appointments.label_ids(conn, dimension, labels) or [-1]
        columns.append(f"SUM(CASE WHEN {dimension} IN ({_marks(ids)}) THEN count ELSE 0 END)")
        params.extend(ids)
    codes = members(conn, code)
    sql = (f"SELECT area_code, month, granularity, SUM(count), {', '.join(columns)} "
           f"FROM gpad_area_appointments WHERE area_code IN ({_marks(codes)}) "
           "AND month >= ? AND month <= ? GROUP BY area_code, month, granularity")
    each: dict[tuple[str, str], list[int]] = {}
    for area_code, month, granularity, *counts in conn.execute(
            sql, [*params, *codes, start or "0000-00", end or "9999-99"]):
        if (area_code, month) in each and granularity == "day":
            continue  # the monthly file's figure for this area and month is kept
        each[(area_code, month)] = counts
    found: dict[str, dict[str, int]] = {}
    for (_area, month), counts in sorted(each.items(), key=lambda item: item[0][1]):
        into = found.setdefault(month, dict.fromkeys(["total", *AREA_COUNTS], 0))
        for name, value in zip(into, counts, strict=True):
            into[name] += value
    return found


def monthly_values(conn: sqlite3.Connection, code: str, start: str | None = None,
                   end: str | None = None) -> dict[str, dict]:
    """{month: appointment keys} for an area, null where an area file cannot give the key."""
    found = {}
    for month, counts in monthly_counts(conn, code, start, end).items():
        values = appointments.shares({**dict.fromkeys(appointments.COUNT_NAMES, 0), **counts})
        values["unmapped_category_share"] = None  # area files have no national category
        values["appointments_per_1000"] = None    # nor a list size
        found[month] = values
    return found


def category_months(conn: sqlite3.Connection, code: str) -> list[str]:
    return _covered_months(conn, code, ("gpad_category",))


def categories(conn: sqlite3.Connection, code: str, start: str | None = None,
               end: str | None = None) -> list[dict]:
    """Appointments by national category for an area over the months (GPAD national categories
    file): [{'category', 'appointments', 'share', 'general_practice', 'days'}], biggest first.
    `general_practice` counts the service setting 'General Practice' (the rest is PCN,
    extended access and other settings); data-quality categories come last."""
    sql = """
        SELECT c.label, SUM(a.count),
               SUM(CASE WHEN s.label = 'General Practice' THEN a.count ELSE 0 END)
        FROM gpad_category_appointments a
        JOIN labels c ON c.id = a.category JOIN labels s ON s.id = a.service_setting
        WHERE a.area_code IN ({marks}) AND a.month >= ? AND a.month <= ?
        GROUP BY c.label
    """
    codes = members(conn, code)
    rows = conn.execute(sql.format(marks=_marks(codes)),
                        (*codes, start or "0000-00", end or "9999-99")).fetchall()
    grand = sum(row[1] for row in rows)
    table = [{"category": label, "appointments": count, "share": count / grand if grand else None,
              "general_practice": in_practice} for label, count, in_practice in rows]
    return sorted(table, key=lambda r: (r["category"] in UNMAPPED_CATEGORIES,
                                        -r["appointments"], r["category"]))


def category_days(conn: sqlite3.Connection, code: str, start: str | None = None,
                  end: str | None = None) -> tuple[str, str, int] | None:
    """(first day, last day, days) the category figures cover, None when there are none."""
    codes = members(conn, code)
    row = conn.execute(
        "SELECT MIN(period), MAX(period), COUNT(DISTINCT period) FROM gpad_category_appointments "
        f"WHERE area_code IN ({_marks(codes)}) AND month >= ? AND month <= ?",
        (*codes, start or "0000-00", end or "9999-99")).fetchone()
    return tuple(row) if row and row[0] else None


def breakdown(conn: sqlite3.Connection, code: str, start: str | None = None,
              end: str | None = None) -> list[dict]:
    """An area's appointments by mode x booking interval over the months, as
    appointments.breakdown gives a practice's (a month of a monthly file is read from it)."""
    sql = """
        SELECT m.label, i.label, SUM(a.count) FROM gpad_area_appointments a
        JOIN labels m ON m.id = a.appt_mode JOIN labels i ON i.id = a.interval
        WHERE a.area_code IN ({marks}) AND a.month >= ? AND a.month <= ?
            AND (a.granularity = 'month' OR a.month NOT IN (
                SELECT month FROM gpad_area_appointments
                WHERE area_code = a.area_code AND granularity = 'month'))
        GROUP BY m.label, i.label
    """
    codes = members(conn, code)
    rows = conn.execute(sql.format(marks=_marks(codes)),
                        (*codes, start or "0000-00", end or "9999-99"))
    return [{"mode": mode, "interval": interval, "appointments": count}
            for mode, interval, count in rows]
