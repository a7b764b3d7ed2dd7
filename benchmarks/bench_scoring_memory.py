"""Benchmark: peak memory of batch scoring, 5,000,000 rows / 1,000,000 rows (goal <= 1.2).

Issue 4, Performance: scoring streams the file in chunks, so memory must not grow with the
file. This script

1. generates two CSV files once under benchmarks/data (git-ignored): ``score_1000000.csv``
   and ``score_5000000.csv``, 21 columns (an id, 12 numbers with missing values, 6
   categories, a date, the yes/no target), fixed seed, written in blocks so generating them
   needs little memory either;
2. trains a small model on 50,000 generated rows (the default recipe for histogram boosting,
   compiled by ``compile_recipe``, ``HistGradientBoostingClassifier``), converts it with
   ``to_onnx_model`` and attaches Gristmill metadata (categories, threshold, key column);
3. scores each file with ``engine.export.scoring.score_source`` (100,000-row chunks, CSV in,
   Parquet out) in a fresh subprocess, which prints its peak resident memory (``VmHWM`` from
   /proc/self/status, i.e. the high-water mark of the whole process, libraries included) and
   the rows per second.

Prints both peaks, the ratio 5M/1M and the throughput. Usage:
``python benchmarks/bench_scoring_memory.py [--rows 1000000 5000000] [--chunk-rows 100000]``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "benchmarks" / "data"
SEED = 20261129
BLOCK = 250_000
REGIONS = np.array(["North", "South", "East", "West", "Centre"], dtype=object)
PLANS = np.array(["Basic", "Standard", "Premium"], dtype=object)
CHANNELS = np.array([f"channel {i}" for i in range(12)], dtype=object)
SEGMENTS = np.array(["A", "B", "C", "D"], dtype=object)
DEVICES = np.array(["phone", "tablet", "desktop", "tv"], dtype=object)
CITIES = np.array([f"city {i:03d}" for i in range(200)], dtype=object)

CHILD = r"""
import json, sys, time
from engine.export.scoring import load_scoring_model, score_source
from engine.sources.base import FileSource
model_path, data_path, out_path, chunk_rows = sys.argv[1:5]
def vm(field):
    for line in open("/proc/self/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1]) // 1024
started = time.perf_counter()
model = load_scoring_model(model_path)
before = vm("VmHWM")
summary = score_source(model, FileSource(data_path), out_path, chunk_rows=int(chunk_rows))
print(json.dumps({
    "rows": summary.rows, "seconds": time.perf_counter() - started,
    "peak_mib": vm("VmHWM"), "after_load_mib": before,
    "decisions": summary.decisions,
}))
"""


def block(rows: int, rng: np.random.Generator, start: int) -> pd.DataFrame:
    """``rows`` generated rows (ids from ``start``); the target depends on several columns."""

    def number(values: np.ndarray, missing: float) -> np.ndarray:
        values = np.round(values.astype("float64"), 2)
        values[rng.random(rows) < missing] = np.nan
        return values

    age = rng.normal(45, 12, rows)
    spend = rng.lognormal(4, 0.6, rows)
    tenure = rng.integers(0, 120, rows).astype(float)
    calls = rng.poisson(2, rows).astype(float)
    region = REGIONS[rng.integers(0, len(REGIONS), rows)]
    plan = PLANS[rng.integers(0, len(PLANS), rows)]
    signal = (
        -0.03 * (age - 45) ** 2 / 10
        + 0.01 * spend
        - 0.02 * tenure
        + 0.4 * calls
        + 0.8 * (plan == "Basic")
        + rng.normal(0, 1, rows)
    )
    frame = {"id": [f"ID-{i:08d}" for i in range(start, start + rows)]}
    frame.update(
        {
            "age": number(age, 0.02),
            "spend": number(spend, 0.05),
            "tenure": number(tenure, 0.0),
            "calls": number(calls, 0.01),
        }
    )
    for j in range(8):
        frame[f"x{j}"] = number(rng.normal(j, 1 + j, rows), 0.03)
    frame["region"] = region
    frame["plan"] = plan
    frame["channel"] = CHANNELS[rng.integers(0, len(CHANNELS), rows)]
    frame["segment"] = SEGMENTS[rng.integers(0, len(SEGMENTS), rows)]
    frame["device"] = DEVICES[rng.integers(0, len(DEVICES), rows)]
    frame["city"] = CITIES[np.minimum(rng.zipf(1.3, rows), len(CITIES)) - 1]
    days = rng.integers(0, 2000, rows)
    frame["signup"] = (np.datetime64("2019-01-01") + days.astype("timedelta64[D]")).astype(str)
    frame["churned"] = np.where(signal > np.quantile(signal, 0.75), "yes", "no")
    return pd.DataFrame(frame)


def ensure_csv(rows: int) -> Path:
    """benchmarks/data/score_<rows>.csv, generated once (in blocks, little memory)."""
    import pyarrow as pa
    import pyarrow.csv as pv

    path = DATA / f"score_{rows}.csv"
    if path.exists():
        return path
    DATA.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(SEED)
    partial = path.with_suffix(".partial")
    writer = None
    started = time.perf_counter()
    for start in range(0, rows, BLOCK):
        frame = block(min(BLOCK, rows - start), rng, start)
        table = pa.Table.from_pandas(frame, preserve_index=False)
        if writer is None:
            writer = pv.CSVWriter(str(partial), table.schema)
        writer.write_table(table)
    assert writer is not None
    writer.close()
    partial.rename(path)
    size = path.stat().st_size / 1e6
    seconds = time.perf_counter() - started
    print(f"generated {path.name}: {rows:,} rows, {size:,.0f} MB in {seconds:.0f} s")
    return path


def build_model(path: Path) -> None:
    """A histogram-boosting pipeline on 50,000 generated rows, exported with metadata."""
    import onnx
    from sklearn.ensemble import HistGradientBoostingClassifier

    from engine.export.metadata import InputSpec, ModelMetadata, attach_metadata
    from engine.recipe.compile import compile_recipe
    from engine.recipe.defaults import default_recipe
    from engine.recipe.inputs import InputColumn, to_model_frame
    from engine.recipe.onnx_graph import to_onnx_model
    from engine.recipe.traits import BOOSTING

    train = block(50_000, np.random.default_rng(SEED + 1), 0)
    numeric = ["age", "spend", "tenure", "calls", *[f"x{j}" for j in range(8)]]
    categorical = ["region", "plan", "channel", "segment", "device", "city"]
    inputs = (
        *(InputColumn(n, "numeric") for n in numeric),
        *(InputColumn(n, "categorical") for n in categorical),
        InputColumn("signup", "date"),
    )
    frame = to_model_frame(train, inputs)
    recipe = default_recipe(inputs, BOOSTING, task="binary")
    pipeline = compile_recipe(recipe, inputs, task="binary")
    pipeline.steps.append(("model", HistGradientBoostingClassifier(max_iter=60, random_state=0)))
    pipeline.fit(frame, train["churned"].to_numpy())
    model = to_onnx_model(pipeline, inputs)
    specs = []
    for column in inputs:
        categories: tuple[str, ...] = ()
        if column.kind == "categorical":
            counts = frame[column.name].value_counts()
            categories = tuple(str(v) for v in counts[counts >= 10].index if v != "")
        specs.append(InputSpec(column.name, column.kind, categories, categories_complete=False))
    metadata = ModelMetadata(
        name="bench",
        task="binary",
        inputs=tuple(specs),
        outputs=("label", "probabilities"),
        target="churned",
        classes=tuple(str(c) for c in pipeline.classes_),
        positive_class="yes",
        threshold=0.4,
        data={"key_columns": ["id"]},
    )
    attach_metadata(model, metadata)
    onnx.save(model, str(path))


def score_in_child(model: Path, data: Path, chunk_rows: int) -> dict:
    out = DATA / f"{data.stem}_scores.parquet"
    result = subprocess.run(
        [sys.executable, "-c", CHILD, str(model), str(data), str(out), str(chunk_rows)],
        capture_output=True, text=True, cwd=ROOT, check=False,
    )
    if result.returncode != 0:
        raise SystemExit(f"scoring {data.name} failed:\n{result.stderr}")
    out.unlink(missing_ok=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs=2, default=[1_000_000, 5_000_000])
    parser.add_argument("--chunk-rows", type=int, default=100_000)
    args = parser.parse_args()
    small, large = (ensure_csv(rows) for rows in args.rows)
    model = DATA / "score_bench.onnx"
    build_model(model)
    results = {}
    for path in (small, large):
        results[path] = score_in_child(model, path, args.chunk_rows)
        r = results[path]
        print(
            f"{path.name}: {r['rows']:,} rows in {r['seconds']:.1f} s "
            f"({r['rows'] / r['seconds']:,.0f} rows/s), peak RSS {r['peak_mib']:,} MiB "
            f"(after loading the model: {r['after_load_mib']:,} MiB); decisions {r['decisions']}"
        )
    ratio = results[large]["peak_mib"] / results[small]["peak_mib"]
    verdict = "met" if ratio <= 1.2 else "NOT met"
    print(
        f"peak memory {args.rows[1]:,} rows / {args.rows[0]:,} rows: {ratio:.2f} "
        f"(goal <= 1.2: {verdict})"
    )


if __name__ == "__main__":
    main()
