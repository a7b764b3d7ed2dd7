"""The main window: composition and menus only.

The lifecycle steps on the left, the current step's panel in the middle, the running job in
the status bar. Work happens in the panels (through :mod:`desktop.tasks`) and in the engine;
this module wires them together, keeps the open project, and remembers window state and
recent projects in QSettings.

Gristmill saves every change the moment it is made: "Save" (Ctrl+S, for the habit) only
confirms where everything is, and "Save As" copies the project to a new file and carries on in
the copy. On the very first launch the window offers to open the sample project.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEventLoop, QSettings, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressDialog,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.dialogs.error_dialog import show_error
from desktop.panels.data_panel import DataPanel
from desktop.step_panels import StepPanels
from desktop.tasks import TaskRunner
from desktop.widgets.job_status import JobStatus
from desktop.widgets.lifecycle_nav import STEPS, LifecycleNav

if TYPE_CHECKING:
    from engine.project.store import Project

log = logging.getLogger(__name__)

PROJECT_FILTER = "Gristmill projects (*.gristmill)"
RECENT_KEY = "recent_projects"
FIRST_LAUNCH_KEY = "first_launch_done"
REOPEN_KEY = "reopen_last_project"  # on by default
RECENT_LIMIT = 8
SAVED_TEXT = "Every change is saved as you make it."


def default_sample_folder() -> Path:
    """Where the sample project is made: the user's Gristmill data folder."""
    import platformdirs

    return Path(platformdirs.user_data_dir("Gristmill", appauthor=False))


class MainWindow(QMainWindow):
    """Gristmill's window. ``settings`` and ``sample_folder`` are injectable for tests."""

    def __init__(
        self,
        *,
        log_dir: Path | None = None,
        settings: QSettings | None = None,
        sample_folder: Path | None = None,
    ) -> None:
        super().__init__()
        self.log_dir = log_dir
        self.settings = settings or QSettings("Gristmill", "Gristmill")
        self.sample_folder = sample_folder or default_sample_folder()
        self.project: Project | None = None
        self.runner = TaskRunner(self)
        self.runner.failed.connect(self.show_failure)

        self.nav = LifecycleNav()
        self.data_panel = DataPanel(self.runner)
        self.data_panel.source_shown.connect(self._data_shown)
        self.welcome = _welcome_page(self)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.welcome)
        self.stack.addWidget(self.data_panel)
        self.steps = StepPanels(
            self.runner, self.nav, self.data_panel, self.stack, self, settings=self.settings
        )
        self.steps.table_switched.connect(self._table_switched)
        central = QWidget()
        layout = QHBoxLayout(central)
        side = QVBoxLayout()
        side.setContentsMargins(0, 0, 0, 0)
        self.steps.table_label.setFixedWidth(self.nav.width())
        side.addWidget(self.steps.table_label)
        side.addWidget(self.nav, 1)
        layout.addLayout(side)
        layout.addWidget(self.stack, 1)
        self.setCentralWidget(central)

        self.job_status = JobStatus(self.runner)
        self.saved_label = QLabel(SAVED_TEXT)
        self.saved_label.setToolTip(
            "Gristmill writes each step into the project file as soon as it is done. "
            "Use File > Save As to keep a copy under another name."
        )
        self.statusBar().addPermanentWidget(self.job_status)
        self.statusBar().addPermanentWidget(self.saved_label)
        self._build_menus()
        self._set_project(None)
        self.setAcceptDrops(True)
        self.resize(1280, 800)
        geometry = self.settings.value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)

    # -- menus -----------------------------------------------------------------------------

    def _build_menus(self) -> None:
        menu = self.menuBar().addMenu("&File")
        self.new_action = _action(self, "&New project…", self.new_project, QKeySequence.New)
        self.open_action = _action(self, "&Open project…", self.choose_project, QKeySequence.Open)
        self.sample_action = _action(self, "Open the &sample project", self.open_sample)
        self.save_action = _action(self, "&Save", self.save, QKeySequence.Save)
        self.save_action.setStatusTip("Everything is saved as you go; this confirms where.")
        self.save_as_action = _action(self, "Save &As…", self.save_as, QKeySequence.SaveAs)
        self.save_as_action.setStatusTip("Copy the project to a new file and keep working there.")
        self.quit_action = _action(self, "&Quit", self.close, QKeySequence.Quit)
        menu.addActions([self.new_action, self.open_action])
        self.recent_menu = menu.addMenu("Open &recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        menu.addAction(self.sample_action)
        self.reopen_action = QAction("Reopen the last project at start", self)
        self.reopen_action.setCheckable(True)
        self.reopen_action.setChecked(self.reopen_last)
        self.reopen_action.toggled.connect(lambda on: self.settings.setValue(REOPEN_KEY, on))
        menu.addAction(self.reopen_action)
        menu.addSeparator()
        menu.addActions([self.save_action, self.save_as_action])
        menu.addSeparator()
        menu.addAction(self.quit_action)

        data = self.menuBar().addMenu("&Data")
        self.add_file_action = _action(self, "&Add file…", self.data_panel.choose_file, "Ctrl+I")
        data.addAction(self.add_file_action)
        self.add_database_action = _action(
            self, "Add &database…", self.data_panel.choose_database
        )
        data.addAction(self.add_database_action)

        help_menu = self.menuBar().addMenu("&Help")
        help_menu.addAction(_action(self, "Open the &log folder", self.open_log_folder))
        help_menu.addAction(_action(self, "&About Gristmill", self.about))

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        paths = self.recent_projects()
        for path in paths:
            action = self.recent_menu.addAction(Path(path).name)
            action.setToolTip(path)
            action.triggered.connect(lambda _checked=False, p=path: self.open_project(Path(p)))
        if not paths:
            self.recent_menu.addAction("No recent projects").setEnabled(False)

    # -- projects --------------------------------------------------------------------------

    def new_project(self) -> None:
        """Ask where, then create an empty project and open it."""
        from engine.api import create_project

        name, _ = QFileDialog.getSaveFileName(self, "New project", "", PROJECT_FILTER)
        if not name:
            return
        path = Path(name)
        if path.suffix.lower() != ".gristmill":
            path = path.with_name(path.name + ".gristmill")
        if not self._stop_jobs("create a new project"):
            return
        try:
            self._set_project(create_project(path))
        except Exception as error:
            self.show_failure(error, str(error), "")

    def choose_project(self) -> None:
        """Ask for a project file and open it."""
        name, _ = QFileDialog.getOpenFileName(self, "Open project", "", PROJECT_FILTER)
        if name:
            self.open_project(Path(name))

    def open_project(self, path: Path) -> bool:
        """Open the project at ``path`` (replacing the current one); False if it failed."""
        from engine.api import open_project

        if not self._stop_jobs("open another project"):
            return False
        try:
            project = open_project(path)
        except Exception as error:
            self.show_failure(error, str(error), "")
            return False
        self._set_project(project)
        if project.migration_backup is not None:
            self.statusBar().showMessage(
                f"Updated to this version; the old file was kept as "
                f"{project.migration_backup.name}.",
                10_000,
            )
        return True

    def open_sample(self) -> None:
        """Open the bundled sample project, making it first if needed (in a task)."""
        from engine.sample_project import ensure_sample_project

        folder = self.sample_folder
        self.runner.run(
            "Preparing the sample project",
            lambda progress, cancel: ensure_sample_project(folder, progress, cancel),
            lambda path: self.open_project(Path(path)),
        )

    def save(self) -> None:
        """Say where the project is saved: every step was written when it was done."""
        if self.project is None:
            self.statusBar().showMessage("No project is open: nothing to save.", 5_000)
            return
        busy = " (the running job saves its result when it ends)" if self.runner.running else ""
        self.statusBar().showMessage(
            f"Everything is saved in {self.project.path}{busy}.", 8_000
        )

    @property
    def reopen_last(self) -> bool:
        """Whether the last project opens at start (File > Reopen the last project at start)."""
        return bool(self.settings.value(REOPEN_KEY, True, type=bool))

    def start(self) -> None:
        """Started with no project named: reopen the last one (if asked), else on the very
        first launch offer the sample."""
        recent = self.recent_projects()
        if self.reopen_last and recent and self.open_project(Path(recent[0])):
            return
        self.offer_sample_on_first_launch()

    def offer_sample_on_first_launch(self) -> bool:
        """The very first time Gristmill opens, offer the sample project; True if opened."""
        if self.settings.value(FIRST_LAUNCH_KEY, False, type=bool) or self.recent_projects():
            return False  # asked before, or a user who already has projects
        self.settings.setValue(FIRST_LAUNCH_KEY, True)
        answer = QMessageBox.question(
            self,
            "Welcome to Gristmill",
            "Open the sample project (customer churn) to look around?\n\n"
            "It is a copy in your own folder: change anything, the original stays as it is. "
            "You can open it again later from File > Open the sample project.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.Yes,
        )
        if answer != QMessageBox.StandardButton.Yes:
            return False
        self.open_sample()
        return True

    def save_as(self) -> None:
        """Copy the project to a new file and keep working in the copy."""
        if self.project is None:
            return
        name, _ = QFileDialog.getSaveFileName(
            self, "Save project as", str(self.project.path), PROJECT_FILTER
        )
        if not name:
            return
        if not self._stop_jobs("save the project under another name"):
            return
        try:
            self.project.save_as(Path(name))
        except Exception as error:
            self.show_failure(error, str(error), "")
            return
        self._remember(self.project.path)
        self._update_title()
        self.statusBar().showMessage(f"Now working in {self.project.path.name}.", 5_000)

    def recent_projects(self) -> list[str]:
        """Recently opened projects that still exist, newest first."""
        value: Any = self.settings.value(RECENT_KEY, [])
        paths = [value] if isinstance(value, str) else list(value or [])
        return [path for path in paths if Path(path).exists()]

    def _remember(self, path: Path) -> None:
        paths = [str(path)] + [p for p in self.recent_projects() if p != str(path)]
        self.settings.setValue(RECENT_KEY, paths[:RECENT_LIMIT])

    def _set_project(self, project: Project | None) -> None:
        if self.project is not None and self.project is not project:
            self.project.close()
        self.project = project
        if project is not None:
            self._remember(project.path)
            log.info("Project opened: %s", project.path)
        self.save_as_action.setEnabled(project is not None)
        self.add_file_action.setEnabled(project is not None)
        self.add_database_action.setEnabled(project is not None)
        self.stack.setCurrentWidget(self.data_panel if project else self.welcome)
        self.nav.setCurrentRow(0)
        self.data_panel.set_project(project)
        self._update_title()

    def _update_title(self) -> None:
        name = self.project.path.stem if self.project else "no project"
        self.setWindowTitle(f"{name} - Gristmill")

    def _table_switched(self, name: str) -> None:
        self.statusBar().showMessage(
            f"Now working on {name}: every step shows this table's problem, models and checks.",
            10_000,
        )

    def _data_shown(self, shown: bool) -> None:
        self.nav.set_status("Data", "done" if shown else "to do")

    # -- jobs and errors -------------------------------------------------------------------

    def show_failure(self, error: BaseException | None, message: str, details: str) -> None:
        """An engine error as a plain message; anything else in the error dialog."""
        show_error(self, error, message, details, self.log_dir)

    def _stop_jobs(self, action: str) -> bool:
        """Ask to cancel running jobs before ``action``; True when none is left running."""
        if not self.runner.running:
            return True
        answer = QMessageBox.question(
            self,
            "Gristmill",
            f"{self.runner.current.label} is still running.\n\n"  # type: ignore[union-attr]
            f"Stop it and {action}? Nothing half-done is kept.",
        )
        if answer != QMessageBox.StandardButton.Yes:
            return False
        self.runner.cancel_all()
        if not self._wait_for_jobs(timeout=10.0):
            QMessageBox.warning(
                self, "Gristmill", "The job did not stop in time. Please try again in a moment."
            )
            return False
        return True

    def _wait_for_jobs(self, timeout: float) -> bool:
        """Wait for cancelled jobs to end without freezing the window; True when all ended.

        Most jobs stop within a fraction of a second; for the others a "Stopping…" dialog
        shows while a local event loop keeps the window painting.
        """
        if self.runner.wait_all(timeout=0.2):
            return True
        tasks = list(self.runner.running)
        dialog = QProgressDialog("Stopping the running job…", "", 0, 0, self)
        dialog.setCancelButton(None)
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(0)
        loop = QEventLoop(self)
        poll = QTimer(self)
        poll.timeout.connect(lambda: loop.quit() if all(t.done for t in tasks) else None)
        poll.start(50)
        QTimer.singleShot(int(timeout * 1000), loop.quit)
        dialog.show()
        loop.exec()
        poll.stop()
        dialog.close()
        return all(task.done for task in tasks)

    # -- drag and drop ---------------------------------------------------------------------

    def open_dropped(self, paths: list[Path]) -> bool:
        """Open what was dropped on the window: a project, a data file or a model file.

        A ``.gristmill`` file opens that project; a table is added to the open project (Data);
        an ``.onnx`` model goes to Deploy's scoring form. While Monitor is on screen, models
        and data files go to its drift check instead. True when something was used.
        """
        from desktop.widgets.file_drops import DATA_SUFFIXES

        used = False
        monitoring = self.nav.currentRow() == STEPS.index("Monitor")
        for path in paths:
            suffix = path.suffix.lower()
            if suffix == ".gristmill":
                used = self.open_project(path) or used
            elif monitoring and (suffix == ".onnx" or suffix in DATA_SUFFIXES):
                used = self.steps.monitor.open_paths([path]) or used
            elif suffix == ".onnx":
                self.steps.deploy.open_paths([path])
                self.nav.setCurrentRow(STEPS.index("Deploy"))
                used = True
            elif suffix in DATA_SUFFIXES:
                if self.project is None:
                    self.statusBar().showMessage(
                        f"Open or create a project first, then drop {path.name} again.", 8_000
                    )
                    continue
                self.nav.setCurrentRow(STEPS.index("Data"))
                self.data_panel.add_file(path)
                used = True
        return used

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt API
        if any(url.isLocalFile() for url in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 - Qt API
        paths = [Path(url.toLocalFile()) for url in event.mimeData().urls() if url.isLocalFile()]
        if self.open_dropped(paths):
            event.acceptProposedAction()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt API
        if not self._stop_jobs("close Gristmill"):
            event.ignore()
            return
        self.settings.setValue("window/geometry", self.saveGeometry())
        if self.project is not None:
            self.project.close()
        event.accept()

    # -- help ------------------------------------------------------------------------------

    def open_log_folder(self) -> None:
        """Show the folder holding Gristmill's log files."""
        from PySide6.QtCore import QUrl
        from PySide6.QtGui import QDesktopServices

        if self.log_dir is not None:
            self.log_dir.mkdir(parents=True, exist_ok=True)
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.log_dir)))

    def about(self) -> None:
        """Version and a one-line description."""
        from engine import __version__

        QMessageBox.about(
            self,
            "About Gristmill",
            f"<b>Gristmill {__version__}</b><p>From a table to a verified model, offline.</p>",
        )


def _action(parent: QWidget, text: str, slot: Any, shortcut: Any = None) -> QAction:
    action = QAction(text, parent)
    if shortcut is not None:
        action.setShortcut(QKeySequence(shortcut))
    action.triggered.connect(lambda _checked=False: slot())
    return action


def _welcome_page(window: MainWindow) -> QWidget:
    page = QWidget()
    layout = QVBoxLayout(page)
    layout.addStretch(1)
    title = QLabel(
        "<h2>Welcome to Gristmill</h2>"
        "<p>Turn a table into a tested model you can hand to another team, "
        "and check later whether new data has drifted.</p>"
        "<p>Start with the sample project (5,000 made-up customers, some of whom left), "
        "or create a project for your own data.</p>"
    )
    title.setWordWrap(True)
    title.setAlignment(Qt.AlignmentFlag.AlignCenter)
    layout.addWidget(title)
    buttons = QHBoxLayout()
    buttons.addStretch(1)
    for text, slot in (
        ("Open the sample project", window.open_sample),
        ("New project…", window.new_project),
        ("Open project…", window.choose_project),
    ):
        button = QPushButton(text)
        button.clicked.connect(lambda _checked=False, s=slot: s())
        buttons.addWidget(button)
    buttons.addStretch(1)
    layout.addLayout(buttons)
    layout.addStretch(2)
    return page
