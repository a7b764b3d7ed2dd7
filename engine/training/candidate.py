"""One candidate of the search: build its pipeline, cross-validate it, refit it.

This module runs inside the worker processes (:mod:`.workers`) as well as in the main
process, so it takes plain values only: a :class:`CandidateSpec` describes a candidate
completely (family, parameters, seed, recipe), which makes a run repeatable from the project
file alone.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from engine.problem.definition import Task

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
    from sklearn.pipeline import Pipeline

    from engine.recipe.inputs import InputColumn

UNLABELED = -1  # scikit-learn's SelfTrainingClassifier marks unlabeled rows with -1


@dataclass(frozen=True)
class CandidateSpec:
    """Everything needed to rebuild a candidate: ``recipe`` is Recipe JSON (None: default)."""

    trial: int
    family: str
    params: dict[str, Any] = field(default_factory=dict)
    seed: int = 0
    recipe: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "trial": self.trial,
            "family": self.family,
            "params": dict(self.params),
            "seed": self.seed,
            "recipe": self.recipe,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CandidateSpec:
        return cls(
            trial=int(data["trial"]),
            family=str(data["family"]),
            params=dict(data.get("params", {})),
            seed=int(data.get("seed", 0)),
            recipe=data.get("recipe"),
        )


@dataclass(frozen=True)
class FitContext:
    """What every candidate of one search shares: the task and the problem's options."""

    task: Task
    inputs: tuple[InputColumn, ...]
    metrics: tuple[str, ...]  # the first one is the metric the search ranks by
    classes: tuple[str, ...] = ()
    positive_class: str | None = None
    class_weights: bool = False  # try class weights as a search dimension
    semi_supervised: bool = False
    n_jobs: int = 1
    cardinality: dict[str, int] = field(default_factory=dict)  # distinct values per category


def recipe_for(spec: CandidateSpec, context: FitContext) -> Any:
    """The candidate's recipe: the one given, or the default for its family's traits."""
    from engine.recipe.defaults import default_recipe
    from engine.recipe.spec import Recipe
    from engine.training.catalog import family

    if spec.recipe is not None:
        return Recipe.from_dict(spec.recipe)
    return default_recipe(
        context.inputs,
        family(spec.family).traits,
        task=context.task.value,
        cardinality=context.cardinality,
    )


def build_pipeline(spec: CandidateSpec, context: FitContext) -> Pipeline:
    """The candidate's full, unfitted pipeline: the compiled recipe then the estimator."""
    from engine.recipe.compile import compile_recipe
    from engine.training.catalog import family

    if spec.family == "baseline":
        return baseline_pipeline(context.task)
    preparation = compile_recipe(
        recipe_for(spec, context), context.inputs, task=context.task.value
    )
    # Class weights are a search dimension (the candidate's own "class_weight" parameter),
    # kept only where they scored better; the problem's flag only asks the search to try them.
    weights = spec.params.get("class_weight") == "balanced"
    estimator = family(spec.family).build(
        context.task, spec.params, spec.seed, context.n_jobs, weights
    )
    if context.semi_supervised:
        from sklearn.semi_supervised import SelfTrainingClassifier

        estimator = SelfTrainingClassifier(estimator, threshold=0.9, max_iter=5)
    preparation.steps.append(("model", estimator))
    return preparation


def baseline_pipeline(task: Task) -> Pipeline:
    """The baseline every leaderboard shows: the majority class / prior, or the mean."""
    from sklearn.dummy import DummyClassifier, DummyRegressor
    from sklearn.pipeline import Pipeline

    if task is Task.REGRESSION:
        return Pipeline([("model", DummyRegressor(strategy="mean"))])
    return Pipeline([("model", DummyClassifier(strategy="prior"))])


def fit_pipeline(
    pipeline: Pipeline,
    x_rows: pd.DataFrame,
    y_rows: np.ndarray,
    unlabeled: pd.DataFrame | None,
    context: FitContext,
) -> Pipeline:
    """Fit, adding the unlabeled rows for self-training; the self-trained model is unwrapped.

    The exported model is the final fitted pipeline: after self-training, the wrapper is
    replaced by the estimator it fitted on labeled plus pseudo-labeled rows.
    """
    import numpy as np
    import pandas as pd

    if context.semi_supervised and unlabeled is not None and len(unlabeled):
        x_all = pd.concat([x_rows, unlabeled], ignore_index=True)
        y_all = np.concatenate([y_rows.astype(object), np.full(len(unlabeled), UNLABELED, object)])
        pipeline.fit(x_all, y_all)
        wrapper = pipeline.steps[-1][1]
        pipeline.steps[-1] = ("model", wrapper.estimator_)
        return pipeline
    pipeline.fit(x_rows, y_rows)
    return pipeline


def predictions(pipeline: Pipeline, x_rows: pd.DataFrame, context: FitContext) -> tuple[Any, Any]:
    """Predicted labels (or values) and, for classifiers, probabilities in ``classes`` order."""
    import numpy as np

    predicted = pipeline.predict(x_rows)
    if not context.task.classification:
        return predicted.astype(float), None
    model_classes = [str(label) for label in pipeline.classes_]
    proba = pipeline.predict_proba(x_rows)
    # A fold may miss a rare class: its probability column is zero, in the problem's order.
    ordered = np.zeros((len(x_rows), len(context.classes)))
    for column, label in enumerate(model_classes):
        if label in context.classes:
            ordered[:, context.classes.index(label)] = proba[:, column]
    from engine.evaluation.metrics import rows_summing_to_one

    return predicted.astype(str).astype(object), rows_summing_to_one(ordered)


def score_predictions(
    y_true: np.ndarray, predicted: Any, proba: Any, context: FitContext
) -> dict[str, float]:
    """Every metric of the context on one set of predictions (NaN where undefined)."""
    import math

    from engine.problem.metrics import score

    scores: dict[str, float] = {}
    for metric in context.metrics:
        try:
            value = float(
                score(
                    metric,
                    y_true,
                    predicted,
                    proba,
                    classes=list(context.classes) or None,
                    positive_class=context.positive_class,
                )
            )
        except ValueError:  # e.g. ROC AUC on a fold with one class
            value = math.nan
        scores[metric] = value
    return scores


def cross_validate(
    spec: CandidateSpec,
    context: FitContext,
    x_train: pd.DataFrame,
    y_train: np.ndarray,
    folds: tuple[tuple[np.ndarray, np.ndarray], ...],
    unlabeled: pd.DataFrame | None = None,
    on_fold: Any = None,
    should_stop: Any = None,
) -> dict[str, Any]:
    """Fit and score the candidate on every fold; returns per-fold scores and timings.

    ``should_stop()``, asked after each fold, ends it early: the folds done are the result.
    ``fit_seconds`` and ``predict_seconds`` are medians over the folds (the first fold also
    pays for imports and warm-up, which a refit does not; its prediction is timed a second
    time, warm, since the evaluation's passes are foreseen from it).
    """
    import statistics

    fold_scores: list[dict[str, float]] = []
    fitting: list[float] = []
    predicting: list[float] = []  # the evaluation's length is foreseen from it
    started = time.perf_counter()
    for number, (fit_rows, check_rows) in enumerate(folds, start=1):
        clock = time.perf_counter()
        pipeline = build_pipeline(spec, context)
        fit_pipeline(
            pipeline, x_train.iloc[fit_rows], y_train[fit_rows], unlabeled, context
        )
        fitting.append(time.perf_counter() - clock)
        clock = time.perf_counter()
        predicted, proba = predictions(pipeline, x_train.iloc[check_rows], context)
        if number == 1:  # the first call pays for lazy imports and warm-up: time it warm
            clock = time.perf_counter()
            predictions(pipeline, x_train.iloc[check_rows], context)
        predicting.append(time.perf_counter() - clock)
        fold_scores.append(score_predictions(y_train[check_rows], predicted, proba, context))
        if on_fold is not None:
            on_fold(number, len(folds))
        if should_stop is not None and number < len(folds) and should_stop():
            break
    return {
        "fold_scores": fold_scores,
        "seconds": time.perf_counter() - started,
        "fit_seconds": statistics.median(fitting),
        "predict_seconds": statistics.median(predicting),
    }


def subset_folds(
    folds: tuple[tuple[np.ndarray, np.ndarray], ...], chosen: np.ndarray, rows: int
) -> tuple[tuple[np.ndarray, np.ndarray], ...]:
    """The folds restricted to the sorted row positions ``chosen`` (of ``rows`` rows),
    renumbered as positions into the chosen rows."""
    import numpy as np

    keep = np.zeros(rows, dtype=bool)
    keep[chosen] = True
    new_position = np.cumsum(keep) - 1
    return tuple(
        (new_position[fit[keep[fit]]], new_position[check[keep[check]]]) for fit, check in folds
    )
