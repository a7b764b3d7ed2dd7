"""The drift rule is validated, not assumed (issue 5): false alarms and detection, fixed seeds.

With no change, a draw must rarely flag anything, from 200 rows to a million; the changes a
business cares about must be caught from 500 rows. Rates are over repeated draws, each with
its own reference sample (see drift_simulation.py).
"""

from __future__ import annotations

import numpy as np
import pytest
from drift_simulation import REGION_SHARES, alarm_rate, draw

pytestmark = pytest.mark.slow

FALSE_ALARM_LIMIT = 0.05
# "Detected": caught in at least three draws out of four. Measured here (60 draws each,
# 500 rows): mean shift 100%, doubled variance 95%, new 3% category 100%, missing 2% -> 15%
# 100%, a 10-point share move 78% at 500 rows but 97% at 1,000 (Benjamini-Hochberg across
# columns costs power there; and the move observed in 500 rows is itself below 8 points one
# time in six).
DETECTION_FLOOR = 0.75


@pytest.mark.parametrize(("rows", "draws"), [(200, 100), (10_000, 60), (1_000_000, 10)])
def test_no_change_raises_few_false_alarms(rows: int, draws: int) -> None:
    rate = alarm_rate(rows, draws, seed=rows)
    assert rate <= FALSE_ALARM_LIMIT, f"{rate:.0%} false alarms at {rows:,} rows"


def _north_down_ten_points() -> np.ndarray:
    shares = REGION_SHARES.copy()
    shares[0] -= 0.10
    shares[1:] += 0.10 * REGION_SHARES[1:] / REGION_SHARES[1:].sum()
    return shares


CHANGES = {
    "mean shifted by 0.5 sd": (lambda rows, rng: draw(rows, rng, shift=0.5), "x"),
    "variance doubled": (lambda rows, rng: draw(rows, rng, scale=np.sqrt(2.0)), "x"),
    "a category's share down 10 points": (
        lambda rows, rng: draw(rows, rng, regions=_north_down_ten_points()), "region"),
    "a new category in 3% of rows": (
        lambda rows, rng: draw(rows, rng, new_region=0.03), "region"),
    "missing values 2% -> 15%": (
        lambda rows, rng: draw(rows, rng, income_missing=0.15), "income"),
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_changes_are_detected_from_500_rows(change: str) -> None:
    make, column = CHANGES[change]
    rate = alarm_rate(500, 60, seed=500, change=make, column=column)
    assert rate >= DETECTION_FLOOR, f"{change}: detected in only {rate:.0%} of draws"


def test_a_ten_point_share_move_is_caught_reliably_from_1000_rows() -> None:
    make, column = CHANGES["a category's share down 10 points"]
    assert alarm_rate(1000, 60, seed=1000, change=make, column=column) >= 0.95


def test_an_unchanged_column_stays_quiet_when_another_changes() -> None:
    """The shift in x must not drag the other columns along (no false alarm by contagion)."""
    rate = alarm_rate(500, 60, seed=7, change=lambda rows, rng: draw(rows, rng, shift=0.5),
                      column="income")
    assert rate <= FALSE_ALARM_LIMIT
