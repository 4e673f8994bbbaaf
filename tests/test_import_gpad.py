"""Importing the real GPAD files: crosstab CSV and zip, Mapping, regional and categories files."""

from __future__ import annotations

import csv
import zipfile
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from practice_desk.importing import import_file

# Hand-checked from the published file (tests/data/README.md, shared samples README).
EXPECTED = {
    "D81001": {"total": 6649, "within_14": 4835, "f2f": 4313, "home_visit": 35},
    "D81005": {"total": 4770, "within_14": 3612, "f2f": 4452},
}
# Booking intervals counted as "within two weeks", spelt as published (double spaces are real).
WITHIN_14_RAW = {"Same Day", "1 Day", "2 to 7 Days", "8  to 14 Days"}
WITHIN_14_LABELS = {"Same Day", "1 Day", "2 to 7 Days", "8 to 14 Days"}

MONTHS = {m: i for i, m in enumerate(
    ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"], 1)}


def read_rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8-sig") as f:
        return list(csv.DictReader(f))


def raw_figures(path: Path) -> dict[str, dict[str, int]]:
    """Per practice: total, within 14 days, face-to-face and home visits, by the csv module."""
    out: dict[str, Counter] = defaultdict(Counter)
    for row in read_rows(path):
        if row["APPOINTMENT_MONTH_START_DATE"] != "01OCT2025":
            continue
        n = int(row["COUNT_OF_APPOINTMENTS"])
        figures = out[row["GP_CODE"]]
        figures["total"] += n
        figures["within_14"] += n if row["TIME_BETWEEN_BOOK_AND_APPT"] in WITHIN_14_RAW else 0
        figures["f2f"] += n if row["APPT_MODE"] == "Face-to-Face" else 0
        figures["home_visit"] += n if row["APPT_MODE"] == "Home Visit" else 0
    return {code: dict(c) for code, c in out.items()}


def sql_figures(conn, month: str = "2025-10") -> dict[str, dict[str, int]]:
    """The same figures from the database, through the normalised labels."""
    marks = ",".join("?" * len(WITHIN_14_LABELS))
    sql = f"""
        SELECT g.ods_code,
               SUM(g.count),
               SUM(CASE WHEN i.label IN ({marks}) THEN g.count ELSE 0 END),
               SUM(CASE WHEN m.label = 'Face-to-Face' THEN g.count ELSE 0 END),
               SUM(CASE WHEN m.label = 'Home Visit' THEN g.count ELSE 0 END)
        FROM gpad_appointments g
        JOIN labels m ON m.id = g.appt_mode AND m.dimension = 'appt_mode'
        JOIN labels i ON i.id = g.interval AND i.dimension = 'interval'
        WHERE g.month = ?
        GROUP BY g.ods_code
    """
    rows = conn.execute(sql, [*sorted(WITHIN_14_LABELS), month]).fetchall()
    return {r[0]: {"total": r[1], "within_14": r[2], "f2f": r[3], "home_visit": r[4]}
            for r in rows}


def _check_expected(figures: dict[str, dict[str, int]]) -> None:
    for code, expected in EXPECTED.items():
        for name, value in expected.items():
            assert figures[code][name] == value, (code, name)


# --- the plain CSV -----------------------------------------------------------------------
def test_raw_csv_has_the_hand_checked_figures(crosstab_csv):
    """Independent of the importer: the csv module alone reproduces the published figures."""
    figures = raw_figures(crosstab_csv)
    _check_expected(figures)
    assert len(figures) == 13


def test_crosstab_import_gives_the_hand_checked_figures(conn, crosstab_csv):
    report = import_file(conn, crosstab_csv)
    assert report.status == "done", report.message
    assert report.kind == "gpad_crosstab"
    assert report.periods == ["2025-10"]
    _check_expected(sql_figures(conn))


def test_every_practice_and_row_is_kept(conn, crosstab_csv):
    raw = raw_figures(crosstab_csv)
    report = import_file(conn, crosstab_csv)
    assert report.rows_read == report.rows_stored == len(read_rows(crosstab_csv))
    stored = sql_figures(conn)
    assert set(stored) == set(raw)
    assert len(stored) == 13
    for code in raw:
        assert stored[code]["total"] == raw[code]["total"], code
        assert stored[code]["within_14"] == raw[code]["within_14"], code
        assert stored[code]["f2f"] == raw[code]["f2f"], code
        assert stored[code]["home_visit"] == raw[code]["home_visit"], code
    count = conn.execute("SELECT COUNT(*) FROM gpad_appointments").fetchone()[0]
    assert count == report.rows_stored
    practices = {r[0] for r in conn.execute("SELECT ods_code FROM practices")}
    assert practices == set(raw)
    covered = {r[0] for r in conn.execute(
        "SELECT unit FROM coverage WHERE source = 'gpad_practice' AND period = '2025-10'")}
    assert covered == set(raw)


def test_practice_details_come_from_the_crosstab(conn, crosstab_csv):
    import_file(conn, crosstab_csv)
    first = {r["GP_CODE"]: r for r in read_rows(crosstab_csv)}
    for code, row in first.items():
        stored = conn.execute("SELECT * FROM practices WHERE ods_code = ?", (code,)).fetchone()
        assert stored["name"] == row["GP_NAME"]
        assert stored["pcn_code"] == row["PCN_CODE"]
        assert stored["pcn_name"] == row["PCN_NAME"]
        assert stored["sub_icb_code"] == row["SUB_ICB_LOCATION_CODE"]


def test_raw_labels_kept_alongside_normalised_ones(conn, crosstab_csv):
    import_file(conn, crosstab_csv)
    labels = {(r["dimension"], r["raw"]): r["label"]
              for r in conn.execute("SELECT dimension, raw, label FROM labels")}
    # The double-spaced published labels are stored as published, mapped to one spelling.
    assert labels[("interval", "8  to 14 Days")] == "8 to 14 Days"
    assert labels[("interval", "22  to 28 Days")] == "22 to 28 Days"
    assert labels[("appt_mode", "Face-to-Face")] == "Face-to-Face"
    # Every raw value of every dimension in the file is in the labels table.
    columns = {"hcp_type": "HCP_TYPE", "appt_mode": "APPT_MODE", "category": "NATIONAL_CATEGORY",
               "interval": "TIME_BETWEEN_BOOK_AND_APPT", "status": "APPT_STATUS"}
    rows = read_rows(crosstab_csv)
    for dimension, column in columns.items():
        raw_values = {r[column] for r in rows}
        assert raw_values <= {raw for (d, raw) in labels if d == dimension}, dimension


def test_each_stored_row_round_trips_to_the_published_row(conn, crosstab_csv):
    """Joining every stored row back to its raw labels gives exactly the file's rows."""
    import_file(conn, crosstab_csv)
    published = Counter(
        (r["GP_CODE"], r["HCP_TYPE"], r["APPT_MODE"], r["NATIONAL_CATEGORY"],
         r["TIME_BETWEEN_BOOK_AND_APPT"], r["APPT_STATUS"], int(r["COUNT_OF_APPOINTMENTS"]))
        for r in read_rows(crosstab_csv))
    stored = Counter(tuple(r) for r in conn.execute("""
        SELECT g.ods_code, h.raw, m.raw, c.raw, i.raw, s.raw, g.count
        FROM gpad_appointments g
        JOIN labels h ON h.id = g.hcp_type JOIN labels m ON m.id = g.appt_mode
        JOIN labels c ON c.id = g.category JOIN labels i ON i.id = g.interval
        JOIN labels s ON s.id = g.status"""))
    assert stored == published


# --- Mapping and the published zip form --------------------------------------------------
def _zip_of_release(tmp_path: Path, crosstab: Path, mapping_text: str) -> Path:
    """The published shape: Mapping.csv plus the month split in two regional member files."""
    with open(crosstab, newline="", encoding="utf-8") as f:
        lines = f.read().splitlines(keepends=True)
    header, body = lines[0], lines[1:]
    east_south = [line for line in body if ",J82" in line]
    midlands_north = [line for line in body if ",J82" not in line]
    assert east_south and midlands_north
    target = tmp_path / "Practice_Level_Crosstab_Oct_25.zip"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("Mapping.csv", mapping_text)
        archive.writestr("Practice_Level_Crosstab_London_East_South_Oct_25.csv",
                         header + "".join(east_south))
        archive.writestr("Practice_Level_Crosstab_Midlands_North_Oct_25.csv",
                         header + "".join(midlands_north))
    return target


def test_zip_release_gives_the_same_totals_as_the_csv(conn, tmp_path, crosstab_csv,
                                                      mapping_csv):
    target = _zip_of_release(tmp_path, crosstab_csv, mapping_csv.read_text(encoding="utf-8"))
    report = import_file(conn, target)
    assert report.status == "done", report.message
    assert report.kind == "gpad_crosstab"
    assert report.periods == ["2025-10"]
    figures = sql_figures(conn)
    _check_expected(figures)
    raw = raw_figures(crosstab_csv)
    assert {code: f["total"] for code, f in figures.items()} == \
        {code: f["total"] for code, f in raw.items()}


def test_zip_release_takes_icb_and_region_from_mapping(conn, tmp_path, crosstab_csv,
                                                       mapping_csv):
    target = _zip_of_release(tmp_path, crosstab_csv, mapping_csv.read_text(encoding="utf-8"))
    assert import_file(conn, target).status == "done"
    mapping = read_rows(mapping_csv)
    assert len(mapping) == 13
    for row in mapping:
        stored = conn.execute("SELECT * FROM practices WHERE ods_code = ?",
                              (row["GP_CODE"],)).fetchone()
        assert stored is not None, row["GP_CODE"]
        assert stored["pcn_code"] == row["PCN_CODE"]
        assert stored["pcn_name"] == row["PCN_NAME"]
        assert stored["icb_code"] == row["ICB_CODE"]
        assert stored["icb_name"] == row["ICB_NAME"]
        assert stored["region_code"] == row["REGION_CODE"]
        assert stored["region_name"] == row["REGION_NAME"]
    d81001 = conn.execute("SELECT icb_name FROM practices WHERE ods_code = 'D81001'").fetchone()
    assert d81001[0] == "NHS Cambridgeshire and Peterborough Integrated Care Board"


def test_zip_mapping_wins_over_crosstab_names(conn, tmp_path, crosstab_csv, mapping_csv):
    """Mapping.csv is the release's reference list: a PCN renamed there shows the new name."""
    text = mapping_csv.read_text(encoding="utf-8").replace(",CAM MEDICAL PCN,",
                                                           ",CAM MEDICAL PCN RENAMED,")
    target = _zip_of_release(tmp_path, crosstab_csv, text)
    assert import_file(conn, target).status == "done"
    names = {r[0] for r in conn.execute(
        "SELECT pcn_name FROM practices WHERE pcn_code = 'U88254'")}
    assert names == {"CAM MEDICAL PCN RENAMED"}


def test_mapping_csv_on_its_own_adds_icb_details(conn, crosstab_csv, mapping_csv):
    assert import_file(conn, crosstab_csv).status == "done"
    report = import_file(conn, mapping_csv)
    assert report.status == "done", report.message
    assert report.kind == "gpad_mapping"
    row = conn.execute("SELECT icb_code, region_name FROM practices WHERE ods_code = 'J82199'"
                       ).fetchone()
    expected = next(r for r in read_rows(mapping_csv) if r["GP_CODE"] == "J82199")
    assert tuple(row) == (expected["ICB_CODE"], expected["REGION_NAME"])


# --- area and category files -------------------------------------------------------------
def _month_of(mon_yyyy: str) -> str:
    return f"{mon_yyyy[3:]}-{MONTHS[mon_yyyy[:3].upper()]:02d}"


def test_regional_ccg_era_file_imports(conn, regional_csv):
    report = import_file(conn, regional_csv)
    assert report.status == "done", report.message
    assert report.kind == "gpad_area_monthly"
    rows = read_rows(regional_csv)
    raw_by_month: Counter = Counter()
    for r in rows:
        raw_by_month[(r["CCG_CODE"], _month_of(r["Appointment_Month"]))] += int(
            r["COUNT_OF_APPOINTMENTS"])
    stored = Counter({(r[0], r[1]): r[2] for r in conn.execute(
        "SELECT area_code, period, SUM(count) FROM gpad_area_appointments "
        "WHERE granularity = 'month' GROUP BY area_code, period")})
    assert stored == raw_by_month
    assert report.periods == sorted({month for _, month in raw_by_month})
    assert report.rows_stored == len(rows)
    area = conn.execute("SELECT kind, name, region_name FROM areas WHERE code = '11X'").fetchone()
    assert tuple(area) == ("ccg", "NHS Somerset CCG", "South West")


def test_regional_labels_are_normalised(conn, regional_csv):
    """The CCG-era spelling 'Video/Online' counts as 'Video Conference/Online'."""
    import_file(conn, regional_csv)
    raw_video = sum(int(r["COUNT_OF_APPOINTMENTS"]) for r in read_rows(regional_csv)
                    if r["APPT_MODE"] == "Video/Online")
    assert raw_video > 0
    stored = conn.execute(
        "SELECT SUM(a.count) FROM gpad_area_appointments a JOIN labels l ON l.id = a.appt_mode "
        "WHERE l.label = 'Video Conference/Online'").fetchone()[0]
    assert stored == raw_video
    unknown = conn.execute("SELECT label FROM labels WHERE dimension = 'interval' "
                           "AND raw = 'Unknown / Data Issue'").fetchone()
    assert unknown[0] == "Unknown"


def test_national_categories_file_imports(conn, categories_csv):
    report = import_file(conn, categories_csv)
    assert report.status == "done", report.message
    assert report.kind == "gpad_categories"
    rows = read_rows(categories_csv)
    raw: Counter = Counter()
    for r in rows:
        day = r["Appointment_Date"]
        iso = f"{day[5:]}-{MONTHS[day[2:5]]:02d}-{day[:2]}"
        raw[(r["SUB_ICB_LOCATION_CODE"], iso, r["NATIONAL_CATEGORY"])] += int(
            r["COUNT_OF_APPOINTMENTS"])
    stored = Counter({(r[0], r[1], r[2]): r[3] for r in conn.execute(
        "SELECT g.area_code, g.period, c.raw, SUM(g.count) FROM gpad_category_appointments g "
        "JOIN labels c ON c.id = g.category GROUP BY g.area_code, g.period, c.raw")})
    assert stored == raw
    assert {code for code, _, _ in stored} == {"06H", "10R"}
    assert report.periods == ["2024-11"]
    assert report.rows_stored == len(rows)


# --- the metrics engine on the imported sample -------------------------------------------
@pytest.mark.parametrize(("practice", "f2f", "within_14"), [
    ("D81001", 0.6487, 0.7272),
    ("D81005", 0.9333, 0.7572),
])
def test_metric_rows_on_the_real_sample(conn, crosstab_csv, practice, f2f, within_14):
    from practice_desk.metrics import Selection, metric_rows

    assert import_file(conn, crosstab_csv).status == "done"
    rows = metric_rows(conn, Selection(practice=practice, start="2025-10", end="2025-10"))
    assert [r["month"] for r in rows] == ["2025-10"]
    row = rows[0]
    assert row["appointments_total"] == EXPECTED[practice]["total"]
    assert round(row["f2f_share"], 4) == f2f
    assert round(row["within_14_days_share"], 4) == within_14


def test_metric_rows_from_the_zip_match_the_csv(conn, tmp_path, crosstab_csv, mapping_csv):
    from practice_desk.metrics import Selection, metric_rows

    target = _zip_of_release(tmp_path, crosstab_csv, mapping_csv.read_text(encoding="utf-8"))
    assert import_file(conn, target).status == "done"
    row = metric_rows(conn, Selection(practice="D81001", start="2025-10", end="2025-10"))[0]
    assert row["appointments_total"] == 6649
    assert round(row["f2f_share"], 4) == 0.6487
    assert round(row["within_14_days_share"], 4) == 0.7272


def test_utf8_bytes_survive(conn, tmp_path, crosstab_csv):
    """A UTF-8 name (as a re-saved file might hold) is stored as written."""
    text = crosstab_csv.read_text(encoding="utf-8").replace(
        "LENSFIELD MEDICAL PRACTICE", "LENSFIELD MÉDICAL PRACTICE")
    target = tmp_path / "Practice_Level_Crosstab_utf8.csv"
    target.write_bytes(text.encode("utf-8"))
    assert import_file(conn, target).status == "done"
    name = conn.execute("SELECT name FROM practices WHERE ods_code = 'D81001'").fetchone()[0]
    assert name == "LENSFIELD MÉDICAL PRACTICE"
