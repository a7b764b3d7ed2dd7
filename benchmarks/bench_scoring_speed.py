"""Benchmark: scoring with the exported ONNX graph against scikit-learn, for every model family.

Goal (issue 4, Performance): scoring 1,000,000 rows through onnxruntime is at least 2x faster
than scikit-learn's ``predict_proba`` on the same fitted pipeline for gradient boosting
(histogram boosting and LightGBM); the other families are reported.

For each supervised family of the catalog (``engine.training.catalog.DEFAULT_FAMILIES``, the
ones whose package is installed), in one run:

1. fit ``build_pipeline(CandidateSpec(1, family, default_params(...), seed=0), context)`` --
   the family's default recipe compiled by ``compile_recipe`` then the estimator with the
   family's first-candidate parameters, exactly what a run tries first -- on a generated
   binary table (``--train-rows``, default 100,000; k-nearest neighbours on
   ``--knn-train-rows``, default 20,000, since it keeps every training row, and scores only
   ``--knn-rows``, default 20,000, in batches of ``--knn-batch``, default 10,000: its ONNX
   graph computes a batch x training-rows distance matrix and is slow);
2. convert it with ``engine.recipe.onnx_graph.to_onnx_model`` and open an
   ``onnxruntime.InferenceSession`` with default options (all cores);
3. score ``--rows`` rows (default 1,000,000) already in the model-input form
   (``to_model_frame``) in batches of ``--batch`` rows (default 100,000, as batch scoring
   does): (a) ``pipeline.predict_proba`` on each batch of the model frame, (b)
   ``session.run`` on ``onnx_feed`` of each batch. Best of ``--repeat`` rounds (default 2,
   the order swapped every round). Building the feed from the frame is timed separately and
   left out of the ratio; a second ratio includes it.

Both sides use every core: the estimator is built with ``n_jobs`` = the number of cores (the
forests, LightGBM; histogram boosting and the k-neighbours search use OpenMP threads anyway),
and onnxruntime's default intra-op pool has one thread per core.

Sanity checks printed per family: the largest probability difference between the two paths
over every scored row, and the share of rows whose ONNX label is scikit-learn's most probable
class. A short regression section does the same for histogram boosting (``predict`` against
the ``variable`` output; relative difference).

The table: ``make_big_table.generate`` (8 numbers, 6 categories -- one with about 1,000
cities --, a signup date, target ``converted`` yes/no) plus 5 more columns (3 numbers with
missing values, 2 categories, one 20 % missing): 20 inputs. Training rows and scored rows are
generated with different seeds.

Run: .venv/bin/python benchmarks/bench_scoring_speed.py [--rows 1000000] [--repeat 2]
     .venv/bin/python benchmarks/bench_scoring_speed.py --rows 100000 --families linear lightgbm
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

GOAL = 2.0
GOAL_FAMILIES = ("hist_gradient_boosting", "lightgbm")
SEED_TRAIN = 20261129
SEED_SCORE = 20261130
REGRESSION_TARGET = "monthly_spend"


def make_table(rows: int, seed: int) -> pd.DataFrame:
    """The big benchmark table plus 5 columns, so 20 inputs (see the module docstring)."""
    from make_big_table import generate

    frame = generate(rows, seed)
    rng = np.random.default_rng(seed + 1)

    def with_missing(values: np.ndarray, share: float) -> np.ndarray:
        values = values.astype("float64")
        values[rng.random(rows) < share] = np.nan
        return values

    segments = np.array([f"segment {c}" for c in "ABCDEFGH"])
    sources = np.array([f"campaign-{i:02d}" for i in range(40)])
    frame["balance"] = with_missing(rng.normal(1500, 900, rows).round(2), 0.10)
    frame["visits_last_month"] = with_missing(rng.poisson(6.0, rows), 0.04)
    frame["return_ratio"] = rng.beta(1.5, 12.0, rows).round(4)
    frame["segment"] = pd.Series(segments[rng.integers(0, len(segments), rows)], dtype="str")
    source = pd.Series(sources[rng.integers(0, len(sources), rows)], dtype="str")
    frame["lead_source"] = source.mask(rng.random(rows) < 0.20)
    return frame


def input_columns(frame: pd.DataFrame, exclude: tuple[str, ...]) -> tuple[Any, ...]:
    """Model inputs by dtype: numbers numeric, text categorical, timestamps dates."""
    from engine.recipe.inputs import InputColumn

    columns = []
    for name in frame.columns:
        if name in exclude:
            continue
        dtype = frame[name].dtype
        if pd.api.types.is_datetime64_any_dtype(dtype):
            kind = "date"
        elif pd.api.types.is_numeric_dtype(dtype):
            kind = "numeric"
        else:
            kind = "categorical"
        columns.append(InputColumn(name, kind))
    return tuple(columns)


def fit_family(
    family_key: str, task: Any, inputs: tuple[Any, ...], x: pd.DataFrame, y: np.ndarray,
    threads: int,
) -> tuple[Any, float]:
    """Build the family's first candidate as a run does (default recipe) and fit it."""
    from engine.problem.definition import Task
    from engine.training.candidate import CandidateSpec, FitContext, build_pipeline
    from engine.training.catalog import default_params, family
    from engine.training.train import category_counts

    classes = tuple(sorted(set(y))) if task is not Task.REGRESSION else ()
    context = FitContext(
        task=task,
        inputs=inputs,
        metrics=(),
        classes=classes,
        positive_class=classes[-1] if classes else None,
        n_jobs=threads,
        cardinality=category_counts(x, inputs),
    )
    spec = CandidateSpec(1, family_key, default_params(family(family_key), task), seed=0)
    pipeline = build_pipeline(spec, context)
    started = time.perf_counter()
    pipeline.fit(x, y)
    return pipeline, time.perf_counter() - started


def batches(frame: pd.DataFrame, size: int) -> list[pd.DataFrame]:
    return [frame.iloc[start:start + size] for start in range(0, len(frame), size)]


def make_feeds(parts: list[pd.DataFrame], inputs: tuple[Any, ...]) -> tuple[list[dict], float]:
    """The onnxruntime feed of every batch, and how long building them took."""
    from engine.recipe.onnx_graph import onnx_feed

    started = time.perf_counter()
    feeds = [onnx_feed(part, inputs) for part in parts]
    return feeds, time.perf_counter() - started


def score_sklearn(pipeline: Any, parts: list[pd.DataFrame], regression: bool) -> tuple[float, Any]:
    started = time.perf_counter()
    if regression:
        out = [pipeline.predict(part) for part in parts]
    else:
        out = [pipeline.predict_proba(part) for part in parts]
    return time.perf_counter() - started, out


def score_onnx(session: Any, feeds: list[dict], regression: bool) -> tuple[float, Any]:
    wanted = ["variable"] if regression else ["label", "probabilities"]
    started = time.perf_counter()
    out = [session.run(wanted, feed) for feed in feeds]
    return time.perf_counter() - started, out


def compare(
    pipeline: Any, session: Any, parts: list[pd.DataFrame], feeds: list[dict], repeat: int,
    regression: bool,
) -> dict[str, Any]:
    """Best-of-``repeat`` times of both paths (order swapped each round) and the checks."""
    times: dict[str, list[float]] = {"sklearn": [], "onnx": []}
    results: dict[str, Any] = {}
    for round_number in range(repeat):
        order = ["sklearn", "onnx"] if round_number % 2 == 0 else ["onnx", "sklearn"]
        for name in order:
            if name == "sklearn":
                seconds, results[name] = score_sklearn(pipeline, parts, regression)
            else:
                seconds, results[name] = score_onnx(session, feeds, regression)
            times[name].append(seconds)
    best = {name: min(values) for name, values in times.items()}
    if regression:
        expected = np.concatenate(results["sklearn"]).ravel()
        got = np.concatenate([out[0] for out in results["onnx"]]).ravel().astype("float64")
        gap = float(np.max(np.abs(expected - got) / np.maximum(np.abs(expected), 1.0)))
        agree = float("nan")
    else:
        expected = np.concatenate(results["sklearn"])
        got = np.concatenate([out[1] for out in results["onnx"]])
        labels = np.concatenate([out[0] for out in results["onnx"]]).ravel()
        gap = float(np.max(np.abs(expected - got)))
        sklearn_labels = np.asarray(pipeline.classes_)[np.argmax(expected, axis=1)]
        agree = float(np.mean(labels.astype(str) == sklearn_labels.astype(str)))
    return {**best, "all": times, "gap": gap, "agree": agree}


def convert(pipeline: Any, inputs: tuple[Any, ...]) -> tuple[Any, float, float]:
    """The onnxruntime session of the converted pipeline, conversion seconds and size in MB."""
    import onnxruntime

    from engine.recipe.onnx_graph import to_onnx_model

    started = time.perf_counter()
    model = to_onnx_model(pipeline, inputs)
    data = model.SerializeToString()
    seconds = time.perf_counter() - started
    session = onnxruntime.InferenceSession(data, providers=["CPUExecutionProvider"])
    return session, seconds, len(data) / 1e6


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f}"


def main() -> None:
    from make_big_table import TARGET

    from engine.problem.definition import Task
    from engine.problem.task_detection import target_labels
    from engine.recipe.inputs import to_model_frame
    from engine.training.catalog import DEFAULT_FAMILIES, family

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows scored")
    parser.add_argument("--train-rows", type=int, default=100_000)
    parser.add_argument("--knn-train-rows", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=100_000)
    parser.add_argument("--knn-batch", type=int, default=10_000,
                        help="k-neighbours batches: its ONNX graph holds a batch x training "
                        "rows distance matrix (100,000 x 20,000 floats = 8 GB)")
    parser.add_argument("--knn-rows", type=int, default=20_000,
                        help="rows scored by k-neighbours (its ONNX graph scored about 260 "
                        "rows a second here: 1,000,000 rows would take an hour)")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1,
                        help="n_jobs of the estimators (onnxruntime uses every core)")
    parser.add_argument("--families", nargs="*", default=None,
                        help=f"a subset of: {' '.join(DEFAULT_FAMILIES)}")
    parser.add_argument("--no-regression", action="store_true",
                        help="leave out the histogram-boosting regression section")
    args = parser.parse_args()
    keys = [key for key in (args.families or DEFAULT_FAMILIES) if family(key).available]

    print(f"start: {time.strftime('%Y-%m-%d %H:%M:%S %Z')}, {os.cpu_count()} cores, {load()}")
    clock = time.perf_counter()
    train = make_table(args.train_rows, SEED_TRAIN)
    score = make_table(args.rows, SEED_SCORE)
    inputs = input_columns(train, (TARGET,))
    x_train = to_model_frame(train, inputs)
    y_train = target_labels(train[TARGET], Task.BINARY)
    clock_frame = time.perf_counter()
    x_score = to_model_frame(score, inputs)
    frame_seconds = time.perf_counter() - clock_frame
    kinds = {kind: sum(c.kind == kind for c in inputs) for kind in ("numeric", "categorical",
                                                                     "date")}
    print(f"tables generated in {time.perf_counter() - clock:.1f} s: {args.train_rows:,} "
          f"training rows, {args.rows:,} scored rows, {len(inputs)} inputs {kinds}; "
          f"to_model_frame of the scored rows {frame_seconds:.2f} s (common to both paths, "
          f"not timed below)")

    feeds_by_batch: dict[tuple[int, int], tuple[list[pd.DataFrame], list[dict], float]] = {}

    def prepared(rows: int, size: int) -> tuple[list[pd.DataFrame], list[dict], float]:
        if (rows, size) not in feeds_by_batch:
            parts = batches(x_score.iloc[:rows], size)
            feeds, seconds = make_feeds(parts, inputs)
            feeds_by_batch[rows, size] = (parts, feeds, seconds)
        return feeds_by_batch[rows, size]

    rows_out: list[tuple[str, dict[str, Any]]] = []
    for key in keys:
        knn = key == "knn"
        fit_rows = min(args.knn_train_rows, len(x_train)) if knn else len(x_train)
        batch = args.knn_batch if knn else args.batch
        scored = min(args.knn_rows, args.rows) if knn else args.rows
        pipeline, fit_seconds = fit_family(
            key, Task.BINARY, inputs, x_train.iloc[:fit_rows], y_train[:fit_rows], args.threads
        )
        session, convert_seconds, size_mb = convert(pipeline, inputs)
        parts, feeds, feed_seconds = prepared(scored, batch)
        result = compare(pipeline, session, parts, feeds, args.repeat, regression=False)
        result.update(fit=fit_seconds, convert=convert_seconds, size=size_mb, feed=feed_seconds,
                      fit_rows=fit_rows, batch=batch, rows=scored)
        rows_out.append((key, result))
        print(f"  {key:<23} fit {fit_seconds:6.1f} s on {fit_rows:,} rows, convert "
              f"{convert_seconds:5.1f} s ({size_mb:.1f} MB); sklearn "
              f"{' / '.join(f'{t:.2f}' for t in result['all']['sklearn'])} s, onnx "
              f"{' / '.join(f'{t:.2f}' for t in result['all']['onnx'])} s; {load()}",
              flush=True)
        del pipeline, session

    regression: dict[str, Any] | None = None
    if not args.no_regression:
        known = train[REGRESSION_TARGET].notna().to_numpy()
        r_inputs = input_columns(train, (TARGET, REGRESSION_TARGET))
        x_r = to_model_frame(train.loc[known], r_inputs)
        y_r = target_labels(train.loc[known, REGRESSION_TARGET], Task.REGRESSION)
        pipeline, fit_seconds = fit_family(
            "hist_gradient_boosting", Task.REGRESSION, r_inputs, x_r, y_r, args.threads
        )
        session, convert_seconds, size_mb = convert(pipeline, r_inputs)
        parts = batches(x_score[[c.name for c in r_inputs]], args.batch)
        feeds, feed_seconds = make_feeds(parts, r_inputs)
        regression = compare(pipeline, session, parts, feeds, args.repeat, regression=True)
        regression.update(fit=fit_seconds, convert=convert_seconds, size=size_mb,
                          feed=feed_seconds, fit_rows=len(x_r), batch=args.batch,
                          rows=args.rows)
        print(f"  regression hgb: fit {fit_seconds:.1f} s, sklearn "
              f"{' / '.join(f'{t:.2f}' for t in regression['all']['sklearn'])} s, onnx "
              f"{' / '.join(f'{t:.2f}' for t in regression['all']['onnx'])} s; {load()}",
              flush=True)

    print()
    print(f"Scoring {args.rows:,} rows (binary, target {TARGET!r}), best of {args.repeat}; "
          f"seconds; speed-up = sklearn / onnx (feed excluded), and with the feed included")
    header = (f"{'family':<23} {'rows':>9} {'batch':>7} {'sklearn':>8} {'onnx':>7} {'feed':>6} "
              f"{'speed-up':>8} {'w/ feed':>7} {'max |dp|':>9} {'labels':>7}  goal")
    print(header)
    print("-" * len(header))
    for key, r in rows_out:
        ratio = r["sklearn"] / r["onnx"]
        with_feed = r["sklearn"] / (r["onnx"] + r["feed"])
        goal = ""
        if key in GOAL_FAMILIES:
            goal = f">= {GOAL:.0f}x: {'met' if ratio >= GOAL else 'NOT met'}"
        print(f"{key:<23} {r['rows']:>9,} {r['batch']:>7,} {r['sklearn']:>8.2f} {r['onnx']:>7.2f} "
              f"{r['feed']:>6.2f} {ratio:>7.2f}x {with_feed:>6.2f}x {r['gap']:>9.2e} "
              f"{r['agree']:>7.2%}  {goal}")
    if regression is not None:
        r = regression
        print()
        print(f"Regression (target {REGRESSION_TARGET!r}, {r['fit_rows']:,} training rows), "
              f"histogram boosting, predict against 'variable':")
        print(f"{'hist_gradient_boosting':<23} {r['rows']:>9,} {r['batch']:>7,} "
              f"{r['sklearn']:>8.2f} "
              f"{r['onnx']:>7.2f} {r['feed']:>6.2f} {r['sklearn'] / r['onnx']:>7.2f}x "
              f"{r['sklearn'] / (r['onnx'] + r['feed']):>6.2f}x {r['gap']:>9.2e} (relative)")
    print()
    print("fit / convert (not part of the ratios):")
    for key, r in rows_out + ([("regression hgb", regression)] if regression else []):
        print(f"  {key:<23} fit {r['fit']:6.1f} s on {r['fit_rows']:,} rows, to_onnx_model "
              f"{r['convert']:6.1f} s, {r['size']:8.1f} MB")
    print(f"end: {time.strftime('%Y-%m-%d %H:%M:%S %Z')}, {load()}")


if __name__ == "__main__":
    main()
