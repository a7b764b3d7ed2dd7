"""The ``gristmill`` command line, for people and for schedulers.

Results go to stdout (plain text, or JSON with ``--json``), progress to stderr. Exit codes
are stable (:mod:`engine.exit_codes`): 2 for everything the user can fix (bad input, usage, a
project or output file that cannot be opened or written), 3 only for bugs, 130 Ctrl-C. ``profile``
lives here; ``train`` and ``evaluate`` in :mod:`engine.cli_modeling`. Every command calls
:mod:`engine.api`.
"""

from __future__ import annotations

import argparse
import errno
import json
import os
import sys
from collections.abc import Sequence
from typing import Any, TextIO

from engine import __version__, exit_codes
from engine.errors import InputError
from engine.jobs import Job

EXIT_OK = exit_codes.OK
EXIT_INPUT = exit_codes.USER_ERROR
EXIT_INTERNAL = exit_codes.INTERNAL_ERROR
EXIT_INTERRUPTED = exit_codes.INTERRUPTED

PASSWORD_ENV = "GRISTMILL_DB_PASSWORD"


class _Parser(argparse.ArgumentParser):
    """argparse exits with 2 on usage errors already; keep its message on one line."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        sys.stderr.write(f"gristmill: {message}\n")
        raise SystemExit(EXIT_INPUT)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="gristmill",
        description="Gristmill: build, export and monitor models offline.",
    )
    parser.add_argument("--version", action="version", version=f"gristmill {__version__}")
    parser.add_argument(
        "--debug", action="store_true", help="show the full traceback when something fails"
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    # Accept --debug after the subcommand as well; SUPPRESS keeps the top-level value when the
    # subcommand does not repeat it.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS
    )

    profile = commands.add_parser(
        "profile",
        parents=[common],
        help="load a file or a database table and describe its columns",
        description=(
            "Load a file (CSV, TSV, TXT, Excel, Parquet, JSON lines) or a database table or "
            "query, then print each column's kind, statistics and warnings."
        ),
    )
    profile.add_argument(
        "location",
        metavar="PATH_OR_URL",
        help="a data file, or a SQLAlchemy URL such as sqlite:///crm.db or "
        "postgresql://ana@dbhost/crm (no password in the URL: see --ask-password)",
    )
    what = profile.add_mutually_exclusive_group()
    what.add_argument("--table", help="database table or view to read")
    what.add_argument("--sql", help="a single SELECT statement to read")
    profile.add_argument("--schema", help="database schema of --table")
    profile.add_argument(
        "--sheet", help="Excel sheet, by name or number (1 = first; default: the first sheet)"
    )
    profile.add_argument(
        "--header-row",
        type=_positive_int,
        metavar="N",
        help="the row (1 = first line) that holds the column names (default: detected)",
    )
    profile.add_argument("--encoding", help="text encoding, e.g. utf-8, cp1252 (default: detected)")
    profile.add_argument(
        "--delimiter",
        choices=[",", ";", "tab", "|"],
        metavar="{, ; tab |}",
        help="field delimiter of a text file (default: detected)",
    )
    from engine.cli_sources import NUMBERS_PROFILE, add_number_arguments

    add_number_arguments(profile, NUMBERS_PROFILE)
    profile.add_argument(
        "--ask-password",
        action="store_true",
        help=f"prompt for the database password (else ${PASSWORD_ENV}, else the OS keychain)",
    )
    profile.add_argument("--json", action="store_true", help="print JSON instead of text")
    profile.add_argument(
        "--quiet", "-q", action="store_true", help="no progress messages on stderr"
    )
    profile.set_defaults(handler=_run_profile)

    from engine.cli_modeling import add_commands

    add_commands(commands, common)
    from engine.cli_score import add_commands as add_score_commands

    add_score_commands(commands, common)
    from engine.cli_export import add_commands as add_export_commands

    add_export_commands(commands, common)
    from engine.cli_drift import add_commands as add_drift_commands

    add_drift_commands(commands, common)
    return parser


def _positive_int(text: str) -> int:
    value = int(text) if text.isdigit() else 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a row number from 1 up, got {text!r}")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``gristmill`` console command; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_INPUT
    return _run(args)


USER_FIXABLE_ERRNOS = frozenset(
    getattr(errno, name)
    for name in ("ENOENT", "EACCES", "EPERM", "EROFS", "ENOSPC", "EDQUOT", "EISDIR", "ENOTDIR",
                 "ENAMETOOLONG", "EEXIST", "ELOOP", "EFBIG", "ENXIO")
    if hasattr(errno, name)
)
"""OSError numbers that mean a path the user gave is wrong, full, read-only or forbidden."""


def _run(args: argparse.Namespace) -> int:
    from engine.errors import GristmillError, ProjectError
    from engine.jobs import Cancelled

    try:
        return int(args.handler(args))
    except (InputError, ProjectError) as error:
        # A project file that cannot be opened, migrated or written is the user's to fix
        # (another file, free space, permissions), like any other bad input.
        _fail(str(error), args.debug)
        return EXIT_INPUT
    except (Cancelled, KeyboardInterrupt):
        if args.debug:
            import traceback

            traceback.print_exc(file=sys.stderr)
        sys.stderr.write("gristmill: interrupted.\n")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (e.g. `gristmill profile ... | head`): not an error. Point
        # stdout at devnull so the interpreter's final flush does not fail again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK
    except OSError as error:
        if error.errno not in USER_FIXABLE_ERRNOS:
            return _internal_error(error, args)
        # A file or folder the user named cannot be read or written: the user can fix it.
        where = f" {error.filename}" if error.filename else ""
        _fail(f"cannot use{where}: {error.strerror or error}. Check the path, the "
              "permissions and the free space.", args.debug)
        return EXIT_INPUT
    except GristmillError as error:
        _fail(str(error), args.debug)
        return EXIT_INTERNAL
    except Exception as error:  # a bug: say so plainly, traceback with --debug
        return _internal_error(error, args)


def _internal_error(error: BaseException, args: argparse.Namespace) -> int:
    from engine.sources.db_url import scrub_secrets

    # A driver's exception may quote a connection string: scrub before printing.
    detail = scrub_secrets(f"{type(error).__name__}: {error}", getattr(args, "location", None))
    _fail(
        f"internal error ({detail}). Please report it; run again with --debug for the "
        "details.",
        args.debug,
    )
    return EXIT_INTERNAL


def _fail(message: str, debug: bool) -> None:
    if debug:
        import traceback

        traceback.print_exc(file=sys.stderr)
    sys.stderr.write(f"gristmill: error: {message}\n")


class _StderrProgress:
    """Progress lines on stderr: redrawn in place on a terminal, every 10% otherwise."""

    def __init__(self, stream: TextIO, enabled: bool) -> None:
        self._stream = stream
        self._enabled = enabled
        self._tty = stream.isatty()
        self._last_decile = -1

    def __call__(self, fraction: float, message: str) -> None:
        if not self._enabled:
            return
        if self._tty:
            self._stream.write(f"\r{fraction:4.0%} {message[:70]:<70}")
            self._stream.flush()
            return
        decile = int(fraction * 10)
        if decile > self._last_decile:
            self._last_decile = decile
            self._stream.write(f"{fraction:4.0%} {message}\n")

    def finish(self) -> None:
        if self._enabled and self._tty:
            self._stream.write("\r" + " " * 76 + "\r")
            self._stream.flush()


def _database_password(url: str, ask: bool) -> tuple[str, str | None]:
    """The URL without its password, and the password from the URL, env, prompt or keychain."""
    from engine.sources.credentials import get_password, split_password

    clean_url, password = split_password(url)
    if password is not None:
        sys.stderr.write(
            "gristmill: note: a password in the URL is visible in your shell history; "
            f"prefer --ask-password or ${PASSWORD_ENV}.\n"
        )
        return clean_url, password
    if ask:
        import getpass

        return clean_url, getpass.getpass("Database password: ")
    if os.environ.get(PASSWORD_ENV):
        return clean_url, os.environ[PASSWORD_ENV]
    return clean_url, get_password(clean_url)


def _sheet_choice(location: str, sheet: str | None) -> str | int | None:
    """A sheet by name, or by 1-based number when no sheet has that name."""
    if sheet is None or not sheet.isdigit() or "://" in location:
        return sheet
    from engine.sources.files import list_sheets

    try:
        names = list_sheets(location)
    except InputError:
        names = []  # the load itself will explain what is wrong with the file
    if sheet in names:
        return sheet
    if not names:
        raise InputError(f"--sheet applies to Excel workbooks; {location} has no sheets.",
                         "Leave out --sheet for this file.")
    if int(sheet) < 1:
        raise InputError("Sheet numbers start at 1.", f"Give --sheet 1 up to --sheet {len(names)}.")
    return int(sheet) - 1


def _table_hint(url: str, password: str | None, shown: int = 12) -> str:
    """Name the tables and views the database has, so the user can pick one."""
    from engine import api

    tables = api.list_tables(url, password=password)  # a DatabaseError explains itself
    if not tables:
        return "The database has no tables or views; use --sql \"SELECT ...\"."
    names = [
        f"{t.qualified_name} ({t.kind}, about {t.row_estimate:,} rows)"
        if t.row_estimate is not None
        else f"{t.qualified_name} ({t.kind})"
        for t in tables[:shown]
    ]
    more = f", and {len(tables) - shown} more" if len(tables) > shown else ""
    return f"Give --table with one of: {'; '.join(names)}{more}. Or --sql \"SELECT ...\"."


def _run_profile(args: argparse.Namespace) -> int:
    from engine import api
    from engine.cli_sources import data_source, with_file_options

    source, password = data_source(args)
    file_options = {
        "header_row": None if args.header_row is None else args.header_row - 1,
        "encoding": args.encoding,
        "delimiter": "\t" if args.delimiter == "tab" else args.delimiter,
    }
    source = with_file_options(source, file_options)

    loading = _StderrProgress(sys.stderr, enabled=not args.quiet)
    try:
        loaded = api.load_table(source, password=password, progress=loading)
    finally:
        loading.finish()
    profiling = _StderrProgress(sys.stderr, enabled=not args.quiet)
    try:
        # One progress line for both steps: kinds take the first tenth, statistics the rest.
        job = Job(profiling)
        schema = api.infer_schema(loaded.frame, progress=job.sub(0.0, 0.1).step)
        profile = api.profile_table(loaded.frame, schema, progress=job.sub(0.1, 1.0).step)
    finally:
        profiling.finish()

    if args.json:
        document: dict[str, Any] = {
            "gristmill_version": __version__,
            "source": source.to_dict(),
            "load": loaded.report.to_dict(),
            "profile": profile.to_dict(),
        }
        # allow_nan=False: NaN and Infinity are not JSON; the profile must never contain them.
        json.dump(document, sys.stdout, indent=2, default=str, ensure_ascii=False, allow_nan=False)
        sys.stdout.write("\n")
        return EXIT_OK

    from engine.profile.text_report import format_profile

    out = sys.stdout
    out.write(f"Source: {source.label}\n")
    for note in loaded.report.notes:
        out.write(f"  {note}\n")
    for column, note in loaded.report.column_notes.items():
        out.write(f"  {column}: {note}\n")
    out.write("\n")
    out.write(format_profile(profile))
    out.write("\n")
    return EXIT_OK


if __name__ == "__main__":
    raise SystemExit(main())
