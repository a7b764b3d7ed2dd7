"""Read a Parquet file with pyarrow, batch by batch, with progress and cancel.

Decisions:
- Struct columns are flattened into dotted columns (``address.city``) with a note: they are
  just grouped plain fields. List and map columns hold several values per row, which a
  table for modelling cannot take, so they are refused with a message naming them.
- Dictionary-encoded columns are decoded (plain text, not pandas categoricals); decimals
  become float64 and dates datetime64, with a note for decimals; times of day and binary
  columns that are valid UTF-8 become text.
- Parquet cells are already typed, so no date or yes/no recognition is applied.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from engine.errors import SourceError
from engine.sources.columns import clean_column_names

if TYPE_CHECKING:
    from engine.jobs import Job

BATCH_ROWS = 65_536


def read_parquet(
    path: Path, job: Job | None, max_rows: int | None = None
) -> tuple[pd.DataFrame, list[str], dict[str, str]]:
    """Read the file: ``(frame, notes, column_notes)``. ``max_rows`` limits a preview."""
    parquet, schema, total = open_parquet(path)
    batches: list[pa.RecordBatch] = []
    done = 0
    try:
        for batch in parquet.iter_batches(batch_size=BATCH_ROWS, use_threads=True):
            if max_rows is not None and done + batch.num_rows > max_rows:
                batch = batch.slice(0, max_rows - done)
            batches.append(batch)
            done += batch.num_rows
            if job is not None:
                job.step(done / total if total else 0.0, f"Reading row {done:,} of {total:,}")
            if max_rows is not None and done >= max_rows:
                break
        table = pa.Table.from_batches(batches, schema=batches[0].schema if batches else schema)
    except (pa.ArrowException, OSError, ValueError) as error:
        raise broken_midway(path, error) from error
    finally:
        parquet.close()

    notes: list[str] = []
    column_notes: dict[str, str] = {}
    flat_names = _struct_names(table.schema)
    if flat_names:
        table = table.flatten()
        _refuse_nested(table.schema, path)
        table = flatten_structs(table)
        notes.append(
            "Grouped fields were flattened into columns with dotted names: "
            + ", ".join(repr(n) for n in flat_names)
        )
    table, column_notes = _plain_types(table)
    names, rename_notes = clean_column_names(table.column_names)
    notes.extend(rename_notes)
    frame = table.rename_columns(names).to_pandas(date_as_object=False, split_blocks=True)
    column_notes = {names[table.column_names.index(k)]: v for k, v in column_notes.items()}
    return frame, notes, column_notes


def _refuse_nested(schema: pa.Schema, path: Path) -> None:
    nested = [
        field.name
        for field in schema
        if pa.types.is_list(field.type)
        or pa.types.is_large_list(field.type)
        or pa.types.is_fixed_size_list(field.type)
        or pa.types.is_map(field.type)
        or (hasattr(pa.types, "is_list_view") and pa.types.is_list_view(field.type))
        or (pa.types.is_struct(field.type) and _has_list(field.type))
    ]
    if nested:
        shown = ", ".join(repr(n) for n in nested[:10])
        more = f" and {len(nested) - 10} more" if len(nested) > 10 else ""
        raise SourceError(
            f"{path.name} has columns that hold several values in each row (lists or maps: "
            f"{shown}{more}), which a table for modelling cannot take.",
            "Flatten them before loading: one column per value you need (for example the "
            "first item, or a count), or one row per item.",
        )


def _has_list(struct_type: pa.DataType) -> bool:
    for i in range(struct_type.num_fields):
        child = struct_type.field(i).type
        if pa.types.is_struct(child):
            if _has_list(child):
                return True
        elif pa.types.is_nested(child):
            return True
    return False


def broken_midway(path: Path, error: Exception) -> SourceError:
    """The error for a Parquet file that opened but failed partway through its rows."""
    return SourceError(
        f"{path.name} could not be read to the end ({short_error(error)}).",
        "The file may be damaged or still being written; try a fresh copy.",
    )


def open_parquet(path: Path) -> tuple[Any, pa.Schema, int]:
    """``(ParquetFile, its arrow schema, its row count)``, or a SourceError in words.

    Nested columns other than grouped fields are refused here (the file is closed then).
    """
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(path)
        schema = parquet.schema_arrow
        total = parquet.metadata.num_rows
    except (pa.ArrowException, OSError, ValueError) as error:
        raise SourceError(
            f"{path.name} is not a readable Parquet file ({short_error(error)}).",
            "Check that the file is complete; ask for it to be exported again if needed.",
        ) from error
    try:
        _refuse_nested(schema, path)
    except SourceError:
        parquet.close()
        raise
    return parquet, schema, total


def flatten_structs(table: pa.Table) -> pa.Table:
    """Grouped fields (structs) as columns with dotted names, however deep."""
    while _struct_names(table.schema):
        table = table.flatten()
    return table


def _struct_names(schema: pa.Schema) -> list[str]:
    return [field.name for field in schema if pa.types.is_struct(field.type)]


def _plain_types(table: pa.Table) -> tuple[pa.Table, dict[str, str]]:
    """Types pandas holds well: decode dictionaries, decimals to float, times to text."""
    notes: dict[str, str] = {}
    for position, field in enumerate(table.schema):
        column = table.column(position)
        kind = field.type
        if pa.types.is_dictionary(kind):
            column = column.cast(kind.value_type)
            kind = kind.value_type
        if pa.types.is_decimal(kind):
            column = column.cast(pa.float64())
            notes[field.name] = "decimal numbers read as floating-point numbers"
        elif pa.types.is_time(kind):
            column = pc.cast(column, pa.string())
            notes[field.name] = "times of day read as text"
        elif pa.types.is_binary(kind) or pa.types.is_large_binary(kind):
            try:
                column = column.cast(pa.string())  # fails unless the bytes are UTF-8
                notes[field.name] = "bytes read as text"
            except pa.ArrowException:
                column = pc.cast(pc.binary_length(column), pa.int64())
                notes[field.name] = "binary data: only the length in bytes was kept"
        elif pa.types.is_null(kind):
            column = column.cast(pa.string())
        if column is not table.column(position):
            table = table.set_column(position, pa.field(field.name, column.type), column)
    return table, notes


def short_error(error: Exception) -> str:
    """An error's first line (at most 160 characters), for a message in words."""
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return text[:160]

