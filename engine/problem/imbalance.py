"""Class imbalance: how rare the rarest class is, in words, and whether to weight classes.

Rule: the classes are imbalanced when the largest class has more than
:data:`IMBALANCE_RATIO` times as many rows as the smallest (for two classes: the minority is
below 25% of rows). Class weights are switched on when the rarest class is under
:data:`WEIGHTS_SHARE` of rows, so the model does not simply ignore it; between that and the
imbalance rule they are only offered, because they trade probability calibration (log loss,
Brier) for recall and rarely improve ranking (ROC AUC) at such shares. The user decides.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

IMBALANCE_RATIO = 3.0
SEVERE_SHARE = 0.05
WEIGHTS_SHARE = 0.10  # below this share, class weights are switched on by default


@dataclass(frozen=True)
class ClassBalance:
    """Row counts per class (largest first), the minority's share, and the verdict."""

    counts: dict[str, int]
    minority_share: float
    imbalanced: bool
    message: str
    suggest_class_weights: bool

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["counts"] = dict(self.counts)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ClassBalance:
        return cls({str(k): int(v) for k, v in data["counts"].items()},
                   float(data["minority_share"]), bool(data["imbalanced"]), data["message"],
                   bool(data["suggest_class_weights"]))


def class_balance(y: Any) -> ClassBalance:
    """Count the classes of ``y`` (labels; missing values are left out) and judge balance."""
    values = [str(v) for v in np.asarray(y, dtype=object).tolist()
              if v is not None and not (isinstance(v, float) and np.isnan(v))]
    total = len(values)
    labels, numbers = np.unique(np.asarray(values, dtype=str), return_counts=True)
    order = sorted(zip(labels.tolist(), numbers.tolist(), strict=True), key=lambda p: (-p[1], p[0]))
    counts = {label: int(count) for label, count in order}
    if total == 0 or len(counts) < 2:
        return ClassBalance(counts, 1.0 if total else 0.0, False,
                            "Fewer than two classes have rows: balance cannot be judged.", False)
    minority, smallest = order[-1]
    majority, largest = order[0]
    share = smallest / total
    imbalanced = largest > IMBALANCE_RATIO * smallest
    shown = f"{minority!r} is {share:.1%} of labelled rows ({smallest:,} of {total:,})"
    if not imbalanced:
        message = f"Classes are reasonably balanced: the rarest, {shown}."
    else:
        message = f"Classes are imbalanced: {shown}, against {largest:,} for {majority!r}. "
        if share < WEIGHTS_SHARE:
            message += ("Class weights are switched on so the model does not ignore the rare "
                        "class (you may switch them off).")
        else:
            # Weights distort probabilities (log loss, calibration) and rarely help ranking at
            # this share, so they are offered rather than applied.
            message += ("Class weights are available if the model should favour finding the "
                        "rare class over well-calibrated probabilities.")
        if share < SEVERE_SHARE:
            message += (" With so few rare rows, judge the model by PR AUC or recall rather than "
                        "accuracy.")
    if smallest == 1:
        message += f" The class {minority!r} has a single row: the model can hardly learn it."
    return ClassBalance(counts, float(share), imbalanced, message, share < WEIGHTS_SHARE)
