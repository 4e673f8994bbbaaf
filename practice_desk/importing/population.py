"""'Patients Registered at a GP Practice' (NHS England, monthly): list sizes for per-1,000 rates."""

from __future__ import annotations

from practice_desk.importing.context import ImportContext, RowProblems
from practice_desk.importing.dates import BadDate, check_plausible, parse_day
from practice_desk.importing.importer import Importer
from practice_desk.importing.problems import ImportFailed
from practice_desk.importing.rows import column_index, note_encoding, parse_count
from practice_desk.importing.sources import Source, read_csv

COLUMNS = ["EXTRACT_DATE", "TYPE", "CODE", "SEX", "AGE", "NUMBER_OF_PATIENTS"]


def load_list_sizes(ctx: ImportContext, source: Source) -> None:
    reader = read_csv(source)
    note_encoding(ctx, reader)
    col = column_index(reader, COLUMNS)
    problems = RowProblems()
    sizes: dict[tuple[str, str], int] = {}
    for line, row in reader.rows:
        ctx.rows_read += 1
        if len(row) != len(reader.header):
            problems.add(source.problem(line, f"has {len(row)} fields where the header has "
                                              f"{len(reader.header)}"))
            continue
        if (row[col["TYPE"]].strip().upper() != "GP" or row[col["SEX"]].strip().upper() != "ALL"
                or row[col["AGE"]].strip().upper() != "ALL"):
            continue  # breakdown rows by sex or age; the totals are the denominators
        try:
            extract = parse_day(row[col["EXTRACT_DATE"]]).isoformat()
            check_plausible(extract)
            patients = parse_count(row[col["NUMBER_OF_PATIENTS"]])
        except (BadDate, ValueError) as exc:
            problems.add(source.problem(line, str(exc).replace("appointments", "patients")))
            continue
        key = (row[col["CODE"]].strip().upper(), extract)
        if key in sizes:
            problems.add(source.problem(line, "repeats an earlier row for the same practice and "
                                              "extract date"))
            continue
        sizes[key] = patients
    problems.raise_if_any()
    if not sizes:
        raise ImportFailed([source.problem(None, "no practice totals (TYPE GP, SEX ALL, AGE ALL); "
                                                 "import the 'all' file of the publication")])
    ctx.claim("list_size", set(sizes))  # before inserting: the table's key is (practice, date)
    ctx.conn.executemany(
        "INSERT INTO list_sizes (ods_code, extract_date, patients, import_id) VALUES (?, ?, ?, ?)",
        ((code, extract, n, ctx.import_id) for (code, extract), n in sizes.items()),
    )
    ctx.rows_stored += len(sizes)


LIST_SIZES = Importer(
    "list_sizes", "Patients Registered at a GP Practice (gp-reg-pat-prac-all.csv)",
    lambda h: {"EXTRACT_DATE", "CODE", "NUMBER_OF_PATIENTS"} <= h,
    load_list_sizes, order=1,
)
