"""The column-mapping step for files without a fixed layout (call logs, 111 counts, NHS App ...).

A *kind* (defined by a reader module, listed in formats.py) lists the fields it needs; a
`ColumnMapping` says which column of a file holds each field, how supplier words translate to the
kind's canonical values, and options such as the date order or the practice. Mappings are saved in
`column_mappings` under the file's header signature, so the next export of the same shape imports
with one click.

For a mapping dialog::

    p = preview(path)                          # header, first rows, signature
    m = find_saved(conn, "call_log", p.header) or suggest_mapping("call_log", p.header)
    words = distinct_values(path, m.columns["outcome"])      # words to map to outcomes
    m.columns["wait_s"] = "Queue Time"; m.values["outcome"]["Abandoned"] = "ivr_ended"
    problems = validate(m, p.header)          # [] when it can be used
    save_mapping(conn, m, p.header)
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import Any

from practice_desk.importing.problems import ImportFailed
from practice_desk.importing.sources import (
    Source,
    duplicate_columns,
    is_zip,
    open_csv,
    zip_members,
)

# --- kinds and their fields ------------------------------------------------------------------


@dataclass(frozen=True)
class Field:
    """One thing a kind of file must or may provide."""

    name: str
    label: str
    required: bool = False
    group: str | None = None        # at least one field of each group must be mapped
    values: tuple[str, ...] = ()    # canonical values its words map to ('' = no value map)
    synonyms: tuple[str, ...] = ()  # header names that suggest this field, normalised
    default_words: dict[str, str] = field(default_factory=dict)  # word -> value, suggested
    advanced: bool = False          # used by presets; a dialog may hide it
    help: str = ""


@dataclass(frozen=True)
class Option:
    name: str
    label: str
    default: Any = None
    required: bool = False
    help: str = ""


@dataclass(frozen=True)
class MappingKind:
    kind: str
    description: str
    fields: tuple[Field, ...]
    options: tuple[Option, ...] = ()
    check_options: Callable[[dict[str, Any]], list[str]] | None = None

    def field(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)


# The kinds of the list of importers. practice_desk.importing.formats, the one list, hands them
# over when it loads: detection, the mapping step and the runner load it before any mapping is
# used. The importers that define the kinds sit above this module, so it cannot import them.
_KINDS: dict[str, MappingKind] = {}


def use_kinds(listed: Iterable[MappingKind]) -> None:
    _KINDS.clear()
    _KINDS.update((kind.kind, kind) for kind in listed)


def kinds() -> dict[str, MappingKind]:
    return dict(_KINDS)


def get_kind(kind: str) -> MappingKind:
    if not _KINDS:
        raise RuntimeError("the list of importers (practice_desk.importing.formats) is not "
                           "loaded, so no kind of column mapping is known")
    found = kinds().get(kind)
    if found is None:
        raise ValueError(f"'{kind}' is not a kind of file Practice Desk maps "
                         f"(it knows {', '.join(sorted(kinds()))})")
    return found


# --- names and signatures --------------------------------------------------------------------


def _plain_name(name: str) -> str:
    text = name.replace("\ufeff", "").strip()
    if text.startswith("'"):
        text = text[1:]
    return re.sub(r"\s+", " ", text).strip().casefold()


_FOOTNOTE = re.compile(r"(\s*\[\w{1,3}\]|\s*\(\d{1,2}\)|[*\u00b9\u00b2\u00b3\u2070-\u2079]+)+$")


@lru_cache(maxsize=4096)  # detection compares every header row with every preset's names
def normalise_name(name: str) -> str:
    """Header names and words compare without case, outer spaces, BOMs, Excel's apostrophe,
    and with hyphens, underscores and runs of spaces alike (3CX's `time-start` is also written
    `time_start`); a footnote mark at the end (`Calls [1]`, `Wait*`, `Talk²`) is dropped."""
    text = _FOOTNOTE.sub("", _plain_name(name))
    return re.sub(r"[\s_-]+", " ", text).strip()


def header_signature(header: list[str]) -> str:
    """A stable hash of a header: the same columns in the same order give the same signature
    (the names as written, so that mappings saved by earlier versions are still found)."""
    joined = "\x1f".join(_plain_name(h) for h in header)
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()


# --- the mapping -----------------------------------------------------------------------------


class MappingError(ValueError):
    """A mapping cannot be used with a file; `messages` says what to fix, one per line."""

    def __init__(self, messages: list[str]):
        self.messages = messages
        super().__init__("\n".join(messages))


@dataclass
class ColumnMapping:
    kind: str
    name: str = ""
    columns: dict[str, str] = field(default_factory=dict)            # field -> column name
    values: dict[str, dict[str, str]] = field(default_factory=dict)  # field -> word -> value
    options: dict[str, Any] = field(default_factory=dict)
    has_header: bool = True
    header: list[str] | None = None  # column names for a file without a header row

    def option(self, name: str) -> Any:
        if name in self.options and self.options[name] not in (None, ""):
            return self.options[name]
        spec = next((o for o in get_kind(self.kind).options if o.name == name), None)
        return spec.default if spec else None

    def word_table(self, field_name: str) -> dict[str, str]:
        """The value map of one field with normalised words, for fast look-ups while loading.
        When two entries are the same word (a mapping saved by an earlier version could hold
        the user's 'Abandoned' beside a built-in 'abandoned'), the word as the file writes it,
        which only the user's choice keeps, wins over the built-in lower-case one."""
        table: dict[str, str] = {}
        chosen: set[str] = set()
        for word, value in self.values.get(field_name, {}).items():
            key = normalise_name(word)
            if key in chosen:
                continue
            table[key] = value
            if word != key:
                chosen.add(key)
        return table

    def set_word(self, field_name: str, word: str, value: str | None) -> None:
        """The user's meaning of a supplier word (None: not mapped); any other entry for the
        same word (a built-in suggestion in another case) goes, so the choice always wins."""
        words = self.values.setdefault(field_name, {})
        key = normalise_name(word)
        for other in [w for w in words if normalise_name(w) == key]:
            del words[other]
        if value:
            words[word] = value

    def map_word(self, field_name: str, word: str) -> str | None:
        """The canonical value a supplier word maps to, or None when it is not mapped."""
        return self.word_table(field_name).get(normalise_name(word))

    def positions(self, header: list[str]) -> dict[str, int]:
        """Column position of each mapped field; MappingError if any is not in the header."""
        problems = validate(self, header)
        if twice := duplicate_columns(header, [c for c in self.columns.values() if c],
                                      normalise_name):
            problems.append(twice)
        if problems:
            raise MappingError(problems)
        where = {normalise_name(h): i for i, h in reversed(list(enumerate(header)))}
        return {f: where[normalise_name(c)] for f, c in self.columns.items() if c}

    def to_json(self) -> str:
        return json.dumps({
            "kind": self.kind, "name": self.name, "columns": self.columns, "values": self.values,
            "options": self.options, "has_header": self.has_header, "header": self.header,
        }, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> ColumnMapping:
        data = json.loads(text)
        return cls(kind=data["kind"], name=data.get("name", ""),
                   columns=dict(data.get("columns") or {}),
                   values={k: dict(v) for k, v in (data.get("values") or {}).items()},
                   options=dict(data.get("options") or {}),
                   has_header=bool(data.get("has_header", True)), header=data.get("header"))

    def copy(self, **changes: Any) -> ColumnMapping:
        fresh = ColumnMapping.from_json(self.to_json())
        for key, value in changes.items():
            setattr(fresh, key, value)
        return fresh


def validate(mapping: ColumnMapping, header: list[str] | None = None) -> list[str]:
    """Everything that stops the mapping from being used (on this header), as readable sentences."""
    try:
        spec = get_kind(mapping.kind)
    except ValueError as exc:
        return [str(exc)]
    messages: list[str] = []
    known = {f.name for f in spec.fields}
    for name in mapping.columns:
        if name not in known:
            messages.append(f"'{name}' is not a field of a {spec.description}.")
    mapped = {f for f, c in mapping.columns.items() if c}
    for f in spec.fields:
        if f.required and f.name not in mapped:
            messages.append(f"No column is chosen for '{f.label}'; choose the column that "
                            f"holds it.")
    groups: dict[str, list[Field]] = {}
    for f in spec.fields:
        if f.group:
            groups.setdefault(f.group, []).append(f)
    for members in groups.values():
        if not any(f.name in mapped for f in members):
            labels = " or ".join(f"'{f.label}'" for f in members)
            messages.append(f"Choose a column for {labels}.")
    if header is not None:
        names = {normalise_name(h) for h in header}
        for name, column in mapping.columns.items():
            if column and normalise_name(column) not in names and name in known:
                label = spec.field(name).label  # type: ignore[union-attr]
                shown = ", ".join(h for h in header[:12])
                messages.append(f"The column '{column}' chosen for '{label}' is not in this "
                                f"file (its columns are: {shown}).")
    for name, words in mapping.values.items():
        f = spec.field(name)
        if f is None or not f.values:
            messages.append(f"'{name}' does not take a list of words.")
            continue
        for word, value in words.items():
            if value not in f.values:
                messages.append(f"'{word}' is mapped to '{value}' for '{f.label}', which is not "
                                f"one of {', '.join(f.values)}.")
    for option in spec.options:
        if option.required and mapping.option(option.name) in (None, ""):
            messages.append(f"Set '{option.label}'.")
    if spec.check_options:
        messages.extend(spec.check_options(mapping.options))
    return messages


def suggest_mapping(kind: str, header: list[str], name: str = "") -> ColumnMapping:
    """A first guess from header names, for the user to correct."""
    spec = get_kind(kind)
    normalised = [normalise_name(h) for h in header]
    used: set[int] = set()
    columns: dict[str, str] = {}
    for exact in (True, False):
        for f in spec.fields:
            if f.name in columns:
                continue
            for synonym in f.synonyms:
                hit = next((i for i, h in enumerate(normalised) if i not in used and (
                    h == synonym if exact else (len(synonym) > 3 and synonym in h))), None)
                if hit is not None:
                    columns[f.name] = header[hit].strip()
                    used.add(hit)
                    break
    values = {f.name: dict(f.default_words) for f in spec.fields if f.default_words}
    return ColumnMapping(kind=kind, name=name, columns=columns, values=values)


# --- saved mappings --------------------------------------------------------------------------


@dataclass(frozen=True)
class SavedMapping:
    kind: str
    signature: str
    name: str
    saved_at: str
    mapping: ColumnMapping


def save_mapping(conn: sqlite3.Connection, mapping: ColumnMapping, header: list[str]) -> str:
    """Save (or replace) the mapping for this header shape; returns the signature."""
    problems = validate(mapping, header)
    if problems:
        raise MappingError(problems)
    signature = header_signature(header)
    name = mapping.name or f"{get_kind(mapping.kind).description} ({signature[:8]})"
    mapping = mapping.copy(name=name)
    conn.execute(
        "INSERT INTO column_mappings (kind, signature, name, mapping, saved_at) "
        "VALUES (?, ?, ?, ?, ?) ON CONFLICT (kind, signature) DO UPDATE SET "
        "name = excluded.name, mapping = excluded.mapping, saved_at = excluded.saved_at",
        (mapping.kind, signature, name, mapping.to_json(),
         datetime.now().isoformat(timespec="seconds")),
    )
    return signature


def _saved(row: sqlite3.Row | tuple) -> SavedMapping:
    kind, signature, name, text, saved_at = tuple(row)
    return SavedMapping(kind, signature, name, saved_at, ColumnMapping.from_json(text))


_SELECT = "SELECT kind, signature, name, mapping, saved_at FROM column_mappings"


def list_mappings(conn: sqlite3.Connection, kind: str | None = None) -> list[SavedMapping]:
    if kind is None:
        rows = conn.execute(f"{_SELECT} ORDER BY kind, name")
    else:
        rows = conn.execute(f"{_SELECT} WHERE kind = ? ORDER BY name", (kind,))
    return [_saved(r) for r in rows]


def find_saved(conn: sqlite3.Connection, kind: str | None,
               header: list[str]) -> ColumnMapping | None:
    """The saved mapping for exactly this header shape (of this kind, or of any kind)."""
    signature = header_signature(header)
    if kind is None:
        row = conn.execute(f"{_SELECT} WHERE signature = ? ORDER BY saved_at DESC LIMIT 1",
                           (signature,)).fetchone()
    else:
        row = conn.execute(f"{_SELECT} WHERE kind = ? AND signature = ?",
                           (kind, signature)).fetchone()
    return _saved(row).mapping if row else None


def load_mapping(conn: sqlite3.Connection, name: str, kind: str | None = None) -> ColumnMapping:
    """A saved mapping by its name (case-insensitive); ValueError naming the saved ones if none."""
    for saved in list_mappings(conn, kind):
        if normalise_name(saved.name) == normalise_name(name):
            return saved.mapping
    names = ", ".join(f"'{s.name}'" for s in list_mappings(conn, kind)) or "none yet"
    raise ValueError(f"There is no saved column mapping called '{name}' (saved: {names}).")


def delete_mapping(conn: sqlite3.Connection, kind: str, signature: str) -> bool:
    return conn.execute("DELETE FROM column_mappings WHERE kind = ? AND signature = ?",
                        (kind, signature)).rowcount > 0


# --- reading a file as it is (original header text, no header row if there is none) ---------


@dataclass
class Table:
    source: Source
    header: list[str]
    encoding: str
    first_non_utf8_line: int | None
    rows: Iterator[tuple[int, list[str]]]   # (physical line, fields); blank rows skipped
    position: Callable[[], int]


def open_table(source: Source, has_header: bool = True,
               header: list[str] | None = None, delimiter: str = ",") -> Table:
    """Rows of a CSV with its original header text; `header` names the columns of a file that
    has no header row (`has_header=False`)."""
    opened = open_csv(source, delimiter)
    names: list[str] = list(header or [])
    if has_header:
        names = [h.replace("\ufeff", "").strip() for h in opened.header()]
    return Table(source, names, opened.encoding, opened.first_non_utf8_line, opened.rows(),
                 opened.raw.tell)


def table_header(source: Source) -> list[str]:
    """A CSV's header row as written, or [] when it cannot be read (for recognising files)."""
    try:
        table = open_table(source)
        table.rows.close()  # type: ignore[attr-defined]
    except (ImportFailed, UnicodeDecodeError, OSError):
        return []
    return list(table.header or [])


def first_source(path: Path, member: str | None = None) -> Source:
    """The file itself, or the chosen (else the first CSV) member of a zip."""
    if member is not None or not is_zip(path):
        return Source(path, member)
    members = zip_members(path)
    csvs = [m for m in members if PurePosixPath(m).suffix.lower() == ".csv"] or members
    if not csvs:
        raise ImportFailed([Source(path).problem(None, "the zip is empty")])
    return Source(path, csvs[0])


@dataclass
class Preview:
    header: list[str]
    rows: list[list[str]]
    signature: str
    encoding: str
    distinct: list[tuple[str, int]]  # (value, rows) of the chosen column, most frequent first


def preview(path: str | Path, rows: int = 20, column: str | None = None,
            mapping: ColumnMapping | None = None, member: str | None = None) -> Preview:
    """The header and the first rows of a file, and the distinct values of one column."""
    source = first_source(Path(path), member)
    has_header = mapping.has_header if mapping else True
    table = open_table(source, has_header, mapping.header if mapping else None)
    sample: list[list[str]] = []
    for _, row in table.rows:
        sample.append(row)
        if len(sample) >= rows:
            break
    table.rows.close()  # type: ignore[attr-defined]
    header = table.header or [f"Column {i + 1}" for i in range(len(sample[0]) if sample else 0)]
    distinct = distinct_values(path, column, mapping=mapping, member=member) if column else []
    return Preview(header, sample, header_signature(header), table.encoding, distinct)


def distinct_values(path: str | Path, column: str, limit: int = 200,
                    mapping: ColumnMapping | None = None,
                    member: str | None = None) -> list[tuple[str, int]]:
    """Every distinct (stripped) value of a column across the whole file, most frequent first."""
    source = first_source(Path(path), member)
    has_header = mapping.has_header if mapping else True
    table = open_table(source, has_header, mapping.header if mapping else None)
    where = [i for i, h in enumerate(table.header) if normalise_name(h) == normalise_name(column)]
    if not where:
        table.rows.close()  # type: ignore[attr-defined]
        raise MappingError([f"There is no column '{column}' in {source.name}."])
    index = where[0]
    counts: Counter[str] = Counter()
    for _, row in table.rows:
        if index < len(row):
            counts[row[index].strip()] += 1
    return counts.most_common(limit)
