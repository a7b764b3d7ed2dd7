"""The Problem step's choices about the target: the task, the positive class and the metric.

Two boxes: "What to predict" (task, why it was detected, positive class, semi-supervised
training, number of clusters) and "How to judge a model" (metric with its explanation, class
balance, class weights). The widget only shows and collects: each user change is announced
with :attr:`ProblemChoices.choice_changed` (a name and a value) and the panel decides whether
to ask the engine again. Filling it never emits.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

if TYPE_CHECKING:
    from engine.problem.define import ProblemProposal
    from engine.problem.definition import Problem

TASK_WORDS = {
    "binary": ("Two outcomes (binary)", "Predict which of two outcomes happens, e.g. whether "
               "a customer leaves. The model gives each row a probability."),
    "multiclass": ("Several categories (multiclass)", "Predict which of several categories a "
                   "row belongs to."),
    "regression": ("A number (regression)", "Predict an amount, e.g. next month's spend."),
    "clustering": ("Find groups (clustering)", "No column to predict: split the rows into "
                   "groups of similar rows."),
    "anomaly": ("Find unusual rows (anomaly detection)", "No column to predict: flag the rows "
                "that look unlike the others."),
}
SUPERVISED_TASKS = ("binary", "multiclass", "regression")
UNSUPERVISED_TASKS = ("clustering", "anomaly")
POSITIVE_TIP = (
    "The outcome the model looks for (for example the customers who leave). Probabilities, "
    "thresholds and scores such as precision and recall are about this class."
)
WEIGHTS_TIP = (
    "Give the rare class more weight while training, so the model does not ignore it. The "
    "model then finds more of the rare class, but its probabilities are less well calibrated."
)
SEMI_TIP = (
    "Some rows have no value in the target. Semi-supervised training (self-training) lets the "
    "model also learn from them, by labelling the rows it is most sure about."
)
CLUSTERS_TIP = "How many groups to split the rows into (the number suggested is a start)."


def _small(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class ProblemChoices(QWidget):
    """Task, positive class, metric, class weights: shown from a proposal, changed by the user.

    ``choice_changed(name, value)`` names are "task", "positive_class", "metric",
    "class_weights", "semi_supervised" and "n_clusters".
    """

    choice_changed = Signal(str, object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.task_combo = QComboBox()
        self.task_combo.setToolTip("The kind of question the model answers.")
        self.task_combo.currentIndexChanged.connect(self._task_chosen)
        self.reason_label = _small()
        self.reason_label.setToolTip("Why Gristmill proposes this kind of task.")
        self.positive_combo = QComboBox()
        self.positive_combo.setToolTip(POSITIVE_TIP)
        self.positive_combo.currentIndexChanged.connect(
            lambda _i: self.choice_changed.emit("positive_class", self.positive_combo.currentText())
        )
        self.semi_check = QCheckBox("Also learn from the rows without a target value")
        self.semi_check.setToolTip(SEMI_TIP)
        self.semi_check.toggled.connect(lambda on: self.choice_changed.emit("semi_supervised", on))
        self.clusters_spin = QSpinBox()
        self.clusters_spin.setRange(2, 50)
        self.clusters_spin.setToolTip(CLUSTERS_TIP)
        self.clusters_spin.valueChanged.connect(
            lambda value: self.choice_changed.emit("n_clusters", int(value))
        )
        what = QGroupBox("What to predict")
        form = QFormLayout(what)
        form.addRow("Task:", self.task_combo)
        form.addRow("", self.reason_label)
        self._positive_label = QLabel("Positive class:")
        self._positive_label.setToolTip(POSITIVE_TIP)
        form.addRow(self._positive_label, self.positive_combo)
        form.addRow("", self.semi_check)
        self._clusters_label = QLabel("Number of groups:")
        self._clusters_label.setToolTip(CLUSTERS_TIP)
        form.addRow(self._clusters_label, self.clusters_spin)

        self.metric_combo = QComboBox()
        self.metric_combo.currentIndexChanged.connect(self._metric_chosen)
        self.metric_help = _small()
        self.balance_label = _small()
        self.balance_label.setToolTip(
            "How many rows each class has. When one class is rare, a model can look accurate "
            "while missing it."
        )
        self.weights_check = QCheckBox("Use class weights")
        self.weights_check.setToolTip(WEIGHTS_TIP)
        self.weights_check.toggled.connect(lambda on: self.choice_changed.emit("class_weights", on))
        judge = QGroupBox("How to judge a model")
        form = QFormLayout(judge)
        self._metric_label = QLabel("Metric:")
        self._metric_label.setToolTip("The score models are ranked by on the leaderboard.")
        form.addRow(self._metric_label, self.metric_combo)
        form.addRow("", self.metric_help)
        self._balance_title = QLabel("Class balance:")
        form.addRow(self._balance_title, self.balance_label)
        form.addRow("", self.weights_check)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(what)
        layout.addWidget(judge)

    # -- showing a proposal ----------------------------------------------------------------

    def fill(self, problem: Problem, proposal: ProblemProposal, unlabelled: int) -> None:
        """Show ``problem`` (the proposal with the user's choices applied); emits nothing."""
        from engine.problem.metrics import METRICS, metrics_for

        task = problem.task.value
        blockers = [QSignalBlocker(w) for w in (self.task_combo, self.positive_combo,
                                                self.metric_combo, self.weights_check,
                                                self.semi_check, self.clusters_spin)]
        self.task_combo.clear()
        tasks = SUPERVISED_TASKS if problem.target is not None else UNSUPERVISED_TASKS
        for index, name in enumerate(tasks):
            label, tip = TASK_WORDS[name]
            self.task_combo.addItem(label, name)
            self.task_combo.setItemData(index, tip, Qt.ItemDataRole.ToolTipRole)
        self.task_combo.setCurrentIndex(tasks.index(task))
        self.task_combo.setToolTip(TASK_WORDS[task][1])
        guess = proposal.guess
        why = f"Why: {problem.reason}."
        if guess is not None and guess.task is problem.task and guess.confirm:
            why += " Please check this guess."
        self.reason_label.setText(why)

        binary = task == "binary"
        self.positive_combo.clear()
        self.positive_combo.addItems(list(problem.classes) if binary else [])
        if binary and problem.positive_class is not None:
            self.positive_combo.setCurrentText(problem.positive_class)
        self._positive_label.setVisible(binary)
        self.positive_combo.setVisible(binary)
        self.semi_check.setChecked(problem.semi_supervised)
        self.semi_check.setVisible(problem.task.classification and unlabelled > 0)
        clustering = task == "clustering"
        if clustering and problem.n_clusters:
            self.clusters_spin.setValue(int(problem.n_clusters))
        self._clusters_label.setVisible(clustering)
        self.clusters_spin.setVisible(clustering)

        self.metric_combo.clear()
        for index, name in enumerate(metrics_for(problem.task)):
            info = METRICS[name]
            self.metric_combo.addItem(info.label, name)
            self.metric_combo.setItemData(index, info.explanation, Qt.ItemDataRole.ToolTipRole)
        self.metric_combo.setCurrentIndex(max(0, self.metric_combo.findData(problem.metric)))
        self._show_metric_help(problem.metric)

        balance = proposal.balance
        classification = problem.task.classification
        self.balance_label.setText(balance.message if balance is not None else "")
        for widget in (self._balance_title, self.balance_label, self.weights_check):
            widget.setVisible(classification and balance is not None)
        self.weights_check.setChecked(problem.class_weights)
        del blockers

    def _show_metric_help(self, metric: str) -> None:
        from engine.problem.metrics import METRICS

        info = METRICS.get(metric)
        text = info.explanation if info is not None else ""
        if info is not None:
            text += " Higher is better." if info.greater_is_better else ""
        self.metric_combo.setToolTip(text)
        self.metric_help.setText(text)

    # -- user changes ----------------------------------------------------------------------

    def _task_chosen(self, index: int) -> None:
        self.choice_changed.emit("task", str(self.task_combo.itemData(index)))

    def _metric_chosen(self, index: int) -> None:
        name = str(self.metric_combo.itemData(index))
        self._show_metric_help(name)
        self.choice_changed.emit("metric", name)

    @property
    def metric(self) -> Any:
        """The metric's name currently chosen (None when nothing is shown)."""
        return self.metric_combo.currentData()
