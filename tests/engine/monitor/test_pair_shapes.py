"""Controls stay Stable and important moves are caught, on real-pair-shaped data (issue 16).

A small version of ``benchmarks/bench_drift_validation.py`` (which runs many more draws and
prints the rates): held-out controls of every shape must say Stable in at least 95% of
draws at 200, 1,000 and 5,000 rows; a 0.5-sd move in the column carrying most of the
importance is caught from 200 rows and a 0.2-sd one from 1,000.
"""

from __future__ import annotations

import pytest
from pair_shapes import SHAPES, stable_rate

CONTROL_STABLE = 0.95
DETECTED = 0.80


@pytest.mark.parametrize("shape", list(SHAPES))
@pytest.mark.parametrize("rows", [200, 1_000, 5_000])
def test_controls_stay_stable(shape: str, rows: int) -> None:
    rate = stable_rate(shape, rows, draws=40, seed=rows)
    assert rate >= CONTROL_STABLE, f"{shape}: Stable in only {rate:.0%} of {rows:,}-row controls"


@pytest.mark.parametrize("shape", list(SHAPES))
@pytest.mark.parametrize(("rows", "shift"), [(200, 0.5), (1_000, 0.2)])
def test_a_move_in_the_most_important_column_is_caught(shape: str, rows: int,
                                                       shift: float) -> None:
    caught = 1 - stable_rate(shape, rows, draws=30, seed=7, shift=shift)
    assert caught >= DETECTED, f"{shape}: {shift} sd at {rows:,} rows caught {caught:.0%}"


def test_a_newer_period_of_dates_is_not_drift() -> None:
    assert stable_rate("shifted dates", 1_000, draws=20, seed=3, later=True) >= CONTROL_STABLE


@pytest.mark.parametrize("shape", ["continuous", "heavy ties"])
def test_small_files_are_judged_quietly_and_catch_a_half_sd_move(shape: str) -> None:
    """Penguin files of 110-120 rows carried a 0.43-sd shift; 30-row controls stay Stable."""
    assert stable_rate(shape, 30, draws=40, seed=30) >= CONTROL_STABLE
    assert 1 - stable_rate(shape, 120, draws=30, seed=5, shift=0.5) >= DETECTED
