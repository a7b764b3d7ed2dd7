"""The metadata of a wide model stays small: under 1 MB for 100 columns, compressed."""

from __future__ import annotations

import numpy as np
import pandas as pd

from engine.export.build import ModelFacts, export_pipeline
from engine.export.metadata import metadata_props, read_metadata
from engine.problem.definition import Task
from engine.recipe.inputs import InputColumn, to_model_frame
from engine.training.candidate import CandidateSpec, FitContext, build_pipeline


def test_a_100_column_model_carries_less_than_1_mb_of_metadata() -> None:
    rng = np.random.default_rng(0)
    rows = 4000
    data: dict[str, object] = {}
    for i in range(50):
        data[f"number {i}"] = rng.lognormal(3, 1, rows)
    for i in range(50):  # 300 levels each, many seen fewer than 10 times (never listed)
        data[f"category {i}"] = rng.choice([f"value {j}" for j in range(300)], rows)
    frame = pd.DataFrame(data)
    inputs = tuple(
        InputColumn(name, "numeric" if name.startswith("number") else "categorical")
        for name in frame.columns
    )
    x = to_model_frame(frame, inputs)
    y = np.where(x["number 0"] + rng.normal(0, 20, rows) > 25, "yes", "no").astype(object)
    context = FitContext(
        task=Task.BINARY, inputs=inputs, metrics=("roc_auc",), classes=("no", "yes"),
        positive_class="yes", cardinality={c.name: 300 for c in inputs},
    )
    pipeline = build_pipeline(CandidateSpec(1, "linear", {}, 0), context).fit(x[:3200], y[:3200])
    facts = ModelFacts(name="wide", task="binary", target="y", positive_class="yes",
                       threshold=0.5, importances={c.name: 0.01 for c in inputs})
    exported = export_pipeline(pipeline, inputs, facts, train_rows=x[:3200], check_rows=x[3200:])
    props = metadata_props(exported.metadata)
    size = sum(len(key) + len(value.encode()) for key, value in props.items())
    print(f"metadata_props of a 100-column model: {size:,} bytes")
    assert size < 1_000_000
    metadata = read_metadata(exported.model)
    assert len(metadata.inputs) == 100
    listed = metadata.inputs[50].categories
    counts = x["category 0"][:3200].value_counts()  # the training rows
    assert set(listed) == {str(v) for v in counts[counts >= 10].index}  # rare ones not listed
    assert not metadata.inputs[50].categories_complete or counts.min() >= 10
