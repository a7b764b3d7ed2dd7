"""What a model family needs from the recipe in front of it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ModelTraits:
    """The recipe-relevant facts about a model family.

    ``needs_scaling``: linear models, k-nearest neighbours and SVMs want standardized inputs
    (trees must not get a scaler: float32 thresholds, see DESIGN.md). ``handles_missing``:
    the estimator routes NaN itself *and* its ONNX converter agrees (only histogram gradient
    boosting and LightGBM); every other family gets imputation. ``tree_based`` families take
    ordinal codes for categories as well as one-hot columns.
    """

    needs_scaling: bool
    handles_missing: bool
    tree_based: bool


LINEAR = ModelTraits(needs_scaling=True, handles_missing=False, tree_based=False)
TREES = ModelTraits(needs_scaling=False, handles_missing=False, tree_based=True)
BOOSTING = ModelTraits(needs_scaling=False, handles_missing=True, tree_based=True)
