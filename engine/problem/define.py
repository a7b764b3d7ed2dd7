"""Propose a problem from a table: task, positive class, metric, features, validation plan.

:func:`propose_problem` makes every automatic choice and says why in ``notes``; the user then
changes what they want and calls it again with their choices (task, metric, validation, keep,
exclude...). Decisions worth knowing:

- Features are the schema's feature columns minus the target, text and identifier columns,
  the columns in ``exclude`` and the leakage guard's findings. ``keep`` overrides the leakage
  guard and brings back a column the schema left out (except free text, which no recipe step
  reads).
- A time-ordered split is the default when the table has a date column (the first one the
  leakage guard does not flag); otherwise a random, stratified split.
- More columns than labelled rows is a warning note, not an error: such tables (genomics,
  surveys) are modelled on purpose, with regularised models; the note says the risk. Fewer
  than :data:`MIN_LABELLED_ROWS` labelled rows is an error: nothing can be tested on them.
- Infinite values and numbers too large for float32 (the exported model's number type) are
  noted per column: the recipe treats them as missing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from engine.errors import InputError
from engine.jobs import Job
from engine.problem.definition import Problem, SplitKind, Task, ValidationPlan
from engine.problem.imbalance import ClassBalance, class_balance
from engine.problem.leakage import LeakageFinding, find_leakage
from engine.problem.metrics import check_metric, default_metric
from engine.problem.task_detection import (
    TaskGuess,
    choose_positive_class,
    detect_task,
    target_labels,
)
from engine.profile.schema import ColumnKind, ColumnRole, Schema

MIN_LABELLED_ROWS = 20
SEMI_SUPERVISED_SHARE = 0.05
FLOAT32_MAX = float(np.finfo(np.float32).max)
CLUSTER_SAMPLE = 20_000
_NOT_FEATURES = (ColumnKind.TEXT, ColumnKind.IDENTIFIER)


@dataclass(frozen=True)
class ProblemProposal:
    """The proposed :class:`Problem` with what led to it, for the Problem step to show."""

    problem: Problem
    guess: TaskGuess | None
    leakage: tuple[LeakageFinding, ...]
    balance: ClassBalance | None
    notes: tuple[str, ...]
    date_columns: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "problem": self.problem.to_dict(),
            "guess": self.guess.to_dict() if self.guess else None,
            "leakage": [finding.to_dict() for finding in self.leakage],
            "balance": self.balance.to_dict() if self.balance else None,
            "notes": list(self.notes),
            "date_columns": list(self.date_columns),
        }


def _check_names(frame: pd.DataFrame, names: Sequence[str], what: str) -> None:
    unknown = [name for name in names if name not in frame.columns]
    if unknown:
        raise InputError(f"There is no column named {unknown[0]!r} (in {what}).",
                         f"Columns are: {', '.join(map(str, frame.columns))}.")


def _kind(frame: pd.DataFrame, schema: Schema, name: str) -> ColumnKind:
    if name in schema.names:
        return schema[name].kind
    dtype = frame[name].dtype
    if pd.api.types.is_bool_dtype(dtype):
        return ColumnKind.BOOLEAN
    if pd.api.types.is_numeric_dtype(dtype):
        return ColumnKind.NUMERIC
    return ColumnKind.CATEGORICAL


def _candidate_features(frame: pd.DataFrame, schema: Schema, target: str | None,
                        keep: Sequence[str], notes: list[str]) -> list[str]:
    chosen, text = [], []
    for column in schema.columns:
        if column.name == target or column.name not in frame.columns:
            continue
        if column.kind is ColumnKind.TEXT:
            text.append(column.name)
        elif column.name in keep or (column.role is ColumnRole.FEATURE
                                     and column.kind not in _NOT_FEATURES):
            chosen.append(column.name)
    if text:
        notes.append(f"Free-text columns are not used as features: {', '.join(text)}.")
    return chosen


def _number_notes(frame: pd.DataFrame, columns: Sequence[str]) -> list[str]:
    notes = []
    for name in columns:
        series = frame[name]
        if pd.api.types.is_bool_dtype(series.dtype) or not pd.api.types.is_numeric_dtype(
                series.dtype):
            continue
        values = series.to_numpy(dtype=np.float64, na_value=np.nan)
        infinite = int(np.isinf(values).sum())
        huge = int((np.abs(values[np.isfinite(values)]) > FLOAT32_MAX).sum())
        if infinite:
            notes.append(f"{name!r} holds {infinite:,} infinite values; they are treated as "
                         "missing.")
        if huge:
            notes.append(f"{name!r} holds {huge:,} numbers too large for the model's number "
                         "type (beyond 3.4e38); they are treated as missing. Check the unit.")
    return notes


def _validation_for(frame: pd.DataFrame, validation: ValidationPlan) -> None:
    from engine.problem.splits import date_order_values

    if validation.kind is SplitKind.TIME:
        if not validation.date_column:
            raise InputError("A time-ordered split needs a date column.",
                             "Name the date column that orders the rows, or use a random split.")
        date_order_values(frame, validation.date_column)  # raises when it cannot be read
    if validation.kind is SplitKind.GROUP and (
            not validation.group_column or validation.group_column not in frame.columns):
        raise InputError(f"A grouped split needs an existing column naming the entity "
                             f"(got {validation.group_column!r}).",
                             "Choose the ID column whose rows belong together.")
    if not 0 <= validation.holdout_fraction < 1 or validation.folds < 2:
        raise InputError("The holdout share must be between 0 and 1 and there must be at "
                         "least 2 folds.", "Use for example a 20% holdout and 5 folds.")


def _resolve_positive(requested: str | None, classes: tuple[str, ...], y: np.ndarray,
                      guess: TaskGuess) -> str:
    if requested is None:
        if guess.positive_class in classes:
            return guess.positive_class
        return choose_positive_class(y[~pd.isna(y)], classes)[0]
    for label in classes:
        if str(requested) == label:
            return label
    folded = [label for label in classes if label.lower() == str(requested).strip().lower()]
    if len(folded) == 1:
        return folded[0]
    raise InputError(f"{requested!r} is not one of the target's classes.",
                     f"Choose the positive class among: {', '.join(classes)}.")


def propose_problem(
    frame: pd.DataFrame,
    schema: Schema,
    target: str | None,
    *,
    task: Task | None = None,
    positive_class: str | None = None,
    metric: str | None = None,
    validation: ValidationPlan | None = None,
    keep: Sequence[str] = (),
    exclude: Sequence[str] = (),
    semi_supervised: bool | None = None,
    job: Job | None = None,
) -> ProblemProposal:
    """Detect and propose the problem for ``target`` (None: clustering or anomaly detection)."""
    job = job or Job()
    _check_names(frame, keep, "the columns to keep")
    _check_names(frame, exclude, "the columns to leave out")
    notes: list[str] = []
    dates = tuple(c.name for c in schema.columns if c.kind is ColumnKind.DATETIME
                  and c.name != target and c.name in frame.columns)
    if validation is not None:
        _validation_for(frame, validation)
    if target is None:
        from engine.problem.unsupervised import propose_unsupervised

        return propose_unsupervised(frame, schema, task, positive_class, metric, validation,
                                    keep, exclude, semi_supervised, dates, job)
    if target not in frame.columns:
        raise InputError(f"There is no column named {target!r} to predict.",
                         f"Columns are: {', '.join(map(str, frame.columns))}.")
    if target in keep:
        raise InputError(f"The target {target!r} cannot also be a feature.",
                         "Remove it from the columns to keep.")
    task = Task(task) if task is not None else None
    if task is not None and not task.supervised:
        raise InputError(f"{task.value.capitalize()} uses no target column.",
                         "Leave the target empty, or choose binary, multiclass or regression.")
    job.step(0.0, "Detecting the task")
    guess = detect_task(frame[target], _kind(frame, schema, target))
    task = task or guess.task
    y = target_labels(frame[target], task)
    classes: tuple[str, ...] = ()
    labelled = ~pd.isna(y) if task.classification else np.isfinite(y)
    if task.classification:
        classes = tuple(sorted(pd.unique(y[labelled]).tolist()))
        if task is Task.BINARY and len(classes) != 2:
            raise InputError(f"A binary task needs exactly 2 classes; {target!r} has "
                             f"{len(classes)}.", "Choose multiclass, or regression for amounts.")
    elif len(np.unique(y[labelled])) < 2:
        raise InputError(f"The target {target!r} has a single numeric value.",
                         "Choose a column whose value differs between rows.")
    if task is Task.BINARY:
        positive = _resolve_positive(positive_class, classes, y, guess)
    elif positive_class is not None:
        raise InputError("A positive class applies only to a binary (two-class) task.",
                         "Leave the positive class empty.")
    else:
        positive = None
    metric = check_metric(metric, task).name if metric else default_metric(task)
    count = int(labelled.sum())
    if count < MIN_LABELLED_ROWS:
        raise InputError(f"Only {count} rows have a value in {target!r}: too few to train and "
                         "test a model.", f"Provide at least {MIN_LABELLED_ROWS} labelled rows.")
    reason = guess.reason if task is guess.task else (
        f"{task.value}: chosen by you (detected: {guess.reason})")
    features = _candidate_features(frame, schema, target, keep, notes)
    # The leakage guard compares other dates with the split's date column.
    anchor = validation.date_column if validation and validation.kind is SplitKind.TIME else (
        dates[0] if dates and validation is None else None)
    findings = find_leakage(frame, schema, target, task, date_column=anchor, job=job.sub(0.1, 0.9))
    findings = [replace(f, exclude=f.column not in keep) for f in findings]
    left_out = {f.column for f in findings if f.exclude} | set(exclude)
    for finding in findings:
        state = "Kept as you asked." if not finding.exclude else "Left out (you may keep it)."
        notes.append(f"Possible leakage: {finding.reason} {state}")
    features = [name for name in features if name not in left_out]
    if not features:
        raise InputError("No feature columns are left to learn from.",
                         "Keep some of the left-out columns, or add columns to the table.")
    if validation is None:
        validation = _default_validation(frame, dates, left_out, notes)
    notes.extend(_number_notes(frame, [*features, *([target] if not task.classification
                                                    else [])]))
    if len(features) >= count:
        notes.append(f"There are more feature columns ({len(features):,}) than labelled rows "
                     f"({count:,}): models will overfit easily. Add rows, or leave columns out.")
    balance = class_balance(y) if task.classification else None
    if balance and balance.imbalanced:
        notes.append(balance.message)
    semi = _semi_supervised(len(y) - count, len(y), task, semi_supervised, notes)
    _group_hint(frame, schema, notes)
    job.done("Problem proposed")
    problem = Problem(
        task=task, features=tuple(features), metric=metric, target=target, classes=classes,
        positive_class=positive, validation=validation,
        class_weights=bool(balance and balance.suggest_class_weights), semi_supervised=semi,
        excluded=tuple(n for n in frame.columns if n in left_out and n != target), reason=reason,
    )
    return ProblemProposal(problem, guess, tuple(findings), balance, tuple(notes), dates)


def _default_validation(frame: pd.DataFrame, dates: tuple[str, ...], left_out: set[str],
                        notes: list[str]) -> ValidationPlan:
    from engine.problem.splits import date_order_values

    for name in dates:
        if name in left_out:
            continue
        try:
            date_order_values(frame, name)
        except InputError:
            continue
        notes.append(f"A time-ordered split is offered because {name!r} holds dates: the model "
                     "trains on older rows and is tested on the newest 20%. Switch to a random "
                     "split if the rows' order in time does not matter.")
        return ValidationPlan(kind=SplitKind.TIME, date_column=name)
    return ValidationPlan()


def _semi_supervised(missing: int, rows: int, task: Task, asked: bool | None,
                     notes: list[str]) -> bool:
    if asked and not task.classification:
        raise InputError("Semi-supervised training is available for classification only.",
                         "Turn it off, or choose a binary or multiclass task.")
    if missing and missing / rows > SEMI_SUPERVISED_SHARE:
        if task.classification:
            notes.append(f"{missing:,} rows ({missing / rows:.0%}) have no target value. "
                         "Semi-supervised training (self-training) can also learn from them; "
                         + ("it is on." if asked else "it is off unless you turn it on."))
        else:
            notes.append(f"{missing:,} rows ({missing / rows:.0%}) have no target value; they "
                         "are left out.")
    if asked and not missing:
        notes.append("Every row has a target value, so semi-supervised training has nothing "
                     "to add; it stays off.")
        return False
    return bool(asked)


def _group_hint(frame: pd.DataFrame, schema: Schema, notes: list[str]) -> None:
    for column in schema.columns:
        if column.kind is ColumnKind.IDENTIFIER and column.name in frame.columns:
            values = frame[column.name].dropna()
            distinct = values.nunique()
            if len(values) and distinct < 0.95 * len(values):
                notes.append(f"Several rows share the same {column.name!r} ({distinct:,} values "
                             f"for {len(values):,} rows): if they describe the same entity, "
                             "choose a grouped split so it is not both trained and tested on.")
