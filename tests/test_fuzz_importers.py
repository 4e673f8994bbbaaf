"""Property-based tests: whatever rows a file holds, an import never crashes and never half-writes.

Each example takes a real file's header and a few real rows, then lets hypothesis mutate cells
(any text, empty, huge numbers, quotes, control characters) and drop or add cells. The import must
return a report (never raise); a failed import names the file and leaves the database unchanged.
"""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from local_db.connection import open_database
from practice_desk.importing import import_file
from practice_desk.importing.mapping_step import propose
from practice_desk.importing.runner import ImportOptions

DATA = Path(__file__).parent / "data"
FORMATS = {
    "crosstab": DATA / "Practice_Level_Crosstab_subset_Oct_25.csv",
    "mapping": DATA / "Mapping_subset_Oct_25.csv",
    "regional": DATA / "Regional_CSV_Somerset.csv",
    "categories": DATA / "National_Categories_subset_Nov_24.csv",
    "population": DATA / "PracPopFeb26_gp-reg-pat-prac-all.csv",
    "xon": DATA / "calls" / "xon_export.csv",
    "3cx": DATA / "calls" / "3cx_cdr.csv",
}
CELL = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["", "-", "NULL", "0", "-5", "1.5", "1e9", "99999999999999999999",
                     "01OCT2025", "31/02/2025", "2099-01-01", "=cmd()", '"', "\x00", "Unknown"]),
)


def real_rows(path: Path, count: int = 6) -> tuple[list[str], list[list[str]]]:
    with open(path, newline="", encoding="utf-8-sig") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:count + 1]


@st.composite
def mutated_file(draw, name: str) -> bytes:
    header, rows = real_rows(FORMATS[name])
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in draw(st.lists(st.sampled_from(rows), min_size=0, max_size=8)):
        row = list(row)
        for _ in range(draw(st.integers(0, 3))):
            row[draw(st.integers(0, len(row) - 1))] = draw(CELL)
        if draw(st.integers(0, 9)) == 0:
            row = row[:-1] if draw(st.booleans()) else [*row, draw(CELL)]
        writer.writerow(row)
    return out.getvalue().encode("utf-8", "surrogatepass")


def dump(conn) -> list:
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    return [(t, sorted(map(tuple, conn.execute(f'SELECT * FROM "{t}"')), key=repr))
            for t in sorted(tables)]


def check_import(content: bytes, name: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        conn = open_database(":memory:")
        seed = import_file(conn, FORMATS["crosstab"])  # something that must not be lost
        assert seed.status == "done"
        before = dump(conn)
        path = Path(folder) / f"fuzzed_{name}.csv"
        path.write_bytes(content)
        options = None
        proposal = propose(path, conn)
        if proposal is not None:
            options = ImportOptions(practice="E81050", mapping=proposal.mapping)
        report = import_file(conn, path, options=options)  # must not raise
        assert report.status in ("done", "failed", "duplicate"), report.status
        if report.status != "done":
            assert path.name in report.message
            assert dump(conn) == before
        conn.close()


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_mutated_rows_never_crash_an_import(name):
    @settings(max_examples=25, deadline=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(mutated_file(name))
    def run(content: bytes) -> None:
        check_import(content, name)

    run()


@settings(max_examples=40, deadline=None)
@given(st.binary(max_size=2000))
def test_random_bytes_never_crash_an_import(content):
    check_import(content, "bytes")
