"""propose_problem: the churn proposal, user choices, and every kind of bad input."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from engine.api import infer_schema, load_table, sample_data_dir, source_for
from engine.errors import InputError
from engine.problem.define import propose_problem
from engine.problem.definition import Problem, SplitKind, Task, ValidationPlan
from engine.problem.splits import make_splits
from engine.problem.task_detection import target_labels
from engine.profile.schema import Schema


@pytest.fixture(scope="module")
def churn() -> pd.DataFrame:
    frame = load_table(source_for(str(sample_data_dir() / "churn.csv"))).frame
    churned = frame["churned"].astype(bool).to_numpy()
    frame["churn_flag"] = churned.astype(int)  # planted: the target recoded as 0/1
    frame["exit_score"] = churned * 100 + np.random.default_rng(9).normal(0, 5, len(frame))
    return frame


@pytest.fixture(scope="module")
def churn_schema(churn: pd.DataFrame) -> Schema:
    return infer_schema(churn)


@pytest.fixture(scope="module")
def proposal(churn: pd.DataFrame, churn_schema: Schema):
    return propose_problem(churn, churn_schema, "churned")


def test_churn_proposal(proposal, churn: pd.DataFrame) -> None:
    problem = proposal.problem
    assert problem.task is Task.BINARY and problem.classes == ("no", "yes")
    assert problem.positive_class == "yes" and problem.metric == "roc_auc"
    assert problem.validation.kind is SplitKind.TIME
    assert problem.validation.date_column == "signup_date"
    assert any("time-ordered split is offered because 'signup_date'" in n for n in proposal.notes)
    assert proposal.date_columns == ("signup_date",)
    kinds = {finding.column: finding.kind for finding in proposal.leakage}
    assert kinds["customer_id"] == "identifier"
    assert kinds["churn_flag"] == "target_copy" and kinds["exit_score"] == "near_perfect"
    assert set(problem.excluded) == {"customer_id", "churn_flag", "exit_score"}
    assert not {"customer_id", "churned", "churn_flag", "exit_score"} & set(problem.features)
    assert {"signup_date", "monthly income", "plan", "tenure_months"} <= set(problem.features)
    assert problem.reason.startswith("2 values (yes, no): binary")
    assert proposal.balance is not None and proposal.balance.counts == {"no": 3962, "yes": 1038}
    assert problem.class_weights is proposal.balance.suggest_class_weights


def test_proposal_is_json_and_the_problem_round_trips(proposal) -> None:
    data = json.loads(json.dumps(proposal.to_dict()))
    assert data["problem"]["positive_class"] == "yes"
    assert Problem.from_dict(data["problem"]) == proposal.problem


def test_churn_time_split_puts_newer_rows_in_the_holdout(proposal, churn) -> None:
    y = target_labels(churn["churned"], proposal.problem.task)
    plan = make_splits(churn, y, proposal.problem, seed=3)
    dates = churn["signup_date"]
    assert dates.iloc[plan.holdout_rows].min() > dates.iloc[plan.train_rows].max()
    assert len(plan.holdout_rows) == pytest.approx(1000, abs=30)


def test_user_keeps_a_flagged_column_and_chooses_metric_and_split(churn, churn_schema) -> None:
    proposal = propose_problem(churn, churn_schema, "churned", keep=["churn_flag"],
                               exclude=["age"], metric="log_loss", positive_class="No",
                               validation=ValidationPlan())
    problem = proposal.problem
    assert "churn_flag" in problem.features and "age" not in problem.features
    assert "age" in problem.excluded and "churn_flag" not in problem.excluded
    flag = next(f for f in proposal.leakage if f.column == "churn_flag")
    assert not flag.exclude
    assert problem.metric == "log_loss" and problem.positive_class == "no"
    assert problem.validation.kind is SplitKind.STRATIFIED


def _small(rows: int = 200, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "a": rng.normal(size=rows),
        "b": rng.normal(size=rows),
        "kind": pd.Series(rng.choice(["x", "y", "z"], rows), dtype="str"),
        "amount": rng.lognormal(2, 1, rows),
        "label": pd.Series(np.where(rng.random(rows) < 0.5, "good", "bad"), dtype="str"),
    })


def _propose(frame: pd.DataFrame, target: str | None, **options: object):
    return propose_problem(frame, infer_schema(frame), target, **options)  # type: ignore[arg-type]


def test_regression_and_multiclass_defaults() -> None:
    frame = _small()
    assert _propose(frame, "amount").problem.metric == "rmse"
    multi = _propose(frame, "kind").problem
    assert multi.task is Task.MULTICLASS and multi.metric == "macro_f1"
    assert multi.classes == ("x", "y", "z") and multi.positive_class is None
    assert multi.validation.kind is SplitKind.STRATIFIED  # no date column


def test_no_target_means_clustering_with_a_suggested_k() -> None:
    rng = np.random.default_rng(1)
    centres = np.repeat([[0, 0], [8, 8], [0, 8]], 100, axis=0)
    frame = pd.DataFrame(centres + rng.normal(0, 0.5, centres.shape), columns=["u", "v"])
    proposal = _propose(frame, None)
    assert proposal.problem.task is Task.CLUSTERING and proposal.problem.n_clusters == 3
    assert proposal.problem.metric == "silhouette" and proposal.guess is None
    assert any("3 clusters separate the rows best" in note for note in proposal.notes)
    anomaly = _propose(frame, None, task=Task.ANOMALY).problem
    assert anomaly.task is Task.ANOMALY and anomaly.metric == "flagged_share"


def test_missing_targets_offer_semi_supervised_training() -> None:
    frame = _small()
    frame.loc[:29, "label"] = None
    proposal = _propose(frame, "label")
    assert not proposal.problem.semi_supervised
    assert any("30 rows (15%) have no target value" in note and "Semi-supervised" in note
               for note in proposal.notes)
    assert _propose(frame, "label", semi_supervised=True).problem.semi_supervised


def test_imbalanced_target_turns_class_weights_on() -> None:
    frame = _small()
    frame["label"] = pd.Series(["rare"] * 10 + ["common"] * 190, dtype="str")
    proposal = _propose(frame, "label")
    assert proposal.problem.class_weights and proposal.problem.positive_class == "rare"
    assert any("imbalanced" in note for note in proposal.notes)
    assert not _propose(_small(), "label").problem.class_weights


def test_more_columns_than_rows_is_a_warning_note() -> None:
    rng = np.random.default_rng(2)
    frame = pd.DataFrame(rng.normal(size=(30, 40)), columns=[f"c{i}" for i in range(40)])
    frame["y"] = pd.Series(np.where(rng.random(30) < 0.5, "p", "q"), dtype="str")
    proposal = _propose(frame, "y")
    assert any("more feature columns (40) than labelled rows (30)" in n for n in proposal.notes)


def test_infinite_and_huge_values_are_noted() -> None:
    frame = _small()
    frame.loc[[1, 2], "a"] = np.inf
    frame.loc[3, "b"] = 1e300
    notes = _propose(frame, "label").notes
    assert any("'a' holds 2 infinite values; they are treated as missing" in n for n in notes)
    assert any("'b' holds 1 numbers too large" in n for n in notes)


@pytest.mark.parametrize(("target", "options", "message"), [
    ("nope", {}, "There is no column named 'nope' to predict"),
    ("label", {"task": Task.REGRESSION}, "'label' holds text \\(for example"),
    ("label", {"positive_class": "maybe"}, "'maybe' is not one of the target's classes"),
    ("label", {"metric": "rmse"}, "does not apply to a binary task"),
    ("label", {"metric": "magic"}, "no metric named 'magic'"),
    ("amount", {"semi_supervised": True}, "classification only"),
    ("label", {"exclude": ["ghost"]}, "no column named 'ghost'"),
    ("label", {"exclude": ["a", "b", "kind", "amount"]}, "No feature columns are left"),
    ("kind", {"positive_class": "x"}, "only to a binary"),
    ("amount", {"task": Task.BINARY}, "binary task needs exactly 2 classes"),
    (None, {"task": Task.BINARY}, "needs a target column"),
    ("label", {"task": Task.CLUSTERING}, "uses no target column"),
])
def test_bad_choices_are_input_errors(target: str | None, options: dict, message: str) -> None:
    with pytest.raises(InputError, match=message) as caught:
        _propose(_small(), target, **options)
    assert caught.value.hint


def test_target_with_one_class_or_all_missing_is_refused() -> None:
    frame = _small()
    frame["same"] = pd.Series(["x"] * 200, dtype="str")
    frame["empty"] = pd.Series([None] * 200, dtype="str")
    with pytest.raises(InputError, match="single value \\('x'\\)"):
        _propose(frame, "same")
    with pytest.raises(InputError, match="'empty' has no values"):
        _propose(frame, "empty")


def test_unparseable_date_column_for_the_time_split_is_refused() -> None:
    frame = _small()
    frame["when"] = pd.Series(["early", "late"] * 100, dtype="str")
    with pytest.raises(InputError, match="'when' cannot be read as dates"):
        _propose(frame, "label", validation=ValidationPlan(kind=SplitKind.TIME,
                                                           date_column="when"))
