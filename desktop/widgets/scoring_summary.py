"""A scoring run's summary in plain words (rich text for a QLabel).

Rows scored, where they went, the decisions per class at the model's threshold (or the
predictions, or the range of predicted values), then the notes: extra columns ignored, cells
that could not be read, categories never seen, values missing.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from engine.export.scoring import ScoringSummary


_FORMATS = {"csv": "CSV", "parquet": "Parquet"}


def _counts(counts: dict[str, int], rows: int) -> str:
    ordered = sorted(counts.items(), key=lambda item: -item[1])
    return ", ".join(
        f"<b>{html.escape(str(name))}</b> {count:,} ({count / max(rows, 1):.1%})"
        for name, count in ordered
    )


def _seconds(seconds: float) -> str:
    if seconds < 1:
        return "under a second"
    return f"{seconds:.1f} s" if seconds < 60 else f"{seconds / 60:.1f} min"


def outcome_lines(summary: ScoringSummary) -> list[str]:
    """What the model said about the rows: decisions, predictions or values."""
    lines: list[str] = []
    rows = summary.rows
    if summary.decisions and summary.threshold is not None:
        positive = html.escape(str(summary.positive_class))
        lines.append(
            f"Decisions at the model's threshold ({summary.threshold:.3g}: "
            f"<b>{positive}</b> when its probability is at least that): "
            f"{_counts(summary.decisions, rows)}."
        )
        if summary.predictions and summary.predictions != summary.decisions:
            lines.append(
                f"The most likely class alone would give {_counts(summary.predictions, rows)}."
            )
    elif summary.predictions:
        what = "Rows per group" if summary.task in ("clustering", "anomaly") else "Predictions"
        lines.append(f"{what}: {_counts(summary.predictions, rows)}.")
    if summary.value_range:
        low, mean, high = (summary.value_range.get(k) for k in ("min", "mean", "max"))
        lines.append(
            f"Predicted values from {low:,.4g} to {high:,.4g} (average {mean:,.4g})."
            if None not in (low, mean, high)
            else "Predicted values were written."
        )
    return lines


def data_lines(summary: ScoringSummary) -> list[str]:
    """The notes about the data: ignored columns, failed cells, unseen categories, gaps."""
    lines = [html.escape(note) for note in summary.notes]
    if not summary.conversion_failures and not summary.unseen_categories:
        lines.append("Every cell could be read and no category was new to the model.")
    if summary.missing_values:
        shown = sorted(summary.missing_values.items(), key=lambda item: -item[1])
        text = ", ".join(f"{html.escape(name)} {count:,}" for name, count in shown[:6])
        more = f" and {len(shown) - 6} more column(s)" if len(shown) > 6 else ""
        lines.append(
            f"Empty cells (the model handles them as missing): {text}{more}."
        )
    return lines


def describe_summary(summary: ScoringSummary) -> str:
    """The whole summary as rich text."""
    output = Path(summary.output)
    keys = ", ".join(html.escape(k) for k in summary.key_columns)
    fmt = _FORMATS.get(summary.output_format, summary.output_format)
    head = (
        f"<b>{summary.rows:,} rows scored</b> from {html.escape(summary.source)} in "
        f"{_seconds(summary.seconds)}, written to <b>{html.escape(output.name)}</b> "
        f"({fmt}). Each row is identified by {keys}."
    )
    parts = [f"<p>{head}</p>"]
    outcome = outcome_lines(summary)
    if outcome:
        parts.append("<p>" + "<br>".join(outcome) + "</p>")
    notes = data_lines(summary)
    parts.append("<ul>" + "".join(f"<li>{line}</li>" for line in notes) + "</ul>")
    if summary.read_notes:
        read = " ".join(html.escape(note) for note in summary.read_notes)
        parts.append(f"<p><small>How the file was read: {read}</small></p>")
    return "".join(parts)
