"""Fitted pipelines to bytes and back with skops, trusting an exact allow-list of types.

Never pickle: a pickled model runs arbitrary code when loaded, and project files are mailed
around. skops trusts only its own vetted defaults (primitives, containers, numpy dtypes and
ufuncs, scikit-learn estimators); everything else a stored model names must be one of the
exact names in :data:`TRUSTED_TYPES`. Never a module prefix: ``numpy.`` alone reaches
``numpy.testing._private.utils.runstring``, which runs any code it is given. The sha256
stored beside a model proves nothing about who made it (anyone can recompute it), so the
allow-list applies to every model, whatever its checksum.
"""

from __future__ import annotations

from typing import Any

from engine.errors import ProjectError

TRUSTED_TYPES: frozenset[str] = frozenset(
    {
        # Gristmill's own recipe steps.
        "engine.recipe.encoders.PooledOneHotEncoder",
        "engine.recipe.selection.KBestMutualInfo",
        "engine.recipe.selection.VarianceFilter",
        "engine.recipe.steps.AsFloat32",
        "engine.recipe.steps.Binner",
        "engine.recipe.steps.DateParts",
        "engine.recipe.steps.MissingFlag",
        "engine.recipe.steps.PairwiseArithmetic",
        "engine.recipe.steps.QuantileClipper",
        "engine.recipe.steps.SignedLog1p",
        "engine.recipe.steps.Standardizer",
        # LightGBM's scikit-learn models, their booster and its parameters.
        "collections.OrderedDict",
        "lightgbm.basic.Booster",
        "lightgbm.sklearn.LGBMClassifier",
        "lightgbm.sklearn.LGBMRegressor",
        # scikit-learn internals that skops does not trust by default.
        "numpy.dtype",
        "sklearn.calibration._CalibratedClassifier",
        "sklearn.calibration._SigmoidCalibration",
        "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
        "sklearn.metrics._dist_metrics.EuclideanDistance64",
        "sklearn.model_selection._split.KFold",
        "sklearn.model_selection._split.StratifiedKFold",
        "sklearn.neighbors._kd_tree.KDTree",
        "sklearn.tree._tree.Tree",
    }
)
"""The exact types (beyond skops' own defaults) that the pipelines Gristmill trains contain.

Derived from real pipelines of every family, task and recipe step; the test
``tests/engine/training/test_persist.py`` checks that it is exactly that set.
"""


def model_to_bytes(pipeline: Any) -> bytes:
    """The fitted pipeline as skops bytes (compressed)."""
    import skops.io

    return skops.io.dumps(pipeline, compression=8)  # ZIP_DEFLATED


def untrusted_types(data: bytes) -> list[str]:
    """The types ``data`` names that are neither skops defaults nor in :data:`TRUSTED_TYPES`."""
    import skops.io

    try:
        named = skops.io.get_untrusted_types(data=data)
    except Exception as error:  # not a skops file at all, or a damaged one
        raise ProjectError(
            "The stored model cannot be read.", "Train the model again."
        ) from error
    return sorted(name for name in named if name not in TRUSTED_TYPES)


def model_from_bytes(data: bytes) -> Any:
    """Load a pipeline stored by :func:`model_to_bytes`, trusting only the allow-list.

    Raises :class:`ProjectError` (before anything is constructed) when the model names any
    other type or function.
    """
    import skops.io

    refused = untrusted_types(data)
    if refused:
        more = f" and {len(refused) - 5} more" if len(refused) > 5 else ""
        shown = ", ".join(refused[:5]) + more
        raise ProjectError(
            f"The stored model contains types Gristmill does not trust: {shown}. "
            "Nothing of it was run.",
            "It was not made by Gristmill, or was altered: do not use this project file; "
            "train the model again from the data.",
        )
    try:
        return skops.io.loads(data, trusted=sorted(TRUSTED_TYPES))
    except Exception as error:  # a damaged file whose types are all trusted
        raise ProjectError(
            "The stored model cannot be read.", "Train the model again."
        ) from error
