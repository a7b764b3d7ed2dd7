"""The leaderboard: every candidate tried, its cross-validated score, ranked.

Values here cross to the window (a live table) and into the project file (JSON), so they are
plain frozen dataclasses. Ranking is by the mean fold score of the problem's metric, ties
broken by trial number, so the same seed gives the same board however the workers finished.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field
from typing import Any

DONE = "done"
FAILED = "failed"
TIMED_OUT = "timed out"  # the time budget ran out while it was fitting
STOPPED = "stopped"  # the user pressed Cancel while it was fitting
SCREENED = "screened"  # scored on a subsample only (successive halving), not yet on all rows
SKIPPED = "skipped"  # a family that could not run in the time left; ``message`` says why


@dataclass(frozen=True)
class LeaderboardEntry:
    """One candidate's result; ``fold_scores`` are the ranking metric on each fold."""

    trial: int
    family: str
    label: str
    params: dict[str, Any]
    status: str
    fold_scores: tuple[float, ...] = ()
    metric_folds: dict[str, tuple[float, ...]] = field(default_factory=dict)  # other metrics
    seconds: float = 0.0
    message: str = ""
    rows: int | None = None  # the rows a screened candidate was scored on (None: all)
    predict_seconds: float = 0.0  # one fold's prediction of its check rows (median)
    fit_seconds: float = 0.0  # one fold's fit (median; 0: unknown, use ``seconds``)

    @property
    def cv_mean(self) -> float:
        return _finite_mean(self.fold_scores)

    @property
    def other_metrics(self) -> dict[str, float]:
        """The fold mean of every other metric of the task."""
        return {name: _finite_mean(values) for name, values in self.metric_folds.items()}

    @property
    def cv_std(self) -> float:
        finite = [score for score in self.fold_scores if not math.isnan(score)]
        return statistics.pstdev(finite) if len(finite) > 1 else 0.0

    @property
    def scored(self) -> bool:
        """Scored on every search row (full fidelity)."""
        return self.status == DONE and not math.isnan(self.cv_mean)

    @property
    def screened(self) -> bool:
        """Scored, but only on a subsample of the search rows (a known, lower fidelity)."""
        return self.status == SCREENED and not math.isnan(self.cv_mean)

    def to_dict(self) -> dict[str, Any]:
        return {
            "trial": self.trial,
            "family": self.family,
            "label": self.label,
            "params": self.params,
            "status": self.status,
            "fold_scores": [_json_float(value) for value in self.fold_scores],
            "metric_folds": {
                k: [_json_float(v) for v in values] for k, values in self.metric_folds.items()
            },
            "seconds": round(self.seconds, 3),
            "message": self.message,
            "rows": self.rows,
            "predict_seconds": round(self.predict_seconds, 4),
            "fit_seconds": round(self.fit_seconds, 4),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LeaderboardEntry:
        return cls(
            trial=int(data["trial"]),
            family=data["family"],
            label=data["label"],
            params=dict(data["params"]),
            status=data["status"],
            fold_scores=tuple(_float(value) for value in data.get("fold_scores", ())),
            metric_folds={
                k: tuple(_float(v) for v in values)
                for k, values in data.get("metric_folds", {}).items()
            },
            seconds=float(data.get("seconds", 0.0)),
            message=data.get("message", ""),
            rows=None if data.get("rows") is None else int(data["rows"]),
            predict_seconds=float(data.get("predict_seconds", 0.0)),
            fit_seconds=float(data.get("fit_seconds", 0.0)),
        )


@dataclass(frozen=True)
class Leaderboard:
    """All entries, best first; the baseline is always among them (family "baseline")."""

    metric: str
    greater_is_better: bool
    entries: tuple[LeaderboardEntry, ...] = ()

    def with_entry(self, entry: LeaderboardEntry) -> Leaderboard:
        entries = [item for item in self.entries if item.trial != entry.trial] + [entry]
        return Leaderboard(self.metric, self.greater_is_better, tuple(self._ranked(entries)))

    def _ranked(self, entries: list[LeaderboardEntry]) -> list[LeaderboardEntry]:
        sign = -1.0 if self.greater_is_better else 1.0

        # Every candidate with a score, by its latest score (screened ones too: a known, lower
        # fidelity, said in their status), then the rest.
        def key(entry: LeaderboardEntry) -> tuple[int, float, int]:
            if entry.scored or entry.screened:
                return (0, sign * entry.cv_mean, entry.trial)
            return (1, 0.0, entry.trial)

        return sorted(entries, key=key)

    def has(self, trial: int) -> bool:
        return any(entry.trial == trial for entry in self.entries)

    def entry(self, trial: int) -> LeaderboardEntry:
        return next(entry for entry in self.entries if entry.trial == trial)

    @property
    def best(self) -> LeaderboardEntry | None:
        """The run's result so far: the best candidate by its latest score, whether scored on
        every search row or screened on fewer (the search is anytime). None only when no
        candidate produced any score: then the baseline is all there is."""
        for entry in self.entries:
            if (entry.scored or entry.screened) and entry.family != "baseline":
                return entry
        return None

    @property
    def baseline(self) -> LeaderboardEntry | None:
        for entry in self.entries:
            if entry.family == "baseline":
                return entry
        return None

    @property
    def finished(self) -> int:
        return sum(1 for entry in self.entries if entry.scored and entry.family != "baseline")

    def to_dict(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "greater_is_better": self.greater_is_better,
            "entries": [entry.to_dict() for entry in self.entries],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Leaderboard:
        return cls(
            metric=data["metric"],
            greater_is_better=bool(data["greater_is_better"]),
            entries=tuple(LeaderboardEntry.from_dict(item) for item in data["entries"]),
        )

    def rows(self) -> list[dict[str, Any]]:
        """The board as report rows: rank, model, params, cv_score, cv_std, seconds, status."""
        return [
            {
                "rank": rank,
                "model": entry.label,
                "params": entry.params,
                "cv_score": None if math.isnan(entry.cv_mean) else entry.cv_mean,
                "cv_std": entry.cv_std,
                "fit_seconds": entry.seconds,
                "status": entry.status if not entry.message else f"{entry.status}: {entry.message}",
            }
            for rank, entry in enumerate(self.entries, start=1)
        ]


def _finite_mean(values: tuple[float, ...]) -> float:
    """The mean of the scores that are numbers (a fold may have none, e.g. one class)."""
    finite = [value for value in values if not math.isnan(value)]
    return statistics.fmean(finite) if finite else math.nan


def _json_float(value: float) -> float | None:
    return None if math.isnan(value) else float(value)


def _float(value: float | None) -> float:
    return math.nan if value is None else float(value)
