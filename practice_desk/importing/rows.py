"""Row helpers every importer of published CSV files shares: columns by name, counts, the
encoding note, memoised date parsing, and the practice identity (name, PCN, sub-ICB)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from local_db.bulk import insert_columns
from practice_desk.importing.context import ImportContext
from practice_desk.importing.dates import BadDate
from practice_desk.importing.problems import ImportFailed
from practice_desk.importing.sources import CsvReader, duplicate_columns
from practice_desk.plausible import check_count

PRACTICE_FIELDS = ["name", "supplier", "pcn_code", "pcn_name", "sub_icb_code", "sub_icb_name",
                   "icb_code", "icb_name", "region_code", "region_name"]


def column_index(reader: CsvReader, required: list[str]) -> dict[str, int]:
    """Position of each required column, found by name; a missing one stops the import."""
    positions = {name: i for i, name in enumerate(reader.header)}
    if twice := duplicate_columns(reader.header, required):
        raise ImportFailed([reader.source.problem(1, twice)])
    missing = [name for name in required if name not in positions]
    if missing:
        raise ImportFailed([reader.source.problem(
            1, f"missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)}"
        )])
    return {name: positions[name] for name in required}


def parse_count(text: str) -> int:
    value = text.strip()
    if not (value.isascii() and value.isdigit()):
        raise ValueError(f"count '{text}' is not a whole number of appointments")
    return check_count(int(value), text)


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


def upsert_practice(ctx: ImportContext, ods_code: str, fields: dict[str, str], as_of: str) -> None:
    """Newer data wins where it has a value; older data only fills gaps."""
    upsert_practices(ctx, [(ods_code, fields, as_of)])


def upsert_practices(ctx: ImportContext,
                     practices: Iterable[tuple[str, dict[str, str | None], str]]) -> None:
    """upsert_practice for many (ods_code, fields, as_of), in a few statements."""
    found = list(practices)
    upsert_practice_columns(ctx, [code for code, _, _ in found],
                            {f: [fields.get(f) or None for _, fields, _ in found]
                             for f in PRACTICE_FIELDS}, [as_of for _, _, as_of in found])


def upsert_practice_columns(ctx: ImportContext, codes: Sequence[str],
                            fields: dict[str, Sequence[str | None]],
                            as_of: Sequence[str]) -> None:
    """upsert_practices for an importer that reads a column at a time: the codes, a column of
    values (None for a blank) for each of the PRACTICE_FIELDS it has, and each row's month."""
    ctx.mention_all("practice", codes)
    blank = [None] * len(codes)
    insert_columns(ctx.conn, _UPSERT_HEAD, [codes, *(fields.get(f, blank) for f in PRACTICE_FIELDS),
                                            as_of, [ctx.import_id] * len(codes)], _UPSERT_TAIL)


_UPSERT_HEAD = (f"INSERT INTO practices (ods_code, {', '.join(PRACTICE_FIELDS)}, as_of, import_id) "
                "VALUES")
_UPSERT_TAIL = (
    "ON CONFLICT (ods_code) DO UPDATE SET "
    + ", ".join(f"{f} = CASE WHEN excluded.as_of >= practices.as_of "
                f"THEN COALESCE(excluded.{f}, practices.{f}) "
                f"ELSE COALESCE(practices.{f}, excluded.{f}) END" for f in PRACTICE_FIELDS)
    + ", as_of = MAX(practices.as_of, excluded.as_of), import_id = excluded.import_id")


def valid_ods(code: str) -> bool:
    return 3 <= len(code) <= 10 and code.isalnum()


def width_problem(found: int, expected: int) -> str:
    hint = " (a name with an unquoted comma?)" if found > expected else ""
    return f"has {found} fields where the header has {expected}{hint}"
