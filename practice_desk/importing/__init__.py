"""Importers: every import is one transaction, reports progress and can be cancelled.

`import_file`, `undo_import` and `ImportReport` are loaded on first use: the runner imports the
list of importers (formats.py) and so every reader module, which themselves use small modules of
this package (problems, sources, plausible, ...). Loading the runner with the package would make
importing any of those modules load every reader first, half-loaded modules included.
"""

from practice_desk.importing.problems import ImportCancelled, ImportFailed, ImportProblem

__all__ = [
    "ImportCancelled", "ImportFailed", "ImportProblem", "ImportReport", "import_file",
    "undo_import",
]
_RUNNER_NAMES = {"ImportReport", "import_file", "undo_import"}


def __getattr__(name: str):
    if name in _RUNNER_NAMES:
        from practice_desk.importing import runner

        return getattr(runner, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
