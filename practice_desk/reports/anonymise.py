"""Practice names hidden for meetings: 'Practice A', 'Practice B', ... in a stable order."""

from __future__ import annotations

import string
from collections.abc import Iterable


def letters(number: int) -> str:
    """0 -> 'A', 25 -> 'Z', 26 -> 'AA' (like spreadsheet columns)."""
    text = ""
    number += 1
    while number:
        number, remainder = divmod(number - 1, 26)
        text = string.ascii_uppercase[remainder] + text
    return text


class Anonymiser:
    """Maps ODS codes to 'Practice A', 'Practice B', ... by sorted code, so a practice keeps its
    letter on every screen and in every export made from the same set of practices. When off,
    names pass through unchanged."""

    def __init__(self, codes: Iterable[str], enabled: bool = True) -> None:
        self.enabled = enabled
        self._labels = {code: f"Practice {letters(i)}" for i, code in enumerate(sorted(set(codes)))}

    def name(self, code: str, real_name: str | None = None) -> str:
        if not self.enabled:
            return real_name or code
        return self._labels.get(code, "Practice ?")

    def label(self, code: str, real_name: str | None = None) -> str:
        """'NAME (CODE)' or, anonymised, just 'Practice A' (the code would identify it)."""
        if not self.enabled:
            return f"{real_name or ''} ({code})".strip()
        return self.name(code)
