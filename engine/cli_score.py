"""``gristmill score``: score new data with an exported ONNX model, to CSV or Parquet.

The data is read in chunks, so files larger than memory can be scored. What is printed: rows
scored, predictions and decisions per class, and notes (columns ignored, cells that could not
be converted, unseen categories). Progress goes to stderr; Ctrl-C stops without leaving a
half-written output.
"""

from __future__ import annotations

import argparse
import signal
import sys
from typing import Any

from engine.cli_sources import add_data_arguments, data_source
from engine.errors import InputError


def add_commands(commands: Any, common: argparse.ArgumentParser | None = None) -> None:
    """Register ``score`` on the main parser's subcommands."""
    score = commands.add_parser(
        "score",
        parents=[common] if common is not None else [],
        help="score a data file or a database table with an exported ONNX model",
        description=(
            "Read DATA in chunks, check its columns against the model's inputs, score every "
            "row with onnxruntime and write the key columns, the prediction, the class "
            "probabilities and the decision at the model's threshold to --out (.csv or "
            ".parquet). Works on ONNX models made by other tools when their inputs are named "
            "like the columns."
        ),
    )
    score.add_argument("model", metavar="MODEL.onnx", help="the exported model")
    add_data_arguments(score, "score")
    score.add_argument("--out", required=True, metavar="FILE", help="output .csv or .parquet")
    score.add_argument(
        "--keys", metavar="A,B", help="columns to copy into the output to identify each row "
        "(default: the model's key columns if the data has them, else a row number)",
    )
    score.add_argument(
        "--chunk-rows", type=int, default=None, metavar="N",
        help="rows read and scored at a time (default: from the model's memory cost per "
        "row, at most 100000, so scoring stays under 1 GB)",
    )
    score.add_argument("--json", action="store_true", help="print JSON instead of text")
    score.add_argument("--quiet", "-q", action="store_true", help="no progress on stderr")
    score.set_defaults(handler=run_score)


def run_score(args: argparse.Namespace) -> int:
    from engine.cli import EXIT_OK, _StderrProgress
    from engine.export.scoring import load_scoring_model, score_source
    from engine.jobs import CancelToken

    if args.chunk_rows is not None and args.chunk_rows < 1:
        raise InputError("--chunk-rows must be at least 1.")
    from engine.cli_checks import file_location, refuse_clobber

    refuse_clobber({"--out": args.out},
                   {"the model": args.model, "the data": file_location(args.location)})
    source, password = data_source(args)
    keys = [k for k in args.keys.split(",") if k.strip()] if args.keys else None
    model = load_scoring_model(args.model)
    progress = _StderrProgress(sys.stderr, enabled=not args.quiet)
    token = CancelToken()
    previous = _on_ctrl_c(lambda number, frame: token.cancel())
    try:
        summary = score_source(
            model,
            source,
            args.out,
            key_columns=keys,
            chunk_rows=args.chunk_rows,
            progress=progress,
            cancel=token,
            password=password,
        )
    finally:
        _on_ctrl_c(previous)
        progress.finish()
    if args.json:
        from engine.cli_results import print_json

        print_json(summary.to_dict())
        return EXIT_OK
    sys.stdout.write(format_summary(summary))
    return EXIT_OK


def format_summary(summary: Any) -> str:
    """The plain-text summary the command prints."""
    lines = [
        f"Scored {summary.rows:,} rows of {summary.source} with {summary.model} "
        f"in {summary.seconds:.1f} s ({summary.rows_per_second:,.0f} rows/s).",
        f"Written to {summary.output} (keys: {', '.join(summary.key_columns)}).",
    ]
    if summary.decisions:
        lines.append(
            f"Decisions at the threshold {summary.threshold:g} on P({summary.positive_class}): "
            + _shares(summary.decisions, summary.rows)
        )
    if summary.predictions:
        lines.append("Predictions: " + _shares(summary.predictions, summary.rows))
    if summary.value_range:
        r = summary.value_range
        lines.append(
            f"Predictions range from {r['min']:,.4g} to {r['max']:,.4g} (mean {r['mean']:,.4g})."
        )
    if summary.notes:
        lines.append("Notes:")
        lines.extend(f"  - {note}" for note in summary.notes)
    return "\n".join(lines) + "\n"


def _shares(counts: dict[str, int], rows: int) -> str:
    return ", ".join(
        f"{label} {count:,} ({count / max(rows, 1):.1%})" for label, count in counts.items()
    )


def _on_ctrl_c(handler: Any) -> Any:
    """Install a SIGINT handler; returns the previous one (None off the main thread)."""
    if handler is None:
        return None
    try:
        return signal.signal(signal.SIGINT, handler)
    except ValueError:  # not the main thread (an embedding application): leave it alone
        return None
