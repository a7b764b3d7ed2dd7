"""The Problem panel on the sample churn data, in a real project file.

The table is churn.csv plus one leaky column, ``account_status`` ("closed" for the customers
who churned, "open" for the others): the kind of column a real export carries, which the
leakage guard must flag and the user may keep anyway.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from churn_tables import churn_table as new_churn_table
from PySide6.QtCore import Qt

from desktop.panels.context import ActiveTable
from desktop.panels.problem_panel import NO_TARGET, ProblemPanel
from desktop.tasks import TaskRunner
from engine import api
from engine.problem.metrics import METRICS

WAIT = 30_000  # ms; generous for a loaded 2-core machine, never slept


def churn_table(path: Path) -> ActiveTable:
    """A new project at ``path`` holding churn.csv plus the leaky ``account_status``."""
    def leak(frame: pd.DataFrame) -> None:
        frame["account_status"] = np.where(frame["churned"], "closed", "open")

    return new_churn_table(path, leak)


def reopened(table: ActiveTable) -> ActiveTable:
    """The same table read back from the project file, as after restarting the window."""
    project = api.open_project(table.project.path)
    opened = api.open_table(project, table.source_id)
    return ActiveTable(project, table.source_id, table.name, opened.frame, opened.schema)


@pytest.fixture
def panel(qtbot, runner: TaskRunner) -> ProblemPanel:
    panel = ProblemPanel(runner)
    qtbot.addWidget(panel)
    panel.resize(1200, 800)
    panel.show()
    return panel


@pytest.fixture
def table(tmp_path: Path) -> ActiveTable:
    return churn_table(tmp_path / "churn.gristmill")


def defined(qtbot, panel: ProblemPanel) -> None:
    """Wait until the engine answered (the panel shows a problem and is not busy)."""
    qtbot.waitUntil(lambda: not panel.busy and panel.current_problem is not None, timeout=WAIT)


def test_without_a_table_it_waits_and_says_what_to_do(panel: ProblemPanel) -> None:
    assert panel.status == "waiting"
    assert "Data step" in panel.message.text()
    assert not panel.form.isVisible()
    assert not panel.target_combo.isEnabled()


def test_picking_churned_shows_binary_the_reason_and_the_metric(
    qtbot, panel: ProblemPanel, table: ActiveTable
) -> None:
    with qtbot.waitSignal(panel.status_changed) as status:
        panel.set_table(table)
    assert status.args == ["to do"]
    items = [panel.target_combo.itemText(i) for i in range(panel.target_combo.count())]
    assert "churned" in items and NO_TARGET in items
    panel.choose_target("churned")
    defined(qtbot, panel)

    problem = panel.current_problem
    assert problem.task.value == "binary" and problem.positive_class == "yes"
    assert "binary" in panel.choices.task_combo.currentText()
    assert problem.reason and problem.reason in panel.choices.reason_label.text()
    assert panel.choices.positive_combo.isVisible()
    assert panel.choices.positive_combo.currentText() == "yes"
    metrics = panel.choices.metric_combo
    labels = [metrics.itemText(i) for i in range(metrics.count())]
    roc = labels.index("ROC AUC")
    assert metrics.itemData(roc, Qt.ItemDataRole.ToolTipRole) == METRICS["roc_auc"].explanation
    assert metrics.currentText() == "ROC AUC"
    assert METRICS["roc_auc"].explanation in metrics.toolTip()
    assert "20.8%" in panel.choices.balance_label.text()
    assert panel.validation.split_combo.currentText() == "Time-ordered"
    assert panel.validation.date_combo.currentText() == "signup_date"

    # Choices the engine need not check are applied on the spot.
    metrics.setCurrentIndex(labels.index("Precision-recall AUC"))
    panel.validation.holdout_spin.setValue(25)
    panel.choices.weights_check.setChecked(True)
    assert not panel.busy
    problem = panel.current_problem
    assert problem.metric == "pr_auc" and problem.class_weights
    assert problem.validation.holdout_fraction == pytest.approx(0.25)
    assert panel.use_button.isEnabled() and panel.status == "to do"


def test_keeping_or_leaving_out_a_column_defines_the_problem_again(
    qtbot, panel: ProblemPanel, table: ActiveTable
) -> None:
    panel.set_table(table)
    panel.choose_target("churned")
    defined(qtbot, panel)
    finding = panel.columns.finding_item("account_status")
    assert finding is not None and finding.checkState() == Qt.CheckState.Unchecked
    assert "account_status" in panel.current_problem.excluded
    # An identifier cannot be a model input: shown, but it cannot be kept.
    identifier = panel.columns.finding_item("customer_id")
    assert identifier is not None and not identifier.flags() & Qt.ItemFlag.ItemIsEnabled

    finding.setCheckState(Qt.CheckState.Checked)
    assert panel.busy  # the engine is asked again
    defined(qtbot, panel)
    assert "account_status" in panel.current_problem.features
    assert "account_status" not in panel.current_problem.excluded
    assert panel.columns.feature_item("account_status").checkState() == Qt.CheckState.Checked

    panel.columns.finding_item("account_status").setCheckState(Qt.CheckState.Unchecked)
    defined(qtbot, panel)
    assert "account_status" in panel.current_problem.excluded

    panel.columns.feature_item("age").setCheckState(Qt.CheckState.Unchecked)
    defined(qtbot, panel)
    assert "age" in panel.current_problem.excluded
    assert "age" not in panel.current_problem.features
    assert "age" in panel.columns.summary.text()


def test_use_this_problem_saves_it_and_reopening_fills_it_in_again(
    qtbot, panel: ProblemPanel, table: ActiveTable, runner: TaskRunner
) -> None:
    panel.set_table(table)
    panel.choose_target("churned")
    defined(qtbot, panel)
    panel.choices.metric_combo.setCurrentIndex(panel.choices.metric_combo.findData("pr_auc"))
    panel.validation.folds_spin.setValue(3)
    with qtbot.waitSignal(panel.problem_ready) as ready:
        qtbot.mouseClick(panel.use_button, Qt.MouseButton.LeftButton)
    saved = panel.problem
    assert saved is not None and saved == panel.current_problem
    assert ready.args == [saved]
    assert saved.metric == "pr_auc" and saved.validation.folds == 3
    assert panel.status == "done" and not panel.use_button.isEnabled()
    assert "Saved in the project" in panel.saved_label.text()

    again = reopened(table)
    assert again.project.load_problem(table.source_id) == saved
    other = ProblemPanel(runner)
    qtbot.addWidget(other)
    other.set_table(again)
    assert other.problem == saved and other.status == "done"
    defined(qtbot, other)
    assert other.current_problem == saved
    assert other.target_combo.currentText() == "churned"
    assert other.choices.metric_combo.currentText() == "Precision-recall AUC"
    assert other.validation.folds_spin.value() == 3
    assert "Saved in the project" in other.saved_label.text()
    again.project.close()


def test_a_choice_the_engine_refuses_is_explained_and_undone(
    qtbot, panel: ProblemPanel, table: ActiveTable
) -> None:
    panel.set_table(table)
    panel.choose_target("region")
    defined(qtbot, panel)
    assert panel.current_problem.task.value == "multiclass"
    combo = panel.choices.task_combo
    combo.setCurrentIndex(combo.findData("binary"))
    qtbot.waitUntil(lambda: not panel.busy, timeout=WAIT)
    assert "exactly 2 classes" in panel.message.text()
    assert panel.current_problem.task.value == "multiclass"
    assert combo.currentData() == "multiclass"
    assert panel.form.isVisible()


def test_no_target_offers_groups_or_unusual_rows(
    qtbot, panel: ProblemPanel, table: ActiveTable
) -> None:
    panel.set_table(table)
    panel.choose_target(None)
    defined(qtbot, panel)
    combo = panel.choices.task_combo
    assert [combo.itemData(i) for i in range(combo.count())] == ["clustering", "anomaly"]
    assert panel.current_problem.task.value == "clustering"
    assert panel.choices.clusters_spin.isVisible()
    assert not panel.validation.isVisible()
    combo.setCurrentIndex(combo.findData("anomaly"))
    defined(qtbot, panel)
    assert panel.current_problem.task.value == "anomaly"
    assert panel.current_problem.metric == "flagged_share"
