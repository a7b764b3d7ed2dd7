"""The project store's copies of tables (snapshots): round trips, chunks, cancel, damage."""

from __future__ import annotations

import sqlite3

import numpy as np
import pandas as pd
import pytest
from project_files import count_rows, mixed_frame

from engine.errors import ProjectError
from engine.jobs import Cancelled, CancelToken
from engine.project import snapshot as snapshot_module
from engine.project.fingerprint import fingerprint_frame
from engine.project.store import Project
from engine.sources.base import FileSource

# -- snapshots ---------------------------------------------------------------------------


def test_snapshot_round_trips_dtypes_and_values(project: Project) -> None:
    source_id = project.add_source("data", FileSource("data.csv"))
    assert project.load_snapshot(source_id) is None
    frame = mixed_frame()
    project.save_snapshot(source_id, frame)
    assert project.list_sources()[0].has_snapshot
    project.close()
    with Project.open(project.path) as reopened:
        loaded = reopened.load_snapshot(source_id)
    pd.testing.assert_frame_equal(loaded, frame, check_exact=True)
    assert fingerprint_frame(loaded) == fingerprint_frame(frame)


@pytest.mark.parametrize(
    "frame",
    [
        pd.DataFrame({"a": pd.Series([], dtype="int64"), "b": pd.Series([], dtype="str")}),
        pd.DataFrame({"x": [1.5, 2.5]}, index=pd.RangeIndex(10, 12)),
        pd.DataFrame({"x": ["a", "b"]}, index=pd.Index(["r1", "r2"], name="row")),
    ],
    ids=["empty", "offset-range-index", "named-text-index"],
)
def test_snapshot_keeps_empty_frames_and_indexes(project: Project, frame: pd.DataFrame) -> None:
    source_id = project.add_source("data", FileSource("data.csv"))
    project.save_snapshot(source_id, frame)
    pd.testing.assert_frame_equal(project.load_snapshot(source_id), frame)


def test_large_snapshot_is_stored_in_chunks_with_progress(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(snapshot_module, "CHUNK_BYTES", 4096)
    monkeypatch.setattr(snapshot_module, "ROW_GROUP_ROWS", 500)
    source_id = project.add_source("data", FileSource("data.csv"))
    rng = np.random.default_rng(1)
    frame = pd.DataFrame({"x": rng.random(3000), "s": [f"v{k}" for k in range(3000)]})
    seen: list[tuple[float, str]] = []
    project.save_snapshot(source_id, frame, progress=lambda f, m: seen.append((f, m)))
    assert count_rows(project.path, "snapshot_chunks") > 5
    assert seen[-1][0] == 1.0
    assert [f for f, _ in seen] == sorted(f for f, _ in seen)
    loaded: list[tuple[float, str]] = []
    result = project.load_snapshot(source_id, progress=lambda f, m: loaded.append((f, m)))
    pd.testing.assert_frame_equal(result, frame)
    assert loaded[-1][0] == 1.0


def test_a_new_snapshot_replaces_the_old_one(project: Project) -> None:
    source_id = project.add_source("data", FileSource("data.csv"))
    project.save_snapshot(source_id, mixed_frame(60))
    smaller = pd.DataFrame({"only": [1, 2, 3]})
    project.save_snapshot(source_id, smaller)
    pd.testing.assert_frame_equal(project.load_snapshot(source_id), smaller)
    assert count_rows(project.path, "snapshot_chunks") == 1
    project.remove_snapshot(source_id)
    assert project.load_snapshot(source_id) is None
    assert not project.list_sources()[0].has_snapshot
    assert count_rows(project.path, "snapshot_chunks") == 0
    size = project.path.stat().st_size
    project.compact()
    assert project.path.stat().st_size < size
    assert [r.name for r in project.list_sources()] == ["data"]


def test_cancelling_a_snapshot_keeps_the_previous_one(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(snapshot_module, "CHUNK_BYTES", 1024)
    source_id = project.add_source("data", FileSource("data.csv"))
    old = mixed_frame()
    project.save_snapshot(source_id, old)
    before = count_rows(project.path, "snapshot_chunks")
    token = CancelToken()
    writes = 0

    def cancel_during_writing(fraction: float, message: str) -> None:
        nonlocal writes
        if message.startswith("Writing"):
            writes += 1
            token.cancel()  # asked while chunks are being written, inside the transaction

    rng = np.random.default_rng(2)
    with pytest.raises(Cancelled):
        project.save_snapshot(
            source_id, pd.DataFrame({"x": rng.random(20_000)}), cancel_during_writing, token
        )
    assert writes >= 1
    pd.testing.assert_frame_equal(project.load_snapshot(source_id), old)
    assert count_rows(project.path, "snapshot_chunks") == before


def test_a_table_that_cannot_be_kept_leaves_the_previous_snapshot(project: Project) -> None:
    source_id = project.add_source("data", FileSource("data.csv"))
    project.save_snapshot(source_id, mixed_frame())
    mixed = pd.DataFrame({"code": pd.Series(["A1", 7, None], dtype="object")})
    with pytest.raises(ProjectError, match="cannot be kept inside the project"):
        project.save_snapshot(source_id, mixed)
    pd.testing.assert_frame_equal(project.load_snapshot(source_id), mixed_frame())


def test_a_damaged_snapshot_is_reported_not_returned(project: Project) -> None:
    source_id = project.add_source("data", FileSource("data.csv"))
    project.save_snapshot(source_id, mixed_frame())
    connection = sqlite3.connect(project.path)
    data = connection.execute("SELECT data FROM snapshot_chunks").fetchone()[0]
    flipped = data[:100] + bytes([data[100] ^ 0xFF]) + data[101:]
    connection.execute("UPDATE snapshot_chunks SET data = ?", (flipped,))
    connection.commit()
    connection.close()
    with pytest.raises(ProjectError, match="damaged"):
        project.load_snapshot(source_id)


# -- snapshots converted slice by slice ---------------------------------------------------


@pytest.mark.parametrize(
    "index",
    [
        pd.RangeIndex(100, 148, 4),
        pd.MultiIndex.from_arrays([list("abcdefabcdef"), range(12)], names=["k", "n"]),
    ],
    ids=["stepped-range-index", "multi-index"],
)
def test_a_snapshot_written_slice_by_slice_reads_back_as_the_whole_frame(
    project: Project, monkeypatch: pytest.MonkeyPatch, index: pd.Index
) -> None:
    monkeypatch.setattr(snapshot_module, "ROW_GROUP_ROWS", 5)
    frame = mixed_frame(12).set_axis(index)
    # Python objects typed from the whole column: the first slice alone holds no text.
    frame["note"] = pd.Series([None] * 6 + ["x"] * 6, dtype="object", index=index)
    source_id = project.add_source("data", FileSource("data.csv"))
    project.save_snapshot(source_id, frame)
    loaded = project.load_snapshot(source_id)
    pd.testing.assert_frame_equal(loaded, frame.astype({"note": "str"}), check_exact=True)
