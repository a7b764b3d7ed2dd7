"""Date parts from day numbers agree with pandas' calendar, in scikit-learn and in ONNX."""

from __future__ import annotations

import numpy as np
import onnxruntime as ort
import pandas as pd
from skl2onnx import convert_sklearn
from skl2onnx.common.data_types import FloatTensorType

from engine.recipe.converters import register_converters
from engine.recipe.steps import DATE_PARTS, DateParts, civil_parts


def _days() -> np.ndarray:
    # Every day from 1896 to 2104 (leap rules of 1900, 2000, 2100), fractions and missing.
    days = np.arange(-27000, 49000, dtype=np.float64)
    return np.concatenate([days, [0.25, -0.5, 19783.999, np.nan]]).astype(np.float32)


def test_civil_parts_match_pandas():
    days = _days()
    parts = civil_parts(days)
    known = ~np.isnan(days)
    stamps = pd.to_datetime(np.floor(days[known]).astype("int64"), unit="D")
    np.testing.assert_array_equal(parts["year"][known], stamps.year)
    np.testing.assert_array_equal(parts["month"][known], stamps.month)
    np.testing.assert_array_equal(parts["day"][known], stamps.day)
    np.testing.assert_array_equal(parts["day_of_week"][known], stamps.day_of_week)
    np.testing.assert_array_equal(parts["day_of_year"][known], stamps.day_of_year)
    assert all(np.isnan(parts[p][~known]).all() for p in parts)


def test_onnx_graph_gives_the_same_parts():
    register_converters()
    days = _days().reshape(-1, 1)
    step = DateParts(parts=DATE_PARTS, reference="2000-01-01").fit(days)
    model = convert_sklearn(
        step,
        initial_types=[("days", FloatTensorType([None, 1]))],
        target_opset={"": 17, "ai.onnx.ml": 3},
    )
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    (got,) = session.run(None, {"days": days})
    expected = step.transform(days)
    assert got.shape == (len(days), len(DATE_PARTS))
    np.testing.assert_array_equal(got, expected)  # exact, NaN in the same places
    assert expected[0, -1] == days[0, 0] - 10957  # days since 2000-01-01
