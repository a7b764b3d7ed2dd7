"""A fitted pipeline (recipe + final estimator) as an ONNX graph with one input per raw column.

Inputs are named exactly as the columns (skl2onnx would rewrite names with spaces, #1235: the
graph is converted with neutral names and renamed afterwards): ``float`` [N, 1] with NaN for
numbers and dates (days since 1970-01-01), ``string`` [N, 1] with ``""`` for categories.
Outputs: ``label`` + ``probabilities`` (classifiers), ``variable`` (regressors), ``label`` +
``scores`` (k-means, isolation forest). Opsets are pinned for older onnxruntime releases.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from engine.errors import InputError
from engine.recipe.inputs import InputColumn

if TYPE_CHECKING:
    import numpy as np
    import onnx
    import pandas as pd

TARGET_OPSET = {"": 17, "ai.onnx.ml": 3}


def to_onnx_model(pipeline: Any, inputs: Sequence[InputColumn]) -> onnx.ModelProto:
    """Convert a FITTED pipeline whose rows are :func:`~engine.recipe.inputs.to_model_frame`
    frames of ``inputs``; the final step is a classifier, regressor, KMeans or IsolationForest.
    """
    from skl2onnx import convert_sklearn
    from skl2onnx.common.data_types import FloatTensorType, StringTensorType
    from sklearn.base import is_classifier

    from engine.recipe.converters import register_converters

    register_converters()
    if not inputs:
        raise InputError("The model has no input column.", "Pass the model's input columns.")
    initial_types = [
        (
            f"input_{i}",
            StringTensorType([None, 1]) if c.kind == "categorical" else FloatTensorType([None, 1]),
        )
        for i, c in enumerate(inputs)
    ]
    final = pipeline.steps[-1][1] if hasattr(pipeline, "steps") else pipeline
    options = {id(final): {"zipmap": False}} if is_classifier(final) else None
    # skl2onnx's removal of Identity nodes is quadratic in the graph's size: on an isolation
    # forest's graph (one small sub-graph per tree) it took 44 of a 70 s export of 100 trees
    # on 400 rows. The Identity nodes it would remove cost onnxruntime nothing, and the
    # parity gate checks the graph either way.
    optimise = type(final).__name__ != "IsolationForest"
    model = convert_sklearn(
        pipeline, initial_types=initial_types, options=options, target_opset=TARGET_OPSET,
        model_optim=optimise,
    )
    _rename_outputs(model, is_classifier(final))
    outputs = [o.name for o in model.graph.output]
    clash = [c.name for c in inputs if c.name in outputs]
    if clash:
        raise InputError(
            f"A column is named {clash[0]!r}, like one of the model's outputs "
            f"({', '.join(outputs)}); an ONNX file cannot have both.",
            "Rename that column in the data (or in the query) and train again.",
        )
    _rename_inputs(model, {f"input_{i}": c.name for i, c in enumerate(inputs)})
    return model


def onnx_feed(model_frame: pd.DataFrame, inputs: Sequence[InputColumn]) -> dict[str, np.ndarray]:
    """The onnxruntime input dict for a model frame (one [N, 1] array per input column)."""
    import numpy as np

    feed = {}
    for column in inputs:
        values = model_frame[column.name]
        if column.kind == "categorical":
            array = np.asarray(values.to_numpy(dtype=object), dtype=object)
        else:
            array = values.to_numpy(dtype=np.float32, na_value=np.nan)
        feed[column.name] = array.reshape(-1, 1)
    return feed


def _rename_inputs(model: onnx.ModelProto, names: dict[str, str]) -> None:
    """Give the graph inputs the column names, wherever the graph refers to them."""
    graph = model.graph
    taken = {n for node in graph.node for n in list(node.input) + list(node.output)}
    clash = (set(names.values()) & taken) - set(names)
    if clash:
        # A column named like an internal tensor: rename that tensor out of the way first.
        _rename_everywhere(model, {n: f"{n}__internal" for n in clash})
    _rename_everywhere(model, names)


def _rename_everywhere(model: onnx.ModelProto, names: dict[str, str]) -> None:
    graph = model.graph
    for value in list(graph.input) + list(graph.output) + list(graph.value_info):
        if value.name in names:
            value.name = names[value.name]
    for node in graph.node:
        for i, name in enumerate(node.input):
            if name in names:
                node.input[i] = names[name]
        for i, name in enumerate(node.output):
            if name in names:
                node.output[i] = names[name]
    for init in graph.initializer:
        if init.name in names:
            init.name = names[init.name]


def _rename_outputs(model: onnx.ModelProto, classifier: bool) -> None:
    """Make sure the outputs carry the contract's names (skl2onnx's usual ones)."""
    outputs = [o.name for o in model.graph.output]
    if classifier or len(outputs) == 2:
        wanted = ["label", "probabilities" if classifier else "scores"]
    else:
        wanted = ["variable"]
    renames = {old: new for old, new in zip(outputs, wanted, strict=False) if old != new}
    if renames:
        graph = model.graph
        taken = {n for node in graph.node for n in list(node.input) + list(node.output)}
        taken |= {init.name for init in graph.initializer}
        clash = (set(renames.values()) & taken) - set(renames)
        if clash:
            # An internal tensor already has the wanted name (e.g. a transformer-only graph
            # whose last step skl2onnx called "variable"): move it out of the way first.
            _rename_everywhere(model, {n: f"{n}__internal" for n in clash})
        _rename_everywhere(model, renames)
