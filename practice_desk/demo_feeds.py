"""The demo PCN's online consultation workbooks and GP workforce CSVs, in NHS England's layouts,
imported through the real importers like every other demo file. Made-up figures.

- Online consultations: one workbook a month from April 2024 (when the publication's practice table
  starts here) to the last demo month, named and laid out as each edition was: the older name to
  March 2025, `Participation` and Table 3 from June 2024. DEM004 takes no part until September 2024
  (its counts are missing, not 0, until then).
- Workforce: one practice-level detailed CSV a month, every column of the publication in its order
  (resources/workforce_practice_level_columns.txt), `NA` for the columns the demo does not fill and
  for DEM005's nurses in two months (no valid records: missing, not 0).
"""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

from practice_desk.demo_calls import fixed_zip
from practice_desk.resources import resource_path

MONTH_NAMES = ["January", "February", "March", "April", "May", "June", "July", "August",
               "September", "October", "November", "December"]
OC_FIRST = (2024, 4)
OC_PARTICIPATION_FROM = (2024, 6)  # Participation column and Table 3
OC_NEW_NAME_FROM = (2025, 4)
OC_JOINS = {"DEM004": (2024, 9)}  # not taking part before this month
# Submissions per 1,000 patients a month at the start, and the growth a year.
OC_RATE = {"DEM001": (150, 0.25), "DEM002": (95, 0.40), "DEM003": (205, 0.15),
           "DEM004": (60, 0.60), "DEM005": (130, 0.30)}
OC_SUPPLIER = {"DEM001": "ACCURX LIMITED", "DEM002": "ECONSULT HEALTH LIMITED",
               "DEM003": "ACCURX LIMITED", "DEM004": "ACCURX LIMITED",
               "DEM005": "ECONSULT HEALTH LIMITED, TPP"}
BANDS = ["00:00 - 05:59", "06:00 - 07:59", "08:00 - 09:59", "10:00 - 11:59", "12:00 - 13:59",
         "14:00 - 15:59", "16:00 - 17:59", "18:00 - 23:59"]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
# England's average submissions per weekday (Monday first) and time band: the 8am peak.
BAND_SHAPE = [0.015, 0.32, 0.58, 0.33, 0.24, 0.19, 0.10, 0.035]
DAY_SHAPE = [1.0, 0.72, 0.67, 0.63, 0.60, 0.035, 0.04]
ENGLAND_MONDAY = 400_000

# Workforce per practice: patients per fully qualified GP FTE, trainees and locums on top (share
# of qualified GPs), patients per nurse, per direct patient care and per admin FTE.
STAFFING = {"DEM001": (2050, 0.18, 4300, 3300, 700), "DEM002": (2450, 0.10, 5200, 2600, 820),
            "DEM003": (1800, 0.25, 3900, 3800, 640), "DEM004": (2150, 0.05, 4700, 4200, 760),
            "DEM005": (2300, 0.15, 4500, 2900, 740)}
NURSES_UNKNOWN = {("DEM005", 2025, 2), ("DEM005", 2025, 3)}
WORKFORCE_COLUMNS = "workforce_practice_level_columns.txt"


def _month_label(year: int, month: int) -> str:
    return f"{MONTH_NAMES[month - 1]} {year}"


# --- online consultations -----------------------------------------------------------------------
def oc_file_name(year: int, month: int) -> str:
    system = ("OC Systems" if (year, month) >= OC_NEW_NAME_FROM
              else "Online Consultation Systems")
    return f"DEMO Submissions via {system} in General Practice - {_month_label(year, month)}.xlsx"


def _oc_header(participation: bool) -> list[str]:
    header = ["Month [1]", "GP Code", "GP Name", "PCN Code [2, 3]", "PCN Name [3]", "Sub ICB Code",
              "Sub ICB Name", "ICB Code", "ICB Name", "Region Code", "Region Name",
              "Supplier [4, 5, 6]", "Submissions [7]", "Clinical Submissions [7]",
              "Administrative Submissions [7]", "Other/Unknown Type Submissions [7]",
              "Registered Patient Count [8]", "Rate per 1,000 Registered Patients [9, 10]"]
    return [*header, "Participation [11]"] if participation else header


def oc_rows(practices: Sequence, index: int, year: int, month: int, list_size: Callable,
            area: tuple[str, str, str, str], rng: random.Random) -> list[list]:
    """Table 2's rows of the demo PCN for one month (demo month `index`)."""
    pcn_code, pcn_name, sub_icb_code, sub_icb_name = area
    participation = (year, month) >= OC_PARTICIPATION_FROM
    years = ((year - OC_FIRST[0]) * 12 + month - OC_FIRST[1]) / 12
    rows = []
    for practice in practices:
        patients = list_size(practice, index)
        joined = (year, month) >= OC_JOINS.get(practice.code, OC_FIRST)
        if joined:
            base, growth = OC_RATE[practice.code]
            noise = 0.93 + 0.14 * rng.random()
            total = round(patients * base / 1000 * (1 + growth * years) * noise)
            clinical = round(total * (0.58 + 0.08 * rng.random()))
            other = round(total * 0.004 * rng.random())
            counts = [total, clinical, total - clinical - other, other]
            supplier = OC_SUPPLIER[practice.code]
        else:
            counts, supplier = [0, 0, 0, 0], "No data" if participation else "None/Unknown"
        rate = counts[0] / patients * 1000 if patients else 0
        row = [datetime(year, month, 1), practice.code, practice.name.upper(), pcn_code,
               pcn_name, sub_icb_code, sub_icb_name, "QDM", "DEMO INTEGRATED CARE BOARD", "Y00",
               "DEMO REGION", supplier, *counts, patients, rate]
        if participation:
            row.append(1 if joined else 0)
        rows.append(row)
    return rows


def write_oc_workbook(path: Path, year: int, month: int, rows: list[list],
                      rng: random.Random) -> Path:
    import openpyxl

    participation = (year, month) >= OC_PARTICIPATION_FROM
    book = openpyxl.Workbook()
    title = book.active
    title.title = "Title sheet"
    title["A8"] = "Submissions via Online Consultation Systems in General Practice - DEMO"
    title["A10"] = "Made-up figures for the Practice Desk demo. Not NHS England data."
    title["A12"] = _month_label(year, month)
    book.create_sheet("Data Quality")["A5"] = "Return to Contents"
    book.create_sheet("Table 1")["A8"] = "Return to Contents"
    table2 = book.create_sheet("Table 2")
    table2["A8"] = "Return to Contents"
    table2["A10"] = ("Table 2: Submissions received by practices via Online Consultation "
                     f"Systems, {_month_label(year, month)}")
    for i, text in enumerate(_oc_header(participation), 1):
        table2.cell(12, i, text)
    for r, row in enumerate(rows, 13):
        for i, value in enumerate(row, 1):
            table2.cell(r, i, value)
    notes = 13 + len(rows) + 1
    table2.cell(notes, 1, "Notes:")
    table2.cell(notes, 2, "  1   Made-up figures for the Practice Desk demo")
    table2.cell(notes + 2, 2, "Copyright © DEMO")
    if participation:
        _write_table3(book.create_sheet("Table 3"), year, month, rng)
    buffer = io.BytesIO()
    book.save(buffer)
    path.write_bytes(fixed_zip(buffer.getvalue()))  # the same bytes on every run
    return path


def _write_table3(sheet, year: int, month: int, rng: random.Random) -> None:
    sheet["A8"] = "Return to Contents"
    sheet["A10"] = ("Table 3: Average number of submissions via online consultation systems by "
                    f"submission time, per weekday, England, {_month_label(year, month)}")
    sheet["B11"] = "Submission time"
    for i, text in enumerate(["Day", *BANDS, "Unknown"], 1):
        sheet.cell(12, i, text)
    growth = 1 + 0.02 * ((year - OC_FIRST[0]) * 12 + month - OC_FIRST[1])
    for d, day in enumerate(WEEKDAYS):
        sheet.cell(13 + d, 1, day)
        for b, shape in enumerate(BAND_SHAPE):
            value = ENGLAND_MONDAY * DAY_SHAPE[d] * shape * growth * (0.97 + 0.06 * rng.random())
            sheet.cell(13 + d, 2 + b, round(value, 2))
        sheet.cell(13 + d, 2 + len(BANDS), 0)


def write_oc_workbooks(folder: Path, practices: Sequence, months: list[tuple[int, int]],
                       list_size: Callable, area: tuple[str, str, str, str],
                       seed: int) -> list[Path]:
    rng = random.Random(seed + 11)
    files = []
    for index, (year, month) in enumerate(months):
        if (year, month) < OC_FIRST:
            continue
        rows = oc_rows(practices, index, year, month, list_size, area, rng)
        files.append(write_oc_workbook(folder / oc_file_name(year, month), year, month, rows, rng))
    return files


# --- workforce ----------------------------------------------------------------------------------
def workforce_columns() -> list[str]:
    text = resource_path(WORKFORCE_COLUMNS).read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and line[0] != "#"]


def workforce_file_name(year: int, month: int) -> str:
    return f"DEMO 3 General Practice – {_month_label(year, month)} Practice Level - Detailed.csv"


def _fte(value: float) -> str:
    return f"{value:.2f}"


def workforce_row(practice, patients: int, year: int, month: int, index: int,
                  area: tuple[str, str, str, str], rng: random.Random) -> dict[str, str]:
    per_gp, extra, per_nurse, per_dpc, per_admin = STAFFING[practice.code]
    gp = patients / per_gp * (0.97 + 0.04 * rng.random())
    dpc = patients / per_dpc * (1 + 0.012 * index)  # more pharmacists, paramedics, ... each month
    unknown = (practice.code, year, month) in NURSES_UNKNOWN
    pcn_code, pcn_name, sub_icb_code, sub_icb_name = area
    return {
        "PRAC_CODE": practice.code, "PRAC_NAME": practice.name.upper(), "PCN_CODE": pcn_code,
        "PCN_NAME": pcn_name, "SUB_ICB_CODE": sub_icb_code, "SUB_ICB_NAME": sub_icb_name,
        "ICB_CODE": "QDM", "ICB_NAME": "DEMO INTEGRATED CARE BOARD", "REGION_CODE": "Y00",
        "REGION_NAME": "DEMO REGION", "TOTAL_PATIENTS": str(patients),
        "GP_SOURCE": "Provided", "NURSE_SOURCE": "NA" if unknown else "Provided",
        "DPC_SOURCE": "Provided", "ADMIN_SOURCE": "Provided",
        "TOTAL_GP_EXTGL_FTE": _fte(gp), "TOTAL_GP_EXL_FTE": _fte(gp * (1 + extra / 2)),
        "TOTAL_GP_EXTG_FTE": _fte(gp * (1 + extra / 2)), "TOTAL_GP_FTE": _fte(gp * (1 + extra)),
        "TOTAL_NURSES_FTE": "NA" if unknown else _fte(patients / per_nurse),
        "TOTAL_DPC_FTE": _fte(dpc), "TOTAL_ADMIN_FTE": _fte(patients / per_admin),
    }


def write_workforce_files(folder: Path, practices: Sequence, months: list[tuple[int, int]],
                          list_size: Callable, area: tuple[str, str, str, str],
                          seed: int) -> list[Path]:
    rng = random.Random(seed + 13)
    columns = workforce_columns()
    files = []
    for index, (year, month) in enumerate(months):
        path = folder / workforce_file_name(year, month)
        with open(path, "w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f, lineterminator="\r\n")
            writer.writerow(columns)
            for practice in practices:
                values = workforce_row(practice, list_size(practice, index), year, month, index,
                                       area, rng)
                writer.writerow([values.get(name, "NA") for name in columns])
        files.append(path)
    return files
