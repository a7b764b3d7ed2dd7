"""Project tables: added all or nothing, reopened after the file moved, refreshed safely."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from engine import api
from engine.errors import SourceError
from engine.jobs import Cancelled, CancelToken
from engine.profile.schema import ColumnKind, ColumnRole
from engine.project.datasets import FROM_COPY, FROM_SOURCE
from engine.sources.base import FileSource


def _write(path: Path, rows: int, extra: float = 0.0) -> None:
    frame = pd.DataFrame(
        {
            "region": ["North", "South", "East", "West"] * (rows // 4),
            "sales": [float(i) + extra for i in range(rows)],
            "visits": [i % 7 for i in range(rows)],
        }
    )
    frame.to_csv(path, index=False)


@pytest.fixture
def project_and_file(tmp_path: Path):
    data = tmp_path / "sales.csv"
    _write(data, 400)
    project = api.create_project(tmp_path / "p.gristmill")
    yield project, data
    project.close()


def _add(project, data: Path, keep_copy: bool = True) -> int:
    source = FileSource(path=str(data))
    return api.add_table(project, "Sales", source, api.load_table(source), keep_copy=keep_copy)


def test_added_table_opens_from_the_kept_copy_after_the_file_moved(project_and_file) -> None:
    project, data = project_and_file
    source_id = _add(project, data)
    original = api.load_table(FileSource(path=str(data))).frame
    data.rename(data.with_name("moved.csv"))

    opened = api.open_table(project, source_id)
    assert opened.origin == FROM_COPY
    pd.testing.assert_frame_equal(opened.frame, original)
    assert opened.schema == project.load_schema(source_id)
    assert any("no longer there" in note for note in opened.notes)


def test_without_a_copy_a_moved_file_is_a_clear_error(project_and_file) -> None:
    project, data = project_and_file
    source_id = _add(project, data, keep_copy=False)
    data.unlink()
    with pytest.raises(SourceError, match="keeps no copy"):
        api.open_table(project, source_id)


def test_without_a_copy_changes_in_the_file_are_reported(project_and_file) -> None:
    project, data = project_and_file
    source_id = _add(project, data, keep_copy=False)
    _write(data, 404)
    opened = api.open_table(project, source_id)
    assert opened.origin == FROM_SOURCE
    assert len(opened.frame) == 404
    assert opened.notes == ["The data changed since it was added to the project: 4 more rows."]


def test_refresh_keeps_the_users_choices_and_replaces_the_copy(project_and_file) -> None:
    project, data = project_and_file
    source_id = _add(project, data)
    chosen = project.load_schema(source_id).override(
        "visits", kind=ColumnKind.CATEGORICAL, role=ColumnRole.IGNORED
    )
    project.save_schema(source_id, chosen)
    _write(data, 800, extra=0.5)

    refreshed = api.refresh_table(project, source_id)
    assert len(refreshed.frame) == 800
    assert refreshed.notes and "400 more rows" in refreshed.notes[0]
    visits = project.load_schema(source_id)["visits"]
    assert (visits.kind, visits.role, visits.overridden) == (
        ColumnKind.CATEGORICAL,
        ColumnRole.IGNORED,
        True,
    )
    data.unlink()
    assert len(api.open_table(project, source_id).frame) == 800  # the new copy


def test_cancelled_add_leaves_the_project_as_it_was(project_and_file) -> None:
    project, data = project_and_file
    token = CancelToken()

    def cancel_when_saving(fraction: float, message: str) -> None:
        if "copy" in message:  # the source row exists by now; the copy is being written
            token.cancel()

    source = FileSource(path=str(data))
    loaded = api.load_table(source)
    with pytest.raises(Cancelled):
        api.add_table(project, "Sales", source, loaded, progress=cancel_when_saving, cancel=token)
    assert project.list_sources() == []


def test_cancelled_refresh_keeps_the_previous_copy(project_and_file) -> None:
    project, data = project_and_file
    source_id = _add(project, data)
    _write(data, 800)
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        api.refresh_table(project, source_id, cancel=token)
    data.unlink()
    assert len(api.open_table(project, source_id).frame) == 400
    assert project.list_sources()[0].fingerprint.rows == 400


def test_names_stay_unique(project_and_file) -> None:
    project, data = project_and_file
    first, second = _add(project, data), _add(project, data)
    names = {record.id: record.name for record in project.list_sources()}
    assert names == {first: "Sales", second: "Sales (2)"}
