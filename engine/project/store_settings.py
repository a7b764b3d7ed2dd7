"""Project settings: small JSON values stored by key, such as :data:`ACTIVE_SOURCE`.

:class:`SettingsMixin` holds the settings methods of :class:`~engine.project.store.Project`;
the transactions it runs come from ``Project._transaction`` in :mod:`engine.project.store`.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select

from engine.errors import ProjectError
from engine.project.tables import SettingRow

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

    from sqlalchemy.orm import Session

ACTIVE_SOURCE = "active_source_id"
"""Setting key: the id of the source the window shows (cleared when that source goes)."""


class SettingsMixin:
    """Read and write project settings. Mixed into :class:`~engine.project.store.Project`."""

    if TYPE_CHECKING:
        # Provided by Project (engine.project.store): one transaction, locked if it writes.
        def _transaction(
            self, action: str, *, write: bool = False
        ) -> AbstractContextManager[Session]: ...

    def set_setting(self, key: str, value: Any) -> None:
        """Store a project setting; ``value`` must be plain JSON (text, numbers, lists...)."""
        try:
            encoded = json.dumps(value, ensure_ascii=False, allow_nan=False)
        except (TypeError, ValueError) as error:
            raise ProjectError(f"The setting {key!r} cannot be stored: {error}.") from error
        with self._transaction("save a project setting", write=True) as session:
            session.merge(SettingRow(key=key, value_json=encoded))

    def get_setting(self, key: str, default: Any = None) -> Any:
        """A project setting, or ``default`` when it was never set."""
        with self._transaction("read a project setting") as session:
            row = session.get(SettingRow, key)
            return default if row is None else json.loads(row.value_json)

    def delete_setting(self, key: str) -> None:
        """Forget a project setting (no error if it was not set)."""
        with self._transaction("remove a project setting", write=True) as session:
            session.execute(delete(SettingRow).where(SettingRow.key == key))

    def settings(self) -> dict[str, Any]:
        """Every project setting."""
        with self._transaction("read the project settings") as session:
            return {
                row.key: json.loads(row.value_json)
                for row in session.scalars(select(SettingRow).order_by(SettingRow.key))
            }
