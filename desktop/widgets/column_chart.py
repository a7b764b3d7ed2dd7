"""A picture of one column's values, drawn from its profile (no data is read again).

Columns treated as numbers or dates: the profile's histogram. Categories (numbers treated as
categories too), yes/no, text and identifiers: a bar chart of the most frequent values, with
the rest as "other values". Either way a grey bar "missing" shows the share of rows without
a value. The figure is a plain matplotlib Figure
(no pyplot), so it can be built anywhere; :class:`ColumnChart` puts it on a Qt canvas.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QVBoxLayout, QWidget

from desktop.widgets.kind_words import value_word
from engine.profile.schema import ColumnKind

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from engine.profile.result import ColumnProfile

TOP_BARS = 8  # categories drawn; the rest are summed as "other values"
BAR_COLOR = "#4c78a8"
MISSING_COLOR = "#9e9e9e"
HISTOGRAM_KINDS = (ColumnKind.NUMERIC, ColumnKind.DATETIME)  # drawn as a histogram


def column_figure(column: ColumnProfile, width: float = 4.6, height: float = 3.0) -> Figure:
    """The chart of ``column``: a histogram or the top categories, and the missing share."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), dpi=100, layout="constrained")
    draw_column(figure.add_subplot(), column)
    return figure


def draw_column(axes: Axes, column: ColumnProfile, *, title: str = "", small: bool = False,
                bars: int = TOP_BARS) -> None:
    """Draw ``column`` on ``axes``; the title is ``title`` then the missing share.

    ``small`` (the all-columns overview) uses smaller type and drops the axis words.
    """
    total = column.count + column.missing
    # The kind decides the picture, not the stored numbers: a column of numbers the user (or
    # the profile) treats as a category (a 1-5 score) has a histogram in its profile too, but
    # a category is drawn as its values.
    if column.kind in HISTOGRAM_KINDS and column.histogram is not None and (
            column.histogram.counts):
        _histogram(axes, column, ticks=3 if small else 5)
    elif column.kind == ColumnKind.IDENTIFIER or column.distinct == column.count > bars:
        _filled(axes, column)  # every value different: a bar per value says nothing
    elif column.top_values:
        _bars(axes, column, bars)
    else:
        axes.text(0.5, 0.5, "No values to draw", ha="center", va="center",
                  transform=axes.transAxes)
        axes.set_axis_off()
    missing = column.missing / total if total else 0.0
    # Short: the column's name and kind stand above the chart, and a long title is cut.
    axes.set_title(f"{title}{missing:.1%} missing", fontsize=8 if small else 9, loc="left")
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    axes.tick_params(labelsize=6 if small else 8)
    if small:
        axes.set_xlabel("")
        axes.set_ylabel("")


def _histogram(axes: Axes, column: ColumnProfile, ticks: int = 5) -> None:
    assert column.histogram is not None
    edges, counts = column.histogram.edges, column.histogram.counts
    labels = [_edge(edge, short=ticks < 5) for edge in edges]
    positions = list(range(len(counts)))
    axes.bar(positions, counts, width=1.0, align="edge", color=BAR_COLOR, edgecolor="white")
    step = max(1, -(-len(labels) // ticks))  # a few readable ticks, not one per bin
    shown = list(range(0, len(labels), step))
    axes.set_xticks(shown, [labels[i] for i in shown], rotation=0)
    if column.missing:
        axes.bar([len(counts) + 0.5], [column.missing], width=1.0, align="edge",
                 color=MISSING_COLOR)
        axes.annotate("missing", (len(counts) + 1.0, column.missing), ha="center",
                      va="bottom", fontsize=8)
    axes.set_ylabel("rows", fontsize=8)


def _filled(axes: Axes, column: ColumnProfile) -> None:
    # Two short lines: one long label took most of a narrow chart's width.
    names = [f"with a value\n({column.distinct:,} different)", "missing"]
    axes.barh([1, 0], [column.count, column.missing], color=[BAR_COLOR, MISSING_COLOR])
    axes.set_yticks([1, 0], names)
    axes.set_xlabel("rows", fontsize=8)


def _bars(axes: Axes, column: ColumnProfile, limit: int = TOP_BARS) -> None:
    shown = column.top_values[:limit]
    names = [_short(value_word(value, column.kind)) for value, _count in shown]
    counts = [count for _value, count in shown]
    other = column.count - sum(counts)
    if other > 0:
        names.append(f"other values ({column.distinct - len(shown):,})")
        counts.append(other)
    colors = [BAR_COLOR] * len(names)
    if column.missing:
        names.append("missing")
        counts.append(column.missing)
        colors.append(MISSING_COLOR)
    positions = list(range(len(names)))[::-1]  # the most frequent on top
    axes.barh(positions, counts, color=colors)
    axes.set_yticks(positions, names)
    axes.set_xlabel("rows", fontsize=8)


def _edge(edge: float | str, *, short: bool = False) -> str:
    if isinstance(edge, str):
        return edge[:7] if short else edge[:10]  # an ISO date (its month, when small)
    if float(edge).is_integer() or abs(edge) >= 100:  # "5,070", not "5.07e+03"
        return f"{edge:,.0f}"
    return f"{edge:,.3g}"


def _short(text: str, limit: int = 22) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


class ColumnChart(QWidget):
    """The chart of the selected column on a ``FigureCanvasQTAgg`` (empty until one is)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.column_name: str | None = None
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self.canvas: QWidget | None = None

    def show_column(self, column: ColumnProfile | None) -> None:
        """Draw ``column`` (None clears the chart)."""
        from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg

        if self.canvas is not None:
            self._layout.removeWidget(self.canvas)
            self.canvas.deleteLater()
            self.canvas = None
        self.column_name = column.name if column is not None else None
        if column is None:
            return
        canvas = FigureCanvasQTAgg(column_figure(column))
        canvas.setMinimumSize(240, 180)
        self._layout.addWidget(canvas)
        self.canvas = canvas

    @property
    def figure(self) -> Figure | None:
        """The figure on screen (None when no column is shown)."""
        return getattr(self.canvas, "figure", None)
