"""Values that describe where a table comes from and what loading it found.

These dataclasses cross layers (engine, CLI, desktop, project file), so they are plain
values with ``to_dict``/``from_dict`` for JSON. None of them ever holds a password.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

FILE_SUFFIXES: dict[str, str] = {
    ".csv": "csv",
    ".tsv": "csv",
    ".txt": "csv",
    ".tab": "csv",
    ".xlsx": "excel",
    ".xlsm": "excel",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
}
"""File suffix -> reader format. ``.json`` is read as JSON lines (one object a line)."""


@dataclass(frozen=True)
class FileSource:
    """A table in a file. Options left as ``None`` are detected from the content."""

    path: str
    format: str | None = None  # "csv", "excel", "parquet", "jsonl"; None: from the suffix
    sheet: str | int | None = None  # Excel: sheet name or 0-based index; None: first sheet
    header_row: int | None = None  # 0-based row holding the header; None: detect
    encoding: str | None = None  # CSV: e.g. "utf-8", "cp1252"; None: detect
    delimiter: str | None = None  # CSV: one of , ; \t |; None: detect
    # How numbers are written in a text file, when the user chose it (a file where every
    # value has three decimals reads 40.650 as forty thousand otherwise): ``decimal`` is
    # "." or ","; ``thousands`` "." "," or " ", "" for no separator, None: detect.
    decimal: str | None = None
    thousands: str | None = None

    kind = "file"

    @property
    def label(self) -> str:
        name = Path(self.path).name
        if isinstance(self.sheet, int):
            return f"{name} [sheet {self.sheet + 1}]"  # people count sheets from 1
        return f"{name} [{self.sheet}]" if self.sheet is not None else name

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, **asdict(self)}


@dataclass(frozen=True)
class DatabaseSource:
    """A table, view or SELECT in a database reached through SQLAlchemy.

    ``url`` is a SQLAlchemy URL *without* a password (``postgresql+psycopg://ana@db:5432/crm``);
    the password lives in the OS keychain or is asked for each time (see
    :mod:`engine.sources.credentials`). Exactly one of ``table`` and ``sql`` is set.
    """

    url: str
    table: str | None = None
    schema: str | None = None
    sql: str | None = None

    kind = "database"

    @property
    def label(self) -> str:
        if self.table:
            qualified = f"{self.schema}.{self.table}" if self.schema else self.table
            return f"{qualified} @ {_url_without_password(self.url)}"
        return f"SQL query @ {_url_without_password(self.url)}"

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["url"] = _url_without_password(self.url)
        return {"kind": self.kind, **data}


Source = FileSource | DatabaseSource


def source_from_dict(data: dict[str, Any]) -> Source:
    """Rebuild a source saved with ``to_dict``."""
    values = {key: value for key, value in data.items() if key != "kind"}
    if data.get("kind") == "database":
        return DatabaseSource(**values)
    return FileSource(**values)


def _url_without_password(url: str) -> str:
    """``url`` with every password removed (user part, query options, ODBC string)."""
    from engine.errors import DatabaseError
    from engine.sources.db_url import redact_url

    try:
        return redact_url(url)
    except DatabaseError:  # an unparsable URL: show nothing that could be a secret
        return "<unparsable database URL>"


@dataclass
class LoadReport:
    """What loading decided, in plain words, so the user can check it.

    ``notes`` are table-wide decisions ("Encoding: cp1252 (Windows Western Europe)",
    "Delimiter: ';'", "Decimal comma detected"). ``column_notes`` explain per-column
    conversions ("dates written dd/mm/yyyy: 31/01/2024 rules out mm/dd").
    """

    source_label: str
    rows: int = 0
    notes: list[str] = field(default_factory=list)
    column_notes: dict[str, str] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)  # detected options, reusable

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class LoadedTable:
    """A table in memory and the report of how it was read."""

    frame: pd.DataFrame
    report: LoadReport
