"""The fast crosstab read (issue 16 item 4): lines split on commas where that is what the csv
module would do, and handed to the csv module where it is not (quotes, a quoted line break, a
stray quote, an oversized line). Rows, line numbers and problems must be the csv module's."""

from __future__ import annotations

import csv
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
