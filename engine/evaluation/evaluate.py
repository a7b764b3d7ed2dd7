"""One call that evaluates a fitted pipeline on the holdout and returns an :class:`Evaluation`.

The pipeline takes the raw model-input columns (``X_holdout``) and is judged beside a fitted
baseline (majority class or mean) with the same interface. A binary model's threshold is
chosen on out-of-fold scores of the training rows (``X_train``) and reported on the
holdout. Importance and partial dependence run through the whole pipeline, so they name the
user's own columns.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd
from sklearn import metrics as skm

from engine.errors import InputError
from engine.evaluation import curves as cv
from engine.evaluation import metrics as mt
from engine.evaluation.importance import partial_dependence, permutation_importance
from engine.evaluation.out_of_fold import (
    OUT_OF_FOLD_FOLDS,
    out_of_fold_scores,
    threshold_rows,
)
from engine.evaluation.result import BusinessValue, Evaluation, Importance, PartialDependence
from engine.evaluation.rethreshold import threshold_note
from engine.evaluation.settings import TOP_FEATURES
from engine.evaluation.threshold import analyse_thresholds, choose_on
from engine.evaluation.unsupervised import evaluate_anomaly, evaluate_clustering
from engine.jobs import Job

TASKS = ("binary", "multiclass", "regression", "clustering", "anomaly")
CHUNK_ROWS = 50_000


def _chunked(predict: Any, frame: pd.DataFrame, job: Job, message: str) -> np.ndarray:
    """``predict(rows)`` over the holdout in chunks, checking for Cancel between them: a
    large holdout scored in one call could keep the job deaf for longer than 2 seconds."""
    parts = []
    for start in range(0, len(frame), CHUNK_ROWS):
        job.step(0.1 * start / len(frame), message)
        parts.append(predict(frame.iloc[start:start + CHUNK_ROWS]))
    return np.concatenate(parts)


def _check_inputs(task: str, frame: Any, y: Any, baseline: Any) -> None:
    if task not in TASKS:
        raise InputError(f"Unknown task {task!r}.", f"Use one of: {', '.join(TASKS)}.")
    if not isinstance(frame, pd.DataFrame):
        raise InputError("The holdout features must be a table (a pandas DataFrame).")
    if len(frame) == 0:
        raise InputError(
            "There are no holdout rows to evaluate on.",
            "Keep a larger share of the rows for the holdout, or add rows.",
        )
    if task in ("clustering", "anomaly"):
        return
    if y is None:
        raise InputError(f"A {task} model needs the holdout's actual target values.")
    if len(y) != len(frame):
        raise InputError(
            f"The holdout has {len(frame):,} rows but {len(y):,} target values.",
            "Pass the target values of the same rows.",
        )
    if baseline is None:
        raise InputError("A baseline model is needed to judge the model against.")


def _top_dependence(
    pipeline: Any, frame: pd.DataFrame, importances: tuple[Importance, ...], output: Any,
    *, label: str, classes: list[str] | None, count: int, seed: int, job: Job,
) -> tuple[PartialDependence, ...]:
    features = [item.feature for item in importances if item.mean > 0][:count]
    results = []
    for index, feature in enumerate(features):
        part = job.sub(index / len(features), (index + 1) / len(features))
        found = partial_dependence(pipeline, frame, feature, output, output_label=label,
                                   class_labels=classes, seed=seed, job=part)
        if found is not None:
            results.append(found)
    return tuple(results)


def _binary(
    pipeline: Any, frame: pd.DataFrame, y: np.ndarray, baseline: Any, positive_class: str | None,
    cv_scores: dict[str, tuple[float, float]], rule: str, target: float | None,
    costs: BusinessValue | None, seed: int, top: int, job: Job,
    train: tuple[pd.DataFrame, np.ndarray] | None = None, folds: int = OUT_OF_FOLD_FOLDS,
) -> Evaluation:
    classes = [str(c) for c in pipeline.classes_]
    notes: list[str] = []
    if len(classes) != 2:
        raise InputError(f"A binary model must have two classes; this one has {len(classes)}.")
    if positive_class is None:
        positive_class = classes[-1]
        notes.append(f"No positive class was named; {positive_class!r} is used.")
    if str(positive_class) not in classes:
        raise InputError(
            f"The positive class {positive_class!r} is not one of the model's classes.",
            f"Choose {classes[0]!r} or {classes[1]!r}.",
        )
    positive = str(positive_class)
    negative = classes[1 - classes.index(positive)]
    truth = np.asarray(y).astype(str)
    is_pos = truth == positive

    def score_of(model: Any, rows: pd.DataFrame) -> np.ndarray:
        labels = [str(c) for c in model.classes_]
        return np.asarray(model.predict_proba(rows), dtype=float)[:, labels.index(positive)]

    scores = _chunked(lambda rows: score_of(pipeline, rows), frame, job, "Scoring the holdout")
    base_scores = _chunked(lambda rows: score_of(baseline, rows), frame, job,
                           "Scoring the baseline")
    values, value_notes = mt.binary_metrics(is_pos, scores)
    base_values, _ = mt.binary_metrics(is_pos, base_scores)
    job.step(0.1, "Drawing the curves")
    both = bool(is_pos.any() and not is_pos.all())
    curves = ()
    if both:
        lift, gain = cv.lift_and_gain(is_pos, scores)
        curves = (cv.roc_curve(is_pos, scores), cv.precision_recall_curve(is_pos, scores),
                  cv.calibration_curve(is_pos, scores), lift, gain)
    else:
        notes.append("The holdout holds only one class, so ROC and precision-recall curves "
                     "cannot be drawn.")
    out_of_fold = None
    if train is None:
        notes.append("No training rows were given, so the threshold is chosen on the holdout "
                     "rows that also report it.")
    else:
        x_cut, y_cut = threshold_rows(train[0], train[1], seed)
        oof, why = out_of_fold_scores(pipeline, x_cut, y_cut, positive, folds=folds,
                                      seed=seed, job=job.sub(0.1, 0.2))
        if oof is None:
            notes.append(f"The threshold is chosen on the holdout: {why}.")
        else:
            out_of_fold = analyse_thresholds(np.asarray(y_cut).astype(str) == positive, oof,
                                             costs=costs)
    cuts = () if out_of_fold is None else [p.threshold for p in out_of_fold.points]
    analysis = replace(analyse_thresholds(is_pos, scores, costs=costs, extra_cuts=cuts),
                       out_of_fold=out_of_fold)
    choice = choose_on(analysis, rule, target)
    analysis = replace(analysis, choice=choice)
    predicted = np.where(scores >= choice.threshold, positive, negative)
    confusion = cv.confusion_matrix(truth, predicted, [negative, positive], choice.threshold)
    notes.append(threshold_note(choice))

    def accuracy(model: Any, rows: pd.DataFrame, actual: np.ndarray) -> float:
        return float(np.mean((score_of(model, rows) >= 0.5) == actual))

    def scorer(model: Any, rows: pd.DataFrame, actual: np.ndarray) -> float:
        if actual.all() or not actual.any():  # a row sample of a very rare class
            return accuracy(model, rows, actual)
        return float(skm.roc_auc_score(actual, score_of(model, rows)))

    importances = permutation_importance(
        pipeline, frame, is_pos, scorer if both else accuracy, seed=seed, job=job.sub(0.2, 0.8)
    )
    dependence = _top_dependence(
        pipeline, frame, importances, score_of, label=f"Probability of {positive!r}",
        classes=None, count=top, seed=seed, job=job.sub(0.8, 1.0),
    )
    return Evaluation(
        task="binary",
        metrics=mt.summarise(mt.TASK_METRICS["binary"], values, base_values, value_notes,
                             cv_scores),
        rows=len(frame), positive_class=positive, curves=curves, confusion=confusion,
        thresholds=analysis, importances=importances,
        importance_metric="Drop in ROC AUC when the column is shuffled" if both
        else "Drop in accuracy when the column is shuffled",
        partial_dependence=dependence, notes=notes,
    )


def _multiclass(
    pipeline: Any, frame: pd.DataFrame, y: np.ndarray, baseline: Any,
    cv_scores: dict[str, tuple[float, float]], seed: int, top: int, job: Job,
) -> Evaluation:
    classes = [str(c) for c in pipeline.classes_]
    truth = np.asarray(y).astype(str)
    unknown = sorted(set(truth) - set(classes))
    if unknown:
        raise InputError(
            f"The holdout has classes the model never saw in training: {', '.join(unknown)}.",
            "Check that the holdout comes from the same table as the training rows.",
        )

    def proba_of(model: Any, rows: pd.DataFrame) -> np.ndarray:
        # Reorder the baseline's columns to the model's class order.
        labels = [str(c) for c in model.classes_]
        proba = np.asarray(model.predict_proba(rows), dtype=float)
        return mt.rows_summing_to_one(proba[:, [labels.index(c) for c in classes]])

    proba = _chunked(lambda rows: proba_of(pipeline, rows), frame, job, "Scoring the holdout")
    base_proba = _chunked(lambda rows: proba_of(baseline, rows), frame, job,
                          "Scoring the baseline")
    values, notes = mt.multiclass_metrics(truth, proba, classes)
    base_values, _ = mt.multiclass_metrics(truth, base_proba, classes)
    predicted = np.asarray(classes)[np.argmax(proba, axis=1)]
    job.step(0.1, "Counting right and wrong classes")

    def scorer(model: Any, rows: pd.DataFrame, actual: np.ndarray) -> float:
        return -float(skm.log_loss(actual, proba_of(model, rows), labels=classes))

    importances = permutation_importance(pipeline, frame, truth, scorer, seed=seed,
                                         job=job.sub(0.2, 0.8))
    dependence = _top_dependence(
        pipeline, frame, importances, proba_of, label="Probability of each class",
        classes=classes, count=top, seed=seed, job=job.sub(0.8, 1.0),
    )
    return Evaluation(
        task="multiclass",
        metrics=mt.summarise(mt.TASK_METRICS["multiclass"], values, base_values, notes,
                             cv_scores),
        rows=len(frame), confusion=cv.confusion_matrix(truth, predicted, classes),
        importances=importances,
        importance_metric="Increase in log loss when the column is shuffled",
        partial_dependence=dependence,
        per_class=mt.per_class_table(truth, predicted, classes),
    )


def _regression(
    pipeline: Any, frame: pd.DataFrame, y: np.ndarray, baseline: Any,
    cv_scores: dict[str, tuple[float, float]], seed: int, top: int, job: Job,
) -> Evaluation:
    truth = np.asarray(y, dtype=float)

    def predict(model: Any, rows: pd.DataFrame) -> np.ndarray:
        return np.asarray(model.predict(rows), dtype=float).reshape(-1)

    guess = _chunked(lambda rows: predict(pipeline, rows), frame, job, "Scoring the holdout")
    base_guess = _chunked(lambda rows: predict(baseline, rows), frame, job,
                          "Scoring the baseline")
    values, notes = mt.regression_metrics(truth, guess)
    base_values, _ = mt.regression_metrics(truth, base_guess)
    job.step(0.1, "Measuring the errors")

    def scorer(model: Any, rows: pd.DataFrame, actual: np.ndarray) -> float:
        return -float(skm.root_mean_squared_error(actual, predict(model, rows)))

    importances = permutation_importance(pipeline, frame, truth, scorer, seed=seed,
                                         job=job.sub(0.2, 0.8))
    dependence = _top_dependence(
        pipeline, frame, importances, predict, label="Predicted value", classes=None,
        count=top, seed=seed, job=job.sub(0.8, 1.0),
    )
    return Evaluation(
        task="regression",
        metrics=mt.summarise(mt.TASK_METRICS["regression"], values, base_values, notes,
                             cv_scores),
        rows=len(frame), importances=importances,
        importance_metric="Increase in RMSE when the column is shuffled",
        partial_dependence=dependence, residuals=cv.residuals(truth, guess, seed=seed),
    )


def evaluate_model(
    task: str,
    pipeline: Any,
    X_holdout: pd.DataFrame,  # noqa: N803 - the name the training code uses
    y_holdout: np.ndarray | None,
    *,
    baseline: Any = None,
    positive_class: str | None = None,
    cv_scores: dict[str, list[float]] | None = None,
    threshold_rule: str = "f1",
    threshold_target: float | None = None,
    costs: BusinessValue | None = None,
    seed: int = 0,
    top_features: int = TOP_FEATURES,
    job: Job | None = None,
    X_train: pd.DataFrame | None = None,  # noqa: N803
    y_train: np.ndarray | None = None,
    threshold_folds: int = OUT_OF_FOLD_FOLDS,
) -> Evaluation:
    """Evaluate a fitted pipeline on the holdout rows.

    ``task`` is "binary", "multiclass", "regression", "clustering" or "anomaly".
    ``cv_scores`` maps metric names (ours, or scikit-learn scorer names such as
    "neg_log_loss") to per-fold scores. For a binary task the threshold is chosen by
    ``threshold_rule`` ("f1", "precision", "recall", "value") with ``threshold_target``
    (precision or recall) or ``costs`` (value), on out-of-fold scores of the training rows
    ``X_train``/``y_train`` (``threshold_folds`` stratified folds, i.e. that many extra fits:
    :data:`engine.evaluation.out_of_fold.OUT_OF_FOLD_FITS` by default), and reported on the
    holdout; without training rows it is chosen on the holdout, with a note. Raises
    :class:`InputError` on bad input and :class:`engine.jobs.Cancelled` when the job is
    cancelled.
    """
    task = str(task)
    job = job or Job()
    _check_inputs(task, X_holdout, y_holdout, baseline)
    job.step(0.0, "Scoring the holdout rows", force=True)
    frame = X_holdout.reset_index(drop=True)
    if task == "clustering":
        result = evaluate_clustering(pipeline, frame, seed=seed, job=job)
    elif task == "anomaly":
        result = evaluate_anomaly(pipeline, frame, seed=seed, job=job)
    else:
        summary, unknown = mt.cv_summary(cv_scores)
        y = np.asarray(y_holdout)
        if task == "binary":
            train = None if X_train is None or y_train is None else (X_train, y_train)
            result = _binary(pipeline, frame, y, baseline, positive_class, summary,
                             threshold_rule, threshold_target, costs, seed, top_features, job,
                             train, threshold_folds)
        elif task == "multiclass":
            result = _multiclass(pipeline, frame, y, baseline, summary, seed, top_features, job)
        else:
            result = _regression(pipeline, frame, y, baseline, summary, seed, top_features, job)
        if unknown:
            note = (f"Cross-validation scores for {', '.join(unknown)} are not shown: "
                    "unknown metric name.")
            result = replace(result, notes=[*result.notes, note])
    job.done("Evaluation finished")
    return result
