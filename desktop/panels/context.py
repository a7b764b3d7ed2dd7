"""What the step panels share: the open project's active table.

The Data step publishes an :class:`ActiveTable` when a table is on screen; the Problem,
Prepare, Train, Evaluate and Deploy panels receive it through ``set_table`` and work from
it. A frozen value, so a panel can hand it to a worker thread without copying.
"""

from __future__ import annotations

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
