"""Successive halving: who is promoted, independent of the order results arrive in."""

from __future__ import annotations

import itertools
import random

from engine.training.candidate import CandidateSpec
from engine.training.schedule import HalvingSchedule, RandomSchedule


def _specs():
    return (CandidateSpec(trial, "linear", {}, 0) for trial in itertools.count(1))


def _run(scores: dict[int, float], max_trials: int, shuffle_seed: int) -> list[tuple[int, int]]:
    """Play a halving schedule with 2 'workers' finishing in a shuffled order."""
    schedule = HalvingSchedule(_specs(), max_trials, search_rows=90_000, greater_is_better=True)
    shuffler = random.Random(shuffle_seed)
    pending, finals = [], []
    while True:
        while len(pending) < 2:
            task = schedule.next_task()
            if task is None:
                break
            pending.append(task)
        if not pending:
            return sorted(finals)
        task = pending.pop(shuffler.randrange(len(pending)))
        if task.final:
            finals.append((task.spec.trial, task.stage))
        schedule.report(task, scores[task.spec.trial] + task.stage)


def test_best_third_is_promoted_at_each_stage() -> None:
    scores = {trial: float(trial % 9) for trial in range(1, 19)}  # trial 8 and 17 are best
    schedule = HalvingSchedule(_specs(), 18, search_rows=90_000, greater_is_better=True)
    assert schedule.stage_rows == (10_000, 30_000, 90_000)
    assert _run(scores, 18, shuffle_seed=0) == [(8, 2), (17, 2)]


def test_promotions_do_not_depend_on_the_order_results_arrive_in() -> None:
    rng = random.Random(5)
    scores = {trial: rng.random() for trial in range(1, 28)}
    outcomes = {tuple(_run(scores, 27, shuffle_seed=seed)) for seed in range(6)}
    assert len(outcomes) == 1
    (finals,) = outcomes
    assert len(finals) == 3  # one winner per batch of nine


def test_a_failed_candidate_is_never_promoted_and_lower_is_better_works() -> None:
    schedule = HalvingSchedule(_specs(), 3, search_rows=90_000, greater_is_better=False)
    tasks = [schedule.next_task() for _ in range(3)]
    assert schedule.next_task() is None  # the trial limit is reached, nothing promoted yet
    schedule.report(tasks[0], 5.0)
    schedule.report(tasks[1], None)  # failed
    schedule.report(tasks[2], 2.0)
    promoted = schedule.next_task()
    assert promoted is not None and promoted.spec.trial == 3 and promoted.stage == 1


def test_auto_uses_halving_only_on_big_search_sets() -> None:
    assert HalvingSchedule.wanted(100_000, "auto") and not HalvingSchedule.wanted(5_000, "auto")
    assert HalvingSchedule.wanted(5_000, "halving")
    assert not HalvingSchedule.wanted(100_000, "random")
    random_schedule = RandomSchedule(_specs(), 2)
    assert [random_schedule.next_task().final for _ in range(2)] == [True, True]
    assert random_schedule.next_task() is None
