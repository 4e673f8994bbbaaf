"""Deciding what a file is from its content (header, zip members, workbook sheets), not its name."""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from practice_desk.importing import formats
from practice_desk.importing.importer import Importer
from practice_desk.importing.problems import ImportFailed, ImportProblem
from practice_desk.importing.sources import (
    CONTROL_CHARACTERS,
    Source,
    is_zip,
    read_header,
    zip_members,
)


@dataclass(frozen=True)
class Step:
    source: Source
    importer: Importer

    def load(self, ctx, source: Source) -> None:
        self.importer.load(ctx, source)


@dataclass
class Plan:
    kind: str
    steps: list[Step]
    requires_rows: bool = True

    def total_bytes(self) -> int:
        return sum(step.source.size() for step in self.steps)


def recognise(source: Source, header: list[str], conn: Any = None,
              options: Any = None) -> Importer | None:
    """The importer for one file or zip member: a header match, else a recogniser."""
    if getattr(options, "mapping", None) is None:
        found = match_header(header)
        if found is not None:
            return found
    for recogniser in formats.recognisers():
        found = recogniser(source, conn, options)
        if found is not None:
            return found
    return None


def importers() -> list[Importer]:
    return formats.importers()


def match_header(header: list[str]) -> Importer | None:
    names = set(header)
    for importer in importers():
        if importer.matches(names):
            return importer
    return None


def plan_import(path: Path, conn: Any = None, options: Any = None) -> Plan:
    """What to load from a file; `conn` lets saved column mappings be found by header signature,
    `options` (runner.ImportOptions) may name the practice and a column mapping."""
    if path.stat().st_size == 0:
        raise ImportFailed([ImportProblem(path.name, None, "the file is empty")])
    if is_zip(path):
        return _plan_zip(path, conn, options)
    _refuse_binary(path)
    source = Source(path)
    header = read_header(source)
    importer = recognise(source, header, conn, options)
    if importer is None:
        if getattr(options, "mapping", None) is not None:
            raise ImportFailed([ImportProblem(path.name, 1, (
                f"the column mapping '{options.mapping.name}' is for another kind of file "
                f"({options.mapping.kind})"))])
        if path.suffix.lower() in WORKBOOK_SUFFIXES:
            raise ImportFailed([ImportProblem(path.name, None, _misnamed(path))])
        raise ImportFailed([ImportProblem(path.name, 1, _unrecognised(header, source))])
    return Plan(importer.kind, [Step(source, importer)], requires_rows=True)


def _plan_zip(path: Path, conn: Any = None, options: Any = None) -> Plan:
    members = zip_members(path)
    if "xl/workbook.xml" in members:
        return _plan_workbook(path, conn, options)
    steps, skipped = [], []
    for member in members:
        source = Source(path, member)
        if PurePosixPath(member).suffix.lower() != ".csv":
            # Only content-based recognisers look at other files (e.g. Asterisk's queue_log).
            importer = next(
                (i for r in formats.recognisers() if (i := r(source, None, None))), None)
            if importer is None:
                skipped.append(member)
            else:
                steps.append(Step(source, importer))
            continue
        importer = recognise(source, read_header(source), conn, options)
        if importer is None:
            skipped.append(member)
        else:
            steps.append(Step(source, importer))
    if not steps:
        listing = ", ".join(members[:8]) or "nothing"
        raise ImportFailed([ImportProblem(
            path.name, None, f"the zip holds no file Practice Desk can import (it holds {listing})"
        )])
    steps.sort(key=lambda s: (s.importer.order, s.source.member))
    main = min(steps, key=lambda s: s.importer.order).importer.kind
    return Plan(main, steps)


def _plan_workbook(path: Path, conn: Any = None, options: Any = None) -> Plan:
    from practice_desk.importing.workbooks import open_workbook

    open_workbook(path)  # refuses an oversized or unreadable workbook, with the reason
    for recognise_book in formats.workbook_recognisers():
        found = recognise_book(path, conn, options)
        if found is not None:
            return Plan(found.kind, [Step(Source(path), found)])
    for importer in importers():
        if importer.matches_workbook is not None and importer.matches_workbook(path):
            return Plan(importer.kind, [Step(Source(path), importer)])
    raise ImportFailed([ImportProblem(path.name, None, _workbook_message(path))])


def _refuse_binary(path: Path) -> None:
    with open(path, "rb") as f:
        head = f.read(8192)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ImportFailed([ImportProblem(
            path.name, None,
            "this is UTF-16 text (Excel's 'Unicode Text'); save it as 'CSV UTF-8' and import "
            "that")])
    # A stray control character in a text file is damage the CSV reader names by line; more than
    # one in a hundred bytes is a binary file.
    controls = len(CONTROL_CHARACTERS.findall(head))
    if controls > len(head) // 100 or head.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportFailed([ImportProblem(
            path.name, None,
            "this is not a text (CSV) file; it may be an old Excel .xls or another binary file",
        )])


def _workbook_message(path: Path) -> str:
    from practice_desk.importing.publications import workbook_message

    try:
        with zipfile.ZipFile(path) as archive:
            sheets = archive.read("xl/workbook.xml").decode("utf-8", "replace")
    except (zipfile.BadZipFile, KeyError, OSError):
        sheets = ""
    names = [chunk.split('"', 1)[0] for chunk in sheets.split('<sheet name="')[1:]]
    return workbook_message(path, names)


WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls")


def _misnamed(path: Path) -> str:
    """A text file named like a workbook: the list of every format, and advice about a mapping
    step that is not offered for a workbook name, helped nobody."""
    return (f"the name ends in {path.suffix} but this is a plain text file, not an Excel "
            "workbook (a CSV export renamed, perhaps). Rename it to end in .csv and import it "
            "again: Practice Desk then recognises it, or asks which column holds what.")


def _unrecognised(header: list[str], source: Source | None = None) -> str:
    from practice_desk.telephony.calllogs import describe_unknown  # call-log shapes

    described = describe_unknown(source, header) if source is not None else None
    if described:
        return described  # a headerless file: its first row is data, never echoed
    shown = ", ".join(name[:40] for name in header[:6]) + (", ..." if len(header) > 6 else "")
    kinds = "; ".join(i.description for i in importers())
    return (f"this file's columns ({shown or 'none'}) do not match any file Practice Desk "
            f"imports. It reads: {kinds}. If this is a call log (or another export) in a layout "
            "Practice Desk does not know, map its columns in the import's column-mapping step "
            "(or `practice-desk import --mapping NAME` with a saved mapping).")


def kind_description(kind: str) -> str:
    """The readable name of an import kind, for lists and messages."""
    for importer in importers():
        if importer.kind == kind:
            return importer.description
    return kind
