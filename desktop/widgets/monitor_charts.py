"""The drift check's pictures: the selected column, the model's scores, and past checks.

The figures are built by :mod:`engine.monitor.plots` off the GUI thread (in the check's task,
:mod:`desktop.widgets.monitor_job`) and only put on ``FigureCanvasQTAgg`` canvases here.
matplotlib is imported when the first canvas is made.
"""

from __future__ import annotations

import html
from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHeaderView,
    QLabel,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.widgets.details import Details
from desktop.widgets.fitting_text import breakable
from desktop.widgets.monitor_columns import (
    GREY,
    LEVEL_COLOURS,
    column_status_words,
    dot_icon,
)

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from engine.monitor.history_entry import HistoryEntry
    from engine.monitor.report import ColumnDrift, ScoreDrift

PSI_TIP = (
    "PSI (population stability index) measures how far the new values' distribution moved "
    "from training, over the same ten ranges (or categories): under 0.1 is a small move, 0.1 "
    "to 0.25 a change worth a look, above 0.25 a large change. The p-value says how likely "
    "such a move is by chance alone (adjusted for checking many columns at once); a column is "
    "flagged only when the move is both large enough and unlikely to be chance."
)
HISTOGRAM_TIP = (
    "How the rows spread over the ranges (or categories) of the training data: the "
    "training share beside the new share. Bars that differ a lot show what moved."
)
SCORES_TIP = (
    "The model's own output on the new rows against the training rows. When the scores move, "
    "the model is making different decisions than it did, whatever the reason."
)
TREND_TIP = (
    "Every check of this model recorded so far: how far the scores and the flagged columns "
    "moved each time (PSI), so a slow drift shows before it becomes a problem."
)
# The least share of the trend's own width and height it is drawn at: smaller, its titles
# and axis labels overlap or are cut (measured on a trend with a missing-values chart).
TREND_LEAST_SCALE = (0.7, 0.8)
LEVEL_WORDS = {"stable": "Stable", "changed": "Changed", "major": "Major",
               "too few rows": "Not enough rows"}


def _escape(text: str) -> str:
    """``text`` for a rich-text label, its long column names able to wrap."""
    return html.escape(breakable(text))


def _words(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.RichText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
    return label


class FigureView(QWidget):
    """One matplotlib figure at a time, or a sentence when there is none.

    With ``least_scale`` (width, height) the canvas is never smaller than those shares of
    the figure's own size: below them, its titles and axis labels overlap (the trend's PSI
    label ran into the title of the chart below it at 1,280 x 800); put the view in a
    scroll area then.
    """

    def __init__(self, empty_text: str, tip: str = "", parent: QWidget | None = None, *,
                 least_scale: tuple[float, float] | None = None) -> None:
        super().__init__(parent)
        self._empty_text = empty_text
        self._tip = tip
        self._least_scale = least_scale
        self.canvas: QWidget | None = None
        self.empty = QLabel(empty_text)
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.addWidget(self.empty)

    @property
    def figure(self) -> Figure | None:
        return getattr(self.canvas, "figure", None)

    def set_figure(self, figure: Figure | None, empty_text: str | None = None) -> None:
        """Show ``figure`` (None: the empty sentence, or ``empty_text``)."""
        if self.canvas is not None:
            self._layout.removeWidget(self.canvas)
            self.canvas.deleteLater()
            self.canvas = None
        self.empty.setText(empty_text or self._empty_text)
        self.empty.setVisible(figure is None)
        if figure is None:
            return
        from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg

        width, height = figure.get_size_inches() * figure.dpi  # before the canvas resizes it
        self.canvas = FigureCanvasQTAgg(figure)
        self.canvas.setToolTip(self._tip)
        self.canvas.setMinimumHeight(180)
        if self._least_scale is not None:
            ratio = self.canvas.devicePixelRatioF() or 1.0
            least_width, least_height = self._least_scale
            self.canvas.setMinimumSize(round(width * least_width / ratio),
                                       round(height * least_height / ratio))
        self._layout.addWidget(self.canvas, 1)


class ColumnDetail(QWidget):
    """The selected column: all its findings, its histogram, and the statistics (advanced)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.findings = _words()
        # The figures behind the words (PSI, p-values) one click away.
        self.statistics = Details("Details: the statistics")
        self.statistics.setToolTip(PSI_TIP)
        self.plot = FigureView("After a check, select a column in the table to see how its values "
                               "moved.",
                               HISTOGRAM_TIP)
        layout = QVBoxLayout(self)
        layout.addWidget(self.findings)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.statistics)
        self.show_column(None, None)

    def show_column(self, column: ColumnDrift | None, figure: Figure | None) -> None:
        if column is None:
            self.findings.setText("")
            self.statistics.set_text("")
            self.plot.set_figure(None)
            return
        status = column_status_words(column)
        items = "".join(f"<li>{_escape(f)}</li>" for f in column.findings)
        body = f"<ul style='margin-left:-20px'>{items}</ul>" if items else (
            "<br>Nothing to report: its values look like the training data.")
        self.findings.setText(
            f"<b>{_escape(column.name)}</b>: {status}, {column.weight:.0%} of what the "
            f"model relies on.{body}"
        )
        self.statistics.set_text(f"<small>{_escape(_statistics(column))}</small>")
        self.plot.set_figure(figure, "No histogram for this column.")


def _statistics(column: ColumnDrift) -> str:
    parts = [f"{column.present:,} of {column.rows:,} rows have a value"]
    if column.psi is not None:
        parts.append(f"PSI {column.psi:.3f}")
    if column.p_adjusted is not None:
        parts.append(f"adjusted p-value {column.p_adjusted:.2g}")
    if column.largest_share_change is not None and column.largest_share_category is not None:
        parts.append(f"largest share change {column.largest_share_change:+.1%} "
                     f"('{column.largest_share_category}')")
    parts.append(f"missing {column.missing_rate_reference:.1%} at training, "
                 f"{column.missing_rate:.1%} now")
    text = "; ".join(parts)
    return text[:1].upper() + text[1:] + "."


class ScoresView(QWidget):
    """The distribution of the model's scores on the new rows against training."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.findings = _words()
        self.findings.setToolTip(SCORES_TIP)
        self.plot = FigureView("The model's scores appear here after a check.", SCORES_TIP)
        self.details = Details("Details: the statistics")
        self.details.setToolTip(PSI_TIP)
        layout = QVBoxLayout(self)
        layout.addWidget(self.findings)
        layout.addWidget(self.details)
        layout.addWidget(self.plot, 1)

    def show_scores(self, scores: ScoreDrift | None, figure: Figure | None) -> None:
        if scores is None:
            self.findings.setText("")
            self.details.set_text("")
            self.plot.set_figure(None)
            return
        items = "".join(f"<li>{_escape(f)}</li>" for f in scores.findings)
        status = LEVEL_WORDS.get(scores.status, scores.status)
        self.findings.setText(
            f"<b>The model's scores: {status}</b>"
            + (f"<ul style='margin-left:-20px'>{items}</ul>" if items else "")
        )
        self.details.set_text(f"<small>PSI of the scores {scores.psi:.3f}</small>"
                              if scores.psi is not None else "")
        self.plot.set_figure(figure, "No picture of the scores for this model.")


class HistoryView(QWidget):
    """The trend over past checks and the list of those checks, newest first."""

    HEADERS = ("Checked", "File", "Rows", "Level")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot = FigureView(
            "The trend appears once this model has been checked at least twice.", TREND_TIP,
            least_scale=TREND_LEAST_SCALE)
        self.checks = QTableWidget(0, len(self.HEADERS))
        self.checks.setHorizontalHeaderLabels(list(self.HEADERS))
        self.checks.setToolTip("Every recorded check of this model, newest first.")
        self.checks.verticalHeader().setVisible(False)
        self.checks.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.checks.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        header = self.checks.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.checks.setFixedHeight(130)  # four checks; the page scrolls to the rest
        # The trend is drawn no smaller than it reads (its labels overlapped when squeezed):
        # the page scrolls instead, the list of checks below the trend.
        page = QWidget()
        page_layout = QVBoxLayout(page)
        page_layout.addWidget(self.plot, 1)
        page_layout.addWidget(QLabel("<b>Past checks</b>"))
        page_layout.addWidget(self.checks)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setWidget(page)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.scroll)

    def show_history(
        self, entries: tuple[HistoryEntry, ...], figure: Figure | None, empty_text: str = ""
    ) -> None:
        """Show ``entries`` (oldest first) newest first, and the trend ``figure``."""
        self.plot.set_figure(figure, empty_text or None)
        self.checks.setRowCount(len(entries))
        for row, entry in enumerate(reversed(entries)):
            cells = (_when(entry.checked_at), entry.source, f"{entry.rows:,}",
                     LEVEL_WORDS.get(entry.level, entry.level))
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(entry.headline)
                if column == 3:
                    item.setIcon(dot_icon(LEVEL_COLOURS.get(entry.level, GREY)))
                self.checks.setItem(row, column, item)


def _when(checked_at: str) -> str:
    try:
        return datetime.fromisoformat(checked_at).astimezone().strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return checked_at


class DriftTabs(QTabWidget):
    """Tabs: the selected column, the model's scores, and the history of checks."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.column = ColumnDetail()
        self.scores = ScoresView()
        self.history = HistoryView()
        for page, title, tip in (
            (self.column, "Selected column", HISTOGRAM_TIP),
            (self.scores, "Model's scores", SCORES_TIP),
            (self.history, "Past checks", TREND_TIP),
        ):
            index = self.addTab(page, title)
            self.setTabToolTip(index, tip)
