"""The Problem step's state and its engine job: the user's choices, the proposal, the notes.

No widget here: :class:`Choices` records what the user chose (None: the engine decides),
:func:`define_job` asks the engine for a proposal with them on a worker thread, and
:func:`problem_from` applies the choices the engine does not need to see (positive class,
metric, holdout share and folds, class weights, number of groups).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from engine.jobs import CancelToken, ProgressCallback
    from engine.problem.define import ProblemProposal
    from engine.problem.definition import Problem, ValidationPlan
    from engine.profile.schema import Schema


@dataclass(frozen=True)
class Choices:
    """What the user chose so far (None: let the engine decide)."""

    target: str | None = None
    task: str | None = None
    positive_class: str | None = None
    metric: str | None = None
    validation: ValidationPlan | None = None
    keep: frozenset[str] = frozenset()
    exclude: frozenset[str] = frozenset()
    semi_supervised: bool | None = None
    class_weights: bool | None = None
    n_clusters: int | None = None

    @classmethod
    def from_problem(cls, problem: Problem) -> Choices:
        """The choices that give ``problem`` back (a saved problem, when a project reopens)."""
        return cls(problem.target, problem.task.value, problem.positive_class, problem.metric,
                   problem.validation, frozenset(problem.features), frozenset(problem.excluded),
                   problem.semi_supervised or None, problem.class_weights, problem.n_clusters)


@dataclass(frozen=True)
class Defined:
    """A define job's answer: the proposal, or the engine's message about the choices."""

    proposal: ProblemProposal | None
    error: str = ""
    unlabelled: int = 0


def problem_from(proposal: ProblemProposal, choices: Choices) -> Problem:
    """The proposal with the choices the engine does not need to see applied."""
    from engine.problem.definition import Task as ProblemTask

    problem = proposal.problem
    changes: dict[str, Any] = {}
    if choices.positive_class in problem.classes and problem.task is ProblemTask.BINARY:
        changes["positive_class"] = choices.positive_class
    if choices.metric:
        changes["metric"] = choices.metric
    if choices.validation is not None:
        changes["validation"] = choices.validation
    if choices.class_weights is not None and problem.task.classification:
        changes["class_weights"] = choices.class_weights
    if choices.n_clusters and problem.task is ProblemTask.CLUSTERING:
        changes["n_clusters"] = choices.n_clusters
    return problem.with_changes(**changes)


def notes_text(proposal: ProblemProposal) -> str:
    """The proposal's notes the other boxes do not already show, one bullet each."""
    skip = {proposal.balance.message} if proposal.balance else set()
    notes = [n for n in proposal.notes if not n.startswith("Possible leakage:") and n not in skip]
    return "\n".join(f"• {note}" for note in notes)


def define_job(
    frame: pd.DataFrame,
    schema: Schema,
    choices: Choices,
    progress: ProgressCallback,
    cancel: CancelToken,
) -> Defined:
    """Ask the engine for a proposal with ``choices``; refused choices come back as words."""
    from engine import api
    from engine.errors import InputError
    from engine.problem.definition import Task as ProblemTask

    try:
        proposal = api.define_problem(
            frame, schema, choices.target,
            task=ProblemTask(choices.task) if choices.task else None,
            positive_class=choices.positive_class, metric=choices.metric,
            validation=choices.validation, keep=tuple(sorted(choices.keep)),
            exclude=tuple(sorted(choices.exclude)), semi_supervised=choices.semi_supervised,
            progress=progress, cancel=cancel,
        )
    except InputError as error:
        return Defined(None, str(error))
    target = choices.target
    unlabelled = int(frame[target].isna().sum()) if target is not None else 0
    return Defined(proposal, "", unlabelled)
