"""One plotting module draws every picture from the evaluation data alone."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from matplotlib.figure import Figure

from engine.evaluation import plots
from engine.evaluation.result import Evaluation

ROOT = Path(__file__).resolve().parents[3]


def test_every_available_plot_draws_with_title_and_labels(
    every_evaluation: list[Evaluation],
) -> None:
    drawn = set()
    for evaluation in every_evaluation:
        # Drawn from stored data: the JSON copy gives the same pictures as the original.
        stored = Evaluation.from_dict(json.loads(json.dumps(evaluation.to_dict())))
        for name in plots.available_plots(stored):
            figure = plots.figure_for(stored, name)
            assert isinstance(figure, Figure)
            visible = [a for a in figure.axes if a.get_visible() and a.get_label() != "<colorbar>"]
            assert visible, name
            title = figure.get_suptitle() or visible[0].get_title()
            assert title, name
            assert visible[0].get_xlabel() or visible[0].get_title(), name  # what is on x
            assert plots.png_bytes(figure).startswith(b"\x89PNG"), name
            drawn.add(name)
    assert drawn == set(plots.DRAWERS)


def test_plot_names_per_task(
    cancer_evaluation: Evaluation, wine_evaluation: Evaluation, diabetes_evaluation: Evaluation
) -> None:
    assert plots.available_plots(cancer_evaluation) == [
        "roc", "pr", "calibration", "lift", "gain", "thresholds", "confusion", "importance",
        "partial_dependence"]
    assert plots.available_plots(wine_evaluation) == [
        "confusion", "per_class", "importance", "partial_dependence"]
    assert plots.available_plots(diabetes_evaluation) == [
        "residuals", "importance", "partial_dependence"]
    with pytest.raises(KeyError):
        plots.figure_for(diabetes_evaluation, "roc")


def test_roc_has_the_guessing_diagonal_and_pr_the_positive_share(
    cancer_evaluation: Evaluation,
) -> None:
    roc = plots.figure_for(cancer_evaluation, "roc").axes[0]
    diagonal = [line for line in roc.lines if list(line.get_xdata()) == [0, 1]]
    assert diagonal and list(diagonal[0].get_ydata()) == [0, 1]
    model = roc.lines[0]
    curve = cancer_evaluation.curve("roc")
    assert curve is not None and list(model.get_xdata()) == curve.x
    pr = plots.figure_for(cancer_evaluation, "pr").axes[0]
    share = cancer_evaluation.curve("pr").extra["baseline"]  # type: ignore[union-attr]
    assert any(list(line.get_ydata()) == [share, share] for line in pr.lines)


def test_confusion_cells_show_their_counts(wine_evaluation: Evaluation) -> None:
    axes = plots.figure_for(wine_evaluation, "confusion").axes[0]
    texts = [t.get_text() for t in axes.texts]
    expected = [f"{v:,}" for row in wine_evaluation.confusion.counts for v in row]  # type: ignore[union-attr]
    assert texts == expected


def test_plots_never_touch_pyplot() -> None:
    """Figures from the object-oriented API only: pyplot's global state is never loaded."""
    script = (
        "import sys\n"
        "from engine.evaluation import plots\n"
        "from engine.evaluation.result import Curve, Evaluation, MetricSummary\n"
        "c = Curve('roc', [0.0, 0.5, 1.0], [0.0, 0.9, 1.0], 'x', 'y', {'auc': 0.9})\n"
        "e = Evaluation('binary', (), curves=(c,))\n"
        "plots.png_bytes(plots.figure_for(e, 'roc'))\n"
        "print('matplotlib.pyplot' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"
