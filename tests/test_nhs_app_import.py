"""NHS App dashboard exports, NHS App statistics and POMI files: import, missing values, revisions,
bad input (fixtures in tests/data/nhs_app: real layouts, invented figures)."""

from __future__ import annotations

import pytest

from practice_desk.importing import import_file, undo_import
from practice_desk.importing.mapping import save_mapping
from practice_desk.importing.mapping_step import propose
from practice_desk.importing.runner import ImportOptions
from practice_desk.nhs_app import pomi
from practice_desk.nhs_app.common import figure, to_month


@pytest.fixture
def app_dir(data_dir):
    return data_dir / "nhs_app"


def values(conn, table, column, practice, month):
    sql = f"SELECT {column}, value FROM {table} WHERE ods_code = ? AND month = ?"
    return dict(conn.execute(sql, (practice, month)).fetchall())


def test_missing_marks_are_missing_never_zero():
    for text in ("", " ", "NULL", "null", "*", "c", "[c]", "-", "..", "Suppressed"):
        assert figure(text) is None
    assert figure("0") == 0
    assert figure("1,234") == 1234 and figure("12.0") == 12
    with pytest.raises(ValueError):
        figure("12.5")
    with pytest.raises(ValueError):
        figure("lots")


def test_months_in_the_spellings_files_use():
    for text in ("2024-03", "2024-03-01", "01/03/2024", "31MAR2024", "Mar-24", "March 2024",
                 "2024-03-17 00:00:00"):
        assert to_month(text) == "2024-03"


# --- POMI 2015-17 wide --------------------------------------------------------------------------

def test_pomi_wide_service_from_the_file_name(conn, app_dir):
    report = import_file(conn, app_dir / "POMI_Appointments_Mar_2016.csv")
    assert report.status == "done", report.message
    assert report.kind == "pomi_wide" and report.periods == ["2016-03"]
    assert values(conn, "pomi_values", "field", "Z99001", "2016-03") == {
        "patient_list_size": 8412, "Sys_Appts_Enbld": 2, "Pat_Appts_Enbld": 1840,
        "Pat_Appts_Use": 412}
    # NULL stays missing, never 0; "Not Enabled by Practice" is 1 (could enable).
    assert values(conn, "pomi_values", "field", "Z99003", "2016-03") == {
        "patient_list_size": None, "Sys_Appts_Enbld": 2, "Pat_Appts_Enbld": None,
        "Pat_Appts_Use": None}
    assert values(conn, "pomi_values", "field", "Z99004", "2016-03")["Sys_Appts_Enbld"] == 1
    # A real April 2015 extract says 'System Functionality Status Unknown' (supplier NK): unknown.
    assert values(conn, "pomi_values", "field", "Z99005", "2016-03") == {
        "patient_list_size": 4010, "Sys_Appts_Enbld": None, "Pat_Appts_Enbld": None,
        "Pat_Appts_Use": None}
    name = conn.execute("SELECT name FROM practices WHERE ods_code = 'Z99002'").fetchone()[0]
    assert name == "TEST RIVERSIDE MEDICAL CENTRE, NORTH"


def test_pomi_wide_second_service_adds_and_keeps_the_list_size(conn, app_dir):
    import_file(conn, app_dir / "POMI_Appointments_Mar_2016.csv")
    report = import_file(conn, app_dir / "POMI_Repeat_Prescriptions_Mar_2016.csv")
    assert report.status == "done" and report.rows_replaced == 0
    found = values(conn, "pomi_values", "field", "Z99001", "2016-03")
    assert found["Pat_Appts_Use"] == 412 and found["Pat_Presc_Use"] == 955
    assert found["patient_list_size"] == 8412


def test_pomi_wide_without_a_service_in_the_name_is_asked_for(conn, app_dir, db_dump):
    path = app_dir / "POMI_Mar_2016_extract.csv"
    assert pomi.needs_service(path)
    assert not pomi.needs_service(app_dir / "POMI_Appointments_Mar_2016.csv")
    before = db_dump(conn)
    report = import_file(conn, path)
    assert report.status == "failed"
    assert "does not say which service" in report.message
    assert db_dump(conn) == before
    report = import_file(conn, path, options=ImportOptions(mapping=pomi.service_mapping("records")))
    assert report.status == "done", report.message
    found = values(conn, "pomi_values", "field", "Z99001", "2016-03")
    assert found == {"patient_list_size": 8412, "Sys_DetCodeRec_Enbld": 2,
                     "Pat_DetCodeRec_Enbld": 98, "Pat_DetCodeRec_Use": 31}
    assert values(conn, "pomi_values", "field", "Z99003", "2016-03")["Sys_DetCodeRec_Enbld"] == 0


def test_service_from_name():
    assert pomi.service_from_name("POMI_Appointments_Mar_2016.csv") == "appointments"
    assert pomi.service_from_name("pomi-repeat-prescriptions-2016.csv") == "prescriptions"
    assert pomi.service_from_name("POMI Detailed Coded Record Mar16.csv") == "records"
    assert pomi.service_from_name("POMI_Summary_Record_Mar16.csv") is None
    assert pomi.service_from_name("POMI_Mar_2016.csv") is None


def test_pomi_wide_bad_rows_are_named_and_nothing_changes(conn, app_dir, tmp_path, db_dump):
    text = (app_dir / "POMI_Appointments_Mar_2016.csv").read_bytes().decode("utf-8")
    lines = text.split("\r\n")
    lines[2] = lines[2].replace(",12030,", ",lots,")
    lines[3] = lines[3].replace("31/03/2016", "31/13/2016")
    bad = tmp_path / "POMI_Appointments_bad.csv"
    bad.write_bytes("\r\n".join(lines).encode("utf-8"))
    before = db_dump(conn)
    report = import_file(conn, bad)
    assert report.status == "failed"
    assert [p.line for p in report.problems] == [3, 4]
    assert "'lots' is not a whole number" in report.problems[0].problem
    assert db_dump(conn) == before


# --- POMI 2017-24 long --------------------------------------------------------------------------

def test_pomi_long(conn, app_dir):
    report = import_file(conn, app_dir / "POMI_APR2018_long.csv")
    assert report.status == "done" and report.kind == "pomi_long"
    assert report.periods == ["2018-03", "2018-04"]
    found = values(conn, "pomi_values", "field", "Z99002", "2018-03")
    assert found["Pat_Appts_Use"] is None and found["Pat_DetCodeRec_Use"] == 0
    assert found["Sys_DetCodeRec_Enbld"] == 1 and found["patient_list_size"] == 12400
    supplier = conn.execute("SELECT DISTINCT supplier FROM pomi_values WHERE ods_code = 'Z99002'")
    assert [tuple(row) for row in supplier] == [("TPP",)]


def test_pomi_long_revision_replaces_the_month(conn, app_dir, tmp_path):
    assert import_file(conn, app_dir / "POMI_APR2018_long.csv").status == "done"
    text = (app_dir / "POMI_APR2018_long.csv").read_bytes().decode("utf-8")
    header, *lines = text.split("\r\n")
    revised = [line.replace(",Pat_Presc_Use,1220", ",Pat_Presc_Use,1299")
               for line in lines if line.startswith("30APR2018")]
    path = tmp_path / "POMI_APR2018_revised.csv"
    path.write_bytes(("\r\n".join([header, *revised]) + "\r\n").encode("utf-8"))
    report = import_file(conn, path)
    assert report.status == "done" and report.rows_replaced == 22  # April, both practices
    assert values(conn, "pomi_values", "field", "Z99001", "2018-04")["Pat_Presc_Use"] == 1299
    assert values(conn, "pomi_values", "field", "Z99001", "2018-03")["Pat_Presc_Use"] == 1210
    count = conn.execute("SELECT COUNT(*) FROM pomi_values WHERE month = '2018-04'").fetchone()[0]
    assert count == 22


# --- NHS App dashboard exports ------------------------------------------------------------------

def test_dashboard_internal_names(conn, app_dir):
    report = import_file(conn, app_dir / "nhs_app_dashboard_internal.csv")
    assert report.status == "done", report.message
    assert report.kind == "nhs_app_practice"
    assert values(conn, "app_practice_values", "measure", "Z99001", "2024-05") == {
        "registrations": 98, "registrations_total": 4308, "logins": 10250,
        "appointments_booked": 296, "appointments_cancelled": 51,
        "prescriptions_ordered": 2230, "record_views": 4120, "patients_13plus": 7410}
    found = values(conn, "app_practice_values", "measure", "Z99002", "2024-05")
    assert found["registrations"] is None and found["record_views"] is None  # '' and '*'
    found = values(conn, "app_practice_values", "measure", "Z99002", "2024-04")
    assert found["appointments_booked"] is None  # NULL


def test_dashboard_display_names_in_a_workbook(conn, app_dir):
    report = import_file(conn, app_dir / "nhs_app_dashboard_display.xlsx")
    assert report.status == "done", report.message
    found = values(conn, "app_practice_values", "measure", "Z99003", "2024-04")
    assert found == {"patients_13plus": 5200, "registrations": 44, "registrations_total": 1800,
                     "logins": 4100, "appointment_users": 70, "appointments_booked": 95,
                     "appointments_cancelled": 12, "prescription_users": 600,
                     "prescriptions_ordered": 910, "record_users": 700}
    assert values(conn, "app_practice_values", "measure", "Z99003", "2024-05")[
        "appointments_cancelled"] is None  # an empty cell
    assert values(conn, "app_practice_values", "measure", "Z99004", "2024-04")[
        "record_users"] is None  # 'NULL' typed into the sheet


def test_dashboard_long_layout(conn, app_dir):
    report = import_file(conn, app_dir / "nhs_app_dashboard_long.csv")
    assert report.status == "done", report.message
    assert values(conn, "app_practice_values", "measure", "Z99001", "2024-04") == {
        "logins": 9800, "prescriptions_ordered": 2100, "record_users": 1450}
    assert any("Organ Donation Registrations" in w for w in report.warnings)


def test_unknown_figure_name_stops_the_import(conn, app_dir, tmp_path, db_dump):
    text = (app_dir / "nhs_app_dashboard_long.csv").read_text(encoding="utf-8")
    path = tmp_path / "long_unknown.csv"
    path.write_text(text.replace("Total Prescriptions Ordered", "Prescription Things"),
                    encoding="utf-8")
    before = db_dump(conn)
    report = import_file(conn, path)
    assert report.status == "failed"
    assert "'Prescription Things' (first at line 3)" in report.message
    assert db_dump(conn) == before


def test_dashboard_bad_values_named_by_line(conn, app_dir, tmp_path, db_dump):
    text = (app_dir / "nhs_app_dashboard_internal.csv").read_text(encoding="utf-8")
    path = tmp_path / "bad.csv"
    path.write_text(text.replace(",10250,", ",-5,").replace("2024-04-01,210", "2024-13-01,210"),
                    encoding="utf-8")
    before = db_dump(conn)
    report = import_file(conn, path)
    assert report.status == "failed"
    assert sorted(p.line for p in report.problems) == [3, 4]
    assert db_dump(conn) == before


def test_dashboard_revision_replaces_only_the_figures_it_gives(conn, app_dir, tmp_path):
    assert import_file(conn, app_dir / "nhs_app_dashboard_internal.csv").status == "done"
    path = tmp_path / "revision.csv"
    path.write_text("Practice_Code,Report_Date,Usage_LoginSessions_Login_Sessions\n"
                    "Z99001,2024-05-01,10300\n", encoding="utf-8")
    report = import_file(conn, path)
    assert report.status == "done" and report.rows_replaced == 1
    found = values(conn, "app_practice_values", "measure", "Z99001", "2024-05")
    assert found["logins"] == 10300 and found["prescriptions_ordered"] == 2230
    undo_import(conn, report.import_id)
    assert "logins" not in values(conn, "app_practice_values", "measure", "Z99001", "2024-05")


def test_weekly_rows_add_up_to_the_month(conn, tmp_path):
    path = tmp_path / "weekly.csv"
    path.write_text(
        "Practice_Code,Report_Date,Usage_LoginSessions_Login_Sessions,"
        "RunningTotal_NHSApp_RegistrationsCount\n"
        "Z99001,2024-05-06,100,4000\nZ99001,2024-05-13,120,4020\nZ99001,2024-05-20,90,4031\n",
        encoding="utf-8")
    report = import_file(conn, path)
    assert report.status == "done"
    found = values(conn, "app_practice_values", "measure", "Z99001", "2024-05")
    assert found == {"logins": 310, "registrations_total": 4031}
    assert any("added up" in w for w in report.warnings)


# --- ICB / England statistics through the mapping step ------------------------------------------

def test_icb_statistics_through_the_mapping_step(conn, app_dir):
    path = app_dir / "nhs_app_icb_statistics.csv"
    assert import_file(conn, path).status == "failed"  # unknown headers: the step is needed
    proposal = propose(path, conn)
    assert proposal.origin == "guess" and proposal.mapping.kind == "nhs_app_area"
    mapping = proposal.mapping
    assert mapping.columns["area"] == "ICB" and mapping.columns["month"] == "Reporting month"
    assert mapping.columns["prescriptions_ordered"] == "Repeat prescriptions ordered"
    report = import_file(conn, path, options=ImportOptions(mapping=mapping))
    assert report.status == "done", report.message
    rows = dict(conn.execute(
        "SELECT area_code || ' ' || month || ' ' || measure, value FROM app_area_values"))
    assert rows["ENGLAND 2025-01 prescriptions_ordered"] == 3250000
    assert rows["QOQ 2025-02 registrations"] is None  # [c]
    name = conn.execute("SELECT DISTINCT area_name FROM app_area_values WHERE area_code = 'QOQ'")
    assert name.fetchone()[0] == "NHS HUMBER AND NORTH YORKSHIRE ICB"
    # Saved by header signature: the next file of this shape imports without asking.
    save_mapping(conn, mapping, proposal.header)
    assert propose(path, conn).origin == "saved mapping"
    undo_import(conn, report.import_id)
    report = import_file(conn, path)
    assert report.status == "done" and report.kind == "nhs_app_area"


def test_dashboard_presets_need_no_mapping_step(conn, app_dir):
    assert propose(app_dir / "nhs_app_dashboard_internal.csv", conn) is None
    assert propose(app_dir / "nhs_app_dashboard_long.csv", conn) is None
