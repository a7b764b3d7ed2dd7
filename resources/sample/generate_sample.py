"""Generate Gristmill's sample data: a synthetic customer-churn table and two "next quarter" files.

Run from the repository root::

    python resources/sample/generate_sample.py            # writes into resources/sample/
    python resources/sample/generate_sample.py --out DIR  # writes into DIR

The output is a pure function of :data:`SEED` and this script: running it twice gives
byte-identical files (numpy's ``default_rng`` with a fixed seed, every value formatted by hand,
rows written in a fixed order). README.md beside this script documents every column, the model
that decides who churns, and the exact shifts of ``churn_next_quarter_shifted.csv``.

Only numpy and the standard library are used, so the files do not depend on pandas' CSV writer.
"""

from __future__ import annotations

import argparse
import csv
import math
import os
import sqlite3
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

SEED = 20250331
SNAPSHOT_DATE = np.datetime64("2025-03-31")  # the day the table was "exported"

MAIN_ROWS = 5_000
NEXT_ROWS = 2_000

# Id ranges never overlap, so the three files hold different customers.
MAIN_FIRST_ID = 1
NEXT_FIRST_ID = 10_001
SHIFTED_FIRST_ID = 20_001

COLUMNS = [
    "customer_id",
    "signup_date",
    "region",
    "plan",
    "contract",
    "monthly_charges",
    "tenure_months",
    "support_calls",
    "payment_method",
    "paperless_billing",
    "has_partner",
    "age",
    "monthly income",
    "last_login_days",
    "satisfaction_score",
    "churned",
]

REGIONS = ["North", "South", "East", "West", "Central"]
REGION_SHARES = [0.30, 0.22, 0.20, 0.18, 0.10]
PLANS = ["Basic", "Standard", "Premium"]
PLAN_SHARES = [0.45, 0.35, 0.20]
PLAN_BASE_CHARGE = {"Basic": 30.0, "Standard": 60.0, "Premium": 95.0}
CONTRACTS = ["month-to-month", "one year", "two year"]
CONTRACT_SHARES = [0.55, 0.25, 0.20]
CONTRACT_MEAN_DAYS = {"month-to-month": 420.0, "one year": 900.0, "two year": 1400.0}
PAYMENTS = ["electronic check", "mailed check", "bank transfer", "credit card"]
PAYMENT_SHARES = [0.33, 0.20, 0.24, 0.23]

# The churn model (log-odds); README.md repeats it.
INTERCEPT = -2.40
EFFECTS = {
    "month-to-month": 1.10,
    "two year": -0.90,
    "tenure_months": -0.030,
    "monthly_charges": 0.012,  # per currency unit above 60
    "support_calls": 0.30,
    "electronic check": 0.35,
    "paperless_billing": 0.20,
    "has_partner": -0.25,
    "age": -0.010,  # per year above 45
    "monthly income": -0.25,  # per unit of log(income / 4000)
    "last_login_days": 0.025,
    "satisfaction_score": -0.35,  # per point above 3
    "South": 0.10,
    "Central": -0.10,
}


@dataclass(frozen=True)
class Shift:
    """How one file departs from the base distribution (all defaults: no departure)."""

    charges_factor: float = 1.0
    region_shares: list[float] = field(default_factory=lambda: list(REGION_SHARES))
    extra_support_calls: float = 0.0
    age_missing: float = 0.03


SHIFTED = Shift(
    charges_factor=1.15,
    # North from 30% to 15%; the other regions share the 15 points in proportion.
    region_shares=[0.15] + [share * 0.85 / 0.70 for share in REGION_SHARES[1:]],
    extra_support_calls=1.0,
    age_missing=0.20,
)

MISSING = {"monthly_charges": 0.02, "monthly income": 0.04, "satisfaction_score": 0.05}


def generate_rows(
    rng: np.random.Generator, rows: int, first_id: int, shift: Shift
) -> list[list[str]]:
    """``rows`` customers as CSV text fields (empty string for a missing value)."""
    region = rng.choice(REGIONS, size=rows, p=shift.region_shares)
    plan = rng.choice(PLANS, size=rows, p=PLAN_SHARES)
    contract = rng.choice(CONTRACTS, size=rows, p=CONTRACT_SHARES)
    mean_days = np.array([CONTRACT_MEAN_DAYS[c] for c in contract])
    # Days since signup: an exponential cut at 72 months (inverse CDF, so no pile-up at the cut).
    longest = 72 * 30.44 - 32
    cut = 1.0 - np.exp(-longest / mean_days)
    days = (-mean_days * np.log1p(-rng.random(rows) * cut)).astype(int) + 31
    signup = SNAPSHOT_DATE - days.astype("timedelta64[D]")
    tenure = (days / 30.44).astype(int)

    base = np.array([PLAN_BASE_CHARGE[p] for p in plan])
    charges = np.round((base + rng.normal(0.0, 8.0, rows)).clip(15.0) * shift.charges_factor, 2)

    basic = plan == "Basic"
    support = rng.poisson(1.2 + 0.5 * basic + shift.extra_support_calls)
    payment = rng.choice(PAYMENTS, size=rows, p=PAYMENT_SHARES)
    paperless = rng.random(rows) < 0.60
    partner = rng.random(rows) < 0.48
    age = np.round(rng.normal(45.0, 14.0, rows)).clip(18, 85).astype(int)
    income = np.round(4000.0 * np.exp(rng.normal(0.0, 0.45, rows) + 0.01 * (age - 45)), -1)
    month_to_month = contract == "month-to-month"
    login = np.round(rng.exponential(8.0 + 6.0 * month_to_month)).astype(int)
    satisfaction = np.round(3.6 - 0.35 * support + rng.normal(0.0, 0.9, rows)).clip(1, 5)
    satisfaction = satisfaction.astype(int)

    logit = (
        INTERCEPT
        + EFFECTS["month-to-month"] * month_to_month
        + EFFECTS["two year"] * (contract == "two year")
        + EFFECTS["tenure_months"] * tenure
        + EFFECTS["monthly_charges"] * (charges - 60.0)
        + EFFECTS["support_calls"] * support
        + EFFECTS["electronic check"] * (payment == "electronic check")
        + EFFECTS["paperless_billing"] * paperless
        + EFFECTS["has_partner"] * partner
        + EFFECTS["age"] * (age - 45)
        + EFFECTS["monthly income"] * np.log(income / 4000.0)
        + EFFECTS["last_login_days"] * login
        + EFFECTS["satisfaction_score"] * (satisfaction - 3)
        + EFFECTS["South"] * (region == "South")
        + EFFECTS["Central"] * (region == "Central")
    )
    churned = rng.random(rows) < 1.0 / (1.0 + np.exp(-logit))

    # Values go missing after the outcome is drawn: the customer's real value still counted.
    missing = {name: rng.random(rows) < share for name, share in MISSING.items()}
    missing["age"] = rng.random(rows) < shift.age_missing

    table = []
    for i in range(rows):
        table.append(
            [
                f"C-{first_id + i:06d}",
                str(signup[i]),
                str(region[i]),
                str(plan[i]),
                str(contract[i]),
                "" if missing["monthly_charges"][i] else f"{charges[i]:.2f}",
                str(tenure[i]),
                str(support[i]),
                str(payment[i]),
                "yes" if paperless[i] else "no",
                "true" if partner[i] else "false",
                "" if missing["age"][i] else str(age[i]),
                "" if missing["monthly income"][i] else str(int(income[i])),
                str(login[i]),
                "" if missing["satisfaction_score"][i] else str(satisfaction[i]),
                "yes" if churned[i] else "no",
            ]
        )
    return table


def write_csv(path: Path, rows: list[list[str]]) -> None:
    """Write the header and rows with ``\\n`` line ends (same bytes on every OS)."""
    partial = path.with_name(path.name + ".partial")
    with open(partial, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(COLUMNS)
        writer.writerows(rows)
    os.replace(partial, path)


_SQL_TYPES = {
    "monthly_charges": "REAL",
    "tenure_months": "INTEGER",
    "support_calls": "INTEGER",
    "age": "INTEGER",
    "monthly income": "INTEGER",
    "last_login_days": "INTEGER",
    "satisfaction_score": "INTEGER",
}


def write_sqlite(path: Path, rows: list[list[str]]) -> None:
    """Table ``customers`` (dates as ISO text, NULL for missing) and view ``active_customers``."""
    partial = path.with_name(path.name + ".partial")
    partial.unlink(missing_ok=True)
    columns = ", ".join(f'"{name}" {_SQL_TYPES.get(name, "TEXT")}' for name in COLUMNS)
    marks = ", ".join("?" for _ in COLUMNS)
    connection = sqlite3.connect(partial)
    try:
        connection.execute(f"CREATE TABLE customers ({columns}, PRIMARY KEY (customer_id))")
        connection.executemany(
            f"INSERT INTO customers VALUES ({marks})", [_typed(row) for row in rows]
        )
        connection.execute(
            "CREATE VIEW active_customers AS SELECT * FROM customers WHERE churned = 'no'"
        )
        connection.commit()
    finally:
        connection.close()
    os.replace(partial, path)


def _typed(row: list[str]) -> list[object]:
    values: list[object] = []
    for name, text in zip(COLUMNS, row, strict=True):
        kind = _SQL_TYPES.get(name)
        if text == "":
            values.append(None)
        elif kind == "REAL":
            values.append(float(text))
        elif kind == "INTEGER":
            values.append(int(text))
        else:
            values.append(text)
    return values


def generate(out_dir: Path) -> dict[str, Path]:
    """Write the four sample files into ``out_dir``; returns them by file name."""
    out_dir.mkdir(parents=True, exist_ok=True)
    main_seed, next_seed, shifted_seed = np.random.SeedSequence(SEED).spawn(3)
    base = generate_rows(np.random.default_rng(main_seed), MAIN_ROWS, MAIN_FIRST_ID, Shift())
    same = generate_rows(np.random.default_rng(next_seed), NEXT_ROWS, NEXT_FIRST_ID, Shift())
    moved = generate_rows(
        np.random.default_rng(shifted_seed), NEXT_ROWS, SHIFTED_FIRST_ID, SHIFTED
    )
    written = {
        "churn.csv": out_dir / "churn.csv",
        "churn.sqlite": out_dir / "churn.sqlite",
        "churn_next_quarter.csv": out_dir / "churn_next_quarter.csv",
        "churn_next_quarter_shifted.csv": out_dir / "churn_next_quarter_shifted.csv",
    }
    write_csv(written["churn.csv"], base)
    write_sqlite(written["churn.sqlite"], base)
    write_csv(written["churn_next_quarter.csv"], same)
    write_csv(written["churn_next_quarter_shifted.csv"], moved)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``--out DIR`` (default: the folder of this script)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent)
    args = parser.parse_args(argv)
    for name, path in generate(args.out).items():
        size = math.ceil(path.stat().st_size / 1024)
        print(f"{name}: {size} KiB", file=sys.stdout)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
