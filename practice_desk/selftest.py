"""Headless end-to-end check: temporary database, import the bundled samples (appointments, and
a call log: what a call log needs, numpy, pandas and pyarrow, is in the build), metrics, chart
PNG."""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable
from pathlib import Path

from local_db.connection import open_database
from practice_desk import __version__
from practice_desk.importing import import_file
from practice_desk.importing.runner import ImportOptions
from practice_desk.metrics import Selection, metric_rows
from practice_desk.resources import resource_path

log = logging.getLogger(__name__)

SAMPLE = ("samples", "Practice_Level_Crosstab_sample_Oct_25.zip")
CALL_LOG = ("samples", "xon_calls_sample.csv")
# inbound, answered, missed, outbound: hand-counted (tests/test_calllogs.py, XON_EXPECTED)
CALLS_EXPECTED = (12, 4, 2, 1)
# Hand-computed from the published file (see resources/samples/README.md).
EXPECTED = {"appointments_total": 6649, "f2f": 4313, "within_14_days": 4835}

ChartRenderer = Callable[[list[dict], Path], None]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


class SelfTestFailed(Exception):
    pass


def run_self_test(render_chart: ChartRenderer | None, say: Callable[[str], None] = print) -> int:
    """Run every step, report each through `say` and the log; 0 when all passed, else 1."""
    def report(line: str) -> None:
        say(line)
        log.info("self-test: %s", line)

    report(f"Practice Desk {__version__} self-test")
    try:
        with tempfile.TemporaryDirectory(prefix="practice-desk-selftest-") as folder:
            _steps(Path(folder), render_chart, report)
    except Exception as exc:  # the self-test reports any failure rather than crashing
        log.exception("self-test failed")
        say(f"FAILED: {exc}")
        return 1
    report("Self-test passed.")
    return 0


def _steps(folder: Path, render_chart: ChartRenderer | None, say: Callable[[str], None]) -> None:
    conn = open_database(folder / "selftest.sqlite")
    try:
        sample = resource_path(*SAMPLE)
        report = import_file(conn, sample)
        _check(report.status == "done", f"importing the bundled sample: {report.message}")
        say(f"ok  import: {report.message}")
        rows = metric_rows(conn, Selection(practice="D81001"))
        _check_figures(rows)
        say("ok  metrics: D81001 October 2025 matches the hand-computed figures")
        _check_call_log(conn, say)
        _check(render_chart is not None, "no chart renderer: use `practice-desk --self-test`")
        png = folder / "chart.png"
        render_chart(rows, png)
        written = png.is_file() and png.read_bytes()[:8] == PNG_SIGNATURE
        _check(written, "the chart was not written as a PNG file")
        say(f"ok  chart: rendered a {png.stat().st_size:,}-byte PNG")
    finally:
        conn.close()


def _check_call_log(conn, say: Callable[[str], None]) -> None:
    report = import_file(conn, resource_path(*CALL_LOG), options=ImportOptions(practice="D81001"))
    _check(report.status == "done", f"importing the bundled call log: {report.message}")
    counts = tuple(conn.execute(
        "SELECT SUM(inbound), SUM(answered), SUM(missed), SUM(outbound) FROM call_hours "
        "WHERE ods_code = 'D81001'").fetchone())
    _check(counts == CALLS_EXPECTED, f"call log: (inbound, answered, missed, outbound) {counts} "
                                     f"!= {CALLS_EXPECTED}")
    say(f"ok  call log: {report.rows_stored} calls, {counts[0]} inbound ({counts[1]} answered, "
        f"{counts[2]} missed) as counted by hand")


def _check_figures(rows: list[dict]) -> None:
    months = [row["month"] for row in rows]
    _check(months == ["2025-10"], f"expected the month 2025-10 only, got {months}")
    row = rows[0]
    total, expected_total = row["appointments_total"], EXPECTED["appointments_total"]
    _check(total == expected_total, f"total {total} != {expected_total}")
    for key, count in (("f2f_share", EXPECTED["f2f"]),
                       ("within_14_days_share", EXPECTED["within_14_days"])):
        _check(abs(row[key] - count / total) < 1e-12, f"{key} {row[key]} != {count}/{total}")


def _check(condition: bool, problem: str) -> None:
    if not condition:
        raise SelfTestFailed(problem)
