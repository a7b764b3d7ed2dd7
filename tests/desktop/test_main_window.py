"""The main window: the sample project, adding files, errors, and closing during a job."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt, QThreadPool
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QMessageBox, QSplitter

from desktop.dialogs import error_dialog
from desktop.main_window import MainWindow
from desktop.widgets.lifecycle_nav import STEPS
from engine.api import create_project, sample_data_dir
from engine.jobs import Cancelled, CancelToken, Job, ProgressCallback

WAIT = 30_000  # ms; generous for a loaded 2-core CI machine, never slept


@pytest.fixture
def window(qtbot, settings: QSettings, sample_folder: Path, tmp_path: Path) -> MainWindow:
    window = MainWindow(settings=settings, sample_folder=sample_folder, log_dir=tmp_path / "log")
    qtbot.addWidget(window)
    window.show()
    yield window
    window.runner.cancel_all()
    window.runner.wait_all(10.0)
    qtbot.waitUntil(lambda: not window.runner.running, timeout=WAIT)


@pytest.fixture
def messages(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record message boxes instead of blocking on them."""
    shown: list[str] = []

    def record(parent: object, title: str, text: str, *args: object) -> int:
        shown.append(text)
        return QMessageBox.StandardButton.Ok

    monkeypatch.setattr(QMessageBox, "warning", record)
    monkeypatch.setattr(QMessageBox, "critical", record)
    return shown


@pytest.fixture
def dialogs(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """Record error dialogs instead of showing them modally."""
    shown: list[tuple[str, str]] = []

    def record(self: error_dialog.ErrorDialog) -> int:
        shown.append((self.message_label.text(), self.details))
        return 0

    monkeypatch.setattr(error_dialog.ErrorDialog, "exec", record)
    return shown


def _loop_until_cancelled(progress: ProgressCallback, cancel: CancelToken) -> None:
    job = Job(progress, cancel)
    while True:
        job.step(0.5, "Working")


def _open_empty_project(window: MainWindow, tmp_path: Path) -> None:
    window._set_project(create_project(tmp_path / "mine.gristmill"))


def _add_next_quarter(qtbot, window: MainWindow, tmp_path: Path) -> Path:
    """A new project with the sample's next-quarter file added through the window."""
    _open_empty_project(window, tmp_path)
    data = tmp_path / "next quarter.csv"
    shutil.copy(sample_data_dir() / "churn_next_quarter.csv", data)
    window.data_panel.add_file(data)
    qtbot.waitUntil(lambda: window.data_panel.has_data, timeout=WAIT)
    return data


def test_opens_the_sample_project_with_its_sources_and_profile(
    qtbot, window: MainWindow, settings: QSettings
) -> None:
    assert window.nav.status("Data") == "to do"
    window.open_sample()
    qtbot.waitUntil(lambda: window.data_panel.has_data, timeout=WAIT)
    panel = window.data_panel
    assert [panel.sources.item(i).text() for i in range(panel.sources.count())] == [
        "Customer churn"
    ]
    assert panel.grid_model.rowCount() == 5_000
    profile = panel.profile_view.profile_model
    assert profile.rowCount() == 16
    names = [profile.index(row, 0).data() for row in range(profile.rowCount())]
    assert "monthly income" in names and "churned" in names
    kinds = {profile.index(r, 0).data(): profile.index(r, 1).data() for r in range(16)}
    assert kinds["customer_id"] == "identifier"
    assert kinds["region"] == "category"
    assert "5,000 rows" in panel.summary.text()
    assert window.nav.status("Data") == "done"
    assert window.nav.status("Problem") == "to do"  # the sample has no problem defined yet
    for step in ("Prepare", "Train", "Evaluate", "Deploy"):
        assert window.nav.status(step) == "waiting"
    assert window.nav.status("Monitor") == "waiting"  # no model exported yet
    assert window.steps.problem.isEnabled()
    assert "Sample - customer churn" in window.windowTitle()
    assert window.recent_projects()[0].endswith("Sample - customer churn.gristmill")
    assert window.runner.running == []


def test_the_profile_summary_is_readable_in_a_1280_by_800_window(qtbot, window: MainWindow) -> None:
    """At 1,280 px the sources pane took 195 px and the Summary column was cut at the view's
    edge (a scroll bar away); now it is whole in view and wide enough to read."""
    window.resize(1280, 800)
    window.open_sample()
    qtbot.waitUntil(lambda: window.data_panel.has_data, timeout=WAIT)
    panel, view = window.data_panel, window.data_panel.profile_view
    qtbot.waitUntil(lambda: view.viewport().width() > 0 and view.columnWidth(4) > 0,
                    timeout=WAIT)
    assert window.width() == 1280
    sources = panel.findChild(QSplitter).widget(0)
    assert sources.width() <= 150, sources.width()
    start, width = view.columnViewportPosition(4), view.columnWidth(4)
    assert view.model().headerData(4, Qt.Orientation.Horizontal) == "Summary"
    assert width >= 220 and start >= 0 and start + width <= view.viewport().width()
    # every column in view: nothing hides behind a sideways scroll bar
    last = view.model().columnCount() - 1
    assert view.columnViewportPosition(last) + view.columnWidth(last) <= view.viewport().width()
    assert panel.column_detail.chart.width() >= 240  # the chart keeps room to be read


def test_adding_a_file_loads_profiles_and_saves_it(
    qtbot, window: MainWindow, tmp_path: Path
) -> None:
    _add_next_quarter(qtbot, window, tmp_path)
    assert window.data_panel.grid_model.rowCount() == 2_000
    records = window.project.list_sources()
    assert [r.name for r in records] == ["next quarter"]
    assert records[0].has_snapshot and records[0].fingerprint.rows == 2_000
    assert window.project.load_schema(records[0].id) is not None
    assert window.nav.status("Data") == "done"


def test_a_project_reopens_from_its_copy_after_the_file_moved(
    qtbot, window: MainWindow, tmp_path: Path
) -> None:
    data = _add_next_quarter(qtbot, window, tmp_path)
    path = window.project.path
    data.rename(tmp_path / "archived.csv")

    window._set_project(None)
    assert window.open_project(path)
    qtbot.waitUntil(lambda: window.data_panel.has_data, timeout=WAIT)
    assert window.data_panel.grid_model.rowCount() == 2_000
    assert "no longer there" in window.data_panel.summary.text()


def test_a_bad_file_shows_a_message_and_the_window_survives(
    qtbot, window: MainWindow, tmp_path: Path, messages: list[str], dialogs: list
) -> None:
    _open_empty_project(window, tmp_path)
    bad = tmp_path / "broken.csv"
    bad.write_bytes(b"")
    window.data_panel.add_file(bad)
    qtbot.waitUntil(lambda: bool(messages), timeout=WAIT)
    assert "broken.csv" in messages[0]
    assert dialogs == []  # an engine error is a plain message, not the bug dialog
    qtbot.waitUntil(lambda: not window.runner.running, timeout=WAIT)
    assert window.project.list_sources() == []
    assert "not added" in window.data_panel.summary.text()
    # Still usable: a good file goes in afterwards.
    window.data_panel.add_file(sample_data_dir() / "churn_next_quarter.csv")
    qtbot.waitUntil(lambda: window.data_panel.has_data, timeout=WAIT)


def test_a_bug_in_a_job_opens_the_error_dialog(
    qtbot, window: MainWindow, messages: list[str], dialogs: list
) -> None:
    def buggy(progress: ProgressCallback, cancel: CancelToken) -> None:
        raise KeyError("no such column")

    window.runner.run("Something buggy", buggy)
    qtbot.waitUntil(lambda: bool(dialogs), timeout=WAIT)
    message, details = dialogs[0]
    assert "no such column" in message
    assert "KeyError" in details
    assert messages == []
    assert window.isVisible()


def test_cancel_while_adding_a_file_adds_nothing(
    qtbot, window: MainWindow, tmp_path: Path, messages: list[str]
) -> None:
    _open_empty_project(window, tmp_path)
    # Hold the only worker so the load is still queued when Cancel is pressed.
    pool = QThreadPool()
    pool.setMaxThreadCount(1)
    window.runner._pool = pool
    release = threading.Event()
    pool.start(release.wait)
    task = window.data_panel.add_file(sample_data_dir() / "churn.csv")
    assert window.job_status.isVisible()
    window.job_status.cancel_button.click()
    release.set()
    qtbot.waitUntil(lambda: not window.runner.running, timeout=WAIT)
    assert task.cancel_token.cancelled
    assert window.project.list_sources() == []
    assert "not added" in window.data_panel.summary.text()
    assert messages == []
    assert not window.job_status.isVisible()
    pool.waitForDone(10_000)


def test_closing_while_a_job_runs_asks_cancels_and_waits(
    qtbot, window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[str] = []

    def answer(parent: object, title: str, text: str, *args: object) -> int:
        asked.append(text)
        return QMessageBox.StandardButton.Yes if len(asked) > 1 else QMessageBox.StandardButton.No

    monkeypatch.setattr(QMessageBox, "question", answer)
    with qtbot.waitSignal(window.runner.progress, timeout=WAIT):
        task = window.runner.run("Counting sheep", _loop_until_cancelled)
    assert not window.close()  # "No": the window stays and the job goes on
    assert window.isVisible() and not task.cancel_token.cancelled
    assert window.close()  # "Yes": cancelled, waited for, closed
    assert task.cancel_token.cancelled and task.done
    assert "Counting sheep" in asked[0]


def test_a_slow_to_stop_job_shows_a_stopping_dialog_and_the_window_keeps_painting(
    qtbot, window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PySide6.QtWidgets import QProgressDialog

    release = threading.Event()
    started = threading.Event()

    def slow_to_stop(progress: ProgressCallback, cancel: CancelToken) -> None:
        started.set()
        release.wait(30)  # like a library call that cannot be interrupted
        Job(progress, cancel).check()

    original_show = QProgressDialog.show
    shown: list[str] = []

    def show_then_release(dialog: QProgressDialog) -> None:
        shown.append(dialog.labelText())
        original_show(dialog)
        release.set()  # the job may end only once the dialog is up

    monkeypatch.setattr(QProgressDialog, "show", show_then_release)
    monkeypatch.setattr(
        QMessageBox, "question", lambda *args: QMessageBox.StandardButton.Yes
    )
    task = window.runner.run("Slow import", slow_to_stop)
    assert started.wait(10)
    assert window.close()
    assert shown == ["Stopping the running job…"]
    assert task.done and task.cancel_token.cancelled


def test_cancel_while_profiling_a_new_file_adds_nothing(tmp_path: Path) -> None:
    from desktop.panels.data_panel import save_source_job
    from engine.api import load_table, source_for

    source = source_for(str(sample_data_dir() / "churn_next_quarter.csv"))
    table = load_table(source)
    token = CancelToken()

    def cancel_while_profiling(fraction: float, message: str) -> None:
        if 0.1 <= fraction < 0.5:  # the profiling slice of the job
            token.cancel()

    with create_project(tmp_path / "p.gristmill") as project:
        with pytest.raises(Cancelled):
            save_source_job(project, "next", source, table, cancel_while_profiling, token)
        assert project.list_sources() == []


def _drop(window: MainWindow, path: Path) -> None:
    from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
    from PySide6.QtGui import QDropEvent

    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    event = QDropEvent(
        QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    window.dropEvent(event)


def test_every_panel_uses_the_settings_the_window_was_given(
    qtbot, settings: QSettings, sample_folder: Path, tmp_path: Path
) -> None:
    """The self-test and the tests give the window settings of their own: none may leak."""
    from desktop.widgets.deploy_export import LAST_FOLDER_KEY

    settings.setValue(LAST_FOLDER_KEY, str(tmp_path / "exports"))
    window = MainWindow(settings=settings, sample_folder=sample_folder)
    qtbot.addWidget(window)
    assert window.steps.deploy.export_form.folder_edit.text() == str(tmp_path / "exports")


def test_a_project_the_system_asks_to_open_opens_in_the_window(
    qtbot, qapp, window: MainWindow, tmp_path: Path
) -> None:
    """macOS sends a QFileOpenEvent when a project is double-clicked in Finder."""
    from PySide6.QtGui import QFileOpenEvent

    from desktop.file_open_events import FileOpenEvents

    create_project(tmp_path / "from finder.gristmill").close()
    events = FileOpenEvents(window)
    qapp.installEventFilter(events)
    try:
        qapp.sendEvent(qapp, QFileOpenEvent(str(tmp_path / "from finder.gristmill")))
    finally:
        qapp.removeEventFilter(events)
    assert window.project is not None and window.project.path.name == "from finder.gristmill"


def test_files_dropped_on_the_window_open_where_they_belong(
    qtbot, window: MainWindow, tmp_path: Path
) -> None:
    data = tmp_path / "dropped.csv"
    shutil.copy(sample_data_dir() / "churn_next_quarter.csv", data)
    _drop(window, data)  # no project yet: says what to do, adds nothing
    assert "Open or create a project first" in window.statusBar().currentMessage()
    assert window.project is None
    create_project(tmp_path / "dropped.gristmill").close()
    _drop(window, tmp_path / "dropped.gristmill")
    assert window.project is not None and window.project.path.name == "dropped.gristmill"
    _drop(window, data)
    qtbot.waitUntil(lambda: window.data_panel.has_data, timeout=WAIT)
    assert [s.name for s in window.project.list_sources()] == ["dropped"]
    _drop(window, tmp_path / "their model.onnx")
    assert window.stack.currentWidget() is window.steps.deploy
    assert window.steps.deploy.scoring.model_edit.text() == str(tmp_path / "their model.onnx")
    # While Monitor is on screen, a model and a data file go to its drift check instead.
    window.nav.setCurrentRow(STEPS.index("Monitor"))
    _drop(window, tmp_path / "their model.onnx")
    _drop(window, data)
    assert window.stack.currentWidget() is window.steps.monitor
    assert window.steps.monitor.inputs.model_path == tmp_path / "their model.onnx"
    assert window.steps.monitor.inputs.data_path == data
    assert [s.name for s in window.project.list_sources()] == ["dropped"]  # not added again


@pytest.mark.parametrize("answer", ["yes", "no"])
def test_the_first_launch_offers_the_sample_once(
    qtbot, window: MainWindow, monkeypatch: pytest.MonkeyPatch, answer: str
) -> None:
    asked: list[str] = []

    def reply(parent: object, title: str, text: str, *args: object) -> object:
        asked.append(text)
        yes, no = QMessageBox.StandardButton.Yes, QMessageBox.StandardButton.No
        return yes if answer == "yes" else no

    monkeypatch.setattr(QMessageBox, "question", reply)
    assert window.offer_sample_on_first_launch() is (answer == "yes")
    assert "sample project" in asked[0]
    if answer == "yes":
        qtbot.waitUntil(lambda: window.project is not None, timeout=WAIT)
        assert "Sample - customer churn" in window.windowTitle()
    else:
        assert window.project is None
    assert window.offer_sample_on_first_launch() is False  # never asked twice
    assert len(asked) == 1


def test_save_says_where_everything_is(qtbot, window: MainWindow, tmp_path: Path) -> None:
    window.save_action.trigger()
    assert "No project is open" in window.statusBar().currentMessage()
    create_project(tmp_path / "kept.gristmill").close()
    window.open_project(tmp_path / "kept.gristmill")
    assert window.save_action.shortcut().matches(QKeySequence(QKeySequence.StandardKey.Save))
    window.save_action.trigger()
    message = window.statusBar().currentMessage()
    assert message.startswith("Everything is saved in") and "kept.gristmill" in message


def test_a_long_job_name_never_widens_the_window(qtbot, window: MainWindow) -> None:
    """The drift check of a long-named file grew the window past the screen (1,843 px)."""
    window.resize(1280, 800)
    name = "WA_Fn-UseC_-Telco-Customer-Churn next quarter export final v2 " * 4

    def job(progress: ProgressCallback, cancel: CancelToken) -> None:
        job = Job(progress, cancel)
        while True:
            job.step(0.5, f"Reading rows of {name}")

    task = window.runner.run(f"Checking {name} for drift", job)
    label = window.job_status.label
    qtbot.waitUntil(lambda: "Reading rows" in label.toolTip() + label.text(), timeout=WAIT)
    widths = (window.minimumSizeHint().width(), window.layout().totalMinimumSize().width(),
              window.statusBar().minimumSizeHint().width(), window.width())
    assert max(widths[:3]) <= 1280 and window.width() == 1280, widths
    task.cancel()
    qtbot.waitUntil(lambda: not window.runner.running, timeout=WAIT)


def test_the_last_project_reopens_at_start_unless_switched_off(
    qtbot, settings: QSettings, sample_folder: Path, tmp_path: Path
) -> None:
    path = tmp_path / "mine.gristmill"
    create_project(path).close()
    settings.setValue("recent_projects", [str(path)])
    first = MainWindow(settings=settings, sample_folder=sample_folder, log_dir=tmp_path / "log")
    qtbot.addWidget(first)
    assert first.reopen_action.isChecked()  # on by default
    first.start()
    assert first.project is not None and first.project.path == path
    first.reopen_action.setChecked(False)  # File > Reopen the last project at start
    first.close()

    settings.setValue("first_launch_done", True)  # no sample offer in the way
    second = MainWindow(settings=settings, sample_folder=sample_folder, log_dir=tmp_path / "log")
    qtbot.addWidget(second)
    assert not second.reopen_action.isChecked()
    second.start()
    assert second.project is None
