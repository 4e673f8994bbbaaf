"""Re-imports and revised releases: the same file twice, a revised month, undo, other months."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest

from practice_desk.importing import import_file, undo_import

REVISED = ("D81001", "D81005")


def totals_in_file(path: Path) -> Counter:
    """(practice, month) -> appointments, read with the csv module."""
    out: Counter = Counter()
    with open(path, newline="", encoding="utf-8-sig") as f:
        for row in csv.DictReader(f):
            day = row["APPOINTMENT_MONTH_START_DATE"]
            month = {"SEP": "09", "OCT": "10"}[day[2:5]]
            out[(row["GP_CODE"], f"{day[5:]}-{month}")] += int(row["COUNT_OF_APPOINTMENTS"])
    return out


def totals_in_db(conn) -> Counter:
    return Counter({(r[0], r[1]): r[2] for r in conn.execute(
        "SELECT ods_code, month, SUM(count) FROM gpad_appointments GROUP BY ods_code, month")})


def rows_of(conn, import_id: int) -> int:
    return conn.execute("SELECT COUNT(*) FROM gpad_appointments WHERE import_id = ?",
                        (import_id,)).fetchone()[0]


def import_row(conn, import_id: int):
    return conn.execute("SELECT * FROM imports WHERE id = ?", (import_id,)).fetchone()


@pytest.fixture
def revised_csv(tmp_path, crosstab_csv) -> Path:
    """A later release's October for two practices: counts changed, one row dropped."""
    with open(crosstab_csv, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], [r for r in rows[1:] if r[1] in REVISED]
    count = header.index("COUNT_OF_APPOINTMENTS")
    for i, row in enumerate(body):
        if i % 3 == 0:
            row[count] = str(int(row[count]) + 7)
    del body[5]
    path = tmp_path / "Practice_Level_Crosstab_Oct_25_revised.csv"
    with open(path, "w", newline="", encoding="utf-8") as f:
        csv.writer(f, lineterminator="\r\n").writerows([header, *body])
    return path


def test_same_file_twice_is_a_duplicate(conn, db_dump, crosstab_csv):
    first = import_file(conn, crosstab_csv)
    assert first.status == "done"
    before = db_dump(conn)
    second = import_file(conn, crosstab_csv)
    assert second.status == "duplicate"
    assert second.ok
    assert second.import_id == first.import_id
    assert "already imported" in second.message
    assert second.rows_stored == 0
    assert db_dump(conn) == before


def test_same_bytes_under_another_name_is_a_duplicate(conn, db_dump, tmp_path, crosstab_csv):
    assert import_file(conn, crosstab_csv).status == "done"
    before = db_dump(conn)
    copy = tmp_path / "downloaded again.csv"
    copy.write_bytes(crosstab_csv.read_bytes())
    assert import_file(conn, copy).status == "duplicate"
    assert db_dump(conn) == before


def test_revised_month_replaces_older_rows(conn, crosstab_csv, revised_csv):
    original = import_file(conn, crosstab_csv)
    raw_original = totals_in_file(crosstab_csv)
    raw_revised = totals_in_file(revised_csv)
    assert all(raw_revised[(c, "2025-10")] != raw_original[(c, "2025-10")] for c in REVISED)
    old_rows = {c: conn.execute("SELECT COUNT(*) FROM gpad_appointments WHERE ods_code = ?",
                                (c,)).fetchone()[0] for c in REVISED}

    revised = import_file(conn, revised_csv)
    assert revised.status == "done", revised.message
    assert revised.rows_replaced == sum(old_rows.values())
    assert "replacing" in revised.message
    # No double counting: the revised practices now total exactly what the revised file says,
    # the others are untouched.
    expected = Counter(raw_original)
    expected.update({key: raw_revised[key] - raw_original[key] for key in raw_revised})
    assert totals_in_db(conn) == expected
    for code in REVISED:
        owners = {r[0] for r in conn.execute(
            "SELECT DISTINCT import_id FROM gpad_appointments WHERE ods_code = ?", (code,))}
        assert owners == {revised.import_id}
    older = import_row(conn, original.import_id)
    assert older["rows_superseded"] == sum(old_rows.values())
    assert older["status"] == "done"
    assert rows_of(conn, original.import_id) == original.rows_stored - sum(old_rows.values())
    assert import_row(conn, revised.import_id)["rows_replaced"] == sum(old_rows.values())


def test_revised_figures_reach_the_metrics(conn, crosstab_csv, revised_csv):
    from practice_desk.metrics import Selection, metric_rows

    import_file(conn, crosstab_csv)
    import_file(conn, revised_csv)
    row = metric_rows(conn, Selection(practice="D81001", start="2025-10", end="2025-10"))[0]
    assert row["appointments_total"] == totals_in_file(revised_csv)[("D81001", "2025-10")]


def test_undo_newer_import_removes_its_rows(conn, crosstab_csv, revised_csv):
    original = import_file(conn, crosstab_csv)
    revised = import_file(conn, revised_csv)
    message = undo_import(conn, revised.import_id)
    assert f"import {revised.import_id}" in message.lower()
    assert f"removed {revised.rows_stored:,} rows" in message
    assert "re-import" in message  # it had replaced rows: the user is told how to get them back
    assert rows_of(conn, revised.import_id) == 0
    assert import_row(conn, revised.import_id)["status"] == "undone"
    assert conn.execute("SELECT COUNT(*) FROM coverage WHERE import_id = ?",
                        (revised.import_id,)).fetchone()[0] == 0
    # The other practices of the original import are untouched.
    raw = totals_in_file(crosstab_csv)
    stored = totals_in_db(conn)
    assert {k: v for k, v in raw.items() if k[0] not in REVISED} == dict(stored)
    # Re-importing the original brings the replaced figures back, without doubling the rest.
    again = import_file(conn, crosstab_csv)
    assert again.status == "done", again.message
    assert again.import_id != original.import_id
    assert totals_in_db(conn) == raw


def test_undo_twice_raises_a_clear_error(conn, crosstab_csv):
    report = import_file(conn, crosstab_csv)
    undo_import(conn, report.import_id)
    with pytest.raises(ValueError, match=rf"{report.import_id}.*already undone"):
        undo_import(conn, report.import_id)
    with pytest.raises(ValueError, match="no import 999"):
        undo_import(conn, 999)
    assert conn.execute("SELECT COUNT(*) FROM gpad_appointments").fetchone()[0] == 0
    assert not conn.in_transaction


def test_undone_file_can_be_imported_again(conn, crosstab_csv):
    first = import_file(conn, crosstab_csv)
    undo_import(conn, first.import_id)
    again = import_file(conn, crosstab_csv)
    assert again.status == "done"
    assert totals_in_db(conn) == totals_in_file(crosstab_csv)


def test_other_month_is_added_alongside(conn, tmp_path, crosstab_csv):
    original = import_file(conn, crosstab_csv)
    september = tmp_path / "Practice_Level_Crosstab_Sep_25.csv"
    september.write_text(crosstab_csv.read_text(encoding="utf-8").replace(
        "01OCT2025", "01SEP2025"), encoding="utf-8")
    report = import_file(conn, september)
    assert report.status == "done", report.message
    assert report.periods == ["2025-09"]
    assert report.rows_replaced == 0
    assert import_row(conn, original.import_id)["rows_superseded"] == 0
    expected = totals_in_file(crosstab_csv) + totals_in_file(september)
    assert totals_in_db(conn) == expected
    assert len({month for _, month in expected}) == 2
    months = [r[0] for r in conn.execute(
        "SELECT DISTINCT period FROM coverage WHERE unit = 'D81001' ORDER BY period")]
    assert months == ["2025-09", "2025-10"]


# --- undo forgets practices, PCNs and areas no remaining import names ---------------------------
CBT_WORKBOOK = Path(__file__).parent / "data" / (
    "Cloud Based Telephony Publication Summary October 2025_v2.xlsx")


def practice_codes(conn) -> set[str]:
    return {c for (c,) in conn.execute("SELECT ods_code FROM practices")}


def pcn_codes(conn) -> set[str]:
    return {c for (c,) in conn.execute(
        "SELECT DISTINCT pcn_code FROM practices WHERE pcn_code IS NOT NULL")}


def test_undo_forgets_practices_and_pcns_only_it_named(conn, crosstab_csv):
    gpad = import_file(conn, crosstab_csv)
    kept, kept_pcns = practice_codes(conn), pcn_codes(conn)
    cbt = import_file(conn, CBT_WORKBOOK)
    assert cbt.status == "done", cbt.message
    assert len(practice_codes(conn)) > len(kept) + 1000  # every practice in England
    undo_import(conn, cbt.import_id)
    assert practice_codes(conn) == kept and pcn_codes(conn) == kept_pcns
    # The practices the crosstab also named stay, and belong to an import that stands.
    owners = {i for (i,) in conn.execute("SELECT DISTINCT import_id FROM practices")}
    assert owners == {gpad.import_id}
    undo_import(conn, gpad.import_id)
    assert practice_codes(conn) == set() and pcn_codes(conn) == set()


def test_undo_keeps_practices_another_import_named_without_figures(conn, crosstab_csv,
                                                                    mapping_csv):
    """Mapping.csv names practices but stores no figures: undoing a later file keeps them."""
    mapping = import_file(conn, mapping_csv)
    named = practice_codes(conn)
    gpad = import_file(conn, crosstab_csv)
    undo_import(conn, gpad.import_id)
    assert practice_codes(conn) == named
    undo_import(conn, mapping.import_id)
    assert practice_codes(conn) == set()


def test_undo_forgets_areas_only_it_named(conn, regional_csv):
    report = import_file(conn, regional_csv)
    assert conn.execute("SELECT COUNT(*) FROM areas").fetchone()[0] > 0
    undo_import(conn, report.import_id)
    assert conn.execute("SELECT COUNT(*) FROM areas").fetchone()[0] == 0
