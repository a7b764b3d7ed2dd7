"""The decision threshold of a yes/no model: a slider, what each decision is worth, the outcome.

Everything here reads the stored threshold analysis (the counts at every candidate cut;
:mod:`engine.evaluation.threshold_pick`), so moving the slider or typing a cost updates the
confusion matrix and the expected value at once, with no model and no data.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QVBoxLayout,
    QWidget,
)

if TYPE_CHECKING:
    from engine.evaluation.result import BusinessValue, ThresholdAnalysis, ThresholdPoint

STEPS = 1000  # slider positions: thresholds 0.000 to 1.000
_CELL_STYLE = "padding: 4px; border: 1px solid palette(mid);"
_COST_TIPS = (
    ("False alarm costs", "What a false positive costs: a row flagged as {pos} that is not "
     "(for example, an offer sent to a customer who would have stayed)."),
    ("Missed case costs", "What a false negative costs: a {pos} row the model does not flag."),
    ("Caught case is worth", "What a true positive earns: a {pos} row the model flags."),
)


class ThresholdBox(QGroupBox):
    """Slider, cost inputs, the 2x2 outcome table and the expected value, live."""

    changed = Signal(float)  # the threshold now shown (a stored cut), after any change
    use_requested = Signal(float)  # "Use this threshold"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Decision threshold", parent)
        self._stored: ThresholdAnalysis | None = None  # as saved
        self._analysis: ThresholdAnalysis | None = None  # with the costs typed here
        self._labels = ("no", "yes")
        self.point: ThresholdPoint | None = None
        self._saved_value: float | None = None  # the threshold the model keeps
        self._saved_reason = ""
        self._exact: float | None = None  # a threshold set in code, kept exactly
        self.setToolTip(
            "The model gives each row a probability; rows at or above the threshold are "
            "flagged. A lower threshold finds more cases but raises more false alarms."
        )
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, STEPS)
        self.slider.setToolTip(self.toolTip())
        self.slider.valueChanged.connect(self._slider_moved)
        self.value_label = QLabel()
        self.costs = [QDoubleSpinBox() for _ in _COST_TIPS]
        form = QFormLayout()
        for box, (label, _tip) in zip(self.costs, _COST_TIPS, strict=True):
            box.setRange(0.0, 1e9)
            box.setDecimals(2)
            box.setGroupSeparatorShown(True)
            box.valueChanged.connect(self._costs_changed)
            form.addRow(label, box)
        self.cells = [[QLabel() for _ in range(2)] for _ in range(2)]
        grid = QGridLayout()
        self._headers = [QLabel() for _ in range(4)]
        for i, header in enumerate(self._headers[:2]):
            grid.addWidget(header, 0, i + 1, alignment=Qt.AlignmentFlag.AlignCenter)
        for i, header in enumerate(self._headers[2:]):
            grid.addWidget(header, i + 1, 0)
        for i, row in enumerate(self.cells):
            for j, cell in enumerate(row):
                cell.setAlignment(Qt.AlignmentFlag.AlignCenter)
                cell.setStyleSheet(_CELL_STYLE)
                grid.addWidget(cell, i + 1, j + 1)
        self.rates = QLabel()
        self.rates.setWordWrap(True)
        self.value = QLabel()
        self.value.setWordWrap(True)
        self.stored_label = QLabel()
        self.stored_label.setWordWrap(True)
        self.use_button = QPushButton("Use this threshold")
        self.use_button.setToolTip(
            "Save this threshold with the model: the exported model flags rows with it."
        )
        self.use_button.clicked.connect(self._use)
        layout = QVBoxLayout(self)
        layout.addWidget(self.value_label)
        layout.addWidget(self.slider)
        layout.addLayout(form)
        layout.addLayout(grid)
        layout.addWidget(self.rates)
        layout.addWidget(self.value)
        buttons = QHBoxLayout()
        buttons.addWidget(self.stored_label, 1)
        buttons.addWidget(self.use_button)
        layout.addLayout(buttons)

    def set_analysis(
        self, analysis: ThresholdAnalysis | None, labels: tuple[str, str] = ("no", "yes")
    ) -> None:
        """Show ``analysis`` (None hides the box), the slider at its chosen threshold."""
        self._stored = analysis
        self.setVisible(analysis is not None)
        if analysis is None:
            return
        self._labels = labels
        negative, positive = labels
        texts = (f"Predicted {negative}", f"Predicted {positive}",
                 f"Actually {negative}", f"Actually {positive}")
        for header, text in zip(self._headers, texts, strict=True):
            header.setText(f"<b>{text}</b>")
        for box, (_label, tip) in zip(self.costs, _COST_TIPS, strict=True):
            box.setToolTip(tip.format(pos=positive))
        stored_costs = analysis.costs
        values = (
            (stored_costs.false_positive_cost, stored_costs.false_negative_cost,
             stored_costs.true_positive_value) if stored_costs else (0.0, 0.0, 0.0)
        )
        for box, value in zip(self.costs, values, strict=True):
            box.blockSignals(True)
            box.setValue(value)
            box.blockSignals(False)
        self._analysis = None
        self._costs_changed()
        chosen = analysis.choice.threshold if analysis.choice is not None else 0.5
        self._saved_value = chosen  # before the slider moves: it compares itself to this
        self._saved_reason = analysis.choice.reason if analysis.choice else ""
        self.set_threshold(chosen)

    def set_threshold(self, value: float) -> None:
        """Show the outcome at ``value`` (0 to 1) exactly; the slider moves near it.

        Exactly, not at the slider's nearest step: the saved threshold (say 0.3344) must
        show as itself, not as the next cut above 0.334.
        """
        value = min(max(value, 0.0), 1.0)
        self._exact = value
        self.slider.blockSignals(True)
        self.slider.setValue(round(value * STEPS))
        self.slider.blockSignals(False)
        self._update()

    def show_stored(self, threshold: float, reason: str = "") -> None:
        """Say which threshold the model keeps (the export uses it)."""
        self._saved_value, self._saved_reason = threshold, reason
        self._show_saved_state()

    def _show_saved_state(self) -> None:
        saved, point = self._saved_value, self.point
        if saved is None:
            self.stored_label.clear()
            self.use_button.setEnabled(point is not None)
            return
        differs = point is not None and not math.isclose(point.threshold, saved, abs_tol=1e-12)
        text = f"Saved with the model: <b>{saved:.3f}</b>"
        if differs:
            assert point is not None
            text += (f". Press “Use this threshold” to save <b>{point.threshold:.3f}</b> "
                     "instead.")
        self.stored_label.setText(text)
        self.stored_label.setToolTip(f"Why: {self._saved_reason}" if self._saved_reason else "")
        self.use_button.setEnabled(differs)

    def _slider_moved(self, _position: int) -> None:
        self._exact = None  # the user's hand: the slider's step it is
        self._update()

    def business_value(self) -> BusinessValue | None:
        """The costs typed in, or None while they are all zero."""
        from engine.evaluation.result import BusinessValue

        fp, fn, tp = (box.value() for box in self.costs)
        if not (fp or fn or tp):
            return None
        return BusinessValue(false_positive_cost=fp, false_negative_cost=fn,
                             true_positive_value=tp)

    def _costs_changed(self) -> None:
        from engine.evaluation.rethreshold import with_costs

        if self._stored is None:
            return
        self._analysis = with_costs(self._stored, self.business_value())
        self._update()

    def _update(self) -> None:
        from engine.evaluation.threshold_pick import point_at

        if self._analysis is None:
            return
        value = self._exact if self._exact is not None else self.slider.value() / STEPS
        point = point_at(self._analysis, value)
        self.point = point
        positive = self._labels[1]
        self.value_label.setText(
            f"Threshold <b>{point.threshold:.3f}</b>: rows with a probability of "
            f"{point.threshold:.3f} or more are predicted <b>{positive}</b>."
        )
        counts = ((point.tn, point.fp), (point.fn, point.tp))
        words = (("correctly left alone", "false alarms"), ("missed", "caught"))
        for i in range(2):
            for j in range(2):
                self.cells[i][j].setText(f"<b>{counts[i][j]:,}</b><br>{words[i][j]}")
        rows = self._analysis.rows
        self.rates.setText(
            f"Flags {point.flagged:,} of {rows:,} holdout rows · precision "
            f"{point.precision:.2f} · recall {point.recall:.2f} · F1 {point.f1:.2f}"
        )
        self.rates.setToolTip(
            "Precision: of the flagged rows, the share that really are "
            f"{positive}. Recall: of the {positive} rows, the share flagged. F1 balances both."
        )
        if point.expected_value is None:
            self.value.setText("Enter what a false alarm and a missed case cost, and what a "
                               "caught case is worth, to see what this threshold earns.")
        else:
            per_row = point.value_per_row or 0.0
            self.value.setText(
                f"Expected value: <b>{point.expected_value:,.2f}</b> on the {rows:,} holdout "
                f"rows ({per_row:,.2f} per row)."
            )
        self._show_saved_state()
        self.changed.emit(point.threshold)

    def _use(self) -> None:
        if self.point is not None:
            self.use_requested.emit(self.point.threshold)
