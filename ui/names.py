"""Practice names on screen, hidden as 'Practice A, B, ...' when the anonymise toggle is on.

A PCN shows as 'The PCN' (or 'PCN 1', 'PCN 2', ... when several are stored), never its name or
code. Letters are given within a PCN (its practices sorted by ODS code), so a practice has the same
letter on every page, in the selector, in meeting mode and in `practice-desk export --pcn CODE
--anonymise`. Practices with no PCN are lettered among themselves.
"""

from __future__ import annotations

import re
import sqlite3

from local_db import queries
from practice_desk.reports.anonymise import Anonymiser


class PracticeNames:
    def __init__(self, conn: sqlite3.Connection, anonymise: bool,
                 only: list[str] | None = None) -> None:
        """`only`: when not anonymised, just these practices (and their PCNs) are read - a page
        of one selection need not read the ~7,000 practices of a national file."""
        self.anonymise = anonymise
        if only is not None and not anonymise:
            practices, pcns = _some(conn, only)
        else:
            practices, pcns = queries.list_practices(conn), queries.list_pcns(conn)
        self._names = {p["ods_code"]: p["name"] for p in practices}
        self._pcns = {p["pcn_code"]: p["pcn_name"] for p in pcns}
        groups: dict[str | None, list[str]] = {}
        for p in practices:
            groups.setdefault(p["pcn_code"] or None, []).append(p["ods_code"])
        self._anonymisers = {}
        for codes in groups.values():
            anonymiser = Anonymiser(codes, enabled=anonymise)
            for code in codes:
                self._anonymisers[code] = anonymiser

    def anonymiser(self, code: str) -> Anonymiser:
        return self._anonymisers.get(code) or Anonymiser([code], enabled=self.anonymise)

    def label(self, code: str) -> str:
        """'NAME (CODE)', or 'Practice A' when anonymised."""
        return self.anonymiser(code).label(code, self._names.get(code))

    def name(self, code: str) -> str:
        return self.anonymiser(code).name(code, self._names.get(code))

    def pcn_label(self, pcn: str) -> str:
        """'NAME (CODE)', or anonymised 'The PCN' (one PCN stored) or 'PCN 1', 'PCN 2', ..."""
        if not self.anonymise:
            return f"{self._pcns.get(pcn) or pcn} ({pcn})"
        return anonymous_pcn(sorted(self._pcns), pcn)

    def scrub(self, text: str) -> str:
        """Anonymised, every practice name and ODS code in free text (a file name, a message)
        replaced by the practice's letter; unchanged otherwise."""
        if not self.anonymise or not text:
            return text
        pattern = self._pattern()
        return pattern.sub(lambda m: self._by_text[m.group(0).lower()], text) if pattern else text

    def _pattern(self):
        if not hasattr(self, "_compiled"):
            self._by_text = {}
            for code, name in self._names.items():
                label = self.name(code)
                self._by_text[code.lower()] = label
                if name and len(name) > 3:
                    self._by_text[name.lower()] = label
            for pcn, name in self._pcns.items():
                label = self.pcn_label(pcn)
                self._by_text[pcn.lower()] = label
                if name and len(name) > 3:
                    self._by_text[name.lower()] = label
            words = sorted(self._by_text, key=len, reverse=True)  # longest first
            self._compiled = (re.compile("|".join(map(re.escape, words)), re.IGNORECASE)
                              if words else None)
        return self._compiled


def _some(conn: sqlite3.Connection, codes: list[str]) -> tuple[list[dict], list[dict]]:
    """These practices, and their PCNs, as list_practices and list_pcns give them."""
    marks = ",".join("?" * len(codes)) or "NULL"
    practices = [{"ods_code": code, "name": name, "pcn_code": pcn} for code, name, pcn in
                 conn.execute(f"SELECT ods_code, name, pcn_code FROM practices "
                              f"WHERE ods_code IN ({marks})", codes)]
    pcns = [{"pcn_code": pcn, "pcn_name": name} for pcn, name in conn.execute(
        "SELECT pcn_code, MAX(pcn_name) FROM practices WHERE pcn_code IN (SELECT pcn_code FROM "
        f"practices WHERE ods_code IN ({marks})) GROUP BY pcn_code", codes)]
    return practices, pcns


def anonymous_pcn(pcns: list[str], pcn: str) -> str:
    """A PCN without its name or code: 'The PCN' when it is the only one, else 'PCN 1', 'PCN 2',
    ... by sorted code (stable, like the practices' letters)."""
    if len(pcns) <= 1:
        return "The PCN"
    return f"PCN {pcns.index(pcn) + 1}" if pcn in pcns else "PCN"


def pcn_label(conn: sqlite3.Connection, pcn: str, anonymise: bool) -> str:
    return PracticeNames(conn, anonymise).pcn_label(pcn)


def practice_names(state) -> PracticeNames:
    """The names to show now, for an AppState."""
    return PracticeNames(state.conn, state.anonymise)
