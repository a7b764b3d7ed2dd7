"""The HTML report of a stored run, gathered from the project file alone."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from engine.evaluation.report import ReportContent
    from engine.project.store import Project
    from engine.project.store_runs import RunRecord


def report_content(project: Project, run_id: int) -> ReportContent:
    """Everything the report shows about run ``run_id``: data, problem, recipe, board, metrics."""
    from engine.evaluation.report import ReportContent
    from engine.evaluation.result import Evaluation

    run = project.load_run(run_id)
    evaluation_data, _threshold = project.load_evaluation(run_id)
    evaluation = Evaluation.from_dict(evaluation_data)
    source = next((item for item in project.list_sources() if item.id == run.source_id), None)
    data_summary = [
        ("Table", source.name if source else f"source {run.source_id}"),
        ("Training rows", f"{run.split.get('train_rows', 0):,}"),
        ("Holdout rows", f"{run.split.get('holdout_rows', 0):,}"),
        ("Features", f"{len(run.problem.features)}: {', '.join(run.problem.features)}"),
    ]
    if source is not None and source.fingerprint is not None:
        data_summary.insert(1, ("Rows in the table", f"{source.fingerprint.rows:,}"))
    return ReportContent(
        title=f"Run {run.id}: predicting {run.problem.target or run.problem.task.value}",
        data_summary=data_summary,
        problem_summary=_problem_lines(run),
        recipe_lines=_recipe_lines(run.recipe),
        leaderboard=run.leaderboard.rows(),
        metric_name=run.problem.metric,
        evaluation=evaluation,
        warnings=list(dict.fromkeys([*run.notes, *evaluation.notes])),
    )


def write_run_report(project: Project, run_id: int, path: Path) -> Path:
    """Write run ``run_id``'s report to ``path`` (HTML, images embedded)."""
    from engine.evaluation.report import write_report

    return write_report(report_content(project, run_id), path)


def _problem_lines(run: RunRecord) -> list[tuple[str, str]]:
    problem = run.problem
    lines = [
        ("Target", problem.target or "(none)"),
        ("Task", f"{problem.task.value} ({problem.reason})" if problem.reason else problem.task),
        ("Metric", problem.metric),
        ("Validation", str(run.split.get("description", ""))),
        ("Seed", str(run.seed)),
        ("Search", _search_words(run.settings)),
    ]
    if problem.positive_class:
        lines.insert(2, ("Positive class", problem.positive_class))
    if problem.excluded:
        lines.append(("Left out", ", ".join(problem.excluded)))
    if problem.class_weights:
        lines.append(("Class weights", "balanced (the rarer class counts more)"))
    if problem.semi_supervised:
        lines.append(("Unlabeled rows", "used by self-training"))
    return [(name, str(value)) for name, value in lines]


def _search_words(settings: dict[str, Any]) -> str:
    budget = settings.get("time_budget")
    trials = settings.get("max_trials")
    ended = settings.get("ended_by", "completed")
    words = f"time budget {budget:g} s" if isinstance(budget, int | float) else ""
    if trials:
        words += f", at most {trials} models"
    return f"{words}; ended: {ended}"


def _recipe_lines(recipe: dict[str, Any] | None) -> list[str]:
    if recipe is None:
        return ["No model finished; the baseline has no recipe."]
    from engine.recipe.defaults import describe_recipe
    from engine.recipe.spec import Recipe

    return describe_recipe(Recipe.from_dict(recipe))
