"""Demand and capacity (metrics.md): contacts by channel beside appointments and clinical staff,
for a selection and period, and England's spread where NHS England publishes per-practice figures.

Figures come from `metric_rows` (the contract's keys); a period adds numerators and denominators
over the months first, then divides. Calls and online requests overlap (one patient may do both):
they are indicators of pressure, not counts of patients.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from practice_desk.metrics import Selection, metric_rows, period_summary
from practice_desk.metrics.appointments import list_size_total
from practice_desk.metrics.definitions import definitions
from practice_desk.metrics.national import national_band, national_series, percentile

# Channel rows of the page and the workbook: (key, label, indent) in display order.
CHANNELS = [
    ("inbound_calls", "Calls (inbound)", 0),
    ("oc_submissions", "Online requests", 0),
    ("oc_clinical_submissions", "clinical", 1),
    ("oc_admin_submissions", "administrative", 1),
    ("app_appointments_booked", "NHS App appointment bookings", 0),
    ("contacts", "All contacts (calls + online)", 0),
    ("appointments_total", "Appointments given", 0),
]
STAFF = [("clinical_fte", "Clinical staff (FTE)"), ("gp_fte", "GPs, fully qualified (FTE)")]
RATIOS = ["appointments_per_contact", "online_share_of_contacts", "patients_per_gp_fte",
          "appointments_per_clinical_fte"]
# Monthly trends of the page (SPC charts), in this order, those with data.
TREND_KEYS = ["contacts_per_1000", "appointments_per_contact", "oc_submissions_per_1000",
              "calls_per_1000", "appointments_per_1000", "online_share_of_contacts",
              "patients_per_gp_fte", "appointments_per_clinical_fte"]
# Keys NHS England publishes per practice, so England's spread can be shown.
ENGLAND_KEYS = ["oc_submissions_per_1000", "calls_per_1000", "appointments_per_1000",
                "patients_per_gp_fte"]
# A spread of a handful of practices is not England's. GPAD crosstabs can be cut to a few
# practices (and are split by region); the online consultation and workforce publications are
# national files, read whole, but a file made for a few practices must not pass for England.
MIN_ENGLAND_PRACTICES = {"appointments_per_1000": 1000}
MIN_PRACTICES = 20

# A month is shown when any of these has a value.
ANY_KEYS = ["inbound_calls", "oc_submissions", "appointments_total", "app_appointments_booked",
            "clinical_fte", "gp_fte"]
# A channel's count -> its per-1,000 key (England's spread is of that key).
PER_1000_OF = {"inbound_calls": "calls_per_1000", "oc_submissions": "oc_submissions_per_1000",
               "appointments_total": "appointments_per_1000", "contacts": "contacts_per_1000"}
# Names until the definitions page has the key (it wins once it does).
NAMES = {
    "contacts_per_1000": "Contacts per 1,000 patients", "contacts": "Contacts",
    "appointments_per_contact": "Appointments per contact",
    "online_share_of_contacts": "Online share of contacts",
    "oc_submissions_per_1000": "Online requests per 1,000 patients",
    "patients_per_gp_fte": "Patients per GP (FTE)",
    "appointments_per_clinical_fte": "Appointments per clinical FTE",
    "calls_per_1000": "Calls per 1,000 patients",
    "appointments_per_1000": "Appointments per 1,000 patients",
}


def label_of(key: str) -> str:
    found = definitions().get(key)
    return found.name if found else NAMES.get(key, key)


# What fills each source, for the page's "missing" notes.
WHAT_TO_IMPORT = {
    "inbound_calls": "NHS England's cloud-based telephony workbook or your call log",
    "oc_submissions": "NHS England's 'Submissions via Online Consultation Systems in General "
                      "Practice' workbook (.xlsx)",
    "app_appointments_booked": "an NHS App dashboard export with appointments booked",
    "appointments_total": "the GPAD practice-level crosstab (CSV or zip)",
    "clinical_fte": "NHS England's General Practice Workforce practice-level detailed CSV",
    "list_size": "a 'Patients registered at a GP practice' list-size file",
}
SOURCE_OF = {"oc_clinical_submissions": "oc_submissions", "oc_admin_submissions": "oc_submissions",
             "contacts": "oc_submissions", "gp_fte": "clinical_fte",
             "patients_per_gp_fte": "clinical_fte", "appointments_per_clinical_fte": "clinical_fte"}


@dataclass
class Figure:
    """One measure over the period: the monthly average and the rates, None where unknown."""
    key: str
    label: str
    indent: int = 0
    months: int = 0                     # months with a value
    monthly: float | None = None        # average per month with a value
    per_1000: float | None = None       # per 1,000 registered patients a month
    per_fte: float | None = None        # per clinical FTE a month
    latest_month: str | None = None
    latest: float | None = None


OC_KEYS = ("oc_submissions", "oc_clinical_submissions", "oc_admin_submissions")


def _per_1000_parts(key: str, value: float, row: dict,
                    size: tuple[int, str] | None) -> tuple[float, float] | None:
    """(count, patients) a month adds to a per-1,000 rate; None when it has no denominator."""
    if key == "oc_submissions":  # the publication's own rate and patient count
        rate, patients = row.get("oc_submissions_per_1000"), row.get("oc_patients")
        return (rate * patients / 1000, patients) if patients and rate is not None else None
    if key in OC_KEYS:
        return (value, row["oc_patients"]) if row.get("oc_patients") else None
    rate = row.get(PER_1000_OF.get(key, ""))
    if rate:
        # The month's own rate holds its denominator: the list sizes of the practices that gave
        # the count (a practice with calls but no online requests adds nothing to contacts, so
        # its patients are not counted either).
        return value, value / rate * 1000
    if rate is None and key in PER_1000_OF:
        return None  # the contract has no rate this month (no list size)
    return (value, size[0]) if size else None  # a zero count, or a key with no rate of its own


def figures(conn: sqlite3.Connection, selection: Selection, rows: list[dict] | None = None,
            practices: list[str] | None = None, period: dict | None = None) -> list[Figure]:
    """The channel and capacity rows of the page for the selection's period (`practices`: the
    selection's, when the caller has resolved them; `period`: its period_summary, when read)."""
    rows = metric_rows(conn, selection) if rows is None else rows
    practices = selection.practices(conn) if practices is None else practices
    sizes = {row["month"]: list_size_total(conn, practices, row["month"]) for row in rows}
    found = []
    for key, label, indent in CHANNELS:
        figure = Figure(key, label, indent)
        # Each rate adds its numerator over the months that have its denominator too.
        total = sized = patients = staffed = fte = 0.0
        for row in rows:
            value = row.get(key)
            if value is None:
                continue
            figure.months += 1
            total += value
            figure.latest_month, figure.latest = row["month"], value
            parts = _per_1000_parts(key, value, row, sizes.get(row["month"]))
            if parts:
                sized, patients = sized + parts[0], patients + parts[1]
            if row.get("clinical_fte"):
                staffed += value
                fte += row["clinical_fte"]
        if figure.months:
            figure.monthly = total / figure.months
            figure.per_1000 = sized / patients * 1000 if patients else None
            figure.per_fte = staffed / fte if fte else None
        if key == "appointments_total" and figure.months:
            # The contract's figure pairs each practice's appointments with its own staff (a
            # practice with appointments but no workforce snapshot adds to neither).
            period = period_summary(conn, selection) if period is None else period
            figure.per_fte = (period or {}).get("appointments_per_clinical_fte")
        found.append(figure)
    for key, label in STAFF:
        figure = Figure(key, label)
        values = [(row["month"], row[key]) for row in rows if row.get(key) is not None]
        if values:
            figure.months = len(values)
            figure.monthly = sum(v for _, v in values) / len(values)  # average staff in post
            figure.latest_month, figure.latest = values[-1]
        found.append(figure)
    return found


WHY_MISSING = {
    "contacts_per_1000": "Needs calls and online requests in the same months, and list sizes.",
    "appointments_per_contact": "Needs appointments, calls and online requests in the same "
                                "months.",
    "online_share_of_contacts": "Needs calls and online requests in the same months.",
    "patients_per_gp_fte": "Needs NHS England's workforce practice-level CSV.",
    "oc_submissions_per_1000": "Needs NHS England's online consultation submissions workbook.",
    "appointments_per_clinical_fte": "Needs appointments and the workforce practice-level CSV.",
}


def why_missing(key: str) -> str:
    return WHY_MISSING.get(key, "No data for this selection and period.")


def missing_sources(found: list[Figure]) -> list[str]:
    """'Online requests: import …' for each source with no figure in the period."""
    words, said = [], set()
    for figure in found:
        source = SOURCE_OF.get(figure.key, figure.key)
        if figure.months or source not in WHAT_TO_IMPORT or source in said:
            continue
        said.add(source)  # one line per file to import (contacts: the online line says it)
        words.append(f"{figure.label}: import {WHAT_TO_IMPORT[source]}")
    return words


# --- England's spread -----------------------------------------------------------------------
def _spread(values: list[float], key: str) -> dict | None:
    if len(values) < MIN_ENGLAND_PRACTICES.get(key, MIN_PRACTICES):
        return None
    return {"median": percentile(values, 0.5), "p10": percentile(values, 0.1),
            "p90": percentile(values, 0.9), "practices": len(values)}


def _appointments_per_1000_sql() -> str:
    return ("SELECT g.month, g.ods_code, SUM(g.count), (SELECT patients FROM list_sizes l "
            "WHERE l.ods_code = g.ods_code AND l.extract_date <= g.month || '-31' "
            "ORDER BY l.extract_date DESC LIMIT 1) FROM gpad_appointments g "
            "WHERE g.month >= ? AND g.month <= ? GROUP BY g.month, g.ods_code")


# Each England key other than calls -> SQL giving (month, practice, numerator, denominator) for
# every practice in the database, and the scale; a national file gives every practice in England.
PRACTICE_PARTS = {
    "appointments_per_1000": (_appointments_per_1000_sql, 1000),
    # The publication's own rate: submissions over its Registered Patient Count.
    "oc_submissions_per_1000": (lambda: (
        "SELECT month, ods_code, submissions, patients FROM oc_practice_months "
        "WHERE month >= ? AND month <= ?"), 1000),
    # Patients per fully qualified permanent GP, from each practice's own snapshot.
    "patients_per_gp_fte": (lambda: (
        "SELECT month, ods_code, patients, gp_fte FROM workforce "
        "WHERE month >= ? AND month <= ?"), 1),
}


def _practice_parts(conn: sqlite3.Connection, key: str, start: str | None,
                    end: str | None) -> list[tuple]:
    sql_function, _ = PRACTICE_PARTS[key]
    return conn.execute(sql_function(), (start or "0000-00", end or "9999-99")).fetchall()


def england_series(conn: sqlite3.Connection, key: str, start: str | None,
                   end: str | None) -> list[dict]:
    """[{'month', 'median', 'p10', 'p90', 'practices'}] of England's practices, months with
    enough practices only ([] for a key NHS England does not publish per practice)."""
    if key == "calls_per_1000":
        return [item for item in national_series(conn, key, start, end) if item["practices"]]
    if key not in PRACTICE_PARTS:
        return []
    scale = PRACTICE_PARTS[key][1]
    by_month: dict[str, list[float]] = {}
    for month, _code, top, bottom in _practice_parts(conn, key, start, end):
        if top is not None and bottom:
            by_month.setdefault(month, []).append(top / bottom * scale)
    found = []
    for month, values in sorted(by_month.items()):
        spread = _spread(values, key)
        if spread:
            found.append({"month": month, **spread})
    return found


def england_band(conn: sqlite3.Connection, key: str, start: str | None,
                 end: str | None) -> dict | None:
    """England's spread over a period: each practice's parts summed over the months first."""
    if key == "calls_per_1000":
        return national_band(conn, key, start, end)
    if key not in PRACTICE_PARTS:
        return None
    scale = PRACTICE_PARTS[key][1]
    summed: dict[str, list[float]] = {}
    for _month, code, top, bottom in _practice_parts(conn, key, start, end):
        if top is not None and bottom:
            parts = summed.setdefault(code, [0.0, 0.0])
            parts[0] += top
            parts[1] += bottom
    return _spread([top / bottom * scale for top, bottom in summed.values()], key)
