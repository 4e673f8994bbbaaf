"""The demo PCN loaded once per test session, copied for each test that uses it."""

from __future__ import annotations

import shutil

import pytest

from local_db import queries
from local_db.connection import open_database
from practice_desk import demo


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("demo") / "demo.sqlite"
    conn = open_database(path)
    assert all(report.ok for report in demo.load_demo(conn))
    queries.set_setting(conn, "first_run_done", "1")
    conn.close()
    return path


@pytest.fixture
def db_copy(demo_db, tmp_path):
    path = tmp_path / "practice_desk.sqlite"
    shutil.copy(demo_db, path)
    return path


@pytest.fixture
def demo_conn(db_copy):
    conn = open_database(db_copy)
    yield conn
    conn.close()
