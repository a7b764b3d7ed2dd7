"""Property-based tests: whatever the bytes or the table, loading fails only with our errors,
and whatever loads can be profiled.

Random bytes under each supported suffix, and random small tables (odd column names, missing
values, extreme floats, huge integers, unicode and line breaks) written with real writers
(csv, json, pyarrow, openpyxl), then loaded. Loading may fail only with a GristmillError
subclass; a table that loads then goes through the whole profile path (infer_schema,
profile_table, format_profile, strict JSON) where nothing may fail and no warning may be
raised (numpy overflow warnings would reach the user's console).
"""

from __future__ import annotations

import contextlib
import csv
import json
import math
import warnings
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.errors import GristmillError
from engine.jobs import Job
from engine.profile.infer import infer_schema
from engine.profile.stats import profile_table
from engine.profile.text_report import format_profile
from engine.sources.base import FileSource
from engine.sources.files import load_file, preview_file

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
EXCEL_FUZZ = settings(FUZZ, max_examples=15)  # openpyxl writes and reads slowly

# Byte strings that look like the start of real formats make the fuzzing reach the readers.
_PREFIXES = st.sampled_from(
    [b"", b"PAR1", b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"{", b"[", b"\xef\xbb\xbf"]
)
_NAMES = st.one_of(
    st.text(max_size=8),
    st.sampled_from(["", " ", "a", "a", "Unnamed: 0", "nan", "None", "é", "列", "a.b",
                     "line\nbreak", "cr\rname", "id", "email"]),
)
_FLOATS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([1e308, -1e308, 1.7976931348623157e308, math.inf, -math.inf, math.nan,
                     1e-320, 5e-324, -0.0, 1.1287606188244725e103, 0.5]),
)
_INTS = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([2**53 + 1, 2**63 - 1, -(2**63), 2**64 - 1, 2**64, 0, 1]),
)
_TEXTS = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["line\nbreak", "cr\rhere", "crlf\r\nend", "tab\there", "x\u2028y", "é",
                     "列", "\U0001f600", " ", "", "a@b.com", "+33 6 12 34 56 78"]),
)
_CELLS = st.one_of(
    st.none(),
    st.booleans(),
    _INTS,
    _FLOATS,
    _TEXTS,
    st.sampled_from(["yes", "no", "31/01/2024", "01/31/2024", "2024-02-30", "N/A", "1", "0",
                     "inf", "-inf", "1e308", "1,5"]),
    st.lists(st.integers(0, 3), max_size=2),  # nested values, as JSON and Parquet allow
    st.dictionaries(st.sampled_from(["k", "v"]), st.integers(0, 3), max_size=2),
)
# A column holds one of these: anything, or only floats, only integers, or only text.
_COLUMN_CELLS = [
    _CELLS,
    st.one_of(st.none(), _FLOATS),
    st.one_of(st.none(), _INTS),
    st.one_of(st.none(), _TEXTS),
]

Table = tuple[list[str], list[list[object]]]


@st.composite
def _tables(draw: st.DrawFn) -> Table:
    width = draw(st.integers(min_value=1, max_value=5))
    names = [draw(_NAMES) for _ in range(width)]
    kinds = [draw(st.sampled_from(_COLUMN_CELLS)) for _ in range(width)]
    height = draw(st.integers(min_value=0, max_value=10))
    rows = [[draw(kind) for kind in kinds] for _ in range(height)]
    return names, rows


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One folder for the module's files (each example overwrites its test's file)."""
    return tmp_path_factory.mktemp("fuzz")


def _profile_everything(frame: pd.DataFrame) -> None:
    """The whole profile path: nothing may fail and no warning may be raised."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        schema = infer_schema(frame)
        profile = profile_table(frame, schema)
        text = format_profile(profile)
        json.dumps(profile.to_dict(), allow_nan=False)
    assert profile.rows == len(frame)
    # Names and values never add lines: one row per column in the column table.
    lines = text.splitlines()
    assert all(len(line) <= 100 for line in lines)
    rule = next(i for i, line in enumerate(lines) if line.startswith("---"))
    assert lines[rule + 1 + len(profile.columns)] == ""


def _load_and_profile(path: Path) -> None:
    try:
        loaded = load_file(FileSource(str(path)), Job())
    except GristmillError:
        loaded = None
    with contextlib.suppress(GristmillError):
        preview_file(FileSource(str(path)), rows=3)
    if loaded is not None:
        _profile_everything(loaded.frame)


@pytest.mark.parametrize("suffix", [".xlsx", ".parquet", ".jsonl", ".json", ".csv"])
@FUZZ
@given(prefix=_PREFIXES, body=st.binary(max_size=400))
def test_random_bytes_raise_only_our_errors(
    folder: Path, suffix: str, prefix: bytes, body: bytes
) -> None:
    path = folder / f"bytes{suffix}"
    path.write_bytes(prefix + body)
    _load_and_profile(path)


@FUZZ
@given(table=_tables())
def test_random_frames_profile_cleanly(table: Table) -> None:
    """Straight from Python objects: object columns, int64 extremes, mixed types."""
    names, rows = table
    columns = {f"{position}{name}": [row[position] for row in rows]
               for position, name in enumerate(names)}
    _profile_everything(pd.DataFrame({name: pd.Series(cells, dtype=None if cells else float)
                                      for name, cells in columns.items()}))


@FUZZ
@given(table=_tables())
def test_random_tables_as_jsonl(folder: Path, table: Table) -> None:
    names, rows = table
    path = folder / "table.jsonl"
    lines = [json.dumps(dict(zip(names, row, strict=True))) for row in rows]
    path.write_text("\n".join(lines), encoding="utf-8")
    _load_and_profile(path)


def _arrow_column(cells: list[object]) -> pa.Array:
    """One type per column, as a Parquet writer needs: numbers when they all are, else text."""
    present = [cell for cell in cells if cell is not None]
    if all(isinstance(cell, float) for cell in present):
        return pa.array(cells, type=pa.float64())
    if all(isinstance(cell, int) and not isinstance(cell, bool) and -(2**63) <= cell < 2**63
           for cell in present):
        return pa.array(cells, type=pa.int64())
    return pa.array([None if cell is None else str(cell) for cell in cells], type=pa.string())


@FUZZ
@given(table=_tables())
def test_random_tables_as_parquet(folder: Path, table: Table) -> None:
    names, rows = table
    columns = [_arrow_column([row[position] for row in rows]) for position in range(len(names))]
    path = folder / "table.parquet"
    pq.write_table(pa.Table.from_arrays(columns, names=names), path)
    _load_and_profile(path)


@FUZZ
@given(table=_tables())
def test_random_tables_as_csv(folder: Path, table: Table) -> None:
    names, rows = table
    path = folder / "table.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(names)
        for row in rows:
            writer.writerow(["" if c is None or (isinstance(c, float) and math.isnan(c)) else c
                             for c in row])
    _load_and_profile(path)


def _excel_cell(cell: object) -> object:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if isinstance(cell, list | dict):
        cell = str(cell)
    if isinstance(cell, str):  # control characters cannot be stored in a workbook
        return ILLEGAL_CHARACTERS_RE.sub("", cell)
    if isinstance(cell, float) and not math.isfinite(cell):
        return None if math.isnan(cell) else str(cell)  # a workbook holds no NaN or infinity
    return cell


@EXCEL_FUZZ
@given(table=_tables())
def test_random_tables_as_excel(folder: Path, table: Table) -> None:
    from openpyxl import Workbook

    names, rows = table
    workbook = Workbook()
    sheet = workbook.active
    sheet.append([_excel_cell(name) for name in names])
    for row in rows:
        sheet.append([_excel_cell(cell) for cell in row])
    path = folder / "table.xlsx"
    workbook.save(path)
    _load_and_profile(path)
