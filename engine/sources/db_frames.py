"""Turn database rows into a pandas frame with sensible column types.

Rows arrive in chunks; each chunk infers its own types, so a column that is empty in one
chunk and numeric in the next must be aligned before concatenation (otherwise it would turn
into an ``object`` column of mixed values). Drivers also hand over Python objects pandas
keeps as ``object`` (``datetime.date``, ``Decimal``, ``UUID``, JSON dicts, booleans with
NULLs): :func:`tidy_objects` gives each a proper dtype or plain text.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import pandas as pd


def rows_to_frame(rows: Sequence[Any], width: int) -> pd.DataFrame:
    """A frame with columns 0..width-1 from a list of result rows (Decimals become floats)."""
    return pd.DataFrame.from_records(
        [tuple(row) for row in rows], columns=range(width), coerce_float=True
    )


def combine_chunks(frames: list[pd.DataFrame], width: int) -> pd.DataFrame:
    """Concatenate chunks, giving an all-NULL chunk column the dtype of the column elsewhere."""
    if len(frames) == 1:
        return frames[0]
    for position in range(width):
        target = next(
            (frame[position].dtype for frame in frames if frame[position].notna().any()), None
        )
        if target is None:
            continue
        if target.kind in "iu":
            target = "float64"  # a NULL in an integer column: float, as pandas does
        elif target.kind == "b":
            target = "boolean"
        for frame in frames:
            column = frame[position]
            if column.dtype != target and not column.notna().any():
                frame[position] = pd.Series(index=frame.index, dtype=target)
    return pd.concat(frames, ignore_index=True)


def tidy_objects(frame: pd.DataFrame) -> pd.DataFrame:
    """Give ``object`` columns holding one kind of Python value a real dtype."""
    out = frame.copy(deep=False)
    for position in range(out.shape[1]):
        column = out.iloc[:, position]
        if column.dtype != object:
            continue
        converted = _tidy(column)
        if converted is not None:
            out.isetitem(position, converted)
    return out


def _tidy(column: pd.Series) -> pd.Series | None:
    values = column.dropna()
    if values.empty:
        return None
    kinds = set(map(type, values))
    if kinds <= {bool}:
        return column.astype("boolean")
    if kinds <= {str}:
        return None  # text: normalize_columns decides about dates and yes/no values
    if all(issubclass(kind, dt.datetime) for kind in kinds):
        aware = any(value.tzinfo is not None for value in values)
        return pd.to_datetime(column, utc=aware)
    if all(issubclass(kind, dt.date) for kind in kinds):
        return pd.to_datetime(column)
    if all(issubclass(kind, int | float | Decimal) and kind is not bool for kind in kinds):
        return pd.to_numeric(column.map(_number, na_action="ignore"))
    return column.map(_text, na_action="ignore").astype("str")


def _number(value: Any) -> float:
    return float(value)


def _text(value: Any) -> str:
    if isinstance(value, dict | list):
        return json.dumps(value, default=str, ensure_ascii=False)
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    return str(value)
