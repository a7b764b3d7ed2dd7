"""The data sources a project remembers: add, list, rename, remove, and refresh their data.

:class:`SourcesMixin` holds these methods of :class:`~engine.project.store.Project`; the
transactions it runs come from ``Project._transaction`` in :mod:`engine.project.store`.
How a source is stored (no passwords, unique trimmed names) lives in
:mod:`engine.project.records`; the schema and fingerprint rows in
:mod:`engine.project.store_data`.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from engine.jobs import CancelToken, Job, ProgressCallback
from engine.profile.schema import Schema
from engine.project import snapshot as snapshots
from engine.project.fingerprint import DatasetFingerprint
from engine.project.migrations import utc_now
from engine.project.records import (
    SourceRecord,
    clean_name,
    record_from_rows,
    refuse_duplicate,
    source_row,
    storable,
)
from engine.project.store_data import fingerprint_row, schema_row
from engine.project.store_settings import ACTIVE_SOURCE
from engine.project.tables import FingerprintRow, SettingRow, SnapshotRow, SourceRow
from engine.sources.base import Source

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

    import pandas as pd
    from sqlalchemy.orm import Session


class SourcesMixin:
    """The project's data sources. Mixed into :class:`~engine.project.store.Project`."""

    if TYPE_CHECKING:
        # Provided by Project (engine.project.store): one transaction, locked if it writes.
        def _transaction(
            self, action: str, *, write: bool = False
        ) -> AbstractContextManager[Session]: ...

    def add_source(self, name: str, source: Source) -> int:
        """Remember a data source under a unique ``name``; returns its id."""
        name = clean_name(name)
        stored = storable(source)
        with self._transaction("add the data source", write=True) as session:
            return _insert_source(session, name, stored)

    def add_source_with_data(
        self,
        name: str,
        source: Source,
        schema: Schema,
        fingerprint: DatasetFingerprint,
        frame: pd.DataFrame | None = None,
        progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
        *,
        rename_if_taken: bool = False,
        make_active: bool = True,
    ) -> int:
        """Add a source with its schema, fingerprint and (if ``frame``) a copy of its table.

        All in one transaction, so a failure, a cancel or even a killed process leaves the
        project with all of it or none of it. The copy is compressed first, outside the
        transaction (cancellable, the file untouched). ``rename_if_taken`` picks
        ``name (2)``, ``name (3)``... when ``name`` is in use; ``make_active`` makes the new
        source the one the window shows. Returns the new source's id.
        """
        job = Job(progress, cancel)
        name = clean_name(name)
        stored = storable(source)
        data = None
        if frame is not None:
            data = snapshots.encode_frame(frame, job.sub(0.0, 0.6))
        with self._transaction("add the data source", write=True) as session:
            if rename_if_taken:
                name = _free_name(session, name)
            source_id = _insert_source(session, name, stored)
            session.add(schema_row(source_id, schema))
            session.add(fingerprint_row(source_id, fingerprint))
            if data is not None and frame is not None:
                snapshots.write_snapshot(
                    session, source_id, data, len(frame), utc_now(), job.sub(0.6, 1.0)
                )
            if make_active:
                session.merge(SettingRow(key=ACTIVE_SOURCE, value_json=json.dumps(source_id)))
        job.done("Saved in the project")
        return source_id

    def list_sources(self) -> list[SourceRecord]:
        """Every source, oldest first, with its fingerprint and whether a snapshot is kept."""
        with self._transaction("read the data sources") as session:
            rows = session.scalars(select(SourceRow).order_by(SourceRow.id)).all()
            prints = {row.source_id: row for row in session.scalars(select(FingerprintRow))}
            kept = set(session.scalars(select(SnapshotRow.source_id)))
            return [record_from_rows(row, prints.get(row.id), row.id in kept) for row in rows]

    def rename_source(self, source_id: int, name: str) -> None:
        """Give a source another unique name."""
        name = clean_name(name)
        with self._transaction("rename the data source", write=True) as session:
            row = source_row(session, source_id)
            if row.name != name:
                refuse_duplicate(session, name)
                row.name = name

    def remove_source(self, source_id: int) -> None:
        """Forget a source with its schema, fingerprint and snapshot."""
        with self._transaction("remove the data source", write=True) as session:
            session.delete(source_row(session, source_id))
            active = session.get(SettingRow, ACTIVE_SOURCE)
            if active is not None and json.loads(active.value_json) == source_id:
                session.delete(active)

    def replace_data(
        self,
        source_id: int,
        schema: Schema,
        fingerprint: DatasetFingerprint,
        frame: pd.DataFrame | None = None,
        progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
    ) -> None:
        """Store a source's new schema, fingerprint and (if ``frame``) copy of its table.

        One transaction, like :meth:`add_source_with_data`: the project keeps either the old
        three or the new three, never a mix.
        """
        job = Job(progress, cancel)
        with self._transaction("save the copy of the table") as session:
            source_row(session, source_id)  # fail before the long encoding
        data = None if frame is None else snapshots.encode_frame(frame, job.sub(0.0, 0.6))
        with self._transaction("save the refreshed table", write=True) as session:
            source_row(session, source_id)
            session.merge(schema_row(source_id, schema))
            session.merge(fingerprint_row(source_id, fingerprint))
            if data is not None and frame is not None:
                snapshots.write_snapshot(
                    session, source_id, data, len(frame), utc_now(), job.sub(0.6, 1.0)
                )
        job.done("Saved in the project")


def _insert_source(session: Session, name: str, stored: dict[str, Any]) -> int:
    """Add the source row (its name must be free); returns the new id."""
    refuse_duplicate(session, name)
    row = SourceRow(
        name=name,
        kind=stored["kind"],
        source_json=json.dumps(stored, ensure_ascii=False),
        created_at=utc_now(),
    )
    session.add(row)
    session.flush()
    return row.id


def _free_name(session: Session, name: str) -> str:
    """``name``, or ``name (2)``, ``name (3)``... whichever no source uses yet."""
    taken = set(session.scalars(select(SourceRow.name)))
    candidate, number = name, 2
    while candidate in taken:
        candidate, number = f"{name} ({number})", number + 1
    return candidate
