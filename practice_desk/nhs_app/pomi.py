"""POMI (patient online management information), practice level, monthly, in both real layouts.

- 2015-2017, wide, one file per service [seen]:
  `PeriodStart,PeriodEnd,Period,CommissioningRegionCode,...,GPPracticeCode,GPPracticeName,
  Supplier,NoPatients,SystemEnabled,PatientsEnabled,PatientsUsed` with dd/mm/yyyy dates,
  `SystemEnabled` as text and `NULL` for missing numbers. The file does not say which service
  (appointments, repeat prescriptions, detailed coded record) it counts: it is taken from the
  file name, or the user says (`service_mapping`). Stored under the 2017-24 field names:
  NoPatients -> patient_list_size, SystemEnabled -> Sys_<S>_Enbld (2 enabled, 1 could enable,
  0 unavailable), PatientsEnabled -> Pat_<S>_Enbld, PatientsUsed -> Pat_<S>_Use.
- 2017-2024, long [reported]: `report_period_end, ..., practice_code, practice_name, ...,
  system_supplier, field, value`, `report_period_end` as DDMONYYYY.

The month is the month of the period's end. NULL, blank and suppressed values are stored as
missing, never 0. A newer release of a (field, practice, month) replaces the older one.
"""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from typing import Any

from practice_desk.importing.context import ImportContext, RowProblems
from practice_desk.importing.dates import BadDate
from practice_desk.importing.importer import Importer
from practice_desk.importing.mapping import ColumnMapping
from practice_desk.importing.problems import ImportFailed
from practice_desk.importing.rows import column_index, note_encoding, upsert_practice
from practice_desk.importing.sources import Source, read_csv, read_header
from practice_desk.nhs_app import common
from practice_desk.nhs_app.common import BadFigure, figure, to_month

POMI_WIDE, POMI_LONG = "pomi_wide", "pomi_long"
FIELDS = [
    "patient_list_size", "Total_Pat_Enbld", "Pat_Appts_Enbld", "Pat_Appts_Use", "Pat_Presc_Enbld",
    "Pat_Presc_Use", "Pat_DetCodeRec_Enbld", "Pat_DetCodeRec_Use", "Sys_Appts_Enbld",
    "Sys_Presc_Enbld", "Sys_DetCodeRec_Enbld",
]
_BY_NAME = {f.casefold(): f for f in FIELDS}
SERVICES = {"appointments": "Appts", "prescriptions": "Presc", "records": "DetCodeRec"}
SERVICE_NAMES = {"appointments": "Appointments (booked or cancelled online)",
                 "prescriptions": "Repeat prescriptions (ordered online)",
                 "records": "Detailed coded record (viewed online)"}

WIDE_COLUMNS = ["PERIODEND", "GPPRACTICECODE", "GPPRACTICENAME", "SUPPLIER", "NOPATIENTS",
                "SYSTEMENABLED", "PATIENTSENABLED", "PATIENTSUSED"]
LONG_COLUMNS = ["REPORT_PERIOD_END", "PRACTICE_CODE", "FIELD", "VALUE"]

FACT_SOURCES = common.fact_sources("pomi_", "pomi_values", "ods_code", "field", FIELDS)


# --- which service a wide file counts ------------------------------------------------------------


def service_from_name(name: str) -> str | None:
    """'appointments', 'prescriptions' or 'records' from a file name, or None if it does not say."""
    text = re.sub(r"[^a-z]", " ", name.lower())
    found = set()
    if re.search(r"appoint|\bappts?\b", text):
        found.add("appointments")
    if re.search(r"presc|repeat|\brx\b", text):
        found.add("prescriptions")
    if re.search(r"detailed|coded|detcoderec|\bdcr\b|medical record|records?\b", text) \
            and "summary" not in text:
        found.add("records")
    return found.pop() if len(found) == 1 else None


def service_mapping(service: str) -> ColumnMapping:
    """What the user chose for a wide file whose name does not say its service."""
    if service not in SERVICES:
        raise ValueError(f"'{service}' is not a POMI service (use {', '.join(SERVICES)})")
    return ColumnMapping(POMI_WIDE, f"POMI 2015-17 ({service})", options={"service": service})


def is_wide(header: list[str]) -> bool:
    return {"PERIODSTART", *WIDE_COLUMNS} <= set(header)


def needs_service(path: str | Path) -> bool:
    """True for a 2015-17 POMI file whose name does not say which service it counts."""
    path = Path(path)
    if path.suffix.lower() != ".csv" or not path.is_file():
        return False
    try:
        header = read_header(Source(path))
    except OSError:
        return False
    return is_wide(header) and service_from_name(path.name) is None


def _system_enabled(text: str) -> int | None:
    """'System Functionality Enabled by Practice' -> 2; available but not enabled -> 1;
    not available -> 0; the codes 0/1/2 as they are; blank/NULL and 'System Functionality Status
    Unknown' (real 2015 files, supplier NK) -> None: unknown, not an error."""
    value = text.strip().casefold()
    if value in common.MISSING or "unknown" in value:
        return None
    if value in ("0", "1", "2"):
        return int(value)
    if "not available" in value or "unavailable" in value or "not supported" in value:
        return 0
    if "not enabled" in value or "disabled" in value:
        return 1
    if "enabled" in value:
        return 2
    raise ValueError(f"SystemEnabled '{text.strip()}' is not a value Practice Desk knows "
                     "(expected e.g. 'System Functionality Enabled by Practice')")


# --- loading -------------------------------------------------------------------------------------


def load_wide(ctx: ImportContext, source: Source, service: str | None = None) -> None:
    service = service or service_from_name(source.base_name)
    if service is None:
        raise ImportFailed([source.problem(None, (
            "this is a 2015-17 POMI file (one service per file) and its name does not say which "
            "service it counts: put 'appointments', 'prescriptions' or 'detailed coded record' in "
            "the file name, or choose the service when importing"))])
    code = SERVICES[service]
    reader = read_csv(source)
    note_encoding(ctx, reader)
    col = column_index(reader, WIDE_COLUMNS)
    problems = RowProblems()
    figures: dict[tuple[str, str, str], int | None] = {}
    extra: dict[tuple[str, str, str], dict] = {}
    names: dict[str, tuple[str, str]] = {}

    def read(row: list[str]) -> tuple:
        return (common.ods_code(row[col["GPPRACTICECODE"]]), to_month(row[col["PERIODEND"]]), {
            "patient_list_size": figure(row[col["NOPATIENTS"]]),
            f"Sys_{code}_Enbld": _system_enabled(row[col["SYSTEMENABLED"]]),
            f"Pat_{code}_Enbld": figure(row[col["PATIENTSENABLED"]]),
            f"Pat_{code}_Use": figure(row[col["PATIENTSUSED"]]),
        })

    for line, row, (practice, month, values) in _rows(ctx, reader, source, problems, read):
        if (f"Pat_{code}_Use", practice, month) in figures:
            problems.add(source.problem(line, f"{practice} {month} appears twice"))
            continue
        supplier = row[col["SUPPLIER"]].strip() or None
        for field, value in values.items():
            figures[(field, practice, month)] = value
            extra[(field, practice, month)] = {"supplier": supplier}
        names[practice] = (month, row[col["GPPRACTICENAME"]].strip())
    problems.raise_if_any()
    _keep_same_list_sizes(ctx, figures)
    _save(ctx, source, figures, extra, names)
    ctx.warn(f"{source.name}: read as POMI {SERVICE_NAMES[service].lower()}")


def _rows(ctx: ImportContext, reader, source: Source, problems: RowProblems, read):
    """(line, row, read(row)) for every row `read` can read; one it cannot (too few fields, a bad
    date or figure) is a problem naming the file and line."""
    for line, row in reader.rows:
        ctx.rows_read += 1
        ctx.tick(reader, ctx.rows_read)
        try:
            yield line, row, read(row)
        except IndexError:
            problems.add(source.problem(line, f"has {len(row)} fields where the header has "
                                              f"{len(reader.header)}"))
        except (BadDate, BadFigure, ValueError) as exc:
            problems.add(source.problem(line, str(exc)))


def _keep_same_list_sizes(ctx: ImportContext, figures: dict) -> None:
    """Every 2015-17 service file repeats the practice's list size: the second file of a month
    leaves an equal size where it is (only a different size, a revision, replaces it)."""
    stored = {(unit, month): value for unit, month, value in ctx.conn.execute(
        "SELECT ods_code, month, value FROM pomi_values WHERE field = 'patient_list_size'")}
    for key in [k for k in figures if k[0] == "patient_list_size"]:
        unit_month = (key[1], key[2])
        if unit_month in stored and stored[unit_month] == figures[key]:
            del figures[key]


def load_long(ctx: ImportContext, source: Source) -> None:
    reader = read_csv(source)
    note_encoding(ctx, reader)
    col = column_index(reader, LONG_COLUMNS)
    optional = {name: i for i, name in enumerate(reader.header)
                if name in ("PRACTICE_NAME", "SYSTEM_SUPPLIER")}
    problems = RowProblems()
    figures: dict[tuple[str, str, str], int | None] = {}
    extra: dict[tuple[str, str, str], dict] = {}
    names: dict[str, tuple[str, str]] = {}
    unknown: set[str] = set()

    def read(row: list[str]) -> tuple | None:
        """(field, practice, month, value, supplier, name); None for a field not kept."""
        practice = common.ods_code(row[col["PRACTICE_CODE"]])
        month = to_month(row[col["REPORT_PERIOD_END"]])
        raw_field = row[col["FIELD"]].strip()
        field = _BY_NAME.get(raw_field.casefold())
        if field is None:
            unknown.add(raw_field)
            return None
        supplier = (row[optional["SYSTEM_SUPPLIER"]].strip() or None
                    if "SYSTEM_SUPPLIER" in optional else None)
        name = row[optional["PRACTICE_NAME"]].strip() if "PRACTICE_NAME" in optional else ""
        return field, practice, month, figure(row[col["VALUE"]]), supplier, name

    for line, _, read_row in _rows(ctx, reader, source, problems, read):
        if read_row is None:
            continue
        field, practice, month, value, supplier, name = read_row
        if (field, practice, month) in figures:
            problems.add(source.problem(line, f"{field} for {practice} {month} appears twice"))
            continue
        figures[(field, practice, month)] = value
        extra[(field, practice, month)] = {"supplier": supplier}
        if name:
            names[practice] = (month, name)
    problems.raise_if_any()
    if unknown:
        ctx.warn(f"{source.name}: fields not stored (not used by any measure): "
                 f"{', '.join(sorted(unknown)[:8])}")
    _save(ctx, source, figures, extra, names)


def _save(ctx: ImportContext, source: Source, figures, extra, names) -> None:
    if not figures:
        raise ImportFailed([source.problem(None, "the file has a header but no data rows")])
    missing = sum(1 for value in figures.values() if value is None)
    if missing:
        ctx.warn(f"{source.name}: {missing:,} value(s) NULL, blank or suppressed, kept as missing "
                 "(not 0)")
    common.store(ctx, "pomi_", "pomi_values", "ods_code", "field", figures, extra)
    suppliers = {unit: info["supplier"] for (_, unit, _), info in extra.items() if info["supplier"]}
    for practice in sorted({unit for _, unit, _ in figures}):
        month, name = names.get(practice, ("", ""))
        fields = {k: v for k, v in (("name", name), ("supplier", suppliers.get(practice))) if v}
        latest = max(m for _, u, m in figures if u == practice)
        upsert_practice(ctx, practice, fields, month or latest)


# --- detection -----------------------------------------------------------------------------------


def _wide_importer(service: str | None) -> Importer:
    return Importer(POMI_WIDE, "POMI patient online figures, 2015-17 (one service per file)",
                    is_wide, lambda ctx, source: load_wide(ctx, source, service), order=16)


def recognise(source: Source, conn: sqlite3.Connection | None, options: Any) -> Importer | None:
    """A wide POMI file with the service the user chose (ImportOptions(mapping=service_mapping))."""
    explicit = getattr(options, "mapping", None)
    if explicit is None or explicit.kind != POMI_WIDE:
        return None
    return _wide_importer(explicit.options.get("service"))


WIDE = _wide_importer(None)
LONG = Importer(POMI_LONG, "POMI patient online figures, 2017-24 (field / value rows)",
                lambda h: set(LONG_COLUMNS) <= h, load_long, order=16)
