"""Distributions of numbers and dates: range, moments, quantiles and histograms.

Vectorised numpy on the column's values; each call on a 1M-row column takes a few tens of
milliseconds. Numbers near the limits of float64 are scaled by a power of two first (exact),
so nothing overflows and no numpy warning reaches the user's console; a result that does not
fit a float64 is ``None``.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from pandas.api import types as ptypes

from engine.profile.infer import whole_numbers
from engine.profile.result import Histogram

QUANTILES = {"p01": 0.01, "p05": 0.05, "p25": 0.25, "p50": 0.5, "p75": 0.75, "p95": 0.95,
             "p99": 0.99}
HISTOGRAM_BINS = 20


def numeric_stats(values: np.ndarray) -> tuple[dict, float | None]:
    """Range, moments, quantiles and histogram of finite numbers; and the skewness.

    Values near the limits of float64 (1e300, or 1e-320) would overflow or underflow on
    the way (squares, cubes, differences), so they are first scaled by a power of two, which
    is exact; every result is scaled back. A result that does not fit a float64 (the standard
    deviation of -1.7e308 and 1.7e308) is ``None``, so the profile stays valid JSON.
    """
    if len(values) == 0:
        return {}, None
    minimum, maximum = float(values.min()), float(values.max())
    shift = _scale_exponent(max(abs(minimum), abs(maximum)))
    scaled = values if shift == 0 else np.ldexp(values, -shift)
    with np.errstate(all="ignore"):  # checked below: nothing may reach the user's console
        mean = float(scaled.mean())
        centred = scaled - mean
        squared = centred * centred  # products and dot: ``centred**3`` would cost 10x more
        variance = float(squared.sum()) / len(values)
        std = math.sqrt(variance * len(values) / (len(values) - 1)) if len(values) > 1 else 0.0
        third = float(np.dot(squared, centred)) / len(values)
        skewness = third / variance**1.5 if variance > 0 else 0.0
        cuts = np.quantile(scaled, list(QUANTILES.values()))
        quantiles = {key: _unscaled(float(cut), shift)
                     for key, cut in zip(QUANTILES, cuts, strict=True)}
        # Whole-number bins only make sense on unscaled values (huge floats are all whole).
        integer = shift == 0 and whole_numbers(values)
        low, high = (value if shift == 0 else float(np.ldexp(value, -shift))
                     for value in (minimum, maximum))
        histogram = numeric_histogram(scaled, cuts[0], cuts[-1], low, high, integer, shift)
    fields = {"minimum": minimum, "maximum": maximum, "mean": _unscaled(mean, shift),
              "std": _unscaled(std, shift), "quantiles": quantiles, "histogram": histogram}
    return fields, skewness if math.isfinite(skewness) else None


_SAFE_EXPONENT = 300
"""Numbers between 2**-300 and 2**300 are used as they are: their cubes, summed over a
billion rows, still fit a float64."""


def _scale_exponent(largest: float) -> int:
    """The power of two to divide by so that ``largest`` is near 1; 0 when no need."""
    if largest == 0 or 2.0**-_SAFE_EXPONENT < largest < 2.0**_SAFE_EXPONENT:
        return 0
    return math.frexp(largest)[1]


def _unscaled(value: float, shift: int) -> float | None:
    """``value * 2**shift``, or ``None`` when that does not fit a float64."""
    if shift:
        with np.errstate(over="ignore"):
            value = float(np.ldexp(value, shift))
    return value if math.isfinite(value) else None


def histogram_edges(
    minimum: float, maximum: float, low: float, high: float, integer: bool,
    bins: int = HISTOGRAM_BINS,
) -> np.ndarray:
    """About ``bins`` equal bins over the robust range ``low..high``.

    When ``low..high`` (the 1st to 99th percentile) is much narrower than the full range,
    the outer bins are stretched to the minimum and maximum: outliers are counted, but
    they do not squash every other value into one bar. Small whole-number ranges get one
    bin per value.
    """
    if integer and maximum - minimum < bins:
        return np.arange(minimum - 0.5, maximum + 1.0)
    if not (maximum - minimum > 2 * (high - low) and high > low):
        low, high = minimum, maximum
    edges = np.linspace(low, high, bins + 1)
    edges[0], edges[-1] = minimum, maximum
    return edges


def count_into(values: np.ndarray, edges: np.ndarray) -> list[int]:
    """Counts per bin: ``[edge_i, edge_i+1)``, the last bin closed; every value counted."""
    index = np.searchsorted(edges[1:-1], values, side="right")
    return [int(c) for c in np.bincount(index, minlength=len(edges) - 1)]


def numeric_histogram(
    values: np.ndarray, low: float, high: float, minimum: float, maximum: float,
    integer: bool, shift: int = 0,
) -> Histogram:
    """Histogram of ``values`` (scaled by ``2**-shift``); edges are given unscaled."""
    if minimum == maximum:
        edges = np.array([minimum, maximum])
        counts = [len(values)]
    else:
        edges = histogram_edges(float(minimum), float(maximum), float(low), float(high),
                                integer)
        counts = count_into(values, edges)
    if shift:
        edges = np.ldexp(edges, shift)
    return Histogram([float(edge) for edge in edges], counts)


def datetime_stats(series: pd.Series) -> dict:
    """Range, quantiles and a histogram by time, as ISO strings (UTC for zoned times)."""
    if isinstance(series.dtype, pd.ArrowDtype) or not ptypes.is_datetime64_any_dtype(
        series.dtype
    ):
        # pyarrow timestamps and dates (e.g. from Parquet): to numpy datetimes, zones to UTC.
        series = pd.to_datetime(pd.Series(series.array.astype(object)), utc=True)
    if getattr(series.dt, "tz", None) is not None:
        series = series.dt.tz_convert("UTC").dt.tz_localize(None)
    array = series.to_numpy()
    unit = np.datetime_data(array.dtype)[0]
    raw = array.view("int64")
    raw = raw[raw != np.iinfo(np.int64).min]
    if len(raw) == 0:
        return {}
    per_day = int(np.timedelta64(1, "D") / np.timedelta64(1, unit))
    dates_only = bool(np.all(raw % per_day == 0))

    def iso(value: float) -> str:
        stamp = pd.Timestamp(np.datetime64(round(value), unit))
        return stamp.date().isoformat() if dates_only else stamp.isoformat()

    minimum, maximum = int(raw.min()), int(raw.max())
    cuts = np.quantile(raw, list(QUANTILES.values()), method="nearest")
    quantiles = {key: iso(cut) for key, cut in zip(QUANTILES, cuts, strict=True)}
    if minimum == maximum:
        histogram = Histogram([iso(minimum), iso(maximum)], [len(raw)])
    else:
        edges = histogram_edges(minimum, maximum, float(cuts[0]), float(cuts[-1]), False)
        if dates_only:  # whole days, so the edges read as plain dates
            edges = np.unique(np.round(edges / per_day) * per_day)
            edges[0], edges[-1] = minimum, maximum
        histogram = Histogram([iso(edge) for edge in edges], count_into(raw, edges))
    return {"minimum": iso(minimum), "maximum": iso(maximum), "quantiles": quantiles,
            "histogram": histogram}
