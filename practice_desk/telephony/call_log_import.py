"""Recognising a call log (headerless 3CX or Asterisk CDR by the shape of its rows, a saved
mapping, a supplier preset by its header) and the importer that loads it. Apart from
calllogs.py because loading imports calllogs (and pandas)."""

from __future__ import annotations

import sqlite3
from typing import Any

from practice_desk.importing.context import ImportContext
from practice_desk.importing.importer import Importer
from practice_desk.importing.mapping import ColumnMapping, find_saved, table_header
from practice_desk.importing.sources import Source
from practice_desk.telephony.calllogs import (
    CALL_LOG,
    fit_to_file,
    header_preset,
    headerless_mapping,
    shape_header,
)

# What the list of importers shows for call logs; the importer of a file comes from recognise().
CALL_LOGS = Importer(CALL_LOG, "call logs (3CX CDR, Asterisk/FreePBX Master.csv with queue_log, "
                               "FreePBX CDR Reports, cdr table exports such as PBXware's, "
                               "X-on Surgery Connect export, or any layout through a column "
                               "mapping)", lambda h: False, lambda ctx, source: None, order=10)


def _load(ctx: ImportContext, source: Source, mapping: ColumnMapping) -> None:
    from practice_desk.telephony.loading import load_call_log  # pandas: only when loading

    load_call_log(ctx, source, mapping)


def call_log_importer(mapping: ColumnMapping, description: str | None = None) -> Importer:
    return Importer(CALL_LOG, description or mapping.name or "call log (mapped columns)",
                    lambda h: False, lambda ctx, source: _load(ctx, source, mapping),
                    order=10)


def recognise(source: Source, conn: sqlite3.Connection | None, options: Any) -> Importer | None:
    explicit = getattr(options, "mapping", None)
    if explicit is not None:
        if explicit.kind != CALL_LOG:
            return None
        return call_log_importer(fit_to_file(explicit, source, table_header(source)))
    headerless = headerless_mapping(source)
    if headerless is not None:
        return call_log_importer(headerless)
    header = table_header(source)
    if not header:
        return None
    if conn is not None:
        saved = find_saved(conn, CALL_LOG, shape_header(source))
        if saved is not None:
            return call_log_importer(saved)
    preset = header_preset(header)
    return call_log_importer(preset) if preset is not None else None
