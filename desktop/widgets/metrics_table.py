"""The metrics of a model beside the baseline and the cross-validation, each explained.

One row per metric of the stored evaluation: the holdout score, the baseline's, and the mean
and spread across the validation folds. The tooltip of a row is the engine's own plain-words
explanation (:data:`engine.evaluation.metrics.METRIC_INFO`) with the direction and any note
(why a value could not be computed). The metric the models were ranked by is in bold.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from engine.evaluation.result import Evaluation, MetricSummary

HEADERS = ("Metric", "This model", "Baseline", "Across the folds")
HEADER_TIPS = (
    "Hover a metric to read what it measures.",
    "The score on the holdout rows: rows kept aside that the model never saw in training.",
    "The score of the baseline on the same rows: what you would get with no model at all "
    "(always the most common class, or the average). A useful model beats it clearly.",
    "The average and spread of the score on the validation folds during training. Close to "
    "the holdout score means the result is stable.",
)


class MetricsTable(QTableWidget):
    """Read-only table of :class:`MetricSummary` rows."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, len(HEADERS), parent)
        self.setHorizontalHeaderLabels(list(HEADERS))
        for column, tip in enumerate(HEADER_TIPS):
            self.horizontalHeaderItem(column).setToolTip(tip)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.verticalHeader().setVisible(False)
        self.setAlternatingRowColors(True)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)

    def set_evaluation(self, evaluation: Evaluation | None, primary: str | None = None) -> None:
        """Show ``evaluation``'s metrics; ``primary`` (the ranking metric) is in bold.

        The texts come with the evaluation (its explanations are the engine's
        ``METRIC_INFO``), so nothing heavy is imported here.
        """
        metrics = evaluation.metrics if evaluation is not None else ()
        self.setRowCount(len(metrics))
        ranked = primary
        for row, metric in enumerate(metrics):
            cells = (
                metric.label,
                _number(metric.holdout),
                _number(metric.baseline),
                _folds(metric),
            )
            tip = _tooltip(metric)
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(tip)
                if column:
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                if metric.name == ranked:
                    font = QFont(item.font())
                    font.setBold(True)
                    item.setFont(font)
                self.setItem(row, column, item)
        self._fit_height()

    def _fit_height(self) -> None:
        """As tall as its rows: no empty grid under a short table."""
        self.resizeRowsToContents()
        rows = sum(self.rowHeight(row) for row in range(self.rowCount()))
        header = self.horizontalHeader().sizeHint().height()
        self.setFixedHeight(rows + header + 2 * self.frameWidth() + 2)

    def row_of(self, label: str) -> int | None:
        """The row showing the metric labelled ``label`` (e.g. "ROC AUC"), or None."""
        for row in range(self.rowCount()):
            if self.item(row, 0).text() == label:
                return row
        return None


def _number(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:.3f}".replace("-0.000", "0.000")  # no "minus zero"


def _folds(metric: MetricSummary) -> str:
    if metric.cv_mean is None:
        return "—"
    spread = f" ± {metric.cv_std:.3f}" if metric.cv_std is not None else ""
    return f"{_number(metric.cv_mean)}{spread}"


def _tooltip(metric: MetricSummary) -> str:
    direction = "Higher is better." if metric.greater_is_better else "Lower is better."
    text = f"{metric.label}: {metric.explanation} {direction}"
    if metric.holdout is not None and metric.baseline is not None:
        better = (metric.holdout > metric.baseline) == metric.greater_is_better
        verdict = "better" if better and metric.holdout != metric.baseline else "no better"
        text += f"\nThe model does {verdict} than the baseline here."
    if metric.note:
        text += f"\nNote: {metric.note}"
    return text
