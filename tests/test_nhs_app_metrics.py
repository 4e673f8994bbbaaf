"""NHS App metrics: values from the files, per-1,000 denominators, year-to-date change by hand,
PCN sums, and every key in `metrics --json`."""

from __future__ import annotations

import json

import pytest

from practice_desk.cli import main
from practice_desk.importing import import_file
from practice_desk.metrics import METRIC_KEYS, Selection, metric_rows, period_summary
from practice_desk.metrics.keys import APP_KEYS
from practice_desk.metrics.nhs_app import year_to_date_months, ytd_change

HEADER = ("Practice_Code,Practice_Name,Report_Date,Usage_LoginSessions_Login_Sessions,"
          "RunningTotal_NHSApp_RegistrationsCount,Usage_Prescriptions_Prescriptions_Ordered,"
          "GP_Registered_Patients\n")


def write(tmp_path, name, lines):
    path = tmp_path / name
    path.write_text(HEADER + "".join(line + "\n" for line in lines), encoding="utf-8")
    return path


@pytest.fixture
def two_years(conn, tmp_path):
    """Z99001, April-June 2023 and 2024; prescriptions missing (NULL) in May 2023."""
    path = write(tmp_path, "app.csv", [
        "Z99001,TEST A,2023-04-01,100,1000,50,8000",
        "Z99001,TEST A,2023-05-01,200,1100,NULL,8000",
        "Z99001,TEST A,2023-06-01,300,1200,70,8000",
        "Z99001,TEST A,2024-04-01,150,1500,60,8100",
        "Z99001,TEST A,2024-05-01,250,1600,80,8100",
        "Z99001,TEST A,2024-06-01,400,1800,90,8100",
    ])
    assert import_file(conn, path).status == "done"
    return conn


def row_of(conn, month, **selection):
    return next(r for r in metric_rows(conn, Selection(**selection)) if r["month"] == month)


def test_year_to_date_months():
    assert year_to_date_months("2024-06") == ["2024-04", "2024-05", "2024-06"]
    assert year_to_date_months("2025-02")[0] == "2024-04"
    assert len(year_to_date_months("2025-03")) == 12
    assert year_to_date_months("2024-04") == ["2024-04"]


def test_ytd_change_by_hand(two_years):
    row = row_of(two_years, "2024-06", practice="Z99001")
    # Logins April-June 2024: 150 + 250 + 400 = 800; a year earlier 100 + 200 + 300 = 600.
    assert row["app_logins_ytd_change"] == pytest.approx(800 / 600 - 1)
    assert row_of(two_years, "2024-04", practice="Z99001")["app_logins_ytd_change"] == \
        pytest.approx(150 / 100 - 1)
    # Prescriptions: May 2023 is missing, so every year-to-date from May 2024 on is null ...
    assert row["app_prescriptions_ordered_ytd_change"] is None
    # ... but April alone is fine: 60 / 50 - 1.
    assert row_of(two_years, "2024-04", practice="Z99001")[
        "app_prescriptions_ordered_ytd_change"] == pytest.approx(0.2)
    # A running total compares the month with the same month a year earlier.
    assert row["app_registrations_total_ytd_change"] == pytest.approx(1800 / 1200 - 1)
    # No year before: null.
    assert row_of(two_years, "2023-06", practice="Z99001")["app_logins_ytd_change"] is None


def test_ytd_change_rules():
    series = {"2023-04": 10, "2024-04": 15}
    same = {"2023-04": frozenset({"A"}), "2024-04": frozenset({"A"})}
    assert ytd_change(series, same, "2024-04") == pytest.approx(0.5)
    other = {"2023-04": frozenset({"A"}), "2024-04": frozenset({"A", "B"})}
    assert ytd_change(series, other, "2024-04") is None  # not like for like
    assert ytd_change({"2023-04": 0, "2024-04": 5}, same, "2024-04") is None  # 0 before


def test_per_1000_uses_the_13_plus_denominator_the_export_gives(two_years):
    row = row_of(two_years, "2024-06", practice="Z99001")
    assert row["app_logins_per_1000"] == pytest.approx(400 / 8100 * 1000)
    assert row["app_denominator"] == "registered patients aged 13+ (NHS App export)"
    assert row["app_record_views"] is None and row["app_record_views_per_1000"] is None


def test_per_1000_falls_back_to_the_list_size(conn, tmp_path):
    path = tmp_path / "no_denominator.csv"
    path.write_text("Practice_Code,Report_Date,Usage_LoginSessions_Login_Sessions\n"
                    "Z99001,2024-04-01,500\n", encoding="utf-8")
    assert import_file(conn, path).status == "done"
    row = row_of(conn, "2024-04", practice="Z99001")
    assert row["app_logins"] == 500 and row["app_logins_per_1000"] is None
    assert row["app_denominator"] is None
    conn.execute("INSERT INTO imports (id, kind, file_name, content_hash, status, started_at) "
                 "VALUES (99, 'list_sizes', 'x', 'x', 'done', '2024-01-01')")
    conn.execute("INSERT INTO list_sizes (import_id, ods_code, extract_date, patients) "
                 "VALUES (99, 'Z99001', '2024-04-01', 10000)")
    row = row_of(conn, "2024-04", practice="Z99001")
    assert row["app_logins_per_1000"] == pytest.approx(50.0)
    assert row["app_denominator"] == "list size (extract 2024-04-01)"


def test_pcn_sums_practices_and_a_missing_figure_is_missing(conn, data_dir):
    assert import_file(conn, data_dir / "nhs_app" / "nhs_app_dashboard_internal.csv").ok
    conn.execute("UPDATE practices SET pcn_code = 'PCNX', pcn_name = 'X' "
                 "WHERE ods_code IN ('Z99001', 'Z99002')")
    row = row_of(conn, "2024-05", pcn="PCNX")
    assert row["app_logins"] == 10250 + 15320
    assert row["app_logins_per_1000"] == pytest.approx((10250 + 15320) / (7410 + 10820) * 1000)
    assert row["app_record_views"] is None  # '*' at Z99002
    assert row["app_registrations"] is None  # blank at Z99002
    assert row["app_prescriptions_ordered"] == 2230 + 3410


def test_record_views_say_when_they_are_users(conn, data_dir):
    assert import_file(conn, data_dir / "nhs_app" / "nhs_app_dashboard_display.xlsx").ok
    row = row_of(conn, "2024-04", practice="Z99003")
    assert row["app_record_views"] == 700
    assert row["app_record_views_basis"] == "users accessing records"
    assert row["app_logins_per_1000"] == pytest.approx(4100 / 5200 * 1000)


def test_pomi_figures_match_the_file(conn, data_dir):
    assert import_file(conn, data_dir / "nhs_app" / "POMI_APR2018_long.csv").ok
    row = row_of(conn, "2018-03", practice="Z99001")
    assert (row["online_prescriptions_ordered"], row["online_appointments_used"],
            row["online_record_views"]) == (1210, 530, 150)
    assert row["online_prescriptions_ordered_per_1000"] == pytest.approx(1210 / 8630 * 1000)
    assert row["online_denominator"] == "registered patients (POMI list size)"
    missing = row_of(conn, "2018-03", practice="Z99002")
    assert missing["online_appointments_used"] is None  # NULL in the file
    assert missing["online_record_views"] == 0  # a real 0 stays 0


def test_period_summary_sums_then_divides(two_years):
    summary = period_summary(two_years, Selection(practice="Z99001", start="2024-04",
                                                  end="2024-06"))
    assert summary["app_logins"] == 800
    assert summary["app_logins_per_1000"] == pytest.approx(800 / (3 * 8100) * 1000)
    assert summary["app_registrations_total"] == 1800
    assert summary["app_logins_ytd_change"] == pytest.approx(800 / 600 - 1)


def test_metrics_json_has_every_key(two_years, db_path, capsys):
    two_years.close()
    assert main(["metrics", "--db", str(db_path), "--practice", "Z99001", "--from", "2024-06",
                 "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["practice"] == "Z99001"
    [row] = document["rows"]
    assert set(METRIC_KEYS) <= set(row) and set(APP_KEYS) <= set(row)
    assert row["app_logins"] == 400
    assert row["app_logins_ytd_change"] == pytest.approx(1 / 3)
    assert row["app_prescriptions_ordered_ytd_change"] is None
    assert row["appointments_total"] == 0 or row["appointments_total"] is None
