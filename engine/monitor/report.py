"""The result of a drift check: plain data objects that cross into the window and the files.

:class:`DriftReport` holds the headline (level and one plain sentence with what to do), one
:class:`ColumnDrift` per model input, the drift of the model's scores (:class:`ScoreDrift`)
and, when the new data has the target, the performance now (:class:`PerformanceCheck`).
``to_dict`` / ``from_dict`` give the JSON written by ``gristmill drift --json`` and kept in
the history.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

REPORT_FORMAT = "gristmill-drift-report"
REPORT_VERSION = 1

# Column and headline levels, mildest first. "too few rows": not enough values to judge.
STABLE, CHANGED, MAJOR, TOO_FEW = "stable", "changed", "major", "too few rows"
SEVERITY = {TOO_FEW: -1, STABLE: 0, CHANGED: 1, MAJOR: 2}
LEVEL_WORDS = {STABLE: "Stable", CHANGED: "Changed", MAJOR: "Major", TOO_FEW: "Not enough rows"}


@dataclass(frozen=True)
class ColumnDrift:
    """One model input: its distribution test, integrity checks and findings in words.

    ``status`` is the distribution verdict (stable, changed, major or too few rows);
    ``integrity`` lists what else went wrong ("missing", "new categories", "out of range",
    "retyped"), each also explained in ``findings``. ``bins`` names the cells of
    ``reference_counts`` / ``counts`` (value ranges or categories) for the histograms.
    ``weight`` is the column's share of the model's importance (all columns sum to 1).
    """

    name: str
    kind: str
    status: str
    weight: float
    importance: float | None
    rows: int
    present: int
    psi: float | None = None
    p_value: float | None = None
    p_adjusted: float | None = None
    largest_share_change: float | None = None
    largest_share_category: str | None = None
    bins: tuple[str, ...] = ()
    reference_counts: tuple[int, ...] = ()
    counts: tuple[int, ...] = ()
    missing_rate_reference: float = 0.0
    missing_rate: float = 0.0
    missing_p: float | None = None
    new_category_share: float = 0.0
    new_category_share_reference: float = 0.0
    unseen_examples: tuple[tuple[str, int], ...] = ()
    below_range: int = 0
    above_range: int = 0
    conversion_failures: int = 0
    failure_examples: tuple[str, ...] = ()
    reference_middle: float | str | None = None
    middle: float | str | None = None
    integrity: tuple[str, ...] = ()
    findings: tuple[str, ...] = ()
    newer_period: bool = False  # a date column that moved forward: a later period, not drift

    @property
    def severity(self) -> int:
        """0 stable, 1 changed, 2 major, counting integrity problems as a change."""
        level = max(SEVERITY[self.status], 0)
        if "retyped" in self.integrity:
            return 2
        return max(level, 1) if self.integrity else level

    @property
    def flagged(self) -> bool:
        return self.severity > 0


@dataclass(frozen=True)
class ScoreDrift:
    """The model's own output: the distribution of its score, and the predicted classes."""

    name: str
    status: str
    rows: int
    psi: float | None
    p_value: float | None
    bins: tuple[str, ...] = ()
    reference_counts: tuple[int, ...] = ()
    counts: tuple[int, ...] = ()
    reference_middle: float | None = None
    middle: float | None = None
    predicted_reference: dict[str, float] = field(default_factory=dict)
    predicted: dict[str, float] = field(default_factory=dict)
    findings: tuple[str, ...] = ()


@dataclass(frozen=True)
class PerformanceCheck:
    """How well the model does on the new rows that have the target, against training."""

    metric: str
    label: str
    training: float | None
    now: float | None
    low: float | None
    high: float | None
    rows: int
    worse: bool
    sentence: str
    greater_is_better: bool = True


@dataclass(frozen=True)
class OutcomeMix:
    """With labels: the outcome at training and now (prior shift when ``changed``).

    ``kind`` "classes" (a classifier): ``before`` and ``after`` are each outcome's share of
    the rows. ``kind`` "values" (a regression target): they are the target's ``mean``,
    ``10%``, ``median`` and ``90%``; ``shift`` is the move of its mean in training standard
    deviations and ``psi`` the PSI on the target's reference bins, whose test gives
    ``p_value``.
    """

    before: dict[str, float]
    after: dict[str, float]
    rows: int
    p_value: float | None
    changed: bool
    sentence: str
    kind: str = "classes"
    shift: float | None = None
    psi: float | None = None


@dataclass(frozen=True)
class PerformanceEstimate:
    """Without labels: the metric expected from the model's own probabilities (CBPE-style).

    If the probabilities are calibrated, a row scored 0.8 is positive four times in five,
    so the expected confusion counts, and from them ROC AUC or accuracy, follow from the
    scores alone. ``low`` .. ``high`` is the 95% bootstrap interval over the rows.
    """

    metric: str
    label: str
    training: float | None
    estimate: float
    low: float | None
    high: float | None
    rows: int
    sentence: str


@dataclass(frozen=True)
class DriftReport:
    """Everything a drift check found (see the module docstring)."""

    model: str
    model_path: str
    model_fingerprint: str
    source: str
    checked_at: str
    rows: int
    seconds: float
    level: str
    headline: str
    advice: str
    columns: tuple[ColumnDrift, ...]
    scores: ScoreDrift | None
    performance: PerformanceCheck | None = None
    outcome: OutcomeMix | None = None
    estimate: PerformanceEstimate | None = None
    changed_weight: float = 0.0
    major_weight: float = 0.0
    notes: tuple[str, ...] = ()
    read_notes: tuple[str, ...] = ()
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def level_words(self) -> str:
        return LEVEL_WORDS[self.level]

    def flagged_columns(self) -> list[ColumnDrift]:
        """Columns with any finding, most important and most severe first."""
        return [c for c in self.ordered_columns() if c.flagged]

    def ordered_columns(self) -> list[ColumnDrift]:
        """Columns sorted by severity, then by their share of the model's importance."""
        return sorted(self.columns, key=lambda c: (-c.severity, -c.weight, c.name))

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data = {"format": REPORT_FORMAT, "version": REPORT_VERSION, **data}
        return _lists(data)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DriftReport:
        """A report read back from :meth:`to_dict` output (ValueError when malformed)."""
        if data.get("format") != REPORT_FORMAT:
            raise ValueError("not a Gristmill drift report")
        if int(data.get("version", 0)) > REPORT_VERSION:
            raise ValueError(f"drift report version {data.get('version')} is newer than "
                             f"this Gristmill reads ({REPORT_VERSION})")
        values = {k: v for k, v in data.items() if k not in ("format", "version")}
        values["columns"] = tuple(_column(c) for c in values["columns"])
        scores = values.get("scores")
        values["scores"] = _scores(scores) if scores else None
        performance = values.get("performance")
        values["performance"] = PerformanceCheck(**performance) if performance else None
        outcome = values.get("outcome")
        values["outcome"] = OutcomeMix(**outcome) if outcome else None
        estimate = values.get("estimate")
        values["estimate"] = PerformanceEstimate(**estimate) if estimate else None
        values["notes"] = tuple(values.get("notes", ()))
        values["read_notes"] = tuple(values.get("read_notes", ()))
        return cls(**values)


def _column(data: dict[str, Any]) -> ColumnDrift:
    values = dict(data)
    for name in ("bins", "reference_counts", "counts", "failure_examples", "integrity",
                 "findings"):
        values[name] = tuple(values.get(name, ()))
    values["unseen_examples"] = tuple(
        (str(v), int(n)) for v, n in values.get("unseen_examples", ())
    )
    return ColumnDrift(**values)


def _scores(data: dict[str, Any]) -> ScoreDrift:
    values = dict(data)
    for name in ("bins", "reference_counts", "counts", "findings"):
        values[name] = tuple(values.get(name, ()))
    return ScoreDrift(**values)


def _lists(value: Any) -> Any:
    """Tuples as lists, recursively (JSON has no tuples; from_dict turns them back)."""
    if isinstance(value, dict):
        return {k: _lists(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_lists(v) for v in value]
    return value
