"""The fast crosstab read (issue 16 item 4): lines split on commas where that is what the csv
module would do, and handed to the csv module where it is not (quotes, a quoted line break, a
stray quote, an oversized line). Rows, line numbers and problems must be the csv module's."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest

from practice_desk.importing import import_file
from practice_desk.importing.sources import MAX_FIELD, Source, open_csv


def fields_and_lines(path: Path) -> list[tuple[int, list[str]]]:
    opened = open_csv(Source(path))
    opened.header()
    with opened.text:
        return [(opened.line_num, row) for row in opened.fields()]


def csv_module(path: Path) -> list[tuple[int, list[str]]]:
    with open(path, newline="", encoding="utf-8-sig") as f:
        reader = csv.reader(f)
        next(reader)
        return [(reader.line_num, row) for row in reader]


TRICKY = [
    'A,B,C\r\n1,2,3\r\n',
    'A,B,C\r\n"x, y",2,3\r\n4,5,6\r\n',  # a quoted comma
    'A,B,C\r\n"two\r\nlines",2,3\r\n4,5,6\r\n',  # a quoted line break: later lines shift
    'A,B,C\r\nab"c,2,3\r\n4,5,6\r\n',  # a stray quote inside an unquoted field
    'A,B,C\r\n"say ""hi""",2,3\r\n\r\n7,8,9',  # doubled quotes, a blank line, no last newline
    'A,B,C\n1,2,3\r4,5,6\n',  # mixed line ends
]


@pytest.mark.parametrize("text", TRICKY)
def test_fields_are_the_csv_modules(tmp_path: Path, text: str) -> None:
    path = tmp_path / "file.csv"
    path.write_bytes(text.encode())
    assert fields_and_lines(path) == csv_module(path)


def test_an_oversized_field_is_refused_as_the_csv_module_does(tmp_path: Path) -> None:
    path = tmp_path / "long.csv"
    path.write_text("A,B\n1," + "x" * (MAX_FIELD + 10) + "\n")
    with pytest.raises(Exception, match="field larger than field limit"):
        fields_and_lines(path)


def test_problems_after_a_quoted_line_break_name_the_right_line(conn, tmp_path: Path,
                                                                 crosstab_csv: Path) -> None:
    """A practice name with a line break inside quotes (line 2-3), then a bad count: the
    problem names the physical line the csv module gives."""
    lines = crosstab_csv.read_text(encoding="utf-8-sig").splitlines()
    header, first, second = lines[0], lines[1].split(","), lines[2].split(",")
    first[2] = '"THE SURGERY,\nUPPER FLOOR"'
    second[12] = "12x"
    path = tmp_path / "crosstab.csv"
    path.write_text("\r\n".join([header, ",".join(first), ",".join(second)]) + "\r\n")
    report = import_file(conn, path)
    assert report.status == "failed"
    assert [(p.line, p.problem) for p in report.problems] == [
        (4, "count '12x' is not a whole number of appointments")]


def test_a_quoted_name_with_a_comma_is_stored_whole(conn, tmp_path: Path,
                                                    crosstab_csv: Path) -> None:
    lines = crosstab_csv.read_text(encoding="utf-8-sig").splitlines()
    rows = [line.split(",") for line in lines[1:]]
    code = rows[0][1]
    for row in rows:
        if row[1] == code:
            row[2] = '"DR SMITH, JONES & PARTNERS"'
    path = tmp_path / "crosstab.csv"
    path.write_text("\r\n".join([lines[0], *(",".join(r) for r in rows)]) + "\r\n")
    report = import_file(conn, path)
    assert report.status == "done", report.message
    assert report.rows_stored == len(rows)
    name = conn.execute("SELECT name FROM practices WHERE ods_code = ?", (code,)).fetchone()[0]
    assert name == "DR SMITH, JONES & PARTNERS"


# --- the fast path of the crosstab loop (gpad._CrosstabLoop.run) ------------------------
# A line that starts like the row before and whose labels, status and count were seen before
# skips the checks; every other line takes them. Written in the published column order the
# fast path runs; with two of the last columns swapped it cannot, and every line is checked.
# Both must store the same rows and report the same problems on the same lines.
SWAPPED = [*range(12), 13, 12]  # APPT_STATUS before COUNT_OF_APPOINTMENTS


def _write(path: Path, header: list[str], lines: list, order: list[int]) -> Path:
    """`lines`: field lists (written in `order`) or raw text (written as it is)."""
    out = [",".join(header[i] for i in order)]
    out += [line if isinstance(line, str) else ",".join(line[i] for i in order)
            for line in lines]
    path.write_bytes(("\r\n".join(out) + "\r\n").encode())
    return path


def _stored(conn) -> Counter:
    return Counter(tuple(r) for r in conn.execute("""
        SELECT g.ods_code, g.month, h.raw, m.raw, c.raw, i.raw, s.raw, g.count
        FROM gpad_appointments g
        JOIN labels h ON h.id = g.hcp_type JOIN labels m ON m.id = g.appt_mode
        JOIN labels c ON c.id = g.category JOIN labels i ON i.id = g.interval
        JOIN labels s ON s.id = g.status"""))


def _both_ways(tmp_path: Path, header: list[str], lines: list, monkeypatch) -> list:
    """(checked lines, report, stored rows, practices) for the published order, then the
    swapped one, each into a new database."""
    from local_db.connection import open_database
    from practice_desk.importing import gpad

    checked = []
    real_row = gpad._CrosstabLoop._row

    def counting_row(self, *args):
        checked[-1] += 1
        return real_row(self, *args)

    monkeypatch.setattr(gpad._CrosstabLoop, "_row", counting_row)
    results = []
    for name, order in (("published", list(range(14))), ("swapped", SWAPPED)):
        checked.append(0)
        conn = open_database(tmp_path / f"{name}.sqlite")
        report = import_file(conn, _write(tmp_path / f"{name}.csv", header, lines, order))
        practices = conn.execute("SELECT * FROM practices ORDER BY ods_code").fetchall()
        results.append((checked[-1], report, _stored(conn), [tuple(p)[:-1] for p in practices]))
        conn.close()
    return results


def _sample(crosstab_csv: Path) -> tuple[list[str], list[list[str]]]:
    lines = crosstab_csv.read_text(encoding="utf-8-sig").splitlines()
    return lines[0].split(","), [line.split(",") for line in lines[1:]]


def test_the_fast_path_stores_what_the_checks_store(conn, tmp_path: Path, crosstab_csv: Path,
                                                     monkeypatch) -> None:
    """Awkward but valid lines among the real rows: quoted labels and counts, a count with
    spaces, a blank line, a practice's rows in two runs, a new label, a count of 0."""
    header, rows = _sample(crosstab_csv)
    rows = [list(r) for r in rows]
    rows[5][9] = f'"{rows[5][9]}"'  # a quoted mode, the same label
    rows[6][12] = f'"{rows[6][12]}"'  # a quoted count
    rows[7][12] = f" {rows[7][12]} "
    rows[8][12] = "0"
    rows[9][13] = "Attended "  # a label text not seen before
    lines: list = [*rows[:40], "", *rows[300:320], *rows[40:300], ",,,,,,,,,,,,,", *rows[320:]]
    (fast, published, stored, practices), (slow, swapped, stored_too, practices_too) = \
        _both_ways(tmp_path, header, lines, monkeypatch)
    assert published.status == swapped.status == "done", published.message
    assert published.rows_stored == swapped.rows_stored == len(rows)
    assert stored == stored_too
    assert sum(stored.values()) == len(rows)
    assert practices == practices_too
    assert slow == len(lines) and fast < slow / 2  # the fast path did run


def test_the_fast_path_finds_every_problem_the_checks_find(conn, tmp_path: Path,
                                                           crosstab_csv: Path,
                                                           monkeypatch) -> None:
    """Bad lines after the whole file that start like the row before (a repeat, a bad count,
    a field missing, one too many), a bad practice code, then a repeat of the practice before
    it: the same problems on the same lines."""
    header, rows = _sample(crosstab_csv)
    bad_count = list(rows[-2])
    bad_count[12] = "12x"
    short, long = ",".join(rows[-2][:13]), ",".join([*rows[-2][:12], "GP", *rows[-2][12:]])
    bad_code = list(rows[-2])
    bad_code[1] = "Y0-"
    lines: list = [*rows, rows[-3], bad_count, short, long, bad_code, rows[-5]]
    (fast, published, _, _), (_, swapped, _, _) = _both_ways(tmp_path, header, lines,
                                                            monkeypatch)
    assert published.status == swapped.status == "failed"
    found = [(p.line, p.problem) for p in published.problems]
    assert found == [(p.line, p.problem) for p in swapped.problems]
    end = len(rows) + 1  # the last line of the real rows
    assert [line for line, _ in found] == [end + 1, end + 2, end + 3, end + 4, end + 5, end + 6]
    assert "repeats an earlier row" in found[0][1] and "repeats an earlier row" in found[-1][1]
    assert fast < len(lines) / 2


def test_the_hash_and_the_encoding_check_are_one_pass(tmp_path: Path) -> None:
    """runner's file hash checks the encoding on the way (remembered for the import): the
    same hash and the same findings, placed on the right lines chunks into the file."""
    import hashlib

    from practice_desk.importing import sources

    lines = [f"{i},PRACTICE {i},1".encode() for i in range(200_000)]  # 3.5 MB: 4 chunks
    lines[150_000] = b"150000,CAF\xe9,1"  # Windows-1252
    lines[170_000] = b"170000,NAME\x00,1"
    data = b"\r\n".join(lines) + b"\r\n"
    assert len(data) > 3 * sources.CHUNK
    path = tmp_path / "big.csv"
    path.write_bytes(data)
    with sources.encodings_remembered():
        digest = sources.file_hash(path)
        found = sources.detect_encoding(Source(path))
    assert digest == hashlib.sha256(data).hexdigest()
    assert found == sources._detect_encoding(Source(path))
    assert (found.name, found.first_non_utf8_line) == ("cp1252", 150_001)
    assert found.problem.line == 170_001 and "control character (NUL)" in found.problem.problem
