"""Feature selection on the final matrix: k best by mutual information, variance filter.

scikit-learn's mutual information refuses NaN; this selector scores a copy with missing values
filled by column medians (for the ranking only) and lets NaN through to the model otherwise.
Its ONNX conversion is skl2onnx's feature-selection converter (a column gather).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.feature_selection import SelectorMixin, VarianceThreshold
from sklearn.utils.validation import check_is_fitted, validate_data


class KBestMutualInfo(SelectorMixin, BaseEstimator):
    """Keep the ``k`` features with the highest mutual information with the target
    (``problem`` "classification" or "regression"); all of them when there are fewer."""

    def __init__(self, k: int = 10, problem: str = "classification") -> None:
        self.k = k
        self.problem = problem

    def fit(self, data: Any, y: Any) -> KBestMutualInfo:
        from sklearn.feature_selection import mutual_info_classif, mutual_info_regression

        x = validate_data(self, data, dtype=np.float64, ensure_all_finite="allow-nan")
        filled = x.copy()
        for j in range(filled.shape[1]):
            column = filled[:, j]
            known = column[~np.isnan(column)]
            column[np.isnan(column)] = np.median(known) if known.size else 0.0
        score = mutual_info_classif if self.problem == "classification" else mutual_info_regression
        self.scores_ = score(filled, np.asarray(y), random_state=0)
        keep = min(int(self.k), x.shape[1])
        # Stable ranking: the higher score first, the earlier column on ties.
        order = np.argsort(-self.scores_, kind="stable")[:keep]
        self.support_ = np.zeros(x.shape[1], dtype=bool)
        self.support_[order] = True
        return self

    def _get_support_mask(self) -> np.ndarray:
        check_is_fitted(self, "support_")
        return self.support_

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.target_tags.required = True
        return tags


class VarianceFilter(VarianceThreshold):
    """scikit-learn's VarianceThreshold, with a plain-words error when nothing is left."""

    def fit(self, data: Any, y: Any = None) -> VarianceFilter:
        from engine.errors import InputError

        try:
            return super().fit(data, y)
        except ValueError as error:
            if "variance threshold" not in str(error):
                raise
            raise InputError(
                f"The variance_threshold step ({self.threshold}) removes every feature: "
                "none varies more than that.",
                "Lower the threshold (0 removes only constant columns) or remove the step.",
            ) from None
