"""Out-of-fold scores of the chosen pipeline over the training rows, for choosing a threshold.

A threshold chosen on the holdout and then reported on the same holdout flatters itself: the
cut is fitted to those very rows. So the binary decision threshold is chosen on scores the
model gave to rows it did not learn from *within the training rows* (a clone of the final
pipeline fitted on k-1 stratified folds scores the k-th), and the holdout only reports the
outcome at that threshold (:mod:`engine.evaluation.evaluate`).

The folds are stratified and shuffled even when the holdout is the newest rows (a
time-ordered split): the threshold is a cut on the scores' distribution, and the holdout
still reports how it does on the newest rows.

This costs :data:`OUT_OF_FOLD_FITS` extra fits of the chosen pipeline on (k-1)/k of the
training rows; the training budget reserves them (a run's time budget covers the
evaluation too).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from engine.jobs import Job

OUT_OF_FOLD_FOLDS = 3
"""Stratified folds of the training rows whose out-of-fold scores choose the threshold."""

OUT_OF_FOLD_FITS = OUT_OF_FOLD_FOLDS
"""Extra fits of the chosen pipeline the evaluation of a binary model makes (one per fold,
each on (k-1)/k of :func:`threshold_rows`): what the training budget reserves for them."""

OUT_OF_FOLD_MAX_ROWS = 20_000
"""Training rows the threshold is chosen on, at most (a stratified sample beyond). A cut on
the scores is placed as well from 20,000 out-of-fold scores as from a million, and three fits
of the chosen pipeline on all the rows of a large table cost up to three refits (on a
100,000-row table they were most of what the time budget reserved, and stopped the search
after its first candidate)."""


def threshold_row_count(train_rows: int) -> int:
    """How many training rows the out-of-fold fits share (what :func:`threshold_rows` keeps)."""
    return min(train_rows, OUT_OF_FOLD_MAX_ROWS)


def threshold_rows(
    x_train: pd.DataFrame, y_train: np.ndarray, seed: int = 0
) -> tuple[pd.DataFrame, np.ndarray]:
    """``x_train, y_train`` cut to :data:`OUT_OF_FOLD_MAX_ROWS` rows, stratified by label
    (the same rows for the same seed), or unchanged when they are no more than that."""
    if len(x_train) <= OUT_OF_FOLD_MAX_ROWS:
        return x_train, y_train
    from sklearn.model_selection import train_test_split

    labels = np.asarray(y_train)
    keep, _rest = train_test_split(
        np.arange(len(x_train)), train_size=OUT_OF_FOLD_MAX_ROWS, random_state=seed,
        stratify=labels.astype(str),
    )
    keep = np.sort(keep)
    return x_train.iloc[keep].reset_index(drop=True), labels[keep]


def out_of_fold_scores(
    pipeline: Any,
    x_train: pd.DataFrame,
    y_train: np.ndarray,
    positive: str,
    *,
    folds: int = OUT_OF_FOLD_FOLDS,
    seed: int = 0,
    job: Job | None = None,
) -> tuple[np.ndarray | None, str | None]:
    """Probability of ``positive`` for every training row, from a model that did not see it.

    Returns ``(scores, None)``, or ``(None, reason)`` when the rows cannot be split into
    ``folds`` folds holding both classes (then the caller chooses on the holdout and says
    why). Cancel is checked between the fits.
    """
    from sklearn.base import clone
    from sklearn.model_selection import StratifiedKFold

    job = job or Job()
    truth = np.asarray(y_train).astype(str)
    is_pos = truth == str(positive)
    smaller = int(min(is_pos.sum(), (~is_pos).sum()))
    if folds < 2 or smaller < folds:
        return None, (
            f"the training rows hold {smaller} row{'s' * (smaller != 1)} of the rarer class, "
            f"too few for {folds} out-of-fold fits"
        )
    frame = x_train.reset_index(drop=True)
    scores = np.full(len(frame), np.nan)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for index, (fit_rows, score_rows) in enumerate(splitter.split(frame, is_pos)):
        job.step(index / folds, f"Choosing the threshold: fit {index + 1} of {folds}")
        model = clone(pipeline).fit(frame.iloc[fit_rows], np.asarray(y_train)[fit_rows])
        labels = [str(c) for c in model.classes_]
        proba = np.asarray(model.predict_proba(frame.iloc[score_rows]), dtype=float)
        scores[score_rows] = proba[:, labels.index(str(positive))]
    job.step(1.0, "Threshold chosen on out-of-fold scores")
    return scores, None


def training_rows(frame: pd.DataFrame, result: Any) -> tuple[pd.DataFrame, np.ndarray]:
    """The model-input frame and target labels of a training run's training rows.

    ``result`` is a :class:`engine.training.train.TrainingResult` of ``frame``: its inputs,
    problem and split give the rows exactly as training built them (the same reader of
    cells over the whole table, then the split's training positions).
    """
    from engine.problem.task_detection import target_labels
    from engine.recipe.inputs import to_model_frame

    rows = np.asarray(result.split.train_rows)
    x_all = to_model_frame(frame, result.inputs)
    y_all = target_labels(frame[result.problem.target], result.problem.task)
    return x_all.iloc[rows].reset_index(drop=True), np.asarray(y_all)[rows]
