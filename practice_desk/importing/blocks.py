"""A large CSV read a block of rows at a time, for importers whose speed matters (call logs run
to millions of rows): by pyarrow's parser where it can (a UTF-8 file on disk), else by pandas'
C parser.

pyarrow parses without Python's lock and gives each column of a block as its distinct texts and
which one each row has: what the call-log reader works with. It reads a file only as a table of
the header's width: a row of another length (3CX's, on purpose; a line of spaces; damage) makes
it refuse the file. Refused before its first rows, the file is read by pandas instead; refused
later, ArrowRefused goes to the import, which reads the whole file again with pandas (pandas
fills short rows and names the line of a long one).

Rows are numbered in file order from 0 (blank lines are not rows); the physical line of a row is
worked out, by reading the file again, only when a problem has to name it.
"""

from __future__ import annotations

import queue
import re
import threading
import warnings
from collections.abc import Iterable, Iterator
from typing import TypeVar

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv

from practice_desk.importing import context
from practice_desk.importing.problems import ImportFailed
from practice_desk.importing.sources import UTF8_BOM, Source, open_csv

_TOO_MANY = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")
_DONE = object()
_HEAD_BYTES = 1 << 16  # the header line and enough rows to measure a row's length
T = TypeVar("T")


class ArrowRefused(Exception):
    """pyarrow could not read the file as a table of the header's width: read it with pandas."""


class Block:
    """A block of rows: each column's distinct texts and which one each row has (what the
    call-log reader works with), or its text in every row."""

    width = 0  # columns

    def __len__(self) -> int:
        raise NotImplementedError

    def distinct(self, column: int) -> tuple[np.ndarray, np.ndarray]:
        """(codes, texts): which of the column's distinct texts each row has."""
        raise NotImplementedError

    def texts(self, column: int) -> np.ndarray:
        """The column's text in every row (an array of str)."""
        codes, texts = self.distinct(column)
        return texts[codes]

    def arrow_texts(self, column: int) -> pa.Array | None:
        """The column's distinct texts as pyarrow holds them (and maybe a few more), for checks
        pyarrow makes without Python's lock; None when pandas read the block."""
        return None


class FrameBlock(Block):
    """Rows as pandas' parser gives them: columns of text, their distinct texts found once."""

    def __init__(self, frame: pd.DataFrame):
        self.frame, self.width = frame, len(frame.columns)
        self._distinct: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    def __len__(self) -> int:
        return len(self.frame)

    def distinct(self, column: int) -> tuple[np.ndarray, np.ndarray]:
        if column not in self._distinct:
            self._distinct[column] = pd.factorize(self.texts(column))
        return self._distinct[column]

    def texts(self, column: int) -> np.ndarray:
        return self.frame[column].to_numpy(dtype=object)

    def select(self, keep: np.ndarray) -> FrameBlock:
        return FrameBlock(self.frame[keep].reset_index(drop=True))


class ArrowBlock(Block):
    """Rows as pyarrow's parser gives them: every column dictionary-encoded."""

    def __init__(self, batch: pa.RecordBatch):
        self.batch, self.width = batch, batch.num_columns
        self._distinct: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    def __len__(self) -> int:
        return self.batch.num_rows

    def distinct(self, column: int) -> tuple[np.ndarray, np.ndarray]:
        if column not in self._distinct:
            encoded = self.batch.column(column)
            codes = encoded.indices.to_numpy().astype(np.int64)
            texts = encoded.dictionary.to_numpy(zero_copy_only=False)
            used = np.bincount(codes, minlength=len(texts)) > 0
            if not used.all():  # a text only rows filtered out had (select)
                renumbered = np.cumsum(used) - 1
                codes, texts = renumbered[codes], texts[used]
            self._distinct[column] = codes, texts
        return self._distinct[column]

    def arrow_texts(self, column: int) -> pa.Array:
        return self.batch.column(column).dictionary

    def select(self, keep: np.ndarray) -> ArrowBlock:
        return ArrowBlock(self.batch.filter(pa.array(keep)))


class CsvBlocks:
    """The header and blocks of (row numbers, Block with columns 0, 1, ...)."""

    def __init__(self, source: Source, has_header: bool = True,
                 header: list[str] | None = None, rows_per_block: int | None = None):
        self.source, self.has_header = source, has_header
        # A block is as many rows as the importers go between progress and cancel checks.
        self.rows_per_block = rows_per_block or context.CHECK_EVERY
        self._opened = open_csv(source)
        self.encoding = self._opened.encoding
        self.first_non_utf8_line = self._opened.first_non_utf8_line
        self.header = [h.replace("\ufeff", "").strip() for h in self._opened.header()] \
            if has_header else list(header or [])
        self._position = 0
        self._arrow_file: pa.NativeFile | None = None
        self._arrow_rows = 0  # rows pyarrow has given
        self._rows_at = self._rows_start()
        self.arrow = self._rows_at is not None

    def close(self) -> None:
        self._opened.text.close()
        if self._arrow_file is not None:
            self._arrow_file.close()

    def position(self) -> int:
        """Bytes of the source the parser has taken so far (for progress). pyarrow reads far
        ahead of the rows it has given: there, the rows given at the head's bytes a row."""
        if self.arrow:
            self._position = min(int(self._rows_at + self._arrow_rows * self._row_bytes),
                                 self._size)
        elif not self._opened.text.closed:
            self._position = self._opened.text.buffer.tell()
        return self._position

    def is_full(self, block: Block) -> bool:
        """A whole block (not the file's last; any of pyarrow's, whose sizes vary): the moment
        for a progress and cancel check."""
        return self.arrow or len(block) >= self.rows_per_block

    def __iter__(self) -> Iterator[tuple[np.ndarray, Block]]:
        self._opened.refuse_if_damaged()
        first = 0
        for block in self._blocks():
            numbers = np.arange(first, first + len(block))
            first += len(block)
            blank = _blank(block)
            yield (numbers[~blank], block.select(~blank)) if blank.any() else (numbers, block)

    def _blocks(self) -> Iterator[Block]:
        """pyarrow's blocks, else pandas': also when pyarrow refuses the file before giving a
        row (a 3CX file's rows of mixed length); after, ArrowRefused goes to the caller."""
        if self.arrow:
            try:
                yield from self._arrow_blocks()
                return
            except ArrowRefused:
                if self._arrow_rows:
                    raise
                self.read_with_pandas()
        yield from self._pandas_blocks()

    def _rows_start(self) -> int | None:
        """Where the rows start in the file's bytes, when pyarrow is to read them: a file on
        disk (not a zip's member) in UTF-8, of at least two columns, whose header (if it has
        one) is one line (pandas reads the rest)."""
        if (self.source.member is not None or len(self.header) < 2
                or self.encoding != "utf-8-sig"):
            return None
        with self.source.open() as raw:
            head = raw.read(_HEAD_BYTES)
        start = len(UTF8_BOM) if head.startswith(UTF8_BOM) else 0
        ends = [end for end in (head.find(b"\n", start), head.find(b"\r", start)) if end >= 0]
        if not ends or head[start:min(ends)].count(b'"') % 2:
            return None  # a header too long to measure, or with a line break in a name
        end = min(ends) if self.has_header else start
        lines = max(head.count(b"\n", end), head.count(b"\r", end), 1)
        self._row_bytes = (len(head) - end) / lines  # a row's bytes, for progress and blocks
        # Blocks of about rows_per_block rows (a row must fit in one).
        self._block_bytes = int(min(max(self.rows_per_block * self._row_bytes, 4096), 1 << 26))
        self._size = self.source.path.stat().st_size
        if not self.has_header:
            return start
        return end + (2 if head[end:end + 2] == b"\r\n" else 1)

    def _arrow_blocks(self) -> Iterator[ArrowBlock]:
        names = [str(i) for i in range(len(self.header))]
        text = pa.dictionary(pa.int32(), pa.string())
        self._arrow_file = pa.OSFile(str(self.source.path))
        try:
            self._arrow_file.seek(self._rows_at)
            batches = pa_csv.open_csv(
                self._arrow_file,
                read_options=pa_csv.ReadOptions(column_names=names,
                                                block_size=self._block_bytes),
                parse_options=pa_csv.ParseOptions(newlines_in_values=True),
                convert_options=pa_csv.ConvertOptions(column_types=dict.fromkeys(names, text),
                                                      strings_can_be_null=False))
            for batch in batches:
                self._arrow_rows += batch.num_rows
                yield ArrowBlock(batch)
        except pa.ArrowInvalid as exc:
            if "Empty CSV file" in str(exc):
                return  # a header and nothing else
            raise ArrowRefused(str(exc)) from None
        finally:
            self._arrow_file.close()
            self._opened.text.close()
            pa.default_memory_pool().release_unused()  # the app lives on after an import

    def read_with_pandas(self) -> None:
        """From now on, the file's rows are read by pandas (after ArrowRefused)."""
        self.arrow = False
        self._opened = open_csv(self.source)
        if self.has_header:
            self._opened.header()

    def _pandas_blocks(self) -> Iterator[FrameBlock]:
        with self._opened.text, warnings.catch_warnings():
            # pandas only warns, and drops the extra fields, when the first row is too long.
            warnings.simplefilter("error", pd.errors.ParserWarning)
            try:
                frames = pd.read_csv(
                    self._opened.text, header=None, names=range(len(self.header)),
                    dtype=object, keep_default_na=False, na_filter=False, index_col=False,
                    engine="c", chunksize=self.rows_per_block)
                for frame in frames:
                    yield FrameBlock(frame)
            except pd.errors.EmptyDataError:
                return
            except pd.errors.ParserError as exc:
                raise ImportFailed([self._parser_problem(str(exc))]) from None
            except pd.errors.ParserWarning:
                problem = self.source.problem(1 + self.has_header, "has more fields than the "
                                              f"header's {len(self.header)}")
                raise ImportFailed([problem]) from None

    def _parser_problem(self, message: str):
        if m := _TOO_MANY.search(message):
            expected, line, found = (int(g) for g in m.groups())
            return self.source.problem(line + self.has_header,
                                       f"has {found} fields where the header has {expected} "
                                       "(a name with an unquoted comma?)")
        return self.source.problem(None, f"unreadable CSV ({message.strip()})")

    def lines(self, numbers: Iterable[int]) -> dict[int, int]:
        """The physical line (of the row's end) of each row number asked for."""
        return {row: line for row, (line, _) in self.places(numbers).items()}

    def short_rows(self, numbers: Iterable[int]) -> dict[int, str]:
        """Of the rows asked for, those with fewer fields than the header (pandas fills the
        missing ones with ''): what to say instead of 'the outcome is empty', for a file whose
        last line was cut off."""
        if not self.has_header:
            return {}  # a headerless layout (3CX) may drop trailing fields on purpose
        width = len(self.header)
        return {row: f"has {fields} of the header's {width} fields: the line is cut short "
                     "(the export may have been interrupted, or the file truncated); export "
                     "the file again, or remove the line"
                for row, (_, fields) in self.places(numbers).items() if fields < width}

    def places(self, numbers: Iterable[int]) -> dict[int, tuple[int, int]]:
        """(physical line of the row's end, number of fields) of each row number asked for."""
        wanted, found = set(numbers), {}
        opened = open_csv(self.source)
        reader = opened.reader
        with opened.text:
            if self.has_header:
                next(reader, None)
            number = 0
            for row in reader:
                if not row or (len(row) == 1 and not row[0].strip()):
                    continue  # pandas skips blank lines
                if number in wanted:
                    found[number] = (reader.line_num, len(row))
                    if len(found) == len(wanted):
                        break
                number += 1
        return found


def _blank(block: Block) -> np.ndarray:
    """Rows whose fields are all empty or spaces (such as ',,,,'), as the other importers skip.
    Column by column, on the rows still blank so far: a layout whose first field is always
    empty (Asterisk's accountcode) is settled by its second."""
    blank = np.full(len(block), block.width > 0)
    for column in range(block.width if len(block) else 0):
        codes, texts = block.distinct(column)
        blank &= np.array([not text.strip() for text in texts] + [False], dtype=bool)[codes]
        if not blank.any():
            break
    return blank


def read_ahead(items: Iterator[T], depth: int = 2) -> Iterator[T]:
    """The items, worked out on a thread up to `depth` ahead of the caller: reading the next
    block (pandas, numpy) runs while the caller stores this one (SQLite, which lets go of
    Python's lock while it writes), each on a core. An exception in the thread is raised here;
    when the caller stops early (cancel, a problem), the thread stops after its current item."""
    ready: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                ready.put(item)
                if stop.is_set():
                    break
        except BaseException as exc:  # noqa: BLE001 (raised again in the caller's thread)
            ready.put(exc)
            return
        finally:
            close = getattr(items, "close", None)
            if close:
                close()
        ready.put(_DONE)

    worker = threading.Thread(target=produce, name="read-ahead", daemon=True)
    worker.start()
    try:
        while (item := ready.get()) is not _DONE:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        while worker.is_alive():  # let a thread blocked on a full queue finish
            try:
                ready.get(timeout=0.05)
            except queue.Empty:
                pass
        worker.join()
