"""Benchmark: peak memory of the drift check, 10,000,000 rows / 1,000,000 rows (goal <= 1.2).

Issue 5, Performance: the check streams the file and keeps only counts and fixed-size samples,
so its memory must not grow with the file. This script

1. generates two CSV files under ``--data-dir`` (default /tmp/gristmill_bench_drift_memory),
   ``--rows`` (default 1,000,000 and 10,000,000 rows), 10 columns: a unique customer id, 5
   numbers (two with missing values), a plan (4 values), a city (about 1,000 values), a signup
   date (1 % missing) and the yes/no target ``churned``; fixed seed, written in blocks of
   250,000 rows, so generating them needs little memory either (the 10M file is about 0.8 GB);
2. trains a model on a 20,000-row file of the same kind with the real command
   (``engine.cli.main(["train", ..., "--models", FAMILY, "--max-trials", "1"])``) and exports
   it (``engine.cli.main(["export", ...])``);
3. runs ``check_drift(model_path, FileSource(csv))`` on each file in a fresh subprocess, which
   prints its peak resident memory (``VmHWM`` from /proc/self/status: the high-water mark of
   the whole process, Python and the libraries included), its resident memory after the
   imports and the model load, and the time. The target column is in the files, so the check
   also measures the performance on labelled rows (its sample is fixed-size too).

Prints both peaks and the ratio. Generated files are deleted at the end unless ``--keep``.

Run: .venv/bin/python benchmarks/bench_drift_memory.py [--rows 1000000 10000000]
     .venv/bin/python benchmarks/bench_drift_memory.py --rows 100000 1000000   # quick
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_drift_speed import (  # noqa: E402  (the benchmarks folder is not a package)
    TARGET,
    TRAIN_ROWS,
    ensure_csv,
    load,
    train_and_export,
)

GOAL = 1.2
SEED_CHECK = 20261203
SEED_TRAIN = 20261204
DATA_DIR = Path("/tmp/gristmill_bench_drift_memory")
PLANS = np.array(["basic", "standard", "premium", "enterprise"], dtype=object)
CITIES = np.array([f"City {i:04d}" for i in range(1000)], dtype=object)

CHILD = r"""
import json, sys, time
from engine.export.scoring_model import load_scoring_model
from engine.monitor.check import check_drift
from engine.sources.base import FileSource
model_path, data_path, chunk_rows = sys.argv[1:4]
def vm(field):
    for line in open("/proc/self/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1]) // 1024
started = time.perf_counter()
model = load_scoring_model(model_path)
after_load = vm("VmRSS")
report = check_drift(model, FileSource(data_path), chunk_rows=int(chunk_rows))
print(json.dumps({
    "rows": report.rows, "seconds": time.perf_counter() - started, "peak_mib": vm("VmHWM"),
    "after_load_mib": after_load, "level": report.level,
    "performance": report.performance is not None,
}))
"""


def narrow_block(rows: int, rng: np.random.Generator, start: int) -> pa.Table:
    """``rows`` rows of the 10-column table (ids from ``start``)."""
    ids = np.char.add("C", np.char.zfill(np.arange(start, start + rows).astype(str), 8))
    age = rng.integers(18, 90, rows)
    tenure = rng.integers(0, 240, rows)
    spend = rng.lognormal(4, 0.6, rows)
    calls = rng.poisson(2, rows)
    plan = PLANS[rng.integers(0, len(PLANS), rows)]
    days = rng.integers(0, 3000, rows)
    signal = (
        -0.02 * tenure + 0.35 * calls + 0.006 * spend + 0.03 * np.abs(age - 45)
        + 0.8 * (plan == "basic") + 0.0002 * days + rng.normal(0, 1, rows)
    )
    table = pa.table({
        "customer_id": pa.array(ids),
        "age": pa.array(age),
        "tenure_months": pa.array(tenure),
        "monthly_spend": pa.array(np.round(spend, 2), mask=rng.random(rows) < 0.02),
        "support_calls": pa.array(calls),
        "discount": pa.array(np.round(rng.uniform(0, 30, rows), 1), mask=rng.random(rows) < 0.05),
        "plan": pa.array(plan),
        "city": pa.array(CITIES[np.minimum(rng.zipf(1.3, rows), len(CITIES)) - 1]),
        "signup_date": pa.array(
            (np.datetime64("2017-01-01") + days.astype("timedelta64[D]")).astype(str),
            mask=rng.random(rows) < 0.01,
        ),
        TARGET: pa.array(np.where(signal > np.quantile(signal, 0.75), "yes", "no")),
    })
    assert table.num_columns == 10, table.num_columns
    return table


def check_in_child(model: Path, data: Path, chunk_rows: int) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", CHILD, str(model), str(data), str(chunk_rows)],
        capture_output=True, text=True, cwd=ROOT, check=False,
    )
    if result.returncode != 0:
        raise SystemExit(f"checking {data.name} failed:\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs=2, default=[1_000_000, 10_000_000])
    parser.add_argument("--chunk-rows", type=int, default=100_000)
    parser.add_argument("--family", default="linear",
                        help="model family to train (default linear; e.g. hist_gradient_boosting)")
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR)
    parser.add_argument("--keep", action="store_true", help="keep the generated files")
    args = parser.parse_args()

    print(f"start: {time.strftime('%Y-%m-%d %H:%M:%S %Z')}, {os.cpu_count()} cores, {load()}")
    folder = args.data_dir / args.family
    paths = [args.data_dir / f"drift_{rows}_x_10.csv" for rows in args.rows]
    train = args.data_dir / f"drift_train_{TRAIN_ROWS}_x_10.csv"
    results = {}
    try:
        for path, rows in zip(paths, args.rows, strict=True):
            ensure_csv(path, rows, SEED_CHECK, narrow_block)
        ensure_csv(train, TRAIN_ROWS, SEED_TRAIN, narrow_block)
        model = train_and_export(train, folder, args.family)
        for path in paths:
            results[path] = r = check_in_child(model, path, args.chunk_rows)
            print(f"{path.name} ({path.stat().st_size / 1e6:,.0f} MB): {r['rows']:,} rows in "
                  f"{r['seconds']:.1f} s ({r['rows'] / r['seconds']:,.0f} rows/s), peak RSS "
                  f"{r['peak_mib']:,} MiB (after imports and the model load: "
                  f"{r['after_load_mib']:,} MiB); level {r['level']!r}, performance "
                  f"{'measured' if r['performance'] else 'not measured'}; {load()}", flush=True)
    finally:
        if not args.keep:
            for path in (*paths, train):
                path.unlink(missing_ok=True)
            shutil.rmtree(folder, ignore_errors=True)

    small, large = (results[path] for path in paths)
    ratio = large["peak_mib"] / small["peak_mib"]
    verdict = "met" if ratio <= GOAL else "NOT met"
    print(f"peak memory {args.rows[1]:,} rows / {args.rows[0]:,} rows: {large['peak_mib']:,} / "
          f"{small['peak_mib']:,} MiB = {ratio:.2f} (goal <= {GOAL}: {verdict})")
    print(f"end: {time.strftime('%Y-%m-%d %H:%M:%S %Z')}, {load()}")


if __name__ == "__main__":
    main()
