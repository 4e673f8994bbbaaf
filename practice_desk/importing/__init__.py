"""Importers: every import is one transaction, reports progress and can be cancelled."""

from practice_desk.importing.problems import ImportCancelled, ImportFailed, ImportProblem
from practice_desk.importing.runner import ImportReport, import_file, undo_import

__all__ = [
    "ImportCancelled", "ImportFailed", "ImportProblem", "ImportReport", "import_file",
    "undo_import",
]
