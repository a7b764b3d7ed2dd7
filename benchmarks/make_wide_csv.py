"""Generate the wide CSV the load benchmark reads (1,000,000 rows x 30 columns, about 220 MB).

Mixed types, as an export from a CRM or a data warehouse would hold: integers, floats with
missing values, categories of several sizes, a high-cardinality customer id, free-text-ish
codes, an ISO date column and a true/false column. A fixed seed makes the file identical on
every machine, so ratios measured on different days compare.

Usage: ``python benchmarks/make_wide_csv.py [--rows N] [--out PATH]``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pv

DATA_DIR = Path(__file__).resolve().parent / "data"
DEFAULT_PATH = DATA_DIR / "wide_1m_x_30.csv"
SEED = 20261102


def make_table(rows: int, seed: int = SEED) -> pa.Table:
    """The benchmark table: 8 int, 10 float, 10 text, 1 date and 1 boolean column."""
    rng = np.random.default_rng(seed)
    columns: dict[str, pa.Array] = {}
    columns["customer_id"] = pa.array(
        np.char.add("C", np.char.zfill(rng.permutation(rows).astype(str), 7))
    )
    columns["age"] = pa.array(rng.integers(18, 90, rows))
    columns["tenure_months"] = pa.array(rng.integers(0, 240, rows))
    columns["orders"] = pa.array(rng.poisson(12, rows))
    columns["visits"] = pa.array(rng.integers(0, 100_000, rows))
    columns["zip"] = pa.array(rng.integers(10_000, 99_999, rows))
    columns["support_calls"] = pa.array(rng.poisson(2, rows))
    columns["score"] = pa.array(rng.integers(-500, 500, rows))
    columns["year_joined"] = pa.array(rng.integers(1990, 2026, rows))
    for number in range(10):
        values = np.round(rng.normal(1000 * (number + 1), 250 * (number + 1), rows), 2)
        mask = rng.random(rows) < 0.02 * (number % 3)  # 0%, 2% or 4% missing
        columns[f"amount_{number + 1}"] = pa.array(values, mask=mask)
    categories = {
        "country": ["FR", "DE", "ES", "IT", "NL", "BE", "PT", "PL", "SE", "DK"],
        "plan": ["basic", "standard", "premium", "enterprise"],
        "channel": ["web", "store", "phone", "partner", "email"],
        "segment": [f"segment_{i:02d}" for i in range(40)],
        "region": [f"region_{i:03d}" for i in range(300)],
        "payment": ["card", "transfer", "direct debit", "cheque"],
        "status": ["active", "paused", "closed"],
    }
    for name, choices in categories.items():
        columns[name] = pa.array(np.array(choices)[rng.integers(0, len(choices), rows)])
    columns["city"] = pa.array(
        np.char.add("City ", rng.integers(0, 20_000, rows).astype(str))
    )
    columns["coupon"] = pa.array(
        np.char.add("K-", rng.integers(0, 10**6, rows).astype(str)),
        mask=rng.random(rows) < 0.3,
    )
    start = np.datetime64("2015-01-01")
    columns["signup_date"] = pa.array(
        (start + rng.integers(0, 4000, rows).astype("timedelta64[D]")).astype(str)
    )
    columns["is_member"] = pa.array(rng.random(rows) < 0.4)
    table = pa.table(columns)
    assert table.num_columns == 30, table.num_columns
    return table


def write_csv(path: Path, rows: int) -> None:
    """Write the table as a plain comma-separated UTF-8 file with a header."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    options = pv.WriteOptions(quoting_style="needed")
    pv.write_csv(make_table(rows), partial, write_options=options)
    partial.replace(path)  # never leave a half-written file under the final name


def ensure_csv(path: Path = DEFAULT_PATH, rows: int = 1_000_000) -> Path:
    """Create the benchmark file if it is absent; return its path."""
    if not path.exists():
        started = time.perf_counter()
        write_csv(path, rows)
        elapsed = time.perf_counter() - started
        print(f"generated {path} ({path.stat().st_size / 1e6:.0f} MB) in {elapsed:.1f} s")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--out", type=Path, default=DEFAULT_PATH)
    args = parser.parse_args()
    ensure_csv(args.out, args.rows)


if __name__ == "__main__":
    main()
