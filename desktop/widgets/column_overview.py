"""Every column at a glance: one small chart per column of the table, with its missing share.

The Data step's "All columns" tab. The figure is built from the profile only (no data is
read again) by :func:`overview_figure`, a plain matplotlib Figure with no pyplot and no Qt,
so the panel builds it in a task off the GUI thread; :class:`ColumnOverview` puts it on a
canvas in a scroll area, its height growing with the number of columns.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QScrollArea, QVBoxLayout, QWidget

from desktop.widgets.column_chart import draw_column
from desktop.widgets.kind_words import kind_word

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from engine.jobs import CancelToken
    from engine.profile.result import ColumnProfile

PER_ROW = 4  # small charts side by side
ROW_PIXELS = 190  # each row of charts, on screen
SMALL_BARS = 5  # categories drawn in a small chart; the rest are "other values"
EMPTY_TEXT = "Open a table to see every column at a glance."
TIP = ("One small chart per column: how its values spread (a histogram, or the most frequent "
       "values) and the share of rows where it is missing. Select a column in Profile for a "
       "bigger chart, its kind and its warnings.")


def overview_figure(columns: list[ColumnProfile], cancel: CancelToken | None = None) -> Figure:
    """One small chart per column, ``PER_ROW`` to a row, in the table's order.

    Safe off the GUI thread (no Qt, no pyplot); ``cancel`` is checked between charts.
    """
    from matplotlib.figure import Figure

    rows = max(1, -(-len(columns) // PER_ROW))
    figure = Figure(figsize=(PER_ROW * 2.8, rows * ROW_PIXELS / 100), dpi=100,
                    layout="constrained")
    for position, column in enumerate(columns):
        if cancel is not None:
            cancel.raise_if_cancelled()
        axes = figure.add_subplot(rows, PER_ROW, position + 1)
        name = column.name if len(column.name) <= 24 else column.name[:23] + "…"
        draw_column(axes, column, title=f"{name} ({kind_word(column.kind)})\n", small=True,
                    bars=SMALL_BARS)
    return figure


class ColumnOverview(QScrollArea):
    """The overview figure (``show_figure``), scrolled when the table has many columns."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setToolTip(TIP)
        self.canvas: QWidget | None = None
        self.columns: tuple[str, ...] = ()
        """The columns drawn, in order (empty while nothing is)."""
        self._page = QWidget()
        self._layout = QVBoxLayout(self._page)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self.empty = QLabel(EMPTY_TEXT)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self._layout.addWidget(self.empty)
        self.setWidget(self._page)

    @property
    def figure(self) -> Figure | None:
        """The figure on screen (None when there is none)."""
        return getattr(self.canvas, "figure", None)

    def show_figure(self, figure: Figure | None, columns: tuple[str, ...] = (),
                    message: str = EMPTY_TEXT) -> None:
        """Show ``figure`` drawn for ``columns`` (None: ``message`` instead)."""
        if self.canvas is not None:
            self._layout.removeWidget(self.canvas)
            self.canvas.deleteLater()
            self.canvas = None
        self.columns = columns if figure is not None else ()
        self.empty.setText(message)
        self.empty.setVisible(figure is None)
        if figure is None:
            return
        from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg

        canvas = FigureCanvasQTAgg(figure)
        rows = max(1, -(-len(columns) // PER_ROW))
        canvas.setMinimumHeight(rows * ROW_PIXELS)  # the scroll area scrolls, never squeezes
        canvas.setMinimumWidth(200)
        self._layout.addWidget(canvas)
        self.canvas = canvas
