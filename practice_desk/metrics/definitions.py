"""The user-facing definitions page (resources/definitions.md), read for tooltips and exports."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from practice_desk.metrics.keys import APP_BASE_KEYS
from practice_desk.resources import resource_path

_ROW = re.compile(r"^\|\s*`(?P<key>[a-z0-9_]+)`\s*\|(?P<name>[^|]+)\|(?P<text>.+)\|\s*$")


@dataclass(frozen=True)
class Definition:
    key: str
    name: str
    text: str


def definitions_file():
    return resource_path("definitions.md")


@cache
def definitions() -> dict[str, Definition]:
    """Every metric row of the definitions page's tables, by key."""
    found = {}
    for line in definitions_file().read_text(encoding="utf-8").splitlines():
        match = _ROW.match(line)
        if match:
            key = match["key"]
            found[key] = Definition(key, match["name"].strip(), match["text"].strip())
    for base in APP_BASE_KEYS:  # the page defines these families once, in words
        if base in found:
            name = found[base].name
            found[f"{base}_per_1000"] = Definition(
                f"{base}_per_1000", f"{name} per 1,000 patients", f"{name} ÷ {_per(base)} × 1,000.")
            found[f"{base}_ytd_change"] = Definition(
                f"{base}_ytd_change", f"{name}: year-to-date change", _ytd(base, name))
    return found


def _per(base: str) -> str:
    """The denominator of a per-1,000 figure (the page's NHS App section says the same)."""
    if base.startswith("app_"):
        return ("registered patients aged 13+ as given in the NHS App export (the dashboard's "
                "own denominator); where the export does not give it, list size (all registered "
                "patients)")
    return ("registered patients: POMI's list size for the month; where POMI has none, list size "
            "(all registered patients)")


def _ytd(base: str, name: str) -> str:
    if base == "app_registrations_total":
        return (f"{name} at the month over the same figure a year earlier, minus 1 (a running "
                "total is not added up over months).")
    return f"{name} from April to the month, over the same months a year earlier, minus 1."


def name_of(key: str) -> str:
    found = definitions().get(key)
    return found.name if found else key


def tooltip(key: str) -> str:
    """'Measure: definition' for hover help."""
    found = definitions().get(key)
    return f"<b>{found.name}</b><br>{found.text}" if found else key
