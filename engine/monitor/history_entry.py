"""One past drift check as the history keeps it: the headline and each column's figures.

A :class:`HistoryEntry` is small (no bins, no examples) so that years of monthly checks stay
light, and holds what the report's trend needs: the level, the score PSI, and per column its
status, PSI and missing rate. :mod:`engine.monitor.history` stores entries in the project file
or in a history file beside the model.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from engine.monitor.report import DriftReport


@dataclass(frozen=True)
class HistoryEntry:
    """A past check: when, on what, the verdict and the per-column figures.

    ``columns`` maps a column name to ``{"status", "severity", "psi", "missing_rate",
    "integrity"}``; ``performance`` is ``{"metric", "label", "training", "now", "low",
    "high"}`` when the data had labels.
    """

    checked_at: str
    model: str
    model_fingerprint: str
    source: str
    rows: int
    level: str
    headline: str
    score_psi: float | None
    changed_weight: float
    columns: dict[str, dict[str, Any]] = field(default_factory=dict)
    performance: dict[str, Any] | None = None

    @classmethod
    def from_report(cls, report: DriftReport) -> HistoryEntry:
        performance = None
        if report.performance is not None:
            p = report.performance
            performance = {"metric": p.metric, "label": p.label, "training": p.training,
                           "now": p.now, "low": p.low, "high": p.high}
        return cls(
            checked_at=report.checked_at,
            model=report.model,
            model_fingerprint=report.model_fingerprint,
            source=report.source,
            rows=report.rows,
            level=report.level,
            headline=report.headline,
            score_psi=report.scores.psi if report.scores is not None else None,
            changed_weight=report.changed_weight,
            columns={
                c.name: {"status": c.status, "severity": c.severity, "psi": c.psi,
                         "missing_rate": c.missing_rate, "integrity": list(c.integrity)}
                for c in report.columns
            },
            performance=performance,
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> HistoryEntry:
        """An entry read back from :meth:`to_dict` (KeyError/TypeError/ValueError if malformed)."""
        return cls(
            checked_at=str(data["checked_at"]),
            model=str(data["model"]),
            model_fingerprint=str(data.get("model_fingerprint", "")),
            source=str(data["source"]),
            rows=int(data["rows"]),
            level=str(data["level"]),
            headline=str(data.get("headline", "")),
            score_psi=None if data.get("score_psi") is None else float(data["score_psi"]),
            changed_weight=float(data.get("changed_weight", 0.0)),
            columns={str(k): dict(v) for k, v in dict(data.get("columns", {})).items()},
            performance=dict(data["performance"]) if data.get("performance") else None,
        )
