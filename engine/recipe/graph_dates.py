"""ONNX converter of :class:`engine.recipe.steps.DateParts`: calendar parts computed inside the
graph from a day number, with the same integer arithmetic as :func:`~.steps.civil_parts`."""

from __future__ import annotations

from typing import Any

import numpy as np
from onnx import TensorProto

from engine.recipe.graph_steps import concat, finish, float_input, nan_where, take_column


def convert_date_parts(scope: Any, operator: Any, container: Any) -> None:
    from skl2onnx.algebra.onnx_ops import OnnxIsNaN, OnnxSub

    op = operator.raw_operator
    opv = container.target_opset
    x = float_input(operator, opv)
    outputs = []
    for j in range(op.n_features_in_):
        column = take_column(x, j, opv)
        missing = OnnxIsNaN(column, op_version=opv)
        parts = _civil_parts_graph(column, missing, opv) if set(op.parts) - {"days_since"} else {}
        for part in op.parts:
            if part == "days_since":
                reference = np.array([op.reference_days_], dtype=np.float32)
                outputs.append(OnnxSub(column, reference, op_version=opv))
            else:
                outputs.append(nan_where(missing, parts[part], opv))
    finish(concat(outputs, opv), operator, scope, container, opv)


def _civil_parts_graph(column: Any, missing: Any, opv: int) -> dict[str, Any]:
    """The ONNX twin of :func:`engine.recipe.steps.civil_parts` (float32 results, no NaN)."""
    from skl2onnx.algebra.onnx_ops import (
        OnnxAdd,
        OnnxAnd,
        OnnxCast,
        OnnxDiv,
        OnnxEqual,
        OnnxFloor,
        OnnxLess,
        OnnxLessOrEqual,
        OnnxMod,
        OnnxMul,
        OnnxNot,
        OnnxOr,
        OnnxSub,
        OnnxWhere,
    )

    def i64(value: int) -> np.ndarray:
        return np.array([value], dtype=np.int64)

    def add(a: Any, b: Any) -> Any:
        return OnnxAdd(a, b, op_version=opv)

    def sub(a: Any, b: Any) -> Any:
        return OnnxSub(a, b, op_version=opv)

    def mul(a: Any, b: Any) -> Any:
        return OnnxMul(a, b, op_version=opv)

    def div(a: Any, b: int) -> Any:  # non-negative operands: truncation is floor division
        return OnnxDiv(a, i64(b), op_version=opv)

    def mod(a: Any, b: int) -> Any:  # fmod=0: the remainder takes the divisor's sign (floor)
        return OnnxMod(a, i64(b), fmod=0, op_version=opv)

    def eq0(a: Any) -> Any:
        return OnnxEqual(a, i64(0), op_version=opv)

    as_double = OnnxCast(column, to=TensorProto.DOUBLE, op_version=opv)
    safe = OnnxWhere(missing, np.array([0.0]), as_double, op_version=opv)
    z = OnnxCast(OnnxFloor(safe, op_version=opv), to=TensorProto.INT64, op_version=opv)
    shifted = add(z, i64(719468))
    era = OnnxCast(
        OnnxFloor(
            OnnxDiv(
                OnnxCast(shifted, to=TensorProto.DOUBLE, op_version=opv),
                np.array([146097.0]),
                op_version=opv,
            ),
            op_version=opv,
        ),
        to=TensorProto.INT64,
        op_version=opv,
    )
    doe = sub(shifted, mul(era, i64(146097)))
    yoe = div(sub(add(sub(doe, div(doe, 1460)), div(doe, 36524)), div(doe, 146096)), 365)
    doy_march = sub(doe, sub(add(mul(yoe, i64(365)), div(yoe, 4)), div(yoe, 100)))
    mp = div(add(mul(doy_march, i64(5)), i64(2)), 153)
    day = add(sub(doy_march, div(add(mul(mp, i64(153)), i64(2)), 5)), i64(1))
    month = OnnxWhere(
        OnnxLess(mp, i64(10), op_version=opv), add(mp, i64(3)), sub(mp, i64(9)), op_version=opv
    )
    early = OnnxLessOrEqual(month, i64(2), op_version=opv)
    year = add(add(yoe, mul(era, i64(400))), OnnxCast(early, to=TensorProto.INT64, op_version=opv))
    leap = OnnxOr(
        OnnxAnd(eq0(mod(year, 4)), OnnxNot(eq0(mod(year, 100)), op_version=opv), op_version=opv),
        eq0(mod(year, 400)),
        op_version=opv,
    )
    leap_int = OnnxCast(leap, to=TensorProto.INT64, op_version=opv)
    day_of_year = OnnxWhere(
        early,
        sub(doy_march, i64(305)),
        add(add(doy_march, i64(60)), leap_int),
        op_version=opv,
    )
    day_of_week = mod(add(z, i64(3)), 7)
    ints = {
        "year": year,
        "month": month,
        "day": day,
        "day_of_week": day_of_week,
        "day_of_year": day_of_year,
    }
    return {k: OnnxCast(v, to=TensorProto.FLOAT, op_version=opv) for k, v in ints.items()}
