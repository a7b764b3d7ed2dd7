"""What the project stores about a data source, and the rules it is stored by.

A source is kept as its ``to_dict()`` JSON. Database URLs lose any password here again, even
if the source forgot to drop it (through :func:`engine.sources.db_url.redact_url`, the one
password remover): the project file must never hold one. Names are trimmed, not blank and unique.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from engine.errors import DatabaseError, InputError, ProjectError
from engine.project.fingerprint import DatasetFingerprint
from engine.project.tables import FingerprintRow, SourceRow
from engine.sources.base import Source, source_from_dict
from engine.sources.db_url import redact_url

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


@dataclass(frozen=True)
class SourceRecord:
    """A source as the project remembers it."""

    id: int
    name: str
    source: Source
    created_at: datetime  # UTC
    fingerprint: DatasetFingerprint | None
    has_snapshot: bool


def record_from_rows(
    row: SourceRow, fingerprint: FingerprintRow | None, has_snapshot: bool
) -> SourceRecord:
    """The :class:`SourceRecord` of a stored source."""
    return SourceRecord(
        id=row.id,
        name=row.name,
        source=source_from_dict(json.loads(row.source_json)),
        created_at=datetime.fromisoformat(row.created_at),
        fingerprint=fingerprint_from_row(fingerprint),
        has_snapshot=has_snapshot,
    )


def storable(source: Source) -> dict[str, Any]:
    """The source's JSON, with any password removed from a database URL (checked again)."""
    data = source.to_dict()
    if data.get("kind") == "database":
        data["url"] = _url_without_secrets(str(data.get("url", "")))
    return data


def _url_without_secrets(url: str) -> str:
    try:
        return redact_url(url)
    except DatabaseError:  # its message never echoes the URL, but ours says what to do here
        raise InputError(
            "The database address cannot be read, so it cannot be saved in the project.",
            "Check the address (for example postgresql+psycopg://user@host:5432/database).",
        ) from None


def clean_name(name: str) -> str:
    """A source name with spaces tidied; raises InputError when it is blank."""
    cleaned = " ".join(str(name).split())
    if not cleaned:
        raise InputError("A data source needs a name.", "Type a name, for example 'Customers'.")
    return cleaned


def refuse_duplicate(session: Session, name: str) -> None:
    """Raise InputError when another source already has ``name``."""
    if session.scalar(select(SourceRow.id).where(SourceRow.name == name)) is not None:
        raise InputError(
            f"There is already a data source named {name!r} in this project.",
            "Choose another name.",
        )


def source_row(session: Session, source_id: int) -> SourceRow:
    """The row of source ``source_id``; raises ProjectError when there is none."""
    row = session.get(SourceRow, source_id)
    if row is None:
        raise ProjectError(
            f"There is no data source number {source_id} in this project.",
            "It may have been removed; choose one from the list of sources.",
        )
    return row


def fingerprint_from_row(row: FingerprintRow | None) -> DatasetFingerprint | None:
    """The fingerprint stored in ``row`` (None for no row)."""
    if row is None:
        return None
    return DatasetFingerprint(
        rows=row.rows,
        columns=[(name, dtype) for name, dtype in json.loads(row.columns_json)],
        content_hash=row.content_hash,
    )
