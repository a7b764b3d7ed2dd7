"""The Train step's words and its engine job: how a run ended, and the training call.

Kept apart from :mod:`desktop.panels.train_panel` so the panel module is only about widgets.
Below the words, the job runs on a worker thread and touches no Qt object.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from desktop.widgets.leaderboard_model import metric_words

if TYPE_CHECKING:
    from desktop.panels.context import ActiveTable
    from engine.jobs import CancelToken, ProgressCallback
    from engine.problem.definition import Problem
    from engine.project.store_runs import RunRecord
    from engine.training.leaderboard import Leaderboard
    from engine.training.search import SearchSettings


def run_text(record: RunRecord) -> str:
    """One line per earlier run: its number, when, how it ended, the best model and score."""
    best = record.leaderboard.best
    model = best.label if best is not None else "no model finished"
    metric = metric_words(record.leaderboard.metric)[0]
    score = f", {metric} {best.cv_mean:.3f}" if best is not None else ""
    stopped = ", stopped early" if record.status == "stopped" else ""
    when = record.created_at.astimezone()  # stored in UTC, shown in the user's time
    return f"Run {record.id} · {when:%d %b %H:%M}{stopped}\n{model}{score}"


def describe_outcome(summary: TrainSummary) -> str:
    """What happened, in words: how the search ended, what was kept and where."""
    board = summary.leaderboard
    best, baseline = board.best, board.baseline
    metric = metric_words(board.metric)[0]
    tried = f"{board.finished} model{'s' if board.finished != 1 else ''}"
    if summary.ended_by == "cancelled":
        text = f"Stopped: the search ended after {tried} finished"
    elif summary.ended_by == "time budget":
        text = f"The time budget ran out after {tried} finished"
    else:
        text = f"Done: {tried} tried"
    if board.finished == 0 and best is not None:
        # The best was compared on part of the rows only: "after 0 models finished; the
        # best is ..." contradicted itself.
        text = ("Stopped before any model was scored on all the rows"
                if summary.ended_by == "cancelled" else
                "The time ran out before any model was scored on all the rows")
    if best is None:
        text += "; no model finished, so only the baseline was kept"
    else:
        kept = "the best of them was kept:" if summary.ended_by == "cancelled" else "the best is"
        text += f"; {kept} <b>{html.escape(best.label)}</b> ({metric} {best.cv_mean:.3f}"
        if baseline is not None and baseline.scored:
            text += f", baseline {baseline.cv_mean:.3f}"
        text += ")"
    if summary.run_id is not None:
        text += f". Saved as run {summary.run_id}; see Evaluate for how it does on new rows."
    # The engine's own note about a stop says what the first sentence already says.
    notes = [note for note in summary.notes if not note.startswith("The search was stopped")]
    return text + "".join(f"<br><i>{html.escape(note)}</i>" for note in notes)


# -- engine job (runs on a worker thread; no Qt below this line) ----------------------------


@dataclass(frozen=True)
class TrainSummary:
    """What the window needs from a finished run (not the fitted model or the data)."""

    run_id: int | None
    leaderboard: Leaderboard
    ended_by: str
    notes: tuple[str, ...]


def train_job(
    table: ActiveTable,
    problem: Problem,
    settings: SearchSettings,
    progress: ProgressCallback,
    cancel: CancelToken,
    partial: Any,
    *,
    started: Callable[[int], None] | None = None,
) -> TrainSummary:
    """Search, refit, evaluate and store the run in the table's project, in a child process.

    The training runs in a spawned process (:mod:`desktop.train_process`): its long numpy and
    pandas calls hold the GIL of *that* process, so the window stays responsive. The child
    gets the table as the window has it (``table.frame``, packed as Parquet bytes) and the
    kinds the window uses (``table.schema``). Progress, partial leaderboards and each Cancel
    press go through; the run is saved by the child, and the window's project lists it once
    this returns. ``started(pid)`` is told the child's process id (for tests).
    """
    from desktop.train_process import TrainRequest, pack_frame, train_in_child

    def packing(fraction: float, _message: str) -> None:
        progress(0.02 * fraction, "Preparing the data for training")

    packed = pack_frame(table.frame, packing, cancel)
    request = TrainRequest(
        str(table.project.path), table.source_id, packed, table.schema, problem, settings
    )
    run_id, board, ended_by, notes = train_in_child(
        request, progress, cancel, partial, started=started
    )
    return TrainSummary(run_id, board, ended_by, notes)
