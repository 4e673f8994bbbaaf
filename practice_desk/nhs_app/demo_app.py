"""DEMO NHS App figures for the demo practices, written as an NHS App dashboard export with its
internal field names (nhs_app.md) and imported through the real importer.

Qt-free. The figures are invented: App registrations climb from about 45 % to about 62 % of the
patients aged 13+ over the two years, logins and repeat prescriptions grow faster than
registrations (as the published national series did), with winter peaks and an August dip.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Callable
from pathlib import Path

APP_FILE = "DEMO_NHS_App_dashboard_export.csv"
# The dashboard workbook's internal field names, written out here rather than taken from the
# importer so the demo checks them instead of echoing them.
HEADER = [
    "Practice_Code", "Practice_Name", "Report_Date", "NHSApp_RegistrationsCount",
    "RunningTotal_NHSApp_RegistrationsCount", "Usage_LoginSessions_Login_Sessions",
    "Usage_Appointments_Appointments_booked", "Usage_CancelledAppointments_Cancellation_Count",
    "Usage_Prescriptions_Prescriptions_Ordered", "Usage_MedicalRecords_Medical_record_views",
    "GP_Registered_Patients",
]
AGED_13_PLUS = 0.85  # share of a list aged 13 and over
SEASON = {1: 1.08, 2: 1.0, 3: 1.05, 4: 0.96, 5: 1.0, 6: 0.98, 7: 0.97, 8: 0.88, 9: 1.0,
          10: 1.06, 11: 1.05, 12: 0.9}
# Per practice: (App uptake at the start, uptake at the end, logins per registered user a month,
# prescriptions per registered user a month, appointments booked in the App per 1,000 patients)
HABITS = {
    "DEM001": (0.46, 0.63, 1.9, 0.42, 9.0),
    "DEM002": (0.41, 0.60, 1.7, 0.38, 4.0),
    "DEM003": (0.50, 0.66, 2.1, 0.45, 12.0),
    "DEM004": (0.38, 0.52, 1.5, 0.36, 2.5),
    "DEM005": (0.44, 0.61, 1.8, 0.40, 7.0),
}


def rows(practices, months: list[tuple[int, int]], list_size: Callable,
         seed: int = 20251031) -> list[list[str]]:
    """The demo practices' rows; `list_size(practice, month index)` is the demo's list size."""
    rng = random.Random(seed + 7)
    table: list[list[str]] = []
    for practice in practices:
        start, end, logins_each, presc_each, booked_rate = HABITS[practice.code]
        before = None
        for index, (year, month) in enumerate(months):
            patients = round(list_size(practice, index) * AGED_13_PLUS)
            uptake = start + (end - start) * index / max(len(months) - 1, 1)
            total = round(patients * uptake)
            if before is None:
                before = round(total * 0.985)
            new = max(total - before, 0)
            before = total
            growth = 1 + 0.30 * index / 12  # use per user grows about 30 % a year
            season = SEASON[month]
            logins = round(total * logins_each * growth * season * (0.96 + 0.08 * rng.random()))
            presc = round(total * presc_each * (1 + 0.12 * index / 12) * season
                          * (0.97 + 0.06 * rng.random()))
            views = round(logins * (0.36 + 0.06 * rng.random()))
            booked = round(patients / 1000 * booked_rate * season * (0.9 + 0.2 * rng.random()))
            cancelled = round(booked * (0.12 + 0.06 * rng.random()))
            key = f"{year:04d}-{month:02d}"
            cells = {
                "Practice_Code": practice.code, "Practice_Name": practice.name,
                "Report_Date": f"{key}-01", "NHSApp_RegistrationsCount": new,
                "RunningTotal_NHSApp_RegistrationsCount": total,
                "Usage_LoginSessions_Login_Sessions": logins,
                "Usage_Appointments_Appointments_booked": booked,
                "Usage_CancelledAppointments_Cancellation_Count": cancelled,
                "Usage_Prescriptions_Prescriptions_Ordered": presc,
                "Usage_MedicalRecords_Medical_record_views": views,
                "GP_Registered_Patients": patients,
            }
            table.append([str(cells[name]) for name in HEADER])
    return table


def write_app_export(folder: Path, practices, months: list[tuple[int, int]],
                     list_size: Callable) -> Path:
    """The demo export, as the dashboard writes it (UTF-8, CRLF)."""
    path = Path(folder) / APP_FILE
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\r\n")
        writer.writerow(HEADER)
        writer.writerows(rows(practices, months, list_size))
    return path
