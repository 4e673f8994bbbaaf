"""What one kind of importable file is: how it is recognised and loaded.

Each reader module defines its Importer values; practice_desk.importing.formats lists them all."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Importer:
    kind: str
    description: str
    matches: Callable[[set[str]], bool]
    load: Callable  # (ImportContext, Source) -> None
    order: int = 0  # lower loads first within one zip
    matches_workbook: Callable[[Path], bool] | None = None  # reads .xlsx workbooks it recognises


# Content-based detection for files a header match cannot identify (call logs, queue_log, mapped
# files): (source, conn or None, ImportOptions or None) -> Importer | None.
Recogniser = Callable[[Any, Any, Any], "Importer | None"]
# The same for .xlsx workbooks without a fixed layout: (path, conn or None, options or None).
WorkbookRecogniser = Callable[[Path, Any, Any], "Importer | None"]
