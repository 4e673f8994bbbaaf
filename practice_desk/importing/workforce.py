"""NHS England's General Practice Workforce practice-level detailed CSV (workforce.md): the staff in
post at the end of a month, one row per practice, about 800 columns found by name.

`NA` means not available (no valid records for that staff group): stored as missing, never 0. The
file has no month column: NHS England's file name says it ('... – October 2025 Practice Level -
Detailed.csv'), so the month is read from the name and the import refuses a name without one.
"""

from __future__ import annotations

import re

from practice_desk.importing.context import ImportContext, RowProblems
from practice_desk.importing.dates import check_plausible
from practice_desk.importing.importer import Importer
from practice_desk.importing.problems import ImportFailed
from practice_desk.importing.rows import (
    column_index,
    note_encoding,
    upsert_practice,
    valid_ods,
    width_problem,
)
from practice_desk.importing.sources import Source, read_csv
from practice_desk.plausible import check_count

# Stored column -> the CSV's column (definitions workbook, 'Name of Field').
FIGURES = {
    "patients": "TOTAL_PATIENTS",
    "gp_fte": "TOTAL_GP_EXTGL_FTE",
    "gp_all_fte": "TOTAL_GP_FTE",
    "nurse_fte": "TOTAL_NURSES_FTE",
    "dpc_fte": "TOTAL_DPC_FTE",
    "admin_fte": "TOTAL_ADMIN_FTE",
}
SOURCES = {"gp_source": "GP_SOURCE", "nurse_source": "NURSE_SOURCE",
           "dpc_source": "DPC_SOURCE", "admin_source": "ADMIN_SOURCE"}
IDENTITY = {"name": "PRAC_NAME", "pcn_code": "PCN_CODE", "pcn_name": "PCN_NAME",
            "sub_icb_code": "SUB_ICB_CODE", "sub_icb_name": "SUB_ICB_NAME", "icb_code": "ICB_CODE",
            "icb_name": "ICB_NAME", "region_code": "REGION_CODE", "region_name": "REGION_NAME"}
NOT_AVAILABLE = {"NA", "N/A", ""}
_MONTH_NAMES = ["january", "february", "march", "april", "may", "june", "july", "august",
                "september", "october", "november", "december"]
_MONTH_IN_NAME = re.compile(r"(" + "|".join(_MONTH_NAMES) + r")[\s_-]*(\d{4})", re.IGNORECASE)


def month_from_name(name: str) -> str | None:
    """'3 General Practice – October 2025 Practice Level - Detailed.csv' -> '2025-10'."""
    found = _MONTH_IN_NAME.search(name)
    if found is None:
        return None
    return f"{int(found[2]):04d}-{_MONTH_NAMES.index(found[1].lower()) + 1:02d}"


def _figure(text: str, column: str) -> float | None:
    value = text.strip()
    if value.upper() in NOT_AVAILABLE:
        return None
    try:
        number = float(value)
    except ValueError:
        raise ValueError(f"{column} '{text}' is not a number (nor NA)") from None
    if number < 0:
        raise ValueError(f"{column} '{text}' is negative")
    return check_count(number, text, column)


def load_detailed(ctx: ImportContext, source: Source) -> None:
    month = month_from_name(source.base_name) or month_from_name(source.path.name)
    if month is None:
        raise ImportFailed([source.problem(None, (
            "the workforce CSV has no month column and its name does not say the month; keep "
            "NHS England's name (such as 'General Practice – October 2025 Practice Level - "
            "Detailed.csv') or put the month and year in the name"))])
    check_plausible(month)
    if ctx.conn.execute("SELECT 1 FROM workforce WHERE import_id = ? AND month = ? LIMIT 1",
                        (ctx.import_id, month)).fetchone():
        ctx.warn(f"{source.name}: {month} was read from another file of the zip; skipped")
        return
    reader = read_csv(source)
    note_encoding(ctx, reader)
    col = column_index(reader, ["PRAC_CODE", *FIGURES.values()])
    positions = {name: i for i, name in enumerate(reader.header)}
    problems, stored, rows = RowProblems(), {}, 0
    for line, row in reader.rows:
        rows += 1
        ctx.tick(reader, rows)
        if len(row) != len(reader.header):
            problems.add(source.problem(line, width_problem(len(row), len(reader.header))))
            continue
        code = row[col["PRAC_CODE"]].strip().upper()
        if not valid_ods(code):
            problems.add(source.problem(line, f"'{row[col['PRAC_CODE']]}' is not a practice ODS "
                                              "code"))
            continue
        try:
            figures = {key: _figure(row[col[name]], name) for key, name in FIGURES.items()}
        except ValueError as exc:
            problems.add(source.problem(line, str(exc)))
            continue
        if code in stored:
            problems.add(source.problem(line, f"repeats practice {code}"))
            continue
        patients = figures.pop("patients")
        flags = [_optional(row, positions, name) for name in SOURCES.values()]
        stored[code] = (ctx.import_id, code, month,
                        None if patients is None else int(patients), *figures.values(), *flags)
        upsert_practice(ctx, code, {key: _optional(row, positions, name) or ""
                                    for key, name in IDENTITY.items()}, as_of=month)
    problems.raise_if_any()
    ctx.rows_read += rows
    ctx.claim("workforce", {(code, month) for code in stored})
    ctx.conn.executemany(
        "INSERT INTO workforce (import_id, ods_code, month, patients, gp_fte, gp_all_fte, "
        "nurse_fte, dpc_fte, admin_fte, gp_source, nurse_source, dpc_source, admin_source) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", stored.values())
    ctx.rows_stored += len(stored)


def _optional(row: list[str], positions: dict[str, int], name: str) -> str | None:
    i = positions.get(name)
    value = row[i].strip() if i is not None else ""
    return None if value.upper() in NOT_AVAILABLE else value


DETAIL_COLUMNS = 100  # the detailed CSV has about 800; the month's other practice files far fewer


def is_detailed(header: set[str]) -> bool:
    return {"PRAC_CODE", *FIGURES.values()} <= header and len(header) > DETAIL_COLUMNS


DETAILED = Importer(
    "workforce", "NHS England General Practice Workforce practice-level detailed CSV "
    "('... Practice Level - Detailed.csv')", is_detailed, load_detailed, order=8,
)
