"""The one list of every kind of file Practice Desk imports.

Detection (detect.py), the column-mapping step (mapping.py, mapping_step.py) and undo (runner.py)
read this list; nothing registers itself by being imported. To add a format, write its reader
module (an Importer; a recogniser if a header match cannot identify it; an undo hook if its facts
are not replaced per unit and period; a mapping kind if it is read through a column mapping; the
coverage sources of its facts if they are not coverage.SOURCES' own) and add one Format line below.
The runner hands the sources to each import and to undo; the mapping kinds go to mapping.py when
this module loads (the reader modules that define them sit above mapping.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from practice_desk.importing import (
    cbt,
    gpad,
    mapping,
    online_consultation,
    population,
    workforce,
)
from practice_desk.importing.coverage import SOURCES, FactSource, UndoHook
from practice_desk.importing.importer import Importer, Recogniser, WorkbookRecogniser
from practice_desk.importing.mapping import MappingKind
from practice_desk.nhs_app import app_stats, pomi
from practice_desk.telephony import aggregates, asterisk_queue, call_log_import, counts111
from practice_desk.telephony.calllogs import CALL_LOG_KIND


@dataclass(frozen=True)
class Format:
    importer: Importer  # kind, description, header match, load, order within a zip
    recognise: Recogniser | None = None  # content-based detection, asked in list order
    recognise_workbook: WorkbookRecogniser | None = None  # .xlsx without a fixed layout
    undo: UndoHook | None = None  # removes facts not replaced per (unit, period)
    mapping_kind: MappingKind | None = None  # fields of the column-mapping step
    sources: Mapping[str, FactSource] | None = None  # its facts, beyond coverage.SOURCES


# Header matches are tried in this order; recognisers too (the queue_log check comes first: a
# queue_log has no header and would otherwise be taken for a table).
FORMATS: tuple[Format, ...] = (
    Format(gpad.CROSSTAB),
    Format(gpad.MAPPING),
    Format(gpad.CATEGORIES),
    Format(gpad.AREA_DAILY),
    Format(gpad.AREA_MONTHLY),
    Format(cbt.WORKBOOK),
    Format(cbt.DAILY),
    Format(population.LIST_SIZES),
    Format(online_consultation.WORKBOOK),
    Format(workforce.DETAILED),
    Format(asterisk_queue.QUEUE_LOG_IMPORTER, recognise=asterisk_queue.recognise),
    Format(app_stats.PRACTICE_EXPORTS, recognise=app_stats.recognise,
           recognise_workbook=app_stats.recognise_workbook, mapping_kind=app_stats.PRACTICE_KIND,
           sources=app_stats.PRACTICE_SOURCES),
    Format(app_stats.AREA_STATISTICS, mapping_kind=app_stats.AREA_KIND,
           sources=app_stats.AREA_SOURCES),
    Format(pomi.WIDE, recognise=pomi.recognise, sources=pomi.FACT_SOURCES),
    Format(pomi.LONG, sources=pomi.FACT_SOURCES),
    Format(call_log_import.CALL_LOGS, recognise=call_log_import.recognise,
           undo=aggregates.remove_calls, mapping_kind=CALL_LOG_KIND),
    Format(counts111.CALLS_111_COUNTS, recognise=counts111.recognise,
           mapping_kind=counts111.CALLS_111_KIND),
)


def importers() -> list[Importer]:
    return [f.importer for f in FORMATS]


def recognisers() -> list[Recogniser]:
    return [f.recognise for f in FORMATS if f.recognise is not None]


def workbook_recognisers() -> list[WorkbookRecogniser]:
    return [f.recognise_workbook for f in FORMATS if f.recognise_workbook is not None]


def undo_hooks() -> list[UndoHook]:
    return [f.undo for f in FORMATS if f.undo is not None]


def fact_sources() -> dict[str, FactSource]:
    """Every kind of fact an import can claim: coverage's own and those the formats add."""
    found = dict(SOURCES)
    for f in FORMATS:
        found.update(f.sources or {})
    return found


def mapping_kinds() -> list[MappingKind]:
    return [f.mapping_kind for f in FORMATS if f.mapping_kind is not None]


mapping.use_kinds(mapping_kinds())
