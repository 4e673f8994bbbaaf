"""Files to import: plain files or zip members, read as CSV in the encoding they really have."""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from practice_desk.importing.problems import ImportFailed, ImportProblem

UTF8_BOM = codecs.BOM_UTF8
CHUNK = 1 << 20
MAX_ZIP_RATIO = 200  # a member that expands more than this is refused as a zip bomb
MAX_ZIP_TOTAL = 32 << 30  # a GPAD release of ~30 national months unpacks to ~7 GB
MAX_FIELD = 1 << 20  # one CSV field larger than 1 MiB is not a real NHS file

csv.field_size_limit(MAX_FIELD)


@dataclass(frozen=True)
class Source:
    """One readable stream of bytes: a file, or one member of a zip file."""

    path: Path
    member: str | None = None

    @property
    def name(self) -> str:
        return f"{self.path.name}:{self.member}" if self.member else self.path.name

    @property
    def base_name(self) -> str:
        return PurePosixPath(self.member).name if self.member else self.path.name

    def open(self) -> BinaryIO:
        if self.member is None:
            return open(self.path, "rb", buffering=0)
        archive = zipfile.ZipFile(self.path)
        return _ClosingMember(archive, archive.open(self.member))

    def size(self) -> int:
        if self.member is None:
            return self.path.stat().st_size
        with zipfile.ZipFile(self.path) as archive:
            return archive.getinfo(self.member).file_size

    def problem(self, line: int | None, text: str) -> ImportProblem:
        return ImportProblem(self.name, line, text)


class _ClosingMember(io.RawIOBase):
    """A zip member stream that closes its archive too."""

    def __init__(self, archive: zipfile.ZipFile, member: BinaryIO):
        self._archive, self._member = archive, member

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self._member.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def tell(self) -> int:
        return self._member.tell()

    def close(self) -> None:
        self._member.close()
        self._archive.close()
        super().close()


def is_zip(path: Path) -> bool:
    with open(path, "rb") as f:
        return f.read(4) == b"PK\x03\x04"


def zip_members(path: Path) -> list[str]:
    """The files inside a zip, refusing damaged archives and zip bombs."""
    try:
        with zipfile.ZipFile(path) as archive:
            infos = [i for i in archive.infolist() if not i.is_dir()]
    except (zipfile.BadZipFile, OSError) as exc:
        problem = ImportProblem(path.name, None, f"the zip file is damaged ({exc})")
        raise ImportFailed([problem]) from None
    total = sum(info.file_size for info in infos)
    if total > MAX_ZIP_TOTAL:
        raise ImportFailed([ImportProblem(
            path.name, None, f"the zip unpacks to {total / (1 << 30):.1f} GB, larger than the "
            f"{MAX_ZIP_TOTAL / (1 << 30):.0f} GB a real NHS release needs; refused")])
    for info in infos:
        if info.compress_size and info.file_size / info.compress_size > MAX_ZIP_RATIO:
            raise ImportFailed([ImportProblem(
                path.name, None,
                f"{info.filename} expands {info.file_size // info.compress_size}-fold; "
                "refused as it does not look like a real NHS file",
            )])
    return [i.filename for i in infos]


def detect_encoding(source: Source) -> tuple[str, int | None]:
    """('utf-8-sig', None) when the bytes are UTF-8, else ('cp1252', first line that is not)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    line = 1
    with source.open() as f:
        while chunk := f.read(CHUNK):
            if chunk.isascii() and not decoder.getstate()[0]:
                line += chunk.count(b"\n")  # ASCII is UTF-8: skip the (slower) decoding
                continue
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                return "cp1252", line + chunk.count(b"\n", 0, exc.start)
            line += chunk.count(b"\n")
    return "utf-8-sig", None


def _bom_tolerant_cp1252(raw: BinaryIO) -> io.TextIOWrapper:
    """Windows-1252 text whose writer may still have put a UTF-8 byte-order mark in front."""
    buffered = io.BufferedReader(raw, CHUNK) if not isinstance(raw, io.BufferedReader) else raw
    if buffered.peek(3)[:3] == UTF8_BOM:
        buffered.read(3)
    return io.TextIOWrapper(buffered, encoding="cp1252", newline="")


@dataclass
class CsvReader:
    """CSV rows with their physical line numbers and the fraction of the source read so far."""

    source: Source
    header: list[str]
    encoding: str
    rows: Iterator[tuple[int, list[str]]]
    position: Callable[[], int]
    first_non_utf8_line: int | None = None


@dataclass
class OpenCsv:
    """A source opened as CSV in the encoding it really has."""

    source: Source
    encoding: str
    first_non_utf8_line: int | None
    raw: BinaryIO
    text: io.TextIOBase
    reader: Iterator[list[str]]

    def header(self) -> list[str]:
        try:
            return next(self.reader)
        except StopIteration:
            self.text.close()
            raise ImportFailed([self.source.problem(None, "the file is empty")]) from None
        except csv.Error as exc:
            self.text.close()
            problem = self.source.problem(1, f"the header cannot be read ({exc})")
            raise ImportFailed([problem]) from None

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        """(physical line, fields) of every row that is not blank; closes the file at the end."""
        # Run once per row of files with a million rows: a plain for loop, and the first field
        # tested before the generator over all of them (it decides almost every row).
        reader = self.reader
        with self.text:
            try:
                for row in reader:
                    if row and (row[0].strip() or any(field.strip() for field in row)):
                        yield reader.line_num, row
            except csv.Error as exc:
                problem = self.source.problem(reader.line_num, f"unreadable CSV ({exc})")
                raise ImportFailed([problem]) from None


def open_csv(source: Source, delimiter: str = ",") -> OpenCsv:
    encoding, first_bad_line = detect_encoding(source)
    raw = source.open()
    if encoding == "cp1252":
        text = _bom_tolerant_cp1252(raw)
    else:
        text = io.TextIOWrapper(io.BufferedReader(raw, CHUNK), encoding=encoding, newline="")
    reader = csv.reader(text, delimiter=delimiter)
    return OpenCsv(source, encoding, first_bad_line, raw, text, reader)


def read_csv(source: Source) -> CsvReader:
    opened = open_csv(source)
    headers = [clean_header(h) for h in opened.header()]
    return CsvReader(source, headers, opened.encoding, opened.rows(), opened.raw.tell,
                     opened.first_non_utf8_line)


def clean_header(name: str) -> str:
    return name.replace("\ufeff", "").strip().upper()


def read_header(source: Source) -> list[str]:
    """The first line's column names, cheaply, for detecting the kind of file."""
    with source.open() as f:
        head = f.read(64 * 1024)
    if head.startswith(UTF8_BOM):
        head = head[3:]
    text = head.decode("utf-8", errors="replace")
    first = text.splitlines()[0] if text else ""
    try:
        return [clean_header(h) for h in next(csv.reader([first]))] if first else []
    except csv.Error:
        return []
