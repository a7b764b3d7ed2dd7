"""The sample churn table in a real project, as the Data step hands it to the later steps."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd

from desktop.panels.context import ActiveTable
from engine import api


def churn_table(
    project_path: Path, change: Callable[[pd.DataFrame], None] | None = None
) -> ActiveTable:
    """A new project at ``project_path`` holding churn.csv (``change`` may edit it first)."""
    source = api.source_for(str(api.sample_data_dir() / "churn.csv"))
    loaded = api.load_table(source)
    if change is not None:
        change(loaded.frame)
    project = api.create_project(project_path)
    source_id = api.add_table(project, "Customer churn", source, loaded)
    return ActiveTable(project, source_id, "Customer churn", loaded.frame,
                       project.load_schema(source_id))


def churn_problem(table: ActiveTable) -> object:
    """The problem "predict churned" on ``table``."""
    return api.define_problem(table.frame, table.schema, "churned").problem
