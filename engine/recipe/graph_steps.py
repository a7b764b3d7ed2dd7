"""ONNX converters of the recipe's own transformers (see :mod:`.steps`), registered by
:func:`engine.recipe.converters.register_converters`.

Each builds the same operations, in the same precision, as the transformer's ``transform``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from onnx import TensorProto


def single_input(operator: Any, opv: int) -> Any:
    """The operator's input as one tensor (skl2onnx may hand several columns separately)."""
    from skl2onnx.algebra.onnx_ops import OnnxConcat

    if len(operator.inputs) == 1:
        return operator.inputs[0]
    return OnnxConcat(*operator.inputs, axis=1, op_version=opv)


def float_input(operator: Any, opv: int) -> Any:
    from skl2onnx.algebra.onnx_ops import OnnxCast

    return OnnxCast(single_input(operator, opv), to=TensorProto.FLOAT, op_version=opv)


def take_column(x: Any, j: int, opv: int) -> Any:
    from skl2onnx.algebra.onnx_ops import OnnxGather

    return OnnxGather(x, np.array([j], dtype=np.int64), axis=1, op_version=opv)


def finish(result: Any, operator: Any, scope: Any, container: Any, opv: int) -> None:
    from skl2onnx.algebra.onnx_ops import OnnxIdentity

    final = OnnxIdentity(result, op_version=opv, output_names=operator.outputs[:1])
    final.add_to(scope, container)


def nan_where(mask: Any, value: Any, opv: int) -> Any:
    """``value`` with NaN where ``mask`` is true (float32)."""
    from skl2onnx.algebra.onnx_ops import OnnxWhere

    return OnnxWhere(mask, np.array([np.nan], dtype=np.float32), value, op_version=opv)


def concat(parts: list[Any], opv: int) -> Any:
    from skl2onnx.algebra.onnx_ops import OnnxConcat

    return parts[0] if len(parts) == 1 else OnnxConcat(*parts, axis=1, op_version=opv)


def convert_as_float32(scope: Any, operator: Any, container: Any) -> None:
    opv = container.target_opset
    finish(float_input(operator, opv), operator, scope, container, opv)


def convert_missing_flag(scope: Any, operator: Any, container: Any) -> None:
    from skl2onnx.algebra.onnx_ops import OnnxCast, OnnxIsNaN
    from skl2onnx.common.data_types import StringTensorType

    opv = container.target_opset
    if isinstance(operator.inputs[0].type, StringTensorType):
        # Equal takes strings only from opset 19: map "" -> 1 with an ai.onnx.ml LabelEncoder.
        source = operator.inputs[0].full_name
        if len(operator.inputs) > 1:
            source = scope.get_unique_variable_name("text")
            container.add_node(
                "Concat",
                [i.full_name for i in operator.inputs],
                [source],
                axis=1,
                name=scope.get_unique_operator_name("Concat"),
            )
        codes = scope.get_unique_variable_name("missing_codes")
        container.add_node(
            "LabelEncoder",
            [source],
            [codes],
            op_domain="ai.onnx.ml",
            op_version=2,
            keys_strings=[""],
            values_int64s=[1],
            default_int64=0,
            name=scope.get_unique_operator_name("LabelEncoder"),
        )
        container.add_node(
            "Cast",
            [codes],
            [operator.outputs[0].full_name],
            to=TensorProto.FLOAT,
            name=scope.get_unique_operator_name("Cast"),
        )
        return
    x = OnnxCast(single_input(operator, opv), to=TensorProto.FLOAT, op_version=opv)
    flag = OnnxCast(OnnxIsNaN(x, op_version=opv), to=TensorProto.FLOAT, op_version=opv)
    finish(flag, operator, scope, container, opv)


def convert_standardizer(scope: Any, operator: Any, container: Any) -> None:
    from skl2onnx.algebra.onnx_ops import OnnxMul, OnnxSub

    op = operator.raw_operator
    opv = container.target_opset
    x = float_input(operator, opv)
    centred = OnnxSub(x, op.offset_.reshape(1, -1), op_version=opv)
    result = OnnxMul(centred, op.factor_.reshape(1, -1), op_version=opv)
    finish(result, operator, scope, container, opv)


def convert_log1p(scope: Any, operator: Any, container: Any) -> None:
    from skl2onnx.algebra.onnx_ops import OnnxAbs, OnnxAdd, OnnxCast, OnnxLog, OnnxMul, OnnxSign

    opv = container.target_opset
    # float64 like the transformer, rounded once to float32 at the end.
    x = OnnxCast(single_input(operator, opv), to=TensorProto.DOUBLE, op_version=opv)
    log = OnnxLog(
        OnnxAdd(np.array([1.0]), OnnxAbs(x, op_version=opv), op_version=opv), op_version=opv
    )
    result = OnnxMul(OnnxSign(x, op_version=opv), log, op_version=opv)
    finish(OnnxCast(result, to=TensorProto.FLOAT, op_version=opv), operator, scope, container, opv)


def convert_clipper(scope: Any, operator: Any, container: Any) -> None:
    from skl2onnx.algebra.onnx_ops import OnnxIsNaN, OnnxMax, OnnxMin

    op = operator.raw_operator
    opv = container.target_opset
    x = float_input(operator, opv)
    clipped = OnnxMin(
        OnnxMax(x, op.lower_.reshape(1, -1), op_version=opv),
        op.upper_.reshape(1, -1),
        op_version=opv,
    )
    # Max/Min on NaN is not specified the same everywhere: put NaN back explicitly.
    finish(nan_where(OnnxIsNaN(x, op_version=opv), clipped, opv), operator, scope, container, opv)


def convert_binner(scope: Any, operator: Any, container: Any) -> None:
    from skl2onnx.algebra.onnx_ops import (
        OnnxCast,
        OnnxGreaterOrEqual,
        OnnxIsNaN,
        OnnxReduceSum,
    )

    op = operator.raw_operator
    opv = container.target_opset
    x = float_input(operator, opv)
    columns = []
    for j, edges in enumerate(op.edges_):
        column = take_column(x, j, opv)
        if len(edges) == 0:
            count: Any = OnnxCast(
                OnnxGreaterOrEqual(column, np.array([np.inf], np.float32), op_version=opv),
                to=TensorProto.FLOAT,
                op_version=opv,
            )
        else:
            above = OnnxCast(
                OnnxGreaterOrEqual(column, edges.reshape(1, -1), op_version=opv),
                to=TensorProto.FLOAT,
                op_version=opv,
            )
            count = OnnxReduceSum(above, np.array([1], np.int64), keepdims=1, op_version=opv)
        columns.append(nan_where(OnnxIsNaN(column, op_version=opv), count, opv))
    finish(concat(columns, opv), operator, scope, container, opv)


def convert_pairwise(scope: Any, operator: Any, container: Any) -> None:
    from skl2onnx.algebra.onnx_ops import OnnxDiv, OnnxEqual, OnnxIsInf, OnnxMul, OnnxOr, OnnxSub

    op = operator.raw_operator
    opv = container.target_opset
    x = float_input(operator, opv)
    a, b = take_column(x, 0, opv), take_column(x, 1, opv)
    if op.operation == "ratio":
        result: Any = OnnxDiv(a, b, op_version=opv)
        bad: Any = OnnxOr(
            OnnxEqual(b, np.array([0.0], np.float32), op_version=opv),
            OnnxIsInf(result, op_version=opv),
            op_version=opv,
        )
    else:
        maker = OnnxSub if op.operation == "difference" else OnnxMul
        result = maker(a, b, op_version=opv)
        bad = OnnxIsInf(result, op_version=opv)
    finish(nan_where(bad, result, opv), operator, scope, container, opv)
