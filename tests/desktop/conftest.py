"""pytest-qt set-up for the window's tests: offscreen Qt, and no trace left in the user's home.

The environment is set before anything imports Qt: Qt reads ``QT_QPA_PLATFORM`` when the
application starts, and QSettings and platformdirs read the XDG folders.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
_HOME = Path(tempfile.mkdtemp(prefix="gristmill-desktop-tests-"))
for _name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
    os.environ[_name] = str(_HOME / _name.lower())

import pytest  # noqa: E402 - after the environment on purpose
from PySide6.QtCore import QSettings  # noqa: E402


@pytest.fixture(autouse=True)
def gui_thread_collector(qapp):
    from desktop.gc_policy import collect_on_gui_thread

    return collect_on_gui_thread(qapp)


TEARDOWN_WAIT_MS = 60_000  # generous for a loaded 2-core machine; never slept


@pytest.fixture
def runner(qtbot):
    """A task runner of the test's own; at teardown every task is stopped and waited for.

    Cancel is pressed twice (the second press tells a training run to keep nothing), so no
    worker outlives the test and the widgets it reports to.
    """
    from desktop.tasks import TaskRunner

    runner = TaskRunner()
    yield runner
    runner.cancel_all()
    runner.cancel_all()
    assert runner.wait_all(30.0)
    qtbot.waitUntil(lambda: not runner.running, timeout=TEARDOWN_WAIT_MS)


@pytest.fixture(scope="module")
def churn_with_problem(tmp_path_factory: pytest.TempPathFactory):
    """The sample churn table in a new project (one per test module), and "predict churned"."""
    from churn_tables import churn_problem, churn_table

    table = churn_table(tmp_path_factory.mktemp("churn") / "churn.gristmill")
    yield table, churn_problem(table)
    table.project.close()


@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    """A QSettings file of the test's own (recent projects, window geometry)."""
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture(scope="session")
def sample_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One sample project for the whole session: it is made once, like in real use."""
    from engine.sample_project import ensure_sample_project

    folder = tmp_path_factory.mktemp("sample")
    ensure_sample_project(folder)
    return folder
