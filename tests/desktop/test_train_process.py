"""Training in a child process: the run lands in the window's project, Stop and errors cross
the process boundary, and no process is left behind, whatever happens to the child."""

from __future__ import annotations

import multiprocessing
import os
import signal
from pathlib import Path

import pytest

from desktop.panels.context import ActiveTable
from desktop.panels.train_job import TrainSummary, train_job
from desktop.tasks import TaskRunner
from desktop.train_process import (
    TrainingFailedError,
    TrainingStoppedError,
    TrainRequest,
    pack_frame,
    rebuild_error,
    train_in_child,
    unpack_frame,
)
from engine import api
from engine.errors import InputError, ProjectError
from engine.jobs import CancelToken, no_progress
from engine.training.search import SearchSettings

WAIT = 300_000  # ms: a timeout only (training under load 10 on 2 cores took 65 s); never slept
QUICK = SearchSettings(time_budget=None, families=("linear",), max_trials=1)
SLOW = SearchSettings(time_budget=300, families=("linear", "random_forest"), n_jobs=1)


class Run:
    """One training task started through the runner, and everything it reported."""

    def __init__(self, runner: TaskRunner, table: ActiveTable, problem, settings) -> None:
        self.pids: list[int] = []
        self.boards: list[object] = []
        self.result: list[TrainSummary] = []
        self.errors: list[BaseException | None] = []
        self.cancelled: list[bool] = []
        self.task = runner.run(
            "Training",
            lambda progress, cancel, partial: train_job(
                table, problem, settings, progress, cancel, partial, started=self.pids.append
            ),
            self.result.append,
            on_failed=self.errors.append,
            on_cancelled=lambda: self.cancelled.append(True),
            on_partial=self.boards.append,
            shows_errors=True,
        )

    @property
    def ended(self) -> bool:
        return bool(self.result or self.errors or self.cancelled)

    def finished_models(self) -> int:
        return max((board.finished for board in self.boards), default=0)


def _rows(board) -> list[tuple[object, ...]]:
    """A leaderboard's entries as comparable rows (scores to 9 decimals)."""
    return [(e.trial, e.family, e.label, e.status, round(e.cv_mean, 9)) for e in board.entries]


def _gone(pid: int) -> bool:
    """True when no process of this id is left (not even a zombie of ours)."""
    if any(child.pid == pid for child in multiprocessing.active_children()):
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def _children_of(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (Linux /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                status = (entry / "status").read_text()
            except OSError:
                continue
            if f"\nPPid:\t{pid}\n" in status:
                found.append(int(entry.name))
    return found


def test_a_run_trains_in_a_child_and_the_window_lists_it(qtbot, runner, churn_with_problem) -> None:
    table, problem = churn_with_problem
    run = Run(runner, table, problem, QUICK)
    qtbot.waitUntil(lambda: run.ended, timeout=WAIT)
    assert run.errors == [] and run.cancelled == []
    summary = run.result[0]
    assert run.pids and run.pids[0] != os.getpid()
    assert _gone(run.pids[0])

    # The window's own project object sees the run the child stored, board and all.
    runs = {record.id: record for record in table.project.list_runs(table.source_id)}
    assert summary.run_id in runs
    stored = table.project.load_run(summary.run_id)
    assert _rows(stored.leaderboard) == _rows(summary.leaderboard)
    assert stored.has_model and stored.has_evaluation and summary.ended_by != "cancelled"
    best = summary.leaderboard.best
    assert best is not None and best.family == "linear" and best.cv_mean > 0.6
    # It trained on the window's table: the same rows, hashed the same way.
    assert stored.data_hash == api.fingerprint_table(table.frame).content_hash

    # Partial boards arrived while it ran (the baseline first), the last one complete.
    assert run.boards and run.boards[0].finished <= run.boards[-1].finished
    assert _rows(run.boards[-1]) == _rows(summary.leaderboard)


def test_the_first_stop_keeps_what_finished_and_the_child_ends(
    qtbot, runner, churn_with_problem
) -> None:
    table, problem = churn_with_problem
    run = Run(runner, table, problem, SLOW)
    # The linear model finished; the forest is fitting (one core: one candidate at a time).
    qtbot.waitUntil(lambda: run.finished_models() >= 1 or run.ended, timeout=WAIT)
    run.task.cancel()
    qtbot.waitUntil(lambda: run.ended, timeout=WAIT)
    assert run.errors == [] and run.cancelled == []
    summary = run.result[0]
    assert summary.ended_by == "cancelled" and summary.run_id is not None
    stored = table.project.load_run(summary.run_id)
    assert stored.status == "stopped" and stored.has_model
    assert stored.leaderboard.best.family == "linear"
    assert _gone(run.pids[0])


def test_the_second_stop_saves_nothing_and_the_child_ends(
    qtbot, runner, churn_with_problem
) -> None:
    table, problem = churn_with_problem
    before = len(table.project.list_runs(table.source_id))
    run = Run(runner, table, problem, SLOW)
    qtbot.waitUntil(lambda: bool(run.boards) or run.ended, timeout=WAIT)  # the search runs
    run.task.cancel()
    run.task.cancel()
    qtbot.waitUntil(lambda: run.ended, timeout=15_000)
    assert run.cancelled == [True] and run.result == [] and run.errors == []
    assert len(table.project.list_runs(table.source_id)) == before
    assert _gone(run.pids[0])


def test_an_input_error_in_the_child_arrives_with_its_message_and_hint(churn_with_problem) -> None:
    table, problem = churn_with_problem
    empty = table.frame.copy()
    empty["churned"] = None  # no target value at all: the engine refuses, in words
    unlabelled = ActiveTable(table.project, table.source_id, table.name, empty, table.schema)
    pids: list[int] = []
    with pytest.raises(InputError) as raised:
        train_job(
            unlabelled,
            problem,
            QUICK,
            no_progress,
            CancelToken(),
            lambda _board: None,
            started=pids.append,
        )
    error = raised.value
    assert type(error) is InputError  # rebuilt as the engine's own class
    assert "target value" in error.message and error.hint
    assert _gone(pids[0])


def test_a_bug_in_the_child_arrives_with_its_type_and_traceback(churn_with_problem) -> None:
    table, problem = churn_with_problem
    request = TrainRequest(
        str(table.project.path), table.source_id, table.frame, None, problem, QUICK
    )
    with pytest.raises(TrainingFailedError) as raised:
        train_in_child(request, no_progress, CancelToken(), lambda _board: None)
    assert str(raised.value).startswith("TypeError: ")  # the schema is missing
    assert "Traceback" in str(raised.value.__cause__)  # the child's, for the error dialog


def test_a_killed_child_gives_a_clear_error_and_leaves_no_process(
    qtbot, runner, churn_with_problem
) -> None:
    table, problem = churn_with_problem
    before = len(table.project.list_runs(table.source_id))
    run = Run(runner, table, problem, SLOW)
    qtbot.waitUntil(lambda: bool(run.boards) or run.ended, timeout=WAIT)  # workers started
    pid = run.pids[0]
    # The search runs its fits in worker processes of the child.
    qtbot.waitUntil(lambda: bool(_children_of(pid)), timeout=WAIT)
    workers = _children_of(pid)
    os.kill(pid, signal.SIGKILL)
    qtbot.waitUntil(lambda: run.ended, timeout=WAIT)
    assert run.result == [] and run.cancelled == []
    error = run.errors[0]
    assert isinstance(error, TrainingStoppedError)
    assert error.message == (
        "Training stopped unexpectedly (exit code -9); nothing from this run was saved."
    )
    assert _gone(pid)
    # The child's fit workers notice their parent is gone and end too.
    qtbot.waitUntil(lambda: all(_gone(worker) for worker in workers), timeout=30_000)
    assert len(table.project.list_runs(table.source_id)) == before


def test_errors_are_rebuilt_from_their_name() -> None:
    error = rebuild_error("ProjectError", "The file is busy.", "Try again.", "")
    assert type(error) is ProjectError and str(error) == "The file is busy. Try again."
    bug = rebuild_error("KeyError", "'x'", None, "Traceback (most recent call last): ...")
    assert isinstance(bug, TrainingFailedError) and str(bug) == "KeyError: 'x'"


def test_the_table_crosses_over_unchanged(churn_with_problem) -> None:
    table, _problem = churn_with_problem
    packed = pack_frame(table.frame, no_progress, CancelToken())
    assert isinstance(packed, bytes)  # Parquet: cheap for the window's process
    back = unpack_frame(packed, no_progress)
    assert back.equals(table.frame) and list(back.dtypes) == list(table.frame.dtypes)
    mixed = table.frame.head(3).astype({"churned": object})
    assert pack_frame(mixed, no_progress, CancelToken()) is mixed  # objects go as they are


def test_closing_the_window_while_training_stops_the_child(
    qtbot, churn_with_problem, settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PySide6.QtWidgets import QMessageBox

    from desktop.main_window import MainWindow

    window = MainWindow(settings=settings, sample_folder=tmp_path / "sample", log_dir=tmp_path)
    qtbot.addWidget(window)
    window.show()
    asked: list[str] = []

    def answer(parent: object, title: str, text: str, *args: object) -> int:
        asked.append(text)
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", answer)
    table, problem = churn_with_problem
    run = Run(window.runner, table, problem, SLOW)
    qtbot.waitUntil(lambda: run.finished_models() >= 1 or run.ended, timeout=WAIT)
    assert window.close()  # asked, cancelled (the search ends), waited for, closed
    assert asked and "Training" in asked[0]
    assert run.task.done and _gone(run.pids[0])
