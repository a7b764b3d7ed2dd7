"""The engine's facade: what the desktop and the command line call.

Small, typed and documented on purpose: a newcomer reads this file to learn what the engine
can do. Every long call follows the job contract of :mod:`engine.jobs`: it takes the keyword
arguments ``progress`` (a callback) and ``cancel`` (a token), always by keyword. Heavy
modules are imported inside the functions so that importing this module stays fast (the
window must open quickly).

Words: a *source* is where a table comes from (a file, or a database table or query); in a
project each source holds one *table*, so ``add_table`` returns the source's id. The project
may keep a *copy* of the table's data (stored as a Parquet "snapshot").
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from engine.jobs import CancelToken, Job, ProgressCallback
from engine.sources.base import DatabaseSource, FileSource, LoadedTable, Source

if TYPE_CHECKING:
    import pandas as pd

    from engine.evaluation.result import BusinessValue, ThresholdChoice
    from engine.export.from_run import ExportResult
    from engine.export.scoring import ScoringSummary
    from engine.monitor.run import DriftResult
    from engine.monitor.settings import DriftSettings
    from engine.problem.define import ProblemProposal
    from engine.problem.definition import Problem, Task, ValidationPlan
    from engine.profile.result import TableProfile
    from engine.profile.schema import Schema
    from engine.project.datasets import OpenedTable
    from engine.project.fingerprint import DatasetFingerprint
    from engine.project.store import Project
    from engine.sources.database import TableInfo
    from engine.training.leaderboard import Leaderboard
    from engine.training.runs import RunOutcome
    from engine.training.search import SearchSettings

__all__ = [
    "add_table",
    "check_connection",
    "check_drift",
    "choose_threshold",
    "create_project",
    "define_problem",
    "evaluation_report",
    "export_model",
    "fingerprint_table",
    "infer_schema",
    "list_tables",
    "load_table",
    "open_project",
    "open_table",
    "preview_table",
    "profile_table",
    "refresh_table",
    "sample_data_dir",
    "score_file",
    "set_threshold",
    "source_for",
    "train",
]


def source_for(
    location: str,
    *,
    table: str | None = None,
    sql: str | None = None,
    db_schema: str | None = None,
    sheet: str | int | None = None,
) -> Source:
    """Build a :class:`Source` from what a user typed: a file path or a database URL.

    A location containing ``://`` is a SQLAlchemy database URL and needs ``table`` (in the
    database schema ``db_schema``, if not the default one) or ``sql``; anything else is a
    file path, and ``sheet`` picks an Excel sheet by name or 0-based position.
    """
    from engine.errors import InputError

    if "://" in location:
        if (table is None) == (sql is None):
            raise InputError(
                "A database needs either a table or a SQL query.",
                "Give --table NAME or --sql \"SELECT ...\" (one of the two).",
            )
        return DatabaseSource(url=location, table=table, schema=db_schema, sql=sql)
    if table is not None or sql is not None:
        raise InputError(
            f"{location!r} is a file, so --table and --sql do not apply.",
            "Use them with a database URL such as sqlite:///path/to/file.db.",
        )
    return FileSource(path=location, sheet=sheet)


def load_table(
    source: Source,
    *,
    password: str | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> LoadedTable:
    """Read a whole table from a file or a database, detecting formats and types.

    ``password`` is used for this connection only and never stored; without it, a saved
    password is looked up in the OS keychain.
    """
    job = Job(progress, cancel)
    if isinstance(source, DatabaseSource):
        from engine.sources.database import load_query

        return load_query(source, job, password=password)
    from engine.sources.files import load_file

    return load_file(source, job)


def preview_table(source: Source, rows: int = 100, *, password: str | None = None) -> LoadedTable:
    """Read the first ``rows`` rows quickly, with the same detection as a full load."""
    if isinstance(source, DatabaseSource):
        from engine.sources.database import preview_query

        return preview_query(source, rows, password=password)
    from engine.sources.files import preview_file

    return preview_file(source, rows)


def list_tables(url: str, *, password: str | None = None) -> list[TableInfo]:
    """Schemas, tables and views of a database, with row estimates."""
    from engine.sources.database import list_tables as _list_tables

    return _list_tables(url, password=password)


def check_connection(url: str, *, password: str | None = None) -> str:
    """Connect read-only and describe the server in one sentence, or raise DatabaseError."""
    from engine.sources.database import check_connection as _test_connection

    return _test_connection(url, password=password)




def infer_schema(
    frame: pd.DataFrame,
    previous: Schema | None = None,
    *,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> Schema:
    """Give every column a kind and a role, with the reason; keep the user's overrides."""
    from engine.profile.infer import infer_schema as _infer_schema

    return _infer_schema(frame, previous, Job(progress, cancel))


def profile_table(
    frame: pd.DataFrame,
    schema: Schema | None = None,
    *,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> TableProfile:
    """Statistics, histograms and plain-words warnings for every column."""
    from engine.profile.stats import profile_table as _profile_table

    return _profile_table(frame, schema, progress, cancel)


def fingerprint_table(
    frame: pd.DataFrame,
    *,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> DatasetFingerprint:
    """Row count, column names and types, and a content hash of a table."""
    from engine.project.fingerprint import fingerprint_frame

    job = Job(progress, cancel)
    fingerprint = fingerprint_frame(frame, job)
    job.done("Fingerprint ready")
    return fingerprint


def create_project(path: str | Path) -> Project:
    """Create a new ``.gristmill`` project file (refuses to overwrite an existing file)."""
    from engine.project.store import Project

    return Project.create(Path(path))


def open_project(path: str | Path) -> Project:
    """Open a ``.gristmill`` project file, migrating it to the current format if needed."""
    from engine.project.store import Project

    return Project.open(Path(path))


def add_table(
    project: Project,
    name: str,
    source: Source,
    loaded: LoadedTable,
    *,
    schema: Schema | None = None,
    keep_copy: bool = True,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> int:
    """Add a loaded table to a project (kinds, fingerprint, a copy of the data); all or nothing."""
    from engine.project.datasets import add_table as _add_table

    return _add_table(
        project,
        name,
        source,
        loaded,
        schema=schema,
        keep_copy=keep_copy,
        progress=progress,
        cancel=cancel,
    )


def open_table(
    project: Project,
    source_id: int,
    *,
    password: str | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> OpenedTable:
    """Read a project table back, from its kept copy if any; notes say what the user should know."""
    from engine.project.datasets import open_table as _open_table

    return _open_table(project, source_id, password=password, progress=progress, cancel=cancel)


def refresh_table(
    project: Project,
    source_id: int,
    *,
    password: str | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> OpenedTable:
    """Re-read a project table from its source, keeping the user's column choices."""
    from engine.project.datasets import refresh_table as _refresh_table

    return _refresh_table(
        project, source_id, password=password, progress=progress, cancel=cancel
    )


def sample_data_dir() -> Path:
    """The folder of the bundled sample data (``resources/sample``)."""
    return Path(__file__).resolve().parent.parent / "resources" / "sample"


def define_problem(
    frame: pd.DataFrame,
    schema: Schema,
    target: str | None,
    *,
    task: Task | None = None,
    positive_class: str | None = None,
    metric: str | None = None,
    validation: ValidationPlan | None = None,
    keep: tuple[str, ...] = (),
    exclude: tuple[str, ...] = (),
    semi_supervised: bool | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> ProblemProposal:
    """Detect the task and say why, pick a metric and a validation plan, guard against leakage.

    The proposal's ``problem`` is ready to train; its findings (leakage, class balance, notes)
    are what the user reviews. ``keep`` names flagged columns the user wants to use anyway.
    """
    from engine.problem.define import propose_problem

    return propose_problem(
        frame,
        schema,
        target,
        task=task,
        positive_class=positive_class,
        metric=metric,
        validation=validation,
        keep=keep,
        exclude=exclude,
        semi_supervised=semi_supervised,
        job=Job(progress, cancel),
    )


def train(
    frame: pd.DataFrame,
    schema: Schema,
    problem: Problem,
    settings: SearchSettings | None = None,
    *,
    project: Project | None = None,
    source_id: int | None = None,
    on_update: Callable[[Leaderboard], None] | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> RunOutcome:
    """Search models under a time budget, refit the best, evaluate it on the holdout.

    ``on_update`` receives the leaderboard each time a candidate finishes. With a
    ``project`` and ``source_id`` the run (board, recipe, seed, timings, evaluation and the
    fitted model) is stored there and ``run_id`` is set. Cancel: the first press stops the
    search and keeps the best model found so far; a second press stops everything.

    Models are fitted in spawned worker processes (so Cancel can stop any fit), which
    re-import the calling script: a script that calls ``train`` needs the usual
    ``if __name__ == "__main__":`` guard, as with any ``multiprocessing`` code.
    """
    from engine.project.fingerprint import fingerprint_frame
    from engine.training.runs import store_run, train_and_evaluate
    from engine.training.search import SearchSettings

    job = Job(progress, cancel)
    outcome = train_and_evaluate(
        frame,
        schema,
        problem,
        settings or SearchSettings(),
        job=job.sub(0.0, 0.97),
        on_update=on_update,
    )
    if project is not None and source_id is not None:
        job.step(0.97, "Saving the run in the project", force=True)
        data_hash = fingerprint_frame(frame, Job()).content_hash
        store_run(project, source_id, outcome, data_hash)
    job.done("Training finished")
    return outcome


def evaluation_report(project: Project, run_id: int, path: str | Path) -> Path:
    """Write the self-contained HTML report of a stored run; returns the file written."""
    from engine.training.run_report import write_run_report

    return write_run_report(project, run_id, Path(path))


def choose_threshold(
    project: Project,
    run_id: int,
    rule: str = "f1",
    *,
    target: float | None = None,
    costs: BusinessValue | None = None,
) -> ThresholdChoice:
    """Choose a binary run's decision threshold again and store it (export uses it).

    ``rule`` is "f1", "precision" or "recall" (with ``target``, e.g. 0.8) or "value" (with
    ``costs``: the cost of a false positive and of a false negative, the value of a true
    positive). Works from the stored evaluation; no re-scoring needed.
    """
    from engine.evaluation.result import Evaluation
    from engine.evaluation.rethreshold import rechoose_threshold

    stored, _previous = project.load_evaluation(run_id)
    updated = rechoose_threshold(Evaluation.from_dict(stored), rule, target=target, costs=costs)
    assert updated.thresholds is not None and updated.thresholds.choice is not None
    choice = updated.thresholds.choice
    project.save_evaluation(run_id, updated.to_dict(), choice.to_dict())
    return choice


def export_model(
    project: Project,
    run_id: int | None,
    folder: str | Path,
    *,
    name: str | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
    force: bool = False,
) -> ExportResult:
    """Export a stored run (the latest when ``run_id`` is None) as a model package.

    Existing files of the package's names are replaced only when an earlier export wrote
    them, or with ``force``; otherwise :class:`~engine.errors.InputError` before any work.

    Writes ``NAME.onnx`` (the whole pipeline, metadata inside), ``NAME.model.json``,
    ``NAME.golden.csv`` and ``NAME.card.md`` into ``folder`` and keeps the ONNX bytes in
    the project. Raises :class:`~engine.errors.ExportError` when ONNX does not predict what
    the model predicts (the parity gate); nothing is written then.
    """
    from engine.export.from_run import export_run

    return export_run(project, run_id, folder, name=name, job=Job(progress, cancel), force=force)


def score_file(
    model_path: str | Path,
    source: Source,
    out_path: str | Path,
    *,
    key_columns: list[str] | None = None,
    password: str | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> ScoringSummary:
    """Score every row of ``source`` with an ONNX model and write the scores (CSV or Parquet).

    The model's schema and threshold come from its metadata (a plain ONNX model from another
    tool works when its inputs are named like the columns). The data is streamed in chunks,
    so memory stays flat; a failed or cancelled run leaves no output file.
    """
    from engine.export.scoring import score_source
    from engine.export.scoring_model import load_scoring_model

    model = load_scoring_model(model_path)
    return score_source(
        model, source, out_path, key_columns=key_columns, password=password,
        progress=progress, cancel=cancel,
    )


def set_threshold(
    project: Project, run_id: int, value: float, costs: BusinessValue | None = None
) -> ThresholdChoice:
    """Store a decision threshold picked by hand for a binary run (export uses it).

    The stored threshold is the cut at or above ``value`` whose holdout counts the analysis
    keeps, so the numbers shown are exact; ``costs`` replace the stored business values
    (None keeps them). Works from the stored evaluation; no re-scoring needed.
    """
    from engine.evaluation.result import Evaluation
    from engine.evaluation.threshold_pick import pick_threshold

    stored, _previous = project.load_evaluation(run_id)
    updated = pick_threshold(Evaluation.from_dict(stored), value, costs)
    assert updated.thresholds is not None and updated.thresholds.choice is not None
    choice = updated.thresholds.choice
    project.save_evaluation(run_id, updated.to_dict(), choice.to_dict())
    return choice


def check_drift(
    model_path: str | Path,
    source: Source,
    *,
    project: Project | None = None,
    history_path: str | Path | None = None,
    record: bool = True,
    html_path: str | Path | None = None,
    json_path: str | Path | None = None,
    settings: DriftSettings | None = None,
    password: str | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> DriftResult:
    """Check new data for drift against the reference inside an exported model.

    Streams ``source`` (memory stays flat), scores it, judges every column and the model's
    scores (DESIGN.md, Monitoring), stores the check in the history (``project`` when given,
    else ``history_path``, else ``NAME.drift-history.json`` beside the model; ``record=False``
    stores nothing) and writes the HTML / JSON reports asked for. A damaged history is
    refused before any data is read.
    """
    from engine.monitor.run import run_drift_check

    return run_drift_check(
        model_path, source, project=project, history_path=history_path, record=record,
        html_path=html_path, json_path=json_path, settings=settings, password=password,
        progress=progress, cancel=cancel,
    )
