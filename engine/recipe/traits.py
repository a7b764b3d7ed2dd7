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
    ordinal codes for categories as well as one-hot columns. ``clip_to_range`` clips numbers
    to the training range first: a value far outside it makes the float32 distances of the
    ONNX nearest-neighbour graph pick other neighbours than scikit-learn (the export's parity
    gate caught this at 1000x the range), and its neighbours are the edge rows anyway.
    """

    needs_scaling: bool
    handles_missing: bool
    tree_based: bool
    clip_to_range: bool = False


LINEAR = ModelTraits(needs_scaling=True, handles_missing=False, tree_based=False)
TREES = ModelTraits(needs_scaling=False, handles_missing=False, tree_based=True)
BOOSTING = ModelTraits(needs_scaling=False, handles_missing=True, tree_based=True)
NEIGHBOURS = ModelTraits(
    needs_scaling=True, handles_missing=False, tree_based=False, clip_to_range=True
)
