"""Whether a file needs the column-mapping step, and the mapping to start it from.

GPAD, list-size and CBT files import as they are. Call logs (and other exports without a fixed
layout) go through the step: a saved mapping for the same header comes first, then a supplier
preset, then a guess from the column names; the user checks it and says which practice it is.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from practice_desk.importing.detect import match_header
from practice_desk.importing.mapping import (
    ColumnMapping,
    find_saved,
    first_source,
    kinds,
    list_mappings,
    normalise_name,
    suggest_mapping,
    table_header,
    validate,
)
from practice_desk.importing.problems import ImportFailed
from practice_desk.nhs_app import app_stats
from practice_desk.telephony import asterisk_queue, calllogs

CALL_LOG = calllogs.CALL_LOG
TABLE_SUFFIXES = {".csv", ".txt", ".tsv", ".zip", ""}  # Asterisk's queue_log has no suffix


@dataclass
class Proposal:
    mapping: ColumnMapping
    origin: str  # 'saved mapping', 'preset' or 'guess'
    header: list[str]

    @property
    def needs_practice(self) -> bool:
        return not self.mapping.option("practice") and "practice" not in self.mapping.columns


def propose(path: str | Path, conn: sqlite3.Connection | None = None) -> Proposal | None:
    """None when the file imports without a mapping (or is not a table at all)."""
    path = Path(path)
    if path.suffix.lower() not in TABLE_SUFFIXES:
        return None
    try:
        source = first_source(path)
    except (ImportFailed, OSError):
        return None
    if asterisk_queue.looks_like_queue_log(source):
        return None  # a queue_log enriches calls already imported: nothing to map
    headerless = calllogs.headerless_mapping(source)
    if headerless is not None:
        return Proposal(headerless, "preset", headerless.header or [])
    header = table_header(source)
    if not header or match_header([h.strip().upper() for h in header]):
        return None
    if app_stats.preset_for(header) is not None:
        return None  # an NHS App dashboard export in a known shape imports as it is
    if calllogs.looks_like_data(header):
        names = calllogs.headerless_names(source)
        saved = find_saved(conn, None, names) if conn is not None else None
        return Proposal(saved, "saved mapping", names) if saved is not None \
            else headerless_guess(source)
    return _for_header(header, conn)


def headerless_guess(source) -> Proposal:
    """A file without a header row: its columns are Column 1 ... Column N (N the widest of its
    first rows) for the user to name in the mapping step."""
    names = calllogs.headerless_names(source)
    mapping = ColumnMapping(CALL_LOG, "", {}, suggest_mapping(CALL_LOG, names).values,
                            has_header=False, header=names)
    return Proposal(mapping, "guess", names)


def _for_header(header: list[str], conn: sqlite3.Connection | None) -> Proposal:
    saved = find_saved(conn, None, header) if conn is not None else None
    if saved is not None:
        return Proposal(saved, "saved mapping", header)
    preset = calllogs.header_preset(header)
    if preset is not None:
        return Proposal(preset, "preset", header)
    guesses = [suggest_mapping(kind, header) for kind in kinds()]
    best = min(guesses, key=lambda guess: (len(validate(guess, header)), guess.kind != CALL_LOG,
                                           -len(guess.columns)))
    return Proposal(best, "guess", header)


def resolve_mapping(conn: sqlite3.Connection | None, name: str) -> ColumnMapping:
    """The mapping `practice-desk import --mapping NAME` means: a saved mapping of that name,
    else a built-in preset by its short or full name; ValueError listing both when none is."""
    saved = list_mappings(conn) if conn is not None else []
    for item in saved:
        if normalise_name(item.name) == normalise_name(name):
            return item.mapping
    preset = calllogs.find_preset(name)
    if preset is not None:
        return preset
    raise ValueError(f"There is no saved column mapping or preset called '{name}'.\n"
                     + mapping_choices(saved))


def mapping_choices(saved: list | None = None) -> str:
    """What `--mapping` takes, for messages and `practice-desk import --help`."""
    lines = ["Built-in presets (--mapping KEY):"]
    for key, mapping in calllogs.named_presets().items():
        lines.append(f"  {key:<14} {mapping.name}")
    if saved is None:
        lines.append("Saved mappings: see `practice-desk import --help` with your --db.")
    elif saved:
        lines.append("Saved mappings (--mapping \"NAME\"):")
        lines.extend(f"  {item.name} ({item.kind.replace('_', ' ')})" for item in saved)
    else:
        lines.append("Saved mappings: none yet (save one in the app's column-mapping step).")
    return "\n".join(lines)


def saving_header(path: str | Path, mapping: ColumnMapping) -> list[str]:
    """The header to save a mapping chosen in the step under: its Column 1 ... N when the file
    has no header row, else the file's own (the user may have switched in the dialog)."""
    if not mapping.has_header:
        return list(mapping.header or [])
    return table_header(first_source(Path(path)))
