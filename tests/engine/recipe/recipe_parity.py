"""Shared data for the recipe tests: small generated tables with missing values, and parity
checks that score the same rows in scikit-learn and in a real onnxruntime session."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from engine.recipe.inputs import InputColumn

INPUTS = (
    InputColumn("num a", "numeric"),
    InputColumn("b", "numeric"),
    InputColumn("cölor", "categorical"),
    InputColumn("when", "date"),
)


def make_table(n: int, seed: int, *, unseen: bool = False) -> pd.DataFrame:
    """Numbers with NaN (and zeros in ``b``), a category with rare and missing values, dates
    with missing values; ``unseen`` adds categories and dates never seen in training."""
    rng = np.random.default_rng(seed)
    a = rng.normal(10, 5, n)
    a[rng.random(n) < 0.1] = np.nan
    b = rng.exponential(3, n)
    b[rng.random(n) < 0.05] = 0.0
    b[rng.random(n) < 0.1] = np.nan
    colours = ["red", "green", "blue", "grey", "rare one"]
    weights = [0.35, 0.3, 0.2, 0.13, 0.02]
    if unseen:
        colours += ["purple", "ünseen"]
        weights = [w * 0.8 for w in weights] + [0.1, 0.1]
    c = rng.choice(np.array(colours, dtype=object), n, p=weights)
    c[rng.random(n) < 0.1] = None
    days = rng.integers(-800, 2500, n) + (4000 if unseen else 0) * (rng.random(n) < 0.1)
    when = pd.Series(pd.Timestamp("2019-01-01") + pd.to_timedelta(days, unit="D"))
    when[rng.random(n) < 0.1] = pd.NaT
    return pd.DataFrame({"num a": a, "b": b, "cölor": c, "when": when})


def targets(frame: pd.DataFrame, task: str, seed: int = 1) -> np.ndarray:
    """A target that depends on the columns (so the models learn something)."""
    rng = np.random.default_rng(seed)
    signal = (
        np.nan_to_num(frame["num a"].to_numpy(dtype=float), nan=10.0)
        + 4.0 * (frame["cölor"] == "red").to_numpy()
        - 0.5 * np.nan_to_num(frame["b"].to_numpy(dtype=float))
        + rng.normal(0, 2, len(frame))
    )
    if task == "regression":
        return signal
    if task == "multiclass":
        return np.digitize(signal, np.quantile(signal, [0.33, 0.66])).astype(str)
    return np.where(signal > np.median(signal), "yes", "no")


def onnx_outputs(pipeline: Any, frame: pd.DataFrame, inputs: Sequence[InputColumn]) -> dict:
    """Convert the fitted pipeline, score ``frame`` with onnxruntime, outputs by name."""
    import onnxruntime as ort

    from engine.recipe.onnx_graph import onnx_feed, to_onnx_model

    model = to_onnx_model(pipeline, inputs)
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    names = [o.name for o in session.get_outputs()]
    return dict(zip(names, session.run(None, onnx_feed(frame, inputs)), strict=True))


def assert_classifier_parity(pipeline: Any, frame: pd.DataFrame, inputs=INPUTS) -> None:
    out = onnx_outputs(pipeline, frame, inputs)
    expected_labels = pipeline.predict(frame)
    assert list(out) == ["label", "probabilities"]
    np.testing.assert_array_equal(out["label"].ravel(), expected_labels)
    np.testing.assert_allclose(out["probabilities"], pipeline.predict_proba(frame), atol=1e-4)


def assert_regressor_parity(pipeline: Any, frame: pd.DataFrame, inputs=INPUTS) -> None:
    out = onnx_outputs(pipeline, frame, inputs)
    assert list(out) == ["variable"]
    expected = pipeline.predict(frame)
    np.testing.assert_allclose(out["variable"].ravel(), expected, rtol=1e-5, atol=1e-5)
