"""Problems, training runs, their evaluations and fitted models in the project.

:class:`RunsMixin` holds these methods of :class:`~engine.project.store.Project`. A run is
stored whole in one transaction (:meth:`RunsMixin.save_run`): the board, the model and the
evaluation are there together or not at all. Fitted models are skops bytes made by
:mod:`engine.training.persist`; this module only keeps the bytes and their checksum.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from engine.errors import ProjectError
from engine.problem.definition import Problem
from engine.project.migrations import utc_now
from engine.project.records import source_row
from engine.project.tables import EvaluationRow, ModelRow, ProblemRow, RunRow
from engine.training.leaderboard import Leaderboard

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

    from sqlalchemy.orm import Session


@dataclass(frozen=True)
class RunRecord:
    """A stored training run (without its model bytes and evaluation, read separately)."""

    id: int
    source_id: int
    status: str
    seed: int
    problem: Problem
    settings: dict[str, Any]
    recipe: dict[str, Any] | None
    best: dict[str, Any] | None
    leaderboard: Leaderboard
    split: dict[str, Any]
    timings: dict[str, float]
    notes: list[str]
    data_hash: str
    created_at: datetime
    has_model: bool
    has_evaluation: bool


@dataclass(frozen=True)
class NewRun:
    """What :meth:`RunsMixin.save_run` writes (JSON-ready values)."""

    source_id: int
    status: str
    seed: int
    problem: Problem
    settings: dict[str, Any]
    recipe: dict[str, Any] | None
    best: dict[str, Any] | None
    leaderboard: Leaderboard
    split: dict[str, Any]
    timings: dict[str, float]
    notes: list[str]
    data_hash: str
    model_bytes: bytes | None = None
    evaluation: dict[str, Any] | None = None
    threshold: dict[str, Any] | None = None


def checked_bytes(data: bytes, sha256: str, what: str, hint: str) -> bytes:
    """``data`` if it still has the checksum stored with it, else a ProjectError for ``what``."""
    if hashlib.sha256(data).hexdigest() != sha256:
        raise ProjectError(f"{what} is damaged (its checksum differs).", hint)
    return data


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, allow_nan=False)


class RunsMixin:
    """Problems, runs, evaluations and models. Mixed into ``Project``."""

    if TYPE_CHECKING:

        def _transaction(
            self, action: str, *, write: bool = False
        ) -> AbstractContextManager[Session]: ...

    def save_problem(self, source_id: int, problem: Problem) -> None:
        """Store the problem defined on a source (replacing the previous one)."""
        with self._transaction("save the problem", write=True) as session:
            source_row(session, source_id)
            session.merge(
                ProblemRow(
                    source_id=source_id,
                    problem_json=_dump(problem.to_dict()),
                    updated_at=utc_now(),
                )
            )

    def load_problem(self, source_id: int) -> Problem | None:
        """The problem defined on a source, or None."""
        with self._transaction("read the problem") as session:
            row = session.get(ProblemRow, source_id)
            return None if row is None else Problem.from_dict(json.loads(row.problem_json))

    def save_run(self, run: NewRun) -> int:
        """Store a run with its model and evaluation in one transaction; returns its id."""
        with self._transaction("save the training run", write=True) as session:
            source_row(session, run.source_id)
            now = utc_now()
            row = RunRow(
                source_id=run.source_id,
                status=run.status,
                seed=run.seed,
                problem_json=_dump(run.problem.to_dict()),
                settings_json=_dump(run.settings),
                recipe_json=None if run.recipe is None else _dump(run.recipe),
                best_json=None if run.best is None else _dump(run.best),
                leaderboard_json=_dump(run.leaderboard.to_dict()),
                split_json=_dump(run.split),
                timings_json=_dump(run.timings),
                notes_json=_dump(run.notes),
                data_hash=run.data_hash,
                created_at=now,
            )
            session.add(row)
            session.flush()
            if run.model_bytes is not None:
                session.add(
                    ModelRow(
                        run_id=row.id,
                        format="skops",
                        data=run.model_bytes,
                        sha256=hashlib.sha256(run.model_bytes).hexdigest(),
                        created_at=now,
                    )
                )
            if run.evaluation is not None:
                session.add(
                    EvaluationRow(
                        run_id=row.id,
                        evaluation_json=_dump(run.evaluation),
                        threshold_json=None if run.threshold is None else _dump(run.threshold),
                        updated_at=now,
                    )
                )
            return int(row.id)

    def list_runs(self, source_id: int | None = None) -> list[RunRecord]:
        """Every run (of one source if given), newest last."""
        with self._transaction("read the training runs") as session:
            query = select(RunRow).order_by(RunRow.id)
            if source_id is not None:
                query = query.where(RunRow.source_id == source_id)
            return [self._run_record(session, row) for row in session.scalars(query)]

    def load_run(self, run_id: int) -> RunRecord:
        """One run, or a ProjectError naming the runs there are."""
        with self._transaction("read a training run") as session:
            row = session.get(RunRow, run_id)
            if row is None:
                ids = [str(i) for i in session.scalars(select(RunRow.id).order_by(RunRow.id))]
                raise ProjectError(
                    f"This project has no run number {run_id}.",
                    f"Runs: {', '.join(ids)}." if ids else "Train a model first.",
                )
            return self._run_record(session, row)

    def load_model_bytes(self, run_id: int) -> bytes:
        """The fitted pipeline of a run as skops bytes, checked against its checksum."""
        with self._transaction("read a fitted model") as session:
            row = session.get(ModelRow, run_id)
            if row is None:
                raise ProjectError(f"Run {run_id} has no fitted model stored.")
            return checked_bytes(
                bytes(row.data), row.sha256, f"The stored model of run {run_id}",
                "Train the model again.",
            )

    def load_evaluation(self, run_id: int) -> tuple[dict[str, Any], dict[str, Any] | None]:
        """A run's evaluation JSON and its chosen threshold (None if not chosen)."""
        with self._transaction("read an evaluation") as session:
            row = session.get(EvaluationRow, run_id)
            if row is None:
                raise ProjectError(f"Run {run_id} has no evaluation stored.")
            threshold = None if row.threshold_json is None else json.loads(row.threshold_json)
            return json.loads(row.evaluation_json), threshold

    def save_evaluation(
        self, run_id: int, evaluation: dict[str, Any], threshold: dict[str, Any] | None
    ) -> None:
        """Replace a run's evaluation (e.g. after the user chose another threshold)."""
        with self._transaction("save an evaluation", write=True) as session:
            if session.get(RunRow, run_id) is None:
                raise ProjectError(f"This project has no run number {run_id}.")
            session.merge(
                EvaluationRow(
                    run_id=run_id,
                    evaluation_json=_dump(evaluation),
                    threshold_json=None if threshold is None else _dump(threshold),
                    updated_at=utc_now(),
                )
            )

    @staticmethod
    def _run_record(session: Session, row: RunRow) -> RunRecord:
        return RunRecord(
            id=row.id,
            source_id=row.source_id,
            status=row.status,
            seed=row.seed,
            problem=Problem.from_dict(json.loads(row.problem_json)),
            settings=json.loads(row.settings_json),
            recipe=None if row.recipe_json is None else json.loads(row.recipe_json),
            best=None if row.best_json is None else json.loads(row.best_json),
            leaderboard=Leaderboard.from_dict(json.loads(row.leaderboard_json)),
            split=json.loads(row.split_json),
            timings=json.loads(row.timings_json),
            notes=json.loads(row.notes_json),
            data_hash=row.data_hash,
            created_at=datetime.fromisoformat(row.created_at),
            has_model=session.get(ModelRow, row.id) is not None,
            has_evaluation=session.get(EvaluationRow, row.id) is not None,
        )
