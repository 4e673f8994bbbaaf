"""NHS App figures through the column-mapping step: practice-level dashboard exports and the
published ICB / national NHS App statistics (nhs_app.md).

Two mapping kinds share one loader:

- 'nhs_app_practice': the NHS App dashboard's exports. Presets recognise its display names
  ('NHS App Logins', 'Total Prescriptions Ordered' ...) and its internal field names
  ('Usage_LoginSessions_Login_Sessions' ...), wide (one column per figure) or long (a column naming
  the figure and a value column, as Tableau's 'Measure Names' / 'Measure Values').
- 'nhs_app_area': the published statistics (ICB and England), whose headers have not been seen:
  the user maps area, month and figure columns; the mapping is saved by header signature.

CSV or .xlsx (the first sheet's table). Blank, NULL and suppressed cells are stored as missing
(NULL), never 0. Several dated rows of one month (weekly exports) are added up for counts in the
month; running totals and the registered population take the latest date's value. A newer import
of a (figure, practice or area, month) replaces the older one; figures the new file does not give
are kept.
"""

from __future__ import annotations

import re
import sqlite3
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from practice_desk.importing.context import ImportContext, RowProblems
from practice_desk.importing.dates import BadDate, parse_day
from practice_desk.importing.importer import Importer
from practice_desk.importing.mapping import (
    ColumnMapping,
    Field,
    MappingError,
    MappingKind,
    Option,
    Table,
    find_saved,
    normalise_name,
)
from practice_desk.importing.problems import ImportFailed
from practice_desk.importing.rows import note_encoding, upsert_practice
from practice_desk.importing.sources import Source
from practice_desk.nhs_app import common
from practice_desk.nhs_app.common import BadFigure, figure, read_table, to_month

APP_PRACTICE = "nhs_app_practice"
APP_AREA = "nhs_app_area"
IGNORE = "ignore"

# Practice-level figures (the dashboard's practice metrics) and what each is.
PRACTICE_MEASURES = {
    "logins": "NHS App logins",
    "record_views": "Medical record views",
    "record_users": "Users accessing medical records",
    "prescriptions_ordered": "Total prescriptions ordered",
    "prescription_users": "Users requesting prescriptions",
    "appointments_booked": "Total appointments booked",
    "appointment_users": "Users booking appointments",
    "appointments_cancelled": "Appointment cancellations",
    "registrations": "New NHS App registrations",
    "registrations_total": "NHS App registrations, running total",
    "patients_13plus": "Registered patients aged 13+ (the dashboard's denominator)",
}
AREA_MEASURES = {
    "logins": "Logins",
    "unique_users": "Unique users",
    "prescriptions_ordered": "Prescriptions ordered",
    "prescription_users": "Unique users ordering prescriptions",
    "registrations": "Account registrations",
    "record_views": "Record views",
    "appointments_booked": "Appointments booked",
}
# Taken at the latest date of the month, not added up over the month's dated rows.
STOCKS = {"registrations_total", "patients_13plus"}

# The dashboard's display names (data dictionary, Dec 2020) and internal field names [reported].
DISPLAY_NAMES = {
    "NHS App Registrations": "registrations",
    "NHS App Registrations- new registrations": "registrations",
    "NHS App Registrations - new registrations": "registrations",
    "NHS App Registrations- running total": "registrations_total",
    "NHS App Registrations - running total": "registrations_total",
    "Cumulative NHS App Registrations": "registrations_total",
    "Cumulative Registrations": "registrations_total",
    "Cumulative Regitrations": "registrations_total",
    "NHS App Logins": "logins",
    "Users Booking Appointments": "appointment_users",
    "Unique Users Booking Appointments": "appointment_users",
    "Total Appointments booked": "appointments_booked",
    "Appointment Cancellations": "appointments_cancelled",
    "Appointment Cancellation": "appointments_cancelled",
    "Users Requesting Prescriptions": "prescription_users",
    "Unique Users Requesting Prescriptions": "prescription_users",
    "Total Prescriptions Ordered": "prescriptions_ordered",
    "Users Accessing Medical Records": "record_users",
    "User Accessing Medical Records": "record_users",
    "Unique User Accessing Medical Records": "record_users",
    "Unique Users Accessing Medical Records": "record_users",
    "Total GP registered patients aged 13+ years": "patients_13plus",
}
INTERNAL_NAMES = {
    "NHSApp_RegistrationsCount": "registrations",
    "RunningTotal_NHSApp_RegistrationsCount": "registrations_total",
    "Usage_LoginSessions_Login_Sessions": "logins",
    "Usage_Appointments_Appointments_booked": "appointments_booked",
    "Usage_CancelledAppointments_Cancellation_Count": "appointments_cancelled",
    "Usage_Prescriptions_Prescriptions_Ordered": "prescriptions_ordered",
    "Usage_MedicalRecords_Medical_record_views": "record_views",
    "GP_Registered_Patients": "patients_13plus",
}
# Dashboard figures that are not NHS App keys (long exports list them too): skipped.
IGNORED_NAMES = [
    "NHS App downloads", "Cumulative NHS App Logins", "Non-Patient Online Registered Users",
    "Cumulative NHS App Registrations by Non-Patient Online Users",
    "Cumulative Registrations by Non-Patient Online Users",
    "GP population registered for Patient Online", "Total GP List Size (from Patient Online)",
    "Organ Donation Registrations", "Organ Donation Updates", "Organ Donation Withdrawals",
    "Cumulative Organ Donation Registrations", "Cumulative Organ Donation Updates",
    "Cumulative Organ Donation Withdrawals", "Users Visiting NHS 111 Online",
    "Unique Users Visiting NHS 111 Online", "Users Visiting Health A-Z",
    "Unique Users Visiting Health A-Z", "Users visiting National Data Opt-out",
    "Unique users visiting National Data Opt-out",
]
MEASURE_WORDS = {**DISPLAY_NAMES, **INTERNAL_NAMES, **dict.fromkeys(IGNORED_NAMES, IGNORE)}


def _derived(word: str) -> bool:
    """Rates and percentages the dashboard computes from other figures: never stored."""
    text = normalise_name(word)
    return "per 1000" in text or "per 1,000" in text or text.startswith("%") or "% of" in text


def _f(name: str, label: str, *synonyms: str, **kw) -> Field:
    return Field(name, label, synonyms=tuple(normalise_name(s) for s in synonyms), **kw)


_MEASURE_SYNONYMS: dict[str, list[str]] = defaultdict(list)
for _word, _measure in {**INTERNAL_NAMES, **DISPLAY_NAMES}.items():
    _MEASURE_SYNONYMS[_measure].append(_word)

PRACTICE_KIND = MappingKind(
    APP_PRACTICE, "NHS App figures by practice (NHS App dashboard export)",
    fields=(
        _f("practice", "Practice ODS code", "Practice_Code", "practice code", "gp practice code",
           "ods code", "practice ods code", "gp code", "practice"),
        _f("practice_name", "Practice name", "Practice_Name", "practice name", "gp practice name"),
        _f("month", "Month or date", "Report_Date", "report date", "month", "date",
           "reporting period", "period", "week ending", required=True),
        *[_f(m, label, *_MEASURE_SYNONYMS.get(m, []), group="figures")
          for m, label in PRACTICE_MEASURES.items()],
        _f("measure", "Figure name (long layout: a column naming each row's figure)",
           "Measure Names", "metric name", "metric", "measure", "indicator", group="figures",
           values=(*PRACTICE_MEASURES, IGNORE), default_words=MEASURE_WORDS),
        _f("value", "Figure value (long layout)", "Measure Values", "value", "values"),
    ),
    options=(Option("practice", "Practice ODS code (when the file has no practice column)"),),
)

AREA_KIND = MappingKind(
    APP_AREA, "NHS App statistics by ICB or for England (published series)",
    fields=(
        _f("area", "ICB code (or 'England')", "icb code", "icb_code", "area code", "org code",
           "organisation code", "geography code", "icb"),
        _f("area_name", "ICB name", "icb name", "icb_name", "area name", "organisation name"),
        _f("month", "Month or date", "month", "date", "period", "reporting period", required=True),
        *[_f(m, label, label, m.replace("_", " "), group="figures")
          for m, label in AREA_MEASURES.items()],
        _f("measure", "Figure name (long layout)", "measure", "metric", "indicator",
           group="figures", values=(*AREA_MEASURES, IGNORE)),
        _f("value", "Figure value (long layout)", "value", "values", "count"),
    ),
    options=(Option("area", "Area (when the file holds one area, e.g. England)"),),
)

ENGLAND = "ENGLAND"
_ENGLAND_WORDS = {"england", "eng", "e92000001", "national", "nhs england", "all"}
_AREA = re.compile(r"^[A-Z0-9]{3,9}$")

PRACTICE_SOURCES = common.fact_sources("app_", "app_practice_values", "ods_code", "measure",
                        list(PRACTICE_MEASURES))
AREA_SOURCES = common.fact_sources("app_area_", "app_area_values", "area_code", "measure",
                        list(AREA_MEASURES))


def area_code(text: str) -> str:
    value = text.strip()
    if normalise_name(value) in _ENGLAND_WORDS:
        return ENGLAND
    code = value.upper()
    if not _AREA.match(code):
        raise ValueError(f"'{value}' is not an ICB code (nor 'England')")
    return code


# --- presets -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AppPreset:
    """A dashboard export shape recognised from its header (same interface as call-log presets)."""

    name: str
    words: dict[str, str]  # column name -> measure, for the wide layouts
    long: bool = False

    def for_header(self, header: list[str]) -> ColumnMapping | None:
        guess = _guess(header)
        if "practice" not in guess or "month" not in guess:
            return None  # before normalising the names again: most rows of a workbook stop here
        names = {normalise_name(h): h.strip() for h in header}
        if self.long:
            if "measure" not in guess or "value" not in guess:
                return None
            columns = {k: guess[k] for k in ("practice", "practice_name", "month", "measure",
                                             "value") if k in guess}
            return ColumnMapping(APP_PRACTICE, self.name, columns,
                                 {"measure": dict(MEASURE_WORDS)})
        columns = {k: guess[k] for k in ("practice", "practice_name", "month") if k in guess}
        for word, measure in self.words.items():
            column = names.get(normalise_name(word))
            if column and measure not in columns:
                columns[measure] = column
        if not set(columns) & set(PRACTICE_MEASURES):
            return None
        return ColumnMapping(APP_PRACTICE, self.name, columns)

    def matches(self, header: list[str]) -> bool:
        return self.for_header(header) is not None


def _guess(header: list[str]) -> dict[str, str]:
    """Practice, name, month, measure and value columns found by exact (normalised) names."""
    normalised = [normalise_name(h) for h in header]
    found: dict[str, str] = {}
    for name in ("practice", "practice_name", "month", "measure", "value"):
        spec = PRACTICE_KIND.field(name)
        for synonym in spec.synonyms:  # type: ignore[union-attr]
            if synonym in normalised and header[normalised.index(synonym)].strip() not in \
                    found.values():
                found[name] = header[normalised.index(synonym)].strip()
                break
    return found


PRESETS = [
    AppPreset("NHS App dashboard export (internal field names)", INTERNAL_NAMES),
    AppPreset("NHS App dashboard export (display names)", DISPLAY_NAMES),
    AppPreset("NHS App dashboard export (long: one figure per row)", {}, long=True),
]


def preset_for(header: list[str]) -> tuple[str, ColumnMapping] | None:
    for preset in PRESETS:
        mapping = preset.for_header(header)
        if mapping is not None:
            return preset.name, mapping
    return None


def presets() -> list[ColumnMapping]:
    """The ready-made mappings (for the internal names, which are fixed), for a dialog."""
    columns = {"practice": "Practice_Code", "practice_name": "Practice_Name",
               "month": "Report_Date", **{m: w for w, m in INTERNAL_NAMES.items()}}
    return [ColumnMapping(APP_PRACTICE, PRESETS[0].name, columns)]


# --- loading -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Spec:
    kind: str
    unit_field: str
    measures: dict[str, str]
    prefix: str
    table: str
    unit_column: str


_SPECS = {
    APP_PRACTICE: _Spec(APP_PRACTICE, "practice", PRACTICE_MEASURES, "app_",
                        "app_practice_values", "ods_code"),
    APP_AREA: _Spec(APP_AREA, "area", AREA_MEASURES, "app_area_", "app_area_values",
                    "area_code"),
}


def _header_test(mapping: ColumnMapping):
    wanted = {normalise_name(c) for c in mapping.columns.values() if c}
    return lambda row: wanted <= {normalise_name(c) for c in row if c}


def _day_key(text: str) -> str:
    try:
        return parse_day(text.strip().split(" ")[0]).isoformat()
    except BadDate:
        return text.strip()


def load(ctx: ImportContext, source: Source, mapping: ColumnMapping) -> None:
    spec = _SPECS[mapping.kind]
    table = read_table(source, _header_test(mapping))
    note_encoding(ctx, table)  # type: ignore[arg-type]
    try:
        pos = mapping.positions(table.header)
    except MappingError as exc:
        raise ImportFailed([source.problem(1, m) for m in exc.messages]) from None
    long = "measure" in pos
    if long and "value" not in pos:
        raise ImportFailed([source.problem(1, "the column naming each figure is chosen, but not "
                                              "the column holding its value")])
    chosen = mapping.option(spec.unit_field)
    if spec.unit_field not in pos and not chosen:
        what = "practice (ODS code)" if spec.unit_field == "practice" else "area (ICB or England)"
        raise ImportFailed([source.problem(None, f"choose the {what} these figures belong to, "
                                                 f"or map a {spec.unit_field} column")])
    unit_of = common.ods_code if spec.unit_field == "practice" else area_code
    fixed_unit = unit_of(chosen) if spec.unit_field not in pos and chosen else None
    reader = _Reader(ctx, source, table, mapping, spec, pos, long, fixed_unit, unit_of)
    reader.read()
    reader.save()


class _Reader:
    def __init__(self, ctx, source, table: Table, mapping, spec: _Spec, pos, long, fixed_unit,
                 unit_of) -> None:
        self.ctx, self.source, self.table, self.spec = ctx, source, table, spec
        self.pos, self.long, self.fixed_unit, self.unit_of = pos, long, fixed_unit, unit_of
        self.words = mapping.word_table("measure") if long else {}
        self.columns = [m for m in spec.measures if m in pos]
        self.problems = RowProblems()
        # (measure, unit, month) -> {day: value}
        self.dated: dict[tuple[str, str, str], dict[str, int | None]] = defaultdict(dict)
        self.names: dict[str, tuple[str, str]] = {}
        self.unknown: dict[str, int] = {}
        self.ignored: set[str] = set()

    def _cell(self, row: list[str], name: str) -> str:
        index = self.pos[name]
        if index >= len(row):
            raise IndexError
        return row[index]

    def read(self) -> None:
        for line, row in self.table.rows:
            self.ctx.rows_read += 1
            try:
                self._row(line, row)
            except IndexError:
                self.problems.add(self.source.problem(
                    line, f"has {len(row)} fields where the header has {len(self.table.header)}"))
            except (BadDate, BadFigure, ValueError) as exc:
                self.problems.add(self.source.problem(line, str(exc)))
        self.problems.raise_if_any()
        if self.unknown:
            shown = ", ".join(f"'{w}' (first at line {n})"
                              for w, n in list(self.unknown.items())[:8])
            raise ImportFailed([self.source.problem(None, (
                f"figure names Practice Desk does not know: {shown}. Map each to a figure (or to "
                "'ignore') in the column-mapping step; nothing was guessed."))])
        if not self.dated:
            raise ImportFailed([self.source.problem(None, "the file has a header but no figures")])

    def _row(self, line: int, row: list[str]) -> None:
        unit = self.fixed_unit or self.unit_of(self._cell(row, self.spec.unit_field))
        when = self._cell(row, "month")
        month, day = to_month(when), _day_key(when)
        name_field = f"{self.spec.unit_field}_name"
        if name_field in self.pos and self._cell(row, name_field).strip():
            self.names[unit] = (month, self._cell(row, name_field).strip())
        if self.long:
            word = self._cell(row, "measure").strip()
            measure = self.words.get(normalise_name(word))
            if measure is None and _derived(word):
                measure = IGNORE
            if measure is None:
                self.unknown.setdefault(word, line)
                return
            if measure == IGNORE:
                self.ignored.add(word)
                return
            self._put(line, measure, unit, month, day, figure(self._cell(row, "value")))
            return
        for measure in self.columns:
            self._put(line, measure, unit, month, day, figure(self._cell(row, measure)))

    def _put(self, line: int, measure: str, unit: str, month: str, day: str,
             value: int | None) -> None:
        days = self.dated[(measure, unit, month)]
        if day in days:
            raise ValueError(f"{self.spec.measures[measure].lower()} for {unit} on {day} "
                             "appears twice")
        days[day] = value

    def save(self) -> None:
        figures: dict[tuple[str, str, str], int | None] = {}
        summed_months: set[str] = set()
        for (measure, unit, month), days in self.dated.items():
            if measure in STOCKS:
                figures[(measure, unit, month)] = days[max(days)]
                continue
            values = list(days.values())
            figures[(measure, unit, month)] = None if None in values else sum(values)
            if len(days) > 1:
                summed_months.add(month)
        if summed_months:
            self.ctx.warn(f"{self.source.name}: several dated rows in "
                          f"{', '.join(sorted(summed_months))} were added up per month; a month "
                          "the export covers only in part will look low")
        if self.ignored:
            self.ctx.warn(f"{self.source.name}: skipped figures that are not NHS App measures "
                          f"here: {', '.join(sorted(self.ignored)[:6])}")
        missing = sum(1 for v in figures.values() if v is None)
        if missing:
            self.ctx.warn(f"{self.source.name}: {missing:,} figure(s) blank, NULL or suppressed, "
                          "kept as missing (not 0)")
        common.store(self.ctx, self.spec.prefix, self.spec.table, self.spec.unit_column,
                     "measure", figures)
        if self.spec.kind == APP_PRACTICE:
            units = {unit for _, unit, _ in figures}
            for unit in sorted(units):
                month, name = self.names.get(unit, ("", ""))
                latest = max(m for _, u, m in figures if u == unit)
                upsert_practice(self.ctx, unit, {"name": name} if name else {}, month or latest)
        else:
            for unit, (_, name) in self.names.items():
                self.ctx.conn.execute("UPDATE app_area_values SET area_name = ? WHERE "
                                      "area_code = ? AND import_id = ?",
                                      (name, unit, self.ctx.import_id))


# --- detection -----------------------------------------------------------------------------------


def app_importer(mapping: ColumnMapping, name: str = "") -> Importer:
    return Importer(mapping.kind, name or mapping.name or _SPECS[mapping.kind].kind,
                    lambda h: False, lambda ctx, source: load(ctx, source, mapping), order=14)


def _for_header(header: list[str], conn: sqlite3.Connection | None) -> Importer | None:
    if not header:
        return None
    if conn is not None:
        for kind in (APP_PRACTICE, APP_AREA):
            saved = find_saved(conn, kind, header)
            if saved is not None:
                return app_importer(saved)
    found = preset_for(header)
    return app_importer(found[1], found[0]) if found else None


def recognise(source: Source, conn: sqlite3.Connection | None, options: Any) -> Importer | None:
    explicit = getattr(options, "mapping", None)
    if explicit is not None:
        return app_importer(explicit) if explicit.kind in _SPECS else None
    from practice_desk.importing.mapping import table_header

    return _for_header(table_header(source), conn)


def recognise_workbook(path: Path, conn: sqlite3.Connection | None,
                       options: Any) -> Importer | None:
    """An .xlsx export: the first table of its first sheets, by preset or saved mapping."""
    explicit = getattr(options, "mapping", None)
    if explicit is not None:
        return app_importer(explicit) if explicit.kind in _SPECS else None
    from practice_desk.importing.workbooks import open_workbook

    try:
        book = open_workbook(path)
        for sheet in book.sheet_names[:3]:
            for row in book.head(sheet, common.HEADER_SCAN):
                header = [common._cell_text(v) for v in row]
                while header and not header[-1]:
                    header.pop()
                if sum(1 for c in header if c) >= 3:
                    found = _for_header(header, conn)
                    if found is not None:
                        return found
    except ImportFailed:  # a workbook that cannot be read is not this kind
        return None
    return None


# What the list of importers shows; the importer of a file comes from recognise().
PRACTICE_EXPORTS = Importer(APP_PRACTICE, "NHS App dashboard exports by practice (display or "
                                          "internal names, wide or long, CSV or .xlsx)",
                            lambda h: False, lambda ctx, source: None, order=14)
AREA_STATISTICS = Importer(APP_AREA, "NHS App statistics by ICB or for England (through a "
                                     "column mapping)", lambda h: False, lambda ctx, source: None,
                           order=14)
