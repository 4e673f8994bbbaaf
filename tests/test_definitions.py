"""The definitions page, the code's key list and the metric contract stay in step."""

from __future__ import annotations

import re
from pathlib import Path

from practice_desk.metrics.definitions import definitions, definitions_file
from practice_desk.metrics.keys import APP_BASE_KEYS, METRIC_KEYS, TEXT_KEYS

CONTRACT = Path(__file__).parent.parent / "docs" / "metrics_contract.md"


def contract_keys() -> set[str]:
    """Keys in the first column of the contract's metric tables (families expanded)."""
    keys: set[str] = set()
    for line in CONTRACT.read_text(encoding="utf-8").splitlines():
        if not line.startswith("| `"):
            continue
        first_cell = line.split("|")[1]
        for key in re.findall(r"`([a-z0-9_*]+)`", first_cell):
            keys.add(key)
    keys.discard("*_per_1000")
    keys.discard("*_ytd_change")
    for base in APP_BASE_KEYS:
        keys.update({f"{base}_per_1000", f"{base}_ytd_change"})
    return keys


def expand_ellipses(keys: set[str]) -> set[str]:
    """The contract writes `missed_wait_lt1m_share` … `missed_wait_gt5m_share` for four bands."""
    bands = ["lt1m", "1to2m", "2to5m", "gt5m"]
    return keys | {f"missed_wait_{band}_share" for band in bands}


def test_code_keys_match_the_contract():
    assert set(METRIC_KEYS) | set(TEXT_KEYS) == expand_ellipses(contract_keys())
    assert len(METRIC_KEYS) == len(set(METRIC_KEYS))


def test_definitions_page_defines_every_key_and_nothing_else():
    page = definitions()
    assert set(page) == set(METRIC_KEYS) | set(TEXT_KEYS)
    for definition in page.values():
        assert definition.name and len(definition.text) > 10


def test_page_states_the_contract_rules():
    text = definitions_file().read_text(encoding="utf-8")
    for rule in ("numerators and the denominators first", "08:00–18:30", "not after",
                 "exactly 60 seconds", "2.66", "first 12 points"):
        assert rule in text
