"""LightGBM through onnxmltools, with split thresholds that decide exactly as LightGBM does.

LightGBM stores split thresholds as doubles and compares the (float32, see
:mod:`engine.recipe.inputs`) value widened to double; an ONNX tree ensemble stores float32
thresholds, which onnxmltools rounds to the *nearest* float32. A value between the double
threshold and its rounding then takes the other branch: on a 1,000,000-row table with
2-4 decimal places, probabilities differed by up to 0.05 (the scoring benchmark found it).
For a float32 ``x`` and a double ``t``, ``x <= t`` holds exactly when ``x <= floor32(t)``
(the largest float32 not above ``t``), and ``x < t`` exactly when ``x < ceil32(t)``; so the
thresholds are rounded in the direction of each node's comparison instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

TREE_OPS = ("TreeEnsembleClassifier", "TreeEnsembleRegressor")
_ROUND_DOWN = frozenset({"BRANCH_LEQ", "BRANCH_GT"})
_ROUND_UP = frozenset({"BRANCH_LT", "BRANCH_GTE"})


def exact_thresholds(values: Sequence[float], modes: Sequence[Any]) -> list[float]:
    """Float32 thresholds (as Python floats) that compare float32 inputs like the doubles."""
    import numpy as np

    wide = np.asarray(values, dtype=np.float64)
    near = wide.astype(np.float32)
    down = np.where(near.astype(np.float64) > wide, np.nextafter(near, np.float32(-np.inf)), near)
    up = np.where(near.astype(np.float64) < wide, np.nextafter(near, np.float32(np.inf)), near)
    names = [m.decode() if isinstance(m, bytes) else str(m) for m in modes]
    chosen = [
        down[i] if mode in _ROUND_DOWN else up[i] if mode in _ROUND_UP else near[i]
        for i, mode in enumerate(names)
    ]
    return [float(value) for value in np.asarray(chosen, dtype=np.float32)]


class _ExactThresholdContainer:
    """Passes everything to skl2onnx's container, rounding tree thresholds on the way."""

    def __init__(self, container: Any) -> None:
        self._container = container

    def __getattr__(self, name: str) -> Any:
        return getattr(self._container, name)

    def add_node(self, op_type: str, *args: Any, **attrs: Any) -> Any:
        if op_type in TREE_OPS and "nodes_values" in attrs and "nodes_modes" in attrs:
            attrs["nodes_values"] = exact_thresholds(attrs["nodes_values"], attrs["nodes_modes"])
        return self._container.add_node(op_type, *args, **attrs)


def convert_lightgbm_exact(scope: Any, operator: Any, container: Any) -> None:
    """onnxmltools' LightGBM converter with thresholds rounded as explained above."""
    from onnxmltools.convert.lightgbm.operator_converters.LightGbm import convert_lightgbm

    convert_lightgbm(scope, operator, _ExactThresholdContainer(container))
