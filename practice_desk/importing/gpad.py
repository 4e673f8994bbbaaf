"""GPAD (Appointments in General Practice) files: practice crosstab, mapping, area, categories."""

from __future__ import annotations

from operator import itemgetter

from practice_desk.importing import context
from practice_desk.importing.context import DuplicateRows, ImportContext, RowProblems
from practice_desk.importing.dates import BadDate, check_plausible, parse_day, parse_month
from practice_desk.importing.importer import Importer
from practice_desk.importing.rows import (
    PRACTICE_FIELDS,
    CachedParser,
    column_index,
    note_encoding,
    parse_count,
    upsert_practice,
    upsert_practices,
    valid_ods,
    width_problem,
)
from practice_desk.importing.sources import CsvReader, OpenCsv, Source, read_csv

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


def _month(text: str) -> str:
    month = parse_month(text)
    check_plausible(month)
    return month


def _day(text: str) -> str:
    day = parse_day(text).isoformat()
    check_plausible(day)
    return day


# --- practice crosstab -------------------------------------------------------------------
def load_crosstab(ctx: ImportContext, source: Source) -> None:
    reader = read_csv(source)
    note_encoding(ctx, reader)
    col = column_index(reader, CROSSTAB_COLUMNS)
    loop = _CrosstabLoop(ctx, source, reader, col)
    with reader.opened.text, context.collector_paused():
        loop.run(reader.opened)
    loop.problems.raise_if_any()
    ctx.rows_read += loop.rows
    ctx.rows_stored += loop.rows
    ctx.claim("gpad_practice", set(loop.units))
    upsert_practices(ctx, ((code, {
        "name": row[col["GP_NAME"]].strip(), "supplier": row[col["SUPPLIER"]].strip(),
        "pcn_code": row[col["PCN_CODE"]].strip(), "pcn_name": row[col["PCN_NAME"]].strip(),
        "sub_icb_code": row[col["SUB_ICB_LOCATION_CODE"]].strip(),
        "sub_icb_name": row[col["SUB_ICB_LOCATION_NAME"]].strip(),
    }, month) for code, (month, row) in loop.practices.items()))


_LABEL_COLUMNS = [("hcp_type", "HCP_TYPE"), ("appt_mode", "APPT_MODE"),
                  ("category", "NATIONAL_CATEGORY"), ("interval", "TIME_BETWEEN_BOOK_AND_APPT"),
                  ("status", "APPT_STATUS")]
# The published files end with these columns: the practice's columns come before them.
_PUBLISHED_TAIL = ["HCP_TYPE", "APPT_MODE", "NATIONAL_CATEGORY", "TIME_BETWEEN_BOOK_AND_APPT",
                   "COUNT_OF_APPOINTMENTS", "APPT_STATUS"]
# OR FAIL: SQLite keeps no statement journal to undo half a statement (6 % of the inserts'
# time); a failed statement fails the import, whose transaction is rolled back as a whole.
_INSERT_CROSSTAB = ("INSERT OR FAIL INTO gpad_appointments (import_id, ods_code, month, "
                    "hcp_type, appt_mode, category, interval, status, count) VALUES ")
ROWS_PER_INSERT = 1000  # rows in one multi-row INSERT (9,000 values, under SQLite's 32,766)


def _insert_rows(conn, values: list, rows: int | None = None) -> None:
    """Insert flat crosstab values, ROWS_PER_INSERT rows per statement (SQLite spends about a
    quarter less than on one statement a row), or `rows` rows in one statement."""
    rows = rows if rows is not None else ROWS_PER_INSERT
    statement = _INSERT_CROSSTAB + ",".join(["(?,?,?,?,?,?,?,?,?)"] * rows)
    step = 9 * rows
    for start in range(0, len(values) - step + 1, step):
        conn.execute(statement, values[start:start + step])


class _PracticeMonth:
    """One practice-month of a crosstab: its rows (flat, as inserted) and the label
    combinations they have had (each may come once)."""

    __slots__ = ("head", "combos", "values")

    def __init__(self, import_id: int, code: str, month: str):
        self.head = (import_id, code, month)
        self.combos: set[int] = set()
        self.values: list = []


class _CrosstabLoop:
    """The row loop of a crosstab (~1.2 million rows a national month). Rows come a practice at
    a time and repeat the same few thousand label combinations, so a line is first tried on the
    fast path: when it starts with the practice columns of the row before and its label,
    status and count texts were all seen before, it costs a split, three look-ups and an add
    (`run`). Any other line is split as the csv module would and goes through every check
    (`_row`), which also teaches the fast path; every problem is found there. Everything that
    repeats is worked out once: the practice-month (looked at only when the code or month text
    changes), the five label ids of each combination and its number, each count text."""

    def __init__(self, ctx: ImportContext, source: Source, reader: CsvReader,
                 col: dict[str, int]):
        self.ctx, self.source, self.reader = ctx, source, reader
        self.i_code, self.i_month, self.i_count = (
            col["GP_CODE"], col["APPOINTMENT_MONTH_START_DATE"], col["COUNT_OF_APPOINTMENTS"])
        self.labels_of = itemgetter(*(col[c] for _, c in _LABEL_COLUMNS))
        self.width = len(reader.header)
        # The fast path needs the published layout's last six columns (any columns before).
        self.published = reader.header[-6:] == _PUBLISHED_TAIL
        self.month_of = CachedParser(_month)
        self.problems = RowProblems()
        self.units: dict[tuple[str, str], _PracticeMonth] = {}  # by (code, month); the claims
        self.practices: dict[str, tuple[str, list[str]]] = {}  # code -> newest (month, row)
        self.combos: dict[tuple[int, ...], int] = {}  # five label ids -> combination number
        self.labels_seen: dict[tuple[str, ...], tuple[tuple[int, ...], int]] = {}
        self.counts: dict[str, int] = {}  # count text -> count
        # (labels text, status text with its line end) -> (label ids, combination number)
        self.line_labels: dict[tuple[str, str], tuple[tuple[int, ...], int]] = {}
        # The fast path's practice: the text of its columns up to the labels, and its
        # practice-month, from the last row _row kept.
        self.practice_line: tuple[str | None, _PracticeMonth | None] = (None, None)
        self.last_code = self.last_month = None
        self.unit = None  # the current _PracticeMonth, or the problem of its code or month
        self.rows = 0

    def run(self, where: OpenCsv) -> None:
        where.refuse_if_damaged()
        ctx, check_every = self.ctx, context.CHECK_EVERY
        line_labels, counts = self.line_labels, self.counts
        prefix, skip, head, seen, extend = self._fast_path()
        # The n-th line read is physical line n + shift (a quoted line break adds lines).
        shift, blank, n = where.reader.line_num, 0, 0
        for n, line in enumerate(where.text, 1):
            if not n % check_every:
                ctx.checkpoint(self.reader, n - blank)
            if prefix is not None and line.startswith(prefix):
                try:
                    labels, count_text, status = line[skip:].rsplit(",", 2)
                except ValueError:  # too few fields: _row says so
                    labels = count_text = status = None
                found = line_labels.get((labels, status))
                count = counts.get(count_text)
                if found is not None and count is not None and found[1] not in seen:
                    seen.add(found[1])
                    extend((*head, *found[0], count))
                    continue
            where.line_num = n - 1 + shift
            row = where.split(line)
            shift = where.line_num - n
            blank += self._row(row, line, where.line_num)
            prefix, skip, head, seen, extend = self._fast_path()
        self.rows = n - blank
        self._insert()

    def _fast_path(self) -> tuple:
        """(practice columns' text, its length, the row head, the practice-month's
        combinations and its rows' extend) for the loop's locals."""
        prefix, unit = self.practice_line
        if unit is None:
            return None, 0, (), set(), None
        return prefix, len(prefix), unit.head, unit.combos, unit.values.extend

    def _insert(self) -> None:
        """Every row, in (code, month) order, ROWS_PER_INSERT to a statement (the (ods_code,
        month) index then grows at one end instead of all over: a third less time inserting
        into a new database); cancel is honoured between statements."""
        values: list = []
        for key in sorted(self.units):
            values += self.units[key].values
            self.units[key].values = []
            if len(values) >= 9 * BATCH:
                self.ctx.check_cancel()
                _insert_rows(self.ctx.conn, values)
                del values[:len(values) - len(values) % (9 * ROWS_PER_INSERT)]
        _insert_rows(self.ctx.conn, values)
        del values[:len(values) - len(values) % (9 * ROWS_PER_INSERT)]
        if values:
            _insert_rows(self.ctx.conn, values, len(values) // 9)

    def _row(self, row: list[str], line: str, line_num: int) -> int:
        """Check and keep one row (`line` is its text, `row` its fields), or record its problem.
        1 when the row is blank (not counted), else 0."""
        if len(row) != self.width:
            return self._odd_width(row, line_num)
        raw_code, raw_month = row[self.i_code], row[self.i_month]
        if raw_code != self.last_code or raw_month != self.last_month:
            self.last_code, self.last_month = raw_code, raw_month
            self.unit = self._unit(raw_code, raw_month, row)
        unit = self.unit
        i_count = self.i_count
        if type(unit) is not _PracticeMonth:
            return self._bad_unit(unit, row, i_count, line_num)
        count = self.counts.get(row[i_count])
        if count is None:
            try:
                count = self.counts[row[i_count]] = parse_count(row[i_count])
            except ValueError as exc:
                self.problems.add(self.source.problem(line_num, str(exc)))
                return 0
        labels = self.labels_of(row)
        found = self.labels_seen.get(labels)
        if found is None:
            found = self.labels_seen[labels] = self._combination(labels)
        ids, combo = found
        if combo in unit.combos:
            self.problems.add(self.source.problem(line_num, "repeats an earlier row for the "
                                                  "same practice, month, staff type, mode, "
                                                  "category, interval and status"))
            return 0
        unit.combos.add(combo)
        unit.values.extend((*unit.head, *ids, count))
        if self.published and '"' not in line:  # its text is its fields: teach the fast path
            prefix = ",".join(row[:-6]) + ","
            labels_text, _, status = line[len(prefix):].rsplit(",", 2)
            self.line_labels[(labels_text, status)] = found
            self.practice_line = (prefix, unit)
        return 0

    def _unit(self, raw_code: str, raw_month: str, row: list[str]):
        """The _PracticeMonth of a row, first seen or not; else the BadDate of its month or
        the text of its code problem."""
        try:
            month = self.month_of(raw_month)
        except BadDate as exc:
            return exc
        code = raw_code.strip().upper()
        if not valid_ods(code):
            return f"'{raw_code}' is not a practice ODS code"
        unit = self.units.get((code, month))
        if unit is None:  # the first row of a practice-month
            unit = self.units[(code, month)] = _PracticeMonth(self.ctx.import_id, code, month)
            if code not in self.practices or self.practices[code][0] < month:
                self.practices[code] = (month, row)
        return unit

    def _bad_unit(self, why, row: list[str], i_count: int, line: int) -> int:
        """A row whose month or practice code is bad: the problem, in the order the checks
        go (month, count, code). 1 when the row is blank (not counted), else 0."""
        if _blank(row):
            return 1
        if isinstance(why, BadDate):
            self.problems.add(self.source.problem(line, str(why)))
            return 0
        try:
            parse_count(row[i_count])
        except ValueError as exc:
            self.problems.add(self.source.problem(line, str(exc)))
            return 0
        self.problems.add(self.source.problem(line, why))
        return 0

    def _odd_width(self, row: list[str], line: int) -> int:
        if _blank(row):
            return 1
        self.problems.add(self.source.problem(line, width_problem(len(row), self.width)))
        return 0

    def _combination(self, labels: tuple[str, ...]) -> tuple[tuple[int, ...], int]:
        ids = tuple(self.ctx.label_id(d, raw, self.source)
                    for (d, _), raw in zip(_LABEL_COLUMNS, labels, strict=True))
        combo = self.combos.get(ids)
        if combo is None:
            combo = self.combos[ids] = len(self.combos)
        return ids, combo


def _blank(row: list[str]) -> bool:
    return not any(field.strip() for field in row)


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
            problems.add(source.problem(line, width_problem(len(row), len(reader.header))))
            continue
        code = row[col["GP_CODE"]].strip().upper()
        if not valid_ods(code):
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
            problems.add(source.problem(line, width_problem(len(row), len(reader.header))))
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

    ctx.mention("area", code)
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
            problems.add(source.problem(line, width_problem(len(row), len(reader.header))))
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


# --- the importers (listed in formats.py) --------------------------------------------
def _is_area(header: set[str]) -> bool:
    return _area_columns(header) is not None and "GP_CODE" not in header


CROSSTAB = Importer(
    "gpad_crosstab", "GPAD practice-level crosstab (Practice_Level_Crosstab*.csv or its zip)",
    lambda h: {"GP_CODE", "APPOINTMENT_MONTH_START_DATE", "COUNT_OF_APPOINTMENTS"} <= h,
    load_crosstab, order=0,
)
MAPPING = Importer(
    "gpad_mapping", "GPAD Mapping.csv",
    lambda h: {"GP_CODE", "ICB_CODE", "PCN_CODE"} <= h and "COUNT_OF_APPOINTMENTS" not in h,
    load_mapping, order=9,
)
CATEGORIES = Importer(
    "gpad_categories", "GPAD national categories (National_Categories_CSV*.csv)",
    lambda h: _is_area(h) and {"APPOINTMENT_DATE", "NATIONAL_CATEGORY", "SERVICE_SETTING"} <= h,
    load_categories, order=2,
)
AREA_DAILY = Importer(
    "gpad_area_daily", "GPAD daily sub-ICB file (SUB_ICB_LOCATION_CSV*.csv)",
    lambda h: _is_area(h) and {"APPOINTMENT_DATE", "APPT_MODE"} <= h,
    load_area_daily, order=3,
)
AREA_MONTHLY = Importer(
    "gpad_area_monthly", "GPAD regional monthly file (Regional_CSV*.csv)",
    lambda h: _is_area(h) and {"APPOINTMENT_MONTH", "APPT_MODE"} <= h,
    load_area_monthly, order=4,
)
