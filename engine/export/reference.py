"""The drift reference: what the training data looked like, in numbers only.

It is stored inside the exported ONNX file and compared, later, with new data by the drift
check, so two rules shape it:

- **Reproducible, tie-safe bins.** A numeric column's bins are given by their ``edges`` alone
  and the rule of :func:`bin_index`: bin 0 is ``(-inf, e0]``, bin ``i`` is ``(e[i-1], e[i]]``,
  the last is ``(e_last, +inf)``. Edges are stored as the Python floats of float32 values and
  lie between two distinct values, never on one; a value shared by many rows (a point mass)
  has a bin of its own. So a group of tied values stays in its bin however a runtime rounds it.
- **Scores from the exported graph, on rows it never learned from.** The reference of the
  model's scores is computed by onnxruntime on the very graph the check runs
  (:func:`reference_score` turns its outputs into the one number per row, for the export
  and the check alike), on the held-out rows. Training refits the chosen model on the
  training split only and never on the held-out rows (``engine/training/train.py``), and the
  exported graph is that fitted model, so the held-out rows are as unseen by the graph as
  any new file: its scores there are neither over-confident (in-sample) nor from another
  model. Out-of-fold scores would not do better: they come from the k fold models of the
  search, not from the graph the check runs, so their ties and rounding differ (the false
  "retrain" this reference fixed came from exactly such a mismatch). A small table gives a
  small score reference (20% of 400 rows is 80 scores): the check's test compares counts,
  so it widens and says so in a note instead of raising false alarms. A time-ordered split
  scores every row instead (``engine/export/from_run.py``: its held-out rows are only the
  newest), so there the training part of the reference is in-sample.
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
    edges, counts = _decile_bins(present, _LEVELS[_DECILES] * present.size)
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


# A value held by at least this share of the present rows is a point mass: it gets a bin of
# its own, so a group of tied values (a tree model's leaf, a code shared by many rows) is never
# split by an edge and never sits on one.
POINT_MASS_SHARE = 0.05
# A decile edge is kept only when both bins it makes hold at least this share of the rows.
MIN_BIN_SHARE = 0.02
MIN_BIN_ROWS = 1.0
# A point mass also needs this many rows. On a small reference (160 held-out scores of a
# random forest, multiples of 0.02) a value holding 5% of the rows (8 rows) is often one
# the sample happened to pile up on: its bin is chosen on noise, its count is high by
# selection, and a control of the same distribution then looks drifted (7% of held-out
# controls flagged by a 1% test; 1% with this floor; no change from 400 rows up).
POINT_MASS_MIN_ROWS = 20


def _decile_bins(present: np.ndarray, deciles: np.ndarray) -> tuple[list[float], list[int]]:
    """Tie-safe edges (float32 values as Python floats) and counts of the reference bins.

    Every edge lies strictly *between* two distinct present values (at the float32 nearest
    their midpoint), never on a value: a group of equal values, which a tree model or an
    integer code makes common, stays whole, and a runtime that computes it a few ulps apart
    (scikit-learn 0.00011880105, onnxruntime 0.00011885166) cannot carry it across an edge.
    Point masses (``POINT_MASS_SHARE`` of the rows or more) get a bin of their own; the
    deciles add edges where both resulting bins keep ``MIN_BIN_SHARE`` of the rows. Every
    bin therefore holds reference values.
    """
    distinct, counts = np.unique(present, return_counts=True)
    gaps = _gap_edges(distinct)  # gaps[k] separates distinct[k] from distinct[k + 1] (or NaN)
    total = int(counts.sum())
    if total == 0 or distinct.size < 2:
        return [], [total]
    cumulative = np.cumsum(counts)
    chosen: set[int] = set()
    heavy = max(POINT_MASS_SHARE * total, POINT_MASS_MIN_ROWS)
    for index in np.flatnonzero(counts >= heavy).tolist():
        chosen.update(k for k in (index - 1, index) if 0 <= k < distinct.size - 1)
    minimum = max(MIN_BIN_SHARE * total, MIN_BIN_ROWS)
    for level in deciles:
        # The gap after the distinct value where the cumulative count reaches the decile.
        k = int(np.searchsorted(cumulative, level, side="left"))
        for gap in (k, k - 1):
            if gap in chosen or not 0 <= gap < distinct.size - 1:
                continue
            lower = max((c for c in chosen if c < gap), default=-1)
            upper = min((c for c in chosen if c > gap), default=distinct.size - 1)
            low_count = cumulative[gap] - (cumulative[lower] if lower >= 0 else 0)
            high_count = cumulative[upper] - cumulative[gap]
            if low_count >= minimum and high_count >= minimum:
                chosen.add(gap)
                break
    kept = sorted(k for k in chosen if np.isfinite(gaps[k]))
    edges = [float(gaps[k]) for k in kept]
    bounds = [cumulative[k] for k in kept]
    kept_counts = np.diff([0, *bounds, total]).astype(int).tolist()
    return edges, kept_counts


def _gap_edges(distinct: np.ndarray) -> np.ndarray:
    """For each pair of neighbouring distinct values, a float32 edge ``a <= e < b`` (NaN if none).

    The midpoint rounded to float32, moved up to the smallest float32 not below ``a`` when
    rounding fell under it; when no float32 lies in ``[a, b)`` (the model reads both values as
    the same float32 number) there is no edge: NaN.
    """
    if distinct.size < 2:
        return np.empty(0)
    low, high = distinct[:-1], distinct[1:]
    with np.errstate(over="ignore", invalid="ignore"):
        middle = (low / 2 + high / 2).astype(np.float32)
        floor = low.astype(np.float32)
        floor = np.where(floor.astype(np.float64) < low,
                         np.nextafter(floor, np.float32(np.inf)), floor)
    edge = middle.astype(np.float64)
    edge = np.where(edge < low, floor.astype(np.float64), edge)
    edge = np.where(edge >= high, floor.astype(np.float64), edge)
    ok = (edge >= low) & (edge < high) & np.isfinite(edge)
    return np.where(ok, edge, np.nan)


def reference_score(task: str, classes: Sequence[str], positive: str | None,
                    outputs: Mapping[str, Any]) -> np.ndarray | None:
    """The one number per row whose distribution the drift check follows, from graph outputs.

    ``outputs`` are the ONNX outputs by name (``probabilities``, ``variable``, ``scores``).
    Binary: the positive class's probability; multiclass: the top probability; regression:
    the prediction; clustering: the distance to the nearest centre; anomaly: the score.
    """
    probabilities = outputs.get("probabilities")
    if probabilities is not None and classes:
        matrix = np.asarray(probabilities, np.float64)
        if task == "binary":
            labels = [str(c) for c in classes]
            column = labels.index(str(positive)) if str(positive) in labels else 1
            return matrix[:, column]
        return matrix.max(axis=1)
    if outputs.get("variable") is not None:
        return np.asarray(outputs["variable"], np.float64).ravel()
    if outputs.get("scores") is not None:
        scores = np.asarray(outputs["scores"], np.float64)
        scores = scores.reshape(scores.shape[0], -1)
        return scores.min(axis=1) if task == "clustering" else scores[:, 0]
    return None


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


def outcome_profile(task: str, outcomes: Sequence[Any]) -> dict[str, Any] | None:
    """The profile of the target over the table's rows, for a labelled drift check.

    A classifier's outcomes are categories (every class listed: class labels are public in
    the metadata already); a regression target is a number, profiled as a numeric column
    (quantiles, mean, tie-safe bins), so the check can say whether the outcome itself moved.
    None for other tasks or when no row has an outcome.
    """
    if task in ("binary", "multiclass"):
        labels = [str(v) for v in outcomes if v is not None and v == v and str(v) != ""]
        if not labels:
            return None
        return categorical_profile(np.asarray(labels, dtype=object), min_category_count=1)
    if task == "regression":
        import pandas as pd

        values = pd.to_numeric(pd.Series(list(outcomes), dtype=object), errors="coerce")
        array = values.to_numpy(dtype=np.float64, na_value=np.nan)
        if not np.isfinite(array).any():
            return None
        return numeric_profile(array)
    return None


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
