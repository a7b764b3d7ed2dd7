"""The Monitor step's work on a worker thread: the drift check and its figures; report files.

No Qt here: these functions run inside TaskRunner tasks. The figures are matplotlib
``Figure`` objects built with the object API (no pyplot), which is safe off the GUI thread;
the window only puts them on canvases.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from engine.jobs import CancelToken, ProgressCallback
    from engine.monitor.history_entry import HistoryEntry
    from engine.monitor.report import DriftReport
    from engine.monitor.run import DriftResult
    from engine.project.store import Project

TREND_COLUMNS = 3
"""How many of the flagged columns the trend draws beside the model's scores."""


@dataclass(frozen=True)
class DriftView:
    """A finished check as the panel shows it: the engine's result and its figures."""

    result: DriftResult
    scores_figure: Figure | None
    trend_figure: Figure | None
    column_figures: dict[str, Figure] = field(default_factory=dict)
    metric_explanation: str = ""
    """What the performance metric means (the engine's METRIC_INFO), for its tooltip."""

    @property
    def report(self) -> DriftReport:
        return self.result.report


def drift_job(
    model: Path,
    data: Path,
    project: Project | None,
    history_path: Path | None,
    progress: ProgressCallback,
    cancel: CancelToken,
) -> DriftView:
    """Check ``data`` against ``model`` (recording it), then draw the figures."""
    from engine import api

    result = api.check_drift(
        model, api.source_for(str(data)), project=project, history_path=history_path,
        progress=progress, cancel=cancel,
    )
    # The check is recorded by now: the figures are drawn even if Cancel comes late, so what
    # the history holds is also what the window shows.
    return DriftView(result, *draw_figures(result.report, result.history),
                     metric_explanation=explain_metric(result.report))


def explain_metric(report: DriftReport) -> str:
    """The explanation of the performance metric, or "" (imports sklearn: not on the GUI)."""
    if report.performance is None:
        return ""
    from engine.evaluation.metrics import METRIC_INFO

    info = METRIC_INFO.get(report.performance.metric)
    return f"{info.label}: {info.explanation}" if info is not None else ""


def past_checks_job(
    model: Path,
    project: Project | None,
    history_path: Path | None,
    progress: ProgressCallback,
    cancel: CancelToken,
) -> tuple[tuple[HistoryEntry, ...], Figure | None]:
    """The recorded checks of ``model`` and their trend, before any new check is run.

    A file that is not a readable Gristmill model has no past checks here: the check itself
    says what is wrong with it. A damaged history raises its error (the panel shows it).
    """
    from engine.monitor import plots
    from engine.monitor.history import load_history

    try:
        import onnx

        from engine.export.metadata import read_metadata

        metadata = read_metadata(onnx.load(str(model), load_external_data=False))
    except Exception:  # any unreadable file: nothing to show yet, on purpose
        return (), None
    if metadata is None:
        return (), None
    entries = tuple(load_history(model_name=metadata.name, model_path=model, project=project,
                                 history_path=history_path))
    return entries, plots.trend_figure(entries)


def draw_figures(
    report: DriftReport, history: tuple[HistoryEntry, ...]
) -> tuple[Figure | None, Figure | None, dict[str, Figure]]:
    """(scores figure, trend figure, one histogram per column) for ``report``."""
    from engine.monitor import plots

    scores = plots.score_figure(report.scores) if report.scores is not None else None
    flagged = report.flagged_columns()
    moved = tuple(c.name for c in flagged if c.status in ("changed", "major"))[:TREND_COLUMNS]
    missing = tuple(c.name for c in flagged if "missing" in c.integrity)[:TREND_COLUMNS]
    # PSI for columns whose distribution moved; missing rates for those whose gaps grew.
    trend = plots.trend_figure(history, moved, missing)  # None below two checks
    columns = {c.name: plots.column_figure(c) for c in report.columns if c.bins}
    return scores, trend, columns


def write_report_job(
    report: DriftReport, history: tuple[HistoryEntry, ...], path: Path
) -> Path:
    """Write the self-contained HTML report of ``report`` (with the trend) to ``path``."""
    from engine.monitor.html_report import write_html

    return Path(write_html(report, path, list(history)))


def write_json_job(report: DriftReport, path: Path) -> Path:
    """Write ``report`` as JSON (the same as ``gristmill drift --json``) to ``path``."""
    from engine.monitor.run import write_json

    return write_json(report, path)
