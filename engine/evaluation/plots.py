"""Every evaluation picture, drawn with matplotlib's object-oriented API from the data alone.

The window puts these figures in a ``FigureCanvasQTAgg`` and the report saves them as PNG,
so both show the same pictures. Only :class:`matplotlib.figure.Figure` is used, never
pyplot's global state, so drawing is safe off the GUI thread and leaks no figures.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Callable

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from engine.evaluation.result import Curve, Evaluation

SIZE = (6.4, 4.6)
BLUE, ORANGE, GREY = "#1f5fa8", "#d9822b", "#8a8a8a"

TITLES = {
    "roc": "ROC curve",
    "pr": "Precision and recall",
    "calibration": "Calibration: predicted vs observed",
    "lift": "Cumulative lift",
    "gain": "Cumulative gain",
    "confusion": "Confusion matrix",
    "thresholds": "Choosing the threshold",
    "residuals": "Residuals vs predicted",
    "importance": "Which columns matter",
    "partial_dependence": "How predictions change with the top columns",
    "per_class": "Scores per class",
    "clusters": "Cluster sizes",
    "anomaly_scores": "Anomaly scores",
}


def available_plots(evaluation: Evaluation) -> list[str]:
    """Names of the plots this evaluation has data for, in reading order."""
    names = [c.name for c in evaluation.curves if c.name in TITLES]
    if evaluation.thresholds is not None:
        names.append("thresholds")
    if evaluation.confusion is not None:
        names.append("confusion")
    if evaluation.per_class:
        names.append("per_class")
    if evaluation.residuals is not None:
        names.append("residuals")
    if evaluation.clusters:
        names.append("clusters")
    if evaluation.importances:
        names.append("importance")
    if evaluation.partial_dependence:
        names.append("partial_dependence")
    return names


def figure_for(evaluation: Evaluation, name: str, *, size: tuple[float, float] = SIZE) -> Figure:
    """A new figure for plot ``name`` (one of :func:`available_plots`)."""
    if name not in available_plots(evaluation):
        raise KeyError(f"This evaluation has no {name!r} plot.")
    figure = Figure(figsize=size, layout="constrained")
    DRAWERS[name](figure, evaluation)
    return figure


def png_bytes(figure: Figure, dpi: int = 100) -> bytes:
    """The figure as PNG bytes (for the report)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def _line(figure: Figure, curve: Curve, title: str) -> Axes:
    axes = figure.add_subplot()
    axes.plot(curve.x, curve.y, color=BLUE, linewidth=2)
    axes.set_xlabel(curve.x_label)
    axes.set_ylabel(curve.y_label)
    axes.set_title(title)
    axes.grid(alpha=0.3)
    return axes


def _curve(evaluation: Evaluation, name: str) -> Curve:
    found = evaluation.curve(name)
    assert found is not None
    return found


def _roc(figure: Figure, evaluation: Evaluation) -> None:
    curve = _curve(evaluation, "roc")
    axes = _line(figure, curve, f"ROC curve (area {curve.extra.get('auc', 0):.3f})")
    axes.plot([0, 1], [0, 1], linestyle="--", color=GREY, label="Guessing (area 0.5)")
    axes.lines[0].set_label("Model")
    axes.set_xlim(0, 1)
    axes.set_ylim(0, 1.02)
    axes.legend(loc="lower right")


def _pr(figure: Figure, evaluation: Evaluation) -> None:
    curve = _curve(evaluation, "pr")
    ap = curve.extra.get("average_precision", 0.0)
    axes = _line(figure, curve, f"Precision and recall (average precision {ap:.3f})")
    axes.lines[0].set_label("Model")
    base = curve.extra.get("baseline")
    if base is not None:
        axes.axhline(base, linestyle="--", color=GREY, label=f"Guessing ({base:.2f})")
    axes.set_xlim(0, 1)
    axes.set_ylim(0, 1.02)
    axes.legend(loc="lower left")


def _calibration(figure: Figure, evaluation: Evaluation) -> None:
    curve = _curve(evaluation, "calibration")
    axes = _line(figure, curve, TITLES["calibration"] + " (numbers: rows per bin)")
    axes.lines[0].set_marker("o")
    axes.lines[0].set_label("Model (one point per bin)")
    axes.plot([0, 1], [0, 1], linestyle="--", color=GREY, label="Perfectly calibrated")
    # Rows per bin above each point: a bin of 3 rows says little, and the reader should see it.
    for x, y, count in zip(curve.x, curve.y, curve.extra.get("counts", []), strict=False):
        axes.annotate(f"{count:,}", (x, y), textcoords="offset points", xytext=(0, 6),
                      ha="center", fontsize=7, color=GREY)
    axes.set_xlim(-0.02, 1.02)
    axes.set_ylim(-0.03, 1.1)
    axes.legend(loc="upper left")


def _lift(figure: Figure, evaluation: Evaluation) -> None:
    curve = _curve(evaluation, "lift")
    axes = _line(figure, curve, TITLES["lift"])
    axes.lines[0].set_marker("o")
    axes.lines[0].set_label("Model")
    axes.axhline(1.0, linestyle="--", color=GREY, label="Random choice (lift 1)")
    axes.set_xlim(0, 1.02)
    axes.set_ylim(bottom=0)
    axes.legend(loc="upper right")


def _gain(figure: Figure, evaluation: Evaluation) -> None:
    curve = _curve(evaluation, "gain")
    axes = _line(figure, curve, TITLES["gain"])
    axes.lines[0].set_marker("o")
    axes.lines[0].set_label("Model")
    axes.plot([0, 1], [0, 1], linestyle="--", color=GREY, label="Random choice")
    rate = curve.extra.get("base_rate")
    if rate:
        axes.plot([0, rate, 1], [0, 1, 1], linestyle=":", color=ORANGE, label="Perfect model")
    axes.set_xlim(0, 1)
    axes.set_ylim(0, 1.02)
    axes.legend(loc="lower right")


def _confusion(figure: Figure, evaluation: Evaluation) -> None:
    matrix = evaluation.confusion
    assert matrix is not None
    axes = figure.add_subplot()
    counts = matrix.counts
    image = axes.imshow(counts, cmap="Blues")
    peak = max((max(row) for row in counts), default=0)
    for i, row in enumerate(counts):
        for j, value in enumerate(row):
            colour = "white" if peak and value > peak / 2 else "black"
            axes.text(j, i, f"{value:,}", ha="center", va="center", color=colour, fontsize=11)
    ticks = range(len(matrix.labels))
    axes.set_xticks(ticks, matrix.labels, rotation=30 if len(matrix.labels) > 3 else 0)
    axes.set_yticks(ticks, matrix.labels)
    axes.set_xlabel("Predicted class")
    axes.set_ylabel("Actual class")
    title = TITLES["confusion"]
    if matrix.threshold is not None:
        title += f" at threshold {matrix.threshold:.3g}"
    axes.set_title(title)
    figure.colorbar(image, ax=axes, label="Rows")


def _thresholds(figure: Figure, evaluation: Evaluation) -> None:
    analysis = evaluation.thresholds
    assert analysis is not None
    points = analysis.points
    cuts = [p.threshold for p in points]
    axes = figure.add_subplot()
    axes.plot(cuts, [p.precision for p in points], color=BLUE, label="Precision")
    axes.plot(cuts, [p.recall for p in points], color=ORANGE, label="Recall")
    axes.plot(cuts, [p.f1 for p in points], color="#2e8b57", label="F1")
    axes.set_xlabel("Threshold (rows scoring at or above it are flagged)")
    axes.set_ylabel("Score")
    axes.set_ylim(0, 1.02)
    axes.grid(alpha=0.3)
    if analysis.choice is not None:
        axes.axvline(analysis.choice.threshold, color="black", linestyle="--",
                     label=f"Chosen ({analysis.choice.threshold:.3g})")
    if analysis.costs is not None:
        value_axes = axes.twinx()
        value_axes.plot(cuts, [p.expected_value for p in points], color="#7b3f98",
                        linestyle="-.", label="Expected value")
        value_axes.set_ylabel("Expected value on the holdout")
        value_axes.legend(loc="lower right")
    axes.legend(loc="lower left")
    axes.set_title(TITLES["thresholds"])


def _residuals(figure: Figure, evaluation: Evaluation) -> None:
    curve = _curve(evaluation, "residuals")
    axes = figure.add_subplot()
    axes.scatter(curve.x, curve.y, s=10, alpha=0.5, color=BLUE)
    axes.axhline(0.0, color=GREY, linestyle="--", label="No error")
    shown, total = curve.extra.get("rows_shown"), curve.extra.get("rows_total")
    title = TITLES["residuals"]
    if shown is not None and total is not None and shown < total:
        title += f" ({shown:,} of {total:,} rows)"
    axes.set_title(title)
    axes.set_xlabel(curve.x_label)
    axes.set_ylabel(curve.y_label)
    axes.grid(alpha=0.3)
    axes.legend(loc="upper right")


def _importance(figure: Figure, evaluation: Evaluation) -> None:
    items = list(evaluation.importances[:15])[::-1]  # largest on top
    axes = figure.add_subplot()
    axes.barh([i.feature for i in items], [i.mean for i in items],
              xerr=[i.std for i in items], color=BLUE, ecolor=GREY)
    axes.axvline(0.0, color=GREY, linewidth=0.8)
    # Few ticks with short labels: drops in a score are often tiny numbers with many digits.
    axes.xaxis.set_major_locator(MaxNLocator(5))
    axes.xaxis.set_major_formatter("{x:.2g}")
    axes.set_xlabel(textwrap.fill(evaluation.importance_metric or "Importance", 45))
    axes.set_title(TITLES["importance"])
    axes.grid(axis="x", alpha=0.3)


def _partial_dependence(figure: Figure, evaluation: Evaluation) -> None:
    items = evaluation.partial_dependence[:4]
    columns = 2 if len(items) > 1 else 1
    rows = (len(items) + columns - 1) // columns
    grid = figure.subplots(rows, columns, squeeze=False)
    for axes, item in zip(grid.flat, items, strict=False):
        lines = item.by_class or {item.output_label or "Average prediction": item.average}
        positions = list(range(len(item.grid))) if item.kind == "categorical" else item.grid
        for label, values in lines.items():
            if item.kind == "categorical":
                axes.plot(positions, values, marker="o", label=label)
            else:
                axes.plot(positions, values, label=label)
        if item.kind == "categorical":
            axes.set_xticks(positions, [str(v) for v in item.grid], rotation=30, fontsize=8)
        else:
            axes.xaxis.set_major_locator(MaxNLocator(4))  # small panels: few, short ticks
            axes.tick_params(labelsize=8)
        # A title, not an x label: under rotated category ticks an x label reads as the
        # title of the panel below.
        axes.set_title(item.feature, fontsize=9)
        axes.set_ylabel(item.output_label or "Average prediction", fontsize=8)
        axes.grid(alpha=0.3)
        if item.by_class:
            axes.legend(fontsize=7)
    for axes in list(grid.flat)[len(items):]:
        axes.set_visible(False)
    figure.suptitle(TITLES["partial_dependence"])


def _per_class(figure: Figure, evaluation: Evaluation) -> None:
    table = evaluation.per_class
    axes = figure.add_subplot()
    labels = [str(row["label"]) for row in table]
    width = 0.27
    for offset, (key, colour) in enumerate(
        (("precision", BLUE), ("recall", ORANGE), ("f1", "#2e8b57"))
    ):
        axes.bar([i + (offset - 1) * width for i in range(len(labels))],
                 [row[key] for row in table], width, color=colour, label=key.capitalize())
    axes.set_xticks(range(len(labels)), labels)
    axes.set_ylim(0, 1.05)
    axes.set_ylabel("Score on the holdout")
    axes.set_xlabel("Class")
    axes.set_title(TITLES["per_class"])
    axes.legend(loc="lower right")


def _clusters(figure: Figure, evaluation: Evaluation) -> None:
    axes = figure.add_subplot()
    names = [str(row["cluster"]) for row in evaluation.clusters]
    sizes = [row["size"] for row in evaluation.clusters]
    bars = axes.bar(names, sizes, color=BLUE)
    axes.bar_label(bars, [f"{s:,}" for s in sizes])
    axes.set_xlabel("Cluster")
    axes.set_ylabel("Rows")
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_title(TITLES["clusters"])


def _anomaly_scores(figure: Figure, evaluation: Evaluation) -> None:
    curve = _curve(evaluation, "anomaly_scores")
    axes = figure.add_subplot()
    edges = curve.extra.get("edges") or []
    width = (edges[1] - edges[0]) if len(edges) > 1 else 0.01
    colours = [ORANGE if x > curve.extra.get("cut", 0.0) else BLUE for x in curve.x]
    axes.bar(curve.x, curve.y, width=width, color=colours)
    axes.axvline(curve.extra.get("cut", 0.0), color="black", linestyle="--",
                 label="Cut: above it a row is flagged")
    axes.set_xlabel(curve.x_label)
    axes.set_ylabel(curve.y_label)
    axes.set_title(TITLES["anomaly_scores"])
    axes.legend(loc="upper right")


DRAWERS: dict[str, Callable[[Figure, Evaluation], None]] = {
    "roc": _roc,
    "pr": _pr,
    "calibration": _calibration,
    "lift": _lift,
    "gain": _gain,
    "confusion": _confusion,
    "thresholds": _thresholds,
    "residuals": _residuals,
    "importance": _importance,
    "partial_dependence": _partial_dependence,
    "per_class": _per_class,
    "clusters": _clusters,
    "anomaly_scores": _anomaly_scores,
}
