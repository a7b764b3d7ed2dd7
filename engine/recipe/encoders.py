"""Category encoders that convert to ONNX exactly.

:class:`PooledOneHotEncoder` pools rare categories without scikit-learn's "infrequent
categories" (whose ONNX conversion fails at run time, skl2onnx #1026): it keeps the frequent
categories as its explicit category list, so rare and unseen values both become all zeros.
"""

from __future__ import annotations

import warnings
from numbers import Integral, Real
from typing import Any, ClassVar

import numpy as np
from sklearn.preprocessing import OneHotEncoder
from sklearn.utils._param_validation import Interval


class PooledOneHotEncoder(OneHotEncoder):
    """One-hot columns for categories seen at least ``min_count`` times (a whole number) or in
    at least that share of the rows (a fraction below 1), at most ``max_width`` of them per
    column (the most frequent); every other value gives all zeros ("other")."""

    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "min_count": [
            Interval(Integral, 1, None, closed="left"),
            Interval(Real, 0, 1, closed="neither"),
        ],
        "max_width": [None, Interval(Integral, 1, None, closed="left")],
    }

    def __init__(self, *, min_count: float = 1, max_width: int | None = None) -> None:
        super().__init__(handle_unknown="ignore", sparse_output=False, dtype=np.float32)
        self.min_count = min_count
        self.max_width = max_width

    def fit(self, data: Any, y: Any = None) -> PooledOneHotEncoder:
        import pandas as pd

        array = _as_text(data)
        categories = []
        threshold = self.min_count if self.min_count >= 1 else self.min_count * len(array)
        for j in range(array.shape[1]):
            counts = pd.Series(array[:, j], dtype=object).value_counts(sort=False)
            ranked = sorted(counts.items(), key=lambda item: (-item[1], str(item[0])))
            kept = [value for value, count in ranked if count >= threshold]
            if not kept and ranked:
                kept = [ranked[0][0]]  # keep at least the most frequent value
            if self.max_width is not None:
                kept = kept[: self.max_width]
            categories.append(np.asarray(sorted(str(v) for v in kept), dtype=object))
        # The explicit list is a fitted result, not a user setting: restore "auto" afterwards.
        self.categories = categories
        try:
            super().fit(_named(array, data))
        finally:
            self.categories = "auto"
        return self

    def transform(self, data: Any) -> np.ndarray:
        with warnings.catch_warnings():
            # Rare and unseen values give all zeros on purpose; no warning for each batch.
            warnings.filterwarnings("ignore", message="Found unknown categories")
            return super().transform(_named(_as_text(data), data))


def _as_text(data: Any) -> np.ndarray:
    return np.asarray(data, dtype=object).reshape(len(data), -1)


def _named(array: np.ndarray, data: Any) -> Any:
    """A frame with the input's column names (for readable feature names), else the array."""
    if not hasattr(data, "columns"):
        return array
    import pandas as pd

    # dtype=object: pandas 3 would otherwise make its arrow `str` columns.
    return pd.DataFrame(array, columns=list(data.columns), dtype=object)
