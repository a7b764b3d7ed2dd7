"""The decision at the stored threshold, computed inside the ONNX graph (binary models).

A receiving team should write no decision code: the graph's ``label`` is the most probable
class, but the business decision is "positive when P(positive) >= threshold". These nodes,
appended after ``probabilities``, give it as the output ``decision`` (string [N], the class
labels as written in the metadata's ``classes``):

    Slice(probabilities, column of the positive class) -> GreaterOrEqual(threshold as float32)
    -> Where(positive label, other label) -> Reshape to [N]

The comparison is in float32, on the very probabilities the graph outputs, so every runtime
decides the same; the golden rows, the parity gate and ``gristmill score`` all read this output.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import onnx

DECISION = "decision"
_PREFIX = "gristmill_decision_"


def add_decision(
    model: onnx.ModelProto, classes: Sequence[str], positive_class: str, threshold: float
) -> None:
    """Append the ``decision`` output to a binary classifier's graph (in place)."""
    import numpy as np
    from onnx import TensorProto, helper, numpy_helper

    names = [str(c) for c in classes]
    if len(names) != 2 or positive_class not in names:
        raise ValueError("a decision needs two classes, one of them the positive class")
    positive = names.index(positive_class)
    other = names[1 - positive]
    graph = model.graph
    constants = {
        "starts": np.array([positive], dtype=np.int64),
        "ends": np.array([positive + 1], dtype=np.int64),
        "axes": np.array([1], dtype=np.int64),
        "threshold": np.array(threshold, dtype=np.float32),
        "positive": np.array([positive_class], dtype=object),
        "other": np.array([other], dtype=object),
        "shape": np.array([-1], dtype=np.int64),
    }
    for key, value in constants.items():
        graph.initializer.append(numpy_helper.from_array(value, name=_PREFIX + key))
    p = _PREFIX
    graph.node.extend([
        helper.make_node("Slice", ["probabilities", p + "starts", p + "ends", p + "axes"],
                         [p + "probability"], name=p + "slice"),
        helper.make_node("GreaterOrEqual", [p + "probability", p + "threshold"],
                         [p + "chosen"], name=p + "compare"),
        helper.make_node("Where", [p + "chosen", p + "positive", p + "other"],
                         [p + "labels"], name=p + "where"),
        helper.make_node("Reshape", [p + "labels", p + "shape"], [DECISION], name=p + "flat"),
    ])
    graph.output.append(helper.make_tensor_value_info(DECISION, TensorProto.STRING, [None]))
