"""Explanations on the raw model-input columns: permutation importance and partial dependence.

Both work through the whole fitted pipeline, so they speak about the columns the user knows
("monthly income"), not about one-hot or scaled columns. Rows are subsampled to keep them
fast, and the job is checked between features so Cancel takes effect quickly.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from engine.evaluation.result import Importance, PartialDependence
from engine.evaluation.settings import (
    DEPENDENCE_POINTS,
    IMPORTANCE_REPEATS,
    MAX_IMPORTANCE_ROWS,
)
from engine.jobs import Job

Scorer = Callable[[Any, pd.DataFrame, np.ndarray], float]
"""``scorer(pipeline, frame, y)``: greater is better."""

Output = Callable[[Any, pd.DataFrame], np.ndarray]
"""``output(pipeline, frame)``: one value per row (1-D) or one column per class (2-D)."""

MAX_DEPENDENCE_ROWS = 500


def sample_rows(
    frame: pd.DataFrame, y: np.ndarray | None, limit: int, seed: int
) -> tuple[pd.DataFrame, np.ndarray | None]:
    """At most ``limit`` rows (seeded random choice), with a fresh 0..n-1 index."""
    rows = len(frame)
    if rows > limit:
        keep = np.sort(np.random.default_rng(seed).choice(rows, size=limit, replace=False))
        frame = frame.iloc[keep]
        y = None if y is None else np.asarray(y)[keep]
    return frame.reset_index(drop=True), y


def permutation_importance(
    pipeline: Any,
    frame: pd.DataFrame,
    y: np.ndarray,
    scorer: Scorer,
    *,
    repeats: int = IMPORTANCE_REPEATS,
    max_rows: int = MAX_IMPORTANCE_ROWS,
    seed: int = 0,
    job: Job | None = None,
) -> tuple[Importance, ...]:
    """How much the score drops when each raw column is shuffled, most important first.

    The mean and standard deviation are over ``repeats`` shuffles. A drop near zero (or
    below) means the model does not rely on the column.
    """
    job = job or Job()
    frame, y = sample_rows(frame, y, max_rows, seed)
    assert y is not None
    rng = np.random.default_rng(seed)
    reference = scorer(pipeline, frame, y)
    columns = list(frame.columns)
    results = []
    for index, column in enumerate(columns):
        message = f"Shuffling {column!r} to measure its weight"
        original = frame[column]
        drops = []
        for repeat in range(repeats):
            # Before each scoring (one prediction pass is the longest wait): checks Cancel
            # and reports, throttled by the job.
            job.step((index + repeat / repeats) / len(columns), message)
            shuffled = frame.copy()
            shuffled[column] = original.iloc[rng.permutation(len(frame))].set_axis(frame.index)
            drops.append(reference - scorer(pipeline, shuffled, y))
        results.append(
            Importance(str(column), float(np.mean(drops)), float(np.std(drops)))
        )
    job.done("Importance measured")
    return tuple(sorted(results, key=lambda item: item.mean, reverse=True))


def is_numeric_column(column: pd.Series) -> bool:
    """True for number columns (dates enter models as numbers too); False for text/booleans."""
    return pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)


def dependence_grid(
    column: pd.Series, points: int = DEPENDENCE_POINTS, categories: int = 10
) -> list[Any]:
    """Values to try: quantiles of a numeric column, or its most frequent categories."""
    if is_numeric_column(column):
        values = column.dropna().to_numpy(dtype=float)
        values = values[np.isfinite(values)]
        if len(values) == 0:
            return []
        grid = np.quantile(values, np.linspace(0.05, 0.95, points))
        if pd.api.types.is_integer_dtype(column):
            grid = np.round(grid)  # an integer column only takes whole values
        return [float(v) for v in np.unique(grid)]
    counts = column.dropna().value_counts()
    # "" is how a missing text value reaches the model: not a category worth showing.
    values = [v for v in counts.index if not (isinstance(v, str) and v == "")][:categories]
    values = [v.item() if isinstance(v, np.generic) else v for v in values]
    # The most frequent categories, shown in a readable order: numerically for codes such
    # as scores 1-5, else alphabetically.
    return sorted(values, key=_natural_key)


def _natural_key(value: Any) -> tuple[int, float, str]:
    try:
        return (0, float(value), "")
    except (TypeError, ValueError):
        return (1, 0.0, str(value))


def partial_dependence(
    pipeline: Any,
    frame: pd.DataFrame,
    feature: str,
    output: Output,
    *,
    output_label: str = "",
    class_labels: list[str] | None = None,
    max_rows: int = MAX_DEPENDENCE_ROWS,
    seed: int = 0,
    job: Job | None = None,
) -> PartialDependence | None:
    """The average model output when every row's ``feature`` is set to each grid value.

    With ``class_labels`` the output is one probability column per class and the result
    holds a line per class. None when the column has no usable values.
    """
    job = job or Job()
    frame, _ = sample_rows(frame, None, max_rows, seed)
    column = frame[feature]
    grid = dependence_grid(column)
    if not grid:
        return None
    numeric = is_numeric_column(column)
    averages = []
    for index, value in enumerate(grid):
        job.step(index / len(grid), f"How predictions change with {feature!r}")
        changed = frame.copy()
        if numeric:
            changed[feature] = np.full(len(frame), value, dtype=column.dtype)
        else:
            changed[feature] = pd.Series(
                [value] * len(frame), index=frame.index, dtype=column.dtype
            )
        averages.append(np.asarray(output(pipeline, changed), dtype=float).mean(axis=0))
    table = np.array(averages)
    by_class: dict[str, list[float]] = {}
    average: list[float] = []
    if class_labels is not None and table.ndim == 2:
        by_class = {str(c): [float(v) for v in table[:, i]] for i, c in enumerate(class_labels)}
    else:
        average = [float(v) for v in table.reshape(len(grid))]
    return PartialDependence(
        feature=str(feature),
        grid=grid,
        average=average,
        kind="numeric" if numeric else "categorical",
        output_label=output_label,
        by_class=by_class,
    )
