"""Verdict rules that match their words (issue 16): margins, newer periods, prior shift, words."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from engine.export.reference import categorical_profile, numeric_profile
from engine.monitor import explain
from engine.monitor.estimate import estimate_performance
from engine.monitor.outcome import outcome_mix
from engine.monitor.performance import check_performance
from engine.monitor.report import PerformanceCheck
from engine.monitor.rule import ColumnEvidence, judge_columns, psi_threshold
from engine.monitor.settings import DriftSettings
from engine.monitor.tally import CategoricalTally, NumericTally
from engine.monitor.verdict import headline

SETTINGS = DriftSettings()


def _labelled(rows: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    truth = rng.random(rows) < 0.3
    score = np.clip(rng.normal(np.where(truth, 0.75, 0.3), 0.15), 0, 1)
    return np.where(truth, "yes", "no").astype(object), np.column_stack([1 - score, score])


def _performance(training: float) -> PerformanceCheck | None:
    truth, proba = _labelled(20_000, 1)
    predicted = np.where(proba[:, 1] >= 0.5, "yes", "no").astype(object)
    return check_performance("roc_auc", training, truth, {"predicted": predicted,
                             "probabilities": proba}, task="binary", classes=("no", "yes"),
                             positive="yes", rounds=60)


def test_a_drop_beyond_chance_but_under_the_business_margin_is_not_worse() -> None:
    """Flights: ROC AUC 0.996 -> 0.995 on many rows was called worse, with "retrain"."""
    now = _performance(0.0).now
    small = _performance(now + 0.01)  # clearly beyond the interval, but only 1 point
    assert small is not None and small.high < now + 0.01
    assert not small.worse
    large = _performance(now + 0.05)
    assert large is not None and large.worse
    assert "more than the 0.02 that matters" in large.sentence


def _date_evidence(reference_days: np.ndarray, new_days: np.ndarray) -> ColumnEvidence:
    tally = NumericTally(numeric_profile(reference_days, kind="date"))
    tally.add(new_days.astype(np.float32))
    return ColumnEvidence("flight_date", "date", tally, 1.0, new_days.astype(np.float64))


def test_dates_that_move_forward_are_a_newer_period_not_drift() -> None:
    """Flights 2013 H1 -> H2: later dates are not drift nor an extraction problem."""
    start = 15706.0  # 2013-01-01
    rng = np.random.default_rng(3)
    first_half = start + rng.integers(0, 181, 20_000).astype(np.float64)
    second_half = start + 190 + rng.integers(0, 170, 5_000).astype(np.float64)
    column = judge_columns([_date_evidence(first_half, second_half)], SETTINGS)[0]
    assert column.newer_period
    assert column.status == "stable" and "out of range" not in column.integrity
    text = " ".join(column.findings)
    assert "covers a newer period" in text
    assert "gap of" in text  # training ends 2013-06-30, the file starts 2013-07-10
    assert "months the training data did not (Jul, Aug" in text
    level, _, advice, _, _ = headline([column], None, None, 5_000, SETTINGS)
    assert level == "stable" and "extracted" not in advice


def _outcomes(shares: dict[str, float], rows: int) -> np.ndarray:
    return np.asarray([k for k, v in shares.items() for _ in range(round(v * rows))],
                      dtype=object)


def test_the_outcome_mix_is_shown_and_prior_shift_named() -> None:
    """Seattle: rain 34% -> 1%, fog 12% -> 44%; the check blamed the inputs."""
    before = {"rain": 0.34, "fog": 0.12, "sun": 0.44, "snow": 0.10}
    after = {"rain": 0.01, "fog": 0.44, "sun": 0.45, "snow": 0.10}
    reference = categorical_profile(_outcomes(before, 1000), min_category_count=1)
    mix = outcome_mix(reference, _outcomes(after, 700), SETTINGS)
    assert mix is not None and mix.changed
    assert "'rain' 34% -> 1%" in mix.sentence and "'fog' 12% -> 44%" in mix.sentence
    assert "prior shift" in mix.sentence
    worse = PerformanceCheck("accuracy", "accuracy", 0.8, 0.6, 0.55, 0.65, 700, True, "x")
    level, sentence, advice, _, _ = headline([], None, worse, 700, SETTINGS, outcome=mix)
    assert level == "changed"
    assert "prior shift" in sentence and "inputs look as in training" in sentence
    assert "outcomes" in advice and "extracted" not in advice
    same = outcome_mix(reference, _outcomes(before, 700), SETTINGS)
    assert same is not None and not same.changed


def test_the_headline_does_not_repeat_the_performance_sentence() -> None:
    worse = PerformanceCheck("roc_auc", "ROC AUC", 0.84, 0.70, 0.66, 0.74, 900, True,
                             "ROC AUC 0.84 at training, 0.7 now: the model does worse")
    _, sentence, _, _, _ = headline([], None, worse, 900, SETTINGS)
    assert worse.sentence not in sentence and "ROC AUC 0.84 at training, 0.7 now" in sentence


def test_years_and_months_are_written_as_such() -> None:
    built = numeric_profile(np.arange(1872, 2011, dtype=np.float32))
    sold = numeric_profile(np.arange(1, 13, dtype=np.float32))
    assert explain.number_kind("Year Built", "numeric", built) == "year"
    assert explain.number_kind("Mo Sold", "numeric", sold) == "month"
    assert explain.number_kind("income", "numeric", built) == "numeric"
    assert explain.median_sentence("Year Built", "year", 1973, 1974) == (
        "median Year Built 1973 -> 1974 (+1 year)")
    assert explain.median_sentence("Mo Sold", "month", 4, 9) == (
        "median Mo Sold 4 (Apr) -> 9 (Sep)")


def test_unseen_categories_show_their_share_at_training() -> None:
    profile = categorical_profile(np.asarray(["A"] * 630 + [f"t{i}" for i in range(370)],
                                             dtype=object))
    tally = CategoricalTally(profile, ("A",))
    new = ["A"] * 575 + [f"n{i}" for i in range(425)]
    tally.add_arrow(pa.array(new, type=pa.large_string()))
    evidence = ColumnEvidence("tailnum", "categorical", tally, 1.0, np.empty(0),
                              categories_complete=False)
    findings = judge_columns([evidence], SETTINGS)[0].findings
    assert any("42.5% of rows have a tailnum not among the training categories (37.0% at "
               "training)" in f for f in findings), findings


def test_the_psi_threshold_falls_with_importance() -> None:
    assert psi_threshold(0.0, SETTINGS) == SETTINGS.psi_changed
    assert psi_threshold(0.8, SETTINGS) == SETTINGS.psi_important
    assert SETTINGS.psi_important < psi_threshold(0.25, SETTINGS) < SETTINGS.psi_changed


def test_the_performance_estimate_without_labels_matches_the_realised_one() -> None:
    """Calibrated probabilities: the CBPE estimate of ROC AUC and accuracy is near the truth."""
    rng = np.random.default_rng(8)
    score = rng.beta(1.2, 2.5, 5_000)
    truth = np.where(rng.random(score.size) < score, "yes", "no")
    proba = np.column_stack([1 - score, score])
    from sklearn.metrics import accuracy_score, roc_auc_score

    auc = estimate_performance("roc_auc", 0.8, proba, task="binary", classes=("no", "yes"),
                               positive="yes", threshold=0.5, rounds=60)
    assert auc is not None and auc.low < auc.estimate < auc.high
    realised = roc_auc_score(truth == "yes", score)
    assert abs(auc.estimate - realised) < 0.02
    assert "without labels" in auc.sentence
    accuracy = estimate_performance("accuracy", None, proba, task="binary",
                                    classes=("no", "yes"), positive="yes", threshold=0.5,
                                    rounds=60)
    realised = accuracy_score(truth, np.where(score >= 0.5, "yes", "no"))
    assert accuracy is not None and abs(accuracy.estimate - realised) < 0.02
