"""Read a table chunk by chunk, so memory stays flat for files larger than RAM.

Used by batch scoring and the drift check. :func:`open_stream` returns a :class:`TableStream`
whose ``columns`` are known before the first chunk (the header, the Parquet schema, the
query's result columns), then yields ``pandas.DataFrame`` chunks of at most ``chunk_rows``
rows. Each format is read the way the loader reads it, without holding the whole table:

- CSV/TSV/TXT (:mod:`engine.sources.stream_csv`): the loader's layout detection (encoding,
  delimiter, quotes, title lines, header, decimal mark and thousands separator), then
  ``pyarrow.csv.open_csv`` with EVERY column read as text: Arrow infers types per block, so a
  column could turn from numbers to text halfway through the file. The consumer converts
  (``header.decimal`` and ``header.thousands`` say how numbers are written). Cells spelled
  like a missing value (pandas' list: "", "NA", "N/A", "null", ...) arrive as missing, as in
  the loader. Rows with fewer values than the header
  cannot be padded by Arrow: they are skipped and counted in ``warnings`` (the loader fills
  them with missing values); rows with more values are an error, as in the loader.
- Parquet: ``ParquetFile.iter_batches``, typed, with the loader's type clean-up.
- Excel and JSON lines: read whole by the loader, then handed out in chunks (neither format
  can be read in pieces; both are small in practice).
- Database table or query: the loader's read-only connection, fetched ``chunk_rows`` rows
  at a time (smaller when the database is slow); cells keep the driver's types.

Progress is the share of bytes read (files) or rows of the estimated count (databases);
cancel is checked between chunks. Zero rows give a stream that yields nothing: the caller
decides what an empty table means.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.errors import SourceError
from engine.jobs import Job
from engine.sources.base import DatabaseSource, FileSource, LoadReport, Source

if TYPE_CHECKING:
    import pandas as pd

DEFAULT_CHUNK_ROWS = 100_000


@dataclass
class StreamHeader:
    """What a reader knows before its first chunk."""

    columns: tuple[str, ...]
    notes: list[str] = field(default_factory=list)  # how the table was read (detection)
    warnings: list[str] = field(default_factory=list)  # problems met while reading
    text_cells: bool = False  # every cell arrives as text (CSV)
    decimal: str = "."
    thousands: str | None = None


class TableStream:
    """A table read chunk by chunk: ``columns`` first, then iterate for DataFrames.

    Use it as a context manager (or call :meth:`close`) so the file or database connection
    is released even when the consumer stops early. It can be iterated once. ``notes``
    describe how the table was read; ``warnings`` grow while reading (skipped short rows).
    """

    def __init__(self, label: str, chunks: Iterator[Any]) -> None:
        self.label = label
        self._chunks = chunks
        header = next(chunks)  # every reader yields its StreamHeader first
        assert isinstance(header, StreamHeader)
        self.header = header
        self.rows_read = 0

    @property
    def columns(self) -> tuple[str, ...]:
        return self.header.columns

    @property
    def notes(self) -> list[str]:
        """How the table was read: encoding, delimiter, decimal mark, renamed columns."""
        return self.header.notes

    @property
    def warnings(self) -> list[str]:
        """Problems met while reading (rows skipped); complete once the stream is consumed."""
        return self.header.warnings

    def __iter__(self) -> Iterator[pd.DataFrame]:
        for chunk in self._chunks:
            self.rows_read += len(chunk)
            yield chunk

    def close(self) -> None:
        """Release the file or the connection (closes the reader's generator)."""
        close = getattr(self._chunks, "close", None)
        if close is not None:
            close()

    def __enter__(self) -> TableStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class ReadProgress:
    """How much of a source a stream has read (0..1), for callers that report their own
    progress (scoring and drift checks report rows processed, not bytes read)."""

    def __init__(self) -> None:
        self.fraction = 0.0

    def __call__(self, fraction: float, message: str) -> None:
        self.fraction = fraction


def open_tracked_stream(
    source: Source,
    job: Job,
    *,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    password: str | None = None,
) -> tuple[TableStream, ReadProgress]:
    """:func:`open_stream` for a job that reports its own progress: says "Opening ...",
    shares the job's cancel token, and returns the share read as it goes."""
    read = ReadProgress()
    job.step(0.0, f"Opening {source.label}", force=True)
    read_job = Job(read, job.cancel, min_interval=0.0)
    return open_stream(source, chunk_rows=chunk_rows, job=read_job, password=password), read


def open_stream(
    source: Source,
    *,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    job: Job | None = None,
    password: str | None = None,
) -> TableStream:
    """Open ``source`` for reading in chunks of at most ``chunk_rows`` rows.

    Raises SourceError (or DatabaseError) for a table that cannot be read at all; the
    ``job`` receives progress while the stream is iterated and is checked between chunks.
    """
    if chunk_rows < 1:
        raise SourceError("The chunk size must be at least 1 row.")
    job = job or Job()
    if isinstance(source, DatabaseSource):
        return TableStream(source.label, _database_chunks(source, chunk_rows, job, password))
    from engine.sources.files import _choose_format, check_path

    path = check_path(Path(source.path))
    report = LoadReport(source_label=source.label)
    fmt = _choose_format(source, path, report)
    if fmt == "csv":
        from engine.sources.stream_csv import csv_chunks

        chunks = csv_chunks(source, path, chunk_rows, job)
    elif fmt == "parquet":
        chunks = _parquet_chunks(path, chunk_rows, job)
    else:
        chunks = _whole_file_chunks(source, path, fmt, chunk_rows, job)
    stream = TableStream(source.label, chunks)
    stream.notes[:0] = report.notes
    return stream


def iter_chunks(
    source: Source, *, chunk_rows: int = DEFAULT_CHUNK_ROWS, job: Job
) -> Iterator[pd.DataFrame]:
    """The chunks of ``source`` (see :func:`open_stream`); the file is closed at the end."""
    with open_stream(source, chunk_rows=chunk_rows, job=job) as stream:
        yield from stream


# --- Parquet, Excel, JSON lines --------------------------------------------------------------


def _parquet_chunks(path: Path, chunk_rows: int, job: Job) -> Iterator[Any]:
    import pyarrow as pa

    from engine.sources.columns import clean_column_names
    from engine.sources.parquet_reader import (
        _plain_types,
        broken_midway,
        flatten_structs,
        open_parquet,
    )

    parquet, schema, total = open_parquet(path)
    try:
        flat = flatten_structs(schema.empty_table())
        names, notes = clean_column_names(flat.column_names)
        yield StreamHeader(columns=tuple(names), notes=notes)
        done = 0
        try:
            for batch in parquet.iter_batches(batch_size=chunk_rows, use_threads=True):
                table, _ = _plain_types(flatten_structs(pa.Table.from_batches([batch])))
                done += batch.num_rows
                job.step(done / total if total else 0.99, f"Read {done:,} of {total:,} rows")
                yield table.rename_columns(names).to_pandas(
                    date_as_object=False, split_blocks=True, self_destruct=True
                )
        except (pa.ArrowException, OSError) as error:
            raise broken_midway(path, error) from error
    finally:
        parquet.close()


def _whole_file_chunks(
    source: FileSource, path: Path, fmt: str, chunk_rows: int, job: Job
) -> Iterator[Any]:
    """Excel and JSON lines: read whole with the loader, then handed out in chunks."""
    from engine.sources.files import load_file

    loaded = load_file(replace(source, path=str(path), format=fmt), job.sub(0.0, 0.9))
    frame = loaded.frame
    notes = list(loaded.report.notes)
    yield StreamHeader(columns=tuple(str(c) for c in frame.columns), notes=notes)
    total = len(frame)
    for start in range(0, total, chunk_rows):
        job.step(0.9 + 0.1 * start / max(total, 1), f"Read {start:,} of {total:,} rows")
        yield frame.iloc[start : start + chunk_rows]


# --- Databases -------------------------------------------------------------------------------


def _database_chunks(
    source: DatabaseSource, chunk_rows: int, job: Job, password: str | None
) -> Iterator[Any]:
    """The loader's read-only connection and statement, fetched chunk by chunk."""
    from sqlalchemy import exc as sa_exc

    from engine.jobs import Cancelled
    from engine.sources.columns import clean_column_names
    from engine.sources.database import (
        _check_source,
        _chunks,
        _estimate,
        _fraction,
        _read_message,
        _statement,
    )
    from engine.sources.db_connect import connect
    from engine.sources.db_frames import rows_to_frame, tidy_objects

    _check_source(source)
    job.step(0.0, "Connecting to the database", force=True)
    with connect(source.url, password, job) as (database, connection):
        statement, what = _statement(source, database, connection)
        estimate = _estimate(source, database, connection, statement)
        stream = connection.execution_options(stream_results=True, max_row_buffer=chunk_rows)
        try:
            result = stream.execute(statement)
        except sa_exc.SQLAlchemyError as exc:
            if job.cancel.cancelled:
                raise Cancelled() from None
            raise database.error(exc, what) from exc
        keys = list(result.keys())
        names, notes = clean_column_names(keys)
        notes.insert(0, f"Read {what} from {database.where}, read-only.")
        yield StreamHeader(columns=tuple(names), notes=notes)
        rows = 0
        parts = _chunks(result, chunk_rows)
        while True:
            try:
                part = next(parts, None)
            except sa_exc.SQLAlchemyError as exc:
                if job.cancel.cancelled:
                    raise Cancelled() from None
                raise database.error(exc, what) from exc
            if part is None:
                break
            rows += len(part)
            job.step(_fraction(rows, estimate, chunk_rows), _read_message(rows, estimate))
            frame = rows_to_frame(part, len(keys))
            frame.columns = names
            yield tidy_objects(frame)
