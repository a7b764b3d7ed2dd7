"""Read JSON lines (.jsonl, .ndjson) and JSON arrays of records (.json).

- One JSON object a line; blank lines are skipped. A line that is not valid JSON, or not an
  object, stops the load with its line number.
- A ``.json`` file may also hold one JSON array of objects.
- Nested objects are flattened into dotted column names (``{"address": {"city": ...}}`` ->
  ``address.city``), with a note. Lists inside a record are kept as their JSON text, with a
  note: a table cell holds one value.
- Text is UTF-8 (a byte-order mark is allowed; UTF-16 with a byte-order mark too).
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


def read_jsonl(
    path: Path, job: Job | None, max_rows: int | None = None
) -> tuple[pd.DataFrame, list[str], dict[str, str]]:
    """Read the records: ``(frame, notes, column_notes)``. ``max_rows`` limits a preview."""
    encoding = _encoding(path)
    with path.open("r", encoding=encoding, newline="") as handle:
        first = _first_character(handle, path, encoding)
        handle.seek(0)
        if first == "[":
            records = _array_records(handle, path, encoding)
            if max_rows is not None:
                records = records[:max_rows]
        else:
            records = _line_records(handle, path, encoding, job, max_rows)
    if not records:
        raise SourceError(f"{path.name} holds no records.", "Check that it is the right file.")
    return _to_frame(records)


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


def _array_records(handle: Any, path: Path, encoding: str) -> list[dict[str, Any]]:
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
    return data


def _line_records(
    handle: Any, path: Path, encoding: str, job: Job | None, max_rows: int | None
) -> list[dict[str, Any]]:
    size = max(path.stat().st_size, 1)
    records: list[dict[str, Any]] = []
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
                raise _bad_line(path, number, error.msg, first=not records) from error
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
            records.append(record)
            if max_rows is not None and len(records) >= max_rows:
                break
    except UnicodeDecodeError as error:
        raise _not_text(path, encoding, error) from error
    return records


def _bad_line(path: Path, number: int, reason: str, first: bool) -> SourceError:
    hint = "Fix or remove that line, or export the file again."
    if first:
        hint = (
            "If the file is one JSON object spread over several lines, export the records as "
            "JSON lines (one object a line) or as a JSON array of objects. " + hint
        )
    return SourceError(f"Line {number:,} of {path.name} is not valid JSON: {reason}.", hint)


def _to_frame(records: list[dict[str, Any]]) -> tuple[pd.DataFrame, list[str], dict[str, str]]:
    flattened_parents: dict[str, None] = {}
    flat_records = [_flatten(record, "", flattened_parents) for record in records]
    keys: dict[str, None] = {}
    for record in flat_records:
        keys.update(dict.fromkeys(record))
    raw_names = list(keys)
    names, notes = clean_column_names(raw_names)
    if flattened_parents:
        shown = ", ".join(repr(name) for name in list(flattened_parents)[:10])
        notes.insert(0, f"Nested fields were flattened into dotted column names ({shown})")
    columns: dict[str, pd.Series] = {}
    column_notes: dict[str, str] = {}
    for raw, name in zip(raw_names, names, strict=True):
        cells = [record.get(raw) for record in flat_records]
        series, note = column_from_cells(cells)
        if any(isinstance(cell, list) for cell in cells):
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
