"""The frame training builds and the frame scoring builds, for one file (test helper)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from engine.api import infer_schema, load_table
from engine.export.build import input_spec
from engine.export.from_run import file_spelling
from engine.export.score_input import ColumnConverter, ModelInput
from engine.recipe.inputs import model_inputs, reading_rules, to_model_frame
from engine.sources.base import Source
from engine.sources.stream import open_stream


def training_and_scoring_frames(
    source: Source, features: list[str], chunk_rows: int = 50
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(frame the pipeline is fitted on, frame the scorer feeds) for ``source``."""
    loaded = load_table(source)
    inputs = model_inputs(infer_schema(loaded.frame), features)
    train = to_model_frame(loaded.frame, inputs)
    rules = reading_rules(loaded.frame, inputs, file_spelling=file_spelling(source))
    specs = [
        ModelInput.from_spec(input_spec(column, train[column.name], rules[column.name]))
        for column in inputs
    ]
    with open_stream(source, chunk_rows=chunk_rows) as stream:
        header = stream.header
        converters = [
            ColumnConverter(spec, decimal=header.decimal, thousands=header.thousands)
            for spec in specs
        ]
        parts = [
            pd.DataFrame(
                {c.spec.name: np.asarray(c.convert(chunk[c.spec.name])).reshape(-1)
                 for c in converters}
            )
            for chunk in stream
        ]
    score = pd.concat(parts, ignore_index=True)
    return train.reset_index(drop=True), score


def differing_rows(train: pd.DataFrame, score: pd.DataFrame) -> dict[str, int]:
    """Per column, the rows where the two frames hold different model inputs."""
    result = {}
    for name in train.columns:
        a, b = train[name].to_numpy(), score[name].to_numpy()
        if a.dtype == object:
            same = a.astype(str) == b.astype(str)
        else:
            a, b = a.astype("float64"), b.astype("float64")
            same = (a == b) | (np.isnan(a) & np.isnan(b))
        result[name] = int((~same).sum())
    return result
