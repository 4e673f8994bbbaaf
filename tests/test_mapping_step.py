"""Which files go through the column-mapping step, and what it starts from."""

from __future__ import annotations

from practice_desk.importing.mapping import save_mapping
from practice_desk.importing.mapping_step import propose


def test_published_files_need_no_mapping(conn, data_dir, crosstab_csv, population_csv):
    for path in (crosstab_csv, population_csv, data_dir / "calls" / "queue_log",
                 data_dir / "Cloud Based Telephony Publication Summary October 2025_v2.xlsx",
                 data_dir / "README.md"):
        assert propose(path, conn) is None, path.name


def test_supplier_presets_are_proposed_with_the_practice_to_choose(conn, data_dir):
    calls = data_dir / "calls"
    expected = {"xon_export.csv": "X-on Surgery Connect export", "3cx_cdr.csv": "3CX CDR",
                "Master.csv": "Asterisk/FreePBX Master.csv (+ queue_log)",
                "asterisk.zip": "Asterisk/FreePBX Master.csv (+ queue_log)"}
    for name, preset in expected.items():
        proposal = propose(calls / name, conn)
        assert (proposal.origin, proposal.mapping.name) == ("preset", preset), name
        assert proposal.needs_practice


def test_unknown_layouts_are_guessed_by_kind(conn, data_dir):
    counts = propose(data_dir / "calls" / "calls_111_counts.csv", conn)
    assert counts.origin == "guess" and counts.mapping.kind == "calls_111"
    custom = propose(data_dir / "calls" / "custom_log.csv", conn)
    assert custom.mapping.kind == "call_log" and custom.mapping.columns["caller"] == "From"


def test_a_saved_mapping_comes_first(conn, data_dir):
    path = data_dir / "calls" / "custom_log.csv"
    first = propose(path, conn)
    columns = {**first.mapping.columns, "start_time": "When"}
    mapping = first.mapping.copy(name="Our supplier", columns=columns,
                                 options={"practice": "E81050"})
    save_mapping(conn, mapping, first.header)
    again = propose(path, conn)
    assert again.origin == "saved mapping" and again.mapping.name == "Our supplier"
    assert not again.needs_practice


def test_a_header_starting_with_a_number_is_still_a_header(conn, tmp_path):
    """'111 calls ...' names a column; a first row is taken for a record only when it holds a
    date, a time, a phone number or mostly numbers."""
    path = tmp_path / "counts.csv"
    path.write_text("111 calls in core hours,Practice,Month\n12,E81050,2025-10\n")
    proposal = propose(path, conn)
    assert proposal.mapping.has_header and proposal.header[0] == "111 calls in core hours"
