"""The binary decision threshold is chosen on out-of-fold scores of the training rows and
reported on the holdout (not chosen on the rows that then report it)."""

from __future__ import annotations

import numpy as np
from sklearn.base import clone
from sklearn.model_selection import StratifiedKFold

from engine.evaluation.evaluate import evaluate_model
from engine.evaluation.out_of_fold import OUT_OF_FOLD_FITS, OUT_OF_FOLD_FOLDS
from engine.evaluation.result import Evaluation
from engine.evaluation.rethreshold import rechoose_threshold
from engine.evaluation.threshold import analyse_thresholds, choose_threshold
from engine.evaluation.threshold_pick import pick_threshold

POSITIVE = "malignant"


def _oof_scores(cancer) -> np.ndarray:
    """The out-of-fold scores, computed here independently of the engine."""
    truth = np.asarray(cancer.y_train).astype(str) == POSITIVE
    frame = cancer.x_train.reset_index(drop=True)
    scores = np.full(len(frame), np.nan)
    folds = StratifiedKFold(OUT_OF_FOLD_FOLDS, shuffle=True, random_state=0)
    for fit, held in folds.split(frame, truth):
        model = clone(cancer.model).fit(frame.iloc[fit], np.asarray(cancer.y_train)[fit])
        column = [str(c) for c in model.classes_].index(POSITIVE)
        scores[held] = model.predict_proba(frame.iloc[held])[:, column]
    return scores


def _holdout_outcome(cancer, threshold: float) -> tuple[int, int, int, int]:
    column = [str(c) for c in cancer.model.classes_].index(POSITIVE)
    scores = cancer.model.predict_proba(cancer.x_holdout)[:, column]
    flagged = scores >= threshold
    positive = np.asarray(cancer.y_holdout).astype(str) == POSITIVE
    return (int((flagged & positive).sum()), int((flagged & ~positive).sum()),
            int((~flagged & ~positive).sum()), int((~flagged & positive).sum()))


def test_the_threshold_is_chosen_out_of_fold_and_reported_on_the_holdout(
    cancer, cancer_evaluation: Evaluation
) -> None:
    assert OUT_OF_FOLD_FITS == OUT_OF_FOLD_FOLDS >= 2
    choice = cancer_evaluation.thresholds.choice
    truth = np.asarray(cancer.y_train).astype(str) == POSITIVE
    expected = choose_threshold(analyse_thresholds(truth, _oof_scores(cancer)), "f1")
    assert choice.chosen_on == "out-of-fold"
    assert choice.threshold == expected.threshold
    assert choice.chosen_point == expected.point  # the out-of-fold outcome it was chosen on
    point = choice.point  # the holdout's outcome at that very threshold
    assert (point.tp, point.fp, point.tn, point.fn) == _holdout_outcome(cancer, choice.threshold)
    assert point.threshold == choice.threshold
    confusion = cancer_evaluation.confusion
    assert confusion.threshold == choice.threshold
    assert confusion.counts == [[point.tn, point.fp], [point.fn, point.tp]]
    assert "out-of-fold" in choice.reason and f"{len(cancer.x_holdout):,} holdout" in choice.reason


def test_rules_chosen_again_by_hand_keep_choosing_out_of_fold(
    cancer, cancer_evaluation: Evaluation
) -> None:
    stored = Evaluation.from_dict(cancer_evaluation.to_dict())  # as the project keeps it
    again = rechoose_threshold(stored, "precision", target=0.97)
    truth = np.asarray(cancer.y_train).astype(str) == POSITIVE
    expected = choose_threshold(analyse_thresholds(truth, _oof_scores(cancer)), "precision",
                                0.97)
    choice = again.thresholds.choice
    assert (choice.chosen_on, choice.threshold) == ("out-of-fold", expected.threshold)
    point = choice.point
    assert (point.tp, point.fp, point.tn, point.fn) == _holdout_outcome(cancer, choice.threshold)
    picked = pick_threshold(stored, 0.3).thresholds.choice
    assert picked.chosen_on == "by hand"
    assert (picked.point.tp, picked.point.fp, picked.point.tn, picked.point.fn) == \
        _holdout_outcome(cancer, picked.threshold)


def test_without_training_rows_or_with_too_few_the_holdout_chooses_and_says_so(cancer) -> None:
    plain = evaluate_model("binary", cancer.model, cancer.x_holdout, cancer.y_holdout,
                           baseline=cancer.baseline, positive_class=POSITIVE, top_features=0)
    assert plain.thresholds.choice.chosen_on == "holdout"
    assert any("chosen on the holdout" in note for note in plain.notes)
    rare = np.asarray(cancer.y_train, dtype=object).copy()
    rare[np.flatnonzero(rare == POSITIVE)[2:]] = "benign"  # two positives: fewer than 3 folds
    few = evaluate_model("binary", cancer.model, cancer.x_holdout, cancer.y_holdout,
                         baseline=cancer.baseline, positive_class=POSITIVE, top_features=0,
                         X_train=cancer.x_train, y_train=rare)
    assert few.thresholds.choice.chosen_on == "holdout"
    assert any("too few for 3 out-of-fold fits" in note for note in few.notes)


def test_large_training_sets_choose_the_threshold_on_a_stratified_capped_sample() -> None:
    import pandas as pd

    from engine.evaluation.out_of_fold import OUT_OF_FOLD_MAX_ROWS, threshold_rows

    rows = OUT_OF_FOLD_MAX_ROWS + 5_000
    rng = np.random.default_rng(3)
    x = pd.DataFrame({"a": rng.normal(size=rows), "b": np.arange(rows)})
    y = np.where(rng.random(rows) < 0.1, "yes", "no")
    x_cut, y_cut = threshold_rows(x, y, seed=7)
    assert len(x_cut) == len(y_cut) == OUT_OF_FOLD_MAX_ROWS
    # The rows travel with their labels, the class mix is kept, the same seed gives the same rows.
    assert (y[x_cut["b"].to_numpy()] == y_cut).all()
    assert abs((y_cut == "yes").mean() - (y == "yes").mean()) < 0.001
    again, _ = threshold_rows(x, y, seed=7)
    assert again["b"].equals(x_cut["b"])
    small, small_y = threshold_rows(x.iloc[:500], y[:500], seed=7)
    assert len(small) == 500 and small_y is not None
