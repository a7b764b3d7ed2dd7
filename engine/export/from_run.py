"""Export a stored training run: gather what the exporter needs from the project file.

The run's fitted pipeline (skops), problem, chosen threshold and evaluation come from the
project; the table comes back from its kept copy, and the same seeded split as in training
gives the training rows (drift reference) and the held-out rows (parity gate). The package
is written to a folder and its ONNX bytes are kept in the project for Monitor.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.errors import ExportError
from engine.jobs import Job

if TYPE_CHECKING:
    import pandas as pd

    from engine.export.build import ExportedModel, ModelFacts
    from engine.export.package import PackageFiles
    from engine.project.store import Project
    from engine.project.store_runs import RunRecord


@dataclass(frozen=True)
class ExportResult:
    """A finished export: the files written, the model's description and the gate's report."""

    files: PackageFiles
    exported: ExportedModel
    run_id: int
    export_id: int


def export_run(
    project: Project,
    run_id: int | None,
    folder: str | Path,
    *,
    name: str | None = None,
    job: Job | None = None,
    force: bool = False,
) -> ExportResult:
    """Export run ``run_id`` (the newest run with a model when None) into ``folder``.

    Files of the package's names that Gristmill did not write are replaced only with ``force``.
    """
    import numpy as np

    from engine.api import open_table
    from engine.export.build import export_pipeline
    from engine.export.package import refuse_foreign_files, safe_name, write_package
    from engine.problem.splits import make_splits
    from engine.problem.task_detection import target_labels
    from engine.recipe.inputs import model_inputs, reading_rules, to_model_frame
    from engine.training.persist import model_from_bytes

    job = job or Job()
    run = _pick_run(project, run_id)
    job.step(0.0, f"Reading run {run.id} and its table", force=True)
    pipeline = model_from_bytes(project.load_model_bytes(run.id))
    opened = open_table(project, run.source_id, cancel=job.cancel)
    problem = run.problem
    inputs = model_inputs(opened.schema, problem.features)
    x_all = to_model_frame(opened.frame, inputs)
    y_all = None
    if problem.task.supervised:
        y_all = target_labels(opened.frame[problem.target], problem.task)
    split = make_splits(opened.frame, y_all, problem, seed=run.seed)
    train_rows = x_all.iloc[np.asarray(split.train_rows)].reset_index(drop=True)
    check_rows = x_all.iloc[np.asarray(split.holdout_rows)].reset_index(drop=True)
    facts = run_facts(project, run, opened.schema, name or _default_name(opened.name, run))
    if not force:  # before the long conversion and parity check
        refuse_foreign_files(folder, safe_name(facts.name))
    current_hash = _content_hash(opened.frame)
    if current_hash != run.data_hash:
        facts = replace(
            facts,
            limitations=(
                *facts.limitations,
                "The table changed after this model was trained; the drift reference "
                "describes the table as it is now.",
            ),
        )
    exported = export_pipeline(
        pipeline, inputs, facts, train_rows=train_rows, check_rows=check_rows,
        reference_rows=x_all, score_rows=_score_reference_rows(problem, x_all, check_rows),
        outcomes=None if y_all is None else list(np.asarray(y_all, dtype=object)),
        job=job.sub(0.1, 0.9),
        rules=reading_rules(
            opened.frame, inputs, file_spelling=_file_spelling(project, run.source_id),
            date_orders=_date_orders(project, run.source_id, inputs),
        ),
    )
    job.step(0.9, "Writing the package", force=True)
    raw: Any = "the table changed since the model was trained"
    if current_hash == run.data_hash:  # rows are matched by position with the source
        from engine.export.golden_raw import raw_golden_rows

        source = next((s.source for s in project.list_sources() if s.id == run.source_id), None)
        raw = raw_golden_rows(source, [int(i) for i in split.holdout_rows], len(opened.frame))
    files = write_package(exported, inputs, folder, safe_name(facts.name), force=force,
                          raw_golden=raw)
    export_id = project.save_export(
        run.id,
        facts.name,
        exported.model.SerializeToString(),
        exported.parity.to_dict(),
        folder=str(Path(folder).resolve()),
    )
    job.done(f"Exported to {files.model}")
    return ExportResult(files=files, exported=exported, run_id=run.id, export_id=export_id)


def _date_orders(project: Project, source_id: int, inputs: Any) -> dict[str, str]:
    """The order of day and month each date input was read in from the training source."""
    from engine.export.source_cells import training_date_orders

    dates = [column.name for column in inputs if column.kind == "date"]
    source = next((s.source for s in project.list_sources() if s.id == source_id), None)
    return training_date_orders(source, dates) if dates and source is not None else {}


def _file_spelling(project: Project, source_id: int) -> tuple[str, str | None] | None:
    source = next((s.source for s in project.list_sources() if s.id == source_id), None)
    return file_spelling(source) if source is not None else None


def file_spelling(source: Any) -> tuple[str, str | None] | None:
    """The number spelling of ``source`` when it is a delimited text file that is there."""
    from engine.sources.base import FileSource
    from engine.sources.files import _choose_format
    from engine.sources.stream_csv import detect_csv

    if not isinstance(source, FileSource) or not Path(source.path).expanduser().is_file():
        return None
    path = Path(source.path).expanduser()
    try:
        from engine.sources.base import LoadReport

        if _choose_format(source, path, LoadReport(source_label=source.label)) != "csv":
            return None
        fmt = detect_csv(source, path)
    except Exception:  # the rules then say the plain spelling; scoring adapts
        return None
    return fmt.decimal, fmt.thousands


def run_facts(project: Project, run: RunRecord, schema: Any, name: str) -> ModelFacts:
    """What the metadata says about a stored run: metrics, threshold, data, model."""
    from engine.export.build import ModelFacts
    from engine.profile.schema import ColumnKind

    evaluation, threshold = project.load_evaluation(run.id)
    metrics: dict[str, Any] = {
        "primary": run.problem.metric,
        "holdout": {},
        "cross_validation": {},
        "baseline": {},
    }
    for summary in evaluation.get("metrics", []):
        metrics["holdout"][summary["name"]] = summary.get("holdout")
        metrics["cross_validation"][summary["name"]] = summary.get("cv_mean")
        metrics["baseline"][summary["name"]] = summary.get("baseline")
    if threshold is not None and run.problem.task.value == "binary":
        from engine.evaluation.result import ThresholdChoice

        # The figures at the threshold the `decision` output uses (the table is at 0.5).
        metrics["at_threshold"] = ThresholdChoice.from_dict(threshold).figures()
    importances = {
        item["feature"]: float(item["mean"]) for item in evaluation.get("importances", [])
    }
    best = run.leaderboard.best
    source = next((s for s in project.list_sources() if s.id == run.source_id), None)
    problem = run.problem
    positive = problem.positive_class if problem.task.value == "binary" else None
    value = None if threshold is None or positive is None else float(threshold["threshold"])
    keys = [c.name for c in schema.columns if c.kind is ColumnKind.IDENTIFIER]
    return ModelFacts(
        name=name,
        task=problem.task.value,
        target=problem.target,
        positive_class=positive,
        threshold=value if value is not None else (0.5 if positive else None),
        threshold_reason=(
            threshold.get("reason", "") if value is not None
            else "no threshold was chosen: 0.5" if positive else ""
        ),
        metrics=metrics,
        data={
            "source": source.name if source else f"source {run.source_id}",
            "fingerprint": run.data_hash,
            "train_rows": run.split.get("train_rows"),
            "holdout_rows": run.split.get("holdout_rows"),
            "validation": run.split.get("description", ""),
            "key_columns": keys,
            "trained_at": run.created_at.isoformat(timespec="seconds"),
            "run": run.id,
            "seed": run.seed,
        },
        model={
            "family": best.family if best else "baseline",
            "label": best.label if best else "Baseline",
            "params": dict(best.params) if best else {},
            "recipe": _recipe_lines(run.recipe),
            "excluded_columns": list(problem.excluded),
        },
        importances=importances,
        limitations=tuple(run.notes),
    )


def _score_reference_rows(
    problem: Any, all_rows: pd.DataFrame, held_out: pd.DataFrame
) -> pd.DataFrame:
    """The rows whose scores make the drift reference of the model's output.

    The drift reference must describe the data the model is meant for, so its columns come
    from every row of the table (training and held-out). Scores come from the held-out rows
    (the model did not learn them, so it is not over-confident there) when those are a random
    sample of the table; a time-ordered holdout holds only the newest rows, whose scores
    differ from the table's as a whole (newest customers churn more), so then every row is
    scored. Measured on the sample's churn table (time-ordered by signup date, linear and
    gradient boosting): against the newest fifth's scores alone, ``churn_next_quarter.csv``
    (2,000 customers of the table's own distribution) reads Major, scores PSI 0.36 at
    p = 4e-41, and ``test_next_quarter_is_stable`` fails; with every row scored it is Stable.
    The in-sample part is the lesser bias for such models; a memorising one would feel it
    (``tests/engine/monitor/test_reference_rows.py``).
    """
    from engine.problem.definition import SplitKind

    if problem.validation.kind is SplitKind.TIME or len(held_out) == 0:
        return all_rows
    return held_out


def _pick_run(project: Project, run_id: int | None) -> RunRecord:
    if run_id is not None:
        run = project.load_run(run_id)
        if not run.has_model:
            raise ExportError(f"Run {run_id} has no fitted model to export.", "Train again.")
        return run
    runs = [run for run in project.list_runs() if run.has_model]
    if not runs:
        raise ExportError("This project has no trained model yet.", "Train a model first.")
    return runs[-1]


def _default_name(table: str, run: RunRecord) -> str:
    what = run.problem.target or run.problem.task.value
    return f"{table}-{what}-run{run.id}"


def _recipe_lines(recipe: dict[str, Any] | None) -> list[str]:
    if recipe is None:
        return []
    from engine.recipe.defaults import describe_recipe
    from engine.recipe.spec import Recipe

    return describe_recipe(Recipe.from_dict(recipe))


def _content_hash(frame: Any) -> str:
    from engine.project.fingerprint import fingerprint_frame

    return fingerprint_frame(frame, Job()).content_hash
