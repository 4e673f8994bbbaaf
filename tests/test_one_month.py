"""One month of real NHS data (GPAD October 2025, its mapping, and a list-size extract dated
1 March 2026): no Making Data Count verdict from too few points, and per-1,000 figures that say
why they are missing."""

from __future__ import annotations

import shutil

import pytest
from PySide6.QtGui import QImage

from local_db.connection import open_database
from practice_desk import targets
from practice_desk.importing import import_file
from practice_desk.metrics import spc
from tests.conftest import DATA_DIR

PCN = "U88254"  # CAM MEDICAL PCN: three practices in the October 2025 subset
FILES = ["Practice_Level_Crosstab_subset_Oct_25.csv", "Mapping_subset_Oct_25.csv",
         "PracPopFeb26_gp-reg-pat-prac-all.csv"]


@pytest.fixture(scope="module")
def one_month_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("one-month") / "one.sqlite"
    conn = open_database(path)
    for name in FILES:
        assert import_file(conn, DATA_DIR / name).status == "done", name
    targets.set_target(conn, "f2f_share", 0.7)  # a target, so an assurance icon could show
    conn.close()
    return path


@pytest.fixture
def window(make_window, one_month_db, tmp_path):
    path = tmp_path / "practice_desk.sqlite"
    shutil.copy(one_month_db, path)
    win = make_window(path, first_run_done=True)
    win.start()
    win.selector.choose("pcn", PCN)
    return win


def blank(pixmap) -> bool:
    image = pixmap.toImage().convertToFormat(QImage.Format.Format_ARGB32)
    return all(image.pixelColor(x, y).alpha() == 0
               for x in range(image.width()) for y in range(image.height()))


def test_one_month_gives_no_verdict_but_the_points_needed(window):
    window.show_page("Overview")
    page = window.pages["Overview"]
    needed = ("No verdict yet: 1 of the 15 points Making Data Count asks for "
              "(14 more months needed)")
    tile = page.tiles["f2f_share"]
    f2f, total = hand_count()
    assert tile.value.text() == f"{f2f / total:.1%}"
    assert tile.change.text() == "Oct 25"
    assert tile.meaning.text() == needed
    assert (tile.variation, tile.assurance) == (None, None)
    assert blank(tile.variation_icon.pixmap()) and blank(tile.assurance_icon.pixmap())
    assert tile.variation_icon.toolTip() == needed == tile.assurance_icon.toolTip()
    for other in page.tiles.values():
        assert "Common cause" not in other.meaning.text()
        assert "Target:" not in other.meaning.text()
    page.open_chart("f2f_share")
    chart = page.chart
    assert chart.months == ["2025-10"]
    assert chart.analysis.points_needed == spc.MIN_POINTS - 1
    assert chart.icons.texts() == [needed]
    assert chart.analysis.limits is None and chart._labels == []  # no "trial limits" either
    assert chart._upper_line.getData()[1] is None  # no limit lines drawn
    assert chart.spots[0]["brush"].color().name() == "#a6a6a6"  # a plain, common-cause point


def hand_count() -> tuple[int, int]:
    """Face-to-face and all appointments of the PCN's practices, October 2025, from the file."""
    import csv

    with (DATA_DIR / FILES[0]).open(encoding="utf-8-sig") as handle:
        ours = [r for r in csv.DictReader(handle) if r["PCN_CODE"] == PCN]
    assert {r["GP_CODE"] for r in ours} == {"D81001", "D81005", "D81013"}
    return (sum(int(r["COUNT_OF_APPOINTMENTS"]) for r in ours if r["APPT_MODE"] == "Face-to-Face"),
            sum(int(r["COUNT_OF_APPOINTMENTS"]) for r in ours))


def patients(codes: set[str]) -> int:
    """The practices' registered patients in the list-size extract (dated 1 March 2026)."""
    import csv

    with (DATA_DIR / FILES[2]).open(encoding="utf-8-sig") as handle:
        return sum(int(row["NUMBER_OF_PATIENTS"]) for row in csv.DictReader(handle)
                   if row["CODE"] in codes)


GAP = ("Per-1,000 figures for October 2025 are blank: the earliest list-size extract imported is "
       "dated 1 Mar 2026, after October 2025, and a figure is divided only by a list size from "
       "on or before its month. Import NHS England's “Patients Registered at a GP Practice” "
       "extract dated on or before October 2025 to fill them.")


def test_a_later_list_size_extract_says_why_per_1000_is_blank(window, tmp_path):
    from openpyxl import load_workbook

    from practice_desk.reports.excel import write_workbook
    from practice_desk.reports.scope import ExportScope

    window.show_page("PCN")
    page = window.pages["PCN"]
    page.choose_metric("appointments_per_1000")
    assert page.empty.isVisible() and page.empty.text() == GAP
    assert not page.chart.isVisible()
    assert not any(button.isEnabled() for button in page.export_buttons)
    conn = window.state.conn
    book = load_workbook(write_workbook(conn, ExportScope(pcn=PCN), tmp_path / "one.xlsx"))
    cover = {row[0]: row[1] for row in book["Cover"].iter_rows(values_only=True) if row[0]}
    assert cover["Per 1,000 patients"] == GAP
    assert any(GAP in str(cell) for row in book["Appointments"].iter_rows(values_only=True)
               for cell in row if cell)
    # The same counts in an extract dated 1 October 2025 (on or before the month) fill it.
    earlier = tmp_path / "PracPopOct25.csv"
    earlier.write_text((DATA_DIR / FILES[2]).read_text(encoding="utf-8-sig")
                       .replace(",2026-03-01,", ",2025-10-01,"), encoding="utf-8")
    assert import_file(conn, earlier).status == "done"
    window.state.data_changed.emit()
    page.refresh()
    codes = {"D81001", "D81005", "D81013"}
    _f2f, total = hand_count()
    assert not page.empty.isVisible() and page.chart.isVisible()
    assert all(button.isEnabled() for button in page.export_buttons)
    assert page.chart.comparison.total == pytest.approx(total / patients(codes) * 1000)
    book = load_workbook(write_workbook(conn, ExportScope(pcn=PCN), tmp_path / "two.xlsx"))
    assert all(row[0] != "Per 1,000 patients"
               for row in book["Cover"].iter_rows(values_only=True))
