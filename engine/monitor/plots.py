"""The drift report's pictures: reference vs new shares on the stored bins, and the trend.

Every figure is drawn from the report's counts alone (no rows are needed) with matplotlib's
object API (:class:`matplotlib.figure.Figure`), never pyplot's global state, so the window can
draw them in a worker thread. matplotlib is imported inside the functions: importing this
module costs nothing until a picture is wanted.

Bars show the *share* of rows in each bin, not the counts: the reference and the new file
have different sizes, and only shares can be compared side by side.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

from engine.monitor.history_entry import HistoryEntry
from engine.monitor.report import CHANGED, MAJOR, STABLE, TOO_FEW, ColumnDrift, ScoreDrift
from engine.monitor.settings import DriftSettings

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

SIZE = (7.6, 3.8)
REFERENCE_COLOUR, NEW_COLOUR = "#a9b4c2", "#1f5fa8"
LEVEL_COLOURS = {STABLE: "#2e7d32", CHANGED: "#d18b00", MAJOR: "#c62828", TOO_FEW: "#8a8a8a"}
# The headline's level as a height on the trend: Not enough rows sits below Stable.
LEVEL_HEIGHT = {TOO_FEW: -1, STABLE: 0, CHANGED: 1, MAJOR: 2}
LEVEL_LABELS = {-1: "Not enough rows", 0: "Stable", 1: "Changed", 2: "Major"}
REFERENCE_LABEL, NEW_LABEL = "Training (reference)", "New data"
_LABEL_CHARS = 22  # longer bin labels (long category names) are cut with an ellipsis


def column_figure(column: ColumnDrift) -> Figure:
    """Reference vs new share of rows in each of the column's stored bins (or categories).

    Bins empty in both the reference and the new data (typically the pooled "other" cell of
    a column without rare values) are left out; every other bin is drawn, in stored order.
    """
    what = "category" if column.kind == "categorical" else "range of values"
    title = f"{column.name}: share of rows in each {what}"
    note = _missing_note(column)
    return _shares_figure(column.bins, column.reference_counts, column.counts, title, note,
                          "Category" if column.kind == "categorical" else "Value range",
                          "Share of rows with a value", column.kind == "categorical")


def score_figure(scores: ScoreDrift) -> Figure:
    """Reference vs new share of rows in each bin of the model's score (its ``bins``)."""
    title = f"The model's scores ({scores.name}): share of rows in each range"
    return _shares_figure(scores.bins, scores.reference_counts, scores.counts, title, None,
                          "Score range", "Share of rows")


def trend_figure(history: Sequence[HistoryEntry], columns: Sequence[str] = (),
                 missing_columns: Sequence[str] = ()) -> Figure | None:
    """The headline level and the PSI of the scores (and of ``columns``) over past checks,
    and the share of missing values of ``missing_columns`` (a PSI line cannot show those).

    ``None`` with fewer than two checks: one point is not a trend. Checks are placed in
    date order at equal spacing (two checks on one day stay apart), labelled by date.
    """
    from matplotlib.figure import Figure
    from matplotlib.ticker import FixedLocator

    if len(history) < 2:
        return None
    entries = sorted(history, key=lambda e: _moment(e.checked_at))
    positions = list(range(len(entries)))
    if missing_columns:
        figure = Figure(figsize=(SIZE[0] + 1.4, 6.4), layout="constrained")
        level_axes, psi_axes, missing_axes = figure.subplots(
            3, 1, sharex=True, height_ratios=[1, 2, 1.4])
        _missing_trend(missing_axes, entries, positions, missing_columns)
        bottom_axes = missing_axes
    else:
        figure = Figure(figsize=(SIZE[0] + 1.4, 4.8), layout="constrained")
        level_axes, psi_axes = figure.subplots(2, 1, sharex=True, height_ratios=[1, 2])
        bottom_axes = psi_axes

    heights = [LEVEL_HEIGHT.get(e.level, math.nan) for e in entries]
    level_axes.plot(positions, heights, color="#c8c8c8", linewidth=1, zorder=1)
    level_axes.scatter(positions, heights, s=60, zorder=2,
                       color=[LEVEL_COLOURS.get(e.level, "#8a8a8a") for e in entries])
    shown = sorted({0, 1, 2} | ({-1} if -1 in heights else set()))
    level_axes.yaxis.set_major_locator(FixedLocator(shown))
    level_axes.set_yticklabels([LEVEL_LABELS[h] for h in shown])
    level_axes.set_ylim(min(shown) - 0.5, 2.5)
    level_axes.set_title("Verdict of each check")
    level_axes.grid(axis="y", alpha=0.3)

    psi_axes.plot(positions, [_number(e.score_psi) for e in entries], color="#222222",
                  linewidth=2.2, marker="o", label=_plain("The model's scores"))
    for name in columns:
        values = [_number(e.columns.get(name, {}).get("psi")) for e in entries]
        psi_axes.plot(positions, values, linewidth=1.4, marker=".", label=_plain(name))
    # The thresholds of the history are not stored with it: draw the documented defaults,
    # said to be defaults so a changed setting does not make the lines lie.
    defaults = DriftSettings()
    psi_axes.axhline(defaults.psi_changed, color=LEVEL_COLOURS[CHANGED], linestyle="--",
                     linewidth=1, label=f"PSI {defaults.psi_changed:g}: changed (default)")
    psi_axes.axhline(defaults.psi_major, color=LEVEL_COLOURS[MAJOR], linestyle="--",
                     linewidth=1, label=f"PSI {defaults.psi_major:g}: major (default)")
    psi_axes.set_ylim(bottom=0)
    psi_axes.set_ylabel("PSI (how far from training)")
    psi_axes.set_title("How far each check was from the training data")
    psi_axes.grid(alpha=0.3)
    psi_axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)

    labels = _date_labels([e.checked_at for e in entries])
    step = max(1, math.ceil(len(entries) / 12))  # at most about 12 dates under the axis
    ticks = positions[::step]
    bottom_axes.xaxis.set_major_locator(FixedLocator(ticks))
    bottom_axes.set_xticklabels([labels[i] for i in ticks], rotation=30, ha="right", fontsize=8)
    bottom_axes.set_xlim(-0.5, len(entries) - 0.5)
    return figure


def _missing_trend(axes: Axes, entries: Sequence[HistoryEntry], positions: list[int],
                   columns: Sequence[str]) -> None:
    """Share of rows with a missing value, per column and check (in percent)."""
    from matplotlib.ticker import PercentFormatter

    for name in columns:
        values = [_number(e.columns.get(name, {}).get("missing_rate")) * 100 for e in entries]
        axes.plot(positions, values, linewidth=1.4, marker="o", label=_plain(name))
    axes.set_ylim(bottom=0)
    axes.yaxis.set_major_formatter(PercentFormatter(decimals=0))
    axes.set_ylabel("Rows missing")
    axes.set_title("Missing values in the columns whose missing rate changed")
    axes.grid(alpha=0.3)
    axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)


def png_data_uri(figure: Figure, dpi: int = 100) -> str:
    """The figure as a ``data:image/png;base64,...`` URI, for a self-contained page."""
    from matplotlib.backend_bases import FigureCanvasBase
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    if type(figure.canvas) is FigureCanvasBase:
        # A bare figure gets the Agg canvas (no GUI). One already in a window keeps its own:
        # savefig renders the PNG with Agg and gives the canvas back.
        FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def shares(counts: Sequence[int]) -> list[float]:
    """Counts as shares of their total (all zero when there is nothing counted)."""
    total = sum(counts)
    return [c / total if total else 0.0 for c in counts]


def _shares_figure(bins: Sequence[str], reference: Sequence[int], new: Sequence[int],
                   title: str, note: str | None, x_label: str, y_label: str,
                   categorical: bool = False) -> Figure:
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter

    kept = [i for i in range(len(bins)) if _at(reference, i) or _at(new, i)]
    labels = [str(bins[i]) for i in kept]
    # Many or long category names cannot stand side by side: list them down the left instead
    # (ranges of numbers stay left to right, in their order).
    across = categorical and (len(kept) > 12 or (
        len(kept) > 5 and max(len(label) for label in labels) > 14))
    height = max(SIZE[1], 0.32 * len(kept) + 1.6) if across else SIZE[1]
    figure = Figure(figsize=(SIZE[0], height), layout="constrained")
    axes = figure.add_subplot()
    figure.suptitle(_plain(title) + (f"\n{_plain(note)}" if note else ""), fontsize=11)
    if not kept:
        axes.text(0.5, 0.5, "No values to compare", ha="center", va="center",
                  transform=axes.transAxes, color="#8a8a8a")
        axes.set_axis_off()
        return figure
    old_shares, new_shares = shares(reference), shares(new)
    pairs = ((old_shares, -0.2, REFERENCE_COLOUR, REFERENCE_LABEL),
             (new_shares, 0.2, NEW_COLOUR, NEW_LABEL))
    top = max(max(old_shares), max(new_shares)) * 1.08
    # "12.5%" and "35%", never "35.0%" nor two ticks both rounded to "12%".
    percent = FuncFormatter(lambda value, _: f"{value * 100:.3g}%")
    if across:
        rows = [len(kept) - 1 - p for p in range(len(kept))]  # the first bin on top
        for values, offset, colour, label in pairs:
            axes.barh([r - offset for r in rows], [values[i] for i in kept], 0.4,
                      color=colour, label=label)
        axes.set_yticks(rows, [_short(label, 40) for label in labels], fontsize=8)
        axes.xaxis.set_major_formatter(percent)
        axes.set_xlabel(y_label)
        axes.set_xlim(0, top)
        axes.set_ylim(-0.6, len(kept) - 0.4)
        axes.grid(axis="x", alpha=0.3)
    else:
        positions = list(range(len(kept)))
        for values, offset, colour, label in pairs:
            axes.bar([p + offset for p in positions], [values[i] for i in kept], 0.4,
                     color=colour, label=label)
        _bin_ticks(axes, positions, labels)
        axes.yaxis.set_major_formatter(percent)
        axes.set_ylabel(y_label)
        axes.set_xlabel(x_label)
        axes.set_ylim(0, top)
        axes.grid(axis="y", alpha=0.3)
    axes.set_axisbelow(True)
    # The legend sits above the bars, where it can never hide one.
    axes.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncols=2, fontsize=9,
                frameon=False)
    return figure


def _bin_ticks(axes: Axes, positions: list[int], labels: list[str]) -> None:
    texts = [_short(label) for label in labels]
    longest = max((len(t) for t in texts), default=0)
    # Tilt the labels only when they would collide side by side (about 75 characters fit).
    tilt = len(texts) * (longest + 2) > 75
    axes.set_xticks(positions, texts, rotation=30 if tilt else 0, ha="right" if tilt else "center",
                    fontsize=8 if tilt else 9)


def _missing_note(column: ColumnDrift) -> str | None:
    """A line on missing values: the bars count present values only, so say what is left out."""
    if not (column.missing_rate or column.missing_rate_reference):
        return None
    return (f"(not shown: missing in {column.missing_rate_reference:.1%} of rows at training, "
            f"{column.missing_rate:.1%} now)")


def _short(label: str, chars: int = _LABEL_CHARS) -> str:
    text = _plain(str(label))
    return text if len(text) <= chars else text[: chars - 1] + "…"


def _plain(text: str) -> str:
    """Text shown literally: a "$" would otherwise start matplotlib's math mode."""
    return str(text).replace("$", r"\$")


def _at(values: Sequence[int], index: int) -> int:
    return values[index] if index < len(values) else 0


def _number(value: object) -> float:
    return float(value) if isinstance(value, int | float) else math.nan


def _moment(text: str) -> dt.datetime:
    """A check's time for sorting (unreadable times sort first, in their given order)."""
    try:
        moment = dt.datetime.fromisoformat(text)
    except (TypeError, ValueError):
        return dt.datetime.min.replace(tzinfo=dt.UTC)
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _date_labels(times: Sequence[str]) -> list[str]:
    """Dates as labels; with the time too when two checks share a day."""
    days = [t[:10] for t in times]
    if len(set(days)) == len(days):
        return days
    return [t[:16].replace("T", " ") for t in times]
