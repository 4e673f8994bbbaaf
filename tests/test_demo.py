"""The demo dataset: real file formats, deterministic bytes, loaded only through the importers."""

from __future__ import annotations

import csv
import io
import re
import subprocess
import sys
import zipfile
from collections import Counter
from pathlib import Path

import openpyxl
import pytest

from local_db import queries
from local_db.connection import open_database
from practice_desk import demo
from practice_desk.importing import import_file
from practice_desk.metrics import Selection, metric_rows

GPAD_HEADER = (
    "APPOINTMENT_MONTH_START_DATE,GP_CODE,GP_NAME,SUPPLIER,PCN_CODE,PCN_NAME,"
    "SUB_ICB_LOCATION_CODE,SUB_ICB_LOCATION_NAME,HCP_TYPE,APPT_MODE,NATIONAL_CATEGORY,"
    "TIME_BETWEEN_BOOK_AND_APPT,COUNT_OF_APPOINTMENTS,APPT_STATUS"
)
ALL_CATEGORIES = {
    "General Consultation Routine", "General Consultation Acute", "Planned Clinics",
    "Planned Clinical Procedure", "Clinical Triage", "Home Visit", "Unplanned Clinical Activity",
    "Structured Medication Review", "Social Prescribing Service",
    "Care Related Encounter but does not fit into any other category",
    "Patient contact during Care Home Round", "Care Home Visit",
    "Care Home Needs Assessment & Personalised Care and Support Planning",
    "Service provided by organisation external to the practice", "Non-contractual chargeable work",
    "Walk-in", "Group Consultation and Group Education", "Unmapped", "Inconsistent Mapping",
}
MONTHS = {"JAN": 1, "FEB": 2, "MAR": 3, "APR": 4, "MAY": 5, "JUN": 6, "JUL": 7, "AUG": 8,
          "SEP": 9, "OCT": 10, "NOV": 11, "DEC": 12}
REAL_PRACTICE_CODE = re.compile(r"^[A-Z]\d{5}$")  # the shape of every real English practice code


def crosstab_members(zip_path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(zip_path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def crosstab_records(zip_path: Path) -> list[dict[str, str]]:
    """Every data row of the monthly crosstab CSVs, parsed independently of the importers."""
    records = []
    for name, data in crosstab_members(zip_path).items():
        if name.startswith("Practice_Level_Crosstab"):
            records += csv.DictReader(io.StringIO(data.decode("utf-8"), newline=""))
    return records


def month_key(published: str) -> str:
    """'01OCT2025' -> '2025-10'."""
    return f"{published[5:9]}-{MONTHS[published[2:5]]:02d}"


@pytest.fixture(scope="module")
def demo_files(tmp_path_factory) -> list[Path]:
    return demo.write_demo_files(tmp_path_factory.mktemp("demo-files"))


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    conn = open_database(tmp_path_factory.mktemp("demo-db") / "demo.sqlite")
    reports = demo.load_demo(conn)
    yield conn, reports
    conn.close()


# --- the files ----------------------------------------------------------------------------------
def test_files_are_byte_identical_across_runs(tmp_path, demo_files):
    again = demo.write_demo_files(tmp_path / "again")
    assert [p.name for p in again] == [p.name for p in demo_files]
    for first, second in zip(demo_files, again, strict=True):
        assert first.read_bytes() == second.read_bytes(), first.name


def test_crosstab_zip_is_in_the_published_layout(demo_files):
    zip_path = demo_files[0]
    assert zip_path.suffix == ".zip"
    members = crosstab_members(zip_path)
    monthly = sorted(n for n in members if n.startswith("Practice_Level_Crosstab_"))
    assert "Mapping.csv" in members
    assert len(monthly) == demo.DEMO_MONTHS
    assert "Practice_Level_Crosstab_Oct_25.csv" in monthly
    assert "Practice_Level_Crosstab_Nov_23.csv" in monthly
    for name in monthly:
        text = members[name].decode("utf-8")
        assert text.startswith(GPAD_HEADER + "\r\n"), name
        assert text.count("\n") == text.count("\r\n"), f"{name} is not CRLF throughout"
    assert members["Mapping.csv"].decode("utf-8").startswith(
        "GP_CODE,GP_NAME,SUPPLIER,PCN_CODE,PCN_NAME,SUB_ICB_LOCATION_CODE,SUB_ICB_LOCATION_NAME,"
        "ICB_CODE,ICB_NAME,REGION_CODE,REGION_NAME\r\n")


def test_crosstab_rows_use_real_labels_and_counts(demo_files):
    records = crosstab_records(demo_files[0])
    assert {r["APPOINTMENT_MONTH_START_DATE"] for r in records} >= {"01NOV2023", "01OCT2025"}
    assert all(re.fullmatch(r"01[A-Z]{3}\d{4}", r["APPOINTMENT_MONTH_START_DATE"])
               for r in records)
    assert all(int(r["COUNT_OF_APPOINTMENTS"]) >= 1 for r in records)
    assert {r["NATIONAL_CATEGORY"] for r in records} == ALL_CATEGORIES
    assert {r["HCP_TYPE"] for r in records} == {"GP", "Other Practice staff", "Unknown"}
    assert {r["APPT_STATUS"] for r in records} == {"Attended", "DNA", "Unknown"}
    assert {r["APPT_MODE"] for r in records} == {
        "Face-to-Face", "Telephone", "Video Conference/Online", "Home Visit", "Unknown"}
    assert {r["TIME_BETWEEN_BOOK_AND_APPT"] for r in records} == {
        "Same Day", "1 Day", "2 to 7 Days", "8  to 14 Days", "15  to 21 Days", "22  to 28 Days",
        "More than 28 Days", "Unknown / Data Issue"}
    combos = Counter(
        tuple(r[k] for k in ("APPOINTMENT_MONTH_START_DATE", "GP_CODE", "HCP_TYPE", "APPT_MODE",
                             "NATIONAL_CATEGORY", "TIME_BETWEEN_BOOK_AND_APPT", "APPT_STATUS"))
        for r in records
    )
    assert max(combos.values()) == 1, "each combination must be one row"


def test_list_size_files_are_in_the_published_format(demo_files):
    list_files = [p for p in demo_files if "_PracPop" in p.name]
    assert len(list_files) == len(demo.LIST_SIZE_EXTRACTS)
    for path in list_files:
        text = path.read_bytes().decode("utf-8")
        assert text.startswith(
            "PUBLICATION,EXTRACT_DATE,TYPE,SUB_ICB_LOCATION_CODE,ONS_SUB_ICB_LOCATION_CODE,CODE,"
            "POSTCODE,SEX,AGE,NUMBER_OF_PATIENTS\n")
        rows = list(csv.DictReader(io.StringIO(text, newline="")))
        # The PCN's practices, then those only there for England's spread (calls per 1,000).
        assert [r["CODE"] for r in rows] == demo.DEMO_PRACTICES + [
            code for code, _, _ in demo.NATIONAL_PRACTICES]
        assert len({r["EXTRACT_DATE"] for r in rows}) == 1
        assert all(3_000 <= int(r["NUMBER_OF_PATIENTS"]) <= 18_000 for r in rows)


def test_no_real_codes_are_used(demo_files):
    assert demo.DEMO_PRACTICES == ["DEM001", "DEM002", "DEM003", "DEM004", "DEM005"]
    assert demo.DEMO_PCN.startswith(queries.DEMO_PREFIX)
    codes = {r["GP_CODE"] for r in crosstab_records(demo_files[0])}
    assert codes == set(demo.DEMO_PRACTICES)
    assert not any(REAL_PRACTICE_CODE.match(code) for code in codes)
    assert all(queries.is_demo_practice(code) for code in codes)
    assert {r["PCN_CODE"] for r in crosstab_records(demo_files[0])} == {demo.DEMO_PCN}


def test_demo_module_never_imports_qt():
    code = ("import sys, practice_desk.demo; "
            "bad = [m for m in sys.modules if m.split('.')[0] in ('PySide6', 'pyqtgraph', 'ui')]; "
            "print(', '.join(bad)); sys.exit(1 if bad else 0)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


# --- loading ------------------------------------------------------------------------------------
def test_load_demo_imports_five_practices_for_24_months(loaded):
    conn, reports = loaded
    assert [r.status for r in reports] == ["done"] * len(reports)
    assert reports[0].kind == "gpad_crosstab"
    # Call-log imports always say which layout (and date order) they were read as; online
    # consultation workbooks say what is missing (a practice not taking part, no Table 3 before
    # June 2024); nothing else warns.
    assert not any(r.warnings for r in reports if r.kind not in ("call_log",
                                                                 "online_consultation"))
    for r in reports:
        if r.kind == "online_consultation":
            assert all("with no data" in w or "no Table 3" in w for w in r.warnings), r.warnings
    for r in reports:
        if r.kind == "call_log":
            assert all("read as" in w or "dates were read" in w or
                       "queue waits and outcomes applied" in w
                       for w in r.warnings), r.warnings
    months = queries.gpad_months(conn, demo.DEMO_PRACTICES)
    assert len(months) == demo.DEMO_MONTHS
    assert months[0] == "2023-11" and months[-1] == demo.DEMO_END_MONTH
    pairs = conn.execute(
        "SELECT COUNT(*) FROM (SELECT DISTINCT ods_code, month FROM gpad_appointments)"
    ).fetchone()[0]
    assert pairs == 5 * 24


def test_demo_pcn_has_five_labelled_practices(loaded):
    conn, _ = loaded
    assert queries.practices_in_pcn(conn, demo.DEMO_PCN) == demo.DEMO_PRACTICES
    assert queries.demo_loaded(conn)
    for code in demo.DEMO_PRACTICES:
        practice = queries.get_practice(conn, code)
        assert practice["name"].startswith("DEMO ")
        assert practice["pcn_name"] == "DEMO Riverside PCN"
        assert "DEMO" in practice["icb_name"] and "DEMO" in practice["region_name"]
        assert "DEMO" in practice["sub_icb_name"]


def test_stored_totals_match_the_written_csv(loaded, demo_files):
    conn, _ = loaded
    expected: Counter = Counter()
    expected_by_mode: Counter = Counter()
    for r in crosstab_records(demo_files[0]):
        key = (r["GP_CODE"], month_key(r["APPOINTMENT_MONTH_START_DATE"]))
        expected[key] += int(r["COUNT_OF_APPOINTMENTS"])
        expected_by_mode[(*key, r["APPT_MODE"], r["TIME_BETWEEN_BOOK_AND_APPT"])] += int(
            r["COUNT_OF_APPOINTMENTS"])
    stored = Counter({
        (code, month): total for code, month, total in conn.execute(
            "SELECT ods_code, month, SUM(count) FROM gpad_appointments GROUP BY 1, 2")
    })
    assert stored == expected
    stored_by_mode = Counter({
        (code, month, mode, interval): total for code, month, mode, interval, total in conn.execute(
            "SELECT g.ods_code, g.month, m.raw, i.raw, SUM(g.count) FROM gpad_appointments g "
            "JOIN labels m ON m.id = g.appt_mode JOIN labels i ON i.id = g.interval "
            "GROUP BY 1, 2, 3, 4")
    })
    assert stored_by_mode == expected_by_mode


def test_loading_twice_adds_nothing(loaded):
    conn, _ = loaded
    before = [conn.execute(f"SELECT COUNT(*), TOTAL(x) FROM (SELECT {col} AS x FROM {table})")
              .fetchone()[:] for table, col in
              (("gpad_appointments", "count"), ("list_sizes", "patients"), ("imports", "id"))]
    reports = demo.load_demo(conn)
    assert [r.status for r in reports] == ["duplicate"] * len(reports)
    after = [conn.execute(f"SELECT COUNT(*), TOTAL(x) FROM (SELECT {col} AS x FROM {table})")
             .fetchone()[:] for table, col in
             (("gpad_appointments", "count"), ("list_sizes", "patients"), ("imports", "id"))]
    assert after == before


def test_list_sizes_cover_every_month(loaded):
    conn, _ = loaded
    for code in demo.DEMO_PRACTICES:
        for month in queries.gpad_months(conn, [code]):
            found = queries.list_size_for_month(conn, code, month)
            assert found is not None, (code, month)
            assert 4_000 <= found[0] <= 16_000


def test_progress_is_scaled_across_files(tmp_path):
    conn = open_database(":memory:")
    seen: list[float] = []
    demo.load_demo(conn, progress=lambda fraction, message: seen.append(fraction))
    assert seen[0] == 0.0 and seen[-1] == 1.0
    assert all(0.0 <= f <= 1.0 for f in seen)
    assert seen == sorted(seen), "overall progress must never go backwards"
    conn.close()


def test_cancel_before_start_loads_nothing():
    conn = open_database(":memory:")
    reports = demo.load_demo(conn, cancel=lambda: True)
    assert [r.status for r in reports] == ["cancelled"]
    assert not queries.has_any_data(conn)
    conn.close()


# --- realistic figures --------------------------------------------------------------------------
def _practice_rows(conn, code: str) -> list[dict]:
    return metric_rows(conn, Selection(practice=code))


def test_demo_figures_are_realistic(loaded):
    conn, _ = loaded
    for code in demo.DEMO_PRACTICES:
        rows = _practice_rows(conn, code)
        assert len(rows) == demo.DEMO_MONTHS
        patients = queries.list_size_for_month(conn, code, demo.DEMO_END_MONTH)[0]
        yearly = sum(r["appointments_total"] for r in rows[-12:]) / patients
        assert 4.5 <= yearly <= 6.2, (code, yearly)
        for r in rows:
            assert 0.55 <= r["f2f_share"] <= 0.80, (code, r["month"])
            assert 0.18 <= r["telephone_share"] <= 0.37, (code, r["month"])
            assert 0.78 <= r["within_14_days_share"] <= 0.93, (code, r["month"])
            assert 0.025 <= r["dna_rate"] <= 0.05, (code, r["month"])
        by_month = {r["month"][5:]: r["appointments_total"] for r in rows[-12:]}
        assert by_month["08"] < by_month["10"] and by_month["12"] < by_month["01"], code


def test_one_practice_shows_a_face_to_face_shift(loaded):
    conn, _ = loaded
    rows = _practice_rows(conn, "DEM003")
    before = [r["f2f_share"] for r in rows[:12]]
    after = [r["f2f_share"] for r in rows[-7:]]
    assert min(after) > max(before) + 0.05


def test_pcn_figures_through_the_metrics_module(loaded):
    conn, _ = loaded
    rows = metric_rows(conn, Selection(pcn=demo.DEMO_PCN))
    assert [r["month"] for r in rows] == queries.gpad_months(conn, demo.DEMO_PRACTICES)
    for r in rows:
        assert 0.60 <= r["f2f_share"] <= 0.72, r["month"]
        assert 0.80 <= r["within_14_days_share"] <= 0.90, r["month"]
        assert 0.03 <= r["dna_rate"] <= 0.05, r["month"]
        assert 0 < r["unknown_mode_share"] < 0.03 and 0 < r["unmapped_category_share"] < 0.1
        assert r["appointments_per_1000"] is not None


def test_online_consultation_and_workforce_files_in_the_real_layouts(demo_files):
    """The demo's own files are read back here with openpyxl and csv, not by the importers."""
    books = [p for p in demo_files if "Online Consultation Systems" in p.name
             or "OC Systems" in p.name]
    assert books[0].name.endswith("Online Consultation Systems in General Practice - April "
                                  "2024.xlsx")
    assert books[-1].name.endswith("OC Systems in General Practice - October 2025.xlsx")
    assert len(books) == 19  # April 2024 to October 2025
    book = openpyxl.load_workbook(books[-1], read_only=True)
    assert book.sheetnames == ["Title sheet", "Data Quality", "Table 1", "Table 2", "Table 3"]
    table2 = list(book["Table 2"].iter_rows(values_only=True))
    book.close()
    header = table2[11]
    assert header[1] == "GP Code" and header[-1] == "Participation [11]" and len(header) == 19
    assert [r[1] for r in table2[12:17]] == demo.DEMO_PRACTICES
    first = openpyxl.load_workbook(books[0], read_only=True)
    assert "Table 3" not in first.sheetnames
    assert len(list(first["Table 2"].iter_rows(values_only=True))[11]) == 18
    first.close()
    workforce = [p for p in demo_files if p.name.endswith("Practice Level - Detailed.csv")]
    assert len(workforce) == demo.DEMO_MONTHS
    with open(workforce[-1], encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    assert len(rows[0]) == 805 and rows[0][:2] == ["PRAC_CODE", "PRAC_NAME"]
    assert [r[0] for r in rows[1:]] == demo.DEMO_PRACTICES


def test_demo_pcn_has_online_requests_staff_and_contacts(loaded):
    conn, reports = loaded
    kinds = [r.kind for r in reports]
    assert kinds.count("online_consultation") == 19 and kinds.count("workforce") == 24
    rows = {r["month"]: r for r in metric_rows(conn, Selection(pcn=demo.DEMO_PCN))}
    last = rows[demo.DEMO_END_MONTH]
    assert last["oc_practices"] == 5 and 100 < last["oc_submissions_per_1000"] < 300
    assert 1500 < last["patients_per_gp_fte"] < 3000
    assert last["contacts"] > last["oc_submissions"] and 0 < last["online_share_of_contacts"] < 1
    assert last["appointments_per_contact"] is not None
    # DEM004 takes no part until September 2024: missing, not 0, before.
    dem4 = {r["month"]: r for r in metric_rows(conn, Selection(practice="DEM004"))}
    assert dem4["2024-08"]["oc_submissions"] is None and dem4["2024-09"]["oc_submissions"] > 0
    assert rows["2024-08"]["oc_practices"] == 4
    # DEM005 sent no valid nurse records in February and March 2025.
    dem5 = {r["month"]: r for r in metric_rows(conn, Selection(practice="DEM005"))}
    assert dem5["2025-02"]["nurse_fte"] is None and dem5["2025-01"]["nurse_fte"] > 0
    assert rows["2025-02"]["nurse_fte"] is None and rows["2025-02"]["gp_fte"] > 0


def test_remove_demo_leaves_real_data(tmp_path):
    conn = open_database(tmp_path / "both.sqlite")
    crosstab = Path(__file__).parent / "data" / "Practice_Level_Crosstab_subset_Oct_25.csv"
    real = import_file(conn, crosstab)
    demo.load_demo(conn)
    assert "Removed the demo data" in demo.remove_demo(conn)
    assert not queries.demo_loaded(conn)
    left = conn.execute("SELECT COUNT(*) FROM gpad_appointments WHERE ods_code LIKE 'DEM%'")
    assert left.fetchone()[0] == 0
    assert conn.execute("SELECT COUNT(*) FROM list_sizes").fetchone()[0] == 0
    stored = conn.execute("SELECT COUNT(*) FROM gpad_appointments").fetchone()[0]
    assert stored == real.rows_stored and stored > 0
