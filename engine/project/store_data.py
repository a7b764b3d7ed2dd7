"""A source's table data in the project: its schema, fingerprint and kept copy (snapshot).

:class:`TableDataMixin` holds these methods of :class:`~engine.project.store.Project`; the
transactions it runs come from ``Project._transaction`` in :mod:`engine.project.store`.
:func:`schema_row` and :func:`fingerprint_row` build the stored rows, also for the
all-in-one writes in :mod:`engine.project.store_sources`.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from sqlalchemy import delete

from engine.jobs import CancelToken, Job, ProgressCallback
from engine.profile.schema import Schema
from engine.project import snapshot as snapshots
from engine.project.fingerprint import DatasetFingerprint
from engine.project.migrations import utc_now
from engine.project.records import fingerprint_from_row, source_row
from engine.project.tables import FingerprintRow, SchemaRow, SnapshotRow

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

    import pandas as pd
    from sqlalchemy.orm import Session


class TableDataMixin:
    """Schema, fingerprint and snapshot of each source. Mixed into ``Project``."""

    if TYPE_CHECKING:
        # Provided by Project (engine.project.store): one transaction, locked if it writes.
        def _transaction(
            self, action: str, *, write: bool = False
        ) -> AbstractContextManager[Session]: ...

    def save_schema(self, source_id: int, schema: Schema) -> None:
        """Store the column kinds and roles of a source (replacing the previous ones)."""
        with self._transaction("save the column types", write=True) as session:
            source_row(session, source_id)
            session.merge(schema_row(source_id, schema))

    def load_schema(self, source_id: int) -> Schema | None:
        """The stored schema of a source, or None if none was saved."""
        with self._transaction("read the column types") as session:
            source_row(session, source_id)
            row = session.get(SchemaRow, source_id)
            return None if row is None else Schema.from_dict(json.loads(row.schema_json))

    def save_fingerprint(self, source_id: int, fingerprint: DatasetFingerprint) -> None:
        """Store the fingerprint of a source's table (replacing the previous one)."""
        with self._transaction("save the data fingerprint", write=True) as session:
            source_row(session, source_id)
            session.merge(fingerprint_row(source_id, fingerprint))

    def load_fingerprint(self, source_id: int) -> DatasetFingerprint | None:
        """The stored fingerprint of a source, or None."""
        with self._transaction("read the data fingerprint") as session:
            source_row(session, source_id)
            return fingerprint_from_row(session.get(FingerprintRow, source_id))

    def save_snapshot(
        self,
        source_id: int,
        frame: pd.DataFrame,
        progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
    ) -> None:
        """Keep a copy of a source's table in the project (replacing the previous copy).

        Cancelling leaves the previous copy in place.
        """
        job = Job(progress, cancel)
        with self._transaction("save the copy of the table") as session:
            source_row(session, source_id)
        data = snapshots.encode_frame(frame, job.sub(0.0, 0.6))
        with self._transaction("save the copy of the table", write=True) as session:
            source_row(session, source_id)
            snapshots.write_snapshot(
                session, source_id, data, len(frame), utc_now(), job.sub(0.6, 1.0)
            )
        job.done("Copy of the table saved")

    def load_snapshot(
        self,
        source_id: int,
        progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
    ) -> pd.DataFrame | None:
        """The kept copy of a source's table, or None if there is none."""
        job = Job(progress, cancel)
        with self._transaction("read the copy of the table") as session:
            source_row(session, source_id)
            data = snapshots.read_snapshot(session, source_id, job.sub(0.0, 0.3))
        if data is None:
            return None
        frame = snapshots.decode_frame(data, job.sub(0.3, 1.0))
        job.done("Copy of the table read")
        return frame

    def remove_snapshot(self, source_id: int) -> None:
        """Drop the kept copy of a source's table (:meth:`compact` then shrinks the file)."""
        with self._transaction("remove the copy of the table", write=True) as session:
            source_row(session, source_id)
            session.execute(delete(SnapshotRow).where(SnapshotRow.source_id == source_id))


def schema_row(source_id: int, schema: Schema) -> SchemaRow:
    """The stored row for a source's schema, stamped now."""
    return SchemaRow(
        source_id=source_id,
        schema_json=json.dumps(schema.to_dict(), ensure_ascii=False),
        updated_at=utc_now(),
    )


def fingerprint_row(source_id: int, fingerprint: DatasetFingerprint) -> FingerprintRow:
    """The stored row for a source's fingerprint, stamped now."""
    return FingerprintRow(
        source_id=source_id,
        rows=fingerprint.rows,
        columns_json=json.dumps(fingerprint.to_dict()["columns"], ensure_ascii=False),
        content_hash=fingerprint.content_hash,
        updated_at=utc_now(),
    )
