"""What ``gristmill train`` and ``gristmill evaluate`` print: the leaderboard, the metrics,
the live lines on stderr and the JSON documents. Kept apart from the commands
(:mod:`engine.cli_modeling`) so each file stays about one thing.
"""

from __future__ import annotations

import json
import math
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from engine.evaluation.result import Evaluation
    from engine.training.leaderboard import Leaderboard
    from engine.training.runs import RunOutcome


class LiveBoard:
    """One stderr line per model as it finishes: the live leaderboard of the terminal."""

    def __init__(self, progress: Any) -> None:
        self._progress = progress
        self._seen: set[tuple[int, str]] = set()  # a screened model may come back as done

    def __call__(self, board: Leaderboard) -> None:
        best = board.best
        for entry in board.entries:
            if (entry.trial, entry.status) in self._seen or entry.family == "baseline":
                continue
            self._seen.add((entry.trial, entry.status))
            score = "-" if math.isnan(entry.cv_mean) else f"{entry.cv_mean:.4f}"
            leader = f"; best so far {best.label} {best.cv_mean:.4f}" if best else ""
            self._progress.finish()  # a line of its own, also on a terminal
            sys.stderr.write(
                f"  model {entry.trial}: {entry.label}, {board.metric} {score} "
                f"({entry.status}, {entry.seconds:.1f} s){leader}\n"
            )


def print_json(document: dict[str, Any]) -> None:
    json.dump(document, sys.stdout, indent=2, ensure_ascii=False, allow_nan=False, default=str)
    sys.stdout.write("\n")


def train_document(outcome: RunOutcome, proposal: Any) -> dict[str, Any]:
    from engine import __version__

    result = outcome.training
    return {
        "gristmill_version": __version__,
        "run_id": outcome.run_id,
        "problem": result.problem.to_dict(),
        "proposal_notes": list(proposal.notes),
        "leakage": [finding.to_dict() for finding in proposal.leakage],
        "leaderboard": result.leaderboard.to_dict(),
        "best": None if result.best is None else result.best.to_dict(),
        "ended_by": result.ended_by,
        "timings": result.timings,
        "evaluation": outcome.evaluation.to_dict(),
    }


def print_train(outcome: RunOutcome, proposal: Any) -> None:
    out = sys.stdout
    result = outcome.training
    problem = result.problem
    out.write(f"Task: {problem.task.value}. {problem.reason}\n")
    if problem.positive_class:
        out.write(f"Positive class: {problem.positive_class}\n")
    for finding in proposal.leakage:
        verdict = "left out" if finding.column in problem.excluded else "kept"
        out.write(f"Leakage guard: {finding.column} ({verdict}): {finding.reason}\n")
    reasons = [finding.reason for finding in proposal.leakage]
    for note in proposal.notes:
        if not any(reason in note for reason in reasons):  # said above already
            out.write(f"Note: {note}\n")
    out.write(f"Validation: {result.split.description}\n\n")
    out.write(format_leaderboard(result.leaderboard))
    out.write("\n")
    out.write(format_metrics(outcome.evaluation))
    for note in result.notes:
        out.write(f"Note: {note}\n")
    if outcome.run_id is not None:
        out.write(f"\nStored as run {outcome.run_id}.\n")


def format_leaderboard(board: Leaderboard, shown: int = 20) -> str:
    """The leaderboard as an aligned text table (best first)."""
    lines = [f"Leaderboard ({board.metric}, cross-validated mean +/- spread):"]
    lines.append(f"{'#':>3}  {'model':<32} {'score':>16} {'seconds':>8}  status")
    def row(rank: int, entry: Any) -> str:
        score = (
            f"{entry.cv_mean:.4f} +/- {entry.cv_std:.4f}" if not math.isnan(entry.cv_mean) else "-"
        )
        status = entry.status + (f" ({entry.message})" if entry.message else "")
        return f"{rank:>3}  {entry.label[:32]:<32} {score:>16} {entry.seconds:>8.1f}  {status}"

    for rank, entry in enumerate(board.entries[:shown], start=1):
        lines.append(row(rank, entry))
    hidden = len(board.entries) - shown
    if hidden > 0:
        lines.append(f"     ... {hidden} more")
        # The baseline and the skipped families are always shown, even below the cut.
        for rank, entry in enumerate(board.entries[shown:], start=shown + 1):
            if entry.family == "baseline" or entry.status == "skipped":
                lines.append(row(rank, entry))
    return "\n".join(lines) + "\n"


def format_metrics(evaluation: Evaluation) -> str:
    """The holdout metrics of the best model beside the baseline's."""
    lines = [f"Holdout ({evaluation.rows:,} rows): model vs baseline"]
    for metric in evaluation.metrics:
        model = "-" if metric.holdout is None else f"{metric.holdout:.4f}"
        base = "-" if metric.baseline is None else f"{metric.baseline:.4f}"
        lines.append(f"  {metric.label:<28} {model:>10} {base:>10}")
    if evaluation.thresholds is not None and evaluation.thresholds.choice is not None:
        choice = evaluation.thresholds.choice
        lines.append(f"  Decision threshold: {choice.threshold:.3f} ({choice.reason})")
    return "\n".join(lines) + "\n"
