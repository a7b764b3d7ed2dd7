"""Split rows into training and holdout, and the training rows into cross-validation folds.

- Random (``SplitKind.STRATIFIED``): a random holdout, stratified by class for classification,
  then StratifiedKFold (classification) or KFold (regression, clustering, anomaly) on the
  rest, both shuffled with the seed. When a class has a single row the holdout cannot be
  stratified: it falls back to a plain random holdout, and the notes say so. When a class has
  fewer rows than folds, StratifiedKFold is kept (it still spreads that class's few rows over
  different folds, which a plain KFold would not) and the notes say which folds miss it; only
  when scikit-learn cannot stratify at all does it fall back to KFold.
- Time (``SplitKind.TIME``): rows sorted by the date column; the holdout is the newest
  ``holdout_fraction`` of rows (the rows sharing the cut-off date all go to one side, the one
  that keeps the holdout closer to the asked size, so training rows are strictly older);
  folds are TimeSeriesSplit on the older rows (each fold trains on the past and validates on
  the next block). Rows without a date stay in training,
  placed first. ``train_rows`` is in date order, so fold positions follow time.
- Group (``SplitKind.GROUP``): GroupShuffleSplit for the holdout, then StratifiedGroupKFold
  (classification) or GroupKFold (otherwise): rows of one entity stay on one side. A missing
  group value counts as an entity of its own.

Rows whose target is missing are in neither part: they are ``unlabeled_rows`` (used only by
semi-supervised training). Positions are row positions of the frame (``iloc``), not labels.
The same seed always gives the same split.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from engine.errors import InputError
from engine.problem.definition import Problem, SplitKind

_EMPTY = np.empty(0, dtype=np.intp)
DATE_PARSE_SHARE = 0.95


@dataclass(frozen=True)
class SplitPlan:
    """Training and holdout row positions, folds as positions into ``train_rows``."""

    train_rows: np.ndarray
    holdout_rows: np.ndarray
    folds: tuple[tuple[np.ndarray, np.ndarray], ...]
    description: str
    notes: tuple[str, ...] = ()
    unlabeled_rows: np.ndarray = field(default_factory=lambda: _EMPTY.copy())


def _missing(y: np.ndarray) -> np.ndarray:
    return np.asarray(pd.isna(y), dtype=bool)


def date_order_values(frame: pd.DataFrame, column: str) -> np.ndarray:
    """The date column as float64 (for ordering), NaN where missing.

    Dates, or text that reads as dates in at least 95% of the filled rows; numbers (a year, a
    period number) are taken as they are. Anything else is an :class:`InputError` naming the
    column and saying what to do.
    """
    if column not in frame.columns:
        raise InputError(f"There is no column named {column!r} to order the rows by time.",
                         "Choose one of the table's date columns.")
    series = frame[column]
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        stamps = series
    elif pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(
            series.dtype):
        return series.astype("float64").to_numpy(dtype=np.float64, na_value=np.nan)
    else:
        text = series.astype("string")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            stamps = pd.to_datetime(text, errors="coerce", format="mixed")
        filled = int(text.notna().sum())
        parsed = int(stamps.notna().sum())
        if filled == 0 or parsed < DATE_PARSE_SHARE * filled:
            bad = text[text.notna() & stamps.isna()]
            example = f" (for example {str(bad.iloc[0])!r})" if len(bad) else ""
            raise InputError(
                f"The column {column!r} cannot be read as dates{example}, so it cannot order "
                "the rows for a time-ordered split.",
                "Choose another date column, fix the dates in the file (for example "
                "2024-01-31), or use a random split.",
            )
    return timestamps_as_numbers(pd.to_datetime(stamps))


def timestamps_as_numbers(stamps: pd.Series) -> np.ndarray:
    """Dates (naive or with a time zone) as float64 nanoseconds, NaN where missing."""
    if getattr(stamps.dt, "tz", None) is not None:
        stamps = stamps.dt.tz_convert("UTC").dt.tz_localize(None)
    numbers = stamps.astype("datetime64[ns]").to_numpy().astype(np.int64)
    values = np.array(numbers, dtype=np.float64)
    values[stamps.isna().to_numpy()] = np.nan
    return values


def _holdout_count(count: int, fraction: float) -> int:
    if fraction <= 0 or count < 2:
        return 0
    return min(count - 1, max(1, round(count * fraction)))


def make_splits(frame: pd.DataFrame, y: np.ndarray | None, problem: Problem, *,
                seed: int) -> SplitPlan:
    """Split ``frame``'s rows for ``problem`` (see the module docstring for each kind)."""
    plan = problem.validation
    rows = len(frame)
    y = np.asarray(y) if y is not None else None
    if y is not None and len(y) != rows:
        raise ValueError(f"y has {len(y)} values for a frame of {rows} rows")
    missing = _missing(y) if y is not None and problem.target is not None else np.zeros(
        rows, dtype=bool)
    labelled = np.flatnonzero(~missing).astype(np.intp)
    unlabeled = np.flatnonzero(missing).astype(np.intp)
    notes: list[str] = []
    if len(unlabeled):
        notes.append(f"{len(unlabeled):,} rows have no target value; they are left out of "
                     "training and testing" + (" (semi-supervised training uses them)."
                                               if problem.semi_supervised else "."))
    if len(labelled) < 4:
        raise InputError(f"Only {len(labelled)} rows have a target value: too few to train "
                         "and test a model.", "Add rows with a known outcome.")
    classes = y[labelled].astype(str) if y is not None and problem.task.classification else None
    if plan.kind is SplitKind.TIME:
        return _time_split(frame, labelled, unlabeled, problem, notes)
    if plan.kind is SplitKind.GROUP:
        return _group_split(frame, labelled, unlabeled, classes, problem, seed, notes)
    return _random_split(labelled, unlabeled, classes, problem, seed, notes)


def _fold_count(plan_folds: int, count: int, notes: list[str]) -> int:
    folds = max(2, min(plan_folds, count))
    if folds < plan_folds:
        notes.append(f"Only {count} training rows: {folds} folds instead of {plan_folds}.")
    return folds


def _random_split(labelled: np.ndarray, unlabeled: np.ndarray, classes: np.ndarray | None,
                  problem: Problem, seed: int, notes: list[str]) -> SplitPlan:
    from sklearn.model_selection import KFold, StratifiedKFold, train_test_split

    plan = problem.validation
    count = _holdout_count(len(labelled), plan.holdout_fraction)
    stratify = None
    if classes is not None and count:
        names, sizes = np.unique(classes, return_counts=True)
        single = names[sizes < 2].tolist()
        if single:
            notes.append(f"The class {single[0]!r} has a single row, so the holdout cannot keep "
                         "the class shares (stratification is impossible): it is a plain random "
                         "sample instead.")
        elif count < len(names) or len(labelled) - count < len(names):
            notes.append("Too few rows for every class to appear in both parts: the holdout is "
                         "a plain random sample.")
        else:
            stratify = classes
    if count:
        train_idx, hold_idx = train_test_split(np.arange(len(labelled)), test_size=count,
                                               random_state=seed, stratify=stratify)
        train, holdout = np.sort(labelled[train_idx]), np.sort(labelled[hold_idx])
    else:
        train, holdout = labelled, _EMPTY
    folds_n = _fold_count(plan.folds, len(train), notes)
    # ``labelled`` is sorted, so a row's place in it is a binary search away.
    train_classes = classes[np.searchsorted(labelled, train)] if classes is not None else None
    splitter: Any = KFold(folds_n, shuffle=True, random_state=seed)
    kind_words = "random"
    if train_classes is not None:
        names, sizes = np.unique(train_classes, return_counts=True)
        if sizes.max() >= folds_n:
            splitter = StratifiedKFold(folds_n, shuffle=True, random_state=seed)
            kind_words = "stratified"
            rare = names[sizes < folds_n].tolist()
            if rare:
                notes.append(f"The class {rare[0]!r} has fewer training rows than folds "
                             f"({int(sizes[names == rare[0]][0])} < {folds_n}): some folds "
                             "have none of it to check.")
        else:
            notes.append("Every class has fewer rows than folds, so the folds cannot keep the "
                         "class shares: plain random folds are used.")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the rare-class warning, noted above
        folds = tuple((a.astype(np.intp), b.astype(np.intp)) for a, b in
                      splitter.split(np.zeros(len(train)), train_classes))
    held = f"{len(holdout):,} rows ({plan.holdout_fraction:.0%}) held out at random" if len(
        holdout) else "no holdout"
    description = f"{held}; {kind_words} {folds_n}-fold cross-validation on {len(train):,} rows"
    return SplitPlan(train, holdout, folds, description, tuple(notes), unlabeled)


def _time_split(frame: pd.DataFrame, labelled: np.ndarray, unlabeled: np.ndarray,
                problem: Problem, notes: list[str]) -> SplitPlan:
    from sklearn.model_selection import TimeSeriesSplit

    plan = problem.validation
    column = plan.date_column
    if not column:
        raise InputError("A time-ordered split needs a date column.",
                         "Name the date column that orders the rows, or use a random split.")
    dates = date_order_values(frame, column)[labelled]
    undated = labelled[np.isnan(dates)]
    dated_mask = ~np.isnan(dates)
    dated, dated_values = labelled[dated_mask], dates[dated_mask]
    if len(dated) < 4:
        raise InputError(f"Only {len(dated)} labelled rows have a date in {column!r}: too few "
                         "for a time-ordered split.", "Use a random split instead.")
    order = np.argsort(dated_values, kind="stable")
    dated, dated_values = dated[order], dated_values[order]
    count = _holdout_count(len(dated), plan.holdout_fraction)
    if count:
        first = _time_cut(dated_values, len(dated) - count)
        if first is None:  # one date nearly everywhere: cut by position, not keep nothing
            first = len(dated) - count
            notes.append(f"Most rows share one date in {column!r}, so older and newer rows "
                         "cannot be told apart; the last rows in file order were held out.")
        train, holdout = np.concatenate([undated, dated[:first]]), dated[first:]
    else:
        train, holdout = np.concatenate([undated, dated]), _EMPTY
    if len(undated):
        notes.append(f"{len(undated):,} labelled rows have no date in {column!r}; they stay in "
                     "training as if they were the oldest.")
    folds_n = _fold_count(plan.folds, len(train) - 1, notes)
    splitter = TimeSeriesSplit(n_splits=folds_n)
    folds = tuple((a.astype(np.intp), b.astype(np.intp))
                  for a, b in splitter.split(np.zeros(len(train))))
    description = (f"time-ordered: the newest {len(holdout):,} rows by {column!r} held out; "
                   f"{folds_n} forward-in-time folds on the {len(train):,} older rows")
    return SplitPlan(train.astype(np.intp), holdout.astype(np.intp), folds, description,
                     tuple(notes), unlabeled)


def _time_cut(values: np.ndarray, wanted: int) -> int | None:
    """Where to cut sorted dates near position ``wanted`` so no date is on both sides.

    The rows sharing the date at the cut go wholly to the side that keeps the holdout size
    closer to the one asked for; None when every choice leaves one side empty.
    """
    cutoff = values[wanted]
    options = [int(np.searchsorted(values, cutoff, side=side)) for side in ("left", "right")]
    usable = [cut for cut in options if 0 < cut < len(values)]
    if not usable:
        return None
    return min(usable, key=lambda cut: abs(cut - wanted))


def _group_split(frame: pd.DataFrame, labelled: np.ndarray, unlabeled: np.ndarray,
                 classes: np.ndarray | None, problem: Problem, seed: int,
                 notes: list[str]) -> SplitPlan:
    from sklearn.model_selection import GroupKFold, GroupShuffleSplit, StratifiedGroupKFold

    plan = problem.validation
    column = plan.group_column
    if not column or column not in frame.columns:
        raise InputError(f"A grouped split needs a column naming the entity (got {column!r}).",
                         "Choose the ID column whose rows belong together, or use a random "
                         "split.")
    raw = frame[column].iloc[labelled]
    codes = pd.factorize(raw.astype("string"))[0].astype(np.int64)
    lonely = codes < 0
    if lonely.any():
        codes[lonely] = codes.max() + 1 + np.arange(int(lonely.sum()))
        notes.append(f"{int(lonely.sum()):,} rows have no {column!r}; each counts as its own "
                     "entity.")
    groups = len(np.unique(codes))
    if groups < 3:
        raise InputError(f"The column {column!r} has only {groups} distinct values: too few "
                         "entities for a grouped split.", "Use a random split instead.")
    if plan.holdout_fraction > 0:
        splitter = GroupShuffleSplit(n_splits=1, test_size=plan.holdout_fraction,
                                     random_state=seed)
        train_idx, hold_idx = next(splitter.split(labelled, groups=codes))
        train_idx, hold_idx = np.sort(train_idx), np.sort(hold_idx)
    else:
        train_idx, hold_idx = np.arange(len(labelled)), np.arange(0)
    train, holdout = labelled[train_idx], labelled[hold_idx]
    train_groups = codes[train_idx]
    folds_n = _fold_count(plan.folds, len(np.unique(train_groups)), notes)
    fold_splitter: Any = GroupKFold(folds_n, shuffle=True, random_state=seed)
    target = None
    if classes is not None:
        fold_splitter = StratifiedGroupKFold(folds_n, shuffle=True, random_state=seed)
        target = classes[train_idx]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        folds = tuple((a.astype(np.intp), b.astype(np.intp)) for a, b in
                      fold_splitter.split(np.zeros(len(train)), target, groups=train_groups))
    description = (f"grouped by {column!r}: {len(holdout):,} rows of separate entities held out; "
                   f"{folds_n}-fold grouped cross-validation on {len(train):,} rows")
    return SplitPlan(train.astype(np.intp), holdout.astype(np.intp), folds, description,
                     tuple(notes), unlabeled)
