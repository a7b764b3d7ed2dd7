"""The Deploy step: export a trained run as a model package, and score files with a model.

Export writes the four files (:func:`engine.api.export_model`, in a task) and shows the
parity gate's verdict: a green tick and its sentence, or the reason it was refused in red.
Then the files and what each is for, "Open folder", and the model card's scoring code in
four languages. Score a file runs :func:`engine.api.score_file` in a task with Cancel.
The panel accepts .onnx and data files dropped on it.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtWidgets import (
    QGroupBox,
    QLabel,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from desktop.widgets.deploy_export import ExportForm, confirm_replace
from desktop.widgets.deploy_history import ExportHistory, package_files, package_metadata
from desktop.widgets.deploy_package import PackageView
from desktop.widgets.file_drops import DATA_SUFFIXES, ModelAndDataDrops
from desktop.widgets.scoring_view import ScoringView
from desktop.widgets.snippet_tabs import SnippetTabs

if TYPE_CHECKING:
    from desktop.tasks import Task, TaskRunner
    from engine.export.from_run import ExportResult
    from engine.export.metadata import ModelMetadata
    from engine.export.package import PackageFiles
    from engine.project.store import Project
    from engine.project.store_exports import ExportRecord

NO_RUN_TEXT = "Train a model in the Train step first; then export it here."


def _heading(text: str, tip: str = "") -> QLabel:
    label = QLabel(f"<b>{html.escape(text)}</b>")
    label.setToolTip(tip)
    return label


class DeployPanel(ModelAndDataDrops, QWidget):
    """Export on the left (form, verdict, files, code, earlier exports); scoring on the right.

    ``status_changed`` says "waiting" (no trained run), "to do" (a run not exported yet) or
    "done"; ``model_exported`` gives the path of each .onnx file written.
    """

    status_changed = Signal(str)
    model_exported = Signal(str)

    def __init__(
        self,
        runner: TaskRunner,
        parent: QWidget | None = None,
        *,
        settings: QSettings | None = None,
    ) -> None:
        super().__init__(parent)
        self._runner = runner
        self._project: Project | None = None
        self._run_id: int | None = None
        self._exporting: Task | None = None
        self._default_model: str = ""
        self.status = ""
        self.setAcceptDrops(True)

        self.intro = QLabel(NO_RUN_TEXT)
        self.intro.setWordWrap(True)
        self.export_form = ExportForm(settings or QSettings("Gristmill", "Gristmill"))
        self.export_form.export_requested.connect(self.export_to)
        self.package = PackageView()
        self.snippets = SnippetTabs()
        self.history = ExportHistory()
        self.history.setMaximumHeight(80)
        self.history.export_chosen.connect(self.show_export)
        left = QGroupBox("Export the model")
        left_layout = QVBoxLayout(left)
        left_layout.addWidget(self.intro)
        left_layout.addWidget(self.export_form)
        left_layout.addWidget(self.package)
        left_layout.addWidget(_heading(
            "Use it from another program",
            "The model card's code: it scores one row with this model's real column names.",
        ))
        left_layout.addWidget(self.snippets, 1)
        left_layout.addWidget(_heading("Earlier exports of this project"))
        left_layout.addWidget(self.history)

        self.scoring = ScoringView(runner)
        right = QGroupBox("Score a file")
        right_layout = QVBoxLayout(right)
        explain = QLabel(
            "Run a model over a file of new rows and write its predictions to CSV or Parquet. "
            "Any .onnx model works; you can also drop a model or a data file here."
        )
        explain.setWordWrap(True)
        right_layout.addWidget(explain)
        right_layout.addWidget(self.scoring, 1)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)
        self.set_run(None, None)

    # -- the run -----------------------------------------------------------------------------

    def set_run(self, project: Project | None, run_id: int | None) -> None:
        """Export ``run_id`` of ``project`` (None: nothing trained yet, the step waits)."""
        self._project, self._run_id = project, run_id
        records = project.list_exports() if project is not None else []
        self.history.set_exports(records)
        self._show_files(None, None)
        if self._exporting is None:
            self.export_form.set_busy(False)  # forget the last export's message
        if project is None or run_id is None:
            self.intro.setText(NO_RUN_TEXT)
            self.export_form.name_edit.setText("")
        else:
            intro, name = _run_texts(project, run_id)
            self.intro.setText(intro)
            self.export_form.name_edit.setText(name)
            if not self.export_form.folder_edit.text().strip():
                self.export_form.folder_edit.setText(str(project.path.parent))
            mine = [r for r in records if r.run_id == run_id]
            if mine:
                self.show_export(mine[-1])
        latest = next((package_files(r) for r in reversed(records) if package_files(r)), None)
        self._offer_model(latest.model if latest else None)
        self._refresh_buttons()
        exported = run_id is not None and any(r.run_id == run_id for r in records)
        self._set_status("waiting" if run_id is None else "done" if exported else "to do")

    # -- export ------------------------------------------------------------------------------

    def export_to(self, folder: Path, *, force: bool = False) -> Task | None:
        """Export the run into ``folder`` in a task (the Export button, after asking).

        When the folder holds files of the package's names that no export wrote, the user
        is asked whether to replace them; "Replace" exports again with ``force``.
        """
        from engine import api

        project, run_id = self._project, self._run_id
        if project is None or run_id is None or self._exporting is not None:
            return None
        folder = Path(folder)
        name = self.export_form.name_edit.text().strip() or None
        self.export_form.set_busy(True, "Exporting and checking the model…")
        self.package.clear()

        def still_mine() -> bool:
            return self._exporting is task and (self._project, self._run_id) == (project, run_id)

        def finished(result: ExportResult) -> None:
            mine = still_mine()
            self._end_export("")
            if mine:
                self.export_form.remember_folder(folder)
                self._show_files(result.files, result.exported.metadata)
                self.history.set_exports(project.list_exports())
                self._offer_model(result.files.model)
                self._set_status("done")
            self.model_exported.emit(str(result.files.model))

        def failed(error: BaseException | None) -> None:
            mine = still_mine()
            self._end_export("")
            if not mine:
                return
            text = str(error) if error else "The export failed."
            if not force and _foreign_files(folder, name) and confirm_replace(self, text):
                self.export_to(folder, force=True)
                return
            self.package.show_refusal(text)
            self._show_files(None, None, keep_verdict=True)

        def cancelled() -> None:
            mine = still_mine()
            self._end_export("Export cancelled; nothing was written." if mine else "")

        task = self._runner.run(
            f"Exporting run {run_id}",
            lambda progress, cancel: api.export_model(
                project, run_id, folder, name=name, progress=progress, cancel=cancel,
                force=force,
            ),
            finished,
            on_failed=failed,
            shows_errors=True,
            on_cancelled=cancelled,
        )
        task.signals.progress.connect(self.export_form.show_progress)
        self._exporting = task
        return task

    def _end_export(self, message: str) -> None:
        self._exporting = None
        self.export_form.set_busy(False, message)
        self._refresh_buttons()

    def show_export(self, record: ExportRecord) -> None:
        """Show an earlier export's files and code (if still on disk) and score with it."""
        files = package_files(record)
        if files is None:
            where = record.folder or "its folder"
            self.package.clear(
                f"{record.name} was exported to {where}, but its files are no longer all "
                "there. Export again to write them."
            )
            self.snippets.set_metadata(None)
            return
        self._show_files(files, package_metadata(files))
        self._offer_model(files.model, force=True)

    def _show_files(
        self, files: PackageFiles | None, metadata: ModelMetadata | None,
        keep_verdict: bool = False,
    ) -> None:
        if files is None:
            if not keep_verdict:
                self.package.clear()
            self.snippets.set_metadata(None)
            return
        self.package.show_package(files)
        self.snippets.set_metadata(metadata, files.model.name, files.metadata.name)

    # -- scoring and drops -------------------------------------------------------------------

    def _offer_model(self, path: Path | None, *, force: bool = False) -> None:
        """Make ``path`` the scoring model unless the user chose another one."""
        current = self.scoring.model_edit.text().strip()
        if force or not current or current == self._default_model:
            self._default_model = str(path) if path is not None else ""
            self.scoring.set_model_file(self._default_model)

    def open_paths(self, paths: list[Path]) -> bool:
        """Use dropped files: an .onnx file as the model, a table as the data to score."""
        used = False
        for path in paths:
            suffix = path.suffix.lower()
            if suffix == ".onnx":
                self.scoring.set_model_file(path)
                used = True
            elif suffix in DATA_SUFFIXES:
                self.scoring.set_data_file(path)
                used = True
        return used

    # -- status ------------------------------------------------------------------------------

    def _refresh_buttons(self) -> None:
        ready = self._run_id is not None and self._exporting is None
        form = self.export_form
        for widget in (form.export_button, form.name_edit, form.folder_edit, form.choose_button):
            widget.setEnabled(ready)

    def _set_status(self, status: str) -> None:
        self.status = status
        self.status_changed.emit(status)


def _foreign_files(folder: Path, name: str | None) -> bool:
    """True when ``folder`` holds files named like the package that no export wrote (the
    engine's own rule, which refused the export)."""
    from engine.errors import InputError
    from engine.export.package import refuse_foreign_files, safe_name

    if name is None:  # the engine chose the name: the refusal is shown as it is
        return False
    try:
        refuse_foreign_files(folder, safe_name(name))
    except InputError:
        return True
    return False


def _run_texts(project: Project, run_id: int) -> tuple[str, str]:
    """The sentence introducing the run, and the default model name (table-target-runN)."""
    run = project.load_run(run_id)
    table = next((s.name for s in project.list_sources() if s.id == run.source_id), "model")
    what = run.problem.target or run.problem.task.value
    best = run.leaderboard.best
    model = best.label if best else "the baseline"
    intro = (
        f"Run {run_id}: {html.escape(model)} predicting <b>{html.escape(what)}</b>. Exporting "
        "writes one ONNX file with the whole pipeline, checked to predict exactly like the "
        "trained model, plus three companion files."
    )
    return intro, f"{table}-{what}-run{run_id}"
