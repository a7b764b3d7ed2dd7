"""The drift history kept in the project: every check with its figures and its full report.

:class:`DriftMixin` holds these methods of :class:`~engine.project.store.Project`. Each check
is one row: its history entry (``HistoryEntry.to_dict()``: the headline and each column's
status, PSI and missing rate, small and read for trends) and the whole report
(``DriftReport.to_dict()``, read only to reopen a past report). The project layer stores
these as JSON and does not interpret them beyond the few fields it lists by
(:mod:`engine.monitor.history` turns them back into objects).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from engine.errors import ProjectError
from engine.project.migrations import utc_now
from engine.project.tables import DriftHistoryRow, ExportRow

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

    from sqlalchemy.orm import Session

_REQUIRED = ("checked_at", "model", "source", "level")
"""Entry fields the project lists checks by; the rest of the entry is kept as it is."""


@dataclass(frozen=True)
class DriftCheckRow:
    """A stored drift check (without its full report, read with ``load_drift_report``)."""

    id: int
    checked_at: str  # UTC ISO 8601, as the check wrote it
    model: str
    source: str
    level: str
    entry: dict[str, Any]


def json_text(value: Any, indent: int | None = None) -> str:
    """``value`` as strict JSON; a figure that could not be computed (NaN, inf) becomes null.

    JSON has no NaN, and a check that took an hour must not fail to be recorded over one.
    """
    return json.dumps(_finite(value), ensure_ascii=False, allow_nan=False, indent=indent)


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(item) for item in value]
    return value


class DriftMixin:
    """Drift checks. Mixed into ``Project``."""

    if TYPE_CHECKING:

        def _transaction(
            self, action: str, *, write: bool = False
        ) -> AbstractContextManager[Session]: ...

    def save_drift_check(
        self, entry: dict[str, Any], report: dict[str, Any], export_id: int | None = None
    ) -> int:
        """Keep one drift check (its history entry and full report); returns its id.

        ``export_id`` ties the check to an export of this project. Without it, the check is
        tied to the export whose bytes are the checked model file (same SHA-256 as the
        entry's ``model_fingerprint``), if the project holds one.
        """
        missing = [key for key in _REQUIRED if not isinstance(entry.get(key), str)]
        if missing:
            raise ProjectError(
                "Could not save the drift check: it has no "
                + ", ".join(key.replace("_", " ") for key in missing) + "."
            )
        fingerprint = str(entry.get("model_fingerprint") or "")
        entry_json, report_json = json_text(entry), json_text(report)
        with self._transaction("save the drift check", write=True) as session:
            if export_id is not None and session.get(ExportRow, export_id) is None:
                raise ProjectError(f"This project has no exported model number {export_id}.")
            if export_id is None and fingerprint:
                export_id = session.scalar(
                    select(ExportRow.id)
                    .where(ExportRow.sha256 == fingerprint)
                    .order_by(ExportRow.id.desc())
                    .limit(1)
                )
            row = DriftHistoryRow(
                export_id=export_id,
                checked_at=entry["checked_at"],
                model=entry["model"],
                model_fingerprint=fingerprint,
                source=entry["source"],
                level=entry["level"],
                entry_json=entry_json,
                report_json=report_json,
                created_at=utc_now(),
            )
            session.add(row)
            session.flush()
            return int(row.id)

    def list_drift_checks(self, model: str | None = None) -> list[DriftCheckRow]:
        """Every stored drift check (of the model named ``model`` if given), oldest first."""
        with self._transaction("read the drift history") as session:
            # Only the small columns: the full reports stay on disk until one is reopened.
            query = select(
                DriftHistoryRow.id,
                DriftHistoryRow.checked_at,
                DriftHistoryRow.model,
                DriftHistoryRow.source,
                DriftHistoryRow.level,
                DriftHistoryRow.entry_json,
            ).order_by(DriftHistoryRow.id)
            if model is not None:
                query = query.where(DriftHistoryRow.model == model)
            return [
                DriftCheckRow(
                    id=row.id,
                    checked_at=row.checked_at,
                    model=row.model,
                    source=row.source,
                    level=row.level,
                    entry=_loaded(row.entry_json, row.id),
                )
                for row in session.execute(query)
            ]

    def load_drift_report(self, check_id: int) -> dict[str, Any]:
        """The full report (``DriftReport.to_dict()``) of the stored check ``check_id``."""
        with self._transaction("read a past drift report") as session:
            text = session.scalar(
                select(DriftHistoryRow.report_json).where(DriftHistoryRow.id == check_id)
            )
            if text is None:
                raise ProjectError(
                    f"This project has no drift check number {check_id}.",
                    "It may have been removed; choose one from the history.",
                )
            return _loaded(text, check_id)


def _loaded(text: str, check_id: int) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError:
        value = None
    if not isinstance(value, dict):
        raise ProjectError(
            f"The stored drift check {check_id} is damaged and cannot be read.",
            "Open a backup copy of the project, or run the check again.",
        )
    return value
