"""The lifecycle panels after Data, and how each step's result feeds the next.

Data publishes the active table; Problem publishes the confirmed problem; Prepare the recipe
choice; Train the stored run; Evaluate a new threshold; Deploy each exported model, which
Monitor offers to check. Each panel reports its status ("done", "to do", "waiting"), which the
navigation shows under the step's name. Panels never know each other: only this module
connects them.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QLabel, QStackedWidget, QWidget

from desktop.panels.data_panel import DataPanel
from desktop.panels.deploy_panel import DeployPanel
from desktop.panels.evaluate_panel import EvaluatePanel
from desktop.panels.monitor_panel import MonitorPanel
from desktop.panels.prepare_panel import PreparePanel
from desktop.panels.problem_panel import ProblemPanel
from desktop.panels.train_panel import TrainPanel
from desktop.tasks import TaskRunner
from desktop.widgets.lifecycle_nav import LifecycleNav

if TYPE_CHECKING:
    from PySide6.QtCore import QSettings

    from desktop.panels.context import ActiveTable


class StepPanels(QObject):
    """Creates the step panels, puts them in ``stack`` and wires their signals.

    ``table_label`` names the table every step works on (the window shows it above the
    steps); ``table_switched`` says when another table took its place.
    """

    table_switched = Signal(str)  # the name of the table every step now works on

    def __init__(
        self,
        runner: TaskRunner,
        nav: LifecycleNav,
        data_panel: DataPanel,
        stack: QStackedWidget,
        parent: QObject | None = None,
        *,
        settings: QSettings | None = None,
    ) -> None:
        super().__init__(parent)
        self.nav = nav
        self.stack = stack
        self.table: ActiveTable | None = None
        self.table_label = QLabel()
        self.table_label.setWordWrap(True)
        self.table_label.setToolTip(
            "Problem, Prepare, Train, Evaluate, Deploy and Monitor all work on this table. "
            "Choose another one in the Data step to switch."
        )
        self.run_id: int | None = None
        self.problem = ProblemPanel(runner)
        self.prepare = PreparePanel(runner)
        self.train = TrainPanel(runner)
        self.evaluate = EvaluatePanel(runner)
        self.deploy = DeployPanel(runner, settings=settings)
        self.monitor = MonitorPanel(runner)
        self.by_step: dict[str, QWidget] = {
            "Data": data_panel,
            "Problem": self.problem,
            "Prepare": self.prepare,
            "Train": self.train,
            "Evaluate": self.evaluate,
            "Deploy": self.deploy,
            "Monitor": self.monitor,
        }
        for step, panel in self.by_step.items():
            if panel is not data_panel:
                stack.addWidget(panel)
                panel.status_changed.connect(
                    lambda status, s=step: self.nav.set_status(s, status)
                )
        data_panel.table_opened.connect(self.set_table)
        self.problem.problem_ready.connect(self._problem_ready)
        self.prepare.recipe_changed.connect(self.train.set_recipe)
        self.train.run_finished.connect(self.set_run)
        self.train.run_selected.connect(self.set_run)
        self.evaluate.threshold_saved.connect(lambda _value: self.set_run(self.run_id))
        self.deploy.model_exported.connect(self.monitor.offer_model)
        nav.set_status("Monitor", self.monitor.status)  # its first status came before wiring
        nav.step_chosen.connect(self.show_step)

    def show_step(self, step: str) -> None:
        """Show ``step``'s panel (a step without a panel is ignored)."""
        panel = self.by_step.get(step)
        if panel is not None and self.stack.indexOf(panel) >= 0:
            self.stack.setCurrentWidget(panel)

    def set_table(self, table: ActiveTable | None) -> None:
        """A table is on screen in Data (or none): every later step starts from it."""
        previous = self.table
        self.table = table
        self.table_label.setText(
            f"Working on:<br><b>{html.escape(table.name)}</b>" if table is not None else ""
        )
        if (table is not None and previous is not None
                and (previous.project, previous.source_id) != (table.project, table.source_id)):
            self.table_switched.emit(table.name)
        self.problem.set_table(table)
        self.prepare.set_table(table)
        self.train.set_table(table)
        saved = self.problem.problem
        self.prepare.set_problem(saved)
        self.train.set_problem(saved)
        self.set_run(self._latest_run(table))

    def set_run(self, run_id: int | None) -> None:
        """Show run ``run_id`` in Evaluate and Deploy (None: no run yet)."""
        self.run_id = run_id
        project = self.table.project if self.table is not None else None
        shown = run_id if project is not None else None
        self.prepare.set_trained(shown is not None)  # training used the recipe choice
        self.evaluate.set_run(project, shown)
        self.deploy.set_run(project, shown)
        self.monitor.set_project(project, self.table.source_id if self.table else None)

    def _problem_ready(self, problem: Any) -> None:
        self.prepare.set_problem(problem)
        self.train.set_problem(problem)

    @staticmethod
    def _latest_run(table: ActiveTable | None) -> int | None:
        if table is None:
            return None
        runs = [run for run in table.project.list_runs(table.source_id) if run.has_model]
        return runs[-1].id if runs else None
