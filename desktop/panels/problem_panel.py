"""The Problem step: what to predict, how to judge a model, how to test it, which columns.

Picking a target asks the engine for a proposal (:func:`engine.api.define_problem`, in a
task): the detected task and why, the positive class, the metric, the validation plan, the
class balance and the leakage guard's findings. The user changes what they want: choices
that change what the engine checks (task, split, columns kept or left out) ask it again;
the others (positive class, metric, holdout share, folds, class weights, number of groups)
are applied on screen. "Use this problem" saves it in the project and announces it.

A choice the engine refuses (say "binary" for a target with five classes) is explained in
the panel and undone; engine input errors are shown here rather than in a message box,
because they answer the user's last click.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSignalBlocker, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from desktop.tasks import Task, TaskRunner
from desktop.theme import error_style
from desktop.widgets.problem_choices import ProblemChoices
from desktop.widgets.problem_columns import ColumnChoices
from desktop.widgets.problem_define import Choices, Defined, define_job, notes_text, problem_from
from desktop.widgets.problem_validation import ValidationEditor

if TYPE_CHECKING:
    from desktop.panels.context import ActiveTable
    from engine.problem.define import ProblemProposal
    from engine.problem.definition import Problem, ValidationPlan

NO_TARGET = "(no target: find groups or unusual rows)"
CHOOSE_TARGET = "Choose the column to predict…"


class ProblemPanel(QWidget):
    """Target, task, metric, validation and columns; "Use this problem" saves it."""

    status_changed = Signal(str)  # "done", "to do" or "waiting"
    problem_ready = Signal(object)  # the Problem just saved by "Use this problem"

    def __init__(self, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self._table: ActiveTable | None = None
        self._saved: Problem | None = None
        self._proposal: ProblemProposal | None = None
        self._current: Problem | None = None
        self._unlabelled = 0
        self._choices = self._good = Choices()
        self._defining: Task | None = None
        self._status = ""
        self._targets: list[str | None] = []

        self.target_combo = QComboBox()
        self.target_combo.setMinimumContentsLength(24)
        self.target_combo.setToolTip("The column whose value the model should predict.")
        self.target_combo.currentIndexChanged.connect(self._target_chosen)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.choices = ProblemChoices()
        self.choices.choice_changed.connect(self._choice_changed)
        self.validation = ValidationEditor()
        self.validation.plan_changed.connect(self._plan_changed)
        self.columns = ColumnChoices()
        self.columns.use_changed.connect(self._use_changed)
        self.notes = QLabel()
        self.notes.setWordWrap(True)
        self.notes.setToolTip("What Gristmill noticed while proposing the problem.")
        self.use_button = QPushButton("Use this problem")
        self.use_button.setToolTip("Save these choices in the project; training uses them.")
        self.use_button.clicked.connect(self.use_problem)
        self.saved_label = QLabel()
        self.saved_label.setWordWrap(True)

        left = QVBoxLayout()
        left.addWidget(self.choices)
        left.addWidget(self.validation)
        left.addWidget(self.notes)
        left.addStretch(1)
        body = QHBoxLayout()
        body.addLayout(left, 1)
        body.addWidget(self.columns, 1)
        self.form = QWidget()
        self.form.setLayout(body)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.form)
        top = QHBoxLayout()
        top.addWidget(QLabel("<b>Predict:</b>"))
        top.addWidget(self.target_combo, 1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.saved_label, 1)
        bottom.addWidget(self.use_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.message)
        layout.addWidget(scroll, 1)
        layout.addLayout(bottom)
        self.set_table(None)

    # -- the table -------------------------------------------------------------------------

    def set_table(self, table: ActiveTable | None) -> None:
        """Work on ``table``; a problem saved for it is shown again (read it with
        :attr:`problem`; :attr:`problem_ready` is only emitted by "Use this problem")."""
        from engine.errors import GristmillError

        if self._defining is not None:
            self._defining.cancel()
            self._defining = None
        self._table, self._saved, self._proposal, self._current = table, None, None, None
        self._choices = self._good = Choices()
        self._say("")  # words about the previous table (or about having none) no longer hold
        blocker = QSignalBlocker(self.target_combo)
        self.target_combo.clear()
        self._targets = []
        if table is not None:
            self._targets = [None, *map(str, table.frame.columns), None]
            self.target_combo.addItems([CHOOSE_TARGET, *self._targets[1:-1], NO_TARGET])
            try:
                self._saved = table.project.load_problem(table.source_id)
            except GristmillError as error:
                self._say(f"The saved problem could not be read: {error}", error=True)
            if self._saved is not None and self._saved.target not in (None, *self._targets):
                self._say(f"The saved problem predicts {self._saved.target!r}, which this "
                          "table no longer has. Choose the column to predict.", error=True)
                self._saved = None
        blocker.unblock()
        self.target_combo.setEnabled(table is not None)
        self._show_form()
        if self._saved is not None:
            self._choices = Choices.from_problem(self._saved)
            index = (len(self._targets) - 1 if self._saved.target is None
                     else self._targets.index(self._saved.target))
            blocker = QSignalBlocker(self.target_combo)
            self.target_combo.setCurrentIndex(index)
            blocker.unblock()
            self._define()
        self._set_status("waiting" if table is None else "done" if self._saved else "to do")

    def choose_target(self, name: str | None) -> None:
        """Pick ``name`` as the target (None: no target, find groups or unusual rows)."""
        index = len(self._targets) - 1 if name is None else self._targets.index(name)
        self.target_combo.setCurrentIndex(index)

    # -- what the user changes -------------------------------------------------------------

    def _target_chosen(self, index: int) -> None:
        if self._table is None or index <= 0:
            return
        self._choices = Choices(target=self._targets[index])
        self._good = Choices()
        self._proposal = self._current = None
        self._define()

    def _choice_changed(self, name: str, value: Any) -> None:
        if name == "task":
            self._choices = replace(self._choices, task=value, positive_class=None, metric=None)
            self._define()
        elif name == "semi_supervised":
            self._choices = replace(self._choices, semi_supervised=bool(value) or None)
            self._define()
        else:
            self._choices = replace(self._choices, **{name: value})
            self._apply_locally()

    def _plan_changed(self, plan: ValidationPlan, redefine: bool) -> None:
        self._choices = replace(self._choices, validation=plan)
        if redefine:
            self._define()
        else:
            self._apply_locally()

    def _use_changed(self, column: str, use: bool) -> None:
        keep, exclude = set(self._choices.keep), set(self._choices.exclude)
        (keep.add if use else keep.discard)(column)
        (exclude.discard if use else exclude.add)(column)
        self._choices = replace(self._choices, keep=frozenset(keep), exclude=frozenset(exclude))
        self._define()

    def _apply_locally(self) -> None:
        if self._proposal is not None:
            self._good = self._choices
            self._current = problem_from(self._proposal, self._choices)
            self._show_saved_state()

    # -- asking the engine -----------------------------------------------------------------

    def _define(self) -> None:
        table, choices = self._table, self._choices
        if table is None:
            return
        if self._defining is not None:
            self._defining.cancel()
        self._say("Looking at the target and the columns…")
        self.form.setEnabled(False)
        self.use_button.setEnabled(False)

        def finished(result: Defined) -> None:
            if self._defining is not task or not isValid(self):
                return
            self._defining = None
            if result.proposal is None:
                self._choices = self._good
                self._say(result.error, error=True)
            else:
                self._proposal, self._unlabelled = result.proposal, result.unlabelled
                self._choices = self._good = choices
                self._current = problem_from(result.proposal, choices)
                self._say("")
            self._show_form()

        def ended(*_args: object) -> None:
            if self._defining is task and isValid(self):
                self._defining = None
                self._choices = self._good
                self._say("The problem was not checked.", error=True)
                self._show_form()

        task = self._runner.run(
            "Defining the problem",
            lambda progress, cancel: define_job(table.frame, table.schema, choices, progress,
                                                cancel),
            finished,
            on_failed=ended,
            on_cancelled=ended,
        )
        self._defining = task

    # -- saving ----------------------------------------------------------------------------

    def use_problem(self) -> None:
        """Save the problem on screen in the project and announce it ("Use this problem")."""
        from engine.errors import GristmillError

        if self._table is None or self._current is None:
            return
        try:
            self._table.project.save_problem(self._table.source_id, self._current)
        except GristmillError as error:
            self._say(f"The problem was not saved: {error}", error=True)
            return
        self._saved = self._current
        self._show_saved_state()
        self._set_status("done")
        self.problem_ready.emit(self._saved)

    # -- display ---------------------------------------------------------------------------

    def _show_form(self) -> None:
        shown = self._proposal is not None and self._current is not None
        self.form.setVisible(shown)
        self.form.setEnabled(self._defining is None)
        if shown:
            assert self._table is not None and self._proposal is not None
            problem = self._current
            columns = [str(name) for name in self._table.frame.columns]
            self.choices.fill(problem, self._proposal, self._unlabelled)
            self.validation.fill(problem.validation, self._proposal.date_columns,
                                 [c for c in columns if c != problem.target])
            self.validation.setVisible(problem.task.supervised)
            self.columns.fill(problem, self._proposal, self._table.schema, columns)
            self.notes.setText(notes_text(self._proposal))
        elif self._table is None:
            self._say("Choose a table in the Data step first.")
        elif self._defining is None and not self.message.text():
            self._say("Choose the column to predict, or “no target” to find groups or "
                      "unusual rows.")
        self._show_saved_state()

    def _show_saved_state(self) -> None:
        current, saved = self._current, self._saved
        self.use_button.setEnabled(current is not None and self._defining is None
                                   and current != saved)
        if saved is not None and current == saved:
            text = "Saved in the project: training will use this problem."
        elif saved is not None:
            text = "You changed the problem: press “Use this problem” to keep the changes."
        elif current is not None:
            text = "Not in use yet: press “Use this problem” when it looks right."
        else:
            text = ""
        self.saved_label.setText(text)

    def _say(self, text: str, *, error: bool = False) -> None:
        self.message.setText(text)
        self.message.setStyleSheet(error_style() if error else "")
        self.message.setVisible(bool(text))

    def _set_status(self, status: str) -> None:
        self._status = status
        self.status_changed.emit(status)

    # -- for the window and the tests ------------------------------------------------------

    @property
    def problem(self) -> Problem | None:
        """The problem saved for the table (what training uses), or None."""
        return self._saved

    @property
    def current_problem(self) -> Problem | None:
        """The problem on screen, with the user's changes (saved or not)."""
        return self._current

    @property
    def proposal(self) -> ProblemProposal | None:
        """The engine's last proposal (findings, balance, notes)."""
        return self._proposal

    @property
    def busy(self) -> bool:
        """True while the engine is checking the problem."""
        return self._defining is not None

    @property
    def status(self) -> str:
        return self._status
