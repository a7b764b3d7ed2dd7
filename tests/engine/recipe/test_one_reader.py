"""One reader of cells: the frame training builds equals the frame scoring builds.

Each file below has one rule in play; the scorer (and the drift check, which uses the same
converter) must read every cell to the value training read.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from cell_frames import differing_rows, training_and_scoring_frames

from engine.sources.base import FileSource

ROWS = 240


def _rng() -> np.random.Generator:
    return np.random.default_rng(7)


def integer_codes_with_blanks(folder: Path) -> tuple[Path, list[str]]:
    rng = _rng()
    cars = rng.integers(0, 4, ROWS).astype(float)
    cars[rng.random(ROWS) < 0.1] = np.nan  # blanks make pandas write 1.0, 2.0 ...
    frame = pd.DataFrame({"Garage Cars": cars, "price": rng.normal(100, 10, ROWS).round(2)})
    path = folder / "codes.csv"
    frame.to_csv(path, index=False)
    return path, ["Garage Cars", "price"]


def three_decimals(folder: Path) -> tuple[Path, list[str]]:
    rng = _rng()
    values = rng.normal(0, 1, ROWS)
    values = np.sign(values) * (1 + np.abs(values))  # 1.303, -2.346: look like thousands
    values[::7] = rng.uniform(-0.9, 0.9, len(values[::7]))  # 0.346, -0.120
    frame = pd.DataFrame({"x": [f"{v:.3f}" for v in values], "g": rng.choice(["a", "b"], ROWS)})
    path = folder / "three_decimals.csv"
    frame.to_csv(path, index=False)
    return path, ["x", "g"]


def flags_and_tokens(folder: Path) -> tuple[Path, list[str]]:
    rng = _rng()
    tokens = rng.choice(["1.5", "2", "None", "NA", "?", "-", "null", ""], ROWS)
    frame = pd.DataFrame({
        "flag": rng.choice(["Y", "N"], ROWS),
        "amount": tokens,
        "grade": rng.choice(["A", "B", "None", "NA", "?"], ROWS),
    })
    path = folder / "tokens.csv"
    frame.to_csv(path, index=False)
    return path, ["flag", "amount", "grade"]


def currency(folder: Path) -> tuple[Path, list[str]]:
    rng = _rng()
    frame = pd.DataFrame({
        "fee": [f"${v:,.0f}" for v in rng.integers(100, 5000, ROWS)],
        "share": [f"{v}%" for v in rng.integers(0, 100, ROWS)],
    })
    path = folder / "currency.csv"
    frame.to_csv(path, index=False)
    return path, ["fee", "share"]


def decimal_comma(folder: Path) -> tuple[Path, list[str]]:
    rng = _rng()
    values = rng.uniform(0, 5000, ROWS)
    frame = pd.DataFrame({
        "amount": [f"{v:,.1f}".replace(",", "_").replace(".", ",").replace("_", ".")
                   for v in values],
        "rate": [f"{v:.2f}".replace(".", ",") for v in rng.uniform(0, 1, ROWS)],
    })
    path = folder / "decimal_comma.csv"
    frame.to_csv(path, index=False, sep=";")
    return path, ["amount", "rate"]


def day_first_dates(folder: Path) -> tuple[Path, list[str]]:
    rng = _rng()
    days = rng.integers(1, 29, ROWS)
    months = rng.integers(1, 13, ROWS)
    frame = pd.DataFrame({
        "signed": [f"{d:02d}/{m:02d}/20{y:02d}" for d, m, y in
                   zip(days, months, rng.integers(10, 24, ROWS), strict=True)],
        "n": rng.normal(0, 1, ROWS).round(2),
    })
    path = folder / "dates.csv"
    frame.to_csv(path, index=False)
    return path, ["signed", "n"]


FILES = [integer_codes_with_blanks, three_decimals, flags_and_tokens, currency, decimal_comma,
         day_first_dates]


@pytest.mark.parametrize("make", FILES, ids=[f.__name__ for f in FILES])
def test_scoring_reads_every_cell_as_training_did(tmp_path, make):
    path, features = make(tmp_path)
    train, score = training_and_scoring_frames(FileSource(str(path)), features)
    assert differing_rows(train, score) == dict.fromkeys(features, 0)


def test_three_decimal_values_are_read_with_a_decimal_point(tmp_path):
    path, features = three_decimals(tmp_path)
    train, _ = training_and_scoring_frames(FileSource(str(path)), features)
    expected = pd.read_csv(path)["x"].to_numpy(dtype="float32")
    assert np.array_equal(train["x"].to_numpy(), expected)
