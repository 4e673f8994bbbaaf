"""The command line (metrics.md, "Command line"): the same engine as the GUI, without Qt."""

from __future__ import annotations

import argparse
import json
import logging
import sqlite3
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from local_db import queries
from local_db.connection import DatabaseError, open_database, resolve_db_path, restore_backup
from local_db.faults import explain
from practice_desk import __version__
from practice_desk.applog import log_file, setup_logging
from practice_desk.importing import import_file, undo_import
from practice_desk.metrics import Selection, SelectionError, metric_rows, metrics_document
from practice_desk.metrics.keys import APPOINTMENT_KEYS, format_value
from practice_desk.reports.scope import ExportScope, default_scope
from practice_desk.selftest import ChartRenderer, run_self_test

# (conn, scope, folder, anonymise) -> the PNG files written; supplied by the app (needs Qt).
PackRenderer = Callable[[sqlite3.Connection, ExportScope, Path, bool], list[Path]]

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2

log = logging.getLogger(__name__)


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="practice-desk",
        description="Practice Desk: GP access data (telephony, appointments, NHS App) "
                    "on your own PC. Run without arguments to open the app.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--self-test", action="store_true",
                        help="headless end-to-end check; exit status 0 when healthy")
    db = argparse.ArgumentParser(add_help=False)
    db.add_argument("--db", metavar="FILE", help="database file (default: your data folder, "
                                                 "or the PRACTICE_DESK_DB environment variable)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("import", parents=[db], help="import files (kind found from content)",
                       epilog=_mapping_epilog(argv),
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--practice", metavar="ODS",
                   help="the practice a call log belongs to (call logs do not name it)")
    p.add_argument("--mapping", metavar="NAME",
                   help="read the files with this built-in preset or saved column mapping "
                        "(listed below)")
    sub.add_parser("imports", parents=[db], help="list imports (id, kind, file, rows, status)")
    p = sub.add_parser("undo", parents=[db], help="remove everything one import added")
    p.add_argument("import_id", type=int, metavar="ID")
    p = sub.add_parser("metrics", parents=[db], help="metrics for a practice or a PCN, per month")
    scope = p.add_mutually_exclusive_group(required=True)
    scope.add_argument("--practice", metavar="ODS")
    scope.add_argument("--pcn", metavar="CODE")
    p.add_argument("--from", dest="start", metavar="YYYY-MM")
    p.add_argument("--to", dest="end", metavar="YYYY-MM")
    p.add_argument("--json", action="store_true", help="print one JSON object (all keys)")
    p = sub.add_parser("export", parents=[db],
                       help="write an Excel workbook or the chart pack (PNG) for a selection")
    target = p.add_mutually_exclusive_group(required=True)
    target.add_argument("--xlsx", metavar="OUT.xlsx", help="the workbook to write")
    target.add_argument("--png", metavar="OUT_DIR", help="the folder for the chart images")
    scope = p.add_mutually_exclusive_group()  # neither: the PCN, else every practice with data
    scope.add_argument("--practice", metavar="ODS", nargs="+")
    scope.add_argument("--pcn", metavar="CODE")
    p.add_argument("--from", dest="start", metavar="YYYY-MM")
    p.add_argument("--to", dest="end", metavar="YYYY-MM")
    p.add_argument("--anonymise", action="store_true",
                   help="show practices as Practice A, B, ... instead of their names")
    sub.add_parser("demo", parents=[db], help="load the built-in demo dataset (labelled DEMO)")
    p = sub.add_parser("restore-backup", parents=[db],
                       help="put the newest (or the given) backup in place of the database")
    p.add_argument("backup", nargs="?", metavar="BACKUP_FILE")
    return parser


def main(argv: Sequence[str] | None = None, render_chart: ChartRenderer | None = None,
         render_pack: PackRenderer | None = None) -> int:
    """`render_chart` and `render_pack` draw charts; they come from the app (they need Qt)."""
    setup_logging()  # warnings go to the log file, never as a traceback on the screen
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    args.render_pack = render_pack
    if args.self_test:
        return run_self_test(render_chart)
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    try:
        return COMMANDS[args.command](args)
    except DatabaseError as exc:
        return _failed(str(exc))
    except (sqlite3.Error, OSError) as exc:  # met while working: diagnosed, never a traceback
        log.warning("%s failed", args.command, exc_info=True)
        return _failed(str(explain(exc, resolve_db_path(args.db), "use")))
    except (SelectionError, ValueError) as exc:
        print(f"practice-desk: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except Exception as exc:  # a fault of ours: the log has the traceback, the user a sentence
        log.exception("%s failed", args.command)
        return _failed(f"practice-desk {args.command} failed unexpectedly ({exc!r}). Your data "
                       f"is safe: an unfinished change is undone as a whole. The details are "
                       f"in the log: {log_file()}")


def _failed(message: str) -> int:
    log.warning("%s", message)
    print(message, file=sys.stderr)
    return EXIT_FAILED


def _progress_printer(name: str):
    shown = [-1]

    def progress(fraction: float, _message: str) -> None:
        percent = int(fraction * 100)
        if sys.stderr.isatty() and percent != shown[0]:
            shown[0] = percent
            print(f"\r{name}: {percent:3d}%", end="", file=sys.stderr, flush=True)
    return progress


def cmd_import(args: argparse.Namespace) -> int:
    conn = open_database(args.db)
    options = None
    if args.practice or args.mapping:
        from practice_desk.importing.mapping_step import resolve_mapping
        from practice_desk.importing.runner import ImportOptions

        mapping = resolve_mapping(conn, args.mapping) if args.mapping else None
        options = ImportOptions(practice=args.practice.strip().upper() if args.practice else None,
                                mapping=mapping)
    failed = False
    for path in args.paths:
        report = import_file(conn, path, progress=_progress_printer(path), options=options)
        if sys.stderr.isatty():
            print(file=sys.stderr)
        print(report.message, file=sys.stdout if report.ok else sys.stderr)
        for warning in report.warnings:
            print(f"  note: {warning}")
        failed = failed or not report.ok
    return EXIT_FAILED if failed else EXIT_OK


def _mapping_epilog(argv: Sequence[str] | None) -> str | None:
    """The presets and saved mappings `import --mapping` takes, for `import --help` only (the
    database is read, never created, and only then)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if "import" not in argv or not {"-h", "--help"} & set(argv):
        return None
    from practice_desk.importing.mapping import list_mappings
    from practice_desk.importing.mapping_step import mapping_choices

    given = argv[argv.index("--db") + 1] if "--db" in argv[:-1] else None
    saved = None
    try:
        path = resolve_db_path(given)
        if path.exists():
            conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            try:
                saved = list_mappings(conn)
            finally:
                conn.close()
    except (sqlite3.Error, OSError, ValueError):
        saved = None  # the help still lists the presets
    return mapping_choices(saved)


def cmd_imports(args: argparse.Namespace) -> int:
    conn = open_database(args.db)
    rows = queries.list_imports(conn)
    if not rows:
        print("No imports yet.")
        return EXIT_OK
    print(f"{'id':>4}  {'kind':<16} {'rows':>10}  {'periods':<17} {'status':<7} file")
    for row in rows:
        print(f"{row['id']:>4}  {row['kind']:<16} {row['rows_stored']:>10,}  "
              f"{row['periods']:<17} {row['status']:<7} {row['file_name']}")
    return EXIT_OK


def cmd_undo(args: argparse.Namespace) -> int:
    conn = open_database(args.db)
    print(undo_import(conn, args.import_id))
    return EXIT_OK


def cmd_metrics(args: argparse.Namespace) -> int:
    conn = open_database(args.db)
    selection = Selection(practice=args.practice, pcn=args.pcn, start=args.start, end=args.end)
    if args.json:
        print(json.dumps(metrics_document(conn, selection), indent=2))
        return EXIT_OK
    rows = metric_rows(conn, selection)
    if not rows:
        print(f"No data for {selection.code} in that range.")
    for row in rows:
        print(row["month"])
        for key in APPOINTMENT_KEYS:
            print(f"  {key:<26} {format_value(key, row[key])}")
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    conn = open_database(args.db)
    if args.practice or args.pcn:
        scope = ExportScope(practices=tuple(code.upper() for code in args.practice or ()),
                            pcn=args.pcn, start=args.start, end=args.end)
    else:
        scope = default_scope(conn, args.start, args.end)
    if args.xlsx:
        from practice_desk.reports.excel import write_workbook  # openpyxl only when needed

        written = write_workbook(conn, scope, Path(args.xlsx), anonymise=args.anonymise)
        print(f"Wrote {written}")
        return EXIT_OK
    if args.render_pack is None:
        print("practice-desk: the chart pack needs the app's renderer: run `practice-desk "
              "export --png ...` from the installed app", file=sys.stderr)
        return EXIT_FAILED
    files = args.render_pack(conn, scope, Path(args.png), args.anonymise)
    print(f"Wrote {len(files)} charts to {args.png}")
    return EXIT_OK


def cmd_demo(args: argparse.Namespace) -> int:
    from practice_desk.demo import DemoLoadError, load_demo  # only this command needs them

    conn = open_database(args.db)
    try:
        reports = load_demo(conn)
    except DemoLoadError as exc:
        return _failed(str(exc))
    for report in reports:
        print(report.message)
    return EXIT_OK if all(report.ok for report in reports) else EXIT_FAILED


def cmd_restore_backup(args: argparse.Namespace) -> int:
    restored = restore_backup(resolve_db_path(args.db), args.backup)
    print(restored.message)
    return EXIT_OK


COMMANDS = {
    "import": cmd_import, "imports": cmd_imports, "undo": cmd_undo, "metrics": cmd_metrics,
    "demo": cmd_demo, "restore-backup": cmd_restore_backup, "export": cmd_export,
}
