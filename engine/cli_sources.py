"""The data arguments shared by the commands that read data (``profile``, ``score``, ``drift``).

``DATA`` is a file or a database URL; ``--table`` / ``--sql`` / ``--schema`` pick what to read
from a database, ``--sheet`` the Excel sheet, ``--ask-password`` prompts for the password
(or the ``GRISTMILL_DB_PASSWORD`` environment variable gives it, for schedulers).
"""

from __future__ import annotations

import argparse
from typing import Any

from engine.sources.base import Source


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
    return source, password
