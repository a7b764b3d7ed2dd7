"""Custom scikit-learn transformers of the recipe; their ONNX converters are in :mod:`.converters`.

Every transformer here reads float32 (or, for :class:`MissingFlag`, text), returns float32 and
lets NaN through the way its ONNX converter does, so scikit-learn and onnxruntime compute the
same numbers. Where a float operation could round differently (the logarithm) both sides
compute it in float64 and round once to float32.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

DATE_PARTS = ("year", "month", "day", "day_of_week", "day_of_year", "days_since")
PAIR_OPERATIONS = ("ratio", "difference", "product")


def as_float32(data: Any) -> np.ndarray:
    """``data`` (array or frame) as a 2-D float32 array."""
    array = (
        data.to_numpy(dtype=np.float32)
        if hasattr(data, "to_numpy")
        else np.asarray(data, np.float32)
    )
    return array.reshape(len(array), -1)


class _Float32Step(TransformerMixin, BaseEstimator):
    """Shared plumbing: remember the input width and feature names."""

    def _remember(self, data: Any) -> np.ndarray:
        array = as_float32(data)
        self.n_features_in_ = array.shape[1]
        if hasattr(data, "columns"):
            self.feature_names_in_ = np.asarray([str(c) for c in data.columns], dtype=object)
        return array

    def _input_names(self) -> list[str]:
        if hasattr(self, "feature_names_in_"):
            return list(self.feature_names_in_)
        return [f"x{i}" for i in range(self.n_features_in_)]

    def _names(self, input_features: Any) -> list[str]:
        """The names of the input features (as the enclosing pipeline passes them on)."""
        if input_features is not None:
            return [str(name) for name in input_features]
        return self._input_names()

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        check_is_fitted(self, "n_features_in_")
        return np.asarray(self._names(input_features), dtype=object)


class AsFloat32(_Float32Step):
    """Cast to float32 (the dtype the ONNX graph computes in) so both sides see equal values."""

    def fit(self, data: Any, y: Any = None) -> AsFloat32:
        self._remember(data)
        return self

    def transform(self, data: Any) -> np.ndarray:
        return as_float32(data)


class MissingFlag(TransformerMixin, BaseEstimator):
    """1.0 where a value is missing (NaN for numbers, ``""`` for categories), else 0.0."""

    def fit(self, data: Any, y: Any = None) -> MissingFlag:
        self.n_features_in_ = np.asarray(data).reshape(len(data), -1).shape[1]
        return self

    def transform(self, data: Any) -> np.ndarray:
        array = np.asarray(data).reshape(len(data), -1)
        if array.dtype.kind in "fc":
            return np.isnan(array).astype(np.float32)
        return (array == "").astype(np.float32)

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        if input_features is None:
            input_features = [f"x{i}" for i in range(self.n_features_in_)]
        return np.asarray([f"{name} is missing" for name in input_features], dtype=object)


class Standardizer(_Float32Step):
    """``(x - mean) * (1 / std)`` in float32, exactly as the ONNX graph computes it (so even a
    tree model after it sees the same numbers); NaN is ignored when fitting and stays NaN."""

    def fit(self, data: Any, y: Any = None) -> Standardizer:
        x = self._remember(data).astype(np.float64)
        with np.errstate(invalid="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-missing column: mean of nothing
            mean = np.nanmean(x, axis=0)
            std = np.nanstd(x, axis=0)
        mean = np.where(np.isfinite(mean), mean, 0.0)
        std = np.where(np.isfinite(std) & (std > 0), std, 1.0)
        self.offset_ = mean.astype(np.float32)
        self.factor_ = (1.0 / std).astype(np.float32)
        return self

    def transform(self, data: Any) -> np.ndarray:
        check_is_fitted(self, "offset_")
        return (as_float32(data) - self.offset_) * self.factor_


class SignedLog1p(_Float32Step):
    """``sign(x) * log(1 + |x|)``: tames long tails, keeps the sign; NaN stays NaN."""

    def fit(self, data: Any, y: Any = None) -> SignedLog1p:
        self._remember(data)
        return self

    def transform(self, data: Any) -> np.ndarray:
        x = as_float32(data).astype(np.float64)
        # log(1 + |x|) rather than log1p: the ONNX graph has no Log1p, and both sides must agree.
        return (np.sign(x) * np.log(1.0 + np.abs(x))).astype(np.float32)


class QuantileClipper(_Float32Step):
    """Clip each column at its fitted ``lower`` and ``upper`` quantiles; NaN stays NaN."""

    def __init__(self, lower: float = 0.01, upper: float = 0.99) -> None:
        self.lower = lower
        self.upper = upper

    def fit(self, data: Any, y: Any = None) -> QuantileClipper:
        x = self._remember(data).astype(np.float64)
        lows, highs = [], []
        for j in range(x.shape[1]):
            values = x[:, j][~np.isnan(x[:, j])]
            if len(values) == 0:
                lows.append(-np.inf)
                highs.append(np.inf)
            else:
                lows.append(np.quantile(values, self.lower))
                highs.append(np.quantile(values, self.upper))
        self.lower_ = np.asarray(lows, dtype=np.float32)
        self.upper_ = np.asarray(highs, dtype=np.float32)
        return self

    def transform(self, data: Any) -> np.ndarray:
        check_is_fitted(self, "lower_")
        x = as_float32(data)
        return np.minimum(np.maximum(x, self.lower_), self.upper_)  # NaN propagates


class Binner(_Float32Step):
    """Bin each column into ``n_bins`` (``"quantile"`` or ``"uniform"`` edges).

    Returns the bin number (0 .. n_bins - 1) as a float, NaN where the value is missing:
    unlike KBinsDiscretizer it accepts missing values and lets them through.
    """

    def __init__(self, n_bins: int = 5, strategy: str = "quantile") -> None:
        self.n_bins = n_bins
        self.strategy = strategy

    def fit(self, data: Any, y: Any = None) -> Binner:
        x = self._remember(data).astype(np.float64)
        self.edges_ = []
        for j in range(x.shape[1]):
            values = x[:, j][~np.isnan(x[:, j])]
            if len(values) == 0:
                inner = np.empty(0)
            elif self.strategy == "uniform":
                inner = np.linspace(values.min(), values.max(), self.n_bins + 1)[1:-1]
            else:
                inner = np.quantile(values, np.linspace(0, 1, self.n_bins + 1)[1:-1])
            # Inner edges only, as float32: the values compared in both runtimes.
            self.edges_.append(np.unique(inner.astype(np.float32)))
        return self

    def transform(self, data: Any) -> np.ndarray:
        check_is_fitted(self, "edges_")
        x = as_float32(data)
        out = np.empty_like(x)
        for j, edges in enumerate(self.edges_):
            column = x[:, j : j + 1]
            out[:, j] = (column >= edges[None, :]).sum(axis=1)
            out[np.isnan(x[:, j]), j] = np.nan
        return out


class PairwiseArithmetic(_Float32Step):
    """One column from two: ``ratio`` a / b (NaN when b is 0), ``difference`` a - b or
    ``product`` a * b. Missing inputs and results that overflow give NaN."""

    def __init__(self, operation: str = "ratio") -> None:
        self.operation = operation

    def fit(self, data: Any, y: Any = None) -> PairwiseArithmetic:
        x = self._remember(data)
        if x.shape[1] != 2:
            raise ValueError(f"PairwiseArithmetic needs 2 columns, got {x.shape[1]}")
        return self

    def transform(self, data: Any) -> np.ndarray:
        x = as_float32(data)
        a, b = x[:, 0:1], x[:, 1:2]
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            if self.operation == "ratio":
                result = a / b
                result[b == 0] = np.nan
            elif self.operation == "difference":
                result = a - b
            else:
                result = a * b
        result[np.isinf(result)] = np.nan
        return result.astype(np.float32)

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        a, b = self._names(input_features)
        symbol = {"ratio": "/", "difference": "-", "product": "*"}[self.operation]
        return np.asarray([f"{a} {symbol} {b}"], dtype=object)


class DateParts(_Float32Step):
    """Calendar parts of dates given as days since 1970-01-01 (float), NaN stays NaN.

    ``parts`` from :data:`DATE_PARTS` (day_of_week: Monday = 0; day_of_year: 1 = 1 January);
    ``reference`` an ISO date for ``days_since``, or None for the earliest fitted date.
    Output columns: for each input column, each part in order.
    """

    def __init__(self, parts: tuple[str, ...] = DATE_PARTS, reference: str | None = None) -> None:
        self.parts = parts
        self.reference = reference

    def fit(self, data: Any, y: Any = None) -> DateParts:
        x = self._remember(data)
        if self.reference is not None:
            self.reference_days_ = float(np.float32(iso_to_days(self.reference)))
        else:
            finite = x[~np.isnan(x)]
            self.reference_days_ = float(np.floor(finite.min())) if finite.size else 0.0
        return self

    def transform(self, data: Any) -> np.ndarray:
        check_is_fitted(self, "reference_days_")
        x = as_float32(data)
        columns = []
        for j in range(x.shape[1]):
            parts = civil_parts(x[:, j])
            for part in self.parts:
                if part == "days_since":
                    columns.append(x[:, j] - np.float32(self.reference_days_))
                else:
                    columns.append(parts[part])
        return np.column_stack(columns).astype(np.float32)

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        names = [f"{c} {p}" for c in self._names(input_features) for p in self.parts]
        return np.asarray(names, dtype=object)


def iso_to_days(text: str) -> float:
    """Days since 1970-01-01 of an ISO date (raises ValueError if it is not one)."""
    day = np.datetime64(str(text), "D")
    return float(day.astype("int64"))


def civil_parts(days: np.ndarray) -> dict[str, np.ndarray]:
    """Year, month, day, day of week and day of year of day numbers (NaN stays NaN).

    Integer arithmetic after H. Hinnant's ``civil_from_days``; the ONNX converter builds the
    very same operations, so the two agree exactly.
    """
    x = np.asarray(days, dtype=np.float64)
    missing = np.isnan(x)
    z = np.floor(np.where(missing, 0.0, x)).astype(np.int64)
    shifted = z + 719468
    era = np.floor_divide(shifted, 146097)
    doe = shifted - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy_march = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy_march + 2) // 153
    day = doy_march - (153 * mp + 2) // 5 + 1
    month = np.where(mp < 10, mp + 3, mp - 9)
    year = yoe + era * 400 + (month <= 2)
    leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
    day_of_year = np.where(month >= 3, doy_march + 60 + leap, doy_march - 305)
    day_of_week = np.mod(z + 3, 7)  # 1970-01-01 was a Thursday (3 when Monday is 0)
    result = {
        "year": year,
        "month": month,
        "day": day,
        "day_of_week": day_of_week,
        "day_of_year": day_of_year,
    }
    return {k: np.where(missing, np.nan, v).astype(np.float32) for k, v in result.items()}
