"""What an evaluation produces: metrics, curves, tables and explanations, as plain data.

Every value here is a frozen dataclass with ``to_dict``/``from_dict`` holding plain JSON types
only (no numpy scalars, no NaN: a value that does not exist is ``None``). The producers convert
with ``float()``/``int()``, which is why ``asdict`` is enough for the flat ones. An evaluation
can so be stored in the project file, printed by the CLI as ``--json`` and drawn by
:mod:`engine.evaluation.plots` in the window and the report alike.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Curve:
    """A line to draw: ``name`` is its key ("roc", "pr", "calibration", "lift", "gain",
    "residuals", "anomaly_scores"); ``extra`` holds what goes with it (an area under the
    curve, a baseline level, counts per bin), JSON values only."""

    name: str
    x: list[float]
    y: list[float]
    x_label: str
    y_label: str
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Curve:
        return cls(
            name=data["name"],
            x=[float(v) for v in data["x"]],
            y=[float(v) for v in data["y"]],
            x_label=data["x_label"],
            y_label=data["y_label"],
            extra=dict(data.get("extra", {})),
        )


@dataclass(frozen=True)
class ConfusionMatrix:
    """Counts of rows by actual class (rows of ``counts``) and predicted class (columns).

    ``threshold`` is the probability cut used for a binary task; ``None`` means the most
    probable class was predicted (multiclass).
    """

    labels: list[str]
    counts: list[list[int]]
    threshold: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ConfusionMatrix:
        return cls(
            labels=[str(v) for v in data["labels"]],
            counts=[[int(v) for v in row] for row in data["counts"]],
            threshold=data.get("threshold"),
        )


@dataclass(frozen=True)
class BusinessValue:
    """What each kind of decision is worth, in the user's own money units.

    Costs are positive numbers that are subtracted; values are added. A row predicted
    positive that is positive earns ``true_positive_value``; one that is negative costs
    ``false_positive_cost``; a missed positive costs ``false_negative_cost``.
    """

    false_positive_cost: float
    false_negative_cost: float
    true_positive_value: float
    true_negative_value: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BusinessValue:
        return cls(
            false_positive_cost=float(data["false_positive_cost"]),
            false_negative_cost=float(data["false_negative_cost"]),
            true_positive_value=float(data["true_positive_value"]),
            true_negative_value=float(data.get("true_negative_value", 0.0)),
        )


@dataclass(frozen=True)
class ThresholdPoint:
    """The holdout outcome when rows scoring at or above ``threshold`` are called positive.

    ``expected_value`` is the total over the holdout and ``value_per_row`` its average per
    row; both are ``None`` when no business values were given.
    """

    threshold: float
    precision: float
    recall: float
    f1: float
    tp: int
    fp: int
    tn: int
    fn: int
    expected_value: float | None = None
    value_per_row: float | None = None

    @property
    def flagged(self) -> int:
        """Rows called positive at this threshold."""
        return self.tp + self.fp

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ThresholdPoint:
        return cls(
            threshold=float(data["threshold"]),
            precision=float(data["precision"]),
            recall=float(data["recall"]),
            f1=float(data["f1"]),
            tp=int(data["tp"]),
            fp=int(data["fp"]),
            tn=int(data["tn"]),
            fn=int(data["fn"]),
            expected_value=data.get("expected_value"),
            value_per_row=data.get("value_per_row"),
        )


CHOSEN_OUT_OF_FOLD = "out-of-fold"
"""The threshold was chosen on out-of-fold scores of the training rows (the default)."""
CHOSEN_ON_HOLDOUT = "holdout"
"""The threshold was chosen on the holdout (older runs, or too few rows for the folds)."""
CHOSEN_BY_HAND = "by hand"
"""The user set the threshold (the window's slider)."""


@dataclass(frozen=True)
class ThresholdChoice:
    """The threshold picked by a rule and why, in words.

    ``rule`` is "f1", "precision", "recall" or "value"; ``target`` the precision or recall
    asked for. ``target_reached`` is False when the rule could not be met and the choice
    fell back to the best F1 (``reason`` says so). ``point`` is the holdout's outcome at the
    threshold (what is reported); ``chosen_on`` says where the threshold was chosen
    (:data:`CHOSEN_OUT_OF_FOLD`, :data:`CHOSEN_ON_HOLDOUT` or :data:`CHOSEN_BY_HAND`) and
    ``chosen_point`` is the outcome there (out-of-fold; None when it is ``point``).
    """

    threshold: float
    rule: str
    reason: str
    point: ThresholdPoint
    target: float | None = None
    target_reached: bool = True
    chosen_on: str = CHOSEN_ON_HOLDOUT
    chosen_point: ThresholdPoint | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "threshold": self.threshold,
            "rule": self.rule,
            "reason": self.reason,
            "point": self.point.to_dict(),
            "target": self.target,
            "target_reached": self.target_reached,
            "chosen_on": self.chosen_on,
            "chosen_point": None if self.chosen_point is None else self.chosen_point.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ThresholdChoice:
        chosen_point = data.get("chosen_point")
        return cls(
            threshold=float(data["threshold"]),
            rule=data["rule"],
            reason=data["reason"],
            point=ThresholdPoint.from_dict(data["point"]),
            target=data.get("target"),
            target_reached=bool(data.get("target_reached", True)),
            chosen_on=str(data.get("chosen_on", CHOSEN_ON_HOLDOUT)),
            chosen_point=None if chosen_point is None else ThresholdPoint.from_dict(chosen_point),
        )

    def figures(self) -> dict[str, Any]:
        """The holdout's precision, recall, F1 and accuracy at this threshold, and where the
        threshold was chosen (what the model card states beside the ``decision`` output)."""
        point = self.point
        rows = point.tp + point.fp + point.tn + point.fn
        return {
            "threshold": self.threshold,
            "precision": point.precision,
            "recall": point.recall,
            "f1": point.f1,
            "accuracy": (point.tp + point.tn) / rows if rows else None,
            "rows": rows,
            "chosen_on": self.chosen_on,
            "measured_on": "holdout",
        }


@dataclass(frozen=True)
class ThresholdAnalysis:
    """Outcomes across thresholds (ascending) on the holdout, and the chosen one.

    ``out_of_fold`` holds the same outcomes on the out-of-fold scores of the training rows,
    where rules choose the threshold (None for older runs); the holdout's cuts include every
    out-of-fold cut, so the holdout outcome at a chosen threshold is exact.
    """

    points: tuple[ThresholdPoint, ...]
    rows: int
    positives: int
    costs: BusinessValue | None = None
    choice: ThresholdChoice | None = None
    out_of_fold: ThresholdAnalysis | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "points": [p.to_dict() for p in self.points],
            "rows": self.rows,
            "positives": self.positives,
            "costs": self.costs.to_dict() if self.costs else None,
            "choice": self.choice.to_dict() if self.choice else None,
            "out_of_fold": self.out_of_fold.to_dict() if self.out_of_fold else None,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ThresholdAnalysis:
        costs = data.get("costs")
        choice = data.get("choice")
        out_of_fold = data.get("out_of_fold")
        return cls(
            points=tuple(ThresholdPoint.from_dict(p) for p in data["points"]),
            rows=int(data["rows"]),
            positives=int(data["positives"]),
            costs=BusinessValue.from_dict(costs) if costs else None,
            choice=ThresholdChoice.from_dict(choice) if choice else None,
            out_of_fold=ThresholdAnalysis.from_dict(out_of_fold) if out_of_fold else None,
        )


@dataclass(frozen=True)
class Importance:
    """How much worse the model scores when ``feature`` is shuffled (mean and spread)."""

    feature: str
    mean: float
    std: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Importance:
        return cls(str(data["feature"]), float(data["mean"]), float(data["std"]))


@dataclass(frozen=True)
class PartialDependence:
    """The average prediction when every row's ``feature`` is set to each grid value.

    ``kind`` is "numeric" or "categorical". ``average`` is the single output (probability
    of the positive class, or the predicted value); for multiclass ``by_class`` holds one
    line per class instead and ``average`` is empty.
    """

    feature: str
    grid: list[float | str]
    average: list[float]
    kind: str
    output_label: str = ""
    by_class: dict[str, list[float]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PartialDependence:
        return cls(
            feature=str(data["feature"]),
            grid=list(data["grid"]),
            average=[float(v) for v in data["average"]],
            kind=data["kind"],
            output_label=data.get("output_label", ""),
            by_class={k: [float(v) for v in vs] for k, vs in data.get("by_class", {}).items()},
        )


@dataclass(frozen=True)
class MetricSummary:
    """One metric for the model on the holdout, beside the baseline and across folds.

    A value that cannot be computed is ``None`` and ``note`` says why (MAPE with zero
    actual values, ROC AUC with one class in the holdout).
    """

    name: str
    holdout: float | None
    baseline: float | None
    cv_mean: float | None
    cv_std: float | None
    greater_is_better: bool
    label: str
    explanation: str
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MetricSummary:
        return cls(
            name=data["name"],
            holdout=data.get("holdout"),
            baseline=data.get("baseline"),
            cv_mean=data.get("cv_mean"),
            cv_std=data.get("cv_std"),
            greater_is_better=bool(data["greater_is_better"]),
            label=data["label"],
            explanation=data["explanation"],
            note=data.get("note"),
        )


@dataclass(frozen=True)
class Evaluation:
    """Everything known about one model on the holdout.

    ``per_class`` is the multiclass table (one dict per class: label, precision, recall,
    f1, support); ``clusters`` the clustering table (cluster, size, share and the mean of
    each numeric feature). ``importance_metric`` names what the importances measure.
    """

    task: str
    metrics: tuple[MetricSummary, ...]
    rows: int = 0
    positive_class: str | None = None
    curves: tuple[Curve, ...] = ()
    confusion: ConfusionMatrix | None = None
    thresholds: ThresholdAnalysis | None = None
    importances: tuple[Importance, ...] = ()
    importance_metric: str = ""
    partial_dependence: tuple[PartialDependence, ...] = ()
    per_class: list[dict[str, Any]] = field(default_factory=list)
    clusters: list[dict[str, Any]] = field(default_factory=list)
    residuals: Curve | None = None
    notes: list[str] = field(default_factory=list)

    def metric(self, name: str) -> MetricSummary | None:
        """The summary of metric ``name``, or None when this task has no such metric."""
        return next((m for m in self.metrics if m.name == name), None)

    def curve(self, name: str) -> Curve | None:
        """The curve called ``name`` ("roc", "pr", ...), or None."""
        if self.residuals is not None and name == self.residuals.name:
            return self.residuals
        return next((c for c in self.curves if c.name == name), None)

    @property
    def threshold(self) -> float | None:
        """The decision threshold chosen for a binary model (stored for export)."""
        if self.thresholds is None or self.thresholds.choice is None:
            return None
        return self.thresholds.choice.threshold

    def to_dict(self) -> dict[str, Any]:
        return {
            "task": self.task,
            "metrics": [m.to_dict() for m in self.metrics],
            "rows": self.rows,
            "positive_class": self.positive_class,
            "curves": [c.to_dict() for c in self.curves],
            "confusion": self.confusion.to_dict() if self.confusion else None,
            "thresholds": self.thresholds.to_dict() if self.thresholds else None,
            "importances": [i.to_dict() for i in self.importances],
            "importance_metric": self.importance_metric,
            "partial_dependence": [p.to_dict() for p in self.partial_dependence],
            "per_class": [dict(row) for row in self.per_class],
            "clusters": [dict(row) for row in self.clusters],
            "residuals": self.residuals.to_dict() if self.residuals else None,
            "notes": list(self.notes),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Evaluation:
        confusion = data.get("confusion")
        thresholds = data.get("thresholds")
        residuals = data.get("residuals")
        return cls(
            task=data["task"],
            metrics=tuple(MetricSummary.from_dict(m) for m in data["metrics"]),
            rows=int(data.get("rows", 0)),
            positive_class=data.get("positive_class"),
            curves=tuple(Curve.from_dict(c) for c in data.get("curves", [])),
            confusion=ConfusionMatrix.from_dict(confusion) if confusion else None,
            thresholds=ThresholdAnalysis.from_dict(thresholds) if thresholds else None,
            importances=tuple(Importance.from_dict(i) for i in data.get("importances", [])),
            importance_metric=data.get("importance_metric", ""),
            partial_dependence=tuple(
                PartialDependence.from_dict(p) for p in data.get("partial_dependence", [])
            ),
            per_class=[dict(row) for row in data.get("per_class", [])],
            clusters=[dict(row) for row in data.get("clusters", [])],
            residuals=Curve.from_dict(residuals) if residuals else None,
            notes=[str(n) for n in data.get("notes", [])],
        )
