"""Fast path for JSON lines: pyarrow reads flat records, in chunks, with progress and cancel.

:func:`read_flat_jsonl` gives the same columns the line-by-line reader in
:mod:`engine.sources.jsonl_reader` would give, or ``None`` when it cannot promise that; the
caller then reads the file line by line (which also words the error for a bad line). ``None``
is returned for: nested objects or lists, a column mixing numbers and text (or true/false),
integers beyond the 64-bit range (pyarrow turns them into floats, we keep them as text), lines
that are not one object each (pyarrow accepts a pretty-printed object or two objects on one
line; we do not), and anything pyarrow refuses.

The file is cut into chunks of whole lines (a JSON lines record cannot hold a raw line break),
each read with ``pyarrow.json.read_json``; between chunks the job reports and checks cancel.
pyarrow reads text that looks like a timestamp as a timestamp: such fields are read again as
text, because recognising dates (and their day/month order) is engine.sources.values' job.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.json as pa_json

if TYPE_CHECKING:
    from engine.jobs import Job

_CHUNK_BYTES = 8 << 20  # ~0.1 s of pyarrow work on this machine
_READ_SHARE = 0.8  # of the job: reading chunks; the rest converts the columns for pandas
_BOM = b"\xef\xbb\xbf"
# A blank line, or a line that starts with null: the slow check runs (pyarrow crashes when
# the first value of a chunk is a bare null, and it reads later bare nulls as empty rows).
_SUSPECT = re.compile(rb"\n[ \t\r\f\v]*(?:\n|null)")
_INT64_LIMIT = 2.0**63


def read_flat_jsonl(path: Path, job: Job | None) -> dict[str, pd.Series] | None:
    """Typed columns by raw field name, in first-seen order; ``None`` to use the slow path."""
    size = max(path.stat().st_size, 1)
    tables: list[pa.Table] = []
    order: dict[str, None] = {}
    as_text: dict[str, None] = {}
    rows = 0
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK_BYTES):
            chunk += handle.readline()
            if not tables and chunk.startswith(_BOM):
                chunk = chunk[len(_BOM):]
            table = _read_chunk(chunk, order, as_text)
            if table is None:
                return None
            tables.append(table)
            rows += table.num_rows
            if job is not None:
                fraction = _READ_SHARE * handle.tell() / size
                job.step(min(fraction, _READ_SHARE), f"Reading line {rows:,}")
    if not rows or not order:
        return None  # the slow path words the error
    try:
        table = pa.concat_tables(tables, promote_options="permissive")
    except (pa.ArrowException, ValueError):
        return None  # e.g. numbers in one chunk, text in another: a mixed column
    del tables
    columns: dict[str, pd.Series] = {}
    for position, name in enumerate(order):
        if job is not None:
            job.step(_READ_SHARE + (1 - _READ_SHARE) * position / len(order),
                     f"Building column {name}")
        series = _series(table.column(name))
        if series is None:
            return None
        columns[name] = series
    return columns


def _read_chunk(chunk: bytes, order: dict[str, None], as_text: dict[str, None]) -> pa.Table | None:
    """One chunk as a table with only flat, plain-typed columns; ``None`` if it cannot be."""
    suspect = _SUSPECT.search(b"\n" + chunk) is not None
    if suspect:
        lines = [line for line in chunk.splitlines() if line.strip()]
        if any(not line.lstrip().startswith(b"{") for line in lines):
            return None  # a bare value (null, a number...) or a pretty-printed object
        expected = len(lines)
    else:
        last = chunk[chunk.rfind(b"\n") + 1 :]  # a last line with no line break after it
        expected = chunk.count(b"\n") + (1 if last.strip() else 0)
    if b"[" in chunk or chunk.count(b"{") > expected:
        # Lists or nested objects (or brackets inside strings, which we cannot tell apart
        # without parsing). pyarrow's JSON reader has crashed the process on such input
        # (apache/arrow#11044, #51305), and the slow path handles them anyway: never hand
        # them to pyarrow, so a bad file can never take the window down.
        return None
    for _attempt in range(2):
        schema = pa.schema([(name, pa.string()) for name in as_text]) if as_text else None
        options = pa_json.ParseOptions(explicit_schema=schema, unexpected_field_behavior="infer")
        try:
            table = pa_json.read_json(io.BytesIO(chunk), parse_options=options)
        except (pa.ArrowException, ValueError):
            return None
        if table.num_rows != expected:
            return None  # two objects on one line, an object over several lines, a lone \r
        if not all(_plain(field.type) for field in table.schema):
            return None  # nested objects or lists: the slow path flattens them
        order.update(dict.fromkeys(table.column_names))
        stamps = [f.name for f in table.schema if pa.types.is_temporal(f.type)]
        # Keep text as text in later chunks too, so a chunk of only dates cannot disagree.
        as_text.update(dict.fromkeys(f.name for f in table.schema if pa.types.is_string(f.type)))
        if not stamps:
            return table
        as_text.update(dict.fromkeys(stamps))  # read the chunk again with those as text
    return None


def _plain(kind: pa.DataType) -> bool:
    return (
        pa.types.is_null(kind)
        or pa.types.is_boolean(kind)
        or pa.types.is_int64(kind)
        or pa.types.is_float64(kind)
        or pa.types.is_string(kind)
        or pa.types.is_temporal(kind)  # read again as text by the caller
    )


def _series(column: pa.ChunkedArray) -> pd.Series | None:
    """The column as engine.sources.cells.column_from_cells would type it, or ``None``."""
    kind = column.type
    if pa.types.is_null(kind):
        return pd.Series([None] * len(column), dtype="str")
    if pa.types.is_boolean(kind):
        return column.to_pandas(types_mapper={pa.bool_(): pd.BooleanDtype()}.get)
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return column.to_pandas().astype("str")
    if pa.types.is_int64(kind):
        return column.to_pandas().astype("float64" if column.null_count else "int64")
    if pa.types.is_float64(kind):
        values = column.to_numpy()
        finite = values[np.isfinite(values)]
        if finite.size and float(np.abs(finite).max()) >= _INT64_LIMIT:
            return None  # maybe an integer too big for 64 bits, which the slow path keeps
        if np.isnan(values).all():
            return pd.Series([None] * len(column), dtype="str")  # nothing but missing
        return pd.Series(values, dtype="float64")
    return None  # nested objects, lists, anything else: the slow path knows what to do
