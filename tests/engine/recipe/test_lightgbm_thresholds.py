"""LightGBM's double thresholds against float32 inputs: ONNX must take the same branches.

Rows are placed on the float32 values closest to each split threshold (both sides), where
rounding the threshold to the nearest float32 sends values down the other branch.
"""

from __future__ import annotations

import numpy as np
import pytest

from engine.recipe.graph_lightgbm import exact_thresholds

lightgbm = pytest.importorskip("lightgbm")


def test_rounding_follows_the_comparison() -> None:
    t = 0.1  # not a float32: float32(0.1) is above it
    near = float(np.float32(t))
    below = float(np.nextafter(np.float32(t), np.float32(-1)))
    assert near > t > below
    leq, lt = exact_thresholds([t, t], ["BRANCH_LEQ", b"BRANCH_LT"])
    assert leq == below  # x <= 0.1 exactly when x <= the float32 just below it
    assert lt == near  # x < 0.1 exactly when x < float32(0.1)
    assert exact_thresholds([0.5], ["BRANCH_LEQ"]) == [0.5]  # exact values stay


def _rows_at_thresholds(model, width: int) -> np.ndarray:
    """Float32 rows sitting on the float32 neighbours of every split threshold."""
    dump = model.booster_.dump_model()["tree_info"]
    found: list[tuple[int, float]] = []

    def walk(node: dict) -> None:
        if "split_feature" in node:
            found.append((node["split_feature"], float(node["threshold"])))
            walk(node["left_child"])
            walk(node["right_child"])

    for tree in dump:
        walk(tree["tree_structure"])
    rows = []
    base = np.zeros(width, dtype=np.float32)
    for feature, threshold in found:
        near = np.float32(threshold)
        for value in (near, np.nextafter(near, np.float32(-np.inf)),
                      np.nextafter(near, np.float32(np.inf))):
            row = base.copy()
            row[feature] = value
            rows.append(row)
    return np.asarray(rows, dtype=np.float32)


def test_onnx_takes_lightgbms_branches_on_threshold_neighbours() -> None:
    import onnxruntime as ort
    import pandas as pd

    from engine.recipe.compile import compile_recipe
    from engine.recipe.inputs import InputColumn
    from engine.recipe.onnx_graph import onnx_feed, to_onnx_model
    from engine.recipe.spec import Recipe

    rng = np.random.default_rng(3)
    n, width = 4000, 4
    x = np.round(rng.normal(50, 20, (n, width)), 2).astype(np.float32)  # 2 decimals
    y = np.where(x[:, 0] + 0.5 * x[:, 1] - x[:, 2] + rng.normal(0, 5, n) > 25, "yes", "no")
    inputs = tuple(InputColumn(f"x{i}", "numeric") for i in range(width))
    frame = pd.DataFrame(x, columns=[c.name for c in inputs])
    model = lightgbm.LGBMClassifier(n_estimators=60, num_leaves=31, verbose=-1, n_jobs=1)
    pipeline = compile_recipe(Recipe(()), inputs, task="binary")  # numbers pass through
    pipeline.steps.append(("model", model))
    pipeline.fit(frame, y)
    probe = pd.DataFrame(_rows_at_thresholds(model, width), columns=frame.columns)
    session = ort.InferenceSession(
        to_onnx_model(pipeline, inputs).SerializeToString(), providers=["CPUExecutionProvider"]
    )
    _labels, proba = session.run(None, onnx_feed(probe, inputs))
    expected = pipeline.predict_proba(probe)
    assert len(probe) > 300
    np.testing.assert_allclose(proba, expected, atol=1e-5)
