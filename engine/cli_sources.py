"""The data arguments shared by the commands that read data (``profile``, ``score``, ``drift``).

``DATA`` is a file or a database URL; ``--table`` / ``--sql`` / ``--schema`` pick what to read
from a database, ``--sheet`` the Excel sheet, ``--ask-password`` prompts for the password
(or the ``GRISTMILL_DB_PASSWORD`` environment variable gives it, for schedulers).
"""

from __future__ import annotations

import argparse
from typing import Any

from engine.sources.base import DatabaseSource, Source

THOUSANDS_CHOICES = {"none": "", "space": " ", ".": ".", ",": ","}
"""``--thousands`` words -> the separator a :class:`FileSource` stores ("" = none)."""


def add_data_arguments(command: argparse.ArgumentParser, verb: str) -> None:
    """Add ``DATA`` and its options to ``command``; ``verb`` says what is done ("score")."""
    command.add_argument(
        "location", metavar="DATA", help="a data file, or a database URL such as sqlite:///crm.db"
    )
    command.add_argument(
        "--sheet", help="Excel sheet, by name or number (1 = first; default: the first sheet)"
    )
    what = command.add_mutually_exclusive_group()
    what.add_argument("--table", help=f"database table or view to {verb}")
    what.add_argument("--sql", help=f"a single SELECT statement whose rows to {verb}")
    command.add_argument("--schema", help="database schema of --table")
    command.add_argument(
        "--ask-password", action="store_true", help="prompt for the database password"
    )
    add_number_arguments(command, NUMBERS_FOR_MODEL)


def data_source(args: Any) -> tuple[Source, str | None]:
    """The source the arguments name, and the database password if one is needed.

    A database without ``--table`` or ``--sql`` is refused with the tables it holds.
    """
    from engine import api
    from engine.cli import _database_password, _sheet_choice, _table_hint
    from engine.errors import InputError

    location, password = args.location, None
    if "://" in location:
        location, password = _database_password(location, args.ask_password)
        if args.table is None and args.sql is None:
            raise InputError(
                "A database needs either a table or a SQL query.",
                _table_hint(location, password),
            )
    source = api.source_for(
        location,
        table=args.table,
        sql=args.sql,
        db_schema=args.schema,
        sheet=_sheet_choice(location, args.sheet),
    )
    return with_file_options(source, number_options(args)), password


NUMBERS_STORED = (
    "stored with the table in --project, so export, score and drift read the numbers the "
    "same way"
)
NUMBERS_FOR_MODEL = "a model reads its columns the way it was trained first"
NUMBERS_PROFILE = "train --project stores the choice with the table"


def add_number_arguments(command: argparse.ArgumentParser, where: str) -> None:
    """Add ``--decimal`` and ``--thousands``: how the numbers of a text file are written;
    ``where`` says in the help what becomes of the choice (NUMBERS_STORED, ...)."""
    command.add_argument(
        "--decimal",
        choices=[".", ","],
        help="the decimal mark of a text file's numbers (default: detected), e.g. --decimal . "
        f"when every value has three decimals (40.650); {where}",
    )
    command.add_argument(
        "--thousands",
        choices=list(THOUSANDS_CHOICES),
        help="the thousands separator with --decimal (default: the one the values show)",
    )


def number_options(args: Any) -> dict[str, str | None]:
    """The number spelling the user chose, as :class:`FileSource` fields (None: detect)."""
    from engine.errors import InputError

    decimal = getattr(args, "decimal", None)
    word = getattr(args, "thousands", None)
    if word is not None and decimal is None:
        raise InputError(
            "--thousands needs --decimal: the separator is chosen with the decimal mark.",
            "For example: --decimal , --thousands .",
        )
    thousands = None if word is None else THOUSANDS_CHOICES[word]
    if decimal is not None and decimal == thousands:
        raise InputError(
            f"{decimal!r} cannot be both the decimal mark and the thousands separator.",
            "Choose another --thousands, or leave it out to have it detected.",
        )
    return {"decimal": decimal, "thousands": thousands}


def with_file_options(source: Source, options: dict[str, Any]) -> Source:
    """``source`` with the reading options the user chose; refused for a database, whose
    values are typed already."""
    from dataclasses import replace

    from engine.errors import InputError

    chosen = {key: value for key, value in options.items() if value is not None}
    if not chosen:
        return source
    if isinstance(source, DatabaseSource):
        names = ", ".join(f"--{key.replace('_', '-')}" for key in chosen)
        verb = "applies" if len(chosen) == 1 else "apply"
        raise InputError(
            f"{names} {verb} to files, not to databases.",
            "Leave them out: a database's columns carry their types.",
        )
    return replace(source, **chosen)
