"""Caller numbers never reach the database, the exports or the log, in any written form."""

from __future__ import annotations

import gzip
import re
import sqlite3
import zipfile

import pytest

from local_db.connection import make_backup, open_database
from practice_desk import cli
from practice_desk.applog import setup_logging

CALLS = ["xon_export.csv", "3cx_cdr.csv", "custom_log.csv"]
MOBILE = re.compile(rb"(?:\+44|0)\s?7700\s?9\d{2}\s?\d{3}")


def caller_numbers(data_dir) -> set[str]:
    """Every caller number in the fixtures, as bare national digits (07700900123)."""
    found = set()
    for name in CALLS:
        for match in MOBILE.findall((data_dir / "calls" / name).read_bytes()):
            digits = re.sub(rb"\D", b"", match).decode()
            found.add("0" + digits[2:] if digits.startswith("44") else digits)
    return found


def written_forms(number: str) -> list[bytes]:
    """The number as text in the ways people and programs write it, plus UTF-16 for Excel."""
    national, tail = number, number[1:]
    forms = [national, f"{national[:5]} {national[5:]}", f"+44{tail}", f"44{tail}", f"+44 {tail}"]
    return [f.encode() for f in forms] + [f.encode("utf-16-le") for f in forms]


def assert_absent(blob: bytes, numbers: set[str], where: str) -> None:
    for number in numbers:
        for form in written_forms(number):
            assert form not in blob, f"{number} found in {where}"


def test_no_caller_number_in_database_exports_or_log(tmp_path, data_dir, monkeypatch, capsys):
    monkeypatch.setenv("PRACTICE_DESK_LOG_DIR", str(tmp_path / "logs"))
    log_file = setup_logging()
    numbers = caller_numbers(data_dir)
    assert len(numbers) >= 10
    with pytest.raises(AssertionError):  # the scan does find numbers where they are
        assert_absent((data_dir / "calls" / "xon_export.csv").read_bytes(), numbers, "fixture")
    db = tmp_path / "calls.sqlite"
    assert cli.main(["import", str(data_dir / "calls" / "xon_export.csv"), "--db", str(db),
                     "--practice", "E81050"]) == 0
    assert cli.main(["import", str(data_dir / "calls" / "3cx_cdr.csv"), "--db", str(db),
                     "--practice", "E81051"]) == 0
    out = tmp_path / "calls.xlsx"
    assert cli.main(["export", "--db", str(db), "--xlsx", str(out),
                     "--practice", "E81050", "E81051"]) == 0
    capsys.readouterr()
    connection = sqlite3.connect(db)
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()
    for path in db.parent.glob("calls.sqlite*"):
        assert_absent(path.read_bytes(), numbers, path.name)
    opened = open_database(db)
    backup = make_backup(opened, db, reason="by-hand")  # compressed: read it unpacked
    opened.close()
    assert_absent(gzip.decompress(backup.read_bytes()), numbers, backup.name)
    with zipfile.ZipFile(out) as workbook:
        for member in workbook.namelist():
            assert_absent(workbook.read(member), numbers, f"{out.name}:{member}")
    assert_absent(log_file.read_bytes(), numbers, log_file.name)
