"""What the step panels share: the open project's active table.

The Data step publishes an :class:`ActiveTable` when a table is on screen; the Problem,
Prepare, Train, Evaluate and Deploy panels receive it through ``set_table`` and work from
it. A frozen value, so a panel can hand it to a worker thread without copying.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from engine.profile.schema import Schema
    from engine.project.store import Project


@dataclass(frozen=True)
class ActiveTable:
    """The table the user is working on: its project, source id, name, data and kinds."""

    project: Project
    source_id: int
    name: str
    frame: pd.DataFrame
    schema: Schema


def kinds_changed_key(source_id: int) -> str:
    """The project setting holding when the user last changed a column kind of a table."""
    return f"kinds_changed:{source_id}"


def note_kinds_changed(project: Project, source_id: int) -> None:
    """Record that a column kind changed now: runs trained before are out of date."""
    stamp = dt.datetime.now(dt.UTC).isoformat()
    project.set_setting(kinds_changed_key(source_id), stamp)


def kinds_changed_at(project: Project, source_id: int) -> dt.datetime | None:
    """When a column kind of the table last changed (None: never since it was added)."""
    value = project.get_setting(kinds_changed_key(source_id))
    try:
        return dt.datetime.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None
