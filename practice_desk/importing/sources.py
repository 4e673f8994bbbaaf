"""Files to import: plain files or zip members, read as CSV in the encoding they really have."""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import itertools
import re
import threading
import zipfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
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


# Control characters no export writes (tab, CR and LF are fine): a NUL inside a name means damage.
CONTROL_CHARACTERS = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_NOT_CONTROL = bytes(b for b in range(256) if not CONTROL_CHARACTERS.match(bytes([b])))
# A UTF-8 multi-byte sequence: in a file that also holds bytes that are not UTF-8, the two halves
# were written in different encodings (two exports joined, or a file edited in two programs).
_UTF8_SEQUENCE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}"
                            rb"|[\xf0-\xf4][\x80-\xbf]{3}")


@dataclass(frozen=True)
class Encoding:
    """How a CSV's bytes read: 'utf-8-sig' or 'cp1252' (with the first line that is not UTF-8),
    and the problem that stops its rows being read (control characters, mixed encodings)."""

    name: str
    first_non_utf8_line: int | None = None
    problem: ImportProblem | None = None


_REMEMBERED = threading.local()  # within one import: (path, member) -> Encoding, and hashes


@contextmanager
def encodings_remembered() -> Iterator[None]:
    """Within one import (runner.import_file), each file's encoding check is one pass over its
    bytes, although recognising and reading open it several times. Only for that long: a file
    rewritten between two imports (even within the file system's clock tick) is checked again."""
    outer = getattr(_REMEMBERED, "found", None)
    if outer is None:
        _REMEMBERED.found = {}
    try:
        yield
    finally:
        if outer is None:
            _REMEMBERED.found = None


def detect_encoding(source: Source) -> Encoding:
    """_detect_encoding, remembered for the import under way (encodings_remembered)."""
    found = getattr(_REMEMBERED, "found", None)
    if found is None:
        return _detect_encoding(source)
    key = (str(source.path), source.member)
    if key not in found:
        if source.member is None and not is_zip(source.path):
            _check_and_hash(source.path, found)
        else:
            found[key] = _detect_encoding(source)
    return found[key]


def file_hash(path: Path) -> str:
    """The sha256 of a file's bytes. During an import (encodings_remembered), a file that is not
    a zip has its encoding checked in the same pass over its bytes, and both are remembered."""
    found = getattr(_REMEMBERED, "found", None)
    if found is None or is_zip(path):
        with open(path, "rb") as f:
            return hashlib.file_digest(f, "sha256").hexdigest()
    if ("sha256", str(path)) not in found:
        _check_and_hash(path, found)
    return found[("sha256", str(path))]


def _check_and_hash(path: Path, found: dict) -> None:
    """One pass over a file's bytes: its encoding and its hash, remembered."""
    digest = hashlib.sha256()
    found[(str(path), None)] = _detect_encoding(Source(path), digest.update)
    found[("sha256", str(path))] = digest.hexdigest()


def _detect_encoding(source: Source, also: Callable[[bytes], object] | None = None) -> Encoding:
    """One check for every CSV importer, in one pass over the bytes (each chunk is given to
    `also` too): the encoding, and a problem for a file holding control characters or mixing
    UTF-8 and Windows-1252 text (read either way, one half would be garbled). The header stays
    readable, so the file is still recognised and the problem is reported with its line when
    the rows are read. Lines are counted only to place a problem."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset, not_utf8, utf8, control, first = 0, None, None, None, True
    with source.open() as f:
        while chunk := f.read(CHUNK):
            if also is not None:
                also(chunk)
            # Excel may put a UTF-8 byte-order mark before Windows-1252 text: it is no UTF-8 text.
            skip = len(UTF8_BOM) if first and chunk.startswith(UTF8_BOM) else 0
            first = False
            # translate() finds whether there is one eight times faster than the search.
            if control is None and chunk.translate(None, _NOT_CONTROL) and (
                    match := CONTROL_CHARACTERS.search(chunk)):
                control = _control_problem(source, chunk, match.start(),
                                           _line_at(source, offset))
            if not_utf8 is None and not (chunk.isascii() and not decoder.getstate()[0]):
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError as exc:
                    not_utf8 = _line_at(source, offset) + chunk.count(b"\n", 0, exc.start)
            if utf8 is None and not chunk.isascii():
                if match := _UTF8_SEQUENCE.search(chunk, skip):
                    utf8 = _line_at(source, offset) + chunk.count(b"\n", 0, match.start())
            offset += len(chunk)
    if not_utf8 is None:
        return Encoding("utf-8-sig", None, control)
    if utf8 is not None and control is None:
        control = source.problem(min(utf8, not_utf8), (
            f"the file mixes two encodings: line {utf8} is UTF-8 text but line {not_utf8} is "
            "not (Windows-1252, as Excel saves it); read either way, names would be garbled. "
            "Export the file again, or save it once as 'CSV UTF-8' in Excel, and import it"))
    return Encoding("cp1252", not_utf8, control)


def _line_at(source: Source, offset: int) -> int:
    """The line byte `offset` of the source is on (read again: only a damaged file asks)."""
    line = 1
    with source.open() as f:
        while offset > 0 and (chunk := f.read(min(CHUNK, offset))):
            line += chunk.count(b"\n")
            offset -= len(chunk)
    return line


def _control_problem(source: Source, chunk: bytes, at: int, line: int) -> ImportProblem:
    what = "NUL" if chunk[at] == 0 else f"0x{chunk[at]:02X}"
    return source.problem(line + chunk.count(b"\n", 0, at), (
        f"holds a control character ({what}) that no NHS file or phone-system export writes: "
        "the file is damaged or is not a text file. Export it again"))


def duplicate_columns(header: list[str], wanted: Iterable[str],
                      key: Callable[[str], str] = str) -> str | None:
    """A problem text when a column an importer reads is named more than once, else None
    (one check for every importer: which of the two was meant cannot be told)."""
    wanted_keys = {key(name) for name in wanted}
    places: dict[str, list[int]] = {}
    for number, name in enumerate(header, 1):
        if key(name) in wanted_keys:
            places.setdefault(key(name), []).append(number)
    for numbers in places.values():
        if len(numbers) > 1:
            name = header[numbers[0] - 1].strip()
            columns = " and ".join(str(n) for n in numbers)
            return (f"columns {columns} are both called '{name}': Practice Desk cannot tell "
                    "which one to read. Remove or rename one and import the file again")
    return None


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
    opened: OpenCsv | None = None  # its csv reader, for a hot loop that reads it directly


@dataclass
class OpenCsv:
    """A source opened as CSV in the encoding it really has."""

    source: Source
    encoding: str
    first_non_utf8_line: int | None
    raw: BinaryIO
    text: io.TextIOBase
    reader: Iterator[list[str]]
    problem: ImportProblem | None = None  # why the rows cannot be read (detect_encoding)
    line_num: int = 0  # the physical line of the row `fields` gave last

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

    def refuse_if_damaged(self) -> None:
        if self.problem is not None:
            self.text.close()
            raise ImportFailed([self.problem])

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        """(physical line, fields) of every row that is not blank; closes the file at the end."""
        self.refuse_if_damaged()
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


    def fields(self) -> Iterator[list[str]]:
        """Every row's fields as the csv reader would give them (blank rows too), its physical
        line in `self.line_num`, about twice as fast for a million rows (see `split`)."""
        self.refuse_if_damaged()
        self.line_num = self.reader.line_num
        split = self.split
        for line in self.text:
            yield split(line)

    def split(self, line: str) -> list[str]:
        """The fields of `line`, a line just read from `self.text`, as the csv reader would give
        them, `self.line_num` moved on to its last physical line. A line without quotes and
        shorter than MAX_FIELD is split on the delimiter; any other line is given to a csv reader
        that takes further lines from `self.text` as it needs them (a quoted line break)."""
        delimiter = self.reader.dialect.delimiter
        if '"' in line or len(line) > MAX_FIELD:
            quoted = csv.reader(itertools.chain((line,), self.text), delimiter=delimiter)
            try:
                row = next(quoted, [])
            except csv.Error as exc:
                problem = self.source.problem(self.line_num + 1, f"unreadable CSV ({exc})")
                raise ImportFailed([problem]) from None
            self.line_num += quoted.line_num
            return row
        self.line_num += 1
        line = line.rstrip("\r\n")
        return line.split(delimiter) if line else []


def open_csv(source: Source, delimiter: str = ",") -> OpenCsv:
    found = detect_encoding(source)
    encoding = found.name
    raw = source.open()
    if encoding == "cp1252":
        text = _bom_tolerant_cp1252(raw)
    else:
        text = io.TextIOWrapper(io.BufferedReader(raw, CHUNK), encoding=encoding, newline="")
    reader = csv.reader(text, delimiter=delimiter)
    return OpenCsv(source, encoding, found.first_non_utf8_line, raw, text, reader, found.problem)


def read_csv(source: Source) -> CsvReader:
    opened = open_csv(source)
    headers = [clean_header(h) for h in opened.header()]
    return CsvReader(source, headers, opened.encoding, opened.rows(), opened.raw.tell,
                     opened.first_non_utf8_line, opened)


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
