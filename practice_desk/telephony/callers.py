"""Caller numbers: normalised, then kept only as a keyed one-way hash (never in clear).

The key is 32 random bytes made once per database and kept in `settings` (telephony.caller_key),
so the same number hashes the same across imports (repeat callers) but a hash cannot be reversed
by hashing every UK number without the database itself.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import sqlite3
from collections import Counter

from local_db import queries

KEY_SETTING = "telephony.caller_key"

WITHHELD = {
    "", "anonymous", "withheld", "private", "unavailable", "unknown", "restricted",
    "number withheld", "withheld number", "private number", "not available", "n/a", "na",
    "none", "null", "-",
    "blocked", "no caller id", "cli withheld", "payphone",
}


class UnusableNumber(ValueError):
    """A caller 'number' that is not a number (e.g. Excel's 7.7009E+10): not hashed."""


_SEPARATORS = re.compile(r"[\s\-().\u00a0/]")
_EXCEL_NUMBER = re.compile(r"^\d(?:\.\d+)?[eE]\+?\d+$")


def normalise_number(text: str) -> str | None:
    """The UK national form of a number ('07700900123'); None when withheld or absent.

    '+447700900123', '0044 7700 900123', '447700900123', "'07700 900123" and Excel's
    '7700900123' (leading zero lost) all give '07700900123'. Short internal extensions are kept.
    Raises UnusableNumber for values that lost digits (scientific notation) or are not numbers.
    """
    value = text.strip().strip("'\"").strip()
    if value.casefold() in WITHHELD:
        return None
    if _EXCEL_NUMBER.match(value.replace(",", "")):
        raise UnusableNumber(f"'{text}' was turned into a rounded number (by Excel); "
                             "its digits are lost")
    if value.lower().startswith(("sip:", "tel:")):
        value = value.split(":", 1)[1].split("@", 1)[0]
    if value.endswith(".0") and value[:-2].isdigit():
        value = value[:-2]  # a number column saved as a float
    digits = _SEPARATORS.sub("", value)
    if digits.startswith("+"):
        digits = "00" + digits[1:]
    if not digits.isdigit():
        raise UnusableNumber(f"'{text}' is not a telephone number")
    if digits.startswith("0044"):
        digits = "0" + digits[4:].lstrip("0")
    elif digits.startswith("44") and len(digits) == 12:
        digits = "0" + digits[2:]
    elif len(digits) == 10 and digits[0] in "123578":
        digits = "0" + digits  # Excel dropped the leading zero of a UK number
    return digits


def caller_key(conn: sqlite3.Connection) -> bytes:
    """The database's hashing key, made on first use."""
    value = queries.get_setting(conn, KEY_SETTING)
    if value is None:
        value = secrets.token_hex(32)
        queries.set_setting(conn, KEY_SETTING, value)
    return bytes.fromhex(value)


def digest64(hex_digest: str) -> int:
    """The first 64 bits of a hex digest as a signed integer, as SQLite stores keys and caller
    hashes (64 bits tell apart a practice's callers and a day's calls; one-way all the same)."""
    return int.from_bytes(bytes.fromhex(hex_digest[:16]), "big", signed=True)


def stored(caller_hash: str | None) -> int | None:
    """The part of a caller hash kept in the database."""
    return digest64(caller_hash) if caller_hash else None


def hash_number(key: bytes, normalised: str | None) -> str | None:
    if normalised is None:
        return None
    return hmac.new(key, normalised.encode("ascii"), hashlib.sha256).hexdigest()


class CallerHasher:
    """Normalise and hash caller numbers with a database's key, memoised per distinct text."""

    def __init__(self, conn: sqlite3.Connection):
        self._key = caller_key(conn)
        self._cache: dict[str, str | None | UnusableNumber] = {}
        self.unusable = 0

    def _hash(self, text: str) -> str | None | UnusableNumber:
        hit = self._cache.get(text, ...)
        if hit is ...:
            try:
                hit = hash_number(self._key, normalise_number(text))
            except UnusableNumber as exc:
                hit = exc
            if len(self._cache) < 200_000:
                self._cache[text] = hit
        return hit

    def column(self, texts: list[str]) -> list[str | None]:
        """The hash of every text (None when withheld or unusable), once per distinct text."""
        rows = Counter(texts)
        hashes = dict(zip(rows, self.distinct(list(rows), list(rows.values())), strict=True))
        return [hashes[text] for text in texts]

    def distinct(self, texts: list[str], rows: list[int]) -> list[str | None]:
        """The hash of each of these distinct texts (None when withheld or unusable); `rows`:
        how many rows have each text, for the count of unusable numbers."""
        hashes = [self._hash(text) for text in texts]
        for k, hit in enumerate(hashes):
            if isinstance(hit, UnusableNumber):
                self.unusable += rows[k]
                hashes[k] = None
        return hashes  # type: ignore[return-value]
