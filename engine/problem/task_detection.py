"""Guess the task from the target column, say why, and turn the target into training labels.

Decisions (the user confirms or changes each one in the Problem step):

- Labels are text. Whole numbers read as integers ("0", "1", never "0.0"); other numbers as
  Python prints them ("2.5"); booleans as "yes"/"no" -- the loader turns yes/no, true/false,
  y/n, 1/0 text into booleans, and "yes"/"no" is the plain-word spelling of either.
- ``classes`` are sorted as text, the order scikit-learn gives ``classes_`` (``np.unique`` on
  strings), so probability columns line up with them without any remapping.
- Task: a yes/no column, or any column with exactly 2 values, is binary. Text and categories
  with 3 or more values are multiclass. Numbers: whole numbers with at most
  :data:`MAX_INTEGER_CLASSES` distinct values are multiclass (confirm: they could be amounts);
  up to :data:`MAX_AMBIGUOUS_INTEGERS` distinct whole numbers are regression (confirm);
  anything else numeric is regression.
- Positive class of a binary task: the conventional word for the event when exactly one of
  the two labels is one (yes, true, churned, fraud, default...; 1, y, t only against 0, n, f),
  or the other label when exactly one is the usual word for no event (no, false, stayed...);
  otherwise the rarer class (on a tie, the last label in sorted order).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from engine.errors import InputError
from engine.problem.definition import Task
from engine.profile.schema import ColumnKind

MAX_INTEGER_CLASSES = 10
MAX_AMBIGUOUS_INTEGERS = 20
MANY_CLASSES = 50  # a text target with more values than this is probably not a class label
# Letters and digits mean yes/no only as a pair: {1, 2} is not "1 = yes".
POSITIVE_PAIRS = {frozenset(("1", "0")): "1", frozenset(("y", "n")): "y",
                  frozenset(("t", "f")): "t"}

POSITIVE_WORDS = frozenset((
    "yes", "true", "positive", "pos", "churn", "churned", "fraud",
    "fraudulent", "default", "defaulted", "bad", "spam", "sick", "disease", "malignant",
    "fail", "failed", "failure", "left", "lost", "cancelled", "canceled", "closed",
    "attrited", "risk", "high risk", "event", "claim", "converted", "purchased", "clicked",
))
NEGATIVE_WORDS = frozenset((
    "no", "false", "negative", "neg", "stayed", "retained", "active",
    "good", "ham", "healthy", "benign", "ok", "pass", "passed", "none", "normal", "legit",
))


@dataclass(frozen=True)
class TaskGuess:
    """The detected task, why, the class labels and the positive class; ``confirm`` asks
    the user to check the guess because it could reasonably be something else."""

    task: Task
    reason: str
    classes: tuple[str, ...]
    positive_class: str | None
    confirm: bool

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["task"] = self.task.value
        data["classes"] = list(self.classes)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TaskGuess:
        return cls(Task(data["task"]), data["reason"], tuple(data["classes"]),
                   data.get("positive_class"), bool(data["confirm"]))


def _text(value: Any) -> str:
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        number = float(value)
        return str(int(number)) if number.is_integer() and abs(number) < 2**63 else str(number)
    return str(value)


def label_strings(target: pd.Series) -> np.ndarray:
    """The target as an object array of text labels, ``None`` where the value is missing."""
    dtype = target.dtype
    missing = target.isna().to_numpy()
    out = np.empty(len(target), dtype=object)
    if pd.api.types.is_bool_dtype(dtype):
        flags = target.fillna(False).astype(bool).to_numpy()
        out[:] = np.where(flags, "yes", "no").tolist()
    elif pd.api.types.is_numeric_dtype(dtype):
        numbers = target.astype("float64").to_numpy(dtype=np.float64, na_value=np.nan)[~missing]
        whole = np.isfinite(numbers) & (numbers == np.floor(numbers)) & (np.abs(numbers) < 2**63)
        texts = np.empty(len(numbers), dtype=object)
        texts[whole] = numbers[whole].astype(np.int64).astype(str).tolist()
        texts[~whole] = [str(float(v)) for v in numbers[~whole]]
        out[~missing] = texts
    else:
        values = target.to_numpy(dtype=object, na_value=None)
        out[:] = [v if isinstance(v, str) or v is None else _text(v) for v in values]
    out[missing] = None
    return out


def _numbers(target: pd.Series) -> np.ndarray:
    """Non-missing finite values of a numeric or boolean column, as float64."""
    values = pd.to_numeric(target, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    return values[np.isfinite(values)]


def _is_numeric(target: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(target.dtype) and not pd.api.types.is_bool_dtype(
        target.dtype)


def _quote(labels: list[str]) -> str:
    return ", ".join(labels)


def detect_task(target: pd.Series, kind: ColumnKind) -> TaskGuess:
    """Guess binary, multiclass or regression from the target's values, with the reason."""
    name = target.name
    present = target.dropna()
    if len(present) == 0:
        raise InputError(
            f"The target column {name!r} has no values: every row is empty.",
            "Choose a column that holds the outcome you want to predict.",
        )
    if pd.api.types.is_datetime64_any_dtype(target.dtype) or kind is ColumnKind.DATETIME:
        raise InputError(
            f"The target column {name!r} holds dates, which cannot be predicted directly.",
            "Derive a number from them first (for example days until the event) or choose "
            "another column.",
        )
    numeric = _is_numeric(target) and kind in (ColumnKind.NUMERIC, ColumnKind.CATEGORICAL,
                                                ColumnKind.IDENTIFIER)
    labels_all: np.ndarray | None = None
    if numeric:
        values = _numbers(present)
        distinct = np.unique(values)
        whole = bool(np.all(distinct == np.floor(distinct)))
        distinct_labels = label_strings(pd.Series(distinct)) if len(distinct) <= (
            MAX_AMBIGUOUS_INTEGERS) else distinct  # a long numeric column needs no labels
    else:
        labels_all = label_strings(present)
        distinct_labels = pd.unique(labels_all)
        whole = False
    count = len(distinct_labels)
    if count < 2:
        only = _text(distinct_labels[0]) if count else "(none)"
        raise InputError(
            f"The target column {name!r} has a single value ({only!r}) in every row, so "
            "there is nothing to predict.",
            "Choose a column whose value differs between rows.",
        )
    long_numbers = numeric and count > MAX_AMBIGUOUS_INTEGERS
    classes = () if long_numbers else tuple(sorted(str(v) for v in distinct_labels))
    if count == 2:
        labels_all = label_strings(present) if labels_all is None else labels_all
        positive, why = choose_positive_class(labels_all, classes)
        shown = _quote(sorted(classes, key=lambda c: c != positive))
        confirm = numeric and set(classes) != {"0", "1"}
        return TaskGuess(Task.BINARY, f"2 values ({shown}): binary; positive class "
                         f"{positive!r} ({why})", classes, positive, confirm)
    if numeric:
        kind_words = "whole numbers" if whole else "numbers"
        if whole and count <= MAX_INTEGER_CLASSES:
            return TaskGuess(Task.MULTICLASS, f"{count} distinct integer values: multiclass; "
                             "confirm (choose regression if they are amounts)", classes, None,
                             True)
        if whole and count <= MAX_AMBIGUOUS_INTEGERS:
            return TaskGuess(Task.REGRESSION, f"{count} distinct {kind_words}: regression; "
                             "confirm (choose multiclass if they are categories)", (), None, True)
        return TaskGuess(Task.REGRESSION, "continuous numbers: regression" if not whole else
                         f"{count} distinct whole numbers: regression", (), None, False)
    confirm = count > MANY_CLASSES or kind in (ColumnKind.TEXT, ColumnKind.IDENTIFIER)
    extra = "; confirm (that is many classes)" if count > MANY_CLASSES else (
        "; confirm" if confirm else "")
    preview = _quote(list(classes[:5])) + (", ..." if count > 5 else "")
    return TaskGuess(Task.MULTICLASS, f"{count} distinct values ({preview}): multiclass{extra}",
                     classes, None, confirm)


def choose_positive_class(labels: np.ndarray, classes: tuple[str, ...]) -> tuple[str, str]:
    """The positive class of a binary target and why it was chosen."""
    counts = {label: int(np.sum(labels == label)) for label in classes}
    rarer = min(classes[::-1], key=lambda label: counts[label])
    folded = {c.strip().lower(): c for c in classes}
    paired = POSITIVE_PAIRS.get(frozenset(folded))
    conventional = [folded[paired]] if paired else [
        c for c in classes if c.strip().lower() in POSITIVE_WORDS]
    if len(conventional) == 1:
        chosen = conventional[0]
        if chosen == rarer and counts[classes[0]] != counts[classes[1]]:
            return chosen, "the rarer one, and the usual label for the event"
        return chosen, "the usual label for the event"
    negative = [c for c in classes if c.strip().lower() in NEGATIVE_WORDS]
    if len(negative) == 1:
        other = next(c for c in classes if c != negative[0])
        return other, "the other one is the usual label for no event"
    if counts[classes[0]] == counts[classes[1]]:
        return rarer, "both are equally common: confirm"
    return rarer, "the rarer one"


def target_labels(target: pd.Series, task: Task) -> np.ndarray:
    """The ``y`` array training uses: text labels (object array, ``None`` for missing) for
    classification, float64 (NaN for missing; infinities count as missing) for regression."""
    task = Task(task)
    if task.classification:
        return label_strings(target)
    if task is not Task.REGRESSION:
        raise InputError(f"A {task.value} task has no target.",
                         "Leave the target empty for clustering and anomaly detection.")
    name = target.name
    if pd.api.types.is_datetime64_any_dtype(target.dtype):
        raise InputError(f"The target column {name!r} holds dates; regression needs numbers.",
                         "Derive a number from the dates first, or choose another column.")
    if pd.api.types.is_bool_dtype(target.dtype) or _is_numeric(target):
        values = target.astype("float64").to_numpy(dtype=np.float64, na_value=np.nan)
    else:
        present = target.dropna()
        converted = pd.to_numeric(present.astype(str).str.strip(), errors="coerce")
        failed = present[converted.isna().to_numpy()]
        if len(failed):
            raise InputError(
                f"The target column {name!r} holds text (for example {str(failed.iloc[0])!r}); "
                "regression needs numbers.",
                "Choose binary or multiclass to predict categories, or choose a numeric column.",
            )
        values = pd.to_numeric(target, errors="coerce").to_numpy(dtype=np.float64,
                                                                  na_value=np.nan)
    values = values.copy()
    values[~np.isfinite(values)] = np.nan
    return values
