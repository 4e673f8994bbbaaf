"""Call logs are parsed by pyarrow where it can (blocks.CsvBlocks), else by pandas: every file
stores the same calls, sums and messages either way, and a file pyarrow refuses part way is
read again by pandas with nothing of the first pass left behind."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from local_db import queries
from local_db.connection import open_database
from practice_desk.importing import import_file
from practice_desk.importing.blocks import ArrowBlock, CsvBlocks, FrameBlock, _blank
from practice_desk.importing.runner import ImportOptions
from practice_desk.importing.sources import Source
from practice_desk.telephony import loading
from practice_desk.telephony.callers import KEY_SETTING

DATA = Path(__file__).parent / "data" / "calls"
HEADER = ("Call Date,Call Time,Call ID,Direction,Caller Number,Dialled Number,Queue,IVR Option,"
          "Outcome,Queue Time,Talk Time")
TABLES = ("calls", "call_labels", "call_hours", "call_waits", "call_months", "call_days",
          "call_weekday_hours")


def _rows(calls: int, route: str = "Reception") -> list[str]:
    rows = []
    for k in range(calls):
        outcome, talk = ("Answered", "1m 9s") if k % 3 else ("Missed", "0s")
        rows.append(f"{1 + k // 400:02d}/10/2025,{8 + (k % 400) // 40:02d}:{k % 60:02d}:00,"
                    f"X{k:06d},Inbound,01632 96{k % 900:04d},01632 960001,{route},1,"
                    f"{outcome},{k % 50}s,{talk}")
    return rows


def _write(path: Path, lines: list[str], end: str = "\r\n", bom: bool = False) -> Path:
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + (end.join(lines) + end).encode())
    return path


def _import(db: Path, path: Path, monkeypatch, arrow: bool, fallbacks: list | None = None):
    """(report, every table the import fills) of the file imported into a new database with
    a fixed caller key (so caller hashes and row keys compare across databases)."""
    with monkeypatch.context() as patch:
        if not arrow:
            patch.setattr(CsvBlocks, "_rows_start", lambda self: None)
        if fallbacks is not None:
            to_pandas = CsvBlocks.read_with_pandas
            patch.setattr(CsvBlocks, "read_with_pandas",
                          lambda self: (fallbacks.append(self.source.name), to_pandas(self)))
        conn = open_database(db)
        queries.set_setting(conn, KEY_SETTING, "5a" * 32)
        report = import_file(conn, path, options=ImportOptions(practice="A81001"))
        tables = {t: sorted(map(tuple, conn.execute(f"SELECT * FROM {t}"))) for t in TABLES}
        conn.close()
    return report, tables


def _same_either_way(tmp_path, monkeypatch, path: Path) -> tuple[object, list[str]]:
    fallbacks: list[str] = []
    by_arrow = _import(tmp_path / "arrow.sqlite", path, monkeypatch, True, fallbacks)
    by_pandas = _import(tmp_path / "pandas.sqlite", path, monkeypatch, False)
    for a, b in zip(by_arrow, by_pandas, strict=True):
        if isinstance(a, dict):
            assert a == b
        else:
            assert (a.status, a.message, a.warnings, a.problems, a.rows_read) == \
                (b.status, b.message, b.warnings, b.problems, b.rows_read)
    return by_arrow[0], fallbacks


@pytest.mark.parametrize("name", sorted(p.name for p in DATA.iterdir()
                                        if p.suffix in ("", ".csv", ".zip")))
def test_every_call_log_fixture_stores_the_same_either_way(tmp_path, monkeypatch, name):
    _same_either_way(tmp_path, monkeypatch, DATA / name)


def test_an_export_with_a_header_is_read_by_arrow(tmp_path):
    path = _write(tmp_path / "calls.csv", [HEADER, *_rows(300)])
    table = CsvBlocks(Source(path), True, None, 10)
    blocks = list(table)
    assert table.arrow and all(isinstance(block, ArrowBlock) for _, block in blocks)
    assert len(blocks) > 3  # blocks of 4 KB at least: 40-odd rows
    numbers = np.concatenate([numbers for numbers, _ in blocks])
    assert numbers.tolist() == list(range(300))


@pytest.mark.parametrize(("shape", "end", "bom"), [
    ("CRLF", "\r\n", False), ("LF with a BOM", "\n", True), ("CR only", "\r", False)])
def test_line_ends_and_a_bom(tmp_path, monkeypatch, shape, end, bom):
    path = _write(tmp_path / "calls.csv", [HEADER, *_rows(500)], end, bom)
    report, fallbacks = _same_either_way(tmp_path, monkeypatch, path)
    assert report.status == "done" and report.rows_stored == 500 and not fallbacks


def test_a_quoted_route_with_a_comma_and_a_line_break(tmp_path, monkeypatch):
    path = _write(tmp_path / "calls.csv", [HEADER, *_rows(40, '"Reception, main\nline"')])
    report, fallbacks = _same_either_way(tmp_path, monkeypatch, path)
    assert report.status == "done" and report.rows_stored == 40 and not fallbacks


def test_blank_rows_and_a_header_alone(tmp_path, monkeypatch):
    rows = _rows(20)
    rows[5:5] = ["", ",,,,,,,,,,", ""]
    report, _ = _same_either_way(tmp_path, monkeypatch, _write(tmp_path / "a.csv", [HEADER, *rows]))
    assert report.status == "done" and report.rows_stored == 20
    report, _ = _same_either_way(tmp_path, monkeypatch, _write(tmp_path / "b.csv", [HEADER]))
    assert report.status == "failed"


@pytest.mark.parametrize(("damage", "where"), [
    ("01/10/2025,09:00:00,X999999,Inbound,01632 960000", "short row"),
    (HEADER.replace("Talk Time", "Talk Time,extra"), "long row"),
    ("   ", "a line of spaces"),
])
def test_a_row_arrow_refuses_late_in_the_file_is_read_by_pandas(tmp_path, monkeypatch,
                                                                   damage, where):
    """pyarrow refuses the row after blocks were stored: they are rolled back and pandas reads
    the file, with its own result (a short row filled, a long one named by its line)."""
    monkeypatch.setattr(loading, "ROWS_PER_BLOCK", 100)
    rows = _rows(2000)
    rows.insert(1500, damage)
    path = _write(tmp_path / "calls.csv", [HEADER, *rows])
    report, fallbacks = _same_either_way(tmp_path, monkeypatch, path)
    assert fallbacks == ["calls.csv"], where
    if where == "long row":
        assert report.status == "failed" and "line 1502" in report.message
    else:
        assert report.status in ("done", "failed"), report.message


def test_windows_1252_and_zip_members_are_read_by_pandas(tmp_path):
    path = tmp_path / "calls.csv"
    path.write_bytes(("\r\n".join([HEADER, *_rows(3, "Café")]) + "\r\n").encode("cp1252"))
    assert not CsvBlocks(Source(path), True).arrow
    assert not CsvBlocks(Source(DATA / "asterisk.zip", "Master.csv"), True).arrow


def test_blank_rows_and_dropped_texts_of_an_arrow_block():
    batch = pa.RecordBatch.from_pydict({
        "0": pa.array(["a", " ", "", "b"]).dictionary_encode(),
        "1": pa.array(["x", "", " ", "y"]).dictionary_encode()})
    block = ArrowBlock(batch)
    blank = _blank(block)
    assert blank.tolist() == [False, True, True, False]
    kept = block.select(~blank)
    codes, texts = kept.distinct(0)
    assert texts[codes].tolist() == ["a", "b"] and sorted(texts.tolist()) == ["a", "b"]
    assert kept.texts(1).tolist() == ["x", "y"]


def test_frame_and_arrow_blocks_agree():
    import pandas as pd

    values = ["b", "a", "b", "c", "a"]
    frame = FrameBlock(pd.DataFrame({0: np.array(values, dtype=object)}))
    arrow = ArrowBlock(pa.RecordBatch.from_pydict({"0": pa.array(values).dictionary_encode()}))
    for block in (frame, arrow):
        codes, texts = block.distinct(0)
        assert texts[codes].tolist() == values and len(texts) == 3
        assert block.texts(0).tolist() == values


def test_nothing_is_left_of_the_first_pass(tmp_path, monkeypatch):
    """The savepoint: call_labels, calls and sums of the refused pass are gone, and the rows
    read are counted once."""
    monkeypatch.setattr(loading, "ROWS_PER_BLOCK", 100)
    rows = _rows(1200)
    rows.insert(1100, "01/10/2025,09:00:00,X999999,Inbound,01632 960000,01632 960001,"
                      "Reception,1,Missed,4s")  # no talk time: pandas fills it in
    path = _write(tmp_path / "calls.csv", [HEADER, *rows])
    fallbacks = []
    to_pandas = CsvBlocks.read_with_pandas
    monkeypatch.setattr(CsvBlocks, "read_with_pandas",
                        lambda self: (fallbacks.append(1), to_pandas(self)))
    conn = open_database(tmp_path / "db.sqlite")
    report = import_file(conn, path, options=ImportOptions(practice="A81001"))
    assert fallbacks == [1]
    assert report.rows_read == report.rows_stored == 1201, report.message
    counts = conn.execute("SELECT COUNT(*), COUNT(DISTINCT call_key) FROM calls").fetchone()
    assert counts[0] == counts[1] == report.rows_stored
    inbound = conn.execute("SELECT SUM(inbound) FROM call_hours").fetchone()[0]
    assert inbound == report.rows_stored
    conn.close()


def test_progress_moves_with_the_rows_pyarrow_has_given(tmp_path, monkeypatch):
    """pyarrow reads far ahead of the rows it gives: progress follows the rows (the file's
    position would say 100 % from the first block)."""
    monkeypatch.setattr(loading, "ROWS_PER_BLOCK", 200)
    path = _write(tmp_path / "calls.csv", [HEADER, *_rows(3000)])
    conn = open_database(tmp_path / "db.sqlite")
    seen: list[float] = []
    report = import_file(conn, path, progress=lambda fraction, _: seen.append(fraction),
                         options=ImportOptions(practice="A81001"))
    conn.close()
    assert report.status == "done" and len(seen) > 10
    assert seen == sorted(seen) and seen[0] < 0.2 and seen[len(seen) // 2] < 0.8
    assert seen[-1] == 1.0


def test_a_utf8_file_with_names_beyond_ascii(tmp_path, monkeypatch):
    path = _write(tmp_path / "calls.csv", [HEADER, *_rows(50, "Café – Reception")], bom=True)
    report, fallbacks = _same_either_way(tmp_path, monkeypatch, path)
    assert report.status == "done" and not fallbacks


@pytest.mark.parametrize(("name", "by_arrow"), [("Master.csv", True), ("3cx_v16_file.csv", False)])
def test_a_headerless_file_is_read_by_arrow_if_its_rows_are_all_as_long(name, by_arrow):
    """Asterisk's Master.csv (no header, every row as long) is read by pyarrow; 3CX's file
    output (rows of mixed length on purpose) is refused before its first rows and read by pandas
    from the start, with no second pass."""
    from practice_desk.telephony.calllogs import headerless_mapping

    source = Source(DATA / name)
    mapping = headerless_mapping(source)
    table = CsvBlocks(source, mapping.has_header, mapping.header, 1000)
    blocks = [block for _, block in table]
    assert not mapping.has_header and table.arrow == by_arrow
    assert all(isinstance(block, ArrowBlock if by_arrow else FrameBlock) for block in blocks)
    assert sum(map(len, blocks)) == sum(1 for line in open(DATA / name, encoding="utf-8")
                                        if line.strip())


def test_a_trailing_comma_on_every_row_and_a_field_longer_than_a_block(tmp_path, monkeypatch):
    """Shapes real exports have that pyarrow refuses and pandas reads: a delimiter at the end of
    every row (pandas drops the empty last field), and a field longer than pyarrow's block."""
    trailing = _write(tmp_path / "trailing.csv", [HEADER, *(row + "," for row in _rows(30))])
    report, fallbacks = _same_either_way(tmp_path, monkeypatch, trailing)
    assert fallbacks == ["trailing.csv"], report.message
    monkeypatch.setattr(loading, "ROWS_PER_BLOCK", 50)  # blocks of about 5 KB
    rows = _rows(300)
    rows[250] = rows[250].replace("Reception", "Reception " + "x" * 20_000)
    (tmp_path / "long").mkdir()
    long_field = _write(tmp_path / "long" / "long.csv", [HEADER, *rows])
    report, fallbacks = _same_either_way(tmp_path / "long", monkeypatch, long_field)
    assert report.status == "done" and report.rows_stored == 300, report.message
    assert fallbacks == ["long.csv"]  # refused at row 251, after blocks were stored


def test_an_import_leaves_no_arrow_memory_held(tmp_path):
    """Every block pyarrow made is freed when the import ends (the app lives on after it)."""
    path = _write(tmp_path / "calls.csv", [HEADER, *_rows(2000)])
    conn = open_database(tmp_path / "db.sqlite")
    held = pa.default_memory_pool().bytes_allocated()  # by the tests before, if any
    report = import_file(conn, path, options=ImportOptions(practice="A81001"))
    conn.close()
    assert report.status == "done"
    assert pa.default_memory_pool().bytes_allocated() <= held


@pytest.mark.parametrize("data", [
    b'A,B,C\r\n1, "x",3\r\n', b'A,B,C\n1,ab"c,3\n', b'A,B,C\n1,"a""b",3\n', b'A,B,C\n1,"",3\n',
    b'A,B,C\n1,2,3', b'A,B,C\n1,2,3\r', b'A,B,C\n1,"ab"c,3\n', b'A,B,C\n1,a\tb,3\n',
    'A,B,C\n1,\u00a0x,3\n'.encode(), b'A,B,C\r\n\r\n1,2,3\r\n\r\n'])
def test_quirks_of_quoting_and_line_ends_read_alike(tmp_path, data):
    """A space before a quote, a quote inside a field, doubled and empty quotes, no last line
    end, a lone CR at the end, a tab, a no-break space, blank CRLF lines: pyarrow gives the same
    rows and texts as pandas."""
    path = tmp_path / "quirks.csv"
    path.write_bytes(data)
    read = {}
    for by_arrow in (True, False):
        table = CsvBlocks(Source(path), True, None, 100)
        assert table.arrow
        table.arrow = by_arrow
        read[by_arrow] = [(numbers.tolist(), [block.texts(i).tolist() for i in range(block.width)])
                          for numbers, block in table]
    assert read[True] == read[False]
