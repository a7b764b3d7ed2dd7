"""Snapshots: a copy of a loaded table inside the project, as zstd-compressed Parquet.

A snapshot lets a project reopen after its source file moved or the database went away.
The frame is written with pyarrow (its pandas metadata keeps dtypes: ``str``, nullable
``Int64``/``boolean``, datetimes with their unit and time zone, categories, the index) and
cut into chunks of at most :data:`CHUNK_BYTES`, one BLOB row each, so no single SQLite value
gets huge. Encoding and decoding go row group by row group so long calls report progress
and honour cancellation. Columns of dtype ``object`` holding text come back as pandas' ``str``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import TYPE_CHECKING

from sqlalchemy import delete, select

from engine.errors import ProjectError
from engine.project.tables import SnapshotChunkRow, SnapshotRow

if TYPE_CHECKING:
    import pandas as pd
    from sqlalchemy.orm import Session

    from engine.jobs import Job

CHUNK_BYTES = 8 * 1024 * 1024
"""Largest piece of Parquet bytes stored in one row."""

ROW_GROUP_ROWS = 100_000
"""Rows per Parquet row group: the step at which encoding reports progress."""


def encode_frame(frame: pd.DataFrame, job: Job) -> bytes:
    """The frame as zstd Parquet bytes (progress 0..1 of ``job``).

    Converted to Arrow one row group at a time, with a step between groups: converting a
    big frame in one go is one long step that can be neither reported nor cancelled. The
    file's schema (types and pandas metadata, the row index included) is worked out from
    the whole frame once, so the slices add up to the same file as a whole-frame conversion.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    job.step(0.0, "Preparing the copy of the table")
    rows = len(frame)
    sink = pa.BufferOutputStream()
    try:
        # From the dtypes alone, except for columns of Python objects, which are scanned.
        schema = pa.Schema.from_pandas(frame, preserve_index=None)
        with pq.ParquetWriter(sink, schema, compression="zstd") as writer:
            for start in range(0, max(rows, 1), ROW_GROUP_ROWS):
                job.step(start / max(rows, 1), "Compressing the copy of the table")
                piece = frame.iloc[start : start + ROW_GROUP_ROWS]
                # Each slice is typed on its own (a column of Python objects may look
                # different in a slice), then cast to the whole frame's types. Its index
                # levels all become columns; those the whole frame keeps as a mere range
                # in the metadata are then dropped.
                table = pa.Table.from_pandas(piece, preserve_index=True)
                table = table.select(schema.names).cast(schema)
                writer.write_table(table, row_group_size=ROW_GROUP_ROWS)
    except (pa.ArrowException, ValueError, TypeError) as error:
        raise ProjectError(
            f"The table cannot be kept inside the project: {error}.",
            "Keep the project without a copy of the data; it will be read from its source.",
        ) from error
    return sink.getvalue().to_pybytes()


def decode_frame(data: bytes, job: Job) -> pd.DataFrame:
    """Parquet bytes back to the frame that was encoded (progress 0..1 of ``job``)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(pa.BufferReader(data))
        groups = parquet.num_row_groups
        tables = []
        for index in range(groups):
            job.step(index / max(groups, 1), "Reading the copy of the table")
            tables.append(parquet.read_row_group(index))
        table = pa.concat_tables(tables) if tables else parquet.schema_arrow.empty_table()
        return table.to_pandas()
    except (pa.ArrowException, OSError, ValueError) as error:
        raise ProjectError(
            "The copy of the table kept in the project is damaged and cannot be read.",
            "Load the data again from its source, then save the copy again.",
        ) from error


def split_chunks(data: bytes, size: int | None = None) -> Iterator[bytes]:
    """Consecutive pieces of ``data`` of at most ``size`` bytes (at least one piece)."""
    size = size or CHUNK_BYTES
    view = memoryview(data)
    if not data:
        yield b""
    for start in range(0, len(data), size):
        yield bytes(view[start : start + size])


def write_snapshot(
    session: Session, source_id: int, data: bytes, rows: int, created_at: str, job: Job
) -> None:
    """Replace the snapshot of ``source_id`` with ``data`` (inside the caller's transaction)."""
    session.execute(delete(SnapshotChunkRow).where(SnapshotChunkRow.source_id == source_id))
    session.execute(delete(SnapshotRow).where(SnapshotRow.source_id == source_id))
    count = max(1, -(-len(data) // CHUNK_BYTES))
    session.add(
        SnapshotRow(
            source_id=source_id,
            format="parquet",
            compression="zstd",
            rows=rows,
            size_bytes=len(data),
            chunk_count=count,
            sha256=hashlib.sha256(data).hexdigest(),
            created_at=created_at,
        )
    )
    session.flush()
    for seq, chunk in enumerate(split_chunks(data)):
        job.step(seq / count, "Writing the copy of the table")
        row = SnapshotChunkRow(source_id=source_id, seq=seq, data=chunk)
        session.add(row)
        # Flush piece by piece so memory holds one piece at a time; a cancel between pieces
        # rolls the caller's whole transaction back.
        session.flush()
        session.expunge(row)


def read_snapshot(session: Session, source_id: int, job: Job) -> bytes | None:
    """The Parquet bytes of the snapshot of ``source_id``, checked, or None if there is none."""
    header = session.get(SnapshotRow, source_id)
    if header is None:
        return None
    pieces: list[bytes] = []
    rows = session.execute(
        select(SnapshotChunkRow.seq, SnapshotChunkRow.data)
        .where(SnapshotChunkRow.source_id == source_id)
        .order_by(SnapshotChunkRow.seq)
    )
    for expected, (seq, chunk) in enumerate(rows):
        job.step(expected / max(header.chunk_count, 1), "Reading the copy of the table")
        if seq != expected:
            break
        pieces.append(chunk)
    data = b"".join(pieces)
    if (
        len(pieces) != header.chunk_count
        or len(data) != header.size_bytes
        or hashlib.sha256(data).hexdigest() != header.sha256
    ):
        raise ProjectError(
            "The copy of the table kept in the project is incomplete or damaged.",
            "Load the data again from its source, then save the copy again.",
        )
    return data
