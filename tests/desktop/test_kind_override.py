"""Column kind overrides in the Data step: chosen in the profile, kept, saved and published."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QComboBox

from desktop.panels.data_panel import DataPanel
from desktop.tasks import TaskRunner
from desktop.widgets.profile_view import KIND_COLUMN
from engine import api
from engine.profile.schema import ColumnKind

WAIT = 30_000  # ms; generous for a loaded 2-core machine, never slept
COLUMN = "satisfaction_score"


@pytest.fixture
def panel(qtbot, runner: TaskRunner, tmp_path: Path) -> DataPanel:
    """The Data panel on a new project holding the sample churn table, opened."""
    project = api.create_project(tmp_path / "churn.gristmill")
    source = api.source_for(str(api.sample_data_dir() / "churn.csv"))
    api.add_table(project, "Customer churn", source, api.load_table(source))
    panel = DataPanel(runner)
    qtbot.addWidget(panel)
    panel.resize(1100, 700)
    panel.show()
    with qtbot.waitSignal(panel.table_opened, timeout=WAIT,
                          check_params_cb=lambda table: table is not None):
        panel.set_project(project)
    return panel


def kind_row(panel: DataPanel, name: str) -> int:
    profile = panel.profile_view.profile_model.profile
    assert profile is not None
    return [column.name for column in profile.columns].index(name)


def test_overriding_a_kind_saves_it_and_publishes_the_table(
    qtbot, panel: DataPanel
) -> None:
    project = panel._current[0]
    source_id = panel._current[1]
    before = project.load_schema(source_id)
    assert before[COLUMN].kind == ColumnKind.CATEGORICAL  # 5 whole-number values
    view = panel.profile_view
    index = view.profile_model.index(kind_row(panel, COLUMN), KIND_COLUMN)
    assert index.data() == "category"  # the word every step uses (kind_words)

    # As the user does it: double-click the Kind cell, pick "numeric" in the combo.
    view.setCurrentIndex(index)
    view.edit(index)
    combo = view.indexWidget(index) or view.findChild(QComboBox)
    assert isinstance(combo, QComboBox)
    assert combo.currentText() == "category"
    with qtbot.waitSignal(panel.table_opened, timeout=WAIT) as published:
        combo.setCurrentIndex(combo.findData("numeric"))
        combo.activated.emit(combo.currentIndex())

    table = published.args[0]
    assert table.schema[COLUMN].kind == ColumnKind.NUMERIC
    # Runs trained before this moment used the old kind: Train will say "out of date".
    from desktop.panels.context import kinds_changed_at

    assert kinds_changed_at(project, source_id) is not None
    assert table.schema[COLUMN].overridden
    stored = api.open_project(project.path).load_schema(source_id)
    assert stored[COLUMN].kind == ColumnKind.NUMERIC and stored[COLUMN].overridden
    # The other columns keep their inferred kinds; the profile now shows the new kind.
    assert [c.kind for c in stored.columns if c.name != COLUMN] == [
        c.kind for c in before.columns if c.name != COLUMN
    ]
    assert view.profile_model.index(kind_row(panel, COLUMN), KIND_COLUMN).data() == "number"
    assert "median" in view.profile_model.index(kind_row(panel, COLUMN), 4).data()
    assert "chosen by you" in view.profile_model.index(
        kind_row(panel, COLUMN), KIND_COLUMN
    ).data(3)  # ToolTipRole

    # Reopening the source keeps the user's choice.
    with qtbot.waitSignal(panel.table_opened, timeout=WAIT) as reopened:
        panel.refresh_sources()
    assert reopened.args[0].schema[COLUMN].kind == ColumnKind.NUMERIC


def test_a_kind_the_values_cannot_take_is_refused_in_words(qtbot, panel: DataPanel) -> None:
    project, source_id = panel._current[0], panel._current[1]
    before = project.load_schema(source_id)
    task = panel.override_kind("region", "numeric")
    qtbot.waitUntil(lambda: "was not changed" in panel.summary.text(), timeout=WAIT)
    assert task is not None
    text = panel.summary.text()
    assert "'region' cannot be read as numbers" in text and "'North'" in text
    assert project.load_schema(source_id)["region"].kind == before["region"].kind
    assert panel.profile_view.isEnabled()


def test_runs_trained_before_a_kind_change_are_out_of_date() -> None:
    import datetime as dt
    from types import SimpleNamespace

    from desktop.panels.train_panel import _status_of

    trained = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    run = SimpleNamespace(has_model=True, created_at=trained, problem=None)
    assert _status_of([run], None) == "done"
    assert _status_of([run], None, trained - dt.timedelta(days=1)) == "done"
    assert _status_of([run], None, trained + dt.timedelta(minutes=5)) == "out of date"
    assert _status_of([], None, trained) == "to do"
