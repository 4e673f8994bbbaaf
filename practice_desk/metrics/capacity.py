"""Online consultations, workforce, and demand and capacity (metrics.md) for a practice or PCN.

Every figure is built from per-practice parts, summed over the practices (and, for a period, the
months) that have every part, then divided:
- `oc_*`: the publication's own counts and Registered Patient Count; a practice with no data (not
  taking part, `No Data` supplier) adds nothing, and `oc_practices` says how many practices did.
- workforce: a practice's snapshot for the month, else its latest up to 3 months earlier. Staff
  totals are missing when any practice with a snapshot has that staff group missing (`NA`): a
  partial total would understate the staff. For a period they are the average over its months.
- `contacts` = inbound calls + online submissions, over practices that have both in the month.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict

from local_db import queries
from practice_desk.metrics import telephony
from practice_desk.metrics.appointments import label_ids
from practice_desk.metrics.selection import Selection

OC_PARTS = ("submissions", "clinical", "admin", "other")
STAFF = ("gp_fte", "gp_all_fte", "nurse_fte", "dpc_fte", "admin_fte", "clinical_fte")
CARRY_MONTHS = 3  # a month without a snapshot uses one up to this many months earlier
CONTEXT_KEYS = ["oc_supplier", "oc_patients", "oc_practices", "workforce_month"]


def _marks(items) -> str:
    return ",".join("?" * len(items)) or "NULL"


def _months_before(month: str, count: int) -> str:
    year, number = int(month[:4]), int(month[5:7]) - count
    while number < 1:
        year, number = year - 1, number + 12
    return f"{year:04d}-{number:02d}"


# --- what is stored, per practice and month ----------------------------------------------------
def _online(conn, practices, selection) -> dict[tuple[str, str], dict]:
    sql = (f"SELECT ods_code, month, supplier, submissions, clinical, admin, other, patients "
           f"FROM oc_practice_months WHERE ods_code IN ({_marks(practices)})")
    found = {}
    for code, month, supplier, *counts, patients in conn.execute(sql, practices):
        if selection.contains(month):
            found[(code, month)] = {"supplier": supplier, "patients": patients,
                                    **dict(zip(OC_PARTS, counts, strict=True))}
    return found


def _snapshots(conn, practices) -> dict[str, list[tuple[str, dict]]]:
    sql = (f"SELECT ods_code, month, patients, gp_fte, gp_all_fte, nurse_fte, dpc_fte, admin_fte "
           f"FROM workforce WHERE ods_code IN ({_marks(practices)}) ORDER BY month")
    found: dict[str, list[tuple[str, dict]]] = defaultdict(list)
    for code, month, patients, *fte in conn.execute(sql, practices):
        staff = dict(zip(STAFF[:-1], fte, strict=True))
        parts = [staff["gp_all_fte"], staff["nurse_fte"], staff["dpc_fte"]]
        staff["clinical_fte"] = None if None in parts else sum(parts)
        found[code].append((month, {"patients": patients, **staff}))
    return found


def _snapshot_for(snapshots: list[tuple[str, dict]], month: str) -> tuple[str, dict] | None:
    earliest = _months_before(month, CARRY_MONTHS)
    usable = [(m, s) for m, s in snapshots if earliest <= m <= month]
    return usable[-1] if usable else None


def _appointments(conn, practices, selection) -> dict[tuple[str, str], tuple[int, int]]:
    """{(practice, month): (all appointments, GP appointments)} from the GPAD crosstab."""
    gp_ids = label_ids(conn, "hcp_type", {"GP"}) or [-1]
    sql = (f"SELECT ods_code, month, SUM(count), SUM(CASE WHEN hcp_type IN ({_marks(gp_ids)}) "
           f"THEN count ELSE 0 END) FROM gpad_appointments WHERE ods_code IN "
           f"({_marks(practices)}) GROUP BY ods_code, month")
    return {(code, month): (total, gp) for code, month, total, gp
            in conn.execute(sql, [*gp_ids, *practices]) if selection.contains(month)}


def _calls(by_practice: dict[str, dict[str, tuple[str, dict]]]) -> dict[tuple[str, str], int]:
    """{(practice, month): inbound calls} (CBT publication, else the practice's call log), from
    telephony.practice_counts."""
    return {(code, month): counts["inbound"] for code, months in by_practice.items()
            for month, (_, counts) in months.items() if counts.get("inbound") is not None}


# --- parts summed per month ---------------------------------------------------------------------
def _add(parts: dict, name: str, value) -> None:
    parts[name] = parts.get(name, 0) + value


def _month_parts(conn, practices, month, online, snapshots, appointments, calls) -> dict:
    parts: dict = {"practices": 0}
    suppliers, used = [], []
    staff_known = dict.fromkeys(STAFF, True)
    for code in practices:
        oc = online.get((code, month))
        if oc is not None:
            if oc["supplier"]:
                suppliers.append(oc["supplier"])
            if oc["submissions"] is not None:
                parts["practices"] += 1
                for name in OC_PARTS:  # a type left blank is unknown for the sum too
                    if oc[name] is None:
                        parts[f"{name}_unknown"] = True
                    else:
                        _add(parts, name, oc[name])
                if oc["patients"]:
                    _add(parts, "rated_submissions", oc["submissions"])
                    _add(parts, "oc_patients", oc["patients"])
        snapshot = _snapshot_for(snapshots.get(code, []), month)
        appts = appointments.get((code, month))
        if snapshot is not None:
            used.append(snapshot[0])
            staff = snapshot[1]
            for name in STAFF:
                if staff[name] is None:
                    staff_known[name] = False
                else:
                    _add(parts, name, staff[name])
            if staff["patients"] and staff["gp_fte"]:
                _add(parts, "pp_patients", staff["patients"])
                _add(parts, "pp_gp_fte", staff["gp_fte"])
            if appts and staff["gp_all_fte"]:
                _add(parts, "gp_appts", appts[1])
                _add(parts, "gp_appts_fte", staff["gp_all_fte"])
            if appts and staff["clinical_fte"]:
                _add(parts, "clin_appts", appts[0])
                _add(parts, "clin_fte", staff["clinical_fte"])
        inbound = calls.get((code, month))
        if inbound is not None and oc is not None and oc["submissions"] is not None:
            contacts = inbound + oc["submissions"]
            _add(parts, "contacts", contacts)
            _add(parts, "contact_oc", oc["submissions"])
            size = queries.list_size_for_month(conn, code, month)
            if size is None:
                parts["unsized"] = True
            else:
                _add(parts, "contact_patients", size[0])
            if appts:
                _add(parts, "contact_appts", appts[0])
                _add(parts, "appt_contacts", contacts)
    for name in STAFF:  # a staff total needs every practice with a snapshot to have the group
        if not used or not staff_known[name]:
            parts.pop(name, None)
    parts["supplier"] = "; ".join(sorted(set(suppliers))) or None
    parts["workforce_month"] = max(used) if used else None
    parts["staff_months"] = 1 if used else 0
    return parts


def _ratio(parts: dict, top: str, bottom: str, scale: float = 1.0) -> float | None:
    below = parts.get(bottom)
    return parts[top] / below * scale if below and top in parts else None


def _known(parts: dict, name: str):
    return None if parts.get(f"{name}_unknown") else parts.get(name, 0)


def _values(parts: dict, staff_months: int = 1) -> dict:
    has_oc = parts["practices"] > 0
    contacts = parts.get("contacts")
    values = {
        "oc_submissions": parts.get("submissions") if has_oc else None,
        "oc_clinical_submissions": _known(parts, "clinical") if has_oc else None,
        "oc_admin_submissions": _known(parts, "admin") if has_oc else None,
        "oc_other_submissions": _known(parts, "other") if has_oc else None,
        "oc_clinical_share": (_ratio(parts, "clinical", "submissions")
                              if has_oc and _known(parts, "clinical") is not None else None),
        "oc_submissions_per_1000": _ratio(parts, "rated_submissions", "oc_patients", 1000),
        "oc_supplier": parts.get("supplier"),
        "oc_patients": parts.get("oc_patients"),
        "oc_practices": parts["practices"] if has_oc else None,
        "workforce_month": parts.get("workforce_month"),
        "patients_per_gp_fte": _ratio(parts, "pp_patients", "pp_gp_fte"),
        "gp_appointments_per_gp_fte": _ratio(parts, "gp_appts", "gp_appts_fte"),
        "appointments_per_clinical_fte": _ratio(parts, "clin_appts", "clin_fte"),
        "contacts": contacts,
        "contacts_per_1000": (None if parts.get("unsized") or not contacts
                              else _ratio(parts, "contacts", "contact_patients", 1000)),
        "online_share_of_contacts": _ratio(parts, "contact_oc", "contacts"),
        "appointments_per_contact": _ratio(parts, "contact_appts", "appt_contacts"),
    }
    for name in STAFF:  # stocks: a period gives the average staff in post over its months
        values[name] = parts[name] / staff_months if name in parts and staff_months else None
    return values


def all_parts(conn: sqlite3.Connection, practices: list[str], selection: Selection,
              calls: dict | None = None) -> dict[str, dict]:
    """{month: parts} for the selection; `calls` is telephony.practice_counts when the caller
    already has it."""
    if not practices:
        return {}
    online = _online(conn, practices, selection)
    snapshots = _snapshots(conn, practices)
    appointments = _appointments(conn, practices, selection)
    calls = _calls(telephony.practice_counts(conn, practices, selection)
                   if calls is None else calls)
    months = {m for _, m in online} | {m for _, m in appointments} | {m for _, m in calls}
    months |= {m for found in snapshots.values() for m, _ in found if selection.contains(m)}
    return {month: _month_parts(conn, practices, month, online, snapshots, appointments, calls)
            for month in sorted(months)}


def _useful(values: dict) -> bool:
    """A figure, or a publication row saying there is none (a 'No Data' practice's month)."""
    return values["oc_supplier"] is not None or any(
        v is not None for k, v in values.items() if k not in CONTEXT_KEYS)


def monthly(conn: sqlite3.Connection, practices: list[str], selection: Selection,
            parts: dict[str, dict] | None = None) -> dict:
    """{month: keys} for months where any of these figures exists (`parts`: all_parts when the
    caller already has them)."""
    if parts is None:
        parts = all_parts(conn, practices, selection)
    found = {}
    for month, month_parts in parts.items():
        values = _values(month_parts)
        if _useful(values):
            found[month] = values
    return found


def period_values(conn: sqlite3.Connection, practices: list[str], selection: Selection,
                  parts: dict[str, dict] | None = None) -> dict:
    """The range as one figure: every part summed over the months first, then divided."""
    months = all_parts(conn, practices, selection) if parts is None else parts
    if not months:
        return {}
    total: dict = {"practices": 0}
    staff_months = sum(p["staff_months"] for p in months.values())
    staff_known = dict.fromkeys(STAFF, True)
    for parts in months.values():
        for name, value in parts.items():
            if name in STAFF or name in ("supplier", "workforce_month", "staff_months"):
                continue
            if name == "unsized" or name.endswith("_unknown"):
                total[name] = True
            elif name == "practices":
                total["practices"] = max(total["practices"], value)
            else:
                _add(total, name, value)
        for name in STAFF:
            if parts["staff_months"] and name not in parts:
                staff_known[name] = False
            elif name in parts:
                _add(total, name, parts[name])
    for name in STAFF:
        if not staff_known[name]:
            total.pop(name, None)
    last = list(months.values())[-1]
    total["supplier"] = last["supplier"]
    total["workforce_month"] = max((p["workforce_month"] for p in months.values()
                                    if p["workforce_month"]), default=None)
    return _values(total, staff_months)
