"""One source of truth: what every step shows about the threshold, the saved state, the step
statuses and the active table comes from the project, and follows it when it changes.

Each test is one stale or contradictory message a first-time user met (issue 17).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QStackedWidget

from desktop.main_window import SAVED_TEXT
from desktop.panels.context import ActiveTable
from desktop.panels.data_panel import DataPanel
from desktop.panels.evaluate_panel import EvaluatePanel
from desktop.panels.prepare_panel import PreparePanel
from desktop.panels.problem_panel import ProblemPanel
from desktop.step_panels import StepPanels
from desktop.tasks import TaskRunner
from desktop.widgets.lifecycle_nav import LifecycleNav
from engine import api
from engine.evaluation.result import Evaluation

WAIT = 60_000  # ms; generous for a loaded 2-core machine, never slept


@pytest.fixture(scope="module")
def two_tables(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, object]]:
    """A project with two tables: churn (trained, exported) and next quarter (nothing yet)."""
    from engine.training.search import SearchSettings

    folder: Path = tmp_path_factory.mktemp("one_truth")
    project = api.create_project(folder / "two.gristmill")
    tables = {}
    for name, file in (("Customer churn", "churn.csv"), ("Next quarter", "churn_next_quarter.csv")):
        source = api.source_for(str(api.sample_data_dir() / file))
        loaded = api.load_table(source)
        source_id = api.add_table(project, name, source, loaded)
        tables[name] = ActiveTable(project, source_id, name, loaded.frame,
                                   project.load_schema(source_id))
    churn = tables["Customer churn"]
    problem = api.define_problem(churn.frame, churn.schema, "churned").problem
    project.save_problem(churn.source_id, problem)
    outcome = api.train(
        churn.frame, churn.schema, problem,
        SearchSettings(time_budget=None, families=("linear",), max_trials=1),
        project=project, source_id=churn.source_id,
    )
    api.export_model(project, outcome.run_id, folder / "package", name="churn")
    yield {"project": project, "churn": churn, "next": tables["Next quarter"],
           "problem": problem, "run_id": outcome.run_id, "model": folder / "package" / "churn.onnx",
           "new_rows": api.sample_data_dir() / "churn_next_quarter.csv"}
    project.close()


def _visible_words(widget) -> str:
    from PySide6.QtWidgets import QLabel

    return " ".join(label.text() for label in widget.findChildren(QLabel)
                    if label.isVisibleTo(widget))


# -- "Choose a table in the Data step first." while a table is open ------------------------


def test_problem_drops_the_no_table_words_once_a_table_is_open(qtbot, runner, two_tables):
    panel = ProblemPanel(runner)
    qtbot.addWidget(panel)
    panel.set_table(None)
    panel.set_table(two_tables["next"])  # no problem saved for this table
    assert "Choose a table" not in _visible_words(panel)
    assert "Choose the column to predict" in panel.message.text()


def test_prepare_drops_the_no_table_words_once_a_table_is_open(qtbot, runner, two_tables):
    panel = PreparePanel(runner)
    qtbot.addWidget(panel)
    panel.show()
    panel.set_table(None)
    panel.set_problem(two_tables["problem"])
    panel.set_table(two_tables["churn"])
    qtbot.waitUntil(lambda: not panel.busy, timeout=WAIT)
    assert "Choose a table" not in _visible_words(panel)


# -- "Not saved yet" beside "Every change is saved as you make it" ---------------------------


def test_no_step_says_not_saved_while_the_status_bar_says_everything_is(
    qtbot, runner, two_tables
):
    problem_panel = ProblemPanel(runner)
    qtbot.addWidget(problem_panel)
    problem_panel.show()
    problem_panel.set_table(two_tables["next"])
    problem_panel.choose_target("churned")
    qtbot.waitUntil(lambda: problem_panel.current_problem is not None and not problem_panel.busy,
                    timeout=WAIT)
    prepare = PreparePanel(runner)
    qtbot.addWidget(prepare)
    prepare.show()
    prepare.set_problem(problem_panel.current_problem)
    prepare.set_table(two_tables["next"])
    qtbot.waitUntil(lambda: not prepare.busy and prepare.saved_label.text() != "",
                    timeout=WAIT)
    words = _visible_words(problem_panel) + " " + _visible_words(prepare)
    assert "saved" in SAVED_TEXT.lower()
    assert "not saved" not in words.lower()
    assert "Use this problem" in problem_panel.saved_label.text()  # still says what to press


# -- the threshold: one figure in the slider, the saved label, the notes and the report -----


@pytest.fixture
def evaluate(qtbot, runner: TaskRunner, two_tables) -> EvaluatePanel:
    panel = EvaluatePanel(runner)
    qtbot.addWidget(panel)
    panel.resize(1200, 760)
    panel.show()
    with qtbot.waitSignal(panel.status_changed, timeout=WAIT):
        panel.set_run(two_tables["project"], two_tables["run_id"])
    return panel


def test_a_new_threshold_reaches_the_notes_the_report_and_the_slider(
    qtbot, evaluate: EvaluatePanel, two_tables, tmp_path: Path
) -> None:
    project, run_id = two_tables["project"], two_tables["run_id"]
    old = project.load_evaluation(run_id)[1]["threshold"]
    evaluate.threshold.set_threshold(0.171)
    chosen = evaluate.threshold.point.threshold
    assert f"{chosen:.3f}" != f"{old:.3f}"
    with qtbot.waitSignal(evaluate.threshold_saved, timeout=WAIT):
        evaluate.use_threshold(chosen)
    # what the window does after a save: the run is read again
    with qtbot.waitSignal(evaluate.status_changed, timeout=WAIT):
        evaluate.set_run(project, run_id)
    stored = project.load_evaluation(run_id)[1]["threshold"]
    assert evaluate.threshold.point.threshold == pytest.approx(stored)  # slider = saved
    assert f"{stored:.3f}" in evaluate.threshold.stored_label.text()
    assert f"{stored:.3f}" in evaluate.threshold.value_label.text()
    notes = evaluate.notes.text()
    assert f"{old:.3g}" not in notes and f"{stored:.3g}" in notes
    evaluation = Evaluation.from_dict(project.load_evaluation(run_id)[0])
    assert all(f"{old:.3g}" not in note for note in evaluation.notes)

    report = tmp_path / "report.html"
    evaluate.save_report(report)
    qtbot.waitUntil(lambda: "Report saved" in evaluate.message.text(), timeout=WAIT)
    text = report.read_text(encoding="utf-8")
    assert "chosen by chosen by" not in text
    assert f"threshold {stored:.3g}" in text and f"threshold {old:.3g}" not in text


def test_a_moved_slider_says_it_is_not_the_saved_threshold(
    qtbot, evaluate: EvaluatePanel, two_tables
) -> None:
    stored = two_tables["project"].load_evaluation(two_tables["run_id"])[1]["threshold"]
    evaluate.threshold.set_threshold(0.9)
    shown = evaluate.threshold.point.threshold
    assert f"{shown:.3f}" != f"{stored:.3f}"
    text = evaluate.threshold.stored_label.text()
    assert f"{stored:.3f}" in text and "Use this threshold" in text
    assert evaluate.threshold.use_button.isEnabled()
    evaluate.threshold.set_threshold(stored)
    assert not evaluate.threshold.use_button.isEnabled()


# -- step statuses and the active table ------------------------------------------------------


def _steps(qtbot, runner: TaskRunner) -> tuple[StepPanels, LifecycleNav]:
    nav = LifecycleNav()
    qtbot.addWidget(nav)
    data = DataPanel(runner)
    stack = QStackedWidget()
    qtbot.addWidget(stack)
    stack.addWidget(data)
    return StepPanels(runner, nav, data, stack), nav


def test_prepare_is_done_once_a_model_was_trained_with_the_default_recipe(
    qtbot, runner, two_tables
):
    steps, nav = _steps(qtbot, runner)
    assert two_tables["project"].get_setting(f"recipe:{two_tables['churn'].source_id}") is None
    steps.set_table(two_tables["churn"])
    qtbot.waitUntil(lambda: not steps.prepare.busy, timeout=WAIT)
    assert nav.status("Train") == "done" or steps.run_id is not None
    assert nav.status("Prepare") == "done"
    assert "default recipe" in steps.prepare.saved_label.text()


def test_switching_tables_says_so_and_monitor_follows_the_table(qtbot, runner, two_tables):
    steps, nav = _steps(qtbot, runner)
    steps.monitor.show()
    steps.set_table(two_tables["churn"])
    assert steps.monitor.inputs.model_path == Path(two_tables["model"])
    with qtbot.waitSignal(steps.monitor.check_finished, timeout=WAIT):
        steps.monitor.start(Path(two_tables["model"]), Path(two_tables["new_rows"]))
    assert nav.status("Monitor") == "done"

    steps.set_table(two_tables["next"])  # no model was trained from this table
    assert nav.status("Monitor") != "done"
    assert steps.monitor.view is None  # the other table's verdict is gone
    assert steps.monitor.inputs.model_path is None
    assert "Next quarter" in steps.table_label.text()

    steps.set_table(two_tables["churn"])  # back: its model is offered again
    assert steps.monitor.inputs.model_path == Path(two_tables["model"])


def test_a_threshold_saved_in_the_window_reaches_evaluate_again(qtbot, runner, two_tables):
    steps, _nav = _steps(qtbot, runner)
    steps.set_table(two_tables["churn"])
    qtbot.waitUntil(lambda: steps.evaluate.status == "done" and steps.evaluate._loading is None,
                    timeout=WAIT)
    with qtbot.waitSignal(steps.evaluate.threshold_saved, timeout=WAIT):
        steps.evaluate.use_threshold(0.3)
    qtbot.waitUntil(lambda: steps.evaluate._loading is None, timeout=WAIT)
    stored = two_tables["project"].load_evaluation(two_tables["run_id"])[1]["threshold"]
    assert f"{stored:.3f}" in steps.evaluate.threshold.stored_label.text()
