"""A project's tables: add one, open it again later, refresh it from its source.

These are the project-level steps the window and the command line share. A table is added
all or nothing (source, column kinds, fingerprint and, by default, a copy of the data).
Opening prefers the copy kept in the project, so a project still opens after the original
file moved or the database went away, and says so; without a copy it reads the source again
and says what changed since the table was added. Refreshing re-reads the source, keeps the
user's choices of column kinds and roles, and replaces the kept copy. Adding and refreshing
each write in a single transaction, so even a killed process leaves no half-added table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from engine.errors import SourceError
from engine.jobs import CancelToken, Job, ProgressCallback
from engine.project.fingerprint import describe_differences, fingerprint_frame, same_data
from engine.sources.base import DatabaseSource, FileSource, LoadedTable, Source

if TYPE_CHECKING:
    import pandas as pd

    from engine.profile.schema import Schema
    from engine.project.records import SourceRecord
    from engine.project.store import Project

FROM_COPY = "copy"
FROM_SOURCE = "source"


@dataclass(frozen=True)
class OpenedTable:
    """A project table in memory, where it came from, and what the user should know."""

    source_id: int
    name: str
    frame: pd.DataFrame
    schema: Schema
    origin: str  # FROM_COPY (the copy kept in the project) or FROM_SOURCE
    notes: list[str] = field(default_factory=list)


def add_table(
    project: Project,
    name: str,
    source: Source,
    loaded: LoadedTable,
    *,
    schema: Schema | None = None,
    keep_copy: bool = True,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> int:
    """Add a loaded table to the project under a free variant of ``name``; returns its id.

    ``schema`` is the column kinds to store (worked out from the data when not given, e.g.
    when the caller already inferred them to profile the table first).
    All or nothing: everything is written in one transaction, so a failure, a cancel or a
    killed process leaves the project as it was.
    """
    from engine.profile.infer import infer_schema

    job = Job(progress, cancel)
    job.step(0.0, "Working out the column types", force=True)
    if schema is None:
        schema = infer_schema(loaded.frame, job=job.sub(0.0, 0.15))
    fingerprint = fingerprint_frame(loaded.frame, job.sub(0.15, 0.3))
    job.step(0.3, "Saving into the project", force=True)
    source_id = project.add_source_with_data(
        name,
        source,
        schema,
        fingerprint,
        loaded.frame if keep_copy else None,
        job.sub(0.3, 1.0).step,
        job.cancel,
        rename_if_taken=True,
    )
    job.done("Saved in the project")
    return source_id


def open_table(
    project: Project,
    source_id: int,
    *,
    password: str | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> OpenedTable:
    """Read a project table back: from the kept copy if there is one, else from its source."""
    from engine.profile.infer import infer_schema

    job = Job(progress, cancel)
    record = _record(project, source_id)
    notes: list[str] = []
    if record.has_snapshot:
        frame = project.load_snapshot(source_id, job.step, job.cancel)
        assert frame is not None  # has_snapshot was read in the same project
        origin = FROM_COPY
        missing = _missing_original(record.source)
        if missing:
            notes.append(
                f"The original file {missing} is no longer there; Gristmill uses the copy of "
                "the table kept in the project."
            )
    else:
        frame = _read_source(record, password, job.sub(0.0, 0.8))
        origin = FROM_SOURCE
        now = fingerprint_frame(frame, job.sub(0.8, 0.9))
        if record.fingerprint is not None and not same_data(record.fingerprint, now):
            notes.append(
                f"The data changed since it was added to the project: "
                f"{describe_differences(record.fingerprint, now)}."
            )
    schema = project.load_schema(source_id) or infer_schema(frame, job=job.sub(0.9, 1.0))
    job.done("Table ready")
    return OpenedTable(source_id, record.name, frame, schema, origin, notes)


def refresh_table(
    project: Project,
    source_id: int,
    *,
    password: str | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> OpenedTable:
    """Read the source again and store what it holds now, keeping the user's column choices.

    The kept copy (if the table has one) is replaced only once the new data is fully read,
    so a failed or cancelled refresh leaves the project as it was.
    """
    from engine.profile.infer import infer_schema

    job = Job(progress, cancel)
    record = _record(project, source_id)
    frame = _read_source(record, password, job.sub(0.0, 0.5))
    now = fingerprint_frame(frame, job.sub(0.5, 0.6))
    if record.fingerprint is None or same_data(record.fingerprint, now):
        notes = ["The source holds the same data as before."]
    else:
        notes = [f"Refreshed: {describe_differences(record.fingerprint, now)}."]
    previous = project.load_schema(source_id)
    schema = infer_schema(frame, previous=previous, job=job.sub(0.6, 0.7))
    copy = frame if record.has_snapshot else None
    project.replace_data(source_id, schema, now, copy, job.sub(0.7, 1.0).step, job.cancel)
    job.done("Table refreshed")
    origin = FROM_COPY if record.has_snapshot else FROM_SOURCE
    return OpenedTable(source_id, record.name, frame, schema, origin, notes)


def _record(project: Project, source_id: int) -> SourceRecord:
    from engine.errors import ProjectError

    for record in project.list_sources():
        if record.id == source_id:
            return record
    raise ProjectError(
        f"The project has no table number {source_id}.", "Pick a table from the list."
    )


def _missing_original(source: Source) -> str | None:
    """The original file's path if the source is a file that is no longer there."""
    if isinstance(source, FileSource) and not Path(source.path).expanduser().exists():
        return source.path
    return None


def _read_source(record: SourceRecord, password: str | None, job: Job) -> pd.DataFrame:
    from engine import api

    missing = _missing_original(record.source)
    if missing:
        raise SourceError(
            f"The original file of {record.name!r} is no longer at {missing}, and the project "
            "keeps no copy of the table.",
            "Put the file back, or add it again from where it is now.",
        )
    password = password if isinstance(record.source, DatabaseSource) else None
    return api.load_table(
        record.source, password=password, progress=job.step, cancel=job.cancel
    ).frame
