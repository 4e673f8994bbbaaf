"""Workbook import benchmark: each real sample workbook's import against a bare calamine read.

For every .xlsx under the real samples (`/work/shared/samples`, or `--samples DIR`) and
`tests/data`, in the same process and the same run, alternating:

  import      practice_desk.importing.import_file(FILE) into a new, empty database, then closing
              it (which writes the import into the database file): detection, the guards,
              hashing, reading, checks, storing, in one transaction (what the app and
              `practice-desk import` do, less the start-up of the command line and the opening
              of the database). The empty database is made before the clock starts: making one
              (its schema, and six disk syncs) is done once, not per import; its time is shown
              in the last column, not counted.
  calamine    python_calamine: open the workbook and read every sheet's cells (`to_python`)

Each is run --repeat times; the fastest counts. Wall time and the process's CPU time are both
shown: on a shared machine the CPU time is the steadier one. Workbooks Practice Desk does not
import (documentation workbooks) are listed as such, with the reason it gives.

    .venv/bin/python bench/bench_workbooks.py
    .venv/bin/python bench/bench_workbooks.py --repeat 9

This is a script, not a test: it is run by `make bench`, never by pytest.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from local_db.connection import open_database  # noqa: E402
from practice_desk.importing import import_file  # noqa: E402

TARGET = 2.0  # issue 16: an import takes at most twice a bare calamine read of the workbook


@dataclass
class Timing:
    wall: float
    cpu: float


def timed(run) -> tuple[object, Timing]:
    wall, cpu = time.perf_counter(), time.process_time()
    result = run()
    return result, Timing(time.perf_counter() - wall, time.process_time() - cpu)


def fastest(timings: list[Timing]) -> Timing:
    return Timing(min(t.wall for t in timings), min(t.cpu for t in timings))


def calamine_read(path: Path) -> None:
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(str(path))
    for name in book.sheet_names:
        book.get_sheet_by_name(name).to_python()
    book.close()


def import_once(path: Path, folder: Path) -> tuple[Timing, Timing, str]:
    """(making the empty database, the import, why the file was not imported or '')."""
    conn, made = timed(lambda: open_database(folder / f"bench-{time.perf_counter_ns()}.sqlite"))
    report, imported = timed(lambda: _import_and_close(conn, path))
    why = report.message.splitlines()[-1] if report.status != "done" else ""
    return made, imported, why


def _import_and_close(conn, path: Path):
    try:
        return import_file(conn, path)
    finally:
        conn.close()


def workbooks(samples: Path) -> list[Path]:
    found = {p.name: p for p in sorted(samples.rglob("*.xlsx"))}
    for path in sorted((ROOT / "tests" / "data").glob("*.xlsx")):
        found.setdefault(path.name, path)
    return list(found.values())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", type=Path, default=Path("/work/shared/samples"))
    parser.add_argument("--repeat", type=int, default=5, help="runs of each; the fastest counts")
    args = parser.parse_args(argv)
    lines = ["| workbook | size | import s (CPU s) | calamine read s (CPU s) | import ÷ read "
             "(CPU) | target ≤ 2× | making the empty database s (CPU), not counted |",
             "|---|---:|---:|---:|---:|---|---:|"]
    skipped = []
    missed = 0
    with tempfile.TemporaryDirectory() as folder:
        for path in workbooks(args.samples):
            why = import_once(path, Path(folder))[2]  # warm-up, and is it importable at all?
            if why:
                skipped.append(f"- {path.name}: not imported ({why.split(': ', 1)[-1][:100]}...)")
                continue
            calamine_read(path)
            made, imports, reads = [], [], []
            for _ in range(args.repeat):  # alternating, so that both see the same load
                making, importing, _why = import_once(path, Path(folder))
                made.append(making)
                imports.append(importing)
                reads.append(timed(lambda p=path: calamine_read(p))[1])
            imp, read, new = fastest(imports), fastest(reads), fastest(made)
            ratio, cpu_ratio = imp.wall / read.wall, imp.cpu / read.cpu
            verdict = "meets" if ratio <= TARGET and cpu_ratio <= TARGET else "MISSES"
            missed += verdict == "MISSES"
            lines.append(f"| {path.name} | {path.stat().st_size / 2**20:.1f} MB | {imp.wall:.3f} "
                         f"({imp.cpu:.3f}) | {read.wall:.3f} ({read.cpu:.3f}) | {ratio:.2f}× "
                         f"({cpu_ratio:.2f}×) | {verdict} | {new.wall:.3f} ({new.cpu:.3f}) |")
            print(lines[-1], flush=True)
    print(f"\nResults ({date.today().isoformat()}, fastest of {args.repeat}):\n")
    print("\n".join(lines + [""] + skipped))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
