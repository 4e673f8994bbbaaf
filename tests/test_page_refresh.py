"""One read per refresh (issue 16 item 5): a page asks the metrics engine only for the areas it
shows, resolves the selection's practices once, and reads off the UI thread when that takes
longer than 100 ms, a newer refresh superseding an older one. On NHS England's real CBT
workbook (October 2025)."""

from __future__ import annotations

import threading
import time

import pytest

from practice_desk.importing import import_file
from practice_desk.metrics import (
    AREAS,
    CALL_LOG,
    TELEPHONY,
    Reading,
    Selection,
    capacity,
    metric_rows,
    nhs_app,
    period_summary,
)
from practice_desk.metrics import appointments as appointment_metrics

WORKBOOK = "Cloud Based Telephony Publication Summary October 2025_v2.xlsx"
A, B = "E81050", "E81002"  # two practices of the workbook


@pytest.fixture
def state(db_path, data_dir):
    from ui.state import AppState

    state = AppState(db_path)
    assert import_file(state.conn, data_dir / WORKBOOK).status == "done"
    yield state
    state.conn.close()


@pytest.fixture
def page(state, qtbot):
    from ui.pages.telephony import TelephonyPage

    page = TelephonyPage(state)
    qtbot.addWidget(page)
    return page


def inbound(state, practice: str) -> int:
    """The practice's inbound calls (CBT001) as the workbook gives them."""
    return state.conn.execute("SELECT inbound FROM cbt_monthly WHERE ods_code = ? AND "
                              "month = '2025-10'", (practice,)).fetchone()[0]


def test_telephony_page_reads_telephony_only_and_resolves_practices_once(state, page,
                                                                         monkeypatch):
    def refuse(*_args, **_kwargs):
        raise AssertionError("the Telephony page asked for figures it does not show")

    for module, name in ((appointment_metrics, "monthly_counts"), (nhs_app, "AppSeries"),
                         (capacity, "all_parts")):
        monkeypatch.setattr(module, name, refuse)
    resolved = []
    original = Selection.practices
    monkeypatch.setattr(Selection, "practices",
                        lambda self, conn: resolved.append(self.code) or original(self, conn))
    state.selection = Selection(practice=A)
    page.refresh()
    assert not page.refreshing() and page.failed_note.isHidden()
    assert page.tiles["inbound_calls"].value.text() == f"{inbound(state, A):,}" == "7,993"
    assert resolved == [A]


def test_fewer_areas_give_the_same_figures(state):
    """Asking for telephony alone changes which keys are worked out, never their values; the
    period's wait bands equal those from every area."""
    selection = Selection(practice=A)
    everything = {row["month"]: row for row in metric_rows(state.conn, selection)}
    reading = Reading(state.conn, selection)
    calls_only = reading.rows({TELEPHONY})
    assert [row["month"] for row in calls_only] == ["2025-10"]
    keys = [k for k, v in calls_only[0].items() if v is not None]
    assert "inbound_calls" in keys and "missed_share" in keys
    for row in calls_only:
        assert {k: row[k] for k in keys} == {k: everything[row["month"]][k] for k in keys}
    full = period_summary(state.conn, selection)
    assert reading.period(AREAS - {CALL_LOG})["missed_share"] == full["missed_share"]
    assert reading.period({TELEPHONY})["answered_wait_lt1m_share"] == \
        full["answered_wait_lt1m_share"]


def test_slow_refresh_runs_off_the_ui_thread_and_a_newer_one_supersedes_it(state, page, qtbot,
                                                                           monkeypatch):
    monkeypatch.setattr("ui.pages.base.REFRESH_BUDGET_S", 0.1)  # the app's budget
    gate, threads = threading.Event(), []
    read = page.read

    def slow_for_a(conn, selection, cancelled, **options):
        threads.append(threading.current_thread())
        if selection.practice == A:
            assert gate.wait(30)  # held until the newer refresh has been drawn
        return read(conn, selection, cancelled, **options)

    monkeypatch.setattr(page, "read", slow_for_a)
    state.selection = Selection(practice=A)
    started = time.perf_counter()
    page.refresh()
    assert time.perf_counter() - started < 2  # the window was not held for the slow read
    assert page.refreshing() and page.tiles["inbound_calls"].value.text() == "–"
    older = page._reading
    state.selection = Selection(practice=B)  # the user moves on before A's figures arrive
    page.refresh()
    qtbot.waitUntil(lambda: not page.refreshing(), timeout=30_000)
    assert older.cancelled()
    expected = f"{inbound(state, B):,}"
    assert page.tiles["inbound_calls"].value.text() == expected
    gate.set()
    qtbot.waitUntil(older.done.is_set, timeout=30_000)
    qtbot.wait(200)  # its finished signal is delivered, and finds it superseded
    assert page.tiles["inbound_calls"].value.text() == expected
    assert threads and all(t is not threading.main_thread() for t in threads)
