"""The Train step: choose model families and a time budget, watch the leaderboard fill in.

Training runs as one task (:mod:`desktop.tasks`) that sends the leaderboard back each time a
candidate finishes. Two buttons say the two ways of ending it early, as the engine does them:
"Finish now with the best model so far" ends the search and keeps the models that finished
(the best is refitted, evaluated and saved as a run, which takes a moment); "Stop and
discard" stops at once and nothing of the run is saved. The status bar's Cancel is the first
one on its first press and the second one after that; the buttons follow either way.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from desktop.panels.context import kinds_changed_at
from desktop.panels.train_job import TrainSummary, describe_outcome, run_text, train_job
from desktop.tasks import Task, TaskRunner
from desktop.theme import error_style
from desktop.widgets.fitting_text import ElidedLabel
from desktop.widgets.leaderboard_view import LeaderboardView
from desktop.widgets.search_form import SearchForm

if TYPE_CHECKING:
    from datetime import datetime

    from desktop.panels.context import ActiveTable
    from engine.problem.definition import Problem
    from engine.project.store_runs import RunRecord
    from engine.training.leaderboard import Leaderboard

_RUN_ID = Qt.ItemDataRole.UserRole
FINISH_WORDS = "Finish now with the best model so far"
FINISHING_WORDS = "Finishing with the best model so far…"
FINISH_TIP = (
    "End the search now. The models that finished are kept; the best of them is fitted "
    "again on all the training rows and checked on the holdout rows (this takes a moment), "
    "then saved as a run."
)
DISCARD_WORDS = "Stop and discard"
DISCARD_TIP = "Stop at once. Nothing from this run is saved: no model, no leaderboard."
BOARD_HEADING = "Leaderboard: best first, the best model highlighted"


class TrainPanel(QWidget):
    """Settings on the left, the live leaderboard on the right, earlier runs below."""

    status_changed = Signal(str)  # "done", "to do" or "waiting"
    run_finished = Signal(int)  # the stored run's id
    run_selected = Signal(int)  # the user re-opened an earlier run

    def __init__(self, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self._table: ActiveTable | None = None
        self._problem: Problem | None = None
        self._recipe: dict[str, Any] | None = None
        self._task: Task | None = None
        self._presses = 0
        self.status = "waiting"

        self.heading = QLabel()
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.RichText)
        self.form = SearchForm()
        self.start_button = QPushButton("Start training")
        self.start_button.setToolTip("Try the ticked model families within the time budget.")
        self.start_button.clicked.connect(self.start)
        self.finish_button = QPushButton(FINISH_WORDS)
        self.finish_button.setToolTip(FINISH_TIP)
        self.finish_button.clicked.connect(self.finish_now)
        self.discard_button = QPushButton(DISCARD_WORDS)
        self.discard_button.setToolTip(DISCARD_TIP)
        self.discard_button.clicked.connect(self.discard)
        self.runs = QListWidget()
        self.runs.setToolTip("Earlier training runs on this table; choose one to look at it.")
        self.runs.setWordWrap(True)
        self.runs.setSpacing(2)
        self.runs.currentItemChanged.connect(self._run_chosen)
        left = QVBoxLayout()
        left.setContentsMargins(0, 0, 0, 0)
        left.addWidget(self.form, 3)
        left.addWidget(self.start_button)
        left.addWidget(self.finish_button)
        left.addWidget(self.discard_button)
        left.addWidget(QLabel("<b>Earlier runs</b>"))
        left.addWidget(self.runs, 2)
        left_widget = QWidget()
        left_widget.setLayout(left)

        self.phase = QLabel()  # how the search is going (the status bar shows the progress)
        self.phase.setWordWrap(True)
        self.board = LeaderboardView()
        right = QVBoxLayout()
        right.setContentsMargins(0, 0, 0, 0)
        # One line at any width: a wrapped heading pushed the table down.
        self.board_heading = ElidedLabel(BOARD_HEADING, bold=True)
        right.addWidget(self.board_heading)
        right.addWidget(self.board, 1)
        right.addWidget(self.phase)
        right_widget = QWidget()
        right_widget.setLayout(right)

        splitter = QSplitter()
        splitter.addWidget(left_widget)
        splitter.addWidget(right_widget)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([300, 800])
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.message)
        layout.addWidget(splitter, 1)
        self._refresh()

    # -- inputs from the other steps -------------------------------------------------------

    def set_table(self, table: ActiveTable | None) -> None:
        """Work on ``table`` (from the Data step): its earlier runs are listed."""
        self._table = table
        if self._task is None:
            self.board.set_board(None)
        self._refresh(show_latest=True)

    def set_problem(self, problem: Problem | None) -> None:
        """What to predict (from the Problem step): the families on offer follow its task."""
        self._problem = problem
        self.form.set_task(problem.task if problem is not None else None)
        self._refresh()

    def set_recipe(self, recipe: dict[str, Any] | None) -> None:
        """The preparation recipe (from the Prepare step); None uses each model's default."""
        self._recipe = recipe

    # -- training --------------------------------------------------------------------------

    def start(self) -> Task | None:
        """Start training in a task; a message instead when something is missing."""
        if self._task is not None:
            return None
        if self._table is None or self._problem is None:
            self._say("Choose a table in Data and a target in Problem first.", error=True)
            return None
        if not self.form.chosen():
            self._say("Tick at least one model family to try.", error=True)
            return None
        table, problem = self._table, self._problem
        settings = self.form.settings(self._recipe)
        self._presses = 0
        self.board.set_board(None)
        self._say(f"Training on {len(table.frame):,} rows of {html.escape(table.name)}…")

        def finished(summary: TrainSummary) -> None:
            if self._task is task:
                self._ended()
                self._show_summary(summary)
                if summary.run_id is not None:
                    self.run_finished.emit(summary.run_id)

        def failed(error: BaseException | None) -> None:
            if self._task is task:
                self._ended()
                text = str(error)
                # "Training stopped unexpectedly..." already says what happened.
                lead = "" if text.startswith("Training") else "Training did not run: "
                self._say(lead + html.escape(text), error=True)

        def cancelled() -> None:
            if self._task is task:
                self._ended()
                self._say("Training was stopped; nothing from this run was saved.")

        task = self._runner.run(
            f"Training on {table.name}",
            lambda progress, cancel, partial: train_job(
                table, problem, settings, progress, cancel, partial
            ),
            finished,
            on_failed=failed,
            shows_errors=True,
            on_cancelled=cancelled,
            on_partial=self._board_arrived,
        )
        task.signals.cancel_requested.connect(self._cancel_pressed)
        self._task = task
        self._refresh()
        return task

    def finish_now(self) -> None:
        """End the search now: the best model so far is refitted, evaluated and saved."""
        if self._task is not None and self._task.cancel_token.presses == 0:
            self._task.cancel()  # the panel explains it in _cancel_pressed

    def discard(self) -> None:
        """Stop at once and keep nothing of this run (the engine's second Cancel)."""
        if self._task is None:
            return
        while self._task is not None and self._task.cancel_token.presses < 2:
            self._task.cancel()

    @property
    def running(self) -> bool:
        """True while a training task runs."""
        return self._task is not None

    def _cancel_pressed(self) -> None:
        """A button here or Cancel in the status bar: say what this press means."""
        if self._task is None:
            return
        self._presses = self._task.cancel_token.presses
        if self._presses > 1:
            self._say("Stopping and discarding: nothing from this run will be saved.")
            self.finish_button.setEnabled(False)
            self.discard_button.setEnabled(False)
            return
        self._say(
            "Finishing now: the models that finished are kept, and the best of them is "
            "refitted and checked on the holdout rows. Press “Stop and discard” to keep "
            "nothing instead."
        )
        self.finish_button.setEnabled(False)
        self.finish_button.setText(FINISHING_WORDS)

    def _board_arrived(self, board: Leaderboard) -> None:
        self.board.set_board(board)
        best = board.best
        if best is None:
            self.phase.setText("Searching: waiting for the first model to finish…")
        elif not self._presses:
            self.phase.setText(
                f"{board.finished} model{'s' if board.finished != 1 else ''} finished; best "
                f"so far: {best.label}."
            )

    def _ended(self) -> None:
        self._task = None
        self._presses = 0
        self.phase.clear()
        self._refresh()

    def _show_summary(self, summary: TrainSummary) -> None:
        self.board.set_board(summary.leaderboard)
        self._refresh(select=summary.run_id)
        self._say(describe_outcome(summary))

    # -- earlier runs and status -----------------------------------------------------------

    def _refresh(self, *, select: int | None = None, show_latest: bool = False) -> None:
        records = self._records()
        self.runs.blockSignals(True)
        self.runs.clear()
        for record in records:
            item = QListWidgetItem(run_text(record))
            item.setData(_RUN_ID, record.id)
            item.setToolTip("; ".join(record.notes) or "Choose it to see its leaderboard.")
            self.runs.addItem(item)
            if record.id == select:
                self.runs.setCurrentItem(item)
        self.runs.blockSignals(False)
        if show_latest and records and self._task is None:
            self.board.set_board(records[-1].leaderboard)
        ready = self._table is not None and self._problem is not None
        running = self._task is not None
        self.start_button.setEnabled(ready and not running)
        self.finish_button.setEnabled(running)
        self.discard_button.setEnabled(running)
        if not running:
            self.finish_button.setText(FINISH_WORDS)
        self.form.setEnabled(not running)
        self.heading.setText(self._heading())
        if not running and not ready:
            self._say("Choose a table in Data and a target in Problem first.")
        changed = (kinds_changed_at(self._table.project, self._table.source_id)
                   if self._table is not None else None)
        status = "waiting" if not ready else _status_of(records, self._problem, changed)
        self.status = status
        self.status_changed.emit(status)  # every time: the navigation may have missed one

    def _records(self) -> list[RunRecord]:
        if self._table is None:
            return []
        return self._table.project.list_runs(self._table.source_id)

    def _run_chosen(self, item: QListWidgetItem | None, _previous: Any = None) -> None:
        if item is None or self._task is not None or self._table is None:
            return
        run_id = int(item.data(_RUN_ID))
        record = self._table.project.load_run(run_id)
        self.board.set_board(record.leaderboard)
        self.run_selected.emit(run_id)

    def _heading(self) -> str:
        if self._problem is None or self._table is None:
            return "<h3>Train</h3>"
        target = self._problem.target or "groups in the data"
        return (
            f"<h3>Train: predict <i>{html.escape(target)}</i> from "
            f"{html.escape(self._table.name)} ({self._problem.task.value})</h3>"
        )

    def _say(self, text: str, *, error: bool = False) -> None:
        self.message.setStyleSheet(error_style() if error else "")
        self.message.setText(text)


def _status_of(records: list[RunRecord], problem: Problem | None,
               kinds_changed: datetime | None = None) -> str:
    """"done" when the newest run with a model was trained for this very problem; "out of
    date" when the problem changed since (its target, features, metric or split), or when
    the user changed a column's kind after that run."""
    trained = [record for record in records if record.has_model]
    if not trained:
        return "to do"
    latest = trained[-1]
    if kinds_changed is not None and latest.created_at < kinds_changed:
        return "out of date"
    if problem is None or _same_problem(latest.problem, problem):
        return "done"
    return "out of date"


def _same_problem(first: Problem, second: Problem) -> bool:
    ignore = ("reason",)  # words only
    one, two = first.to_dict(), second.to_dict()
    return all(one.get(key) == two.get(key) for key in one.keys() | two.keys() if key not in ignore)
