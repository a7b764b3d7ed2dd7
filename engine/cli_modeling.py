"""``gristmill train`` and ``gristmill evaluate``: the modelling steps of the command line.

Kept apart from :mod:`engine.cli` (which owns the parser, exit codes and shared helpers) so
each file stays about one thing; what they print lives in :mod:`engine.cli_results`.
Progress goes to stderr, results to stdout.
"""

from __future__ import annotations

import argparse
import math
import signal
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.cli_checks import (
    at_least_one,
    finite_number,
    non_negative_int,
    refuse_clobber,
)
from engine.cli_results import (
    LiveBoard,
    format_leaderboard,
    format_metrics,
    print_json,
    print_train,
    train_document,
)
from engine.cli_sources import (
    NUMBERS_STORED,
    add_number_arguments,
    number_options,
    with_file_options,
)
from engine.errors import InputError
from engine.jobs import CancelToken

if TYPE_CHECKING:
    pass


def add_commands(commands: Any, common: argparse.ArgumentParser) -> None:
    """Register ``train`` and ``evaluate`` on the main parser's subcommands."""
    from engine.training.catalog import FAMILIES

    train = commands.add_parser(
        "train",
        parents=[common],
        help="search models for a target column and print the leaderboard",
        description=(
            "Load a data file (or a database table), define the problem from --target, search "
            "models under a time budget, refit the best on all training rows and evaluate it "
            "on held-out rows. With --project the run is stored in a .gristmill file. "
            "The time budget is the whole run (search, refit and evaluation). Exit code 5: "
            "no candidate produced any score in time, so only the baseline was kept (there "
            "is no model to export)."
        ),
    )
    train.add_argument("location", metavar="DATA", help="a data file or a database URL")
    train.add_argument("--table", help="database table or view to read")
    train.add_argument("--sql", help="a single SELECT statement to read")
    train.add_argument("--target", help="the column to predict (omit with --task clustering)")
    add_number_arguments(train, NUMBERS_STORED)
    train.add_argument(
        "--task",
        choices=["binary", "multiclass", "regression", "clustering", "anomaly"],
        help="the kind of task (default: detected from the target)",
    )
    train.add_argument("--positive-class", help="the class that counts as 'positive' (binary)")
    train.add_argument("--metric", help="the metric models are ranked by (default per task)")
    train.add_argument(
        "--time-budget", type=float, default=None, metavar="S",
        help="seconds for the whole run: search, refit and evaluation (default 60; "
        "with --max-trials alone, no time limit)",
    )
    train.add_argument(
        "--max-trials", type=at_least_one, metavar="N",
        help="at most N models (alone, without --time-budget: N models however long it takes)",
    )
    train.add_argument(
        "--models",
        nargs="+",
        choices=sorted(FAMILIES),
        metavar="FAMILY",
        help=f"model families to try (default: all available): {', '.join(FAMILIES)}",
    )
    train.add_argument("--recipe", type=Path, metavar="FILE", help="a recipe JSON file")
    train.add_argument("--project", type=Path, metavar="P", help="store the run in P.gristmill")
    train.add_argument("--seed", type=non_negative_int, default=0, help="random seed (default 0)")
    train.add_argument("--jobs", type=at_least_one, metavar="N", help="cores to use (default: all)")
    train.add_argument(
        "--split",
        choices=["stratified", "time", "group"],
        help="validation split (default: time-ordered when a date column exists)",
    )
    train.add_argument("--date-column", help="the date column of a time-ordered split")
    train.add_argument("--group-column", help="rows sharing this id stay on one side")
    train.add_argument(
        "--keep", nargs="+", default=[], metavar="COLUMN",
        help="columns flagged by the leakage guard to use anyway",
    )
    train.add_argument(
        "--exclude", nargs="+", default=[], metavar="COLUMN", help="columns to leave out"
    )
    train.add_argument("--class-weights", action="store_true", help="weigh rare classes up")
    train.add_argument(
        "--semi-supervised", action="store_true", help="also learn from rows without a target"
    )
    train.add_argument("--json", action="store_true", help="print JSON instead of text")
    train.add_argument("--quiet", "-q", action="store_true", help="no progress on stderr")
    train.set_defaults(handler=run_train)

    evaluate = commands.add_parser(
        "evaluate",
        parents=[common],
        help="report on a trained run stored in a project",
        description="Print a run's holdout metrics beside the baseline and write its report.",
    )
    evaluate.add_argument("--project", type=Path, required=True, metavar="P")
    evaluate.add_argument(
        "--run", type=at_least_one, metavar="R", help="run number (default: latest)"
    )
    evaluate.add_argument("--report", type=Path, metavar="FILE", help="write the HTML report")
    evaluate.add_argument(
        "--threshold-rule",
        choices=["f1", "precision", "recall", "value"],
        help="choose the decision threshold again (binary models) and store it for export",
    )
    evaluate.add_argument(
        "--target", type=finite_number, help="the precision or recall to reach, e.g. 0.8"
    )
    evaluate.add_argument(
        "--fp-cost", type=finite_number, help="cost of a false positive (value rule)"
    )
    evaluate.add_argument(
        "--fn-cost", type=finite_number, help="cost of a false negative (value rule)"
    )
    evaluate.add_argument(
        "--tp-value", type=finite_number, help="value of a true positive (value rule)"
    )
    evaluate.add_argument("--json", action="store_true", help="print JSON instead of text")
    evaluate.set_defaults(handler=run_evaluate)


def run_train(args: argparse.Namespace) -> int:
    """``gristmill train``: exit 0 with a model, or 5 (``NO_MODEL``) when no candidate produced
    any score and only the baseline was kept (export would have nothing to export)."""
    from engine import api
    from engine.cli import EXIT_OK, _database_password, _StderrProgress
    from engine.exit_codes import NO_MODEL
    from engine.jobs import Job
    from engine.problem.definition import SplitKind, Task, ValidationPlan
    from engine.training.search import SearchSettings

    budget_given = args.time_budget is not None
    if budget_given and (not math.isfinite(args.time_budget) or args.time_budget <= 0):
        # nan and inf would never end
        raise InputError(
            f"The time budget must be a positive, finite number of seconds, not "
            f"{args.time_budget:g}.",
            "For example: --time-budget 60",
        )
    # A trial count alone is a complete stopping rule (and the same on any machine).
    budget = args.time_budget
    if budget is None and args.max_trials is None:
        budget = 60.0
    recipe = _read_recipe(args.recipe)  # a bad recipe is refused before the data is read
    location, password = args.location, None
    if "://" in location:
        location, password = _database_password(location, False)
    source = with_file_options(
        api.source_for(location, table=args.table, sql=args.sql), number_options(args)
    )
    progress = _StderrProgress(sys.stderr, enabled=not args.quiet)
    token = CancelToken()
    job = Job(progress, token)
    stage = _Stage("reading the data")
    previous_handler = _on_ctrl_c(lambda number, frame: _interrupt(token, stage))
    try:
        # The token reaches the reader too: Ctrl-C stops a file read at its next check and
        # a database query on the server (engine.sources.db_connect), not after it returns.
        loaded = api.load_table(
            source, password=password, progress=job.sub(0.0, 0.1).step, cancel=token
        )
        stage.now = "preparing the problem"
        frame = loaded.frame
        schema = api.infer_schema(frame, progress=job.sub(0.1, 0.12).step)
        validation = None
        if args.split or args.date_column or args.group_column:
            kind = SplitKind(
                args.split
                or ("time" if args.date_column else "group" if args.group_column else "stratified")
            )
            validation = ValidationPlan(
                kind=kind, date_column=args.date_column, group_column=args.group_column
            )
        proposal = api.define_problem(
            frame,
            schema,
            args.target,
            task=Task(args.task) if args.task else None,
            positive_class=args.positive_class,
            metric=args.metric,
            validation=validation,
            keep=tuple(args.keep),
            exclude=tuple(args.exclude),
            semi_supervised=True if args.semi_supervised else None,
            progress=job.sub(0.12, 0.15).step,
        )
        problem = proposal.problem
        if args.class_weights:
            problem = problem.with_changes(class_weights=True)
        settings = SearchSettings(
            time_budget=budget,
            max_trials=args.max_trials,
            families=tuple(args.models) if args.models else None,
            seed=args.seed,
            n_jobs=args.jobs,
            recipe=recipe,
        )
        project, source_id = _project_for(args.project, source, loaded, schema, job)
        try:
            if project is not None:
                project.save_problem(source_id, problem)
            token.raise_if_cancelled()  # Ctrl-C before the search: stop, do not search
            stage.now = SEARCH_STAGE
            outcome = api.train(
                frame,
                schema,
                problem,
                settings,
                project=project,
                source_id=source_id,
                progress=job.sub(0.2, 1.0).step,
                cancel=token,
                on_update=None if args.quiet else LiveBoard(progress),
            )
        finally:
            if project is not None:
                project.close()
    finally:
        _on_ctrl_c(previous_handler)
        progress.finish()
    # Only the baseline was kept: a scheduler must not go on to export (nothing to export).
    code = NO_MODEL if _baseline_only(outcome) else EXIT_OK
    if args.json:
        print_json(train_document(outcome, proposal))
        return code
    print_train(outcome, proposal)
    return code


def _baseline_only(outcome: Any) -> bool:
    """A supervised run whose search produced no scored candidate (exit code 5)."""
    training = outcome.training
    return training.problem.task.supervised and training.best is None


def _on_ctrl_c(handler: Any) -> Any:
    """Install a SIGINT handler; returns the previous one (None off the main thread)."""
    if handler is None:
        return None
    try:
        return signal.signal(signal.SIGINT, handler)
    except ValueError:  # not the main thread (an embedding application): leave it alone
        return None


SEARCH_STAGE = "the search"


@dataclass
class _Stage:
    """What ``train`` is doing now, so a Ctrl-C message names what it stops."""

    now: str


def _interrupt(token: CancelToken, stage: _Stage) -> None:
    """Ctrl-C: during the search the first stops it and keeps the best model, the second
    stops all; before the search (reading the data, preparing) it stops the command."""
    if not token.cancelled:
        if stage.now == SEARCH_STAGE:
            sys.stderr.write(
                "\ngristmill: stopping the search; the best model so far is kept "
                "(Ctrl-C again to stop everything).\n"
            )
        else:
            sys.stderr.write(f"\ngristmill: stopping: {stage.now} was interrupted.\n")
    token.cancel()


def _read_recipe(path: Path | None) -> dict[str, Any] | None:
    if path is None:
        return None
    from engine.recipe.spec import Recipe

    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise InputError(f"The recipe file {path} cannot be read: {error.strerror}.") from error
    except UnicodeDecodeError:
        raise InputError(
            f"The recipe file {path} is not text (UTF-8 JSON).",
            "Give a recipe saved by Gristmill, or a JSON file you wrote.",
        ) from None
    from engine.recipe.params import step_params

    try:
        recipe = Recipe.from_json(text)
        for index, step in enumerate(recipe.steps):  # unknown settings, before any work
            step_params(index, step)
    except InputError as error:  # say which file: the message itself is about the content
        raise InputError(f"{path}: {error.message}", error.hint) from error
    return recipe.to_dict()


def _project_for(path: Path | None, source: Any, loaded: Any, schema: Any, job: Any) -> Any:
    """Open (or create) the project and add the table to it; (None, None) without --project."""
    if path is None:
        return None, None
    from engine import api

    project = api.open_project(path) if path.exists() else api.create_project(path)
    try:
        # Training again on the same, unchanged data reuses its source, so runs line up.
        content_hash = api.fingerprint_table(loaded.frame).content_hash
        for record in project.list_sources():
            same_data = record.fingerprint and record.fingerprint.content_hash == content_hash
            if record.source.to_dict() == source.to_dict() and same_data:
                return project, record.id
        name = Path(getattr(source, "path", "") or "table").stem or "table"
        source_id = api.add_table(
            project, name, source, loaded, schema=schema, progress=job.sub(0.15, 0.2).step
        )
    except BaseException:
        project.close()
        raise
    return project, source_id


def _costs(args: argparse.Namespace) -> Any:
    amounts = (args.fp_cost, args.fn_cost, args.tp_value)
    if all(value is None for value in amounts):
        return None
    if any(value is None for value in amounts):
        raise InputError(
            "Business value needs all three amounts.",
            "Give --fp-cost, --fn-cost and --tp-value together.",
        )
    from engine.evaluation.result import BusinessValue

    return BusinessValue(
        false_positive_cost=args.fp_cost,
        false_negative_cost=args.fn_cost,
        true_positive_value=args.tp_value,
    )


def run_evaluate(args: argparse.Namespace) -> int:
    from engine import api
    from engine.cli import EXIT_OK
    from engine.evaluation.result import Evaluation

    if not args.project.exists():
        raise InputError(
            f"There is no project file at {args.project}.",
            "Train with --project first, or check the path.",
        )
    refuse_clobber({"--report": args.report}, {"the project": args.project})
    if args.report is not None and not args.report.expanduser().parent.is_dir():
        # Refused before the report is built (its plots take a while), not when writing it.
        raise InputError(
            f"The folder of --report, {args.report.expanduser().parent}, does not exist.",
            "Create the folder first, or write the report into one that exists.",
        )
    project = api.open_project(args.project)
    try:
        runs = project.list_runs()
        if not runs:
            raise InputError(f"{args.project} has no training runs yet.", "Run gristmill train.")
        run = project.load_run(args.run) if args.run is not None else runs[-1]
        if args.threshold_rule:
            api.choose_threshold(
                project, run.id, args.threshold_rule, target=args.target, costs=_costs(args)
            )
        evaluation = Evaluation.from_dict(project.load_evaluation(run.id)[0])
        written = api.evaluation_report(project, run.id, args.report) if args.report else None
    finally:
        project.close()
    if args.json:
        print_json(
            {
                "run_id": run.id,
                "leaderboard": run.leaderboard.to_dict(),
                "evaluation": evaluation.to_dict(),
                "report": None if written is None else str(written),
            }
        )
        return EXIT_OK
    out = sys.stdout
    out.write(f"Run {run.id} ({run.status}, {run.created_at:%Y-%m-%d %H:%M} UTC)\n\n")
    out.write(format_leaderboard(run.leaderboard, shown=10))
    out.write("\n")
    out.write(format_metrics(evaluation))
    if written is not None:
        out.write(f"\nReport written to {written}\n")
    return EXIT_OK
