"""The leakage guard: columns that would let a model cheat, found and explained in plain words.

What is measured, on a sample of at most :data:`SAMPLE_ROWS` labelled rows (fixed seed, so the
answer is repeatable and a million-row table takes about as long as a 20,000-row one):

- ``identifier``: the schema calls the column an identifier, or (text, or whole numbers with an
  ID-like name) every sampled value differs. An ID describes the row, not the customer, so it
  cannot generalise; a model that "learns" it memorises.
- ``target_copy``: the column is a recoding of the target -- each of its values (missing
  counting as a value) goes with one class and each class with one value, in at least 99% of
  rows (``churned`` spelled 0/1, ``status`` = "left"/"stayed") -- or, for regression, it rises
  and falls with the target in lock step (Spearman rank correlation of at least 0.999: the
  target in other units, its logarithm, any monotone transform).
- ``near_perfect``: the column alone predicts the target almost perfectly on rows it was not
  fitted on: a depth-4 decision tree (numbers, dates, yes/no; missing values handled by the
  tree) or a per-value lookup (categories) is fitted on 70% of the sample and scored on the
  other 30%; ROC AUC (binary), balanced accuracy (multiclass) or R² (regression) of at least
  :data:`NEAR_PERFECT` flags it (only from :data:`MIN_JUDGED_ROWS` labelled rows up: on fewer,
  an honest column can score 1.0 by chance). Real predictors rarely get there alone; a
  column filled in after the outcome often does.
- ``future_date``: what can be measured without knowing when each outcome happened:
  (1) with a date column that orders the rows (the time split's column, the moment of
  prediction), another date column that is later than it in at least
  :data:`FUTURE_SHARE` of rows holds information from after that moment; (2) for
  classification, a date column that is filled in for one outcome and empty for the other
  (its missingness alone gives an AUC or balanced accuracy of at least
  :data:`MISSINGNESS_SCORE`) was most likely recorded when the outcome happened (a cancellation
  date). A date that merely correlates with the target is left to the near-perfect test.

Every finding is excluded by default (``exclude=True``); the user may keep any of them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from engine.jobs import Job
from engine.problem.definition import Task
from engine.problem.task_detection import target_labels
from engine.profile.schema import ColumnKind, ColumnRole, Schema

SAMPLE_ROWS = 20_000
NEAR_PERFECT = 0.98
COPY_PURITY = 0.99
COPY_RANK = 0.999
FUTURE_SHARE = 0.9
MISSINGNESS_SCORE = 0.9
MIN_UNIQUE_ROWS = 20
MIN_JUDGED_ROWS = 100  # below this, the one-column model test is skipped
SEED = 0
FLOAT32_MAX = float(np.finfo(np.float32).max)


@dataclass(frozen=True)
class LeakageFinding:
    """A column the leakage guard flags, why in plain words, and whether it is left out."""

    column: str
    reason: str
    kind: str  # "near_perfect" | "target_copy" | "identifier" | "future_date"
    exclude: bool = True

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LeakageFinding:
        return cls(data["column"], data["reason"], data["kind"], bool(data.get("exclude", True)))


def _numeric_view(series: pd.Series) -> np.ndarray | None:
    """Numbers, yes/no and dates as float64 with NaN; None for text and categories."""
    dtype = series.dtype
    if pd.api.types.is_datetime64_any_dtype(dtype):
        from engine.problem.splits import timestamps_as_numbers

        return timestamps_as_numbers(series)
    if pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_numeric_dtype(dtype):
        values = np.array(series.astype("float64").to_numpy(dtype=np.float64, na_value=np.nan))
        # Infinities and numbers beyond float32 (trees compute in float32) count as missing,
        # as the recipe treats them.
        with np.errstate(invalid="ignore"):
            values[~(np.abs(values) <= FLOAT32_MAX)] = np.nan
        return values
    return None


def _keys(series: pd.Series) -> np.ndarray:
    """Each value as text, missing as a value of its own (an empty cell can carry the target)."""
    return series.astype("string").fillna("\x00missing").to_numpy(dtype=object)


class _Sample:
    """The labelled sample, its 70/30 parts and the target in the forms the tests need."""

    def __init__(self, frame: pd.DataFrame, target: str, task: Task) -> None:
        full = frame[target]
        labelled = np.flatnonzero(full.notna().to_numpy())
        rng = np.random.default_rng(SEED)
        if len(labelled) > SAMPLE_ROWS:
            labelled = np.sort(rng.choice(labelled, SAMPLE_ROWS, replace=False))
        self.rows = labelled
        self.frame = frame.iloc[labelled]
        y = target_labels(self.frame[target], task)
        keep = np.ones(len(y), dtype=bool) if task.classification else np.isfinite(y)
        self.frame, self.y = self.frame.iloc[np.flatnonzero(keep)], y[keep]
        self.task = task
        order = rng.permutation(len(self.y))
        cut = int(len(order) * 0.7)
        self.fit, self.test = np.sort(order[:cut]), np.sort(order[cut:])
        if task.classification:
            self.y_text = self.y.astype(str)
            self.classes, self.codes = np.unique(self.y_text, return_inverse=True)

    def judge(self, predicted: np.ndarray) -> float:
        """Holdout score of a one-column model: AUC, balanced accuracy or R²."""
        from sklearn.metrics import balanced_accuracy_score, r2_score, roc_auc_score

        test = self.test
        if self.task is Task.REGRESSION:
            truth = self.y[test]
            return float(r2_score(truth, predicted)) if np.ptp(truth) > 0 else 0.0
        truth = self.codes[test]
        if len(np.unique(truth)) < 2:
            return 0.0
        if self.task is Task.BINARY:
            return float(roc_auc_score(truth, predicted[:, 1]))
        return float(balanced_accuracy_score(truth, predicted.argmax(axis=1)))


def _tree_score(sample: _Sample, values: np.ndarray) -> float:
    from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

    column = values.reshape(-1, 1)
    if np.isnan(values[sample.fit]).all():
        return 0.0
    if sample.task is Task.REGRESSION:
        model: Any = DecisionTreeRegressor(max_depth=4, random_state=SEED)
        model.fit(column[sample.fit], sample.y[sample.fit])
        return sample.judge(model.predict(column[sample.test]))
    model = DecisionTreeClassifier(max_depth=4, random_state=SEED)
    model.fit(column[sample.fit], sample.codes[sample.fit])
    proba = np.zeros((len(sample.test), len(sample.classes)))
    proba[:, model.classes_] = model.predict_proba(column[sample.test])
    return sample.judge(proba)


def _lookup_score(sample: _Sample, keys: np.ndarray) -> float:
    """Per-value lookup fitted on the 70% part; unseen values get the overall average."""
    fit_keys, test_keys = keys[sample.fit], keys[sample.test]
    if sample.task is Task.REGRESSION:
        table = pd.Series(sample.y[sample.fit]).groupby(fit_keys).mean()
        overall = float(np.mean(sample.y[sample.fit]))
        predicted = pd.Series(test_keys).map(table).fillna(overall).to_numpy(dtype=np.float64)
        return sample.judge(predicted)
    onehot = np.eye(len(sample.classes))[sample.codes[sample.fit]]
    table = pd.DataFrame(onehot).groupby(fit_keys).mean()
    overall = onehot.mean(axis=0)
    predicted = np.array(table.reindex(test_keys).to_numpy(dtype=np.float64))
    missing = np.isnan(predicted).any(axis=1)
    predicted[missing] = overall
    return sample.judge(predicted)


def _recoding(sample: _Sample, keys: np.ndarray) -> str | None:
    """'a' ↔ 'yes', 'b' ↔ 'no' when the column's values and the classes pair up one to one."""
    table = pd.crosstab(pd.Series(keys, name="v"), pd.Series(sample.y_text, name="y"))
    if len(table) != len(sample.classes) or table.shape[1] != len(sample.classes):
        return None
    agree = table.to_numpy().max(axis=1).sum() / table.to_numpy().sum()
    pairs = table.idxmax(axis=1)
    if agree < COPY_PURITY or pairs.nunique() != len(pairs):
        return None
    shown = ", ".join(f"{'(empty)' if k == chr(0) + 'missing' else k} ↔ {v}"
                      for k, v in list(pairs.items())[:4])
    return shown


def _spearman(a: np.ndarray, b: np.ndarray) -> float:
    both = ~np.isnan(a) & ~np.isnan(b)
    if both.sum() < 10 or np.ptp(a[both]) == 0:
        return 0.0
    ranks_a = pd.Series(a[both]).rank().to_numpy()
    ranks_b = pd.Series(b[both]).rank().to_numpy()
    return float(abs(np.corrcoef(ranks_a, ranks_b)[0, 1]))


def _missingness_score(sample: _Sample, values: np.ndarray) -> tuple[float, str]:
    """How well 'is this date filled in?' alone separates the classes, and the shares."""
    filled = ~np.isnan(values)
    share = filled.mean()
    if not 0.01 <= share <= 0.99:
        return 0.0, ""
    from sklearn.metrics import balanced_accuracy_score, roc_auc_score

    if sample.task is Task.BINARY:
        score = roc_auc_score(sample.codes, filled.astype(float))
        score = max(score, 1 - score)
    else:
        table = pd.crosstab(filled, sample.codes)
        guess = table.idxmax(axis=1).reindex(filled).to_numpy()
        score = balanced_accuracy_score(sample.codes, guess)
    rates = [f"{filled[sample.y_text == c].mean():.0%} of {str(c)!r} rows"
             for c in sample.classes[:4]]
    return float(score), ", ".join(rates)


def find_leakage(
    frame: pd.DataFrame,
    schema: Schema,
    target: str,
    task: Task,
    *,
    date_column: str | None = None,
    job: Job | None = None,
) -> list[LeakageFinding]:
    """Flag columns that leak the target (see the module docstring for each test)."""
    from engine.profile.infer import looks_like_id_name

    job = job or Job()
    task = Task(task)
    job.step(0.0, "Sampling rows to look for leakage")
    sample = _Sample(frame, target, task)
    known = {column.name: column for column in schema.columns}
    anchor = None
    if date_column and date_column != target and date_column in frame.columns:
        anchor = _numeric_view(sample.frame[date_column])
        if anchor is not None and not pd.api.types.is_datetime64_any_dtype(
                frame[date_column].dtype):
            anchor = None  # only real dates can be compared with other dates
    names = [name for name in frame.columns if name != target]
    findings: list[LeakageFinding] = []
    for number, name in enumerate(names):
        job.step(0.05 + 0.95 * number / max(len(names), 1), f"Checking {name} for leakage")
        info = known.get(name)
        kind = info.kind if info else None
        series = sample.frame[name]
        values = _numeric_view(series)
        present = series.dropna()
        unique = len(present) >= MIN_UNIQUE_ROWS and present.nunique() == len(present)
        if kind is ColumnKind.IDENTIFIER or (unique and (
                (values is None and kind is not ColumnKind.TEXT)
                or (values is not None and kind is ColumnKind.NUMERIC
                    and looks_like_id_name(name)
                    and np.array_equal(present.to_numpy(float), np.floor(present.to_numpy(float))))
        )):
            why = ("every value is different (an ID)" if unique else
                   "it is an identifier")
            findings.append(LeakageFinding(name, f"{name!r} identifies rows: {why}. A model "
                                           "would memorise it and learn nothing that carries "
                                           "to new rows.", "identifier"))
            continue
        if (info and info.role is ColumnRole.IGNORED) or kind is ColumnKind.TEXT:
            continue  # not a feature anyway; only the identifier test concerns it
        finding = _judge_column(sample, name, series, values, anchor, date_column)
        if finding:
            findings.append(finding)
    job.done("Leakage check done")
    return findings


def _judge_column(sample: _Sample, name: str, series: pd.Series, values: np.ndarray | None,
                  anchor: np.ndarray | None, date_column: str | None) -> LeakageFinding | None:
    task = sample.task
    is_date = pd.api.types.is_datetime64_any_dtype(series.dtype)
    if is_date and values is not None:
        if task.classification:
            score, shares = _missingness_score(sample, values)
            if score >= MISSINGNESS_SCORE:
                return LeakageFinding(name, f"{name!r} is filled in for {shares}: whether it "
                                      "is empty gives the outcome away, so it was probably "
                                      "recorded when the outcome happened.", "future_date")
        if anchor is not None and name != date_column:
            both = ~np.isnan(values) & ~np.isnan(anchor)
            if both.sum() >= MIN_UNIQUE_ROWS:
                later = float(np.mean(values[both] > anchor[both]))
                if later >= FUTURE_SHARE:
                    return LeakageFinding(name, f"{name!r} is later than {date_column!r} in "
                                          f"{later:.0%} of rows: it records what happened after "
                                          "the moment of prediction.", "future_date")
    keys = _keys(series)
    if task.classification and (values is None or len(np.unique(keys)) <= len(sample.classes)):
        pairs = _recoding(sample, keys)
        if pairs:
            return LeakageFinding(name, f"{name!r} is the target under another name ({pairs}).",
                                  "target_copy")
    if task is Task.REGRESSION and values is not None and not is_date:
        rank = _spearman(values, sample.y)
        if rank >= COPY_RANK:
            return LeakageFinding(name, f"{name!r} rises and falls exactly with the target "
                                  f"(rank correlation {rank:.3f}): a copy or transform of it.",
                                  "target_copy")
    if len(sample.y) < MIN_JUDGED_ROWS:
        return None  # a handful of held-out rows can score 1.0 by chance
    score = _tree_score(sample, values) if values is not None else _lookup_score(sample, keys)
    if score >= NEAR_PERFECT:
        measure = {Task.BINARY: "ROC AUC", Task.MULTICLASS: "balanced accuracy",
                   Task.REGRESSION: "R²"}[task]
        return LeakageFinding(name, f"{name!r} alone predicts the target almost perfectly "
                              f"({measure} {score:.3f} on rows it was not fitted on): it is "
                              "probably known only after the outcome.", "near_perfect")
    return None
