"""The problem a user defines: the values that cross from the engine to the window and back.

A :class:`Problem` is stored in the project as JSON (``to_dict``/``from_dict``) and read by
training, evaluation and export; it names the target, the task, the positive class, the
metric, the validation plan and which columns are features.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from enum import StrEnum
from typing import Any


class Task(StrEnum):
    BINARY = "binary"
    MULTICLASS = "multiclass"
    REGRESSION = "regression"
    CLUSTERING = "clustering"
    ANOMALY = "anomaly"

    @property
    def supervised(self) -> bool:
        return self in (Task.BINARY, Task.MULTICLASS, Task.REGRESSION)

    @property
    def classification(self) -> bool:
        return self in (Task.BINARY, Task.MULTICLASS)


class SplitKind(StrEnum):
    STRATIFIED = "stratified"  # random holdout + (stratified for classes) k-fold on the rest
    TIME = "time"  # train on older rows, test on newer ones, by a date column
    GROUP = "group"  # rows sharing an entity id stay on one side


@dataclass(frozen=True)
class ValidationPlan:
    """How rows are split: a holdout for the final check and k folds for the search."""

    kind: SplitKind = SplitKind.STRATIFIED
    holdout_fraction: float = 0.2
    folds: int = 5
    date_column: str | None = None  # SplitKind.TIME
    group_column: str | None = None  # SplitKind.GROUP

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["kind"] = self.kind.value
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ValidationPlan:
        return cls(
            kind=SplitKind(data.get("kind", SplitKind.STRATIFIED)),
            holdout_fraction=float(data.get("holdout_fraction", 0.2)),
            folds=int(data.get("folds", 5)),
            date_column=data.get("date_column"),
            group_column=data.get("group_column"),
        )


@dataclass(frozen=True)
class Problem:
    """What to predict and how to judge it.

    ``features`` are the columns the model may use (target, ignored and excluded columns are
    not in it). ``classes`` lists the target's labels as text, in a fixed order, for
    classification; ``positive_class`` is one of them for a binary task. ``metric`` is a name
    from :data:`engine.problem.metrics.METRICS`. For clustering and anomaly detection
    ``target`` is None; ``n_clusters`` is the chosen k. ``semi_supervised`` trains a
    classifier with self-training on the rows whose target is missing.
    """

    task: Task
    features: tuple[str, ...]
    metric: str
    target: str | None = None
    classes: tuple[str, ...] = ()
    positive_class: str | None = None
    validation: ValidationPlan = field(default_factory=ValidationPlan)
    class_weights: bool = False
    semi_supervised: bool = False
    n_clusters: int | None = None
    excluded: tuple[str, ...] = ()  # columns the leakage guard (or the user) left out
    reason: str = ""  # why this task was detected, in plain words

    def with_changes(self, **changes: Any) -> Problem:
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        return {
            "task": self.task.value,
            "features": list(self.features),
            "metric": self.metric,
            "target": self.target,
            "classes": list(self.classes),
            "positive_class": self.positive_class,
            "validation": self.validation.to_dict(),
            "class_weights": self.class_weights,
            "semi_supervised": self.semi_supervised,
            "n_clusters": self.n_clusters,
            "excluded": list(self.excluded),
            "reason": self.reason,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Problem:
        return cls(
            task=Task(data["task"]),
            features=tuple(data["features"]),
            metric=data["metric"],
            target=data.get("target"),
            classes=tuple(data.get("classes", ())),
            positive_class=data.get("positive_class"),
            validation=ValidationPlan.from_dict(data.get("validation", {})),
            class_weights=bool(data.get("class_weights", False)),
            semi_supervised=bool(data.get("semi_supervised", False)),
            n_clusters=data.get("n_clusters"),
            excluded=tuple(data.get("excluded", ())),
            reason=data.get("reason", ""),
        )
