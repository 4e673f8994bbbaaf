"""Settings lists the backups and restores one, after asking."""

from __future__ import annotations

from local_db.connection import list_backups
from practice_desk.importing import import_file, undo_import
from ui.pages.backups import BackupsBox, describe
from ui.state import AppState


def test_describe_reads_the_backup_name():
    name = "practice_desk-20261124-101500-123456-before-migration-3.sqlite"
    assert describe(name, "practice_desk") == "2026-11-24 10:15  before migration 3"
    assert describe(f"{name}.gz", "practice_desk") == "2026-11-24 10:15  before migration 3"


def test_restore_brings_back_the_data(qtbot, db_path, crosstab_csv):
    state = AppState(db_path)
    report = import_file(state.conn, crosstab_csv)
    box = BackupsBox(state)
    qtbot.addWidget(box)
    task = box.back_up_now()
    qtbot.waitUntil(lambda: task.done.is_set() and box.make_button.isEnabled(), timeout=30000)
    assert box.list.count() == len(list_backups(db_path)) == 1
    undo_import(state.conn, report.import_id)
    assert state.conn.execute("SELECT COUNT(*) FROM gpad_appointments").fetchone()[0] == 0
    changed = []
    state.data_changed.connect(lambda: changed.append(True))
    box.list.setCurrentRow(0)
    assert box.restore_selected(confirm=False)
    assert state.conn.execute("SELECT COUNT(*) FROM gpad_appointments").fetchone()[0] == 2638
    assert changed == [True]
    assert "Restored" in box.message
    assert list(db_path.parent.glob("practice_desk-replaced-*.sqlite"))  # the old file is kept
