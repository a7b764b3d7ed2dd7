"""Read JSON lines (.jsonl, .ndjson) and JSON arrays of records (.json).

- One JSON object a line; blank lines are skipped. A line that is not valid JSON, or not an
  object, stops the load with its line number.
- A ``.json`` file may also hold one JSON array of objects.
- Nested objects are flattened into dotted column names (``{"address": {"city": ...}}`` ->
  ``address.city``), with a note. Lists inside a record are kept as their JSON text, with a
  note: a table cell holds one value.
- Text is UTF-8 (a byte-order mark is allowed; UTF-16 with a byte-order mark too).

Speed: a whole UTF-8 file of flat records (numbers, text, true/false, null) is read by
:mod:`engine.sources.jsonl_arrow` (pyarrow, over ten times faster). Whatever it cannot give
exactly as this module would (nested values, mixed types in a column, invalid lines, UTF-16,
previews) is read here, line by line, straight into columns. Both paths report progress and
check for cancel as they go (DESIGN.md, Jobs).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from engine.errors import SourceError
from engine.sources.cells import column_from_cells
from engine.sources.columns import clean_column_names

if TYPE_CHECKING:
    from engine.jobs import Job

_PROGRESS_EVERY = 5000
_READ_SHARE = 0.8  # of the job: reading the records; the rest builds the typed columns


class _Columns:
    """Records gathered column by column (no list of dicts: a million of them is slow)."""

    def __init__(self) -> None:
        self.cells: dict[str, list[Any]] = {}  # first-seen order is the column order
        self.rows = 0
        self.parents: dict[str, None] = {}  # nested objects that were flattened

    def add(self, record: dict[str, Any]) -> None:
        if dict in map(type, record.values()):
            record = _flatten(record, "", self.parents)
        rows = self.rows
        for key, value in record.items():
            column = self.cells.get(key)
            if column is None:
                column = self.cells[key] = [None] * rows
            elif len(column) < rows:  # the key was missing from the records in between
                column.extend([None] * (rows - len(column)))
            column.append(value)
        self.rows = rows + 1


def read_jsonl(
    path: Path, job: Job | None, max_rows: int | None = None
) -> tuple[pd.DataFrame, list[str], dict[str, str]]:
    """Read the records: ``(frame, notes, column_notes)``. ``max_rows`` limits a preview."""
    encoding = _encoding(path)
    with path.open("r", encoding=encoding, newline="") as handle:
        first = _first_character(handle, path, encoding)
        if first != "[" and max_rows is None and encoding == "utf-8-sig":
            from engine.sources.jsonl_arrow import read_flat_jsonl

            series = read_flat_jsonl(path, job)
            if series is not None:
                names, notes = clean_column_names(list(series))
                return pd.DataFrame(dict(zip(names, series.values(), strict=True))), notes, {}
        handle.seek(0)
        reading = job.sub(0.0, _READ_SHARE) if job is not None else None
        if first == "[":
            table = _array_records(handle, path, encoding, reading, max_rows)
        else:
            table = _line_records(handle, path, encoding, reading, max_rows)
    if not table.rows:
        raise SourceError(f"{path.name} holds no records.", "Check that it is the right file.")
    return _to_frame(table, job.sub(_READ_SHARE, 1.0) if job is not None else None)


def _encoding(path: Path) -> str:
    with path.open("rb") as handle:
        head = handle.read(4)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    return "utf-8-sig"


def _not_text(path: Path, encoding: str, error: UnicodeDecodeError) -> SourceError:
    return SourceError(
        f"{path.name} is not {encoding.replace('-sig', '').upper()} text "
        f"(unreadable bytes at position {error.start:,}).",
        "JSON must be saved as UTF-8; check that this is a JSON file, or save it again as UTF-8.",
    )


def _first_character(handle: Any, path: Path, encoding: str) -> str:
    try:
        while chunk := handle.read(65_536):
            stripped = chunk.lstrip()
            if stripped:
                return stripped[0]
    except UnicodeDecodeError as error:
        raise _not_text(path, encoding, error) from error
    raise SourceError(f"{path.name} is empty.", "Choose a file that holds records.")


def _array_records(
    handle: Any, path: Path, encoding: str, job: Job | None, max_rows: int | None
) -> _Columns:
    if job is not None:
        job.step(0.0, "Reading the JSON array")
    try:
        data = json.load(handle)
    except UnicodeDecodeError as error:
        raise _not_text(path, encoding, error) from error
    except json.JSONDecodeError as error:
        raise SourceError(
            f"{path.name} is not valid JSON: {error.msg} at line {error.lineno}, "
            f"column {error.colno}.",
            "Fix the file or export it again.",
        ) from error
    except RecursionError as error:
        raise SourceError(f"{path.name} is nested too deeply to read as a table.") from error
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        raise SourceError(
            f"{path.name} holds a JSON array, but not of records (objects with named fields).",
            "Gristmill reads a list of objects such as [{\"id\": 1, \"city\": \"Lyon\"}, ...].",
        )
    if max_rows is not None:
        data = data[:max_rows]
    table = _Columns()
    total = max(len(data), 1)
    for number, record in enumerate(data):
        if job is not None and number % _PROGRESS_EVERY == 0:
            job.step(0.5 + 0.5 * number / total, f"Reading record {number:,} of {total:,}")
        table.add(record)
    return table


def _line_records(
    handle: Any, path: Path, encoding: str, job: Job | None, max_rows: int | None
) -> _Columns:
    size = max(path.stat().st_size, 1)
    table = _Columns()
    number = 0
    consumed = 0
    try:
        for number, line in enumerate(handle, start=1):
            consumed += len(line)
            if job is not None and number % _PROGRESS_EVERY == 0:
                job.step(min(consumed / size, 0.99), f"Reading line {number:,}")
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                raise _bad_line(path, number, error.msg, first=not table.rows) from error
            except RecursionError as error:
                raise _bad_line(path, number, "nested too deeply", first=False) from error
            if not isinstance(record, dict):
                kind = type(record).__name__.replace("dict", "object").replace("str", "text")
                raise SourceError(
                    f"Line {number:,} of {path.name} holds a JSON {kind}, not an object with "
                    "named fields.",
                    "Each line of a JSON lines file must be one object, such as "
                    "{\"id\": 1, \"city\": \"Lyon\"}.",
                )
            table.add(record)
            if max_rows is not None and table.rows >= max_rows:
                break
    except UnicodeDecodeError as error:
        raise _not_text(path, encoding, error) from error
    return table


def _bad_line(path: Path, number: int, reason: str, first: bool) -> SourceError:
    hint = "Fix or remove that line, or export the file again."
    if first:
        hint = (
            "If the file is one JSON object spread over several lines, export the records as "
            "JSON lines (one object a line) or as a JSON array of objects. " + hint
        )
    return SourceError(f"Line {number:,} of {path.name} is not valid JSON: {reason}.", hint)


def _to_frame(table: _Columns, job: Job | None) -> tuple[pd.DataFrame, list[str], dict[str, str]]:
    raw_names = list(table.cells)
    names, notes = clean_column_names(raw_names)
    if table.parents:
        shown = ", ".join(repr(name) for name in list(table.parents)[:10])
        notes.insert(0, f"Nested fields were flattened into dotted column names ({shown})")
    columns: dict[str, pd.Series] = {}
    column_notes: dict[str, str] = {}
    for position, (raw, name) in enumerate(zip(raw_names, names, strict=True)):
        if job is not None:
            job.step(position / len(raw_names), f"Building column {name}")
        cells = table.cells.pop(raw)  # free each list once its column is built
        cells.extend([None] * (table.rows - len(cells)))
        series, note = column_from_cells(cells)
        if list in map(type, cells):
            note = "lists of values kept as their JSON text"
        columns[name] = series
        if note:
            column_notes[name] = note
    return pd.DataFrame(columns), notes, column_notes


def _flatten(record: dict[str, Any], prefix: str, parents: dict[str, None]) -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in record.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            parents[name] = None
            flat.update(_flatten(value, f"{name}.", parents))
        else:
            flat[name] = None if isinstance(value, dict) else value
    return flat
