"""The drift reference: what the training data looked like, in numbers only.

It is stored inside the exported ONNX file and compared, later, with new data by the drift
check, so two rules shape it:

- **Reproducible bins.** A numeric column's bins are given by their ``edges`` alone and the
  rule of :func:`bin_index`: bin 0 is ``(-inf, e0]``, bin ``i`` is ``(e[i-1], e[i]]``, the last
  is ``(e_last, +inf)``. Edges are stored as the Python floats of float32 values, so the
  float32 numbers the model reads fall on the same side of every edge now and later.
- **No raw rows.** Only counts, quantiles and categories seen at least ``min_category_count``
  times are kept; every rarer value is pooled into ``other``, so no personal value leaks.

Numbers and dates (float days since 1970) share :func:`numeric_profile`; categories use
:func:`categorical_profile`. Everything returned is plain JSON (no NaN: missing is ``None``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from engine.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

    from engine.recipe.inputs import InputColumn

REFERENCE_VERSION = 1

# 0%, 1%, ..., 100%; k / 100 is the closest double to each level. Deciles are every tenth one.
_LEVELS = np.arange(101) / 100.0
_DECILES = slice(10, 100, 10)


def bin_index(edges: Sequence[float], values: np.ndarray) -> np.ndarray:
    """The bin of each value under ``edges`` (the rule shared with the drift check).

    Bin 0 is ``(-inf, edges[0]]``, bin ``i`` is ``(edges[i-1], edges[i]]`` and bin
    ``len(edges)`` is ``(edges[-1], +inf)``: ``np.searchsorted(edges, v, side="left")``.
    Missing values (NaN, and infinities, which the model reads as missing) get ``-1``: drop
    them before counting (``np.bincount`` refuses negative indices, so they cannot slip into a
    bin unnoticed). Comparisons are made in float64, which holds every float32 exactly.
    """
    edge_array = np.asarray(edges, dtype=np.float64)
    array = np.asarray(values, dtype=np.float64).ravel()
    index = np.searchsorted(edge_array, array, side="left")
    index[~np.isfinite(array)] = -1
    return index


def numeric_profile(values: np.ndarray, kind: str = "numeric") -> dict[str, Any]:
    """The profile of one numeric (or date) column: quantiles, decile bins, missing count.

    ``kind`` is ``"numeric"`` or ``"date"`` (dates as float days since 1970). Non-finite values
    count as missing. ``quantiles`` are the 101 levels 0%..100% of ``np.quantile`` (default
    method) on the present values; ``bins`` are the reference-decile bins of :func:`bin_index`
    with their counts (``len(counts) == len(edges) + 1``, summing to the present values).
    """
    if kind not in ("numeric", "date"):
        raise ValueError(f"numeric_profile kind must be 'numeric' or 'date', not {kind!r}")
    array = np.asarray(values, dtype=np.float64).ravel()
    finite = np.isfinite(array)
    present = array if finite.all() else array[finite]
    profile: dict[str, Any] = {
        "kind": kind,
        "rows": int(array.size),
        "missing": int(array.size - present.size),
    }
    if present.size == 0:
        profile.update(min=None, max=None, mean=None, std=None, quantiles=None)
        profile["bins"] = {"edges": [], "counts": [0]}
        return profile
    # Values near the float64 limit may overflow a sum or an interpolation: that figure
    # becomes None; min, max and the bins stay exact.
    with np.errstate(over="ignore", invalid="ignore"):
        quantiles = np.quantile(present, _LEVELS)
        mean = float(np.mean(present))
        std = float(np.std(present))  # population standard deviation (ddof=0)
    quantiles[0], quantiles[-1] = present.min(), present.max()
    edges, counts = _decile_bins(present, quantiles[_DECILES])
    profile.update(
        # min and max exactly: the drift check tests "outside the training range" against them.
        min=float(quantiles[0]),
        max=float(quantiles[-1]),
        mean=_short(mean),
        std=_short(std),
        quantiles=[_short(float(q)) for q in quantiles],
    )
    profile["bins"] = {"edges": edges, "counts": counts}
    return profile


def _decile_bins(present: np.ndarray, deciles: np.ndarray) -> tuple[list[float], list[int]]:
    """Edges (float32 values as Python floats) and counts of the reference-decile bins.

    Tied deciles collapse to one edge. An edge that would leave a bin empty in the reference
    is dropped too (its bin merges with the neighbour): with 40% zeros and 60% ones the
    interpolated 40% decile lies between them, and an empty reference bin would make the
    drift check's PSI hinge on how it smooths empty bins. The same goes for a top edge at the
    maximum. Every stored bin therefore holds at least one reference value.
    """
    with np.errstate(over="ignore"):
        candidates = np.unique(deciles.astype(np.float32)).astype(np.float64)
    candidates = candidates[np.isfinite(candidates)]  # a decile beyond float32 range: no edge
    counts = np.bincount(bin_index(candidates, present), minlength=candidates.size + 1)
    kept_edges: list[float] = []
    kept_counts: list[int] = []
    pending = 0
    for j, edge in enumerate(candidates.tolist()):
        pending += int(counts[j])
        if pending > 0:  # (last kept edge, edge] holds values: a real bin
            kept_edges.append(edge)
            kept_counts.append(pending)
            pending = 0
    tail = pending + int(counts[-1])
    if tail == 0 and kept_edges:  # nothing above the last edge: merge the top bin down
        kept_edges.pop()
        tail = kept_counts.pop()
    kept_counts.append(tail)
    return kept_edges, kept_counts


def categorical_profile(
    values: np.ndarray, *, min_category_count: int = 10, top_categories: int = 50
) -> dict[str, Any]:
    """The profile of one categorical column: its most frequent categories and the rest pooled.

    ``""`` (and None/NaN) is missing. ``categories`` lists at most ``top_categories`` values
    seen at least ``min_category_count`` times, most frequent first (ties by value); every
    other present value is counted in ``other``. ``distinct`` is the number of different
    present values.
    """
    import pandas as pd

    if min_category_count < 1 or top_categories < 0:
        raise ValueError("min_category_count must be >= 1 and top_categories >= 0")
    array = np.asarray(values, dtype=object).ravel()
    counted = pd.Series(array, dtype=object, copy=False).value_counts(dropna=False, sort=False)
    keys = counted.index.to_numpy(dtype=object)
    frequencies = counted.to_numpy(dtype=np.int64)
    is_missing = pd.isna(keys)
    # Compared only where not NA: pd.NA == "" is NA, which would poison the mask.
    is_missing[~is_missing] = keys[~is_missing] == ""
    texts = [key if isinstance(key, str) else _text(key) for key in keys[~is_missing]]
    present = pd.Series(frequencies[~is_missing], index=pd.Index(texts, dtype=object))
    if not present.index.is_unique:  # e.g. 1 and "1" given together: one category as text
        present = present.groupby(level=0, sort=False).sum()
    table = pd.DataFrame({"value": present.index.to_numpy(dtype=object), "count": present})
    table = table[table["count"] >= min_category_count]
    table = table.sort_values(["count", "value"], ascending=[False, True], kind="stable")
    table = table.head(top_categories)
    categories = [
        {"value": str(value), "count": int(count)}
        for value, count in zip(table["value"].tolist(), table["count"].tolist(), strict=True)
    ]
    total = int(present.sum())
    return {
        "kind": "categorical",
        "rows": int(array.size),
        "missing": int(frequencies[is_missing].sum()),
        "distinct": int(present.size),
        "categories": categories,
        "other": total - sum(item["count"] for item in categories),
    }


def build_reference(
    model_frame: pd.DataFrame,
    inputs: Sequence[InputColumn],
    *,
    scores: np.ndarray | None = None,
    score_name: str = "",
    predicted: np.ndarray | None = None,
    importances: Mapping[str, float] | None = None,
    min_category_count: int = 10,
    top_categories: int = 50,
) -> dict[str, Any]:
    """The drift reference of the training rows, as plain JSON-ready data.

    ``model_frame`` is :func:`engine.recipe.inputs.to_model_frame` of the training rows.
    ``scores`` is the model's score per row (probability of the positive class, largest class
    probability, prediction or anomaly score; ``score_name`` says which, in words),
    ``predicted`` the predicted labels per row, ``importances`` the column importances
    (columns without one get ``None``). Columns, and importances, follow ``inputs`` order.
    """
    missing = [column.name for column in inputs if column.name not in model_frame.columns]
    if missing:
        raise InputError(
            f"The training rows have no column {', '.join(repr(name) for name in missing)}.",
            "Profile the same model frame the model was trained on.",
        )
    rows = len(model_frame)
    columns: dict[str, Any] = {}
    for column in inputs:
        series = model_frame[column.name]
        if column.kind == "categorical":
            columns[column.name] = categorical_profile(
                series.to_numpy(dtype=object),
                min_category_count=min_category_count,
                top_categories=top_categories,
            )
        else:
            values = series.to_numpy(dtype=np.float64, na_value=np.nan)
            columns[column.name] = numeric_profile(values, kind=column.kind)
    score_profile = None
    if scores is not None:
        score_values = _per_row(scores, rows, "scores")
        score_profile = {"name": score_name, **numeric_profile(score_values)}
    predicted_profile = None
    if predicted is not None:
        # Class labels are already public in the metadata: no pooling of rare ones.
        predicted_profile = categorical_profile(
            _per_row(predicted, rows, "predicted"),
            min_category_count=1,
            top_categories=top_categories,
        )
    given = importances or {}
    return {
        "version": REFERENCE_VERSION,
        "rows": rows,
        "min_category_count": min_category_count,
        "columns": columns,
        "scores": score_profile,
        "predicted": predicted_profile,
        "importances": {column.name: _number(given.get(column.name)) for column in inputs},
    }


def _per_row(values: np.ndarray, rows: int, what: str) -> np.ndarray:
    array = np.asarray(values).ravel()
    if array.size != rows:
        raise ValueError(f"{what} has {array.size} values for {rows} training rows")
    return array


def _short(value: float) -> float | None:
    """``value`` to float32 precision, written in the fewest digits (None when not finite).

    Quantiles, means and deviations are for reading, not for binning: float32 precision is
    what the model sees, and the short form keeps the stored JSON small.
    """
    if not math.isfinite(value):
        return None
    with np.errstate(over="ignore"):
        single = np.float32(value)
    if not np.isfinite(single):  # beyond float32 range: keep the double
        return value
    return float(str(single))


def _number(value: Any) -> float | None:
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _text(value: Any) -> str:
    """A non-text category as text; whole floats lose their ``.0`` (as in the model frame)."""
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    return str(value)
