"""The Excel workbook (issue 7): sheets, every number against `metrics --json`, charts and their
axes, the formula-injection guard, anonymising, and the GUI's 'Export to Excel…' button."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import re
import shutil
import sqlite3
import zipfile
from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from local_db import queries
from local_db.connection import open_database
from practice_desk import cli
from practice_desk.metrics import demand
from practice_desk.metrics.definitions import definitions
from practice_desk.metrics.keys import is_share
from practice_desk.metrics.national import (
    NATIONAL_KEYS,
    national_distribution,
    national_series,
)
from practice_desk.reports import excel_context
from practice_desk.reports.anonymise import Anonymiser
from practice_desk.reports.excel import SHEETS
from practice_desk.targets import get_target
from practice_desk.telephony.aggregates import calls_by_hour_weekday
from practice_desk.telephony.times import day_range

DATA = Path(__file__).parent / "data"
CBT_WORKBOOK = DATA / "Cloud Based Telephony Publication Summary October 2025_v2.xlsx"
CROSSTAB = DATA / "Practice_Level_Crosstab_subset_Oct_25.csv"
NAMES = {**{d.name: key for key, d in definitions().items()},
         "List size": "list_size", "List size extract": "list_size_date"}
OUTCOME_KEYS = {"Answered": "answered", "Missed": "missed", "Ended in IVR": "ivr_ended",
                "Call-back requested": "callback_requested", "Inbound": "inbound"}


# --- fixtures ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory) -> Path:
    from practice_desk.demo import load_demo

    path = tmp_path_factory.mktemp("demo") / "demo.sqlite"
    conn = open_database(path)
    assert all(report.ok for report in load_demo(conn))
    conn.close()
    return path


@pytest.fixture(scope="module")
def real_db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("real") / "real.sqlite"
    with contextlib.redirect_stdout(io.StringIO()):
        assert cli.main(["import", "--db", str(path), str(CBT_WORKBOOK), str(CROSSTAB)]) == 0
    return path


def export(db: Path, out: Path, *args: str) -> Path:
    with contextlib.redirect_stdout(io.StringIO()) as printed:
        assert cli.main(["export", "--db", str(db), "--xlsx", str(out), *args]) == 0
    assert f"Wrote {out}" in printed.getvalue()
    return out


def metrics_json(db: Path, kind: str, code: str, start: str | None, end: str | None) -> dict:
    args = ["metrics", "--db", str(db), f"--{kind}", code, "--json"]
    args += ["--from", start] if start else []
    args += ["--to", end] if end else []
    with contextlib.redirect_stdout(io.StringIO()) as printed:
        assert cli.main(args) == 0
    return json.loads(printed.getvalue())


def xml_of(path: Path) -> dict[str, str]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name).decode("utf-8") for name in archive.namelist()
                if name.endswith((".xml", ".rels"))}


def month_of(value) -> str:
    assert isinstance(value, datetime), value
    return value.strftime("%Y-%m")


# --- the check of every number -----------------------------------------------------------------


class Expected:
    """What `metrics --json` (and the national, target and call-hour functions) give for a scope,
    keyed by the label the workbook uses for each selection."""

    def __init__(self, db: Path, practices: list[str], pcn: str | None, start: str | None,
                 end: str | None, anonymise: bool) -> None:
        self.db, self.start, self.end = db, start, end
        self.conn = sqlite3.connect(db)
        self.conn.row_factory = sqlite3.Row
        if pcn:
            practices = queries.practices_in_pcn(self.conn, pcn)
        self.practices = practices
        names = Anonymiser(practices, enabled=anonymise)
        self.rows: dict[str, dict[str, dict]] = {}
        for code in practices:
            name = queries.get_practice(self.conn, code)["name"]
            document = metrics_json(db, "practice", code, start, end)
            self.rows[names.label(code, name)] = {r["month"]: r for r in document["rows"]}
        if pcn:
            document = metrics_json(db, "pcn", pcn, start, end)
            pcn_name = self.conn.execute("SELECT MAX(pcn_name) FROM practices WHERE pcn_code = ?",
                                         (pcn,)).fetchone()[0]
            label = "PCN total" if anonymise else f"PCN total: {pcn_name} ({pcn})"
            self.rows[label] = {r["month"]: r for r in document["rows"]}

    def value(self, label: str, month: str, key: str):
        return self.rows[label].get(month, {}).get(key)


def check_every_number(path: Path, expected: Expected) -> dict[str, int]:
    """Every int/float cell of the workbook lies in an Excel table and equals its source.
    Returns how many cells each table had checked."""
    wb = load_workbook(path)
    assert wb.sheetnames == SHEETS
    checked: dict[str, int] = {}
    for ws in wb.worksheets:
        numbers = {cell.coordinate for row in ws.iter_rows() for cell in row
                   if isinstance(cell.value, int | float) and not isinstance(cell.value, bool)}
        seen: set[str] = set()
        for name, ref in ws.tables.items():
            cells = [list(row) for row in ws[ref]]
            header = [cell.value for cell in cells[0]]
            body = cells[1:]
            count = _check_table(name, header, body, expected)
            checked[name] = count
            seen.update(cell.coordinate for row in body for cell in row)
        assert numbers <= seen, f"{ws.title}: numbers outside any table: {sorted(numbers - seen)}"
    return checked


def _check_table(name: str, header: list, body: list, expected: Expected) -> int:
    count = 0

    def same(cell, want):
        nonlocal count
        if isinstance(want, float):  # openpyxl writes 16 significant digits (Excel shows 15)
            want = float(f"{want:.16g}")
        assert cell.value == want, f"{name} {cell.coordinate}: {cell.value!r} != {want!r}"
        count += cell.value is not None

    if name == "Summary":
        assert header[:2] == ["Practice", "Row"]
        columns = []
        for title in header[2:]:
            measure, month = title.rsplit(", ", 1)
            columns.append((NAMES[measure], datetime.strptime(month, "%b %Y").strftime("%Y-%m")))
        for row in body:
            label, kind = row[0].value, row[1].value
            for cell, (key, month) in zip(row[2:], columns, strict=True):
                if kind in ("Practice", "PCN total"):
                    same(cell, expected.value(label, month, key))
                elif kind == "National median":
                    # rates only: a median practice's count says little about a PCN
                    rate = is_share(key) or key.endswith("_per_1000")
                    found = (national_distribution(expected.conn, key, month)
                             if key in NATIONAL_KEYS and rate else None)
                    same(cell, found["median"] if found else None)
                else:
                    assert kind == "Target"
                    same(cell, get_target(expected.conn, key))
        return count
    if name.endswith("_monthly"):
        keys = [NAMES[title] for title in header[2:] if title != "Source"]
        offset = 3 if "Source" in header else 2
        shown = set()
        for row in body:
            label, month = row[0].value, month_of(row[1].value)
            shown.add((label, month))
            if offset == 3:
                assert row[2].value == expected.value(label, month, "telephony_source")
            for cell, key in zip(row[offset:], keys, strict=True):
                same(cell, expected.value(label, month, key))
        # and no month with data is left out
        metric_keys = [key for key in keys if key not in ("list_size", "list_size_date")]
        for label, months in expected.rows.items():
            for month, values in months.items():
                if any(values[key] is not None for key in metric_keys):
                    assert (label, month) in shown, (name, label, month)
        return count
    if name in DEMAND_TABLES:
        return _check_demand_table(name, header, body, expected)
    if name.startswith("Chart_"):
        key = name.removeprefix("Chart_")
        months = [month_of(row[0].value) for row in body]
        national = {}
        if "England median" in header:
            national = {item["month"]: item["median"] for item in national_series(
                expected.conn, key, months[0], months[-1])}
        for row in body:
            month = month_of(row[0].value)
            for cell, title in zip(row[1:], header[1:], strict=True):
                if title == "England median":
                    same(cell, national.get(month))
                elif title == "Local target":
                    same(cell, get_target(expected.conn, key))
                else:
                    same(cell, expected.value(title, month, key))
        return count
    if name in ("Calls_by_weekday_hour", "Calls_by_hour_outcome"):
        found = calls_by_hour_weekday(expected.conn, expected.practices, expected.start,
                                      expected.end)
        if name == "Calls_by_weekday_hour":
            for weekday, row in enumerate(body):
                same(row[1], found["days"][weekday])
                for hour in range(24):
                    same(row[2 + hour], found["inbound"][weekday][hour])
                same(row[26], sum(found["inbound"][weekday]))
        else:
            for hour, row in enumerate(body):
                assert row[0].value == f"{hour:02d}:00"
                for cell, title in zip(row[1:], header[1:], strict=True):
                    same(cell, sum(found[OUTCOME_KEYS[title]][day][hour] for day in range(7)))
        return count
    if name == "Call_log_outcome_words":
        low, high = day_range(expected.start, expected.end)
        marks = ",".join("?" * len(expected.practices))
        total = expected.conn.execute(
            f"SELECT COUNT(*) FROM call_list WHERE ods_code IN ({marks}) AND direction = 'inbound' "
            "AND local_day BETWEEN ? AND ?", [*expected.practices, low, high]).fetchone()[0]
        assert sum(row[2].value for row in body) == total
        return len(body)
    if name == "Data_sources":
        imports = {row["id"]: row for row in queries.list_imports(expected.conn)}
        for row in body:
            source = imports[row[0].value]
            assert row[5].value == source["rows_stored"]
            assert row[3].value == source["periods"]
            assert row[1].value != source["kind"]  # a readable kind, never the internal key
        return len(body)
    if name == "Definitions":
        assert header == ["Measure", "Key", "Definition", "Shown on"]
        for row in body:
            assert row[1].value in definitions() or row[1].value in ("list_size",)
            assert row[2].value == definitions()[row[1].value].text
        return len(body)
    if name == "Appointments_by_category":
        # Every appointment of the scope's months once, in one category; shares of that total.
        total = sum(expected.value(label, month, "appointments_total") or 0
                    for label, months in expected.rows.items() if not label.startswith("PCN")
                    for month in months)
        assert sum(row[1].value or 0 for row in body) == total
        for row in body:
            if row[1].value:
                assert row[2].value == pytest.approx(row[1].value / total)
        return len(body)
    raise AssertionError(f"unexpected table {name}")


DEMAND_TABLES = ("Demand_period", "Demand_monthly", "Chart_contacts_and_appointments")


def _check_demand_table(name: str, header: list, body: list, expected: Expected) -> int:
    """The Demand and capacity sheet against `metrics --json`: monthly values as they are, and
    a period's monthly average as the sum over the months with a value over their number."""
    key_of = {demand.label_of(key): key for key in demand.TREND_KEYS + excel_context.MONTHLY_KEYS}
    if name == "Demand_period":
        labels = {label: key for key, label, _ in demand.CHANNELS} | dict(
            (label, key) for key, label in demand.STAFF)
        for row in body:
            key = labels[row[1].value.removeprefix("of which ")]
            values = [v[key] for v in expected.rows[row[0].value].values()
                      if v.get(key) is not None]
            assert row[5].value == len(values)
            if values:
                assert row[2].value == pytest.approx(sum(values) / len(values))
        return len(body)
    if name == "Demand_monthly":
        keys = [key_of[title] for title in header[2:]]
        for row in body:
            label, month = row[0].value, month_of(row[1].value)
            for cell, key in zip(row[2:], keys, strict=True):
                want = expected.value(label, month, key)
                assert cell.value == (pytest.approx(want) if want is not None else None)
        return len(body)
    total = [label for label in expected.rows if label.startswith("PCN total")] or \
        list(expected.rows)[:1]
    keys = [key_of[title] for title in header[1:]]
    for row in body:
        month = month_of(row[0].value)
        for cell, key in zip(row[1:], keys, strict=True):
            assert cell.value == expected.value(total[0], month, key)
    return len(body)


# --- tests -------------------------------------------------------------------------------------


def test_demo_pcn_every_number_matches_metrics_json(demo_db, tmp_path):
    path = export(demo_db, tmp_path / "demo.xlsx", "--pcn", "DEMPCN")
    checked = check_every_number(path, Expected(demo_db, [], "DEMPCN", None, None, False))
    for table in ("Summary", "Telephony_monthly", "Appointments_monthly", "Chart_f2f_share",
                  "Chart_missed_share", "Calls_by_weekday_hour", "Calls_by_hour_outcome"):
        assert checked[table] > 0, table
    # 6 practice/PCN rows x 24 months of appointments, each with 13 metric columns at least
    assert checked["Appointments_monthly"] >= 6 * 24 * 13
    wb = load_workbook(path)
    summary = wb["Summary"]
    rows = [[c.value for c in row] for row in summary.iter_rows(min_row=5, max_col=2)]
    assert [kind for _, kind in rows if kind] == ["Practice"] * 5 + [
        "PCN total", "National median", "Target"]


def test_practices_and_month_range(demo_db, tmp_path):
    path = export(demo_db, tmp_path / "two.xlsx", "--practice", "DEM002", "DEM004",
                  "--from", "2025-06", "--to", "2025-09")
    checked = check_every_number(path, Expected(demo_db, ["DEM002", "DEM004"], None,
                                                "2025-06", "2025-09", False))
    assert checked["Telephony_monthly"] > 0
    wb = load_workbook(path)
    months = {month_of(row[1]) for row in wb["Appointments"].iter_rows(values_only=True)
              if isinstance(row[1], datetime)}
    assert months == {"2025-06", "2025-07", "2025-08", "2025-09"}
    assert "PCN total" not in str([c.value for c in wb["Summary"]["A"]])
    cover = {row[0]: row[1] for row in wb["Cover"].iter_rows(values_only=True) if row[0]}
    assert cover["Period"] == "Jun 2025 to Sep 2025"
    assert cover["Practice Desk version"] == cli.__version__


def test_real_cbt_workbook_and_gpad_crosstab(real_db, tmp_path):
    path = export(real_db, tmp_path / "real.xlsx", "--pcn", "U88254")
    checked = check_every_number(path, Expected(real_db, [], "U88254", None, None, False))
    assert checked["Chart_missed_share"] > 0 and checked["Summary"] > 0
    wb = load_workbook(path)
    summary = [[c.value for c in row] for row in wb["Summary"].iter_rows(min_row=4)]
    national = next(row for row in summary if row[1] == "National median")
    header = summary[0]
    missed = header.index("Missed (abandonment) rate, Oct 2025")
    assert 0 < national[missed] < 1  # England's median from ~6,000 practices
    sources = [row[2] for row in wb["Cover"].iter_rows(values_only=True)]
    assert CBT_WORKBOOK.name in sources and CROSSTAB.name in sources
    facts = {row[0]: row[1] for row in wb["Cover"].iter_rows(values_only=True) if row[0]}
    assert facts["Months with data"] == "Oct 2025"  # one month: not "... to ... (1 months)"
    path = export(real_db, tmp_path / "set.xlsx", "--practice", "J82028", "J82060", "D81005")
    check_every_number(path, Expected(real_db, ["J82028", "J82060", "D81005"], None, None, None,
                                      False))


def test_sheets_charts_and_axes(demo_db, tmp_path):
    path = export(demo_db, tmp_path / "demo.xlsx", "--pcn", "DEMPCN")
    wb = load_workbook(path)
    assert wb.sheetnames == ["Cover", "Summary", "Telephony", "Appointments", "NHS App",
                             "Demand and capacity", "Definitions and caveats"]
    counts = {ws.title: len(ws._charts) for ws in wb.worksheets}
    # Telephony: 6 monthly line charts (the demo has call logs, so the median wait too) and the
    # calls-by-hour chart; Appointments: 6 line charts and the national-category bars. One
    # chart-data table per line chart.
    assert counts["Telephony"] == 7 and counts["Appointments"] == 7
    # Demand and capacity: calls, online requests and appointments by month as columns (and
    # line charts of the demand measures that have data).
    demand_sheet = wb["Demand and capacity"]
    assert "Chart_contacts_and_appointments" in demand_sheet.tables
    assert demand_sheet._charts[0].title is not None and counts["Demand and capacity"] >= 1
    assert counts["Cover"] == counts["Summary"] == counts["Definitions and caveats"] == 0
    for ws in wb.worksheets:
        line_tables = [name for name in ws.tables if name.startswith("Chart_")]
        hourly = 1 if "Calls_by_hour_outcome" in ws.tables else 0
        category = 1 if "Appointments_by_category" in ws.tables else 0
        assert len(ws._charts) == len(line_tables) + hourly + category
        for chart in ws._charts:
            assert chart.x_axis.delete is False and chart.y_axis.delete is False
            assert chart.title is not None
            assert chart.x_axis.title is not None and chart.y_axis.title is not None
            assert chart.y_axis.number_format is not None
    shares = [c for c in wb["Appointments"]._charts if "%" in c.y_axis.number_format.formatCode]
    assert len(shares) == 6  # all but appointments per 1,000, and the category shares
    files = xml_of(path)
    charts = [text for name, text in files.items() if name.startswith("xl/charts/chart")]
    assert len(charts) == sum(counts.values())
    for text in charts:  # openpyxl writes the chart namespace as the default one
        axes = len(re.findall(r"<(?:c:)?(?:valAx|catAx|dateAx)>", text))
        assert axes == 2
        assert len(re.findall(r'<(?:c:)?delete val="(?:0|false)"\s*/>', text)) == axes
        assert not re.search(r'<(?:c:)?delete val="(?:1|true)"', text)
        assert re.search(r"<(?:c:)?title>", text) and re.search(r"<(?:c:)?numFmt ", text)


def test_summary_formats_targets_and_layout(demo_db, tmp_path):
    conn = open_database(demo_db)
    from practice_desk.targets import set_target

    set_target(conn, "missed_share", 0.12)
    conn.close()
    try:
        path = export(demo_db, tmp_path / "demo.xlsx", "--pcn", "DEMPCN")
    finally:
        conn = open_database(demo_db)
        set_target(conn, "missed_share", None)
        conn.close()
    wb = load_workbook(path)
    ws = wb["Summary"]
    assert ws.freeze_panes == "C5"
    assert list(ws.tables) == ["Summary"] and ws.tables["Summary"].ref.startswith("A4:")
    header = [c.value for c in ws[4]]
    f2f = header.index("Face-to-face share, Oct 2025") + 1
    missed = header.index("Missed (abandonment) rate, Oct 2025") + 1
    total = header.index("Appointments, Oct 2025") + 1
    assert ws.cell(5, f2f).number_format == "0.0%"
    assert ws.cell(5, total).number_format == "#,##0"
    assert ws.column_dimensions["A"].width >= 30
    rules = {str(area.sqref): [r.formula[0] for r in area.rules]
             for area in ws.conditional_formatting}
    f2f_letter = ws.cell(5, f2f).column_letter
    missed_letter = ws.cell(5, missed).column_letter
    f2f_rules = next(v for k, v in rules.items() if k.startswith(f2f_letter))
    assert any(f"{f2f_letter}5>=0.7" in rule for rule in f2f_rules)  # higher is better
    missed_rules = next(v for k, v in rules.items() if k.startswith(missed_letter))
    assert any(f"{missed_letter}5<=0.12" in rule for rule in missed_rules)  # lower is better
    assert all('$B5="Practice"' in rule for rule in f2f_rules)  # never on median/target rows
    definitions_sheet = wb["Definitions and caveats"]
    text = " ".join(str(c.value) for row in definitions_sheet.iter_rows() for c in row if c.value)
    for words in ("Voicemail counts as missed", "CBT coverage", "GPAD is not workload",
                  "Unknown and unmapped shares"):
        assert words in text
    shown = {row[1] for row in definitions_sheet.iter_rows(min_row=5, values_only=True)
             if row[1]}
    for table in ("Telephony_monthly", "Appointments_monthly"):
        sheet = wb[table.split("_")[0]]
        header = [c.value for c in sheet[sheet.tables[table].ref.split(":")[0][1:]]]
        header = [c.value for c in sheet[int(re.sub(r"\D", "", sheet.tables[table].ref[:4]))]]
        keys = {NAMES[title] for title in header if title in NAMES} - {"list_size",
                                                                       "list_size_date"}
        assert keys <= shown  # every metric shown is defined


def _evil_crosstab(folder: Path) -> tuple[Path, dict[str, str]]:
    """The real crosstab with four practices renamed to formula-like text, saved under a name
    that starts with '='."""
    names = {"D81001": '=HYPERLINK("http://example.invalid","Click")', "D81005": "+44 Surgery",
             "D81013": "-1+2 Practice", "J82028": "@SUM(A1:A9)"}
    path = folder / "=cmd()_crosstab.csv"
    with open(CROSSTAB, newline="", encoding="utf-8") as src, \
            open(path, "w", newline="", encoding="utf-8") as out:
        reader = csv.DictReader(src)
        writer = csv.DictWriter(out, fieldnames=reader.fieldnames)
        writer.writeheader()
        for row in reader:
            row["GP_NAME"] = names.get(row["GP_CODE"], row["GP_NAME"])
            writer.writerow(row)
    return path, names


def test_formula_injection_guard(tmp_path):
    db = tmp_path / "evil.sqlite"
    crosstab, names = _evil_crosstab(tmp_path)
    with contextlib.redirect_stdout(io.StringIO()):
        assert cli.main(["import", "--db", str(db), str(crosstab)]) == 0
    conn = open_database(db)
    stored = {code: queries.get_practice(conn, code)["name"] for code in names}
    conn.close()
    assert stored == names  # the importer keeps the names as published
    path = export(db, tmp_path / "evil.xlsx", "--practice", *names)
    files = xml_of(path)
    sheets = {name: text for name, text in files.items() if name.startswith("xl/worksheets/")}
    assert not any("<f>" in text or "<f " in text for text in sheets.values())
    quoted = _quote_prefix_styles(files["xl/styles.xml"])
    texts = {*(f"{name} ({code})" for code, name in names.items()), crosstab.name}
    found = set()
    for text in sheets.values():
        for style, value in re.findall(
                r'<c r="[A-Z]+\d+" s="(\d+)" t="inlineStr"><is><t[^>]*>([^<]*)</t>', text):
            value = value.replace("&amp;", "&").replace("&quot;", '"').replace("&lt;", "<")
            if value in texts:
                assert int(style) in quoted, value
                found.add(value)
    assert found == texts
    wb = load_workbook(path)
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row
             if isinstance(c.value, str) and c.value in texts]
    assert cells and all(c.data_type == "s" and c.quotePrefix for c in cells)
    ordinary = [c for c in wb["Summary"]["B"] if c.value == "Practice"]
    assert ordinary and not any(c.quotePrefix for c in ordinary)


def _quote_prefix_styles(styles: str) -> set[int]:
    cell_xfs = re.search(r"<cellXfs[^>]*>(.*?)</cellXfs>", styles, re.S).group(1)
    xfs = re.findall(r"<xf [^>]*?(?:/>|>.*?</xf>)", cell_xfs, re.S)
    return {i for i, xf in enumerate(xfs) if 'quotePrefix="1"' in xf}


def test_anonymise_leaves_no_practice_name_or_code(demo_db, tmp_path):
    path = export(demo_db, tmp_path / "anon.xlsx", "--pcn", "DEMPCN", "--anonymise")
    check_every_number(path, Expected(demo_db, [], "DEMPCN", None, None, True))
    text = "\n".join(xml_of(path).values()).lower()
    conn = open_database(demo_db)
    practices = queries.list_practices(conn)
    conn.close()
    words = {p["ods_code"] for p in practices} | {p["name"] for p in practices}
    words |= {p["pcn_code"] for p in practices} | {p["pcn_name"] for p in practices}
    leaked = sorted(word for word in words if word and word.lower() in text)
    assert not leaked
    wb = load_workbook(path)
    labels = [c.value for c in wb["Summary"]["A"][4:9]]
    assert labels == [f"Practice {letter}" for letter in "ABCDE"]
    assert "(file name hidden: it names a practice)" in [
        row[2] for row in wb["Cover"].iter_rows(values_only=True)]


def test_no_caller_numbers_or_hashes(demo_db, tmp_path):
    path = export(demo_db, tmp_path / "demo.xlsx", "--pcn", "DEMPCN")
    text = "\n".join(xml_of(path).values())
    conn = sqlite3.connect(demo_db)
    hashes = [row[0] for row in conn.execute(
        "SELECT DISTINCT caller FROM calls WHERE caller IS NOT NULL LIMIT 2000")]
    conn.close()
    assert hashes
    assert not [h for h in hashes if str(h) in text or f"{h & (2**64 - 1):016x}" in text]
    assert "caller_hash" not in text


def test_export_button_writes_the_selection_in_the_background(qtbot, demo_db, tmp_path,
                                                              monkeypatch):
    from practice_desk.metrics import Selection
    from ui import excel_export
    from ui.state import AppState

    db = tmp_path / "copy.sqlite"
    shutil.copy(demo_db, db)
    state = AppState(db)
    messages: list[str] = []
    button = excel_export.ExcelExportButton(state, messages.append)
    qtbot.addWidget(button)
    state.set_selection(Selection(pcn="DEMPCN", start="2025-01", end="2025-10"))
    state.anonymise = True  # as the meeting-mode switch sets it
    out = tmp_path / "from the button.xlsx"
    asked = []

    def save_as(_parent, _title, suggested, _filter):
        asked.append(suggested)
        return str(out), excel_export.FILE_FILTER

    monkeypatch.setattr(excel_export.QFileDialog, "getSaveFileName", save_as)
    button.click()
    assert not button.isEnabled()  # busy while the worker thread writes
    qtbot.waitUntil(lambda: button.isEnabled() and out.exists(), timeout=60000)
    assert messages[-1] == f"Saved {out}"
    assert "DEMPCN" not in asked[0]  # anonymised: the suggested name does not name the PCN
    wb = load_workbook(out)
    assert wb.sheetnames == SHEETS
    assert [c.value for c in wb["Summary"]["A"][4:6]] == ["Practice A", "Practice B"]
    cover = {row[0]: row[1] for row in wb["Cover"].iter_rows(values_only=True) if row[0]}
    assert cover["Period"] == "Jan 2025 to Oct 2025"
    state.conn.close()
