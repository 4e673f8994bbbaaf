"""GPAD (Appointments in General Practice) files: practice crosstab, mapping, area, categories."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from practice_desk.importing import runner
from practice_desk.importing.blocks import CsvBlocks
from practice_desk.importing.dates import BadDate, check_plausible, parse_day, parse_month
from practice_desk.importing.detect import Importer, register
from practice_desk.importing.problems import ImportFailed
from practice_desk.importing.runner import DuplicateRows, ImportContext, RowProblems
from practice_desk.importing.sources import CsvReader, Source, clean_header, read_csv

BATCH = 50_000

CROSSTAB_COLUMNS = [
    "APPOINTMENT_MONTH_START_DATE", "GP_CODE", "GP_NAME", "SUPPLIER", "PCN_CODE", "PCN_NAME",
    "SUB_ICB_LOCATION_CODE", "SUB_ICB_LOCATION_NAME", "HCP_TYPE", "APPT_MODE",
    "NATIONAL_CATEGORY", "TIME_BETWEEN_BOOK_AND_APPT", "COUNT_OF_APPOINTMENTS", "APPT_STATUS",
]
MAPPING_COLUMNS = [
    "GP_CODE", "GP_NAME", "SUPPLIER", "PCN_CODE", "PCN_NAME", "SUB_ICB_LOCATION_CODE",
    "SUB_ICB_LOCATION_NAME", "ICB_CODE", "ICB_NAME", "REGION_CODE", "REGION_NAME",
]
AREA_DIMENSIONS = ["APPT_STATUS", "HCP_TYPE", "APPT_MODE", "TIME_BETWEEN_BOOK_AND_APPT",
                   "COUNT_OF_APPOINTMENTS"]
CATEGORY_COLUMNS = ["APPOINTMENT_DATE", "SERVICE_SETTING", "CONTEXT_TYPE", "NATIONAL_CATEGORY",
                    "COUNT_OF_APPOINTMENTS"]
PRACTICE_FIELDS = ["name", "supplier", "pcn_code", "pcn_name", "sub_icb_code", "sub_icb_name",
                   "icb_code", "icb_name", "region_code", "region_name"]


# --- shared row helpers ------------------------------------------------------------------
def column_index(reader: CsvReader, required: list[str]) -> dict[str, int]:
    """Position of each required column, found by name; a missing one stops the import."""
    positions = {name: i for i, name in enumerate(reader.header)}
    missing = [name for name in required if name not in positions]
    if missing:
        raise ImportFailed([reader.source.problem(
            1, f"missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)}"
        )])
    return {name: positions[name] for name in required}


MAX_COUNT = 10**9  # far above any real count; larger values are damage (and overflow SQLite)


def parse_count(text: str) -> int:
    value = text.strip()
    if not (value.isascii() and value.isdigit()):
        raise ValueError(f"count '{text}' is not a whole number of appointments")
    count = int(value)
    if count > MAX_COUNT:
        raise ValueError(f"count '{text}' is too large to be real")
    return count


def note_encoding(ctx: ImportContext, reader: CsvReader) -> None:
    if reader.encoding == "cp1252":
        ctx.warn(f"{reader.source.name}: not UTF-8 (first at line {reader.first_non_utf8_line}); "
                 "read as Windows-1252, as Excel saves it")


class CachedParser:
    """Memoises a parse of repeated text values (months, dates), remembering failures too."""

    def __init__(self, parse: Callable[[str], str]):
        self._parse, self._cache = parse, {}

    def __call__(self, text: str) -> str:
        hit = self._cache.get(text)
        if hit is None:
            try:
                hit = self._parse(text)
            except BadDate as exc:
                hit = exc
            self._cache[text] = hit
        if isinstance(hit, BadDate):
            raise hit
        return hit


def _month(text: str) -> str:
    month = parse_month(text)
    check_plausible(month)
    return month


def _day(text: str) -> str:
    day = parse_day(text).isoformat()
    check_plausible(day)
    return day


def upsert_practice(ctx: ImportContext, ods_code: str, fields: dict[str, str], as_of: str) -> None:
    """Newer data wins where it has a value; older data only fills gaps."""
    columns = ", ".join(PRACTICE_FIELDS)
    marks = ", ".join("?" * len(PRACTICE_FIELDS))
    updates = ", ".join(
        f"{f} = CASE WHEN excluded.as_of >= practices.as_of "
        f"THEN COALESCE(excluded.{f}, practices.{f}) ELSE COALESCE(practices.{f}, excluded.{f}) END"
        for f in PRACTICE_FIELDS
    )
    values = [fields.get(f) or None for f in PRACTICE_FIELDS]
    ctx.conn.execute(
        f"INSERT INTO practices (ods_code, {columns}, as_of, import_id) VALUES (?, {marks}, ?, ?) "
        f"ON CONFLICT (ods_code) DO UPDATE SET {updates}, "
        "as_of = MAX(practices.as_of, excluded.as_of), import_id = excluded.import_id",
        [ods_code, *values, as_of, ctx.import_id],
    )


def _valid_ods(code: str) -> bool:
    return 3 <= len(code) <= 10 and code.isalnum()


# --- practice crosstab ----------------------------------------------------------------------
INSERT_CROSSTAB = (
    "INSERT INTO gpad_appointments (import_id, ods_code, month, hcp_type, appt_mode, category, "
    "interval, status, count) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
LABEL_COLUMNS = [("hcp_type", "HCP_TYPE"), ("appt_mode", "APPT_MODE"),
                 ("category", "NATIONAL_CATEGORY"), ("interval", "TIME_BETWEEN_BOOK_AND_APPT"),
                 ("status", "APPT_STATUS")]


def load_crosstab(ctx: ImportContext, source: Source) -> None:
    """A practice-level crosstab (~1.2 million rows a national month), read a block at a time by
    pandas: months, practice codes, counts and the five labels repeat row after row, so each is
    checked or looked up once per distinct value and the rows are handled as columns."""
    table = CsvBlocks(source)
    table.header = [clean_header(h) for h in table.header]
    note_encoding(ctx, table)  # type: ignore[arg-type]
    try:
        col = column_index(table, CROSSTAB_COLUMNS)  # type: ignore[arg-type]
    except ImportFailed:
        table.close()
        raise
    crosstab = _Crosstab(ctx, source, col)
    for numbers, block in table:
        ctx.rows_read += len(block)
        if table.is_full(block):
            ctx.checkpoint(table, ctx.rows_read)  # type: ignore[arg-type]
        crosstab.add(numbers, block)
        if len(crosstab.problems) >= runner.MAX_PROBLEMS:
            break
    if crosstab.problems:
        lines = table.lines(crosstab.problems)
        problems = RowProblems()
        for number, message in sorted(crosstab.problems.items()):
            problems.add(source.problem(lines.get(number), message))
        problems.raise_if_any()
    ctx.rows_stored += crosstab.stored
    ctx.claim("gpad_practice", crosstab.claims)
    for code, (month, fields) in crosstab.practices.items():
        upsert_practice(ctx, code, fields, as_of=month)


class _Crosstab:
    """The checks and look-ups of load_crosstab, kept across the blocks of one file."""

    def __init__(self, ctx: ImportContext, source: Source, col: dict[str, int]):
        self.ctx, self.source, self.col = ctx, source, col
        self.problems: dict[int, str] = {}  # row number in the file -> its first problem
        self.months = CachedParser(_month)
        self.label_ids: dict[tuple[str, ...], tuple[int, ...]] = {}
        self.seen: set[int] = set()  # hashes of (code, month, label ids): a repeat is damage
        self.claims: set[tuple[str, str]] = set()
        self.practices: dict[str, tuple[str, dict[str, str]]] = {}
        self.stored = 0

    def add(self, numbers: np.ndarray, block: pd.DataFrame) -> None:
        bad = np.zeros(len(block), dtype=bool)

        def checked(column: str, check: Callable[[str], object]) -> np.ndarray:
            """check(text) of every row, once per distinct text; a ValueError is a problem on
            each row with that text."""
            codes, distinct = pd.factorize(block[self.col[column]].to_numpy(dtype=object))
            values = np.empty(len(distinct), dtype=object)
            failed: dict[int, str] = {}
            for k, text in enumerate(distinct):
                try:
                    values[k] = check(text)
                except ValueError as exc:
                    failed[k] = str(exc)
            for i in np.flatnonzero(np.isin(codes, list(failed))) if failed else []:
                bad[i] = True
                self.problems.setdefault(int(numbers[i]), failed[codes[i]])
            return values[codes]

        months = checked("APPOINTMENT_MONTH_START_DATE", self.months)
        counts = checked("COUNT_OF_APPOINTMENTS", parse_count)
        codes = checked("GP_CODE", _practice_code)
        ids = self._label_ids(block)
        keys = list(zip(codes.tolist(), months.tolist(), ids, strict=True))
        for i in np.flatnonzero(~bad):
            hashed = hash(keys[i])
            if hashed in self.seen:
                self.problems.setdefault(int(numbers[i]), REPEAT)
            self.seen.add(hashed)
        if self.problems:
            return  # read on only to find the other problems
        self.ctx.conn.executemany(INSERT_CROSSTAB, [
            (self.ctx.import_id, code, month, *label_ids, count)
            for (code, month, label_ids), count in zip(keys, counts.tolist(), strict=True)])
        self.stored += len(keys)
        self._practice_details(block, codes, months)

    def _label_ids(self, block: pd.DataFrame) -> list[tuple[int, ...]]:
        """The five label ids of every row, looked up once per distinct combination."""
        combined = np.zeros(len(block), np.int64)
        columns = []
        for _, name in LABEL_COLUMNS:
            codes, distinct = pd.factorize(block[self.col[name]].to_numpy(dtype=object))
            combined = combined * len(distinct) + codes
            columns.append((codes, distinct))
        _, first, inverse = np.unique(combined, return_index=True, return_inverse=True)
        found = []
        for i in first:
            raw = tuple(distinct[codes[i]] for codes, distinct in columns)
            if raw not in self.label_ids:
                self.label_ids[raw] = tuple(self.ctx.label_id(dimension, text, self.source)
                                            for (dimension, _), text
                                            in zip(LABEL_COLUMNS, raw, strict=True))
            found.append(self.label_ids[raw])
        return [found[k] for k in inverse.tolist()]

    def _practice_details(self, block: pd.DataFrame, codes: np.ndarray,
                          months: np.ndarray) -> None:
        """Claims of (practice, month), and each practice's details from its newest month."""
        pairs = pd.DataFrame({"code": codes, "month": months}).drop_duplicates()
        for i, code, month in zip(pairs.index, pairs["code"], pairs["month"], strict=True):
            self.claims.add((code, month))
            if code not in self.practices or self.practices[code][0] < month:
                row = block.iloc[i]
                self.practices[code] = (month, {
                    field: row[self.col[column]].strip() for field, column in (
                        ("name", "GP_NAME"), ("supplier", "SUPPLIER"), ("pcn_code", "PCN_CODE"),
                        ("pcn_name", "PCN_NAME"), ("sub_icb_code", "SUB_ICB_LOCATION_CODE"),
                        ("sub_icb_name", "SUB_ICB_LOCATION_NAME"))})


REPEAT = ("repeats an earlier row for the same practice, month, staff type, mode, category, "
          "interval and status")


def _practice_code(text: str) -> str:
    code = text.strip().upper()
    if not _valid_ods(code):
        raise ValueError(f"'{text}' is not a practice ODS code")
    return code


def _width_problem(found: int, expected: int) -> str:
    hint = " (a name with an unquoted comma?)" if found > expected else ""
    return f"has {found} fields where the header has {expected}{hint}"


# --- Mapping.csv -------------------------------------------------------------------------
def load_mapping(ctx: ImportContext, source: Source) -> None:
    """Practice names, PCN, sub-ICB, ICB and region. In a zip it dates from the newest month."""
    reader = read_csv(source)
    note_encoding(ctx, reader)
    col = column_index(reader, MAPPING_COLUMNS)
    problems, repeats = RowProblems(), DuplicateRows("practice")
    as_of = max(ctx.periods, default="")
    for line, row in reader.rows:
        ctx.rows_read += 1
        if len(row) != len(reader.header):
            problems.add(source.problem(line, _width_problem(len(row), len(reader.header))))
            continue
        code = row[col["GP_CODE"]].strip().upper()
        if not _valid_ods(code):
            raw_code = row[col["GP_CODE"]]
            problems.add(source.problem(line, f"'{raw_code}' is not a practice ODS code"))
            continue
        if not repeats.check((code,), line, source, problems):
            continue
        fields = dict(zip(["name", *PRACTICE_FIELDS[1:]],
                          (row[col[c]].strip() for c in MAPPING_COLUMNS[1:]), strict=True))
        upsert_practice(ctx, code, fields, as_of)
        ctx.rows_stored += 1
    problems.raise_if_any()


# --- area files (daily sub-ICB, regional monthly) ----------------------------------------
def _area_columns(header: set[str]) -> tuple[str, str, str] | None:
    """(code, ONS code, name) columns of a sub-ICB or a CCG-era area file."""
    if "SUB_ICB_LOCATION_CODE" in header:
        return "SUB_ICB_LOCATION_CODE", "SUB_ICB_LOCATION_ONS_CODE", "SUB_ICB_LOCATION_NAME"
    if "CCG_CODE" in header:
        return "CCG_CODE", "CCG_ONS_CODE", "CCG_NAME"
    return None


def _load_area(ctx: ImportContext, source: Source, period_column: str, granularity: str) -> None:
    reader = read_csv(source)
    note_encoding(ctx, reader)
    code_col, ons_col, name_col = _area_columns(set(reader.header))
    col = column_index(reader, [code_col, period_column, *AREA_DIMENSIONS])
    optional = {n: i for i, n in enumerate(reader.header)}
    parse_period = CachedParser(_day if granularity == "day" else _month)
    dims = [("hcp_type", col["HCP_TYPE"]), ("appt_mode", col["APPT_MODE"]),
            ("interval", col["TIME_BETWEEN_BOOK_AND_APPT"]), ("status", col["APPT_STATUS"])]
    areas: dict[str, list[str]] = {}
    claims: set[tuple[str, str]] = set()
    problems, batch, rows = RowProblems(), [], 0
    repeats = DuplicateRows("area, period, staff type, mode, interval and status")
    insert = ("INSERT INTO gpad_area_appointments (import_id, area_code, granularity, period, "
              "month, hcp_type, appt_mode, interval, status, count) "
              "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
    for line, row in reader.rows:
        rows += 1
        ctx.tick(reader, rows)
        if len(row) != len(reader.header):
            problems.add(source.problem(line, _width_problem(len(row), len(reader.header))))
            continue
        try:
            period = parse_period(row[col[period_column]])
            count = parse_count(row[col["COUNT_OF_APPOINTMENTS"]])
        except ValueError as exc:
            problems.add(source.problem(line, str(exc)))
            continue
        code = row[col[code_col]].strip().upper()
        ids = tuple(ctx.label_id(d, row[i], source) for d, i in dims)
        if not repeats.check((code, period, ids), line, source, problems):
            continue
        areas.setdefault(code, row)
        claims.add((code, period))
        batch.append((ctx.import_id, code, granularity, period, period[:7], *ids, count))
        if len(batch) >= BATCH:
            ctx.conn.executemany(insert, batch)
            batch.clear()
    problems.raise_if_any()
    ctx.conn.executemany(insert, batch)
    ctx.rows_read += rows
    ctx.rows_stored += rows
    ctx.claim(f"gpad_area_{granularity}", claims)
    kind = "sub_icb" if code_col.startswith("SUB_ICB") else "ccg"
    for code, row in areas.items():
        _upsert_area(ctx, code, kind, row, optional, ons_col, name_col)


def _upsert_area(ctx, code, kind, row, positions, ons_col, name_col) -> None:
    def get(name):
        i = positions.get(name)
        return row[i].strip() if i is not None and i < len(row) else None

    ctx.conn.execute(
        "INSERT INTO areas (code, kind, name, ons_code, parent_name, region_name) "
        "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (code) DO UPDATE SET name = excluded.name, "
        "ons_code = excluded.ons_code, parent_name = COALESCE(excluded.parent_name, parent_name), "
        "region_name = COALESCE(excluded.region_name, region_name)",
        (code, kind, get(name_col), get(ons_col), get("ICB_NAME") or get("STPNM"),
         get("REGION_NAME")),
    )


def load_area_daily(ctx: ImportContext, source: Source) -> None:
    _load_area(ctx, source, "APPOINTMENT_DATE", "day")


def load_area_monthly(ctx: ImportContext, source: Source) -> None:
    _load_area(ctx, source, "APPOINTMENT_MONTH", "month")


# --- national categories (daily, per sub-ICB) --------------------------------------------
def load_categories(ctx: ImportContext, source: Source) -> None:
    reader = read_csv(source)
    note_encoding(ctx, reader)
    code_col = _area_columns(set(reader.header))[0]
    col = column_index(reader, [code_col, *CATEGORY_COLUMNS])
    parse_period = CachedParser(_day)
    dims = [("service_setting", col["SERVICE_SETTING"]), ("context_type", col["CONTEXT_TYPE"]),
            ("category", col["NATIONAL_CATEGORY"])]
    claims: set[tuple[str, str]] = set()
    problems, batch, rows = RowProblems(), [], 0
    repeats = DuplicateRows("area, day, service setting, context type and category")
    insert = ("INSERT INTO gpad_category_appointments (import_id, area_code, period, month, "
              "service_setting, context_type, category, count) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
    for line, row in reader.rows:
        rows += 1
        ctx.tick(reader, rows)
        if len(row) != len(reader.header):
            problems.add(source.problem(line, _width_problem(len(row), len(reader.header))))
            continue
        try:
            period = parse_period(row[col["APPOINTMENT_DATE"]])
            count = parse_count(row[col["COUNT_OF_APPOINTMENTS"]])
        except ValueError as exc:
            problems.add(source.problem(line, str(exc)))
            continue
        code = row[col[code_col]].strip().upper()
        ids = tuple(ctx.label_id(d, row[i], source) for d, i in dims)
        if not repeats.check((code, period, ids), line, source, problems):
            continue
        claims.add((code, period))
        batch.append((ctx.import_id, code, period, period[:7], *ids, count))
        if len(batch) >= BATCH:
            ctx.conn.executemany(insert, batch)
            batch.clear()
    problems.raise_if_any()
    ctx.conn.executemany(insert, batch)
    ctx.rows_read += rows
    ctx.rows_stored += rows
    ctx.claim("gpad_category", claims)


# --- registration ------------------------------------------------------------------------
def _is_area(header: set[str]) -> bool:
    return _area_columns(header) is not None and "GP_CODE" not in header


register(Importer(
    "gpad_crosstab", "GPAD practice-level crosstab (Practice_Level_Crosstab*.csv or its zip)",
    lambda h: {"GP_CODE", "APPOINTMENT_MONTH_START_DATE", "COUNT_OF_APPOINTMENTS"} <= h,
    load_crosstab, order=0,
))
register(Importer(
    "gpad_mapping", "GPAD Mapping.csv",
    lambda h: {"GP_CODE", "ICB_CODE", "PCN_CODE"} <= h and "COUNT_OF_APPOINTMENTS" not in h,
    load_mapping, order=9,
))
register(Importer(
    "gpad_categories", "GPAD national categories (National_Categories_CSV*.csv)",
    lambda h: _is_area(h) and {"APPOINTMENT_DATE", "NATIONAL_CATEGORY", "SERVICE_SETTING"} <= h,
    load_categories, order=2,
))
register(Importer(
    "gpad_area_daily", "GPAD daily sub-ICB file (SUB_ICB_LOCATION_CSV*.csv)",
    lambda h: _is_area(h) and {"APPOINTMENT_DATE", "APPT_MODE"} <= h,
    load_area_daily, order=3,
))
register(Importer(
    "gpad_area_monthly", "GPAD regional monthly file (Regional_CSV*.csv)",
    lambda h: _is_area(h) and {"APPOINTMENT_MONTH", "APPT_MODE"} <= h,
    load_area_monthly, order=4,
))
