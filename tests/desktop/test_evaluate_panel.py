"""The Evaluate step on a real trained run: metrics beside the baseline, every plot drawn, a
live threshold with costs, the threshold saved for export, and the HTML report."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from desktop.panels.evaluate_panel import EvaluatePanel
from desktop.tasks import TaskRunner
from engine import api
from engine.evaluation.result import Evaluation
from engine.evaluation.threshold_pick import point_at

WAIT = 60_000  # ms; generous for a loaded 2-core machine, never slept


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[object, int]]:
    """A project with one run: a linear model predicting churn on the sample data."""
    from engine.training.search import SearchSettings

    folder: Path = tmp_path_factory.mktemp("evaluate_panel")
    source = api.source_for(str(api.sample_data_dir() / "churn.csv"))
    loaded = api.load_table(source)
    project = api.create_project(folder / "churn.gristmill")
    source_id = api.add_table(project, "Customer churn", source, loaded)
    schema = project.load_schema(source_id)
    problem = api.define_problem(loaded.frame, schema, "churned").problem
    outcome = api.train(
        loaded.frame, schema, problem,
        SearchSettings(time_budget=None, families=("linear",), max_trials=1),
        project=project, source_id=source_id,
    )
    yield project, outcome.run_id
    project.close()


@pytest.fixture
def panel(qtbot, runner: TaskRunner, trained) -> EvaluatePanel:
    panel = EvaluatePanel(runner)
    qtbot.addWidget(panel)
    panel.resize(1200, 760)
    panel.show()
    project, run_id = trained
    with qtbot.waitSignal(panel.status_changed, timeout=WAIT) as blocker:
        panel.set_run(project, run_id)
    assert blocker.args == ["done"]
    return panel


def test_waiting_without_a_run(qtbot, runner: TaskRunner) -> None:
    panel = EvaluatePanel(runner)
    qtbot.addWidget(panel)
    assert panel.status == "waiting"
    assert "Train a model" in panel.message.text()
    assert panel.plots.count() == 0 and panel.metrics.rowCount() == 0
    assert not panel.report_button.isEnabled() and not panel.threshold.isVisibleTo(panel)


def test_metrics_sit_beside_the_baseline_with_a_tooltip(panel: EvaluatePanel, trained) -> None:
    row = panel.metrics.row_of("ROC AUC")
    assert row is not None
    model, baseline = (float(panel.metrics.item(row, c).text()) for c in (1, 2))
    assert model > 0.6 and baseline == pytest.approx(0.5)
    assert "±" in panel.metrics.item(row, 3).text()
    tip = panel.metrics.item(row, 0).toolTip()
    assert "random positive row above a random negative" in tip  # METRIC_INFO's words
    assert "Higher is better" in tip and "better than the baseline" in tip
    assert panel.metrics.item(row, 0).font().bold()  # the metric the models were ranked by
    assert panel.metrics.horizontalHeaderItem(2).toolTip().startswith("The score of the baseline")
    assert "run 1: Logistic" in panel.heading.text() and "holdout rows" in panel.message.text()
    assert panel.status == "done"


def test_every_plot_tab_draws_from_the_stored_evaluation(panel: EvaluatePanel) -> None:
    names = list(panel.plots.plots)
    assert names == [
        "roc", "pr", "calibration", "lift", "gain", "thresholds", "confusion", "importance",
        "partial_dependence",
    ]
    for name in names:
        panel.plots.show_plot(name)
        plot = panel.plots.plots[name]
        assert plot.isVisible(), name
        plot.canvas.draw()
        axes = [a for a in plot.figure.axes if a.get_visible()]
        assert axes, name
        drawn = sum(len(a.lines) + len(a.images) + len(a.patches) + len(a.collections)
                    for a in axes)
        assert drawn > 0, f"the {name} plot is empty"
        assert panel.plots.tip(name)
        if name in ("roc", "confusion", "importance"):
            plot.grab().save(f"/tmp/evaluate_plot_{name}.png")


def test_the_slider_and_costs_update_the_outcome_live(
    qtbot, panel: EvaluatePanel, trained
) -> None:
    box = panel.threshold
    assert box.isVisibleTo(panel)
    assert "Enter what a false alarm" in box.value.text()
    false_alarm, missed, caught = box.costs
    false_alarm.setValue(10)
    missed.setValue(50)
    caught.setValue(100)

    box.slider.setValue(200)
    low = (box.point, [[c.text() for c in row] for row in box.cells], box.value.text())
    box.slider.setValue(700)
    high = (box.point, [[c.text() for c in row] for row in box.cells], box.value.text())

    assert low[1] != high[1] and low[2] != high[2]
    assert low[0].flagged > high[0].flagged  # a higher threshold flags fewer rows
    # The numbers are the stored holdout counts at that threshold, and the value follows.
    project, run_id = trained
    stored = Evaluation.from_dict(project.load_evaluation(run_id)[0])
    expected = point_at(stored.thresholds, 0.7)
    point = high[0]
    assert (point.tp, point.fp, point.tn, point.fn) == (
        expected.tp, expected.fp, expected.tn, expected.fn
    )
    assert f"<b>{point.tp:,}</b>" in high[1][1][1] and f"<b>{point.fp:,}</b>" in high[1][0][1]
    value = point.tp * 100 - point.fp * 10 - point.fn * 50
    assert point.expected_value == pytest.approx(value)
    assert f"{value:,.2f}" in high[2]

    # The confusion matrix plot follows once the slider rests.
    confusion = panel.plots.plots["confusion"].figure
    qtbot.waitUntil(lambda: f"{point.threshold:.3g}" in confusion.axes[0].get_title(),
                    timeout=5_000)
    texts = {t.get_text() for t in confusion.axes[0].texts}
    assert f"{point.tp:,}" in texts and f"{point.tn:,}" in texts
    panel.grab().save("/tmp/evaluate_panel.png")


def test_use_this_threshold_stores_it_for_export(qtbot, panel: EvaluatePanel, trained) -> None:
    project, run_id = trained
    before = project.load_evaluation(run_id)[1]["threshold"]
    panel.threshold.set_threshold(0.61)
    chosen = panel.threshold.point.threshold
    assert chosen != pytest.approx(before)
    with qtbot.waitSignal(panel.threshold_saved, timeout=WAIT) as blocker:
        qtbot.mouseClick(panel.threshold.use_button, Qt.MouseButton.LeftButton)
    assert blocker.args == [pytest.approx(chosen)]
    evaluation, threshold = project.load_evaluation(run_id)
    assert threshold["threshold"] == pytest.approx(chosen) and threshold["rule"] == "manual"
    assert Evaluation.from_dict(evaluation).threshold == pytest.approx(chosen)
    assert f"{chosen:.3f}" in panel.threshold.stored_label.text()
    assert "saved with the model" in panel.message.text()


def test_save_report_writes_the_html_file(
    qtbot, panel: EvaluatePanel, tmp_path: Path
) -> None:
    path = tmp_path / "churn report.html"
    panel.save_report(path)
    qtbot.waitUntil(lambda: "Report saved" in panel.message.text(), timeout=WAIT)
    text = path.read_text(encoding="utf-8")
    assert text.lstrip().lower().startswith("<!doctype html") or "<html" in text[:500].lower()
    assert "ROC AUC" in text


def test_the_plots_are_grouped_so_no_tab_hides(qtbot, panel: EvaluatePanel) -> None:
    """At 1,280 px wide every plot's tab is in view: three groups, no scrolling tab bar."""
    panel.resize(1280 - 190, 720)  # the window's width less the steps on the left
    assert [panel.plots.tabText(i) for i in range(panel.plots.count())] == [
        "Quality", "Threshold", "Explanations"]
    for tabs in [panel.plots, *panel.plots.groups.values()]:
        if tabs is not panel.plots:
            panel.plots.setCurrentWidget(tabs)
        bar = tabs.tabBar()
        qtbot.waitUntil(bar.isVisible)
        needed = sum(bar.tabRect(i).width() for i in range(bar.count()))
        assert needed <= bar.width(), [tabs.tabText(i) for i in range(tabs.count())]
