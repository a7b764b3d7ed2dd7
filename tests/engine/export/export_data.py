"""Small generated tables and fitted pipelines for the export tests."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from engine.problem.definition import Task
from engine.recipe.inputs import InputColumn, to_model_frame

NON_ASCII_COLUMN = "région"  # the export fixtures rename the sample's "region" to this

INPUTS = (
    InputColumn("monthly income", "numeric"),
    InputColumn("b", "numeric"),
    InputColumn("région", "categorical"),
    InputColumn("when", "date"),
)


def make_table(n: int, seed: int) -> pd.DataFrame:
    """Numbers with NaN and zeros, a category with rare and missing values, dates with NaT."""
    rng = np.random.default_rng(seed)
    a = rng.normal(3000, 900, n)
    a[rng.random(n) < 0.1] = np.nan
    b = rng.exponential(3, n)
    b[rng.random(n) < 0.05] = 0.0
    b[rng.random(n) < 0.1] = np.nan
    regions = np.array(["Nord", "Süd", "East, coast", 'say "west"', "rare"], dtype=object)
    c = rng.choice(regions, n, p=[0.35, 0.3, 0.2, 0.13, 0.02])
    c[rng.random(n) < 0.1] = None
    days = rng.integers(-800, 2500, n)
    when = pd.Series(pd.Timestamp("2019-01-01") + pd.to_timedelta(days, unit="D"))
    when[rng.random(n) < 0.1] = pd.NaT
    return pd.DataFrame({"monthly income": a, "b": b, "région": c, "when": when})


def targets(frame: pd.DataFrame, task: str, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    signal = (
        np.nan_to_num(frame["monthly income"].to_numpy(dtype=float), nan=3000.0) / 300
        + 4.0 * (frame["région"] == "Nord").to_numpy()
        - 0.5 * np.nan_to_num(frame["b"].to_numpy(dtype=float))
        + rng.normal(0, 2, len(frame))
    )
    if task == "regression":
        return signal
    if task == "multiclass":
        return np.digitize(signal, np.quantile(signal, [0.33, 0.66])).astype(str)
    return np.where(signal > np.quantile(signal, 0.7), "yes", "no").astype(object)


def fitted(family: str, task: str, rows: int = 500, recipe: Any = None) -> tuple[Any, Any, Any]:
    """A fitted pipeline of a catalog family: (pipeline, train model frame, check frame)."""
    from engine.training.candidate import CandidateSpec, FitContext, build_pipeline

    frame = make_table(rows, seed=3)
    x = to_model_frame(frame, INPUTS)
    y = targets(frame, task)
    classes = tuple(sorted(set(y))) if task in ("binary", "multiclass") else ()
    context = FitContext(
        task=Task(task),
        inputs=INPUTS,
        metrics=("roc_auc",),
        classes=classes,
        positive_class="yes" if task == "binary" else None,
        cardinality={"région": 5},
    )
    pipeline = build_pipeline(CandidateSpec(1, family, {}, 0, recipe), context)
    split = int(rows * 0.8)
    if task in ("clustering", "anomaly"):
        pipeline.fit(x.iloc[:split])
    else:
        pipeline.fit(x.iloc[:split], y[:split])
    return pipeline, x.iloc[:split].reset_index(drop=True), x.iloc[split:].reset_index(drop=True)
