"""The column-mapping step: signatures, suggestions, validation, saving, preview."""

from __future__ import annotations

from pathlib import Path

import pytest

from practice_desk.importing.mapping import (
    ColumnMapping,
    MappingError,
    delete_mapping,
    distinct_values,
    find_saved,
    header_signature,
    list_mappings,
    load_mapping,
    preview,
    save_mapping,
    suggest_mapping,
    validate,
)
from practice_desk.telephony.calllogs import presets

CALLS = Path(__file__).parent / "data" / "calls"
XON_HEADER = ["Call Date", "Call Time", "Call ID", "Direction", "Caller Number",
              "Dialled Number", "Queue", "IVR Option", "Outcome", "Queue Time", "Talk Time"]


def test_signature_ignores_case_spaces_bom_and_apostrophes():
    assert header_signature(["\ufeffCall  Date", " Outcome "]) == \
        header_signature(["call date", "'OUTCOME"])
    assert header_signature(["a", "b"]) != header_signature(["b", "a"])


def test_suggest_mapping_from_header_names():
    m = suggest_mapping("call_log", XON_HEADER)
    assert m.columns["start_date"] == "Call Date"
    assert m.columns["start_time"] == "Call Time"
    assert m.columns["caller"] == "Caller Number"
    assert m.columns["outcome"] == "Outcome"
    assert m.columns["wait_s"] == "Queue Time"
    assert m.columns["talk_s"] == "Talk Time"
    assert m.map_word("outcome", " voicemail ") == "missed"
    assert validate(m, XON_HEADER) == []


def test_validation_names_the_missing_field():
    m = ColumnMapping("call_log", columns={"caller": "Caller Number"})
    problems = validate(m, XON_HEADER)
    assert any("'Start time" in p and "No column is chosen" in p for p in problems)
    assert any("Choose a column for 'Answer time' or 'Talk time' or 'Outcome" in p
               for p in problems)
    m = ColumnMapping("call_log", columns={"start_time": "When", "outcome": "Outcome",
                                           "colour": "X"},
                      values={"outcome": {"Gone": "vanished"}}, options={"practice": "nope!"})
    problems = "\n".join(validate(m, XON_HEADER))
    assert "The column 'When' chosen for 'Start time" in problems
    assert "'colour' is not a field of a call log" in problems
    assert "'Gone' is mapped to 'vanished'" in problems
    assert "'nope!' is not a practice ODS code" in problems
    assert validate(ColumnMapping("pets"))[0].startswith("'pets' is not a kind")


def test_save_find_load_list_delete(conn):
    m = suggest_mapping("call_log", XON_HEADER, name="X-on as we export it")
    m.values["outcome"]["Gone away"] = "missed"
    signature = save_mapping(conn, m, XON_HEADER)
    assert signature == header_signature(XON_HEADER)
    found = find_saved(conn, "call_log", [h.upper() for h in XON_HEADER])
    assert found is not None and found.values["outcome"]["Gone away"] == "missed"
    assert load_mapping(conn, "x-on as WE export it").columns == m.columns
    assert [s.name for s in list_mappings(conn, "call_log")] == ["X-on as we export it"]
    with pytest.raises(ValueError, match="no saved column mapping called 'other'"):
        load_mapping(conn, "other")
    with pytest.raises(MappingError, match="No column is chosen for 'Start time"):
        save_mapping(conn, ColumnMapping("call_log", "bad"), XON_HEADER)
    assert delete_mapping(conn, "call_log", signature)
    assert list_mappings(conn) == []


def test_json_round_trip_and_presets_are_valid():
    for preset in presets():
        assert ColumnMapping.from_json(preset.to_json()) == preset
        assert validate(preset, preset.header) == [] if preset.header else True


def test_preview_and_distinct_values():
    p = preview(CALLS / "xon_export.csv", rows=3, column="Outcome")
    assert p.header == XON_HEADER
    assert len(p.rows) == 3 and p.rows[0][2] == "X1"
    assert p.signature == header_signature(XON_HEADER)
    assert dict(p.distinct)["Answered"] == 6 and dict(p.distinct)["Abandoned"] == 2
    words = distinct_values(CALLS / "asterisk.zip", "disposition",
                            mapping=presets()[-1])
    assert dict(words) == {"ANSWERED": 7, "NO ANSWER": 1}
    with pytest.raises(MappingError, match="no column 'Nope'"):
        distinct_values(CALLS / "xon_export.csv", "Nope")
