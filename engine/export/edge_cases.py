"""Generated edge rows for the parity gate and the golden file.

Real data rarely contains the rows that break a converter: every value missing, a category
the model never saw, a number far outside the training range. These rows are built from a
typical training row (medians and most frequent categories) with one thing changed each.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from engine.recipe.inputs import InputColumn

if TYPE_CHECKING:
    import pandas as pd

UNSEEN_CATEGORY = "never seen in training"
EXTREME_FACTOR = 1000.0  # far outside the range, yet far from float32 overflow in ratios


def edge_rows(
    model_frame: pd.DataFrame, inputs: Sequence[InputColumn]
) -> tuple[pd.DataFrame, list[str]]:
    """Edge rows in model-frame form and, for each, what makes it an edge case (in words)."""
    import numpy as np
    import pandas as pd

    typical: dict[str, object] = {}
    for column in inputs:
        values = model_frame[column.name]
        if column.kind == "categorical":
            present = values[values != ""]
            typical[column.name] = str(present.mode().iloc[0]) if len(present) else ""
        else:
            median = np.nanmedian(values.to_numpy(dtype=np.float64)) if values.notna().any() else 0
            typical[column.name] = np.float32(median)
    rows: list[dict[str, object]] = []
    cases: list[str] = []

    def add(case: str, **changes: object) -> None:
        rows.append({**typical, **changes})
        cases.append(case)

    missing = {c.name: ("" if c.kind == "categorical" else np.float32(np.nan)) for c in inputs}
    add("every value missing", **missing)
    add("typical row (medians and most frequent categories)")
    for column in inputs:
        add(f"{column.name!r} missing", **{column.name: missing[column.name]})
    for column in inputs:
        if column.kind == "categorical":
            add(f"{column.name!r} never seen in training", **{column.name: UNSEEN_CATEGORY})
    high: dict[str, object] = {}
    low: dict[str, object] = {}
    for column in inputs:
        if column.kind == "categorical":
            continue
        values = model_frame[column.name].to_numpy(dtype=np.float64)
        finite = values[np.isfinite(values)]
        top = float(finite.max()) if len(finite) else 0.0
        bottom = float(finite.min()) if len(finite) else 0.0
        spread = max(top - bottom, abs(top), abs(bottom), 1.0)
        high[column.name] = np.float32(top + EXTREME_FACTOR * spread)
        low[column.name] = np.float32(bottom - EXTREME_FACTOR * spread)
        add(f"{column.name!r} far above the training range", **{column.name: high[column.name]})
        add(f"{column.name!r} far below the training range", **{column.name: low[column.name]})
    if high:
        add("every number far above the training range", **high)
        add("every number far below the training range", **low)
    frame = pd.DataFrame(rows, columns=[c.name for c in inputs])
    for column in inputs:
        if column.kind == "categorical":
            frame[column.name] = frame[column.name].astype(object)
        else:
            frame[column.name] = frame[column.name].astype(np.float32)
    return frame, cases
