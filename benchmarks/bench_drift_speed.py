"""Benchmark: drift check of a 1,000,000-row x 30-column CSV / reading it (goal <= 1.5).

Issue 5, Performance: "the check costs little more than reading the file". In one run:

1. generate (once, fixed seed, in blocks) a mixed CSV under ``--data-dir`` (default
   /tmp/gristmill_bench_drift): a unique customer id, 15 numbers (integers and decimals, 0-5 %
   missing in seven), 11 categories (3 to about 1,000 values; a coupon type 30 % missing, a
   referrer 10 % missing), a signup date (1 % missing), a true/false column and the yes/no
   target ``churned`` (about 25 % yes, depending on several columns): 30 columns; and the same
   rows without the target (29 columns), which the check reads without labels (no performance
   measured), the usual case of new data;
2. train a model on a 20,000-row file of the same kind (another seed) with the real command,
   ``engine.cli.main(["train", ..., "--models", FAMILY, "--max-trials", "1"])``, and export it
   with ``engine.cli.main(["export", ...])`` (the ONNX file holds the drift reference);
3. time, interleaved, best of ``--repeat`` (default 3), each in this process:
   - ``pyarrow.csv.read_csv(csv)`` (default options, all cores): the baseline, per file;
   - ``engine.monitor.check.check_drift(model_path, FileSource(csv))`` (model loading,
     streaming, conversion, scoring, counting, judging: everything a user waits for), per file;
   - ``engine.export.scoring.score_source(load_scoring_model(model_path), FileSource(csv),
     "scores.parquet")``: read + score with onnxruntime, a second reference;
4. one more drift check with timers around the engine functions it calls, each phase counted
   by its own time (nested timed calls subtracted): stream chunks (Arrow CSV reading + to
   pandas), ``ColumnConverter`` conversion, ``ScoringModel.run`` (onnxruntime), the numeric
   and categorical tallies, the row samples, the labelled rows, the rest of the check state's
   ``add``, judging the columns, the performance with its bootstrap interval, so the slow part
   is visible; ``--profile`` adds a cProfile listing (by own time) of one more check.

Prints the wall times (and cpu seconds of all threads, for information: steadier when other
work shares the cores), the ratios check / read (the goal) and check / (read + score), and the
breakdown. Generated files are deleted at the end unless ``--keep``.

Run: .venv/bin/python benchmarks/bench_drift_speed.py [--rows 1000000] [--repeat 3]
     .venv/bin/python benchmarks/bench_drift_speed.py --rows 100000 --family linear   # quick
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import os
import pstats
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pv

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

GOAL = 1.5
SEED_CHECK = 20261201
SEED_TRAIN = 20261202
TRAIN_ROWS = 20_000
BLOCK = 250_000
TARGET = "churned"
DATA_DIR = Path("/tmp/gristmill_bench_drift")
CATEGORIES = {
    "country": ["FR", "DE", "ES", "IT", "NL", "BE", "PT", "PL", "SE", "DK"],
    "plan": ["basic", "standard", "premium", "enterprise"],
    "channel": ["web", "store", "phone", "partner", "email"],
    "segment": [f"segment_{i:02d}" for i in range(40)],
    "region": [f"region_{i:03d}" for i in range(300)],
    "payment": ["card", "transfer", "direct debit", "cheque"],
    "status": ["active", "paused", "closed"],
    "device": ["phone", "tablet", "desktop", "tv"],
}
CITIES = np.array([f"City {i:04d}" for i in range(1000)], dtype=object)
COUPONS = np.array([f"coupon-{c}" for c in "ABCDEFGH"], dtype=object)
REFERRERS = np.array([f"ref-{i:02d}" for i in range(20)], dtype=object)


def load() -> str:
    return "load {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


# --- data -------------------------------------------------------------------------------------


def wide_block(rows: int, rng: np.random.Generator, start: int) -> pa.Table:
    """``rows`` rows of the 30-column table (ids from ``start``); see the module docstring."""

    def decimals(values: np.ndarray, missing: float) -> pa.Array:
        return pa.array(np.round(values, 2), mask=rng.random(rows) < missing)

    columns: dict[str, pa.Array] = {}
    columns["customer_id"] = pa.array(
        np.char.add("C", np.char.zfill(np.arange(start, start + rows).astype(str), 8))
    )
    age = rng.integers(18, 90, rows)
    tenure = rng.integers(0, 240, rows)
    orders = rng.poisson(12, rows)
    calls = rng.poisson(2, rows)
    spend = rng.lognormal(4, 0.6, rows)
    satisfaction = rng.integers(1, 6, rows).astype(np.float64)
    columns["age"] = pa.array(age)
    columns["tenure_months"] = pa.array(tenure)
    columns["orders"] = pa.array(orders)
    columns["visits"] = pa.array(rng.integers(0, 100_000, rows))
    columns["support_calls"] = pa.array(calls)
    columns["monthly_spend"] = decimals(spend, 0.02)
    columns["discount"] = decimals(rng.uniform(0, 30, rows), 0.05)
    columns["satisfaction"] = pa.array(satisfaction, mask=rng.random(rows) < 0.03)
    for number in range(7):
        values = rng.normal(1000 * (number + 1), 250 * (number + 1), rows)
        columns[f"amount_{number + 1}"] = decimals(values, 0.02 * (number % 3))
    picked = {}
    for name, choices in CATEGORIES.items():
        picked[name] = np.array(choices, dtype=object)[rng.integers(0, len(choices), rows)]
        columns[name] = pa.array(picked[name])
    columns["city"] = pa.array(CITIES[np.minimum(rng.zipf(1.3, rows), len(CITIES)) - 1])
    columns["coupon_type"] = pa.array(
        COUPONS[rng.integers(0, len(COUPONS), rows)], mask=rng.random(rows) < 0.3
    )
    columns["referrer"] = pa.array(
        REFERRERS[rng.integers(0, len(REFERRERS), rows)], mask=rng.random(rows) < 0.1
    )
    days = rng.integers(0, 3000, rows)
    columns["signup_date"] = pa.array(
        (np.datetime64("2017-01-01") + days.astype("timedelta64[D]")).astype(str),
        mask=rng.random(rows) < 0.01,
    )
    columns["is_member"] = pa.array(rng.random(rows) < 0.4)
    signal = (
        -0.02 * tenure
        + 0.35 * calls
        - 0.4 * satisfaction
        + 0.006 * spend
        + 0.03 * np.abs(age - 45)
        + 0.8 * (picked["plan"] == "basic")
        + 0.5 * (picked["channel"] == "partner")
        + 0.0002 * days
        + rng.normal(0, 1, rows)
    )
    columns[TARGET] = pa.array(np.where(signal > np.quantile(signal, 0.75), "yes", "no"))
    table = pa.table(columns)
    assert table.num_columns == 30, table.num_columns
    return table


def ensure_csv(
    path: Path, rows: int, seed: int,
    make_block: Callable[[int, np.random.Generator, int], pa.Table] = wide_block,
    drop: tuple[str, ...] = (),
) -> Path:
    """Write ``rows`` generated rows to ``path`` once, block by block (little memory).

    ``drop`` names columns left out of the file (the same rows otherwise).
    """
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    partial = path.with_suffix(".partial")
    writer = None
    started = time.perf_counter()
    for start in range(0, rows, BLOCK):
        table = make_block(min(BLOCK, rows - start), rng, start).drop_columns(list(drop))
        if writer is None:
            writer = pv.CSVWriter(str(partial), table.schema)
        writer.write_table(table)
    assert writer is not None
    writer.close()
    partial.replace(path)  # never leave a half-written file under the final name
    print(f"generated {path} ({rows:,} rows, {path.stat().st_size / 1e6:,.0f} MB) in "
          f"{time.perf_counter() - started:.1f} s", flush=True)
    return path


def train_and_export(train_csv: Path, folder: Path, family: str) -> Path:
    """Train one ``family`` model on ``train_csv`` with the CLI and export it; the .onnx path."""
    from engine.cli import EXIT_OK, main

    out = folder / "package"
    model = out / "bench.onnx"
    if model.exists():
        return model
    folder.mkdir(parents=True, exist_ok=True)
    project = folder / "bench.gristmill"
    started = time.perf_counter()
    said = io.StringIO()  # the commands' own summaries: shown only when they fail
    # A generous budget: one candidate on 20,000 rows takes seconds on a quiet machine, but
    # histogram boosting's threads spin when other work shares the cores (60 s ran out once).
    with contextlib.redirect_stdout(said):
        code = main([
            "train", str(train_csv), "--target", TARGET, "--project", str(project),
            "--models", family, "--max-trials", "1", "--time-budget", "300", "--seed", "0",
            "--quiet",
        ])
        if code == EXIT_OK:
            code = main(["export", "--project", str(project), "--out", str(out), "--name",
                         "bench", "--quiet"])
    if code != EXIT_OK:
        raise SystemExit(f"training or export failed (exit code {code}):\n{said.getvalue()}")
    print(f"trained and exported a {family} model on {train_csv.name} in "
          f"{time.perf_counter() - started:.1f} s: {model} ({model.stat().st_size / 1e3:.0f} kB)",
          flush=True)
    return model


# --- timing -------------------------------------------------------------------------------------


def time_read(csv: Path) -> float:
    started = time.perf_counter()
    table = pv.read_csv(csv)
    seconds = time.perf_counter() - started
    del table
    return seconds


def time_check(model: Path, csv: Path) -> tuple[float, Any]:
    from engine.monitor.check import check_drift
    from engine.sources.base import FileSource

    started = time.perf_counter()
    report = check_drift(str(model), FileSource(str(csv)))
    return time.perf_counter() - started, report


def time_score(model: Path, csv: Path, out: Path) -> float:
    from engine.export.scoring import score_source
    from engine.export.scoring_model import load_scoring_model
    from engine.sources.base import FileSource

    out.unlink(missing_ok=True)
    started = time.perf_counter()
    score_source(load_scoring_model(model), FileSource(str(csv)), out)
    seconds = time.perf_counter() - started
    out.unlink(missing_ok=True)
    return seconds


class PhaseTimers:
    """Wraps functions of the engine with timers, for one instrumented check.

    Each phase gets its *self* time: time spent in a wrapped call minus the time of the wrapped
    calls inside it, so phases never overlap however the engine nests them (the check's code
    changes; a name it no longer has is skipped).
    """

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._inner: list[float] = []  # per open wrapped call: time of wrapped calls inside
        self._undo: list[tuple[Any, str, Any]] = []

    def _timed(self, phase: str, call: Callable[[], Any]) -> Any:
        self._inner.append(0.0)
        started = time.perf_counter()
        try:
            return call()
        finally:
            elapsed = time.perf_counter() - started
            inner = self._inner.pop()
            self.seconds[phase] = self.seconds.get(phase, 0.0) + elapsed - inner
            if self._inner:
                self._inner[-1] += elapsed

    def wrap(self, owner: Any, name: str, phase: str) -> None:
        original = getattr(owner, name, None)
        if original is None:
            return
        self.seconds.setdefault(phase, 0.0)

        def timed(*args: Any, **kwargs: Any) -> Any:
            return self._timed(phase, lambda: original(*args, **kwargs))

        self._undo.append((owner, name, original))
        setattr(owner, name, timed)

    def wrap_iterator(self, owner: Any, name: str, phase: str) -> None:
        """Times each ``next`` of the iterator ``owner.name`` returns (not the consumer)."""
        original = getattr(owner, name)
        self.seconds.setdefault(phase, 0.0)
        done = object()

        def timed(*args: Any, **kwargs: Any) -> Iterator[Any]:
            iterator = iter(original(*args, **kwargs))
            while (item := self._timed(phase, lambda: next(iterator, done))) is not done:
                yield item

        self._undo.append((owner, name, original))
        setattr(owner, name, timed)

    def undo(self) -> None:
        for owner, name, original in reversed(self._undo):
            setattr(owner, name, original)
        self._undo.clear()


def breakdown(model: Path, csv: Path) -> tuple[float, dict[str, float], Any]:
    """One drift check with timers around its phases: (seconds, self seconds by phase, report)."""
    from engine.export import scoring_model
    from engine.export.score_input import ColumnConverter
    from engine.monitor import check, tally
    from engine.sources.stream import TableStream

    timers = PhaseTimers()
    timers.wrap(check, "load_scoring_model", "load the model")
    timers.wrap_iterator(TableStream, "__iter__", "read chunks (Arrow CSV + to pandas)")
    for name in ("convert", "shaped"):
        timers.wrap(ColumnConverter, name, "convert (ColumnConverter)")
    timers.wrap(check, "model_text", "convert (ColumnConverter)")
    timers.wrap(scoring_model.ScoringModel, "run", "score (onnxruntime)")
    timers.wrap(tally.NumericTally, "add", "count: numeric, date and score tallies")
    for name in ("add", "add_arrow"):
        timers.wrap(tally.CategoricalTally, name, "count: categorical tallies")
    timers.wrap(tally.RowSample, "add", "count: row samples")
    timers.wrap(check._CheckState, "_add_labelled", "count: labelled rows (performance)")
    timers.wrap(check._CheckState, "add", "count: rest of the state's add")
    timers.wrap(check, "judge_columns", "judge the columns")
    timers.wrap(check, "check_performance", "performance + bootstrap interval")
    timers.wrap(check._CheckState, "report", "report (rest)")
    try:
        total, report = time_check(model, csv)
    finally:
        timers.undo()
    return total, timers.seconds, report


def profile(model: Path, csv: Path, lines: int) -> str:
    profiler = cProfile.Profile()
    profiler.enable()
    time_check(model, csv)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).strip_dirs().sort_stats("tottime")
    stats.print_stats(lines)
    return out.getvalue()


def print_breakdown(title: str, total: float, phases: dict[str, float], report: Any) -> None:
    print(f"{title} (one instrumented check, {total:.2f} s):")
    for phase, seconds in phases.items():
        print(f"  {phase:<40} {seconds:6.2f} s  {seconds / total:6.1%}")
    other = total - sum(phases.values())
    print(f"  {'other (loop, progress, fingerprint)':<40} {other:6.2f} s  {other / total:6.1%}")
    for note in report.notes:
        if "sample" in note:
            print(f"  note: {note}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--family", default="linear",
                        help="model family to train (default linear; e.g. hist_gradient_boosting)")
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR)
    parser.add_argument("--keep", action="store_true", help="keep the generated files")
    parser.add_argument("--profile", action="store_true", help="also print a cProfile listing")
    parser.add_argument("--profile-lines", type=int, default=30)
    args = parser.parse_args()

    print(f"start: {time.strftime('%Y-%m-%d %H:%M:%S %Z')}, {os.cpu_count()} cores, {load()}")
    folder = args.data_dir / args.family
    csv = ensure_csv(args.data_dir / f"drift_{args.rows}_x_30.csv", args.rows, SEED_CHECK)
    bare = ensure_csv(args.data_dir / f"drift_{args.rows}_no_target.csv", args.rows,
                      SEED_CHECK, drop=(TARGET,))
    train = ensure_csv(args.data_dir / f"drift_train_{TRAIN_ROWS}.csv", TRAIN_ROWS, SEED_TRAIN)
    model = train_and_export(train, folder, args.family)
    scores = args.data_dir / "scores.parquet"
    names = ("read", "check", "read_bare", "check_bare", "score")
    times: dict[str, list[float]] = {name: [] for name in names}
    cpu: dict[str, list[float]] = {name: [] for name in names}
    try:
        from engine.export.scoring_model import load_scoring_model

        loaded = load_scoring_model(model)
        kinds = {k: sum(i.kind == k for i in loaded.inputs) for k in ("numeric", "categorical",
                                                                      "date")}
        print(f"model: {len(loaded.inputs)} inputs {kinds}, task {loaded.task}")
        del loaded
        for path in (csv, bare):  # warm-up: imports, page cache
            _, report = time_check(model, path)
            print(f"warm-up check of {path.name}: {report.rows:,} rows, level "
                  f"{report.level!r}, performance "
                  f"{'measured' if report.performance else 'not measured'}")
        calls: dict[str, Callable[[], float]] = {
            "read": lambda: time_read(csv),
            "check": lambda: time_check(model, csv)[0],
            "read_bare": lambda: time_read(bare),
            "check_bare": lambda: time_check(model, bare)[0],
            "score": lambda: time_score(model, csv, scores),
        }
        for round_ in range(args.repeat):
            for name, call in calls.items():
                cpu_started = time.process_time()  # every thread of this process
                times[name].append(call())
                cpu[name].append(time.process_time() - cpu_started)
            print(f"  round {round_ + 1}: " + ", ".join(
                f"{name} {times[name][-1]:.2f} s" for name in names) + f"; {load()}", flush=True)
        split = {path: breakdown(model, path) for path in (csv, bare)}
        listing = profile(model, csv, args.profile_lines) if args.profile else ""
    finally:
        scores.unlink(missing_ok=True)
        if not args.keep:
            for path in (csv, bare, train):
                path.unlink(missing_ok=True)
            shutil.rmtree(folder, ignore_errors=True)

    best = {name: min(values) for name, values in times.items()}
    least = {name: min(values) for name, values in cpu.items()}
    ratio = best["check"] / best["read"]
    ratio_bare = best["check_bare"] / best["read_bare"]
    print()
    print(f"{args.rows:,} rows ({args.family} model), best of {args.repeat}; the file with "
          f"the target (30 columns) is checked with labels (performance + bootstrap), the "
          f"file without it (29 columns) without:")
    rows = [
        ("pyarrow.csv.read_csv, with target", "read", "baseline"),
        ("check_drift, with target", "check", f"{ratio:.2f} x read"),
        ("pyarrow.csv.read_csv, no target", "read_bare", "baseline"),
        ("check_drift, no target", "check_bare", f"{ratio_bare:.2f} x read"),
        ("score_source to Parquet, with target", "score", "read + score"),
    ]
    for label, name, note in rows:
        print(f"  {label:<38} {best[name]:7.2f} s   ({note}); cpu {least[name]:6.2f} s")
    for label, value in (("with target", ratio), ("no target", ratio_bare)):
        verdict = "met" if value <= GOAL else "NOT met"
        print(f"check / read, {label + ':':<13} {value:6.2f}  (goal <= {GOAL}: {verdict})")
    print(f"cpu seconds, check / read (steadier when other work shares the cores): with "
          f"target {least['check'] / least['read']:.2f}, no target "
          f"{least['check_bare'] / least['read_bare']:.2f}")
    print(f"check / read + score, with target: {best['check'] / best['score']:.2f}; "
          f"no target: {best['check_bare'] / best['score']:.2f}")
    for path, title in ((csv, "With target"), (bare, "No target")):
        print()
        print_breakdown(f"{title}: where the check spends its time", *split[path])
    if listing:
        print()
        print(listing)
    print(f"end: {time.strftime('%Y-%m-%d %H:%M:%S %Z')}, {load()}")


if __name__ == "__main__":
    main()
