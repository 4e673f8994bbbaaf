"""The built-in demo: a made-up PCN of five practices over 24 months.

The demo is written as real NHS files (a GPAD practice-level crosstab zip and "Patients Registered
at a GP Practice" CSVs) and loaded only through the real importers, so it exercises the same path
as a user's own downloads. Every number comes from random.Random with fixed seeds and plain
arithmetic (no math library calls, no clock, no hash seeds), so the files are byte-identical on
every run and a second load is recognised as a duplicate by its content hash.

Qt-free: this module must never import PySide6, pyqtgraph or ui.
"""

from __future__ import annotations

import csv
import io
import random
import sqlite3
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from local_db import queries
from practice_desk import demo_area, demo_calls, demo_feeds
from practice_desk.demo_calls import CallProfile, CbtRow, Tally
from practice_desk.importing import ImportReport, import_file, undo_import
from practice_desk.importing.runner import Cancel, ImportOptions, Progress
from practice_desk.nhs_app import demo_app

DEMO_PCN = "DEMPCN"
DEMO_PCN_NAME = "DEMO Riverside PCN"
DEMO_END_MONTH = "2025-10"
DEMO_MONTHS = 24
SEED = 20251031

SUB_ICB_CODE = "DEM0"  # starts like the demo practices' codes: removed and badged with them
SUB_ICB_NAME = "DEMO ICB - DEM0"
SUB_ICB_ONS_CODE = "E38DEMO00"  # shaped like an ONS code, clearly not a real one
ICB_CODE, ICB_NAME = "DMI", "DEMO ICB"
REGION_CODE, REGION_NAME = "DMR", "DEMO Region"

# Published column orders (shared/formats/gpad.md, nhs_app.md); written out here rather than taken
# from the importers so the demo checks them instead of echoing them.
CROSSTAB_HEADER = [
    "APPOINTMENT_MONTH_START_DATE", "GP_CODE", "GP_NAME", "SUPPLIER", "PCN_CODE", "PCN_NAME",
    "SUB_ICB_LOCATION_CODE", "SUB_ICB_LOCATION_NAME", "HCP_TYPE", "APPT_MODE",
    "NATIONAL_CATEGORY", "TIME_BETWEEN_BOOK_AND_APPT", "COUNT_OF_APPOINTMENTS", "APPT_STATUS",
]
MAPPING_HEADER = [
    "GP_CODE", "GP_NAME", "SUPPLIER", "PCN_CODE", "PCN_NAME", "SUB_ICB_LOCATION_CODE",
    "SUB_ICB_LOCATION_NAME", "ICB_CODE", "ICB_NAME", "REGION_CODE", "REGION_NAME",
]
POPULATION_HEADER = [
    "PUBLICATION", "EXTRACT_DATE", "TYPE", "SUB_ICB_LOCATION_CODE", "ONS_SUB_ICB_LOCATION_CODE",
    "CODE", "POSTCODE", "SEX", "AGE", "NUMBER_OF_PATIENTS",
]

MONTH_NAMES = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
ZIP_TIME = (2025, 11, 13, 9, 30, 0)  # fixed member timestamps keep the zip byte-identical


@dataclass(frozen=True)
class DemoPractice:
    code: str
    name: str
    supplier: str
    postcode: str
    patients: int        # registered list in the first demo month
    list_growth: float   # fraction of the list gained per year
    visits: float        # appointments per patient per year
    f2f: float           # face-to-face share of appointments
    video: float         # video/online share
    gp: float            # scales the GP share of each category
    long_waits: float    # scales bookings made more than two weeks ahead
    dna: float           # base DNA rate before mode and interval effects
    data_gaps: float     # how much is Unknown mode / Unmapped (recording quality)
    f2f_after: float | None = None  # face-to-face share after CHANGE_MONTH_INDEX


# DEM003 moved to a face-to-face-first triage model in November 2024 (month 12), ramping in over
# three months, so SPC charts of its face-to-face share show a real shift after the baseline year.
CHANGE_MONTH_INDEX = 12
CHANGE_RAMP_MONTHS = 3

PRACTICES = [
    DemoPractice("DEM001", "DEMO Riverside Surgery", "EMIS", "ZZ99 1DA", 9_800, 0.012, 5.2,
                 0.66, 0.020, 1.00, 1.00, 0.038, 0.012),
    DemoPractice("DEM002", "DEMO Millbrook Medical Centre", "TPP", "ZZ99 2DB", 15_400, 0.025, 4.7,
                 0.62, 0.030, 0.85, 1.30, 0.045, 0.008),
    DemoPractice("DEM003", "DEMO Castle Street Practice", "EMIS", "ZZ99 3DC", 7_200, 0.005, 5.6,
                 0.59, 0.040, 1.10, 0.80, 0.037, 0.020, f2f_after=0.72),
    DemoPractice("DEM004", "DEMO Orchard Health Centre", "TPP", "ZZ99 4DD", 4_300, -0.004, 5.9,
                 0.75, 0.010, 1.20, 0.75, 0.037, 0.006),
    DemoPractice("DEM005", "DEMO Willow Lane Surgery", "EMIS/EVERGREENLIFE", "ZZ99 5DE", 11_600,
                 0.018, 5.0, 0.69, 0.025, 0.95, 1.10, 0.041, 0.030),
]
DEMO_PRACTICES: list[str] = [p.code for p in PRACTICES]

# Activity by calendar month: winter peak, August and December dips (mean about 1).
SEASON = {1: 1.08, 2: 1.03, 3: 1.06, 4: 0.94, 5: 0.99, 6: 0.99, 7: 1.00, 8: 0.87,
          9: 1.03, 10: 1.10, 11: 1.07, 12: 0.86}
DEMAND_GROWTH = 0.02  # appointments per patient rise a little each year

HCP_TYPES = ["GP", "Other Practice staff", "Unknown"]
STATUSES = ["Attended", "DNA", "Unknown"]
INTERVALS = ["Same Day", "1 Day", "2 to 7 Days", "8  to 14 Days", "15  to 21 Days",
             "22  to 28 Days", "More than 28 Days", "Unknown / Data Issue"]
LONG_WAIT_INTERVALS = {4, 5, 6}  # positions in INTERVALS beyond two weeks

ROUTINE = "General Consultation Routine"
ACUTE = "General Consultation Acute"
CLINICS = "Planned Clinics"
PROCEDURE = "Planned Clinical Procedure"
TRIAGE = "Clinical Triage"
HOME_VISIT = "Home Visit"
UNPLANNED = "Unplanned Clinical Activity"
MED_REVIEW = "Structured Medication Review"
SOCIAL = "Social Prescribing Service"
CARE_OTHER = "Care Related Encounter but does not fit into any other category"
CARE_HOME_ROUND = "Patient contact during Care Home Round"
CARE_HOME_VISIT = "Care Home Visit"
CARE_HOME_PLAN = "Care Home Needs Assessment & Personalised Care and Support Planning"
EXTERNAL = "Service provided by organisation external to the practice"
CHARGEABLE = "Non-contractual chargeable work"
WALK_IN = "Walk-in"
GROUP = "Group Consultation and Group Education"
UNMAPPED = "Unmapped"
INCONSISTENT = "Inconsistent Mapping"
DATA_QUALITY_CATEGORIES = {UNMAPPED, INCONSISTENT}

# Category mix within each mode (relative weights).
CATEGORY_WEIGHTS: dict[str, dict[str, float]] = {
    "Face-to-Face": {
        ROUTINE: 22, ACUTE: 12, CLINICS: 25, PROCEDURE: 15, TRIAGE: 5, UNPLANNED: 2,
        MED_REVIEW: 1.5, SOCIAL: 1.5, CARE_OTHER: 2, EXTERNAL: 1, CHARGEABLE: 0.5, WALK_IN: 0.4,
        GROUP: 0.3, HOME_VISIT: 0.2, UNMAPPED: 1, INCONSISTENT: 3,
    },
    "Telephone": {
        TRIAGE: 35, ACUTE: 18, ROUTINE: 18, CLINICS: 8, MED_REVIEW: 4, SOCIAL: 3, CARE_OTHER: 3,
        UNPLANNED: 2, CARE_HOME_PLAN: 0.5, CHARGEABLE: 0.3, UNMAPPED: 1, INCONSISTENT: 3,
    },
    "Video Conference/Online": {
        TRIAGE: 45, ACUTE: 15, ROUTINE: 15, CLINICS: 5, MED_REVIEW: 5, GROUP: 4, INCONSISTENT: 10,
    },
    "Home Visit": {
        HOME_VISIT: 55, CARE_HOME_ROUND: 15, CARE_HOME_VISIT: 15, CARE_HOME_PLAN: 5, PROCEDURE: 5,
        UNPLANNED: 5,
    },
    "Unknown": {UNMAPPED: 80, INCONSISTENT: 20},
}

# Fraction of each category's appointments with a GP (the rest is other practice staff).
GP_FRACTION = {
    ROUTINE: 0.55, ACUTE: 0.65, CLINICS: 0.10, PROCEDURE: 0.08, TRIAGE: 0.50, HOME_VISIT: 0.80,
    UNPLANNED: 0.40, MED_REVIEW: 0.25, SOCIAL: 0.0, CARE_OTHER: 0.30, CARE_HOME_ROUND: 0.60,
    CARE_HOME_VISIT: 0.70, CARE_HOME_PLAN: 0.40, EXTERNAL: 0.05, CHARGEABLE: 0.60, WALK_IN: 0.30,
    GROUP: 0.10, UNMAPPED: 0.30, INCONSISTENT: 0.35,
}
UNKNOWN_HCP_WEIGHT = 0.004

# Booking-interval profiles (weights in INTERVALS order) by how urgent a category is.
URGENT_WAITS = [70, 10, 12, 4, 1.8, 0.9, 0.5, 0.5]
ROUTINE_WAITS = [30, 9, 30, 16, 7, 4, 3, 0.8]
PLANNED_WAITS = [18, 7, 26, 21, 11, 7, 9, 1.0]
URGENT = {ACUTE, TRIAGE, UNPLANNED, WALK_IN, HOME_VISIT, CARE_HOME_VISIT}
PLANNED = {CLINICS, PROCEDURE, GROUP, CARE_HOME_ROUND}

# DNA rates relative to the practice's base: patients miss fewer calls than visits, and miss
# appointments booked far ahead more often than same-day ones.
MODE_DNA = {"Face-to-Face": 1.25, "Telephone": 0.5, "Video Conference/Online": 0.7,
            "Home Visit": 0.2, "Unknown": 0.8}
INTERVAL_DNA = [0.45, 0.8, 1.1, 1.4, 1.7, 1.9, 2.0, 1.0]
UNKNOWN_STATUS = 0.012


class DemoLoadError(RuntimeError):
    """A demo file failed to import; the report says which and why."""

    def __init__(self, report: ImportReport):
        self.report = report
        super().__init__(f"The demo data could not be loaded: {report.message}")


# --- months and list sizes ----------------------------------------------------------------------
def demo_months() -> list[tuple[int, int]]:
    """(year, month) of every demo month, oldest first, ending DEMO_END_MONTH."""
    end_year, end_month = (int(part) for part in DEMO_END_MONTH.split("-"))
    last = end_year * 12 + end_month - 1  # months counted from year 0
    return [(s // 12, s % 12 + 1) for s in range(last - DEMO_MONTHS + 1, last + 1)]


def list_size(practice: DemoPractice, index: int) -> int:
    """Registered patients in demo month `index` (0 = first month)."""
    return round(practice.patients * (1 + practice.list_growth * index / 12))


# --- random helpers (arithmetic only, so the numbers are the same on every platform) -------------
def _jitter(rng: random.Random, spread: float) -> float:
    return 1 + spread * (2 * rng.random() - 1)


def _share_out(total: int, weights: list[float], rng: random.Random,
               spread: float = 0.0) -> list[int]:
    """Split `total` roughly in proportion to `weights`, rounding at random without bias.

    Small cells come out as 0 or 1 at their true rate, so rare combinations appear now and then,
    as they do in the published data. The parts need not add up exactly to `total`.
    """
    noisy = [w * _jitter(rng, spread) if spread else w for w in weights]
    scale = total / sum(noisy)
    counts = []
    for weight in noisy:
        exact = weight * scale
        whole = int(exact)
        counts.append(whole + (rng.random() < exact - whole))
    return counts


# --- appointments -------------------------------------------------------------------------------
# A practice's fixed habits: its own tilt on the category mix of each mode, kept for all months.
Profile = dict[str, dict[str, float]]


def practice_profile(practice: DemoPractice) -> Profile:
    rng = random.Random(f"{SEED}:{practice.code}:profile")
    tilted: Profile = {}
    for mode, weights in CATEGORY_WEIGHTS.items():
        tilted[mode] = {}
        for category, weight in weights.items():
            weight *= 0.6 + 0.8 * rng.random()
            if category in DATA_QUALITY_CATEGORIES:
                weight *= practice.data_gaps / 0.015  # poorer recording, more unmapped
            tilted[mode][category] = weight
    return tilted


def mode_shares(practice: DemoPractice, index: int, rng: random.Random) -> dict[str, float]:
    f2f = practice.f2f
    if practice.f2f_after is not None and index >= CHANGE_MONTH_INDEX:
        ramp = min(1.0, (index - CHANGE_MONTH_INDEX + 1) / CHANGE_RAMP_MONTHS)
        f2f += (practice.f2f_after - practice.f2f) * ramp
    f2f += 0.012 * (2 * rng.random() - 1)
    video = practice.video * _jitter(rng, 0.2)
    home = 0.007 * _jitter(rng, 0.3)
    unknown = practice.data_gaps * 0.6 * _jitter(rng, 0.3)
    return {"Face-to-Face": f2f, "Telephone": 1 - f2f - video - home - unknown,
            "Video Conference/Online": video, "Home Visit": home, "Unknown": unknown}


def month_total(practice: DemoPractice, index: int, month: int, rng: random.Random) -> int:
    per_patient = practice.visits * (1 + DEMAND_GROWTH * index / 12) / 12
    return round(list_size(practice, index) * per_patient * SEASON[month] * _jitter(rng, 0.03))


def interval_weights(practice: DemoPractice, category: str, month: int) -> list[float]:
    profile = URGENT_WAITS if category in URGENT else PLANNED_WAITS if category in PLANNED \
        else ROUTINE_WAITS
    # Busier months push bookings further out.
    stretch = practice.long_waits * (1 + 2 * (SEASON[month] - 1))
    return [w * stretch if i in LONG_WAIT_INTERVALS else w for i, w in enumerate(profile)]


def hcp_weights(practice: DemoPractice, mode: str, category: str) -> list[float]:
    if mode == "Unknown":
        return [0.05, 0.15, 0.80]  # unrecorded mode usually means an unrecorded clinician too
    gp = min(0.95, GP_FRACTION[category] * practice.gp)
    return [gp, 1 - gp, UNKNOWN_HCP_WEIGHT]


def status_weights(practice: DemoPractice, mode: str, interval_index: int) -> list[float]:
    dna = practice.dna * MODE_DNA[mode] * INTERVAL_DNA[interval_index]
    unknown = UNKNOWN_STATUS * (8 if mode == "Unknown" else 1)
    return [1 - dna - unknown, dna, unknown]


def appointment_cells(practice: DemoPractice, profile: Profile, index: int,
                      month: int) -> Iterator[tuple[str, str, str, str, str, int]]:
    """(hcp type, mode, category, interval, status, count) for one practice-month, counts >= 1."""
    rng = random.Random(f"{SEED}:{practice.code}:{index}")
    total = month_total(practice, index, month, rng)
    shares = mode_shares(practice, index, rng)
    modes = list(shares)
    for mode, n_mode in zip(modes, _share_out(total, list(shares.values()), rng), strict=True):
        categories = profile[mode]
        cat_counts = _share_out(n_mode, list(categories.values()), rng, spread=0.15)
        for category, n_cat in zip(categories, cat_counts, strict=True):
            if not n_cat:
                continue
            hcp_counts = _share_out(n_cat, hcp_weights(practice, mode, category), rng, 0.1)
            for hcp, n_hcp in zip(HCP_TYPES, hcp_counts, strict=True):
                if not n_hcp:
                    continue
                waits = _share_out(n_hcp, interval_weights(practice, category, month), rng, 0.1)
                for i, n_wait in enumerate(waits):
                    if not n_wait:
                        continue
                    statuses = _share_out(n_wait, status_weights(practice, mode, i), rng)
                    for status, count in zip(STATUSES, statuses, strict=True):
                        if count:
                            yield hcp, mode, category, INTERVALS[i], status, count


# --- writing the files --------------------------------------------------------------------------
def _csv_bytes(rows: list[list], line_end: str) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator=line_end).writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _month_date(year: int, month: int) -> str:
    return f"01{MONTH_NAMES[month - 1]}{year}"  # 01OCT2025


def _month_tag(year: int, month: int) -> str:
    return f"{MONTH_NAMES[month - 1].title()}_{year % 100:02d}"  # Oct_25


def crosstab_rows(year: int, month: int, index: int,
                  profiles: dict[str, Profile]) -> list[list]:
    rows: list[list] = [CROSSTAB_HEADER]
    date = _month_date(year, month)
    for practice in PRACTICES:
        fixed = [date, practice.code, practice.name, practice.supplier, DEMO_PCN, DEMO_PCN_NAME,
                 SUB_ICB_CODE, SUB_ICB_NAME]
        for hcp, mode, category, interval, status, count in appointment_cells(
                practice, profiles[practice.code], index, month):
            rows.append([*fixed, hcp, mode, category, interval, count, status])
    return rows


def mapping_rows() -> list[list]:
    return [MAPPING_HEADER] + [
        [p.code, p.name, p.supplier, DEMO_PCN, DEMO_PCN_NAME, SUB_ICB_CODE, SUB_ICB_NAME,
         ICB_CODE, ICB_NAME, REGION_CODE, REGION_NAME]
        for p in PRACTICES
    ]


def _add_member(archive: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = 0  # as if made on Windows, like the published zips, on every platform
    archive.writestr(info, data)


def write_crosstab_zip(folder: Path) -> Path:
    """The GPAD practice-level crosstab zip: Mapping.csv plus one CSV per month."""
    months = demo_months()
    last_year, last_month = months[-1]
    path = folder / f"DEMO_Practice_Level_Crosstab_{_month_tag(last_year, last_month)}.zip"
    profiles = {p.code: practice_profile(p) for p in PRACTICES}
    with zipfile.ZipFile(path, "w") as archive:
        _add_member(archive, "Mapping.csv", _csv_bytes(mapping_rows(), "\r\n"))
        for index, (year, month) in enumerate(months):
            rows = crosstab_rows(year, month, index, profiles)
            _add_member(archive, f"Practice_Level_Crosstab_{_month_tag(year, month)}.csv",
                        _csv_bytes(rows, "\r\n"))
    return path


def write_list_size_file(folder: Path, index: int) -> Path:
    """One 'Patients Registered at a GP Practice' extract (practice totals), dated month `index`."""
    year, month = demo_months()[index]
    extract = f"{year}-{month:02d}-01"
    rows: list[list] = [POPULATION_HEADER] + [
        ["GP_PRAC_PAT_LIST", extract, "GP", SUB_ICB_CODE, SUB_ICB_ONS_CODE, p.code, p.postcode,
         "ALL", "ALL", list_size(p, index)]
        for p in PRACTICES
    ] + [
        ["GP_PRAC_PAT_LIST", extract, "GP", OTHER_SUB_ICB_CODE, OTHER_SUB_ICB_ONS_CODE, code,
         f"ZZ98 {i + 1}DN", "ALL", "ALL", national_list_size(patients, index)]
        for i, (code, _, patients) in enumerate(NATIONAL_PRACTICES)
    ]
    tag = _month_tag(year, month).replace("_", "")
    path = folder / f"DEMO_PracPop{tag}_gp-reg-pat-prac-all.csv"  # as PracPopFeb26_gp-reg-...
    path.write_bytes(_csv_bytes(rows, "\n"))  # the published list-size file has LF line ends
    return path


LIST_SIZE_EXTRACTS = [0, 6, 12, 18]  # twice-yearly extracts: enough for every month's denominator


# --- telephony ----------------------------------------------------------------------------------
# Call logs for four practices over the last seven demo months, each in a supplier's format; DEM005
# has only the CBT publication. 3CX and Asterisk logs have no call-back outcome, so those practices
# do not offer call-backs (as about 600 real practices do not).
CALLS_START, CALLS_END = date(2025, 4, 1), date(2025, 10, 31)
CALL_LOGS: dict[str, tuple[str, CallProfile]] = {
    "DEM001": ("3cx", CallProfile(calls_per_patient_month=0.29, capacity=1.05, callbacks=False)),
    "DEM002": ("3cx", CallProfile(calls_per_patient_month=0.27, capacity=0.82, callbacks=False,
                                  ivr_menu_share=0.16)),
    "DEM003": ("asterisk", CallProfile(calls_per_patient_month=0.33, capacity=0.95,
                                       callbacks=False, voicemail_share=0.15)),
    "DEM004": ("xon", CallProfile(calls_per_patient_month=0.31, capacity=1.2,
                                  ivr_menu_share=0.10, callback_share=0.05)),
}
CALL_LOG_SUFFIX = {"3cx": "3CX_CDR.csv", "asterisk": "Asterisk.zip", "xon": "X-on_export.csv"}
CBT_FILE = "DEMO Cloud Based Telephony Publication Summary.xlsx"

# More made-up practices, only in the CBT workbook, so that the national median and 10th-90th
# percentile band have a spread: (code, name, patients).
OTHER_PCNS = [("DEMPC2", "DEMO Hillside PCN"), ("DEMPC3", "DEMO Valley PCN")]
OTHER_SUB_ICB_CODE, OTHER_SUB_ICB_NAME = "DM1", "DEMO ICB - DM1"
NATIONAL_PRACTICES = [
    (f"DEM{101 + i}", f"DEMO {name}", patients) for i, (name, patients) in enumerate([
        ("Abbey Road Surgery", 6_100), ("Beacon Medical Practice", 12_800),
        ("Brookside Health Centre", 8_400), ("Cedar House Surgery", 3_900),
        ("Chapel Street Practice", 10_200), ("Dale View Medical Centre", 14_700),
        ("Elm Grove Surgery", 5_300), ("Fairfield Practice", 9_100),
        ("Glebe Medical Centre", 7_600), ("Harbour Surgery", 11_400),
        ("Heath Lane Practice", 4_800), ("Kingsway Health Centre", 16_900),
        ("Lakeside Surgery", 6_700), ("Meadow Bank Practice", 8_900),
        ("Mill House Surgery", 5_800), ("Northgate Medical Centre", 13_300),
        ("Park View Surgery", 7_200), ("Quayside Practice", 9_800),
        ("Station Road Surgery", 4_400), ("Westfield Health Centre", 12_100),
    ])
]
OTHER_SUB_ICB_ONS_CODE = "E38DEMO01"
CBT_OUTCOMES = ("answered", "ivr_ended", "callback_requested", "missed")


def national_list_size(patients: int, index: int) -> int:
    """The list of a practice that is only there for England's spread, growing 1% a year."""
    return round(patients * (1 + 0.01 * index / 12))


def _month_index(day: date) -> int:
    return demo_months().index((day.year, day.month))


def call_log_path(folder: Path, code: str, fmt: str) -> Path:
    span = f"{CALLS_START:%Y-%m}_{CALLS_END:%Y-%m}"
    return folder / f"DEMO_{code}_calls_{span}_{CALL_LOG_SUFFIX[fmt]}"


def demo_call_stream(code: str) -> Iterator[demo_calls.SyntheticCall]:
    """The calls of a call-log practice (same every time)."""
    practice = next(p for p in PRACTICES if p.code == code)
    _, profile = CALL_LOGS[code]
    return demo_calls.generate_calls(
        code, CALLS_START, CALLS_END, SEED, lambda day: list_size(practice, _month_index(day)),
        profile)


def write_call_logs(folder: Path) -> tuple[list[Path], dict[str, Tally]]:
    """One call log per call-log practice, and the tally of each (counted while writing)."""
    files, tallies = [], {}
    for code, (fmt, _) in CALL_LOGS.items():
        tally = tallies[code] = Tally(fmt)
        files.append(demo_calls.write_call_log(fmt, tally.counting(demo_call_stream(code)),
                                               call_log_path(folder, code, fmt)))
    return files, tallies


@dataclass(frozen=True)
class _Habits:
    """A practice's telephony character for the months without a call log."""

    rate: float             # inbound calls per patient per month
    outcomes: list[float]   # answered, ivr_ended, callback_requested, missed
    made: float             # call-backs made / requested
    answered_wait: list[float]
    duration: list[float]
    missed_wait: list[float]


def _shares(counts: list[int]) -> list[float]:
    total = sum(counts)
    return [c / total for c in counts] if total else [0.25] * len(counts)


def _habits_from_tally(tally: Tally, patients: int) -> _Habits:
    total = {k: sum(m[k] for m in tally.months.values()) for k in demo_calls.COUNT_COLUMNS}
    bands = demo_calls.BANDS
    return _Habits(
        total["inbound"] / patients / len(tally.months),
        _shares([total[o] for o in CBT_OUTCOMES]),
        total["callback_made"] / total["callback_requested"] if total["callback_requested"]
        else 0.0,
        _shares([total[f"answered_wait_{b}"] for b in bands]),
        _shares([total[f"answered_duration_{b}"] for b in bands]),
        _shares([total[f"missed_wait_{b}"] for b in bands]))


def _random_habits(rng: random.Random) -> _Habits:
    missed = 0.04 + 0.18 * rng.random()
    ivr = 0.08 + 0.22 * rng.random()
    callback = 0.0 if rng.random() < 0.3 else 0.01 + 0.07 * rng.random()
    pressure = rng.random()  # busier practices wait longer
    return _Habits(
        0.22 + 0.16 * rng.random(), [1 - missed - ivr - callback, ivr, callback, missed],
        0.9 + 0.1 * rng.random(),
        [0.7 - 0.4 * pressure, 0.14, 0.1 + 0.12 * pressure, 0.06 + 0.22 * pressure],
        [0.2 + 0.08 * rng.random(), 0.36, 0.33, 0.06 + 0.04 * rng.random()],
        [0.6 - 0.2 * pressure, 0.16, 0.12 + 0.05 * pressure, 0.12 + 0.1 * pressure])


def _split(total: int, weights: list[float], rng: random.Random) -> list[int]:
    """`total` shared out in proportion to jittered weights, summing exactly to `total`."""
    parts = _share_out(total, weights, rng, spread=0.1)
    parts[0] += total - sum(parts)
    if parts[0] < 0:
        parts = [0] * len(parts)
        parts[0] = total
    return parts


def _plausible_month(habits: _Habits, patients: int, month: int,
                     rng: random.Random) -> dict[str, int]:
    inbound = round(patients * habits.rate * demo_calls.SEASON[month] * _jitter(rng, 0.05))
    answered, ivr, callback, missed = _split(inbound, habits.outcomes, rng)
    counts = {"inbound": inbound, "answered": answered, "ivr_ended": ivr,
              "callback_requested": callback, "missed": missed,
              "callback_made": round(callback * habits.made)}
    for prefix, total, weights in (("answered_wait", answered, habits.answered_wait),
                                   ("answered_duration", answered, habits.duration),
                                   ("missed_wait", missed, habits.missed_wait)):
        for b, n in zip(demo_calls.BANDS, _split(total, weights, rng), strict=True):
            counts[f"{prefix}_{b}"] = n
    return counts


def cbt_rows(tallies: dict[str, Tally]) -> list[CbtRow]:
    """Every demo practice-month of the CBT workbook: the call-log tally where there is one, else
    plausible figures in the practice's character; plus the other made-up practices."""
    rows = []
    months = demo_months()
    for practice in PRACTICES:
        rng = random.Random(f"{SEED}:{practice.code}:cbt")
        tally = tallies.get(practice.code)
        habits = _habits_from_tally(tally, list_size(practice, _month_index(CALLS_END))) \
            if tally else _random_habits(rng)
        for index, (year, month) in enumerate(months):
            key = f"{year:04d}-{month:02d}"
            counts = tally.months[key] if tally and key in tally.months else \
                _plausible_month(habits, list_size(practice, index), month, rng)
            rows.append(CbtRow(date(year, month, 1), practice.code, practice.name,
                               DEMO_PCN, DEMO_PCN_NAME, SUB_ICB_CODE, SUB_ICB_NAME,
                               ICB_CODE, ICB_NAME, REGION_CODE, REGION_NAME, counts))
    for i, (code, name, patients) in enumerate(NATIONAL_PRACTICES):
        rng = random.Random(f"{SEED}:{code}:cbt")
        habits = _random_habits(rng)
        pcn_code, pcn_name = OTHER_PCNS[i * len(OTHER_PCNS) // len(NATIONAL_PRACTICES)]
        for index, (year, month) in enumerate(months):
            counts = _plausible_month(habits, national_list_size(patients, index), month, rng)
            rows.append(CbtRow(date(year, month, 1), code, name, pcn_code,
                               pcn_name, OTHER_SUB_ICB_CODE, OTHER_SUB_ICB_NAME,
                               ICB_CODE, ICB_NAME, REGION_CODE, REGION_NAME, counts))
    return rows


def write_area_files(folder: Path) -> list[Path]:
    """The demo sub-ICB's GPAD regional monthly and national categories files (demo_area)."""
    profiles = {p.code: practice_profile(p) for p in PRACTICES}

    def cells(_year: int, month: int, index: int) -> list[tuple]:
        return [cell for p in PRACTICES
                for cell in appointment_cells(p, profiles[p.code], index, month)]

    area = {"code": SUB_ICB_CODE, "ons_code": SUB_ICB_ONS_CODE, "name": SUB_ICB_NAME,
            "icb_ons_code": "E54DEMO00", "icb_name": ICB_NAME, "region_ons_code": "E40DEMO00",
            "region_name": REGION_NAME, "file_tag": "DEMO"}
    return [demo_area.write_regional(folder, demo_months(), cells, area, str(SEED)),
            demo_area.write_categories(folder, demo_months(), cells, area, str(SEED))]


def write_demo_files(folder: Path) -> list[Path]:
    """Write the demo files into `folder`; returns them in the order to import them."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    files = [write_crosstab_zip(folder)]
    files += write_area_files(folder)
    files += [write_list_size_file(folder, index) for index in LIST_SIZE_EXTRACTS]
    call_logs, tallies = write_call_logs(folder)
    files += call_logs
    files.append(demo_calls.write_cbt_workbook(cbt_rows(tallies), folder / CBT_FILE))
    # NHS App dashboard export (internal names)
    files.append(demo_app.write_app_export(folder, PRACTICES, demo_months(), list_size))
    # Online consultation workbooks and GP workforce CSVs of the demo PCN.
    area = (DEMO_PCN, DEMO_PCN_NAME, SUB_ICB_CODE, SUB_ICB_NAME)
    files += demo_feeds.write_oc_workbooks(folder, PRACTICES, demo_months(), list_size, area, SEED)
    files += demo_feeds.write_workforce_files(folder, PRACTICES, demo_months(), list_size, area,
                                              SEED)
    return files


def import_options(path: Path) -> ImportOptions | None:
    """What a demo file's import needs to be told: the practice of a call log."""
    for code, (fmt, _) in CALL_LOGS.items():
        if path.name == call_log_path(path.parent, code, fmt).name:
            return ImportOptions(practice=code)
    return None


def add_demo_diversions(conn: sqlite3.Connection) -> None:
    """The diversion log a manager would keep for the 111 diversion periods in the call logs (the
    log has no file format: it is entered in the app, so the demo enters it the same way)."""
    from practice_desk.telephony.core_hours import add_diversion, list_diversions

    for code, (_, profile) in CALL_LOGS.items():
        known = {d.started_at for d in list_diversions(conn, [code])}
        periods = demo_calls.diversion_periods(code, CALLS_START, CALLS_END, SEED, profile)
        for k, (start, end, reason) in enumerate(periods):
            if f"{start:%Y-%m-%d %H:%M}" not in known:
                add_diversion(conn, code, start, end, f"DEMO: {reason}", icb_informed=k % 2 == 0)


# --- loading ------------------------------------------------------------------------------------
WRITE_SHARE = 0.15  # of the overall progress bar, for writing the files


def load_demo(conn: sqlite3.Connection, progress: Progress | None = None,
              cancel: Cancel | None = None) -> list[ImportReport]:
    """Write the demo files to a temporary folder and import each through the real importers.

    Returns one report per file imported ('done', or 'duplicate' when the demo is already loaded).
    When cancelled, stops and returns the reports so far, the last one 'cancelled'; files imported
    before it stay imported. Raises DemoLoadError if a file fails to import.
    """
    report = progress or (lambda fraction, message: None)
    report(0.0, "Writing the demo files")
    reports: list[ImportReport] = []
    with tempfile.TemporaryDirectory(prefix="practice-desk-demo-") as tmp:
        files = write_demo_files(Path(tmp))
        sizes = [f.stat().st_size for f in files]
        total, done = sum(sizes), 0
        for path, size in zip(files, sizes, strict=True):
            if cancel and cancel():
                reports.append(ImportReport(path=path.name, status="cancelled",
                                            message="Loading the demo data was cancelled."))
                return reports

            def scaled(fraction: float, message: str, start: int = done, size: int = size) -> None:
                overall = (start + fraction * size) / total
                report(WRITE_SHARE + (1 - WRITE_SHARE) * overall, message)

            result = import_file(conn, path, scaled, cancel, import_options(path))
            reports.append(result)
            if result.status == "failed":
                raise DemoLoadError(result)
            if result.status == "cancelled":
                return reports
            done += size
    add_demo_diversions(conn)
    report(1.0, "Demo data loaded")
    return reports


def demo_import_ids(conn: sqlite3.Connection) -> list[int]:
    """Imports still supplying demo practices' figures, list sizes or calls."""
    sql = """
        SELECT import_id FROM coverage WHERE unit LIKE ? || '%'
        UNION SELECT import_id FROM list_sizes WHERE ods_code LIKE ? || '%'
        UNION SELECT DISTINCT c.import_id FROM calls c JOIN call_labels p ON p.id = c.practice
            WHERE p.kind = 'practice' AND p.text LIKE ? || '%'
    """
    ids = [row[0] for row in conn.execute(sql, (queries.DEMO_PREFIX,) * 3)]
    done = conn.execute(
        f"SELECT id FROM imports WHERE status = 'done' AND id IN ({','.join('?' * len(ids))})", ids)
    return sorted(row[0] for row in done)


def remove_demo(conn: sqlite3.Connection) -> str:
    """Undo every demo import, forget the demo practices, their diversion log and chart notes;
    real data is untouched."""
    removed = [undo_import(conn, import_id) for import_id in demo_import_ids(conn)]
    conn.execute("DELETE FROM diversions WHERE ods_code LIKE ? || '%'", (queries.DEMO_PREFIX,))
    conn.execute("DELETE FROM notes WHERE scope_code LIKE ? || '%'", (queries.DEMO_PREFIX,))
    conn.execute("DELETE FROM practices WHERE ods_code LIKE ? || '%'", (queries.DEMO_PREFIX,))
    return f"Removed the demo data ({len(removed)} imports)."
