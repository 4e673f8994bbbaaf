"""Practice names on screen, hidden as 'Practice A, B, ...' when the anonymise toggle is on.

Letters are given within a PCN (its practices sorted by ODS code), so a practice has the same
letter on every page, in the selector, in meeting mode and in `practice-desk export --pcn CODE
--anonymise`. Practices with no PCN are lettered among themselves.
"""

from __future__ import annotations

import re
import sqlite3

from local_db import queries
from practice_desk.reports.anonymise import Anonymiser


class PracticeNames:
    def __init__(self, conn: sqlite3.Connection, anonymise: bool) -> None:
        self.anonymise = anonymise
        practices = queries.list_practices(conn)
        self._names = {p["ods_code"]: p["name"] for p in practices}
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
            words = sorted(self._by_text, key=len, reverse=True)  # longest first
            self._compiled = (re.compile("|".join(map(re.escape, words)), re.IGNORECASE)
                              if words else None)
        return self._compiled


def practice_names(state) -> PracticeNames:
    """The names to show now, for an AppState."""
    return PracticeNames(state.conn, state.anonymise)
