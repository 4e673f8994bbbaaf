"""NHS 111 detection rules, editable in Settings and stored in `settings` as JSON.

A call is a 111 call when its route, queue or IVR option (or the supplier's outcome word) matches
one of `route_patterns`, or the number it was sent to (destination, transfer target) matches one
of `destination_patterns`. Patterns are regular expressions, matched anywhere, case-insensitive;
destinations are compared with spaces, dashes and brackets removed.
"""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import dataclass, field

from local_db import queries

SETTING = "telephony.rules_111"
DEFAULT_ROUTE_PATTERNS = [r"\b111\b", r"nhs\s*111"]
DEFAULT_DESTINATION_PATTERNS = [r"^(\+44|0044|44)?0?111$"]

_COMPACT = re.compile(r"[\s\-().]")


@dataclass
class Rules111:
    route_patterns: list[str] = field(default_factory=lambda: list(DEFAULT_ROUTE_PATTERNS))
    destination_patterns: list[str] = field(
        default_factory=lambda: list(DEFAULT_DESTINATION_PATTERNS))

    def __post_init__(self) -> None:
        self._route = [_compile(p) for p in self.route_patterns]
        self._destination = [_compile(p) for p in self.destination_patterns]

    def text_matches(self, text: str | None) -> bool:
        """A route, queue, IVR option or supplier's word that marks a 111 call."""
        return bool(text) and any(p.search(text) for p in self._route)

    def number_matches(self, number: str | None) -> bool:
        """A number a call was sent to that is 111's."""
        return bool(number) and any(p.search(_COMPACT.sub("", number)) for p in self._destination)


def _compile(pattern: str) -> re.Pattern:
    try:
        return re.compile(pattern, re.IGNORECASE)
    except re.error as exc:
        raise ValueError(f"The 111 rule '{pattern}' is not a valid pattern ({exc}).") from None


def get_rules(conn: sqlite3.Connection) -> Rules111:
    text = queries.get_setting(conn, SETTING)
    if not text:
        return Rules111()
    data = json.loads(text)
    return Rules111(list(data.get("route_patterns", DEFAULT_ROUTE_PATTERNS)),
                    list(data.get("destination_patterns", DEFAULT_DESTINATION_PATTERNS)))


def set_rules(conn: sqlite3.Connection, rules: Rules111) -> None:
    """Save the rules. They apply to calls imported from then on (existing calls keep their flag;
    re-import a file to re-apply them)."""
    Rules111(rules.route_patterns, rules.destination_patterns)  # raises on a bad pattern
    queries.set_setting(conn, SETTING, json.dumps({
        "route_patterns": rules.route_patterns,
        "destination_patterns": rules.destination_patterns,
    }))
