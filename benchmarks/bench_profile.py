"""Benchmark: schema inference + profiling of a 1,000,000-row x 30-column table.

Goal (issue 2): under 10 seconds on 2 cores. The baseline, measured in the same run on the
same frame, is ``frame.describe(include="all")``, which computes far less (no histograms,
no warnings, no duplicate checks) but gives a sense of scale on this machine.

The table is generated in memory with a fixed seed (mixed ints, floats, categories, dates,
booleans, codes, free text, e-mails, a constant and a mostly-empty column). With ``--csv``
(or when benchmarks/data/wide_1m*.csv exists and ``--generate`` is not given) the CSV made by
benchmarks/make_wide_csv.py is loaded through Gristmill's loader instead (not timed).

Run: .venv/bin/python benchmarks/bench_profile.py [--rows N] [--csv PATH | --generate]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from engine.profile.infer import infer_schema
from engine.profile.stats import profile_table

DATA = Path(__file__).resolve().parent / "data"
_WORDS_TEXT = "the service was slow fast good bad price delivery late early support friendly " \
    "rude product quality great poor refund order"
WORDS = np.array(_WORDS_TEXT.split())


def _join(*parts: object) -> pd.Series:
    arrays = [pa.array(np.asarray(part).astype(str)) for part in parts]
    return pd.Series(pd.array(pc.binary_join_element_wise(*arrays, ""), dtype="str"))


def generate(rows: int, seed: int = 7) -> pd.DataFrame:
    """A mixed business-like table of ``rows`` rows and 30 columns (fixed seed)."""
    rng = np.random.default_rng(seed)
    ids = np.arange(1, rows + 1)

    def with_missing(values: np.ndarray, share: float) -> np.ndarray:
        values = values.astype("float64")
        values[rng.random(rows) < share] = np.nan
        return values

    def choice(options: list[str], share: float = 0.0) -> pd.Series:
        series = pd.Series(rng.choice(options, rows), dtype="str")
        return series.mask(rng.random(rows) < share) if share else series

    words = [WORDS[rng.integers(0, len(WORDS), rows)] for _ in range(6)]
    text = _join(*[part for word in words for part in (word, np.full(rows, " "))])
    frame = pd.DataFrame({
        "customer_id": ids,
        "account_code": _join(np.full(rows, "AC-"), np.char.zfill(ids.astype(str), 8)),
        "age": with_missing(rng.integers(18, 90, rows), 0.03),
        "tenure_months": rng.integers(1, 120, rows),
        "support_calls": rng.poisson(1.5, rows),
        "num_products": rng.integers(1, 5, rows),
        "satisfaction": rng.integers(1, 6, rows),
        "monthly_charges": with_missing(rng.normal(60, 20, rows).round(2), 0.02),
        "income": with_missing(rng.lognormal(8.3, 0.6, rows).round(0) * 10, 0.05),
        "balance": rng.normal(1000, 5000, rows),
        "score": rng.random(rows),
        "discount": rng.exponential(3, rows),
        "latitude": rng.uniform(35, 60, rows),
        "longitude": rng.uniform(-10, 30, rows),
        "spend_last_year": rng.pareto(2.5, rows) * 1000,
        "region": choice(["North", "South", "East", "West", "Central"]),
        "plan": choice(["Basic", "Standard", "Premium"], 0.01),
        "payment_method": choice(["card", "bank transfer", "check", "cash"]),
        "city": choice([f"City {i}" for i in range(800)]),
        "channel": choice(["web", "shop", "phone", "partner", "other"], 0.1),
        "signup_date": pd.Series(
            np.datetime64("2015-01-01") + rng.integers(0, 3650, rows).astype("timedelta64[D]")
        ).astype("datetime64[s]"),
        "last_order": pd.Series(
            np.datetime64("2024-01-01T00:00:00") + rng.integers(0, 31_536_000, rows)
            .astype("timedelta64[s]")
        ),
        "is_active": rng.random(rows) < 0.7,
        "has_partner": pd.array(np.where(rng.random(rows) < 0.05, None,
                                         rng.random(rows) < 0.5), dtype="boolean"),
        "paperless": choice(["yes", "no"]),
        "comment": text,
        "email": _join(np.full(rows, "user"), ids, np.full(rows, "@example.com")),
        "country": "FR",
        "legacy_code": choice(["X1", "X2"], 0.9),
        "churned": rng.random(rows) < 0.2,
    })
    return frame


def load_csv(path: Path) -> pd.DataFrame:
    from engine import api

    return api.load_table(api.source_for(str(path))).frame


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--csv", type=Path, help="profile this CSV (loaded, not timed)")
    parser.add_argument("--generate", action="store_true", help="ignore benchmarks/data")
    args = parser.parse_args()

    csv = args.csv
    if csv is None and not args.generate:
        csv = next(iter(sorted(DATA.glob("wide_1m*.csv"))), None)
    started = time.perf_counter()
    if csv is not None:
        try:
            frame = load_csv(csv)
            origin = f"loaded from {csv} with Gristmill's loader"
        except Exception as error:  # the loader may be unfinished; fall back, say so
            print(f"could not load {csv} ({type(error).__name__}: {error}); generating")
            csv = None
    if csv is None:
        frame = generate(args.rows)
        origin = "generated in memory (seed 7)"
    print(f"table: {len(frame):,} rows x {frame.shape[1]} columns, {origin}, "
          f"{frame.memory_usage(deep=True).sum() / 1e6:,.0f} MB, "
          f"prepared in {time.perf_counter() - started:.1f} s")

    started = time.perf_counter()
    schema = infer_schema(frame)
    inferred = time.perf_counter() - started
    started = time.perf_counter()
    profile = profile_table(frame, schema)
    profiled = time.perf_counter() - started
    ours = inferred + profiled

    started = time.perf_counter()
    frame.describe(include="all")
    baseline = time.perf_counter() - started

    kinds: dict[str, int] = {}
    for column in schema.columns:
        kinds[column.kind.value] = kinds.get(column.kind.value, 0) + 1
    print(f"kinds: {kinds}; warnings: {len(profile.all_warnings)}")
    print(f"infer_schema:                 {inferred:6.2f} s")
    print(f"profile_table:                {profiled:6.2f} s")
    print(f"gristmill total:              {ours:6.2f} s  (goal: under 10 s)")
    print(f"baseline describe(include='all'): {baseline:6.2f} s")
    print(f"ratio gristmill / describe:   {ours / baseline:6.2f}")
    print("goal met" if ours < 10 else "GOAL MISSED")


if __name__ == "__main__":
    main()
