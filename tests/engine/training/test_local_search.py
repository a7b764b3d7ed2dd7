"""FLAML-style local moves around the incumbent: one notch, the improving direction kept."""

from __future__ import annotations

import numpy as np

from engine.training.catalog import FAMILIES, local_step
from engine.training.leaderboard import DONE, LeaderboardEntry
from engine.training.local_search import LocalSearch


def _entry(trial: int, params: dict) -> LeaderboardEntry:
    return LeaderboardEntry(trial, "lightgbm", "LightGBM", params, DONE, (0.8,))


def test_a_step_moves_one_parameter_one_notch_and_stays_in_the_space() -> None:
    item = FAMILIES["lightgbm"]
    start = {"n_estimators": 100, "learning_rate": 0.1, "num_leaves": 31}
    assert local_step(item, start, "n_estimators", 1) == {**start, "n_estimators": 300}
    assert local_step(item, start, "learning_rate", -1) == {**start, "learning_rate": 0.05}
    assert local_step(item, {**start, "num_leaves": 15}, "num_leaves", -1) is None
    assert local_step(item, {**start, "learning_rate": 0.2}, "learning_rate", 1) is None


def test_the_direction_that_improved_is_tried_again_and_nothing_twice() -> None:
    local = LocalSearch(np.random.default_rng(0))
    start = _entry(1, {"n_estimators": 100, "learning_rate": 0.1, "num_leaves": 31})
    family, first = local.propose(start, 2)
    changed = [name for name in first if first[name] != start.params[name]]
    assert family == "lightgbm" and len(changed) == 1
    # The move beat its parent (trial 2 is the new incumbent): the same move comes next.
    family, second = local.propose(_entry(2, first), 3)
    name = changed[0]
    direction = 1 if first[name] > start.params[name] else -1
    expected = local_step(FAMILIES["lightgbm"], first, name, direction)
    if expected is not None:  # not at the edge of the space
        assert second == expected
    # Around the same incumbent, every neighbour comes once and then there are none.
    seen = [repr(sorted(first.items())), repr(sorted(second.items()))]
    while (move := local.propose(start, 10)) is not None:
        seen.append(repr(sorted(move[1].items())))
    assert len(seen) == len(set(seen))
    assert local.propose(None, 11) is None
