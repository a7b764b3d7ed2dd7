"""Generated data for validating the drift rule: a reference, new samples, known changes.

The rule is judged at the level of the columns (``engine.monitor.rule.judge_columns``) on the
same counts the full check builds from a file, so repeated draws of a million rows stay fast.
A draw *alarms* when any column is flagged (a distribution change or an integrity problem):
stricter than the headline, which also weighs importance.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pyarrow as pa

from engine.export.reference import categorical_profile, numeric_profile
from engine.monitor.rule import ColumnEvidence, judge_columns
from engine.monitor.settings import DriftSettings
from engine.monitor.tally import CategoricalTally, NumericTally

REGIONS = np.array(["North", "South", "East", "West", "Central"], dtype=object)
REGION_SHARES = np.array([0.30, 0.22, 0.20, 0.18, 0.10])
REFERENCE_ROWS = 5_000
COLUMNS = {"x": "numeric", "income": "numeric", "calls": "numeric", "region": "categorical"}


def draw(rows: int, rng: np.random.Generator, *, shift: float = 0.0, scale: float = 1.0,
         regions: np.ndarray = REGION_SHARES, new_region: float = 0.0,
         income_missing: float = 0.02) -> pd.DataFrame:
    """Rows of the base distribution, with the named changes applied."""
    x = rng.normal(50.0 + 10.0 * shift, 10.0 * scale, rows)
    income = np.round(4000 * np.exp(rng.normal(0, 0.45, rows)), -1)
    income[rng.random(rows) < income_missing] = np.nan
    calls = rng.poisson(1.2, rows).astype(np.float64)
    region = rng.choice(REGIONS, rows, p=regions)
    if new_region:
        region[rng.random(rows) < new_region] = "North-West"
    return pd.DataFrame({"x": x, "income": income, "calls": calls, "region": region})


def reference_of(frame: pd.DataFrame) -> dict[str, dict]:
    profiles = {}
    for name, kind in COLUMNS.items():
        if kind == "categorical":
            profiles[name] = categorical_profile(frame[name].to_numpy(dtype=object))
        else:
            profiles[name] = numeric_profile(frame[name].to_numpy(dtype=np.float64))
    return profiles


def judge(profiles: dict[str, dict], frame: pd.DataFrame,
          settings: DriftSettings | None = None, chunk_rows: int = 250_000) -> dict[str, object]:
    """Column verdicts of ``frame`` against ``profiles``, counted chunk by chunk."""
    evidence = []
    for name, kind in COLUMNS.items():
        profile = profiles[name]
        if kind == "categorical":
            known = tuple(c["value"] for c in profile["categories"])
            tally = CategoricalTally(profile, known)
        else:
            tally = NumericTally(profile)
        for start in range(0, len(frame), chunk_rows):
            values = frame[name].to_numpy()[start:start + chunk_rows]
            if kind == "categorical":
                tally.add_arrow(pa.array(values, type=pa.large_string()))
            else:
                tally.add(values.astype(np.float32))
        sample = frame[name].to_numpy()[:20_000]
        evidence.append(ColumnEvidence(name, kind, tally, 1.0,
                                       sample.astype(np.float64) if kind != "categorical"
                                       else np.empty(0)))
    columns = judge_columns(evidence, settings or DriftSettings())
    return {c.name: c for c in columns}


def alarm_rate(rows: int, draws: int, seed: int,
               change: Callable[[int, np.random.Generator], pd.DataFrame] | None = None,
               column: str | None = None) -> float:
    """Share of draws in which ``column`` (or any column) is flagged.

    Each draw takes a fresh reference sample (as a new model would) and a fresh new sample,
    both seeded from ``seed``.
    """
    hits = 0
    for index in range(draws):
        rng = np.random.default_rng([seed, index])
        profiles = reference_of(draw(REFERENCE_ROWS, rng))
        frame = change(rows, rng) if change is not None else draw(rows, rng)
        verdicts = judge(profiles, frame)
        if column is None:
            hits += any(c.flagged for c in verdicts.values())
        else:
            hits += verdicts[column].flagged
    return hits / draws
