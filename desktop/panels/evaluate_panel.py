"""The Evaluate step: how a stored run does on rows it never saw, in numbers and pictures.

Everything comes from the run's stored evaluation (no re-scoring): reading it and building
the figures runs as a task, then the metrics, the plots and (for a yes/no model) the
threshold box are filled in. Moving the threshold redraws the confusion matrix and the
threshold plot from the stored counts; "Use this threshold" saves it for the export, and
"Save report…" writes the HTML report, each in a task.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer, QUrl, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from desktop.tasks import Task, TaskRunner
from desktop.theme import error_style
from desktop.widgets.metrics_table import MetricsTable
from desktop.widgets.plot_canvas import PlotTabs, build_figures
from desktop.widgets.threshold_box import ThresholdBox

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from engine.evaluation.result import Evaluation
    from engine.jobs import CancelToken, ProgressCallback
    from engine.project.store import Project
    from engine.project.store_runs import RunRecord

REDRAW_DELAY_MS = 150  # the plots follow the slider once it rests this long
_THRESHOLD_PLOTS = ("confusion", "thresholds")


class EvaluatePanel(QWidget):
    """Metrics and the threshold on the left, the plots in tabs on the right."""

    status_changed = Signal(str)  # "done" or "waiting"
    threshold_saved = Signal(float)

    def __init__(self, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self._project: Project | None = None
        self._run_id: int | None = None
        self._evaluation: Evaluation | None = None
        self._loading: Task | None = None
        self.status = "waiting"

        self.heading = QLabel("<h3>Evaluate</h3>")
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setOpenExternalLinks(True)
        self.report_button = QPushButton("Save report…")
        self.report_button.setToolTip(
            "Write a web page (HTML) with these numbers and pictures, to share or archive."
        )
        self.report_button.clicked.connect(self.choose_report_path)
        top = QHBoxLayout()
        top.addWidget(self.heading, 1)
        top.addWidget(self.report_button, 0, Qt.AlignmentFlag.AlignTop)

        self.metrics = MetricsTable()
        self.notes = QLabel()
        self.notes.setWordWrap(True)
        self.threshold = ThresholdBox()
        self.threshold.changed.connect(self._threshold_moved)
        self.threshold.use_requested.connect(self.use_threshold)
        left = QVBoxLayout()
        left.setContentsMargins(0, 0, 0, 0)
        left.addWidget(QLabel("<b>Scores on the holdout rows</b> (hover a metric to learn more)"))
        left.addWidget(self.metrics)
        left.addWidget(self.notes)
        left.addWidget(self.threshold)
        left.addStretch(1)
        left_widget = QWidget()
        left_widget.setLayout(left)
        self.plots = PlotTabs()
        splitter = QSplitter()
        splitter.addWidget(left_widget)
        splitter.addWidget(self.plots)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([460, 700])
        self._redraw_timer = QTimer(self)
        self._redraw_timer.setSingleShot(True)
        self._redraw_timer.setInterval(REDRAW_DELAY_MS)
        self._redraw_timer.timeout.connect(self._redraw_threshold_plots)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.message)
        layout.addWidget(splitter, 1)
        self.set_run(None, None)

    # -- showing a run ---------------------------------------------------------------------

    def set_run(self, project: Project | None, run_id: int | None) -> Task | None:
        """Show run ``run_id`` of ``project`` (read in a task); None empties the panel."""
        if self._loading is not None:
            self._loading.cancel()
            self._loading = None
        self._project, self._run_id = project, run_id
        if project is None or run_id is None:
            self._show(None)
            self._say("Train a model in the Train step first: its results appear here.")
            return None
        # What is on screen stays until the run is read (no flicker when it is read again,
        # e.g. after a new threshold was saved).
        self.report_button.setEnabled(False)
        self.threshold.setEnabled(False)

        def loaded(view: RunView) -> None:
            if self._loading is task:
                self._loading = None
                self._show(view)

        def failed(error: BaseException | None) -> None:
            if self._loading is task:
                self._loading = None
                self._show(None)
                self._say(f"Run {run_id} could not be shown: {html.escape(str(error))}",
                          error=True)

        task = self._runner.run(
            f"Reading run {run_id}",
            lambda progress, cancel: load_run_view(project, run_id, progress, cancel),
            loaded,
            on_failed=failed,
            shows_errors=True,
        )
        self._loading = task
        return task

    def _show(self, view: RunView | None) -> None:
        self._evaluation = view.evaluation if view is not None else None
        self.metrics.set_evaluation(
            self._evaluation, view.record.problem.metric if view is not None else None
        )
        self.plots.set_figures(view.figures if view is not None else {})
        evaluation = self._evaluation
        analysis = evaluation.thresholds if evaluation is not None else None
        labels = tuple(evaluation.confusion.labels) if analysis and evaluation.confusion else ()
        self.threshold.set_analysis(analysis, labels if len(labels) == 2 else ("no", "yes"))
        self.report_button.setEnabled(view is not None)
        self.threshold.setEnabled(True)
        if view is None:
            self.heading.setText("<h3>Evaluate</h3>")
            self.notes.clear()
        else:
            self.heading.setText(f"<h3>{html.escape(_title(view.record))}</h3>")
            self._say(_summary(view.record, view.evaluation))
            self.notes.setText("".join(
                f"<i>{html.escape(note)}</i><br>" for note in view.evaluation.notes
            ))
        self.status = "done" if view is not None else "waiting"
        self.status_changed.emit(self.status)  # every time: the navigation may have missed one

    # -- the threshold ---------------------------------------------------------------------

    def _threshold_moved(self, _value: float) -> None:
        self._redraw_timer.start()  # restarts while the slider moves

    def _redraw_threshold_plots(self) -> None:
        from engine.evaluation.threshold_pick import pick_threshold

        if self._evaluation is None or self.threshold.point is None:
            return
        shown = pick_threshold(
            self._evaluation, self.threshold.point.threshold, self.threshold.business_value()
        )
        self.plots.redraw(_THRESHOLD_PLOTS, shown)

    def use_threshold(self, value: float) -> Task | None:
        """Store ``value`` as the model's threshold (with the costs typed in), in a task."""
        from engine import api

        if self._project is None or self._run_id is None:
            return None
        project, run_id, costs = self._project, self._run_id, self.threshold.business_value()

        def saved(choice: Any) -> None:
            if self._project is project and self._run_id == run_id:
                self.threshold.show_stored(choice.threshold, choice.reason)
                self._say(f"The threshold {choice.threshold:.3f} is saved with the model; the "
                          "export will use it.")
            self.threshold_saved.emit(choice.threshold)

        return self._runner.run(
            "Saving the threshold",
            lambda progress, cancel: api.set_threshold(project, run_id, value, costs),
            saved,
            on_failed=lambda error: self._say(html.escape(str(error)), error=True),
            shows_errors=True,
        )

    # -- the report ------------------------------------------------------------------------

    def choose_report_path(self) -> None:
        """Ask where to save the report, then write it ("Save report…")."""
        default = f"run {self._run_id} report.html"
        name, _ = QFileDialog.getSaveFileName(self, "Save the report", default,
                                              "Web page (*.html)")
        if name:
            self.save_report(Path(name))

    def save_report(self, path: Path) -> Task | None:
        """Write the run's HTML report to ``path`` in a task."""
        from engine import api

        if self._project is None or self._run_id is None:
            return None
        project, run_id = self._project, self._run_id
        self._say(f"Writing the report to {html.escape(path.name)}…")

        def written(written_path: Path) -> None:
            url = QUrl.fromLocalFile(str(written_path)).toString()
            self._say(f'Report saved: <a href="{url}">{html.escape(str(written_path))}</a>')

        return self._runner.run(
            "Writing the report",
            lambda progress, cancel: api.evaluation_report(project, run_id, path),
            written,
            on_failed=lambda error: self._say(
                f"The report was not saved: {html.escape(str(error))}", error=True
            ),
            shows_errors=True,
        )

    def _say(self, text: str, *, error: bool = False) -> None:
        self.message.setStyleSheet(error_style() if error else "")
        self.message.setText(text)


def _title(record: RunRecord) -> str:
    best = record.leaderboard.best
    model = best.label if best is not None else "the baseline"
    return f"Evaluate run {record.id}: {model}"


def _summary(record: RunRecord, evaluation: Evaluation) -> str:
    target = record.problem.target or "groups"
    text = (
        f"Predicting <b>{html.escape(target)}</b>: checked on {evaluation.rows:,} holdout rows "
        "that the model never saw while it was trained."
    )
    if record.status == "stopped":
        text += " Training was stopped early, so a better model may exist."
    return text


# -- engine job (runs on a worker thread; no Qt below this line) ----------------------------


@dataclass(frozen=True)
class RunView:
    """A stored run as the panel shows it: its record, evaluation and figures."""

    record: RunRecord
    evaluation: Evaluation
    figures: dict[str, Figure]


def load_run_view(
    project: Project, run_id: int, progress: ProgressCallback, cancel: CancelToken
) -> RunView:
    """Read the run and its evaluation, and build every figure it has data for."""
    from engine.evaluation.result import Evaluation
    from engine.jobs import Job

    job = Job(progress, cancel)
    record = project.load_run(run_id)
    stored, _threshold = project.load_evaluation(run_id)
    evaluation = Evaluation.from_dict(stored)
    job.step(0.3, "Drawing the plots")
    figures = build_figures(evaluation)
    job.done("Ready")
    return RunView(record, evaluation, figures)
