"""The entry point's command line and logging, and the routing of uncaught exceptions."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import pytest
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMessageBox

from desktop import app
from desktop.dialogs import error_dialog
from desktop.dialogs.error_dialog import ErrorDialog, ErrorReporter
from engine.errors import InputError


def test_version_answers_without_starting_qt(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        app.main(["--version"])
    assert stop.value.code == 0
    assert capsys.readouterr().out.startswith("Gristmill ")


def test_sample_and_project_together_is_a_usage_error() -> None:
    with pytest.raises(SystemExit) as stop:
        app.parse_args(["--sample", "x.gristmill"])
    assert stop.value.code == 2
    args = app.parse_args(["mine.gristmill"])
    assert args.project == Path("mine.gristmill") and not args.sample


def test_logging_goes_to_a_rotating_file(tmp_path: Path) -> None:
    root = logging.getLogger()
    before = list(root.handlers)
    try:
        assert app.setup_logging(tmp_path / "log") == tmp_path / "log"
        logging.getLogger("desktop.test").info("hello from the test")
        for handler in root.handlers:
            handler.flush()
        assert "hello from the test" in (tmp_path / "log" / app.LOG_FILE).read_text()
    finally:
        for handler in root.handlers[:]:
            if handler not in before:
                root.removeHandler(handler)
                handler.close()


def test_qt_warnings_go_to_the_log(caplog: pytest.LogCaptureFixture) -> None:
    from PySide6.QtCore import qInstallMessageHandler, qWarning

    previous = app.route_qt_messages_to_log()
    try:
        with caplog.at_level(logging.INFO, logger="qt"):
            qWarning("a plugin complains")
    finally:
        qInstallMessageHandler(previous)
    assert [(record.name, record.levelno, record.getMessage()) for record in caplog.records] == [
        ("qt", logging.WARNING, "a plugin complains")]


@pytest.fixture
def dialogs(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(
        ErrorDialog, "exec", lambda self: shown.append((self.message_label.text(), self.details))
    )
    return shown


def test_an_exception_on_a_worker_thread_reaches_the_dialog_in_the_gui_thread(
    qtbot, tmp_path: Path, dialogs: list[tuple[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    reporter = ErrorReporter(tmp_path)
    monkeypatch.setattr(threading, "excepthook", reporter.thread_excepthook)

    def crash() -> None:
        raise RuntimeError("worker went wrong")

    worker = threading.Thread(target=crash)
    worker.start()
    worker.join()
    qtbot.waitUntil(lambda: bool(dialogs), timeout=10_000)
    message, details = dialogs[0]
    assert message == "worker went wrong"
    assert "RuntimeError" in details and "crash" in details


def test_an_engine_error_is_a_plain_message(
    qtbot, tmp_path: Path, dialogs: list, monkeypatch: pytest.MonkeyPatch
) -> None:
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text: shown.append(text))
    reporter = ErrorReporter(tmp_path)
    error = InputError("The file is empty.", "Choose another file.")
    reporter.excepthook(InputError, error, None)
    qtbot.waitUntil(lambda: bool(shown), timeout=10_000)
    assert shown == ["The file is empty. Choose another file."]
    assert dialogs == []


def test_the_dialog_copies_its_details(qtbot, tmp_path: Path) -> None:
    dialog = ErrorDialog("Boom", "Traceback: line 1", tmp_path)
    qtbot.addWidget(dialog)
    dialog.copy_button.click()
    assert "Traceback: line 1" in QGuiApplication.clipboard().text()
    assert dialog.log_button.isEnabled()
    without_logs = ErrorDialog("Boom", "", None)
    qtbot.addWidget(without_logs)
    assert not without_logs.log_button.isEnabled()


def test_show_error_builds_details_from_the_exception(qtbot, dialogs: list) -> None:
    try:
        raise ValueError("bad value")
    except ValueError as caught:
        error_dialog.show_error(None, caught, "bad value")
    assert "ValueError" in dialogs[0][1]
