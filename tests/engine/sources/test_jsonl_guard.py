"""Input that has crashed pyarrow's JSON reader never reaches it; the slow path reads it."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.jobs import Job
from engine.sources.base import FileSource
from engine.sources.files import load_file
from engine.sources.jsonl_arrow import read_flat_jsonl


@pytest.mark.parametrize(
    "text",
    [
        '{"a": [null, 1], "b": 1}\n{"a": [2], "b": 2}\n',  # apache/arrow#51305
        '{"null": ["xyz"], "b": 1}\n',  # apache/arrow#11044
        '{"a": "a [bracket] in text", "b": 1}\n',
        '{"a": {"inner": 1}, "b": 2}\n',
        '{"a": "a {brace} in text", "b": 3}\n',
    ],
)
def test_lists_nested_objects_and_brackets_take_the_slow_path(tmp_path: Path, text: str) -> None:
    path = tmp_path / "data.jsonl"
    path.write_text(text, encoding="utf-8")
    assert read_flat_jsonl(path, None) is None
    loaded = load_file(FileSource(path=str(path)), Job())
    assert "b" in loaded.frame.columns
    assert len(loaded.frame) == text.count("\n")


def test_flat_records_take_the_fast_path(tmp_path: Path) -> None:
    path = tmp_path / "flat.jsonl"
    path.write_text('{"a": 1, "b": "x"}\n{"a": 2, "b": "y"}\n', encoding="utf-8")
    columns = read_flat_jsonl(path, None)
    assert columns is not None
    assert list(columns["a"]) == [1, 2]
