"""Legs -> calls on whole columns (legs.merge) against a plain per-call loop written from the
rules in calllogs.py's docstring, on the demo generator's 3CX and Asterisk logs and on the
real-layout fixtures."""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from practice_desk import demo_calls
from practice_desk.importing.blocks import CsvBlocks
from practice_desk.importing.mapping import table_header
from practice_desk.importing.sources import Source
from practice_desk.telephony.callers import CallerHasher
from practice_desk.telephony.calllogs import header_preset, headerless_mapping
from practice_desk.telephony.legs import PRIORITY, LegReader, Legs, fold_side_legs, merge
from practice_desk.telephony.rules import get_rules

CALLS = Path(__file__).parent / "data" / "calls"


def read_legs(conn, path: Path) -> Legs:
    source = Source(path)
    mapping = headerless_mapping(source) or header_preset(table_header(source))
    table = CsvBlocks(source, mapping.has_header, mapping.header)
    reader = LegReader(mapping, table.header, "E81050", CallerHasher(conn), get_rules(conn),
                       source)
    return Legs.join([reader.read(numbers, block) for numbers, block in table])


def by_loop(legs: Legs) -> dict:
    """The rules one call at a time: {first leg's line: (outcome, wait, talk, route, ...)}."""
    fold_side_legs(legs)
    parent: dict = {}

    def root(x):
        while parent.setdefault(x, x) != x:
            x = parent[x]
        return x

    members_of: dict = {}
    for i in range(len(legs)):
        keys = [k for k in ((legs.practice[i], "g", legs.group[i]),
                            (legs.practice[i], "k", legs.link[i])) if k[2] is not None]
        for k in keys[1:]:
            parent[root(k)] = root(keys[0])
        if keys:
            members_of.setdefault(keys[0], []).append(i)
    calls: dict = {}
    for key, rows in members_of.items():
        calls.setdefault(root(key), []).extend(rows)
    result = {}
    for members in calls.values():
        if not members:
            continue
        members.sort(key=lambda i: (legs.start[i], legs.side[i], legs.line[i]))
        first = members[0]
        best = min(members, key=lambda i: (PRIORITY[legs.outcome[i]], legs.start[i]))
        start = legs.start[first]
        if legs.outcome[best] == "answered":
            wait = legs.answered[best] - start if not math.isnan(legs.answered[best]) else \
                legs.start[best] - start + legs.wait[best]
            spoke = [i for i in members if legs.outcome[i] == "answered"
                     and not math.isnan(legs.talk[i])]
            if not spoke:
                talk = math.nan
            elif any(math.isnan(legs.answered[i]) for i in spoke):
                talk = sum(legs.talk[i] for i in spoke)
            else:
                talk, reached = 0.0, -math.inf
                for a, b in sorted((legs.answered[i], legs.answered[i] + legs.talk[i])
                                   for i in spoke):
                    talk += max(0.0, b - max(a, reached))
                    reached = max(reached, b)
        else:
            ends = [legs.ended[i] for i in members if not math.isnan(legs.ended[i])]
            waited = sum(legs.wait[i] for i in members if not math.isnan(legs.wait[i]))
            wait, talk = (max(ends) - start if ends else (waited or math.nan)), math.nan
        route = next((legs.route[i] for i in members if legs.route[i] and
                      legs.reached_queue[i]), legs.route[first])
        caller = next((legs.caller_hash[i] for i in members if legs.caller_hash[i]), None)
        result[int(legs.line[first])] = (
            legs.outcome[best], legs.supplier[best], legs.direction[first], route, caller,
            any(legs.is_111[i] for i in members), any(legs.callback_made[i] for i in members),
            _num(wait), _num(talk))
    return result


def _num(value: float) -> float | None:
    return None if math.isnan(value) else round(float(value), 3)


def by_columns(legs: Legs) -> dict:
    calls = merge(legs, True)
    grouped = [i for i in range(len(calls)) if calls.group[i] is not None]
    return {int(calls.line[i]): (
        calls.outcome[i], calls.supplier[i], calls.direction[i], calls.route[i],
        calls.caller_hash[i], bool(calls.is_111[i]), bool(calls.callback_made[i]),
        _num(calls.wait[i]), _num(calls.talk[i])) for i in grouped}


@pytest.fixture(scope="module")
def demo_logs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo_logs")
    calls = list(demo_calls.generate_calls("DEM001", date(2025, 3, 1), date(2025, 3, 14), 7,
                                           12_000))
    threecx = demo_calls.write_3cx_cdr(calls, folder / "3cx.csv")
    master, _ = demo_calls.write_asterisk(calls, folder / "asterisk")
    return {"3cx": threecx, "asterisk": master}


@pytest.mark.parametrize("name", ["3cx", "asterisk"])
def test_merge_on_columns_equals_the_loop_on_demo_logs(conn, demo_logs, name):
    legs = read_legs(conn, demo_logs[name])
    expected = by_loop(Legs.join([legs]))
    got = by_columns(legs)
    assert len(got) > 1000 and got == expected


@pytest.mark.parametrize("name", ["3cx_v16_file.csv", "3cx_v18_file.csv", "Master_21.csv",
                                  "freepbx_cdr_report.csv", "pbxware_cdr.csv", "3cx_cdr.csv",
                                  "Master.csv"])
def test_merge_on_columns_equals_the_loop_on_fixtures(conn, name):
    legs = read_legs(conn, CALLS / name)
    assert by_columns(legs) == by_loop(Legs.join([legs]))


def test_legs_chained_through_either_key_are_one_call(conn):
    """3CX legs a (history 1, call A), b (history 2, call A), c (history 2, call B): one call."""
    legs = read_legs(conn, CALLS / "3cx_cdr.csv").select(np.arange(3))
    legs.group = np.array(["1", "2", "2"], dtype=object)
    legs.link = np.array(["A", "A", "B"], dtype=object)
    assert len(merge(legs, True)) == 1
