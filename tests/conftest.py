"""Shared fixtures: a fresh database in a temporary folder, and paths to the real sample files."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from local_db.connection import open_database
from practice_desk.importing import import_file

DATA_DIR = Path(__file__).parent / "data"


@pytest.fixture
def data_dir() -> Path:
    return DATA_DIR


@pytest.fixture
def crosstab_csv() -> Path:
    """GPAD practice-level crosstab, October 2025, 13 practices (real rows)."""
    return DATA_DIR / "Practice_Level_Crosstab_subset_Oct_25.csv"


@pytest.fixture
def mapping_csv() -> Path:
    """GPAD Mapping.csv rows for the same 13 practices."""
    return DATA_DIR / "Mapping_subset_Oct_25.csv"


@pytest.fixture
def categories_csv() -> Path:
    """GPAD national categories, sub-ICBs 06H and 10R, November 2024."""
    return DATA_DIR / "National_Categories_subset_Nov_24.csv"


@pytest.fixture
def regional_csv() -> Path:
    """GPAD regional monthly file from the CCG era (2019-2021), Somerset."""
    return DATA_DIR / "Regional_CSV_Somerset.csv"


@pytest.fixture
def population_csv() -> Path:
    """Patients Registered at a GP Practice, practice totals, extract 2026-03-01."""
    return DATA_DIR / "PracPopFeb26_gp-reg-pat-prac-all.csv"


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "practice_desk.sqlite"


@pytest.fixture
def conn(db_path: Path) -> Iterator[sqlite3.Connection]:
    """A new, migrated database file opened the way the application opens it."""
    connection = open_database(db_path)
    try:
        yield connection
    finally:
        connection.close()


@pytest.fixture
def db_dump() -> Callable[[sqlite3.Connection], dict[str, list[tuple]]]:
    """A function giving every row of every table (sorted), to compare a database before/after."""

    def dump(connection: sqlite3.Connection) -> dict[str, list[tuple]]:
        tables = [row[0] for row in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        content: dict[str, list[tuple]] = {}
        for table in tables:
            rows = [tuple(row) for row in connection.execute(f'SELECT * FROM "{table}"')]
            content[table] = sorted(rows, key=repr)
        content["__schema__"] = [tuple(row) for row in connection.execute(
            "SELECT type, name, sql FROM sqlite_master ORDER BY type, name")]
        content["__user_version__"] = [tuple(connection.execute("PRAGMA user_version").fetchone())]
        return content

    return dump


@pytest.fixture
def make_window(qtbot, monkeypatch, tmp_path):
    """make_window(db_path, first_run_done=False): the main window on that database, shown, its
    log kept in the test's folder; first_run_done skips the first-run demo offer."""
    from local_db import queries
    from ui.main_window import MainWindow

    def make(db_path: Path, first_run_done: bool = False):
        monkeypatch.setenv("PRACTICE_DESK_LOG_DIR", str(tmp_path / "logs"))
        win = MainWindow(db_path=db_path)
        qtbot.addWidget(win)
        if first_run_done:
            queries.set_setting(win.state.conn, "first_run_done", "1")
        win.show()
        return win

    return make


@pytest.fixture(autouse=True)
def pages_draw_before_refresh_returns(request, monkeypatch):
    """GUI tests read a page right after refresh(): its background read is waited for (a loaded
    test machine can take longer than the app's 100 ms). test_page_refresh.py sets its own."""
    if "qtbot" in request.fixturenames:
        monkeypatch.setattr("ui.pages.base.REFRESH_BUDGET_S", 60.0)


@pytest.fixture
def filled(db_path: Path, crosstab_csv: Path) -> Path:
    """A database file holding the GPAD crosstab subset, closed again."""
    conn = open_database(db_path)
    assert import_file(conn, crosstab_csv).status == "done"
    conn.close()
    return db_path
