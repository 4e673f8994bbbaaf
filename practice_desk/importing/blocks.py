"""A large CSV read by pandas' C parser a block of rows at a time, for importers whose speed
matters (call logs run to millions of rows).

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

from practice_desk.importing import context
from practice_desk.importing.problems import ImportFailed
from practice_desk.importing.sources import Source, open_csv

_TOO_MANY = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")
_DONE = object()
T = TypeVar("T")


class CsvBlocks:
    """The header and blocks of (row numbers, DataFrame of text with columns 0, 1, ...)."""

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

    def close(self) -> None:
        self._opened.text.close()

    def position(self) -> int:
        """Bytes of the source the parser has taken so far (for progress)."""
        if not self._opened.text.closed:
            self._position = self._opened.text.buffer.tell()
        return self._position

    def is_full(self, block: pd.DataFrame) -> bool:
        """A whole block (not the file's last): the moment for a progress and cancel check."""
        return len(block) >= self.rows_per_block

    def __iter__(self) -> Iterator[tuple[np.ndarray, pd.DataFrame]]:
        self._opened.refuse_if_damaged()
        first = 0
        with self._opened.text, warnings.catch_warnings():
            # pandas only warns, and drops the extra fields, when the first row is too long.
            warnings.simplefilter("error", pd.errors.ParserWarning)
            try:
                frames = pd.read_csv(
                    self._opened.text, header=None, names=range(len(self.header)), dtype=str,
                    keep_default_na=False, na_filter=False, index_col=False, engine="c",
                    chunksize=self.rows_per_block)
                for frame in frames:
                    numbers = np.arange(first, first + len(frame))
                    first += len(frame)
                    blank = _blank(frame)
                    yield numbers[~blank], frame[~blank].reset_index(drop=True)
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


def _blank(frame: pd.DataFrame) -> np.ndarray:
    """Rows whose fields are all empty or spaces (such as ',,,,'), as the other importers skip.
    Column by column, on the rows still blank so far: a layout whose first field is always
    empty (Asterisk's accountcode) is settled by its second."""
    blank = np.zeros(len(frame), dtype=bool)
    if frame.empty or len(frame.columns) == 0:
        return blank
    maybe = np.arange(len(frame))
    for column in frame.columns:
        codes, texts = pd.factorize(frame[column].to_numpy(dtype=object)[maybe])
        blank_text = np.array([not text.strip() for text in texts] + [False], dtype=bool)
        maybe = maybe[blank_text[codes]]
        if not len(maybe):
            return blank
    blank[maybe] = True
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
