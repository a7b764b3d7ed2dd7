"""The Prepare step: the recipe that turns the table's columns into what a model reads.

The user sees the default recipe of a model family (a family picker), edits it as a list of
steps, and chooses between "the default recipe for each model" (each family gets its own, the
recommended choice; ``None`` for :class:`~engine.training.search.SearchSettings`) and "this
recipe for every model" (the edited recipe dict). "Use this choice" checks the recipe on the
first rows and saves the choice in the project (setting ``recipe:<source id>``). A preview
shows the features the recipe makes from the first 500 rows; a recipe the engine refuses is
explained in words beside it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QSplitter,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from desktop.tasks import Task, TaskRunner
from desktop.theme import error_style
from desktop.widgets.recipe_choice import NOTHING_SAVED, RecipeChoice
from desktop.widgets.recipe_editor import RecipeEditor
from desktop.widgets.recipe_jobs import Preview, RecipeContext, context_job, preview_job
from desktop.widgets.recipe_preview import RecipePreview

if TYPE_CHECKING:
    from desktop.panels.context import ActiveTable
    from engine.problem.definition import Problem

_NO_TABLE = "Choose a table in the Data step first."
_NO_PROBLEM = ("Define the problem first (the Problem step): the recipe depends on the columns "
               "the model uses.")
_WAITING_WORDS = (_NO_TABLE, _NO_PROBLEM)


def setting_key(source_id: int) -> str:
    """The project setting holding a table's recipe choice."""
    return f"recipe:{source_id}"


class PreparePanel(QWidget):
    """Family picker, recipe editor, the choice to save, and a preview."""

    status_changed = Signal(str)  # "done", "to do" or "waiting"
    recipe_changed = Signal(object)  # the saved choice: a recipe dict, or None (defaults)

    def __init__(self, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self._table: ActiveTable | None = None
        self._problem: Problem | None = None
        self._context: RecipeContext | None = None
        self._saved: Any = NOTHING_SAVED  # the saved choice (a recipe dict or None)
        self._tasks: dict[str, Task] = {}  # "context", "preview", "save"
        self._status = ""
        self._trained = False  # a model was trained on the table (the recipe was used)

        self.message = QLabel()
        self.message.setWordWrap(True)
        self.family_combo = QComboBox()
        self.family_combo.currentIndexChanged.connect(self._family_chosen)
        self.choice_box = RecipeChoice()
        self.default_radio = self.choice_box.default_radio
        self.custom_radio = self.choice_box.custom_radio
        self.use_button = self.choice_box.use_button
        self.saved_label = self.choice_box.saved_label
        self.default_radio.toggled.connect(lambda _on: self._show_saved_state())
        # The user chose the defaults: show the chosen family's default again.
        self.default_radio.clicked.connect(
            lambda: self._family_chosen(self.family_combo.currentIndex()))
        self.use_button.clicked.connect(self.use_choice)
        self.showing_label = QLabel()
        self.editor = RecipeEditor()
        self.editor.changed.connect(self._edited)
        self.preview = RecipePreview()

        picker = QHBoxLayout()
        picker.addWidget(QLabel("Show the default recipe for:"))
        picker.addWidget(self.family_combo, 1)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addLayout(picker)
        left_layout.addWidget(self.showing_label)
        left_layout.addWidget(self.editor, 1)
        left_layout.addWidget(self.choice_box)
        self.body = QSplitter(Qt.Orientation.Horizontal)
        self.body.addWidget(left)
        self.body.addWidget(self.preview)
        self.body.setStretchFactor(0, 1)
        self.body.setStretchFactor(1, 1)
        self.body.setSizes([600, 600])
        layout = QVBoxLayout(self)
        layout.addWidget(self.message)
        layout.addWidget(self.body, 1)
        self._refresh()

    # -- inputs from the other steps -------------------------------------------------------

    def set_table(self, table: ActiveTable | None) -> None:
        """Work on ``table``: its saved choice is restored (and announced)."""
        from engine.errors import GristmillError

        self._cancel_all()
        self._table, self._context, self._saved = table, None, NOTHING_SAVED
        self._trained = False  # until the window says a model was trained on this table
        if table is not None:
            try:
                key = setting_key(table.source_id)
                self._saved = table.project.get_setting(key, NOTHING_SAVED)
            except GristmillError as error:
                self._say(f"The saved recipe choice could not be read: {error}", error=True)
            if self._saved is not NOTHING_SAVED and not isinstance(self._saved, dict | None):
                self._saved = NOTHING_SAVED
        self._load_context()
        self.recipe_changed.emit(self.recipe)

    def set_problem(self, problem: Problem | None) -> None:
        """Prepare the recipe for ``problem`` (None: wait for the Problem step)."""
        self._cancel_all()
        self._problem, self._context = problem, None
        self._load_context()

    def set_trained(self, trained: bool) -> None:
        """A model was trained on the table (True) or not yet: training used the recipe
        choice (the defaults when none was saved), so the step counts as done."""
        self._trained = trained
        self._refresh()

    def _usable(self) -> bool:
        table, problem = self._table, self._problem
        return (table is not None and problem is not None
                and all(name in table.schema.names for name in problem.features))

    def _load_context(self) -> None:
        self._refresh()
        if not self._usable():
            return
        table, problem = self._table, self._problem
        assert table is not None and problem is not None
        self._say("Working out the model inputs and the default recipes…")

        def finished(context: RecipeContext) -> None:
            if self._end("context", task):
                self._context = None if context.error else context
                self._say(context.error, error=bool(context.error))
                if not context.error:
                    self._show_context(context)
                self._refresh()

        task = self._start("context", "Preparing the recipe",
                           lambda progress, cancel: context_job(table.frame, table.schema,
                                                                problem, progress, cancel),
                           finished)

    def _show_context(self, context: RecipeContext) -> None:
        blocker = QSignalBlocker(self.family_combo)
        self.family_combo.clear()
        for index, family in enumerate(context.families):
            self.family_combo.addItem(family.label, family.key)
            self.family_combo.setItemData(index, family.description, Qt.ItemDataRole.ToolTipRole)
        blocker.unblock()
        custom = isinstance(self._saved, dict)
        self.choice_box.set_custom(custom)
        if custom:
            self.editor.set_recipe(self._saved, context.inputs)
            self.showing_label.setText("Showing: the recipe saved for every model.")
            self._run_preview()
        else:
            self._family_chosen(0)

    # -- the user's edits ------------------------------------------------------------------

    def _family_chosen(self, index: int) -> None:
        context = self._context
        if context is None or not 0 <= index < len(context.families):
            return
        family = context.families[index]
        self.family_combo.setToolTip(family.description)
        self.editor.set_recipe(context.defaults[family.key], context.inputs)
        self.showing_label.setText(f"Showing: the default recipe for {family.label}.")
        self._run_preview()
        self._show_saved_state()

    def _edited(self) -> None:
        self.custom_radio.setChecked(True)  # an edited recipe is one the user wants
        self.showing_label.setText("Showing: your recipe.")
        self._say("")
        self._run_preview()
        self._show_saved_state()

    def _run_preview(self) -> None:
        table, problem, recipe = self._table, self._problem, self.editor.recipe()
        if table is None or problem is None:
            return
        self.preview.show_busy()

        def finished(result: Preview) -> None:
            if self._end("preview", task):
                self.preview.show_result(result)

        task = self._start("preview", "Previewing the recipe",
                           lambda progress, cancel: preview_job(table.frame, table.schema,
                                                                problem, recipe, progress,
                                                                cancel),
                           finished)

    # -- saving ----------------------------------------------------------------------------

    def use_choice(self) -> None:
        """Save the choice on screen ("Use this choice"); a recipe is checked first."""
        table, problem = self._table, self._problem
        if table is None or problem is None or self._context is None:
            return
        choice = self.choice
        if choice is None:
            self._save(None)
            return
        self.use_button.setEnabled(False)

        def finished(result: Preview) -> None:
            if self._end("save", task):
                self.preview.show_result(result)
                if result.error:
                    self._say("The recipe was not saved: fix the step named in the preview.",
                              error=True)
                    self._show_saved_state()
                else:
                    self._save(choice)

        task = self._start("save", "Checking the recipe",
                           lambda progress, cancel: preview_job(table.frame, table.schema,
                                                                problem, choice, progress,
                                                                cancel),
                           finished)

    def _save(self, choice: dict[str, Any] | None) -> None:
        from engine.errors import GristmillError

        assert self._table is not None
        try:
            self._table.project.set_setting(setting_key(self._table.source_id), choice)
        except GristmillError as error:
            self._say(f"The choice was not saved: {error}", error=True)
            return
        self._saved = choice
        self._say("")
        self._refresh()
        self.recipe_changed.emit(choice)

    # -- display and bookkeeping -----------------------------------------------------------

    def _refresh(self) -> None:
        ready = self._usable() and self._context is not None
        self.body.setVisible(ready)
        if self._table is None:
            self._say(_NO_TABLE)
        elif self._problem is None:
            self._say(_NO_PROBLEM)
        elif not self._usable():
            self._say("The problem does not fit this table: define it again in the Problem "
                      "step.", error=True)
        self._show_saved_state()
        done = self._saved is not NOTHING_SAVED or self._trained
        status = "waiting" if not self._usable() else "done" if done else "to do"
        if self._usable() and self.message.text() in _WAITING_WORDS:
            self._say("")  # the table and the problem are here now
        self._status = status
        self.status_changed.emit(status)  # every time: the navigation may have missed one

    def _show_saved_state(self) -> None:
        self.choice_box.show_state(self._saved, self.choice, ready=self._context is not None,
                                   can_save="save" not in self._tasks, trained=self._trained)

    def _say(self, text: str, *, error: bool = False) -> None:
        self.message.setText(text)
        self.message.setStyleSheet(error_style() if error else "")
        self.message.setVisible(bool(text))

    def _start(self, name: str, label: str, job: Any, finished: Any) -> Task:
        if name in self._tasks:
            self._tasks.pop(name).cancel()
        task = self._runner.run(label, job, finished,
                                on_failed=lambda _e: self._end(name, task),
                                on_cancelled=lambda: self._end(name, task))
        self._tasks[name] = task
        return task

    def _end(self, name: str, task: Task) -> bool:
        """Forget ``task``; True if it was still the current one of its kind (and the panel
        still exists: a job may end after the window closed it)."""
        if self._tasks.get(name) is task and isValid(self):
            del self._tasks[name]
            self._show_saved_state()
            return True
        return False

    def _cancel_all(self) -> None:
        for task in self._tasks.values():
            task.cancel()
        self._tasks.clear()

    # -- for the window and the tests ------------------------------------------------------

    @property
    def recipe(self) -> dict[str, Any] | None:
        """The saved choice: a recipe dict for every model, or None (each family's default)."""
        return None if self._saved is NOTHING_SAVED else self._saved

    @property
    def choice(self) -> dict[str, Any] | None:
        """The choice on screen (saved or not): the edited recipe, or None for the defaults."""
        return self.editor.recipe() if self.choice_box.custom else None

    @property
    def busy(self) -> bool:
        """True while a job of this panel runs."""
        return bool(self._tasks)

    @property
    def status(self) -> str:
        return self._status
