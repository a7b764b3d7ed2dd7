"""The Train step: a real search on the sample churn data, a Stop that keeps what finished,
and bad input that ends in a message."""

from __future__ import annotations

import time

import pytest
from PySide6.QtCore import Qt, QTimer

from desktop.panels.context import ActiveTable
from desktop.panels.train_panel import (
    DISCARD_WORDS,
    FINISH_WORDS,
    FINISHING_WORDS,
    TrainPanel,
)
from desktop.tasks import TaskRunner

WAIT = 300_000  # ms: a timeout only (training under load 10 on 2 cores took 65 s); never slept


def _panel(qtbot, runner: TaskRunner, churn: tuple[ActiveTable, object]) -> TrainPanel:
    panel = TrainPanel(runner)
    qtbot.addWidget(panel)
    table, problem = churn
    panel.set_table(table)
    panel.set_problem(problem)
    panel.resize(1100, 650)
    panel.show()
    return panel


def _rows(panel: TrainPanel) -> list[list[str]]:
    model = panel.board.board_model
    return [
        [model.index(row, column).data() for column in range(model.columnCount())]
        for row in range(model.rowCount())
    ]


def test_status_follows_the_problem_and_the_families_follow_the_task(
    qtbot, runner: TaskRunner, churn_with_problem
) -> None:
    panel = TrainPanel(runner)
    qtbot.addWidget(panel)
    assert panel.status == "waiting" and not panel.start_button.isEnabled()
    assert "Choose a table in Data" in panel.message.text()
    table, problem = churn_with_problem
    statuses: list[str] = []
    panel.status_changed.connect(statuses.append)
    panel.set_table(table)
    assert statuses[-1] == "waiting"  # a table, but nothing to predict yet
    panel.set_problem(problem)
    has_model = any(run.has_model for run in table.project.list_runs(table.source_id))
    assert statuses[-1] == panel.status == ("done" if has_model else "to do")
    assert panel.start_button.isEnabled()
    offered = panel.form.offered()
    assert "linear" in offered and "random_forest" in offered
    assert "kmeans" not in offered  # clustering cannot train a yes/no target
    assert set(panel.form.chosen()) <= set(offered) and panel.form.chosen()
    tip = panel.form.families.item(offered.index("linear")).toolTip()
    assert "weighted sum" in tip
    panel.set_problem(None)
    assert statuses[-1] == panel.status == "waiting" and panel.form.offered() == []


def test_training_fills_the_leaderboard_and_stores_the_run(
    qtbot, runner: TaskRunner, churn_with_problem
) -> None:
    panel = _panel(qtbot, runner, churn_with_problem)
    table, _problem = churn_with_problem
    panel.form.choose(("linear",))
    # One model, with a budget no machine runs out of: the model count ends the search.
    panel.form.budget.setValue(3600)
    panel.form.max_models.setValue(1)
    sizes: list[int] = []
    panel.board.board_model.modelReset.connect(
        lambda: sizes.append(panel.board.board_model.rowCount())
    )
    with qtbot.waitSignal(panel.run_finished, timeout=WAIT) as blocker:
        assert panel.start() is not None
        assert panel.running and not panel.start_button.isEnabled()
    run_id = blocker.args[0]

    # The board filled in live: the baseline alone first, then with the model.
    assert 1 in sizes and sizes.index(1) < sizes.index(2)
    rows = _rows(panel)
    models = [row[1] for row in rows]
    assert models == ["Logistic / ridge regression", "Baseline (class shares, no inputs)"]
    assert rows[0][0] == "1" and rows[0][5] == "done" and float(rows[0][2]) > 0.6
    assert float(rows[1][2]) == pytest.approx(0.5)  # the baseline ranks by chance
    model = panel.board.board_model
    assert model.headerData(2, Qt.Orientation.Horizontal) == "ROC AUC"
    tip = model.headerData(2, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)
    assert "validation folds" in tip and "Higher is better" in tip
    assert model.best_row() == 0 and panel.board.selected_row() == 0
    assert model.index(0, 0).data(Qt.ItemDataRole.FontRole).bold()
    assert model.index(1, 1).data(Qt.ItemDataRole.FontRole).italic()

    stored = table.project.load_run(run_id)
    assert stored.has_model and stored.has_evaluation and stored.source_id == table.source_id
    assert "Saved as run" in panel.message.text() and "Logistic" in panel.message.text()
    assert panel.status == "done" and not panel.running
    assert panel.runs.currentItem().text().startswith(f"Run {run_id} ·")
    panel.grab().save("/tmp/train_panel.png")

    # Another panel on the same table lists the run; choosing it re-opens it.
    again = _panel(qtbot, runner, churn_with_problem)
    assert again.status == "done"
    assert again.board.board_model.rowCount() == 2  # the latest run's board is shown
    items = [again.runs.item(i) for i in range(again.runs.count())]
    chosen = next(item for item in items if item.text().startswith(f"Run {run_id} ·"))
    again.runs.setCurrentItem(None)
    with qtbot.waitSignal(again.run_selected, timeout=1_000) as selected:
        again.runs.setCurrentItem(chosen)
    assert selected.args == [run_id]


def test_stop_ends_the_search_quickly_and_keeps_the_finished_model(
    qtbot, runner: TaskRunner, churn_with_problem
) -> None:
    panel = _panel(qtbot, runner, churn_with_problem)
    table, _problem = churn_with_problem
    panel.form.choose(("linear", "random_forest"))
    panel.form.budget.setValue(300)
    panel.form.cores.setValue(1)  # one candidate at a time: the forest fits after the linear
    ticks: list[float] = []
    probe = QTimer()
    probe.setInterval(10)
    probe.timeout.connect(lambda: ticks.append(time.monotonic()))
    probe.start()
    finished: list[int] = []
    panel.run_finished.connect(finished.append)
    panel.start()
    model = panel.board.board_model
    # The linear model is scored first in this process on a sample ("screened") while the
    # worker starts, then by the worker on all the rows; only then does the worker take the
    # forest, which is what Cancel must stop.
    qtbot.waitUntil(
        lambda: model.board is not None
        and any(e.family == "linear" and e.status == "done" for e in model.board.entries),
        timeout=WAIT,
    )

    panel.grab().save("/tmp/train_panel_running.png")
    pressed = time.monotonic()
    runner.cancel_all()  # what the status bar's Cancel does
    qtbot.waitUntil(lambda: "finished are kept" in panel.message.text(), timeout=2_000)
    # The status bar's Cancel was the first way out: the panel's buttons say so.
    assert panel.finish_button.text() == FINISHING_WORDS
    assert not panel.finish_button.isEnabled() and panel.discard_button.isEnabled()
    # The search ends within 2 seconds: the forest that was fitting is marked "stopped".
    qtbot.waitUntil(
        lambda: any(e.status == "stopped" for e in model.board.entries) or bool(finished),
        timeout=WAIT,
    )
    search_stopped = time.monotonic() - pressed
    qtbot.waitUntil(lambda: bool(finished), timeout=WAIT)
    ended = time.monotonic() - pressed
    probe.stop()

    assert search_stopped < 2.0, f"the search took {search_stopped:.1f} s to stop"
    # How long the refit of the kept model and its evaluation take depends on the machine's
    # load (65 s were measured at load 10): not asserted.
    during = [t for t in ticks if t >= pressed]
    assert during, "the window's event loop did not run while stopping"
    gaps = [b - a for a, b in zip([pressed, *during], during, strict=False)]
    assert max(gaps) < 1.0, f"the window froze for {max(gaps):.2f} s"
    text = panel.message.text()
    assert "Stopped" in text and "kept" in text and "Logistic" in text
    panel.grab().save("/tmp/train_panel_stopped.png")
    stored = table.project.load_run(finished[0])
    assert stored.status == "stopped" and stored.has_model
    assert any(e.status == "stopped" for e in stored.leaderboard.entries)
    print(f"Stop: search ended in {search_stopped:.2f} s, the run was saved in {ended:.2f} s")


def test_finish_now_then_stop_and_discard_say_what_they_do_and_keep_nothing(
    qtbot, runner: TaskRunner, churn_with_problem
) -> None:
    """Cancel meant "keep the best and refit", then turned into "Stop everything": two buttons
    now say the two ways out, in words and tooltips, through every state of a run."""
    panel = _panel(qtbot, runner, churn_with_problem)
    table, _problem = churn_with_problem
    finish, discard = panel.finish_button, panel.discard_button
    # Before a run: both there, both off, both saying what they will do.
    assert (finish.text(), discard.text()) == (FINISH_WORDS, DISCARD_WORDS)
    assert not finish.isEnabled() and not discard.isEnabled()
    assert "best of them is fitted again" in finish.toolTip()
    assert "Nothing from this run is saved" in discard.toolTip()
    assert "Stop" not in finish.text() and "best" not in discard.text()
    runs_before = len(table.project.list_runs(table.source_id))
    panel.form.choose(("linear", "random_forest"))
    panel.form.budget.setValue(300)
    finished: list[int] = []
    panel.run_finished.connect(finished.append)
    panel.start()
    # Running: both ways out offered.
    assert finish.isEnabled() and discard.isEnabled() and finish.text() == FINISH_WORDS
    model = panel.board.board_model
    qtbot.waitUntil(lambda: model.board is not None, timeout=WAIT)  # the baseline is in
    qtbot.mouseClick(finish, Qt.MouseButton.LeftButton)
    # Finishing: no second "finish", the discard still offered and explained.
    assert "finished are kept" in panel.message.text()
    assert "Stop and discard" in panel.message.text()
    assert finish.text() == FINISHING_WORDS and not finish.isEnabled()
    assert discard.isEnabled() and discard.text() == DISCARD_WORDS
    qtbot.mouseClick(discard, Qt.MouseButton.LeftButton)
    assert "nothing from this run will be saved" in panel.message.text()
    assert not finish.isEnabled() and not discard.isEnabled()
    qtbot.waitUntil(lambda: not panel.running, timeout=WAIT)
    assert "nothing from this run was saved" in panel.message.text()
    assert finished == []
    assert len(table.project.list_runs(table.source_id)) == runs_before
    # Ended: back to the words of a new run, both off.
    assert panel.start_button.isEnabled() and finish.text() == FINISH_WORDS
    assert not finish.isEnabled() and not discard.isEnabled()


def test_no_family_ticked_gives_a_message_and_starts_nothing(
    qtbot, runner: TaskRunner, churn_with_problem
) -> None:
    panel = _panel(qtbot, runner, churn_with_problem)
    panel.form.choose(())
    assert panel.start() is None
    assert "Tick at least one model family" in panel.message.text()
    assert runner.running == [] and not panel.running


def test_a_target_with_no_values_gives_a_message_not_a_crash(
    qtbot, runner: TaskRunner, churn_with_problem
) -> None:
    table, problem = churn_with_problem
    empty = table.frame.copy()
    empty["churned"] = None
    panel = TrainPanel(runner)
    qtbot.addWidget(panel)
    panel.set_table(
        ActiveTable(table.project, table.source_id, table.name, empty, table.schema)
    )
    panel.set_problem(problem)
    panel.form.choose(("linear",))
    failures: list[str] = []
    runner.failed.connect(lambda error, message, details: failures.append(message))
    panel.start()
    qtbot.waitUntil(lambda: not panel.running, timeout=WAIT)
    assert "target value" in panel.message.text()
    assert failures == []  # shown once, in the panel: the window does not repeat it
    assert panel.start_button.isEnabled()
