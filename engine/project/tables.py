"""The tables of a ``.gristmill`` file, as SQLAlchemy 2 ORM models.

These models describe the *current* schema and are what the store reads and writes. They
never create tables: :mod:`engine.project.migrations` does, with frozen SQL, and a test checks
that a file built by the migrations matches these models column for column.

Adding a table for a later step (problem, recipes, runs, models, drift history):
1. declare its model here (its own class, ``ForeignKey(..., ondelete="CASCADE")`` to what it
   belongs to, times as UTC ISO text, JSON as text, bytes as ``LargeBinary``);
2. append a migration that creates it to ``MIGRATIONS`` in migrations.py.

Conventions: times are UTC ISO 8601 text (``2024-05-01T09:30:00.000000+00:00``), structured
values are JSON text, bytes are BLOBs. Nothing is ever pickled.
"""

from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, Integer, LargeBinary, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    """Declarative base of every project table."""


class MetaRow(Base):
    """One row (id 1): which schema version the file has and who created it."""

    __tablename__ = "meta"
    __table_args__ = (CheckConstraint("id = 1", name="meta_single_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    schema_version: Mapped[int] = mapped_column(Integer, nullable=False)
    created_with: Mapped[str] = mapped_column(Text, nullable=False)  # app version
    created_at: Mapped[str] = mapped_column(Text, nullable=False)


class SettingRow(Base):
    """Project-wide key/value settings (e.g. the active source); values are JSON."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(Text, primary_key=True)
    value_json: Mapped[str] = mapped_column(Text, nullable=False)


class SourceRow(Base):
    """A data source: a file or a database query, as ``Source.to_dict()`` JSON (no password)."""

    __tablename__ = "sources"
    # AUTOINCREMENT: a removed source's id is never handed out again, so a stale reference
    # (a setting, a later run) cannot silently point at a different source.
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(Text, nullable=False, unique=True)
    kind: Mapped[str] = mapped_column(Text, nullable=False)  # "file" or "database"
    source_json: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[str] = mapped_column(Text, nullable=False)


class SchemaRow(Base):
    """The confirmed column kinds and roles of a source (``Schema.to_dict()`` JSON)."""

    __tablename__ = "schemas"

    source_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("sources.id", ondelete="CASCADE"), primary_key=True
    )
    schema_json: Mapped[str] = mapped_column(Text, nullable=False)
    updated_at: Mapped[str] = mapped_column(Text, nullable=False)


class FingerprintRow(Base):
    """The fingerprint of a source's table when it was last loaded."""

    __tablename__ = "fingerprints"

    source_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("sources.id", ondelete="CASCADE"), primary_key=True
    )
    rows: Mapped[int] = mapped_column(Integer, nullable=False)
    columns_json: Mapped[str] = mapped_column(Text, nullable=False)  # [[name, dtype], ...]
    content_hash: Mapped[str] = mapped_column(Text, nullable=False)
    updated_at: Mapped[str] = mapped_column(Text, nullable=False)


class SnapshotRow(Base):
    """A copy of a source's table as zstd Parquet, so the project reopens without the file.

    The bytes live in :class:`SnapshotChunkRow` (a BLOB each, a few MiB), so a large table
    never has to be one SQLite value; ``sha256`` covers the joined bytes.
    """

    __tablename__ = "snapshots"

    source_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("sources.id", ondelete="CASCADE"), primary_key=True
    )
    format: Mapped[str] = mapped_column(Text, nullable=False)  # "parquet"
    compression: Mapped[str] = mapped_column(Text, nullable=False)  # "zstd"
    rows: Mapped[int] = mapped_column(Integer, nullable=False)
    size_bytes: Mapped[int] = mapped_column(Integer, nullable=False)
    chunk_count: Mapped[int] = mapped_column(Integer, nullable=False)
    sha256: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[str] = mapped_column(Text, nullable=False)


class SnapshotChunkRow(Base):
    """One piece of a snapshot's Parquet bytes, in order of ``seq`` (0, 1, ...)."""

    __tablename__ = "snapshot_chunks"

    source_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("snapshots.source_id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)


class ProblemRow(Base):
    """The problem defined on a source (``Problem.to_dict()`` JSON), one per source."""

    __tablename__ = "problems"

    source_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("sources.id", ondelete="CASCADE"), primary_key=True
    )
    problem_json: Mapped[str] = mapped_column(Text, nullable=False)
    updated_at: Mapped[str] = mapped_column(Text, nullable=False)


class RunRow(Base):
    """One training run: its problem, settings, recipe, seed, timings and leaderboard."""

    __tablename__ = "runs"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("sources.id", ondelete="CASCADE"), nullable=False
    )
    status: Mapped[str] = mapped_column(Text, nullable=False)  # completed, stopped, ...
    seed: Mapped[int] = mapped_column(Integer, nullable=False)
    problem_json: Mapped[str] = mapped_column(Text, nullable=False)
    settings_json: Mapped[str] = mapped_column(Text, nullable=False)
    recipe_json: Mapped[str | None] = mapped_column(Text, nullable=True)  # the best model's
    best_json: Mapped[str | None] = mapped_column(Text, nullable=True)  # CandidateSpec JSON
    leaderboard_json: Mapped[str] = mapped_column(Text, nullable=False)
    split_json: Mapped[str] = mapped_column(Text, nullable=False)  # sizes and description
    timings_json: Mapped[str] = mapped_column(Text, nullable=False)
    notes_json: Mapped[str] = mapped_column(Text, nullable=False)
    data_hash: Mapped[str] = mapped_column(Text, nullable=False)  # the table's content hash
    created_at: Mapped[str] = mapped_column(Text, nullable=False)


class EvaluationRow(Base):
    """The evaluation of a run's best model (``Evaluation.to_dict()`` JSON)."""

    __tablename__ = "evaluations"

    run_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True
    )
    evaluation_json: Mapped[str] = mapped_column(Text, nullable=False)
    threshold_json: Mapped[str | None] = mapped_column(Text, nullable=True)  # chosen threshold
    updated_at: Mapped[str] = mapped_column(Text, nullable=False)


class ModelRow(Base):
    """A run's fitted pipeline as skops bytes (a fixed allow-list of types; never pickle)."""

    __tablename__ = "models"

    run_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True
    )
    format: Mapped[str] = mapped_column(Text, nullable=False)  # "skops"
    data: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    sha256: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[str] = mapped_column(Text, nullable=False)


class ExportRow(Base):
    """An exported ONNX model (the file's exact bytes, metadata inside) and its parity result."""

    __tablename__ = "exports"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("runs.id", ondelete="CASCADE"), nullable=False
    )
    name: Mapped[str] = mapped_column(Text, nullable=False)
    onnx: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    sha256: Mapped[str] = mapped_column(Text, nullable=False)
    parity_json: Mapped[str] = mapped_column(Text, nullable=False)
    folder: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[str] = mapped_column(Text, nullable=False)


class DriftHistoryRow(Base):
    """One drift check: its history entry (headline and per-column figures) and full report.

    ``entry_json`` is ``HistoryEntry.to_dict()`` (small, read for trends); ``report_json`` is
    ``DriftReport.to_dict()`` (bins and findings, read only to reopen a past report).
    """

    __tablename__ = "drift_checks"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # SET NULL, not CASCADE: the history of checks outlives the export they were run on.
    export_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("exports.id", ondelete="SET NULL"), nullable=True
    )
    checked_at: Mapped[str] = mapped_column(Text, nullable=False)
    model: Mapped[str] = mapped_column(Text, nullable=False)  # the model's name
    model_fingerprint: Mapped[str] = mapped_column(Text, nullable=False)  # sha256 of the file
    source: Mapped[str] = mapped_column(Text, nullable=False)  # the checked data, in words
    level: Mapped[str] = mapped_column(Text, nullable=False)  # stable, changed, major, ...
    entry_json: Mapped[str] = mapped_column(Text, nullable=False)
    report_json: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[str] = mapped_column(Text, nullable=False)
