"""Generate the 1,000,000-row table of the model benchmarks (Parquet, fixed seed).

A realistic mixed business table: numbers (some skewed, some with missing values), small
categories, a ``city`` column with about 1,000 values (a long tail, 2 % missing), a
``signup_date`` and a yes/no target ``converted`` (about a quarter "yes") that depends
non-linearly on several columns: a bump in age, a saturating effect of spend, a tenure effect
that differs by plan, a per-city effect, a seasonal effect of the signup month, an
interaction of support calls with satisfaction, and noise. Some columns carry no signal.

Run: .venv/bin/python benchmarks/make_big_table.py [--rows N] [--seed S] [--force]
Writes benchmarks/data/big_<rows>.parquet (git-ignored); the benchmarks call
:func:`big_table_path`, which generates the file on first use.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd

DATA = Path(__file__).resolve().parent / "data"
ROWS = 1_000_000
SEED = 20261128
TARGET = "converted"


def generate(rows: int = ROWS, seed: int = SEED) -> pd.DataFrame:
    """The table as a DataFrame (same ``rows`` and ``seed`` give the same table)."""
    rng = np.random.default_rng(seed)

    def with_missing(values: np.ndarray, share: float) -> np.ndarray:
        values = values.astype("float64")
        values[rng.random(rows) < share] = np.nan
        return values

    def text(options: np.ndarray, codes: np.ndarray, share: float = 0.0) -> pd.Series:
        series = pd.Series(options[codes], dtype="str")
        return series.mask(rng.random(rows) < share) if share else series

    age = rng.integers(18, 90, rows)
    tenure = rng.integers(1, 120, rows)
    spend = rng.lognormal(4.0, 0.7, rows).round(2)
    orders = rng.poisson(3.0, rows)
    calls = rng.poisson(1.2, rows)
    satisfaction = rng.integers(1, 6, rows)
    discount = rng.exponential(0.08, rows).clip(0, 0.6).round(3)
    noise_number = rng.normal(0, 1, rows)  # no signal

    regions = np.array(["North", "South", "East", "West", "Central"])
    plans = np.array(["Basic", "Standard", "Premium", "Enterprise"])
    payments = np.array(["card", "bank transfer", "invoice", "wallet"])
    channels = np.array(["web", "shop", "phone", "partner", "email", "event"])
    devices = np.array(["desktop", "mobile", "tablet"])
    region = rng.integers(0, len(regions), rows)
    plan = rng.choice(len(plans), rows, p=[0.45, 0.3, 0.2, 0.05])
    payment = rng.integers(0, len(payments), rows)
    channel = rng.choice(len(channels), rows, p=[0.4, 0.2, 0.15, 0.1, 0.1, 0.05])
    device = rng.integers(0, len(devices), rows)

    # ~1,000 cities with a long tail (Zipf-like weights) and an effect of their own.
    n_cities = 1000
    weights = 1.0 / np.arange(1, n_cities + 1) ** 0.9
    city = rng.choice(n_cities, rows, p=weights / weights.sum())
    city_names = np.array([f"City {i:04d}" for i in range(n_cities)])
    city_effect = rng.normal(0, 0.6, n_cities)

    start = np.datetime64("2015-01-01")
    days = rng.integers(0, 3650, rows)
    signup = start + days.astype("timedelta64[D]")
    month = pd.DatetimeIndex(signup).month.to_numpy()

    logit = (
        -1.6
        - ((age - 45) / 15.0) ** 2 * 0.5  # middle-aged customers convert more
        + 1.2 * np.tanh((spend - 60) / 40)  # spend matters, then saturates
        + np.where(plan >= 2, 0.012, -0.01) * (tenure - 60)  # tenure helps premium plans only
        + city_effect[city]
        + 0.5 * np.sin(2 * np.pi * month / 12)  # seasonal signups
        + np.where(satisfaction <= 2, 0.35 * calls, -0.1 * calls)  # calls from unhappy people
        + 0.15 * np.minimum(orders, 6)
        + 2.5 * discount
        + np.where(channels[channel] == "partner", 0.4, 0.0)
        + 0.3 * (payments[payment] == "invoice")
        + rng.normal(0, 0.5, rows)
    )
    target = rng.random(rows) < 1.0 / (1.0 + np.exp(-logit))

    frame = pd.DataFrame({
        "age": with_missing(age, 0.02),
        "tenure_months": tenure,
        "monthly_spend": with_missing(spend, 0.03),
        "orders_last_year": orders,
        "support_calls": calls,
        "satisfaction": with_missing(satisfaction, 0.05),
        "discount_rate": discount,
        "score_unrelated": noise_number.round(4),
        "region": text(regions, region),
        "plan": text(plans, plan, 0.01),
        "payment_method": text(payments, payment),
        "channel": text(channels, channel, 0.08),
        "device": text(devices, device),
        "city": text(city_names, city, 0.02),
        "signup_date": pd.Series(signup).astype("datetime64[s]"),
        TARGET: pd.Series(np.where(target, "yes", "no"), dtype="str"),
    })
    frame.loc[rng.random(rows) < 0.01, "signup_date"] = pd.NaT
    return frame


def big_table_path(rows: int = ROWS, seed: int = SEED, *, force: bool = False) -> Path:
    """The Parquet file of the table, generated (about 10 s) if it is not there yet."""
    path = DATA / f"big_{rows}.parquet"
    if path.exists() and not force:
        return path
    DATA.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    frame = generate(rows, seed)
    temporary = path.with_suffix(".tmp")
    frame.to_parquet(temporary, index=False)
    temporary.replace(path)
    print(f"wrote {path} ({rows:,} rows, {path.stat().st_size / 1e6:.0f} MB, "
          f"{time.perf_counter() - started:.1f} s)")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=ROWS)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--force", action="store_true", help="regenerate even if it exists")
    args = parser.parse_args()
    path = big_table_path(args.rows, args.seed, force=args.force)
    frame = pd.read_parquet(path)
    share = (frame[TARGET] == "yes").mean()
    print(f"{path}: {len(frame):,} rows x {frame.shape[1]} columns; {TARGET} = yes in "
          f"{share:.1%}; {frame['city'].nunique():,} cities")


if __name__ == "__main__":
    main()
