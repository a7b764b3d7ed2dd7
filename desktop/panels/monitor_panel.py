"""The Monitor step: check a file of new rows for drift against an exported model.

The user picks the model (pre-filled with the model just exported, or the project's latest
export) and the new data, by dialog or by dropping the files on the panel. "Check for drift"
runs :func:`engine.api.check_drift` in a task with progress and Cancel; the answer shows as a
coloured level with the headline and what to do, the performance on labelled rows, the
traffic-light table of columns, the selected column's histogram, the model's scores and the
trend of past checks. The check is recorded in the project when there is one, otherwise in
the history file beside the model. "Save report…" and "Save JSON…" write the files in tasks.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QGroupBox, QLabel, QSplitter, QVBoxLayout, QWidget

from desktop.widgets.file_drops import DATA_SUFFIXES, ModelAndDataDrops
from desktop.widgets.fitting_text import breakable
from desktop.widgets.monitor_charts import DriftTabs
from desktop.widgets.monitor_columns import ColumnDriftTable
from desktop.widgets.monitor_files import MonitorFiles
from desktop.widgets.monitor_inputs import MonitorInputs, latest_export
from desktop.widgets.monitor_job import DriftView, drift_job, past_checks_job
from desktop.widgets.monitor_verdict import VerdictBox

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from desktop.tasks import Task, TaskRunner
    from engine.monitor.history_entry import HistoryEntry
    from engine.monitor.report import ColumnDrift
    from engine.project.store import Project

JUST_EXPORTED = "The model just exported in Deploy."
NO_EXPORT = ("No model trained on this table was exported yet: export one in Deploy, or choose "
             "a model file.")


class MonitorPanel(ModelAndDataDrops, QWidget):
    """Inputs on top, then the verdict; below, the columns on the left, the pictures right.

    ``status_changed`` says "waiting" (no model), "to do" (a model to check) or "done" (the
    model was checked); ``check_finished`` gives each finished check's DriftResult.
    """

    status_changed = Signal(str)
    check_finished = Signal(object)  # engine.monitor.run.DriftResult

    def __init__(self, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self._project: Project | None = None
        self._source_id: int | None = None
        self._task: Task | None = None
        self._default_model = ""
        self._checked_model: Path | None = None
        self.history_path: Path | None = None
        """Where to record checks when there is no project (None: beside the model)."""
        self.view: DriftView | None = None
        self.status = ""
        self.setAcceptDrops(True)

        self.inputs = MonitorInputs()
        self.inputs.check_requested.connect(self.check)
        self.inputs.cancel_requested.connect(self.cancel)
        self.inputs.model_changed.connect(self._model_changed)
        self._past_timer = QTimer(self)  # reads past checks once the model field rests
        self._past_timer.setSingleShot(True)
        self._past_timer.setInterval(400)
        self._past_timer.timeout.connect(self.show_past_checks)
        self._reading: Task | None = None
        self.files = MonitorFiles(runner)

        box = QGroupBox("Has the new data drifted from what the model learned?")
        box_layout = QVBoxLayout(box)
        box_layout.addWidget(self.inputs)

        self.verdict = VerdictBox()
        self.table = ColumnDriftTable()
        self.table.column_chosen.connect(self._column_chosen)
        self.tabs = DriftTabs()
        # The verdict across the whole width (wide, its words take few lines); below it the
        # columns' table beside the pictures, the table the wider: at 1,280 x 800 it shows
        # at least eight columns with their "What changed" in full.
        table_side = QWidget()
        table_layout = QVBoxLayout(table_side)
        table_layout.setContentsMargins(0, 0, 0, 0)
        self.table_heading = QLabel(
            "<b>Columns, most worrying first</b> (select one to see how it moved)")
        self.table_heading.setWordWrap(True)
        table_layout.addWidget(self.table_heading)
        table_layout.addWidget(self.table, 1)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(table_side)
        splitter.addWidget(self.tabs)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([600, 400])
        splitter.setChildrenCollapsible(False)
        self.splitter = splitter
        self.tabs.currentChanged.connect(self._tab_changed)

        layout = QVBoxLayout(self)
        layout.addWidget(box)
        layout.addWidget(self.files)
        layout.addWidget(self.verdict)
        layout.addWidget(splitter, 1)
        self._show(None)
        self._refresh_status(force=True)

    # -- the model and the data ------------------------------------------------------------

    def set_project(self, project: Project | None, source_id: int | None = None) -> None:
        """Record checks in ``project`` and offer its latest exported model (None: no project).

        With ``source_id`` (the table on screen in Data) only models trained on that table
        are offered; when the table changes, the previous table's model, verdict and "done"
        go, so Monitor never speaks of another table's model.
        """
        switched = (project, source_id) != (self._project, self._source_id)
        self._project, self._source_id = project, source_id
        if switched:
            self._default_model = ""
            self.inputs.set_model_file("", "")
            self._checked_model = None
            if self._task is None:
                self._show(None)
        if project is not None:
            exports = project.list_exports()
            if source_id is not None:
                runs = {run.id for run in project.list_runs(source_id)}
                exports = [record for record in exports if record.run_id in runs]
            path, note = latest_export(exports)
            if not exports and source_id is not None:
                note = NO_EXPORT
            self._offer_model(path, note)  # a gone file: the field empties and says why
        self._refresh_status(force=True)  # every time: the navigation may have missed one
        self._past_timer.start()

    def offer_model(self, path: str) -> None:
        """A model was just exported: use it, unless the user chose another model."""
        self._offer_model(Path(path), JUST_EXPORTED)

    def set_model_file(self, path: Path | str) -> None:
        """Check with the model at ``path`` (the user's choice)."""
        self.inputs.set_model_file(path)

    def set_data_file(self, path: Path | str) -> None:
        """Check the rows of the file at ``path``."""
        self.inputs.set_data_file(path)

    def set_history_path(self, path: Path | None) -> None:
        """Record checks made without a project in ``path`` (None: beside the model)."""
        self.history_path = path

    def open_paths(self, paths: list[Path]) -> bool:
        """Use dropped files: an .onnx file as the model, a table as the new data."""
        used = False
        for path in paths:
            suffix = path.suffix.lower()
            if suffix == ".onnx":
                self.set_model_file(path)
                used = True
            elif suffix in DATA_SUFFIXES:
                self.set_data_file(path)
                used = True
        return used

    def _is_default(self) -> bool:
        current = self.inputs.model_edit.text().strip()
        return not current or current == self._default_model

    def _offer_model(self, path: Path | None, note: str) -> None:
        if self._is_default():
            self._default_model = str(path) if path is not None else ""
            self.inputs.set_model_file(self._default_model, note)

    def _model_changed(self, _text: str) -> None:
        self._refresh_status()
        self._past_timer.start()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        self._past_timer.start()

    def show_past_checks(self) -> Task | None:
        """Read the chosen model's recorded checks in a task and show them (before a check).

        Only while the panel is on screen and shows no check of its own (whose history is
        already there); None when nothing is read.
        """
        model = self.inputs.model_path
        if (not self.isVisible() or self._task is not None or self.view is not None
                or model is None or not model.is_file()):
            return None
        if self._reading is not None:
            self._reading.cancel()
        project, history = self._project, self.history_path

        def read(result: tuple[tuple[HistoryEntry, ...], Figure | None]) -> None:
            if self._reading is task:
                self._reading = None
                if self.view is None and self.inputs.model_path == model:
                    entries, figure = result
                    self.tabs.history.show_history(entries, figure)

        def failed(error: BaseException | None) -> None:
            if self._reading is task:
                self._reading = None
                self.tabs.history.show_history(
                    (), None, f"The past checks could not be read: {error}")

        def forget() -> None:
            if self._reading is task:
                self._reading = None

        task = self._runner.run(
            "Reading past checks",
            lambda progress, cancel: past_checks_job(model, project, history, progress, cancel),
            read, on_failed=failed, on_cancelled=forget, shows_errors=True,
        )
        self._reading = task
        return task

    # -- the check -------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        """True while a check runs."""
        return self._task is not None

    @property
    def busy(self) -> bool:
        """True while a check runs or past checks are being read (or about to be)."""
        return self.running or self._reading is not None or self._past_timer.isActive()

    def check(self) -> Task | None:
        """Check the chosen files (the button); None when a file is missing or one runs."""
        if self._task is not None:
            return None
        model, data = self.inputs.model_path, self.inputs.data_path
        if model is None:
            self.verdict.show_error("Not checked.", "Choose the model file (.onnx) first.")
            return None
        if data is None:
            self.verdict.show_error("Not checked.", "Choose the file of new rows to check.")
            return None
        return self.start(model, data)

    def start(self, model: Path, data: Path) -> Task:
        """Check ``data`` against ``model`` in a task, recording it in the history."""
        project, history = self._project, self.history_path
        self.inputs.set_busy(True)
        self.files.say(f"Checking {html.escape(breakable(data.name))} against "
                       f"{html.escape(breakable(model.name))}…")

        def finished(view: DriftView) -> None:
            if self._task is task:
                self._end()
                self.files.say("")
                self._checked_model = model
                self._show(view)
                self._refresh_status()
                self.check_finished.emit(view.result)

        def failed(error: BaseException | None) -> None:
            if self._task is task:
                self._end()
                self.files.say("")
                self._show(None)
                self.verdict.show_error("The check could not run.",
                                        str(error) if error else "Something went wrong.")

        def cancelled() -> None:
            if self._task is task:
                self._end()
                self.files.say("Check cancelled; nothing was recorded.")

        task = self._runner.run(
            f"Checking {data.name} for drift",
            lambda progress, cancel: drift_job(model, data, project, history, progress, cancel),
            finished,
            on_failed=failed,
            on_cancelled=cancelled,
            shows_errors=True,
        )
        task.signals.progress.connect(self._progress)
        self._task = task
        return task

    def cancel(self) -> None:
        """Stop the running check (the Cancel button)."""
        if self._task is not None:
            self._task.cancel()
            self.inputs.cancelling()

    def _progress(self, fraction: float, message: str) -> None:
        if self._task is not None and not self._task.cancel_token.cancelled:
            self.inputs.show_progress(fraction, message)

    def _end(self) -> None:
        self._task = None
        self.inputs.set_busy(False)

    # -- showing the result ----------------------------------------------------------------

    def _show(self, view: DriftView | None) -> None:
        self.view = view
        has = view is not None
        data = self.inputs.data_path
        self.files.set_view(view, data.parent if data is not None else None)
        self.table_heading.setVisible(has)
        self.table.setVisible(has)
        if view is None:
            self.verdict.clear()
            self.table.set_columns([])
            self.tabs.scores.show_scores(None, None)
            self.tabs.history.show_history((), None)
            return
        report = view.report
        self.verdict.show_report(report, view.result.stored_in, view.metric_explanation)
        self.tabs.scores.show_scores(report.scores, view.scores_figure)
        self.tabs.history.show_history(view.result.history, view.trend_figure)
        self.table.set_columns(report.ordered_columns())

    def _tab_changed(self, _index: int) -> None:
        """The trend needs width to be read (below 80% of its size its labels overlap): the
        pictures take two thirds while Past checks is on show, the table the rest."""
        total = sum(self.splitter.sizes())
        share = 2 / 3 if self.tabs.currentWidget() is self.tabs.history else 2 / 5
        self.splitter.setSizes([round(total * (1 - share)), round(total * share)])

    def _column_chosen(self, column: ColumnDrift | None) -> None:
        figure = None
        if column is not None and self.view is not None:
            figure = self.view.column_figures.get(column.name)
        self.tabs.column.show_column(column, figure)

    # -- drops and status --------------------------------------------------------------------

    def _refresh_status(self, *, force: bool = False) -> None:
        model = self.inputs.model_path
        if model is not None and model == self._checked_model:
            status = "done"
        elif model is not None and model.is_file():
            status = "to do"
        else:
            status = "waiting"
        if force or status != self.status:
            self.status = status
            self.status_changed.emit(status)

