"""List sizes from 'Patients Registered at a GP Practice' (the per-1,000 denominators)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from local_db.queries import list_size_for_month
from practice_desk.importing import import_file

CHECKED = ["A81001", "D81001", "D81005", "J82199", "Y08411"]


def raw_totals(path: Path) -> dict[tuple[str, str], int]:
    """(practice, extract date) -> patients for the TYPE GP, SEX ALL, AGE ALL rows."""
    with open(path, newline="", encoding="utf-8-sig") as f:
        return {(r["CODE"], r["EXTRACT_DATE"]): int(r["NUMBER_OF_PATIENTS"])
                for r in csv.DictReader(f)
                if (r["TYPE"], r["SEX"], r["AGE"]) == ("GP", "ALL", "ALL")}


def stored(conn) -> dict[tuple[str, str], int]:
    return {(r[0], r[1]): r[2] for r in conn.execute(
        "SELECT ods_code, extract_date, patients FROM list_sizes")}


def relabel(population_csv: Path, target: Path, extract: str, change=None) -> Path:
    """The real file with another extract date and, optionally, changed numbers."""
    with open(population_csv, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    for row in rows[1:]:
        row[1] = extract
        if change:
            row[9] = str(change(row[5], int(row[9])))
    with open(target, "w", newline="", encoding="utf-8") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)
    return target


def test_list_sizes_match_the_raw_file(conn, population_csv):
    report = import_file(conn, population_csv)
    assert report.status == "done", report.message
    assert report.kind == "list_sizes"
    raw = raw_totals(population_csv)
    assert report.rows_stored == len(raw) > 6000
    assert stored(conn) == raw
    for code in CHECKED:
        assert list_size_for_month(conn, code, "2026-03") == (raw[(code, "2026-03-01")],
                                                              "2026-03-01")
    # As printed in the publication's first data row.
    assert list_size_for_month(conn, "A81001", "2026-03") == (3743, "2026-03-01")


def test_extract_after_the_month_is_not_used(conn, population_csv):
    import_file(conn, population_csv)
    assert list_size_for_month(conn, "D81001", "2026-02") is None
    assert list_size_for_month(conn, "D81001", "2026-06") is not None
    assert list_size_for_month(conn, "NOSUCH", "2026-03") is None


def test_only_the_practice_totals_are_used(conn, tmp_path, population_csv):
    """Breakdown rows (by sex, by age, other organisation types) are not list sizes."""
    text = population_csv.read_text(encoding="utf-8")
    extra = [
        "GP_PRAC_PAT_LIST,2026-03-01,GP,16C,E38000247,A81001,TS18 1HU,MALE,ALL,1800",
        "GP_PRAC_PAT_LIST,2026-03-01,GP,16C,E38000247,A81001,TS18 1HU,ALL,0_4,150",
        "GP_PRAC_PAT_LIST,2026-03-01,ICB,16C,E38000247,A81001,TS18 1HU,ALL,ALL,999999",
    ]
    path = tmp_path / "gp-reg-pat-prac-mixed.csv"
    path.write_text(text + "\n".join(extra) + "\n", encoding="utf-8")
    assert import_file(conn, path).status == "done"
    assert list_size_for_month(conn, "A81001", "2026-03") == (3743, "2026-03-01")
    assert stored(conn) == raw_totals(population_csv)


def test_file_without_practice_totals_is_refused(conn, db_dump, tmp_path, population_csv):
    header = population_csv.read_text(encoding="utf-8").splitlines()[0]
    path = tmp_path / "gp-reg-pat-prac-sing-age-male.csv"
    path.write_text(header + "\nGP_PRAC_PAT_LIST,2026-03-01,GP,16C,E38000247,A81001,"
                    "TS18 1HU,MALE,0,12\n", encoding="utf-8")
    before = db_dump(conn)
    report = import_file(conn, path)
    assert report.status == "failed"
    assert path.name in report.message
    assert "no practice totals" in report.message
    assert db_dump(conn) == before


@pytest.mark.parametrize(("value", "words"), [("abc", "not a whole number"),
                                              ("-3", "not a whole number")])
def test_bad_patient_count_is_refused(conn, db_dump, tmp_path, population_csv, value, words):
    import_file(conn, population_csv)
    before = db_dump(conn)
    lines = population_csv.read_text(encoding="utf-8").splitlines()
    fields = lines[41].split(",")
    fields[9] = value
    lines[41] = ",".join(fields)
    path = tmp_path / "gp-reg-pat-prac-all-edited.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = import_file(conn, path)
    assert report.status == "failed"
    assert f"{path.name}, line 42" in report.message
    assert f"'{value}'" in report.message and words in report.message
    assert "patients" in report.message
    assert db_dump(conn) == before


def test_bad_extract_date_is_refused(conn, db_dump, tmp_path, population_csv):
    path = relabel(population_csv, tmp_path / "gp-reg-pat-prac-all-bad.csv", "2026-13-01")
    before = db_dump(conn)
    report = import_file(conn, path)
    assert report.status == "failed"
    assert f"{path.name}, line 2" in report.message
    assert "2026-13-01" in report.message
    assert db_dump(conn) == before


def test_revised_extract_replaces_the_older_one(conn, tmp_path, population_csv):
    first = import_file(conn, population_csv)
    revised = relabel(population_csv, tmp_path / "gp-reg-pat-prac-all-revised.csv",
                      "2026-03-01", change=lambda code, n: n + 1 if code == "D81001" else n)
    report = import_file(conn, revised)
    assert report.status == "done", report.message
    assert report.rows_replaced == first.rows_stored
    assert stored(conn) == raw_totals(revised)
    assert list_size_for_month(conn, "D81001", "2026-03") == (14290, "2026-03-01")
    superseded = conn.execute("SELECT rows_superseded FROM imports WHERE id = ?",
                              (first.import_id,)).fetchone()[0]
    assert superseded == first.rows_stored


def test_newer_extract_is_added_alongside(conn, tmp_path, population_csv):
    import_file(conn, population_csv)
    april = relabel(population_csv, tmp_path / "gp-reg-pat-prac-all-apr.csv", "2026-04-01",
                    change=lambda code, n: n + 100)
    report = import_file(conn, april)
    assert report.status == "done", report.message
    assert report.rows_replaced == 0
    assert list_size_for_month(conn, "D81001", "2026-03") == (14289, "2026-03-01")
    assert list_size_for_month(conn, "D81001", "2026-04") == (14389, "2026-04-01")
    assert len(stored(conn)) == 2 * len(raw_totals(population_csv))


def test_appointments_per_1000_uses_the_list_size(conn, tmp_path, crosstab_csv, population_csv):
    from practice_desk.metrics import Selection, metric_rows

    import_file(conn, crosstab_csv)
    import_file(conn, population_csv)
    selection = Selection(practice="D81001", start="2025-10", end="2025-10")
    # The only extract is dated after October 2025: no denominator, so null, never 0.
    assert metric_rows(conn, selection)[0]["appointments_per_1000"] is None
    october = relabel(population_csv, tmp_path / "gp-reg-pat-prac-all-oct.csv", "2025-10-01")
    assert import_file(conn, october).status == "done"
    row = metric_rows(conn, selection)[0]
    size = raw_totals(population_csv)[("D81001", "2026-03-01")]
    assert row["appointments_per_1000"] == pytest.approx(6649 / size * 1000)
