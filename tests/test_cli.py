"""The command line as in metrics.md: import, imports, undo, metrics --json, demo, --self-test."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from collections import defaultdict

import pytest

from practice_desk import cli
from practice_desk.metrics.keys import METRIC_KEYS
from ui.main import main as app_main

WITHIN_14 = {"Same Day", "1 Day", "2 to 7 Days", "8  to 14 Days"}


def run(capsys, *args) -> tuple[int, str, str]:
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def raw_figures(path) -> dict[str, dict[str, int]]:
    """Per-practice counts straight from the published CSV, for an independent check."""
    figures: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    with open(path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            count = int(row["COUNT_OF_APPOINTMENTS"])
            practice = figures[row["GP_CODE"]]
            practice["total"] += count
            practice["f2f"] += count * (row["APPT_MODE"] == "Face-to-Face")
            practice["within_14"] += count * (row["TIME_BETWEEN_BOOK_AND_APPT"] in WITHIN_14)
            practice["dna"] += count * (row["APPT_STATUS"] == "DNA")
    return figures


@pytest.fixture
def imported(capsys, db_path, crosstab_csv):
    code, out, _ = run(capsys, "import", str(crosstab_csv), "--db", str(db_path))
    assert code == 0 and "Imported 2,638 rows" in out
    return db_path


def test_metrics_json_matches_the_raw_file_for_every_practice(capsys, imported, crosstab_csv):
    raw = raw_figures(crosstab_csv)
    assert len(raw) == 13
    for practice, counts in raw.items():
        args = ["metrics", "--db", str(imported), "--practice", practice, "--json"]
        code, out, _ = run(capsys, *args)
        assert code == 0
        document = json.loads(out)
        assert document["practice"] == practice
        (row,) = document["rows"]
        assert row["month"] == "2025-10"
        assert row["appointments_total"] == counts["total"]
        for key, count in (("f2f_share", "f2f"), ("within_14_days_share", "within_14"),
                           ("dna_rate", "dna")):
            assert round(row[key], 4) == round(counts[count] / counts["total"], 4), key
        assert set(METRIC_KEYS) <= set(row)


def test_d81001_hand_checked_figures(capsys, imported):
    _, out, _ = run(capsys, "metrics", "--db", str(imported), "--practice", "D81001", "--json")
    row = json.loads(out)["rows"][0]
    assert row["appointments_total"] == 6649
    assert round(row["within_14_days_share"], 4) == 0.7272   # 4,835 / 6,649
    assert round(row["f2f_share"], 4) == 0.6487              # 4,313 / 6,649
    assert row["inbound_calls"] is None and row["app_logins"] is None  # no such data yet
    assert row["appointments_per_1000"] is None  # no list size on or before October 2025


def test_pcn_is_the_sum_of_its_practices(capsys, imported, crosstab_csv):
    raw = raw_figures(crosstab_csv)
    _, out, _ = run(capsys, "metrics", "--db", str(imported), "--pcn", "U88254", "--json")
    document = json.loads(out)
    (row,) = document["rows"]
    in_pcn = [p for p in raw if _pcn_of(crosstab_csv, p) == "U88254"]
    assert document["pcn"] == "U88254" and {"D81001", "D81005"} <= set(in_pcn)
    total = sum(raw[p]["total"] for p in in_pcn)
    f2f = sum(raw[p]["f2f"] for p in in_pcn)
    assert row["appointments_total"] == total
    assert row["f2f_share"] == pytest.approx(f2f / total)


def _pcn_of(path, practice: str) -> str:
    with open(path, newline="", encoding="utf-8") as f:
        return next(r["PCN_CODE"] for r in csv.DictReader(f) if r["GP_CODE"] == practice)


def test_imports_lists_the_file(capsys, imported):
    code, listed, _ = run(capsys, "imports", "--db", str(imported))
    assert code == 0
    assert "gpad_crosstab" in listed and "Practice_Level_Crosstab_subset_Oct_25.csv" in listed


def test_month_range_and_per_1000(capsys, db_path):
    assert run(capsys, "demo", "--db", str(db_path))[0] == 0
    args = ["metrics", "--db", str(db_path), "--practice", "DEM001", "--json"]
    rows = json.loads(run(capsys, *args, "--from", "2025-01", "--to", "2025-03")[1])["rows"]
    assert [r["month"] for r in rows] == ["2025-01", "2025-02", "2025-03"]
    for r in rows:
        assert r["appointments_per_1000"] == pytest.approx(
            r["appointments_total"] / r["list_size"] * 1000)
        assert r["list_size_date"] <= f"{r['month']}-31"


def test_undo_then_metrics_are_empty(capsys, imported):
    code, out, _ = run(capsys, "undo", "1", "--db", str(imported))
    assert code == 0 and "Undid import 1" in out
    # The undone import was the only one to name D81001: the practice is forgotten with it.
    code, _, err = run(capsys, "metrics", "--db", str(imported), "--practice", "D81001", "--json")
    assert code != 0 and "There is no practice D81001" in err
    code, _, err = run(capsys, "undo", "1", "--db", str(imported))
    assert code == 2 and "already undone" in err


def test_a_failed_import_exits_1_and_names_the_problem(capsys, db_path, tmp_path):
    bad = tmp_path / "notes.csv"
    bad.write_text("hello,world\n1,2\n")
    code, _, err = run(capsys, "import", str(bad), "--db", str(db_path))
    assert code == 1 and "notes.csv" in err and "nothing was changed" in err


def test_unknown_practice_and_bad_month_are_usage_errors(capsys, imported):
    code, _, err = run(capsys, "metrics", "--db", str(imported), "--practice", "Z99999", "--json")
    assert code == 2 and "no practice Z99999" in err
    code, _, err = run(capsys, "metrics", "--db", str(imported), "--practice", "D81001",
                       "--from", "2025-13")
    assert code == 2 and "not a month" in err


def test_db_from_the_environment(capsys, monkeypatch, db_path, crosstab_csv):
    monkeypatch.setenv("PRACTICE_DESK_DB", str(db_path))
    assert run(capsys, "import", str(crosstab_csv))[0] == 0
    assert db_path.exists()


def test_self_test_passes_and_logs(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("PRACTICE_DESK_LOG_DIR", str(tmp_path))
    assert app_main(["--self-test"]) == 0
    out = capsys.readouterr().out
    assert "ok  chart" in out and "Self-test passed." in out
    assert "self-test: Self-test passed." in (tmp_path / "practice-desk.log").read_text()


def test_core_self_test_without_a_renderer_fails(capsys):
    assert cli.main(["--self-test"]) == 1
    assert "no chart renderer" in capsys.readouterr().out


def test_python_m_practice_desk_runs_the_cli(db_path, crosstab_csv):
    result = subprocess.run([sys.executable, "-m", "practice_desk", "import", str(crosstab_csv),
                             "--db", str(db_path)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "Imported 2,638 rows" in result.stdout
