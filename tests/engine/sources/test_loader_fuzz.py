"""Property-based tests: whatever the bytes or the table, loaders fail only with our errors.

Random bytes under each supported suffix, and random small tables (odd column names, None
values, unicode) written with real writers, then loaded. Success is fine; anything other
than a GristmillError subclass escaping is a bug.
"""

from __future__ import annotations

import json
import math
import tempfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.errors import GristmillError
from engine.jobs import Job
from engine.sources.base import FileSource
from engine.sources.files import load_file, preview_file

FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Byte strings that look like the start of real formats make the fuzzing reach the readers.
_PREFIXES = st.sampled_from(
    [b"", b"PAR1", b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"{", b"[", b"\xef\xbb\xbf"]
)
_NAMES = st.one_of(
    st.text(max_size=8),
    st.sampled_from(["", " ", "a", "a", "Unnamed: 0", "nan", "é", "列", "a.b"]),
)
_CELLS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(["yes", "no", "31/01/2024", "01/31/2024", "2024-02-30", "N/A", "1", "0"]),
)


@st.composite
def _tables(draw: st.DrawFn) -> tuple[list[str], list[list[object]]]:
    width = draw(st.integers(min_value=1, max_value=5))
    names = [draw(_NAMES) for _ in range(width)]
    height = draw(st.integers(min_value=0, max_value=8))
    rows = [[draw(_CELLS) for _ in range(width)] for _ in range(height)]
    return names, rows


def _load_both(path: Path) -> None:
    try:
        load_file(FileSource(str(path)), Job())
        preview_file(FileSource(str(path)), rows=3)
    except GristmillError:
        pass


def _fresh(suffix: str) -> Path:
    folder = Path(tempfile.mkdtemp(prefix="gristmill-fuzz-"))
    return folder / f"fuzz{suffix}"


@pytest.mark.parametrize("suffix", [".xlsx", ".parquet", ".jsonl", ".json"])
@FUZZ
@given(prefix=_PREFIXES, body=st.binary(max_size=400))
def test_random_bytes_raise_only_our_errors(suffix: str, prefix: bytes, body: bytes) -> None:
    path = _fresh(suffix)
    path.write_bytes(prefix + body)
    _load_both(path)


@FUZZ
@given(prefix=_PREFIXES, body=st.binary(max_size=400))
def test_random_bytes_as_csv_raise_only_our_errors(prefix: bytes, body: bytes) -> None:
    pytest.importorskip("engine.sources.csv_reader")
    path = _fresh(".csv")
    path.write_bytes(prefix + body)
    _load_both(path)


@FUZZ
@given(table=_tables())
def test_random_tables_as_jsonl(table: tuple[list[str], list[list[object]]]) -> None:
    names, rows = table
    path = _fresh(".jsonl")
    lines = [json.dumps(dict(zip(names, row, strict=True))) for row in rows]
    path.write_text("\n".join(lines), encoding="utf-8")
    _load_both(path)


@FUZZ
@given(table=_tables())
def test_random_tables_as_parquet(table: tuple[list[str], list[list[object]]]) -> None:
    names, rows = table
    columns = []
    for position in range(len(names)):
        # One type per column, as a Parquet writer needs: the column's cells as text, or as
        # numbers when they all are numbers.
        cells = [row[position] for row in rows]
        if all(isinstance(c, float) or c is None for c in cells):
            columns.append(pa.array(cells, type=pa.float64()))
        else:
            columns.append(pa.array([None if c is None else str(c) for c in cells]))
    path = _fresh(".parquet")
    pq.write_table(pa.Table.from_arrays(columns, names=names), path)
    _load_both(path)


@FUZZ
@given(table=_tables())
def test_random_tables_as_csv(table: tuple[list[str], list[list[object]]]) -> None:
    pytest.importorskip("engine.sources.csv_reader")
    import csv

    names, rows = table
    path = _fresh(".csv")
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(names)
        for row in rows:
            writer.writerow(["" if c is None or (isinstance(c, float) and math.isnan(c)) else c
                             for c in row])
    _load_both(path)
