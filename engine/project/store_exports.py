"""Exported ONNX models kept in the project, so Monitor can use them without the files.

:class:`ExportsMixin` holds these methods of :class:`~engine.project.store.Project`. The
exact bytes of the exported file are kept (its metadata and drift reference are inside),
with their checksum and the parity gate's result.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from engine.errors import ProjectError
from engine.project.migrations import utc_now
from engine.project.store_runs import checked_bytes
from engine.project.tables import ExportRow, RunRow

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

    from sqlalchemy.orm import Session


@dataclass(frozen=True)
class ExportRecord:
    """An exported model stored in the project (without its bytes)."""

    id: int
    run_id: int
    name: str
    sha256: str
    parity: dict[str, Any]
    folder: str | None
    created_at: datetime


class ExportsMixin:
    """Exported models. Mixed into ``Project``."""

    if TYPE_CHECKING:

        def _transaction(
            self, action: str, *, write: bool = False
        ) -> AbstractContextManager[Session]: ...

    def save_export(
        self, run_id: int, name: str, onnx_bytes: bytes, parity: dict[str, Any],
        folder: str | None = None,
    ) -> int:
        """Keep an exported model's bytes; returns its export id."""
        with self._transaction("save the exported model", write=True) as session:
            if session.get(RunRow, run_id) is None:
                raise ProjectError(f"This project has no run number {run_id}.")
            row = ExportRow(
                run_id=run_id,
                name=name,
                onnx=onnx_bytes,
                sha256=hashlib.sha256(onnx_bytes).hexdigest(),
                parity_json=json.dumps(parity, allow_nan=False),
                folder=folder,
                created_at=utc_now(),
            )
            session.add(row)
            session.flush()
            return int(row.id)

    def list_exports(self, run_id: int | None = None) -> list[ExportRecord]:
        """Every exported model (of one run if given), oldest first."""
        with self._transaction("read the exported models") as session:
            query = select(ExportRow).order_by(ExportRow.id)
            if run_id is not None:
                query = query.where(ExportRow.run_id == run_id)
            return [
                ExportRecord(
                    id=row.id,
                    run_id=row.run_id,
                    name=row.name,
                    sha256=row.sha256,
                    parity=json.loads(row.parity_json),
                    folder=row.folder,
                    created_at=datetime.fromisoformat(row.created_at),
                )
                for row in session.scalars(query)
            ]

    def load_export_bytes(self, export_id: int) -> bytes:
        """The exact bytes of an exported ONNX model, checked against their checksum."""
        with self._transaction("read an exported model") as session:
            row = session.get(ExportRow, export_id)
            if row is None:
                raise ProjectError(f"This project has no exported model number {export_id}.")
            return checked_bytes(
                bytes(row.onnx), row.sha256, f"The stored export {export_id}",
                "Export the model again.",
            )
