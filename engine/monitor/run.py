"""A whole drift check as the window and the command line run it: check, record, write.

:func:`run_drift_check` refuses a damaged history before reading any data (a long check must
not end in "could not record it"), runs :func:`engine.monitor.check.check_drift`, stores the
check in the history (the project when given, else the file beside the model) and writes the
HTML and JSON reports asked for. Files are written only after the check succeeded.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from engine.atomic_files import write_text_atomically
from engine.errors import InputError
from engine.jobs import CancelToken, Job, ProgressCallback
from engine.monitor.history_entry import HistoryEntry
from engine.monitor.report import DriftReport
from engine.monitor.settings import DriftSettings
from engine.sources.base import Source

if TYPE_CHECKING:
    from engine.project.store import Project


@dataclass(frozen=True)
class DriftResult:
    """A finished check: the report, the history including it, and what was written where."""

    report: DriftReport
    history: tuple[HistoryEntry, ...]
    stored_in: str | None = None
    html_path: Path | None = None
    json_path: Path | None = None


def run_drift_check(
    model_path: str | os.PathLike[str],
    source: Source,
    *,
    project: Project | None = None,
    history_path: str | os.PathLike[str] | None = None,
    record: bool = True,
    html_path: str | os.PathLike[str] | None = None,
    json_path: str | os.PathLike[str] | None = None,
    settings: DriftSettings | None = None,
    password: str | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> DriftResult:
    """Check ``source`` against the model, keep the check in the history, write the reports."""
    from engine.export.scoring_model import load_scoring_model
    from engine.monitor import history
    from engine.monitor.check import check_drift

    job = Job(progress, cancel)
    for path in (html_path, json_path):
        if path is not None:
            _check_output_folder(Path(path))
    model = load_scoring_model(model_path)
    if record:
        history.preflight_history(project=project, history_path=history_path,
                                  model_path=model.path)
    report = check_drift(model, source, settings=settings, password=password,
                         progress=job.sub(0.0, 0.9).step, cancel=job.cancel)
    job.step(0.9, "Recording the check", force=True)
    stored_in = None
    if record:
        entries, stored_in = history.record_check(report, project=project,
                                                  history_path=history_path)
    else:
        entries = [*history.load_history(model_name=report.model, model_path=model.path,
                                         project=project, history_path=history_path),
                   HistoryEntry.from_report(report)]
    written_html = written_json = None
    if json_path is not None:
        written_json = write_json(report, json_path)
    if html_path is not None:
        from engine.monitor.html_report import write_html

        job.step(0.95, "Writing the report", force=True)
        written_html = write_html(report, html_path, entries)
    job.done(f"{report.level_words}: {report.headline}")
    return DriftResult(report, tuple(entries), stored_in, written_html, written_json)


def write_json(report: DriftReport, path: str | os.PathLike[str]) -> Path:
    """The report as JSON for machines (written atomically)."""
    from engine.project.store_drift import json_text

    target = Path(path).expanduser()
    _check_output_folder(target)
    # The same strict JSON as the stored history: a figure that could not be computed is
    # null, never NaN, which JSON readers other than Python's refuse.
    write_text_atomically(target, json_text(report.to_dict(), indent=2) + "\n")
    return target


def _check_output_folder(path: Path) -> None:
    folder = path.expanduser().parent
    if not folder.is_dir():
        raise InputError(
            f"Cannot write {path.name}: the folder {folder} does not exist.",
            "Create the folder first or choose another place for the report.",
        )
