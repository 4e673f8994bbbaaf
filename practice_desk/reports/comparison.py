"""Practices side by side for one metric: the PCN page and the chart pack (Qt-free).

A practice's figure is `metrics.period_summary` of that practice over the chosen months (one month,
or the whole range: numerators and denominators summed first, then divided). A per-1,000 figure the
summary does not give over a range (calls, NHS App) is worked out the same way: the count summed
over the months divided by the list sizes summed over the same months, times 1,000 - the monthly
average per 1,000 patients.

England's spread (p10, median, p90) comes from NHS England's CBT publication for the keys it
covers (`national.NATIONAL_KEYS`), and from the national GPAD, online consultation and workforce
files for appointments and online requests per 1,000 and patients per GP (`demand`); over a
range each practice's counts are summed over the months it has a value for, then divided, like
the practices compared.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field

from local_db import queries
from practice_desk.metrics import Selection, demand, metric_rows, period_summary
from practice_desk.metrics.appointments import list_size_total
from practice_desk.metrics.keys import APP_BASE_KEYS, METRIC_KEYS
from practice_desk.metrics.national import NATIONAL_KEYS, national_band
from practice_desk.reports.anonymise import Anonymiser

# A count whose size follows the list size -> the same count per 1,000 patients.
PER_1000 = {"appointments_total": "appointments_per_1000", "inbound_calls": "calls_per_1000",
            **{key: f"{key}_per_1000" for key in APP_BASE_KEYS}}
_COUNT_OF = {per: count for count, per in PER_1000.items()}

# Offered first, in this order; every other metric key follows.
HEADLINE = [
    "f2f_share", "within_14_days_share", "dna_rate", "appointments_per_1000", "same_day_share",
    "gp_share", "missed_share", "answered_share", "answered_wait_lt1m_share",
    "callback_requested_share", "calls_per_1000", "calls_111_core", "app_logins_per_1000",
    "oc_submissions_per_1000", "contacts_per_1000", "appointments_per_contact",
    "online_share_of_contacts", "patients_per_gp_fte", "appointments_per_clinical_fte",
]
COMPARE_KEYS = [*HEADLINE, *(key for key in METRIC_KEYS if key not in HEADLINE)]


@dataclass(frozen=True)
class Bar:
    code: str
    label: str          # the name shown: real 'NAME (CODE)' or 'Practice A'
    value: float | None


@dataclass
class Comparison:
    key: str
    start: str | None
    end: str | None
    bars: list[Bar] = field(default_factory=list)
    total: float | None = None       # the PCN (all the practices compared), summed then divided
    total_label: str = ""
    band: dict | None = None         # England: {"p10", "median", "p90", "practices"} or None

    @property
    def values(self) -> dict[str, float | None]:
        return {bar.code: bar.value for bar in self.bars}

    def ranked(self, higher_first: bool = True) -> list[Bar]:
        """Practices with a value, best-to-worst by value (ties by label); then those without."""
        shown = sorted((b for b in self.bars if b.value is not None),
                       key=lambda b: (-b.value if higher_first else b.value, b.label))
        return shown + [b for b in self.bars if b.value is None]


def pcn_for(conn: sqlite3.Connection, selection: Selection) -> str | None:
    """The selected PCN, or the selected practice's PCN (None when it has none)."""
    if selection.pcn:
        return selection.pcn
    practice = queries.get_practice(conn, selection.practice) or {}
    return practice.get("pcn_code") or None


def practice_value(conn: sqlite3.Connection, code: str, key: str, start: str | None,
                   end: str | None) -> float | None:
    selection = Selection(practice=code, start=start, end=end)
    summary = period_summary(conn, selection) or {}
    value = summary.get(key)
    if value is None and key in _COUNT_OF and summary:
        value = _per_1000_over_range(conn, selection, _COUNT_OF[key])
    return value


def _per_1000_over_range(conn: sqlite3.Connection, selection: Selection,
                         count_key: str) -> float | None:
    total = patients = 0
    for row in metric_rows(conn, selection):
        size = list_size_total(conn, selection.practices(conn), row["month"])
        if row[count_key] is not None and size:
            total += row[count_key]
            patients += size[0]
    return total / patients * 1000 if patients else None


def compare(conn: sqlite3.Connection, codes: list[str], key: str, start: str | None,
            end: str | None, anonymiser: Anonymiser | None = None,
            pcn: str | None = None) -> Comparison:
    """Each practice's figure for `key` over [start, end], the PCN's total and England's band."""
    names = {p["ods_code"]: p["name"] for p in queries.list_practices(conn)}
    anonymiser = anonymiser or Anonymiser(codes, enabled=False)
    result = Comparison(key, start, end)
    for code in codes:
        result.bars.append(Bar(code, anonymiser.label(code, names.get(code)),
                               practice_value(conn, code, key, start, end)))
    if pcn:
        summary = period_summary(conn, Selection(pcn=pcn, start=start, end=end)) or {}
        result.total = summary.get(key)
        pcn_row = next((p for p in queries.list_pcns(conn) if p["pcn_code"] == pcn), {})
        result.total_label = f"{pcn_row.get('pcn_name') or pcn} (all practices)"
    if key in NATIONAL_KEYS:
        result.band = national_band(conn, key, start, end)
    elif key in demand.ENGLAND_KEYS:  # online requests, appointments per 1,000, patients per GP
        result.band = demand.england_band(conn, key, start, end)
    return result
