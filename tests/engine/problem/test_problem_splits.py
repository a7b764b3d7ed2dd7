"""Splits: repeatable, stratified, time-ordered, grouped; unlabeled rows kept apart."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from engine.errors import InputError
from engine.problem.definition import Problem, SplitKind, Task, ValidationPlan
from engine.problem.splits import SplitPlan, make_splits

rng = np.random.default_rng(21)
ROWS = 400


def _frame() -> pd.DataFrame:
    start = pd.Timestamp("2022-01-01")
    return pd.DataFrame({
        "x": rng.normal(size=ROWS),
        "when": start + pd.to_timedelta(rng.permutation(ROWS), unit="D"),
        "shop": rng.integers(0, 40, ROWS),
    })


def _problem(task: Task = Task.BINARY, **plan: object) -> Problem:
    return Problem(task=task, features=("x",), metric="roc_auc", target="y",
                   validation=ValidationPlan(**plan))  # type: ignore[arg-type]


def _labels(share_yes: float = 0.25) -> np.ndarray:
    return np.where(rng.random(ROWS) < share_yes, "yes", "no").astype(object)


def _check_partition(plan: SplitPlan, labelled: np.ndarray) -> None:
    train, holdout = set(plan.train_rows.tolist()), set(plan.holdout_rows.tolist())
    assert not train & holdout
    assert train | holdout == set(labelled.tolist())
    for fit, check in plan.folds:
        assert not set(fit.tolist()) & set(check.tolist())
        assert max(fit.max(), check.max()) < len(plan.train_rows)  # positions INTO train_rows


def test_same_seed_same_split_and_another_seed_differs() -> None:
    frame, y = _frame(), _labels()
    first = make_splits(frame, y, _problem(), seed=7)
    again = make_splits(frame, y, _problem(), seed=7)
    other = make_splits(frame, y, _problem(), seed=8)
    assert np.array_equal(first.holdout_rows, again.holdout_rows)
    assert all(np.array_equal(a[1], b[1]) for a, b in zip(first.folds, again.folds, strict=True))
    assert not np.array_equal(first.holdout_rows, other.holdout_rows)


def test_stratified_holdout_and_folds_keep_class_shares() -> None:
    frame, y = _frame(), _labels(0.2)
    plan = make_splits(frame, y, _problem(), seed=1)
    _check_partition(plan, np.arange(ROWS))
    assert len(plan.holdout_rows) == ROWS // 5 and len(plan.folds) == 5
    share = np.mean(y == "yes")
    assert abs(np.mean(y[plan.holdout_rows] == "yes") - share) < 0.02
    train_y = y[plan.train_rows]
    for _, check in plan.folds:
        assert abs(np.mean(train_y[check] == "yes") - share) < 0.03
    assert "stratified 5-fold" in plan.description


def test_rows_without_target_are_unlabeled_not_split() -> None:
    frame, y = _frame(), _labels()
    y[:50] = None
    plan = make_splits(frame, y, _problem(), seed=1)
    assert plan.unlabeled_rows.tolist() == list(range(50))
    _check_partition(plan, np.arange(50, ROWS))
    assert any("50 rows have no target value" in note for note in plan.notes)


def test_single_row_class_falls_back_with_an_explanation() -> None:
    frame, y = _frame(), _labels()
    y[3] = "maybe"
    plan = make_splits(frame, y, _problem(Task.MULTICLASS), seed=1)
    _check_partition(plan, np.arange(ROWS))
    assert any("'maybe' has a single row" in note and "stratification is impossible" in note
               for note in plan.notes)


def test_class_with_fewer_rows_than_folds_is_explained() -> None:
    frame, y = _frame(), _labels()
    y[[1, 2, 3, 4]] = "rare"
    plan = make_splits(frame, y, _problem(Task.MULTICLASS, holdout_fraction=0.0), seed=1)
    assert len(plan.holdout_rows) == 0
    assert any("'rare' has fewer training rows than folds" in note for note in plan.notes)
    # The few rows are spread over different folds rather than bunched.
    folds_with_rare = [np.sum(y[plan.train_rows][check] == "rare") for _, check in plan.folds]
    assert max(folds_with_rare) == 1


def test_regression_uses_plain_folds() -> None:
    frame = _frame()
    y = rng.normal(size=ROWS)
    y[10] = np.nan
    plan = make_splits(frame, y, _problem(Task.REGRESSION, folds=4), seed=3)
    assert len(plan.folds) == 4 and plan.unlabeled_rows.tolist() == [10]
    _check_partition(plan, np.delete(np.arange(ROWS), 10))
    covered = np.sort(np.concatenate([check for _, check in plan.folds]))
    assert np.array_equal(covered, np.arange(len(plan.train_rows)))


def test_time_split_holds_out_the_newest_rows_and_folds_look_forward() -> None:
    frame, y = _frame(), _labels()
    frame.loc[5, "when"] = pd.NaT
    plan = make_splits(frame, y, _problem(kind=SplitKind.TIME, date_column="when"), seed=1)
    _check_partition(plan, np.arange(ROWS))
    when = frame["when"]
    assert when.iloc[plan.holdout_rows].min() > when.iloc[plan.train_rows].max()
    assert 5 in plan.train_rows and 5 not in plan.holdout_rows
    for fit, check in plan.folds:
        assert fit.max() < check.min()
        dated = when.iloc[plan.train_rows].reset_index(drop=True)
        assert dated.iloc[fit].max() <= dated.iloc[check].min()
    assert any("no date" in note for note in plan.notes)
    assert plan.description.startswith("time-ordered")


def test_time_split_reads_dates_written_as_text() -> None:
    frame, y = _frame(), _labels()
    frame["when"] = frame["when"].dt.strftime("%Y-%m-%d").astype("str")
    plan = make_splits(frame, y, _problem(kind=SplitKind.TIME, date_column="when"), seed=1)
    dates = pd.to_datetime(frame["when"])
    assert dates.iloc[plan.holdout_rows].min() > dates.iloc[plan.train_rows].max()


def test_unparseable_date_column_is_refused_naming_it() -> None:
    frame, y = _frame(), _labels()
    frame["when"] = pd.Series(["soon", "later"] * (ROWS // 2), dtype="str")
    with pytest.raises(InputError, match="'when' cannot be read as dates") as caught:
        make_splits(frame, y, _problem(kind=SplitKind.TIME, date_column="when"), seed=1)
    assert "random split" in str(caught.value)


def test_group_split_keeps_each_entity_on_one_side() -> None:
    frame, y = _frame(), _labels()
    plan = make_splits(frame, y, _problem(kind=SplitKind.GROUP, group_column="shop"), seed=1)
    _check_partition(plan, np.arange(ROWS))
    shops = frame["shop"].to_numpy()
    assert not set(shops[plan.train_rows]) & set(shops[plan.holdout_rows])
    train_shops = shops[plan.train_rows]
    for fit, check in plan.folds:
        assert not set(train_shops[fit]) & set(train_shops[check])


def test_clustering_without_target_splits_every_row() -> None:
    frame = _frame()
    problem = Problem(task=Task.CLUSTERING, features=("x",), metric="silhouette")
    plan = make_splits(frame, None, problem, seed=2)
    _check_partition(plan, np.arange(ROWS))
    assert len(plan.unlabeled_rows) == 0 and len(plan.folds) == 5


def test_time_split_never_puts_one_date_on_both_sides() -> None:
    frame, y = _frame(), _labels()
    months = pd.to_datetime(["2023-01-01", "2023-02-01", "2023-03-01", "2023-04-01"])
    frame["when"] = months[np.repeat([0, 1, 2, 3], [100, 100, 150, 50])]
    plan = make_splits(frame, y, _problem(kind=SplitKind.TIME, date_column="when"), seed=1)
    # 20% is 80 rows; the last month has 50, the last two 200: 50 is closer.
    assert len(plan.holdout_rows) == 50
    assert frame["when"].iloc[plan.holdout_rows].min() > frame["when"].iloc[plan.train_rows].max()
    frame["when"] = months[0]
    same = make_splits(frame, y, _problem(kind=SplitKind.TIME, date_column="when"), seed=1)
    assert len(same.holdout_rows) == 80 and any("share one date" in n for n in same.notes)
