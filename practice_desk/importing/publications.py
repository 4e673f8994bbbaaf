"""Saying what a workbook Practice Desk does not read is, and what to import instead.

NHS England's publications come with summary workbooks beside the files Practice Desk reads; a user
who picks the workbook is told which publication it is from (found by its title text) and which
file of that publication to import. The workbooks Practice Desk does read are listed from the one
list of importers, so the message and the README's list agree.
"""

from __future__ import annotations

from pathlib import Path

from practice_desk.importing import formats
from practice_desk.importing.problems import ImportFailed
from practice_desk.importing.workbooks import blank, open_workbook

TITLE_ROWS = 15  # rows of each sheet searched for the publication's title
# (words in the title, the publication, what to import instead). Most specific first.
PUBLICATIONS = [
    (("online consultation", "oc systems"),
     "NHS England's Submissions via Online Consultation Systems in General Practice",
     "import the monthly workbook whose 'Table 2' lists every practice ('Submissions via OC "
     "Systems in General Practice - <Month YYYY>.xlsx'); its other workbooks and CSV files are "
     "not read"),
    (("cloud based telephony",),
     "NHS England's Cloud Based Telephony data in General Practice",
     "import the monthly publication summary workbook (with its practice tables) or the daily "
     "CSV files"),
    (("general practice workforce", "practice-level csv definitions", "gp workforce"),
     "NHS England's General Practice Workforce",
     "import the practice-level detailed CSV ('<n> General Practice – <Month YYYY> Practice "
     "Level - Detailed.csv', in the month's zip)"),
    (("patients registered at a gp practice",),
     "NHS England's Patients Registered at a GP Practice",
     "import the 'all practices, totals' CSV (gp-reg-pat-prac-all.csv)"),
    (("appointments in general practice",),
     "NHS England's Appointments in General Practice (GPAD)",
     "import the practice-level crosstab (the month's 'Practice Level Crosstab' zip, as it is) "
     "and, for areas, the sub-ICB, regional or national-category CSV files"),
    (("gp patient survey",), "the GP Patient Survey",
     "Practice Desk does not read this survey; nothing to import from it"),
]


def readable_workbooks() -> list[str]:
    """The workbooks Practice Desk reads, from the list of importers."""
    return [f.importer.description for f in formats.FORMATS
            if f.importer.matches_workbook is not None or f.recognise_workbook is not None]


def _title_text(path: Path) -> str:
    try:
        book = open_workbook(path)
        words = list(book.sheet_names) + [
            str(cell) for sheet in book.sheet_names[:4]
            for row in book.head(sheet, TITLE_ROWS) for cell in row if not blank(cell)]
    except ImportFailed:
        return ""
    return " ".join(words).casefold()


def publication_of(path: Path) -> tuple[str, str] | None:
    """(publication, what to import instead) for an NHS England workbook not read, else None."""
    text = _title_text(path)
    for words, publication, instead in PUBLICATIONS:
        if any(word in text for word in words):
            return publication, instead
    return None


def workbook_message(path: Path, sheets: list[str]) -> str:
    shown = f" (sheets: {', '.join(sheets[:6])})" if sheets else ""
    reads = "; ".join(readable_workbooks())
    found = publication_of(path)
    if found is not None:
        publication, instead = found
        return (f"this is an Excel workbook from {publication}{shown}, but not one Practice Desk "
                f"reads: {instead}. Of workbooks it reads: {reads}.")
    return (f"this is an Excel workbook{shown}; Practice Desk does not read workbooks of this "
            f"kind. Of workbooks it reads: {reads}. For other NHS England publications import "
            "their CSV files.")
