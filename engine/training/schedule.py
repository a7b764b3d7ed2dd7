"""What the search fits next: plain random search, or successive halving for big tables.

Random search cross-validates every candidate on all the search rows. Successive halving
(Jamieson & Talwalkar; Hyperband's inner loop) first scores a batch of candidates on a ninth
of the rows, sends the best third on to a third of the rows, and the best of those to all of
them; only candidates that reach all the rows compete for the best model. On a big table that
screens about three times as many candidates in the same time.

Both schedules are deterministic given the proposals: a batch's promotions wait until every
candidate of the batch has reported at that stage, so the order in which parallel workers
finish never changes who is promoted, and the same seed gives the same leaderboard.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass

from engine.training.candidate import CandidateSpec

ETA = 3  # keep the best third at each stage
STAGES = 3  # a ninth, a third, all the rows
HALVING_MIN_ROWS = 20_000  # below this, random search: every fit is quick anyway
MIN_STAGE_ROWS = 2_000


@dataclass(frozen=True)
class FitTask:
    """One cross-validation to run: the candidate, on how many search rows (None: all)."""

    spec: CandidateSpec
    rows: int | None
    stage: int
    final: bool


class RandomSchedule:
    """Every candidate on every search row, in proposal order, up to ``max_trials``."""

    def __init__(self, candidates: Iterator[CandidateSpec], max_trials: int | None) -> None:
        self._candidates = candidates
        self._max_trials = max_trials
        self.proposed = 0

    def next_task(self) -> FitTask | None:
        if self._max_trials is not None and self.proposed >= self._max_trials:
            return None
        self.proposed += 1
        return FitTask(next(self._candidates), None, 0, True)

    def report(self, task: FitTask, score: float | None) -> None:
        """Random search does not look at scores."""

    def exhausted(self) -> bool:
        """No task will come any more (the trial limit is reached)."""
        return self._max_trials is not None and self.proposed >= self._max_trials


class HalvingSchedule:
    """Batches of ``ETA ** (STAGES - 1)`` candidates, halved (by ``ETA``) stage by stage."""

    def __init__(
        self,
        candidates: Iterator[CandidateSpec],
        max_trials: int | None,
        search_rows: int,
        greater_is_better: bool,
    ) -> None:
        self._candidates = candidates
        self._max_trials = max_trials
        self._sign = 1.0 if greater_is_better else -1.0
        self.stage_rows = tuple(
            max(MIN_STAGE_ROWS, search_rows // ETA ** (STAGES - 1 - stage))
            for stage in range(STAGES)
        )
        self._batch_size = ETA ** (STAGES - 1)
        self._promoted: deque[FitTask] = deque()
        self._batch_of: dict[int, int] = {}
        # batch -> stage -> trial -> score (None: failed); and how many entered each stage
        self._scores: dict[int, dict[int, dict[int, float | None]]] = {}
        self._entered: dict[int, dict[int, int]] = {}
        self._specs: dict[int, CandidateSpec] = {}
        self.proposed = 0

    @staticmethod
    def wanted(search_rows: int, strategy: str) -> bool:
        """Whether ``strategy`` ("auto", "halving", "random") means halving here."""
        if strategy == "halving":
            return True
        return strategy == "auto" and search_rows >= HALVING_MIN_ROWS

    def next_task(self) -> FitTask | None:
        if self._promoted:  # finishing candidates first keeps a good model coming early
            return self._promoted.popleft()
        if self._max_trials is not None and self.proposed >= self._max_trials:
            return None
        spec = next(self._candidates)
        batch = self.proposed // self._batch_size
        self.proposed += 1
        self._batch_of[spec.trial] = batch
        self._specs[spec.trial] = spec
        self._entered.setdefault(batch, {}).setdefault(0, 0)
        self._entered[batch][0] += 1
        return self._task(spec, 0)

    def exhausted(self) -> bool:
        """No task will come any more, while no task is running (nothing left to promote)."""
        limit = self._max_trials is not None and self.proposed >= self._max_trials
        return limit and not self._promoted

    def _task(self, spec: CandidateSpec, stage: int) -> FitTask:
        final = stage == STAGES - 1
        return FitTask(spec, None if final else self.stage_rows[stage], stage, final)

    def report(self, task: FitTask, score: float | None) -> None:
        """A candidate finished (or failed) a stage; promote once its batch is complete."""
        if task.final:
            return
        batch = self._batch_of[task.spec.trial]
        scores = self._scores.setdefault(batch, {}).setdefault(task.stage, {})
        scores[task.spec.trial] = None if score is None or math.isnan(score) else score
        if len(scores) < self._expected(batch, task.stage):
            return
        ranked = sorted(
            (trial for trial, value in scores.items() if value is not None),
            key=lambda trial: (-self._sign * (scores[trial] or 0.0), trial),
        )
        keep = ranked[: max(1, math.ceil(len(scores) / ETA))]
        self._entered[batch][task.stage + 1] = len(keep)
        for trial in keep:
            self._promoted.append(self._task(self._specs[trial], task.stage + 1))

    def _expected(self, batch: int, stage: int) -> int:
        entered = self._entered[batch].get(stage, 0)
        if stage == 0 and batch == self.proposed // self._batch_size:
            # The newest batch may still be filling: it is complete once full, or once no
            # more candidates will be proposed (trial limit reached).
            limit_reached = self._max_trials is not None and self.proposed >= self._max_trials
            if not limit_reached:
                return self._batch_size
        return entered
