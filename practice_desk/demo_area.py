"""The demo PCN's sub-ICB in GPAD's area files: a regional monthly file (its appointments by
month, the "your sub-ICB" line) and a national categories file (its appointments by category,
day and service setting) for the last months, in NHS England's layouts (gpad.md).

The area is the demo practices and about fourteen times as many others like them: the demo
practices' own cells scaled up, with the area a little more face-to-face, so its line differs.
Deterministic: the same files on every machine.
"""

from __future__ import annotations

import calendar
import csv
import io
import random
from collections import Counter
from collections.abc import Callable
from pathlib import Path

AREA_SCALE = 15
MODE_TILT = {"Face-to-Face": 1.08, "Telephone": 0.9}
# Regional files write two labels their own way (gpad.md).
REGIONAL_LABELS = {"Video Conference/Online": "Video/Online"}
REGIONAL_UNKNOWN_INTERVAL = "Unknown / Data Quality"
REGIONAL_HEADER = [
    "SUB_ICB_LOCATION_CODE", "SUB_ICB_LOCATION_ONS_CODE", "SUB_ICB_LOCATION_NAME", "ICB_ONS_CODE",
    "ICB_NAME", "REGION_ONS_CODE", "REGION_NAME", "APPOINTMENT_MONTH", "APPT_STATUS", "HCP_TYPE",
    "APPT_MODE", "TIME_BETWEEN_BOOK_AND_APPT", "COUNT_OF_APPOINTMENTS",
]
CATEGORY_HEADER = [
    "SUB_ICB_LOCATION_CODE", "SUB_ICB_LOCATION_ONS_CODE", "SUB_ICB_LOCATION_NAME", "ICB_ONS_CODE",
    "REGION_ONS_CODE", "Appointment_Date", "SERVICE_SETTING", "CONTEXT_TYPE",
    "NATIONAL_CATEGORY", "COUNT_OF_APPOINTMENTS",
]
SETTINGS = {"General Practice": 0.92, "Primary Care Network": 0.05,
            "Extended Access Provision": 0.03}
CATEGORY_MONTHS = 3  # the national categories file covers the demo's last months
DAY_WEIGHTS = [1.0, 1.0, 1.0, 1.0, 1.0, 0.05, 0.02]  # Monday .. Sunday

# (year, month, index) -> [(hcp, mode, category, interval, status, count)] over the practices.
Cells = Callable[[int, int, int], list[tuple[str, str, str, str, str, int]]]


def _write(path: Path, rows: list[list]) -> Path:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)  # NHS CSVs are CRLF
    path.write_bytes(buffer.getvalue().encode("utf-8"))
    return path


def _mon(year: int, month: int) -> str:
    return f"{calendar.month_abbr[month].upper()}{year}"  # OCT2025


def write_regional(folder: Path, months: list[tuple[int, int]], cells: Cells, area: dict,
                   seed: str) -> Path:
    rows: list[list] = [REGIONAL_HEADER]
    fixed = [area["code"], area["ons_code"], area["name"], area["icb_ons_code"],
             area["icb_name"], area["region_ons_code"], area["region_name"]]
    for index, (year, month) in enumerate(months):
        rng = random.Random(f"{seed}:area:{index}")
        summed: Counter = Counter()
        for hcp, mode, _category, interval, status, count in cells(year, month, index):
            summed[(status, hcp, mode, interval)] += count
        for (status, hcp, mode, interval), count in sorted(summed.items()):
            scaled = round(count * AREA_SCALE * MODE_TILT.get(mode, 1.0)
                           * (0.97 + 0.06 * rng.random()))
            if scaled:
                shown_interval = (REGIONAL_UNKNOWN_INTERVAL if interval.startswith("Unknown")
                                  else interval)
                rows.append([*fixed, _mon(year, month), status, hcp,
                             REGIONAL_LABELS.get(mode, mode), shown_interval, scaled])
    return _write(folder / f"Regional_CSV_{area['file_tag']}.csv", rows)


def _context(category: str) -> tuple[str, str]:
    """(service setting, context type) a category is published under."""
    if category in ("Unmapped", "Inconsistent Mapping"):
        return "Unmapped", category
    return "", "Care Related Encounter"


def write_categories(folder: Path, months: list[tuple[int, int]], cells: Cells, area: dict,
                     seed: str) -> Path:
    rows: list[list] = [CATEGORY_HEADER]
    fixed = [area["code"], area["ons_code"], area["name"], area["icb_ons_code"],
             area["region_ons_code"]]
    first = len(months) - CATEGORY_MONTHS
    for index, (year, month) in list(enumerate(months))[first:]:
        rng = random.Random(f"{seed}:categories:{index}")
        totals: Counter = Counter()
        for _hcp, _mode, category, _interval, _status, count in cells(year, month, index):
            totals[category] += count * AREA_SCALE
        days = range(1, calendar.monthrange(year, month)[1] + 1)
        weights = [DAY_WEIGHTS[calendar.weekday(year, month, day)] for day in days]
        for day, weight in zip(days, weights, strict=True):
            date = f"{day:02d}{calendar.month_abbr[month].upper()}{year}"
            for category, total in sorted(totals.items()):
                setting, context = _context(category)
                shares = {setting: 1.0} if setting else SETTINGS
                for name, share in shares.items():
                    count = round(total * weight / sum(weights) * share
                                  * (0.9 + 0.2 * rng.random()))
                    if count:
                        rows.append([*fixed, date, name, context, category, count])
    return _write(folder / f"National_Categories_CSV_{area['file_tag']}.csv", rows)
