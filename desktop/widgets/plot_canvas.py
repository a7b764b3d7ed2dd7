"""Evaluation pictures in the window: the engine's matplotlib figures on Qt canvases.

The figures come from :mod:`engine.evaluation.plots` (the report draws the same ones), built
from the stored evaluation only. matplotlib is imported when the first canvas is made, not
when the window starts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from engine.evaluation.result import Evaluation

TAB_TITLES = {
    "roc": "ROC",
    "pr": "PR curve",
    "calibration": "Calibration",
    "lift": "Lift",
    "gain": "Gain",
    "thresholds": "Thresholds",
    "confusion": "Confusion",
    "residuals": "Residuals",
    "importance": "Importance",
    "partial_dependence": "Dependence",
    "per_class": "Per class",
    "clusters": "Clusters",
    "anomaly_scores": "Anomaly scores",
}

TAB_TIPS = {
    "roc": "How well the model separates the two classes at every threshold; the area under "
    "the curve is the ROC AUC (0.5 is guessing, 1 is perfect).",
    "pr": "Precision (how clean the flagged rows are) against recall (how many positives are "
    "found), at every threshold.",
    "calibration": "Whether predicted probabilities match what happened: on the diagonal, "
    "'70%' means 7 in 10.",
    "lift": "How many times more positives the model finds than random picking, when you act "
    "on the top-scored rows first.",
    "gain": "The share of all positives found when acting on the top-scored share of rows.",
    "thresholds": "Precision, recall and F1 (and the expected value, with costs) at every "
    "threshold; the dashed line is the chosen one.",
    "confusion": "How many holdout rows of each actual class were predicted as each class.",
    "residuals": "Prediction errors against the predicted value: a good model's errors are "
    "small and show no pattern.",
    "importance": "How much worse the model does when a column is shuffled: the columns it "
    "relies on most.",
    "partial_dependence": "How the average prediction changes as one column changes, the "
    "others left as they are.",
    "per_class": "Precision, recall and F1 for each class.",
    "clusters": "How many rows fell into each cluster.",
    "anomaly_scores": "How unusual the rows look; those past the cut are flagged.",
}


class PlotCanvas(QWidget):
    """One figure on a ``FigureCanvasQTAgg``; :meth:`redraw` draws another version of it."""

    def __init__(self, name: str, figure: Figure, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg

        self.name = name
        self.canvas = FigureCanvasQTAgg(figure)
        self.canvas.setToolTip(TAB_TIPS.get(name, ""))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.canvas)

    @property
    def figure(self) -> Figure:
        return self.canvas.figure

    def redraw(self, evaluation: Evaluation) -> None:
        """Draw this plot again from ``evaluation`` (e.g. after a new threshold)."""
        from engine.evaluation.plots import DRAWERS

        self.figure.clear()
        DRAWERS[self.name](self.figure, evaluation)
        self.canvas.draw_idle()


PLOT_GROUPS = {
    "Quality": ("roc", "pr", "calibration", "lift", "gain", "residuals", "per_class",
                "clusters", "anomaly_scores"),
    "Threshold": ("thresholds", "confusion"),
    "Explanations": ("importance", "partial_dependence"),
}
"""The plots in three groups, so no tab hides behind a scrolling tab bar."""
GROUP_TIPS = {
    "Quality": "How good the model is on the holdout rows: curves and the errors it makes.",
    "Threshold": "What the chosen decision threshold does: how many rows are flagged, caught "
    "and missed.",
    "Explanations": "Which columns the model relies on, and how the prediction moves with "
    "each of them.",
}


class PlotTabs(QTabWidget):
    """The plots the evaluation has data for, in group tabs (Quality, Threshold,
    Explanations), each holding one tab per plot."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plots: dict[str, PlotCanvas] = {}
        self.groups: dict[str, QTabWidget] = {}

    def set_figures(self, figures: dict[str, Figure]) -> None:
        """Replace the tabs with ``figures`` (plot name -> figure), grouped, in group order."""
        while self.count():
            page = self.widget(0)
            self.removeTab(0)
            page.deleteLater()
        self.plots, self.groups = {}, {}
        for group, names in PLOT_GROUPS.items():
            shown = [name for name in names if name in figures]
            if not shown:
                continue
            tabs = QTabWidget()
            tabs.setDocumentMode(True)
            for name in shown:
                plot = PlotCanvas(name, figures[name])
                self.plots[name] = plot
                index = tabs.addTab(plot, TAB_TITLES.get(name, name))
                tabs.setTabToolTip(index, TAB_TIPS.get(name, ""))
            self.groups[group] = tabs
            index = self.addTab(tabs, group)
            self.setTabToolTip(index, GROUP_TIPS[group])

    def show_plot(self, name: str) -> None:
        """Bring plot ``name`` to the front (its group, then its tab)."""
        for tabs in self.groups.values():
            plot = self.plots.get(name)
            if plot is not None and tabs.indexOf(plot) >= 0:
                self.setCurrentWidget(tabs)
                tabs.setCurrentWidget(plot)

    def tip(self, name: str) -> str:
        """The tooltip of plot ``name``'s tab."""
        for tabs in self.groups.values():
            plot = self.plots.get(name)
            if plot is not None and tabs.indexOf(plot) >= 0:
                return tabs.tabToolTip(tabs.indexOf(plot))
        return ""

    def redraw(self, names: tuple[str, ...], evaluation: Evaluation) -> None:
        """Draw the plots ``names`` again from ``evaluation`` (those this run has)."""
        for name in names:
            if name in self.plots:
                self.plots[name].redraw(evaluation)


def build_figures(evaluation: Evaluation) -> dict[str, Figure]:
    """Every plot the evaluation has data for (safe off the GUI thread: no Qt, no pyplot)."""
    from engine.evaluation.plots import available_plots, figure_for

    return {name: figure_for(evaluation, name) for name in available_plots(evaluation)}
