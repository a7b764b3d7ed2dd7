"""Property: for generated tables written to CSV, Excel and Parquet, the frame training
builds and the frame scoring builds are identical (one reader of cells)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from cell_frames import differing_rows, training_and_scoring_frames
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.api import infer_schema, load_table
from engine.profile.schema import ColumnKind
from engine.sources.base import FileSource

MODEL_KINDS = {ColumnKind.NUMERIC, ColumnKind.BOOLEAN, ColumnKind.CATEGORICAL,
               ColumnKind.DATETIME}
TOKENS = ["", "NA", "None", "?", "null"]


@st.composite
def tables(draw: st.DrawFn) -> pd.DataFrame:
    rows = draw(st.integers(12, 40))
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    codes = rng.integers(0, draw(st.integers(2, 5)), rows).astype(float)
    codes[rng.random(rows) < draw(st.floats(0, 0.3))] = np.nan
    decimals = draw(st.integers(0, 4))
    amounts = np.round(rng.normal(0, draw(st.sampled_from([1.0, 50.0, 5000.0])), rows), decimals)
    flags = rng.choice(draw(st.sampled_from([["Y", "N"], ["yes", "no"], ["true", "false"]])),
                       rows).astype(object)
    grades = rng.choice(["A", "B", "C", *draw(st.lists(st.sampled_from(TOKENS), max_size=2))],
                        rows)
    fees = [f"${v:,}" for v in rng.integers(1, 100_000, rows)]
    dates = [f"{d:02d}/{m:02d}/20{y:02d}" for d, m, y in zip(
        rng.integers(1, 29, rows), rng.integers(1, 13, rows), rng.integers(0, 30, rows),
        strict=True)]
    return pd.DataFrame({"codes": codes, "amount": amounts, "flag": flags, "grade": grades,
                         "fee": fees, "signed": dates})


def _write(frame: pd.DataFrame, folder: Path, fmt: str) -> Path:
    path = folder / f"t.{fmt}"
    if fmt == "csv":
        frame.to_csv(path, index=False)
    elif fmt == "xlsx":
        frame.to_excel(path, index=False)
    else:
        frame.to_parquet(path, index=False)
    return path


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(table=tables(), fmt=st.sampled_from(["csv", "xlsx", "parquet"]))
def test_training_and_scoring_build_the_same_frame(table, fmt):
    with tempfile.TemporaryDirectory() as folder:
        path = _write(table, Path(folder), fmt)
        source = FileSource(str(path))
        schema = infer_schema(load_table(source).frame)
        features = [c.name for c in schema.columns if c.kind in MODEL_KINDS]
        train, score = training_and_scoring_frames(source, features, chunk_rows=7)
        assert differing_rows(train, score) == dict.fromkeys(features, 0)
