"""Typed columns from Python cell values (Excel cells, JSON values).

Spreadsheets and JSON give one Python object per cell, and a column may mix types. Each
column gets one clean pandas dtype, so later steps (profile, snapshot to Parquet) never see a
column of mixed objects:

- only numbers -> ``int64`` (whole numbers, none missing) or ``float64``;
- only True/False -> nullable ``boolean``;
- only dates and times -> ``datetime64[us]`` (aware times converted to UTC);
- only text -> ``str``;
- numbers mixed with missing-value spellings ("n/a", "-", "#N/A") -> numbers, those cells
  missing;
- any other mix -> text, every cell written as text, with a note.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from engine.sources.values import MISSING_SPELLINGS

_INT64 = (-(2**63), 2**63 - 1)


def column_from_cells(cells: Sequence[object]) -> tuple[pd.Series, str | None]:
    """One typed column from Python values, and a note when it had to be read as text."""
    quick = _single_type_column(cells)
    if quick is not None:
        return quick, None
    kinds = {_kind(value) for value in cells}
    kinds.discard("missing")
    if kinds == {"number"} or (
        kinds == {"number", "text"} and _only_missing_text(cells)
    ):
        return _numbers(cells), _missing_text_note(cells, kinds)
    if not kinds or kinds == {"text"}:
        return pd.Series(list(cells), dtype="str"), None
    if kinds == {"bool"}:
        return pd.Series(list(cells), dtype="boolean"), None
    if kinds == {"datetime"}:
        return _datetimes(cells), None
    text = [None if _kind(value) == "missing" else _as_text(value) for value in cells]
    return pd.Series(text, dtype="str"), "mixes " + " and ".join(sorted(kinds)) + "; read as text"


def _single_type_column(cells: Sequence[object]) -> pd.Series | None:
    """The common cases (text, true/false, numbers; with gaps) without Python code per cell.

    ``None`` leaves the decision to the per-cell path (mixed types, integers that may not fit
    64 bits, nothing but missing values); the results are the same as that path's.
    """
    present = set(map(type, cells))
    gaps = type(None) in present
    present.discard(type(None))
    if present == {str}:
        return pd.Series(list(cells), dtype="str")
    if present == {bool}:
        return pd.Series(list(cells), dtype="boolean")
    if present == {int} and not gaps:
        try:
            return pd.Series(np.array(cells, dtype=np.int64))
        except OverflowError:
            return None
    if present and present <= {int, float}:
        values = pd.Series(list(cells), dtype="float64")
        finite = values[np.isfinite(values)]
        if finite.empty or (int in present and float(finite.abs().max()) >= 2.0**63):
            return None
        return values
    return None


def _kind(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "missing"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "number" if _INT64[0] <= value <= _INT64[1] else "big number"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, dt.datetime | dt.date):
        return "datetime"
    return "other"


def _only_missing_text(cells: Sequence[object]) -> bool:
    return all(
        value.strip().lower() in MISSING_SPELLINGS for value in cells if isinstance(value, str)
    )


def _missing_text_note(cells: Sequence[object], kinds: set[str]) -> str | None:
    if "text" not in kinds:
        return None
    count = sum(1 for value in cells if isinstance(value, str))
    return f"{count:,} cell{'s' if count != 1 else ''} written as a missing value (e.g. 'n/a')"


def _numbers(cells: Sequence[object]) -> pd.Series:
    values = [None if isinstance(value, str) else value for value in cells]
    if all(isinstance(value, int) for value in values):
        return pd.Series(values, dtype="int64")
    return pd.Series(
        [math.nan if value is None else float(value) for value in values],  # type: ignore[arg-type]
        dtype="float64",
    )


def _datetimes(cells: Sequence[object]) -> pd.Series:
    values = []
    for value in cells:
        if isinstance(value, dt.datetime):
            if value.tzinfo is not None:
                value = value.astimezone(dt.UTC).replace(tzinfo=None)
            values.append(value)
        elif isinstance(value, dt.date):
            values.append(dt.datetime(value.year, value.month, value.day))
        else:
            values.append(None)
    return pd.Series(np.array(values, dtype="datetime64[us]"))


def _as_text(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ") if value.time() != dt.time() else value.date().isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)
