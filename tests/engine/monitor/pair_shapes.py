"""Generators shaped like the real before/after pairs of issue 16, for the drift rule.

Each shape draws a table whose columns behave like one of the real pairs checked against
Evidently: shifted dates (flights 2013 H1 -> H2), integer codes (ACS employment codes, Ames'
month sold), heavy ties (a column that is mostly zero, prices rounded to tens), and
continuous columns (Seattle temperatures). ``draw(shape, rows, rng, shift=...)`` gives a
sample of the "before" distribution, with the first (most important) column moved by
``shift`` standard deviations. Controls are fresh draws of the same distribution (held-out
rows of the same period); a date column's newer period is a separate draw (``later``).

The verdict is the headline's (:func:`engine.monitor.verdict.headline`) on the column
tallies, with the first column carrying ``MAIN_WEIGHT`` of the importance.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from engine.export.reference import categorical_profile, numeric_profile
from engine.monitor.rule import ColumnEvidence, judge_columns
from engine.monitor.settings import DriftSettings
from engine.monitor.tally import CategoricalTally, NumericTally
from engine.monitor.verdict import headline

REFERENCE_ROWS = 5_000
MAIN_WEIGHT = 0.6  # "a column carrying most of the model's importance"
START_DAY = 15_706.0  # 2013-01-01 in days since 1970

SHAPES = {
    # name: {column: kind}; the first column is the important one, the one that is shifted.
    "continuous": {"temperature": "numeric", "wind": "numeric", "weather": "categorical"},
    "integer codes": {"code": "numeric", "grade": "numeric", "state": "categorical"},
    "heavy ties": {"hours": "numeric", "price": "numeric", "plan": "categorical"},
    "shifted dates": {"delay": "numeric", "flight_date": "date", "carrier": "categorical"},
}
_CATEGORIES = np.array(["A", "B", "C", "D", "E"], dtype=object)


def draw(shape: str, rows: int, rng: np.random.Generator, *, shift: float = 0.0,
         later: bool = False) -> pd.DataFrame:
    """``rows`` rows of ``shape``; the first column moved by ``shift`` sd."""
    category = rng.choice(_CATEGORIES, rows, p=[0.35, 0.25, 0.2, 0.15, 0.05])
    if shape == "continuous":
        return pd.DataFrame({
            "temperature": rng.normal(12 + 7.5 * shift, 7.5, rows),
            "wind": rng.gamma(2.0, 1.5, rows),
            "weather": category,
        })
    if shape == "integer codes":
        # Codes 0..39 with a skew (sd about 9.2); the shift moves every code by whole steps,
        # as a real shift of a code-like column does.
        codes = np.minimum(rng.geometric(0.08, rows) - 1, 39).astype(np.float64)
        moved = np.round(codes + 9.2 * shift + rng.random(rows) - 0.5) if shift else codes
        return pd.DataFrame({
            "code": np.clip(moved, 0, None),
            "grade": rng.integers(1, 6, rows).astype(np.float64),
            "state": category,
        })
    if shape == "heavy ties":
        # 40% of rows at 0 hours (a point mass), the rest whole hours; sd about 17.
        hours = np.where(rng.random(rows) < 0.4, 0.0, np.round(rng.normal(35, 8, rows)))
        hours = hours + np.round(17 * shift) if shift else hours
        return pd.DataFrame({
            "hours": np.clip(hours, 0, None),
            "price": np.round(rng.lognormal(6, 0.5, rows), -1),
            "plan": category,
        })
    if shape == "shifted dates":
        first = START_DAY + (181 if later else 0)
        return pd.DataFrame({
            "delay": rng.normal(10 + 30 * shift, 30, rows),
            "flight_date": first + rng.integers(0, 181, rows).astype(np.float64),
            "carrier": category,
        })
    raise ValueError(f"unknown shape {shape!r}")


def profiles_of(shape: str, frame: pd.DataFrame) -> dict[str, dict]:
    profiles = {}
    for name, kind in SHAPES[shape].items():
        if kind == "categorical":
            profiles[name] = categorical_profile(frame[name].to_numpy(dtype=object))
        else:
            profiles[name] = numeric_profile(frame[name].to_numpy(np.float64), kind=kind)
    return profiles


def verdict(shape: str, profiles: dict[str, dict], frame: pd.DataFrame,
            settings: DriftSettings | None = None) -> tuple[str, list]:
    """(headline level, column verdicts) of ``frame`` against ``profiles``."""
    evidence = []
    names = list(SHAPES[shape])
    rest = (1 - MAIN_WEIGHT) / (len(names) - 1)
    for index, name in enumerate(names):
        kind = SHAPES[shape][name]
        profile = profiles[name]
        values = frame[name].to_numpy()
        if kind == "categorical":
            tally = CategoricalTally(profile, tuple(c["value"] for c in profile["categories"]))
            tally.add_arrow(pa.array(values, type=pa.large_string()))
            sample = np.empty(0)
        else:
            tally = NumericTally(profile)
            tally.add(values.astype(np.float32))
            sample = values.astype(np.float64)
        weight = MAIN_WEIGHT if index == 0 else rest
        evidence.append(ColumnEvidence(name, kind, tally, weight, sample))
    settings = settings or DriftSettings()
    columns = judge_columns(evidence, settings)
    level = headline(columns, None, None, len(frame), settings)[0]
    return level, columns


def stable_rate(shape: str, rows: int, draws: int, seed: int, *, shift: float = 0.0,
                later: bool = False) -> float:
    """Share of draws whose headline says Stable (each draw with its own reference)."""
    stable = 0
    for index in range(draws):
        rng = np.random.default_rng([seed, index])
        profiles = profiles_of(shape, draw(shape, REFERENCE_ROWS, rng))
        level, _ = verdict(shape, profiles, draw(shape, rows, rng, shift=shift, later=later))
        stable += level == "stable"
    return stable / draws
