"""skl2onnx shape calculators and converters for the recipe's own transformers.

Each converter builds the same operations, in the same precision, as the transformer's
``transform`` (see :mod:`.steps`), so onnxruntime and scikit-learn agree; the tests check it.
"""

from __future__ import annotations

from typing import Any

_REGISTERED = False


def register_converters() -> None:
    """Register every converter the recipe needs with skl2onnx (safe to call many times)."""
    global _REGISTERED
    if _REGISTERED:
        return
    from skl2onnx import update_registered_converter
    from skl2onnx.operator_converters.one_hot_encoder import convert_sklearn_one_hot_encoder
    from skl2onnx.shape_calculators.one_hot_encoder import (
        calculate_sklearn_one_hot_encoder_output_shapes,
    )

    from engine.recipe import encoders, graph_dates, graph_steps, steps

    custom = {
        steps.AsFloat32: graph_steps.convert_as_float32,
        steps.MissingFlag: graph_steps.convert_missing_flag,
        steps.SignedLog1p: graph_steps.convert_log1p,
        steps.Standardizer: graph_steps.convert_standardizer,
        steps.QuantileClipper: graph_steps.convert_clipper,
        steps.Binner: graph_steps.convert_binner,
        steps.PairwiseArithmetic: graph_steps.convert_pairwise,
        steps.DateParts: graph_dates.convert_date_parts,
    }
    for cls, converter in custom.items():
        update_registered_converter(cls, f"Gristmill{cls.__name__}", _float_shape, converter)
    # The pooled encoder is a OneHotEncoder with an explicit category list: reuse its converter.
    update_registered_converter(
        encoders.PooledOneHotEncoder,
        "GristmillPooledOneHotEncoder",
        calculate_sklearn_one_hot_encoder_output_shapes,
        convert_sklearn_one_hot_encoder,
    )
    from skl2onnx.operator_converters.feature_selection import convert_sklearn_feature_selection
    from skl2onnx.shape_calculators.feature_selection import calculate_sklearn_select

    from engine.recipe.selection import KBestMutualInfo, VarianceFilter

    for cls in (KBestMutualInfo, VarianceFilter):
        update_registered_converter(
            cls,
            f"Gristmill{cls.__name__}",
            calculate_sklearn_select,
            convert_sklearn_feature_selection,
        )
    _register_lightgbm()
    _REGISTERED = True


def _register_lightgbm() -> None:
    """LightGBM converts through onnxmltools when both are installed (optional extra)."""
    try:
        from lightgbm import LGBMClassifier, LGBMRegressor
        from onnxmltools.convert.lightgbm.operator_converters.LightGbm import (  # noqa: F401
            convert_lightgbm,
        )
    except ImportError:
        return
    from skl2onnx import update_registered_converter
    from skl2onnx.common.shape_calculator import (
        calculate_linear_classifier_output_shapes,
        calculate_linear_regressor_output_shapes,
    )

    from engine.recipe.graph_lightgbm import convert_lightgbm_exact

    update_registered_converter(
        LGBMClassifier,
        "LightGbmLGBMClassifier",
        calculate_linear_classifier_output_shapes,
        convert_lightgbm_exact,
        options={"nocl": [True, False], "zipmap": [True, False, "columns"]},
    )
    update_registered_converter(
        LGBMRegressor,
        "LightGbmLGBMRegressor",
        calculate_linear_regressor_output_shapes,
        convert_lightgbm_exact,
        options={"split": None},
    )


def _output_width(op: Any) -> int:
    from engine.recipe import steps

    if isinstance(op, steps.PairwiseArithmetic):
        return 1
    if isinstance(op, steps.DateParts):
        return op.n_features_in_ * len(op.parts)
    return op.n_features_in_


def _float_shape(operator: Any) -> None:
    from skl2onnx.common.data_types import FloatTensorType

    n = operator.inputs[0].get_first_dimension()
    operator.outputs[0].type = FloatTensorType([n, _output_width(operator.raw_operator)])
