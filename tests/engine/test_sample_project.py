"""The bundled sample project: made once, reused, never left half-made."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine import api
from engine.jobs import Cancelled, CancelToken
from engine.sample_project import SAMPLE_PROJECT_NAME, SAMPLE_SOURCE_NAME, ensure_sample_project


def test_made_once_with_source_schema_fingerprint_and_copy(tmp_path: Path) -> None:
    reports: list[float] = []
    path = ensure_sample_project(tmp_path / "data", lambda f, m: reports.append(f))
    assert path == tmp_path / "data" / SAMPLE_PROJECT_NAME
    assert reports[-1] == 1.0
    with api.open_project(path) as project:
        (record,) = project.list_sources()
        assert record.name == SAMPLE_SOURCE_NAME
        assert record.has_snapshot and record.fingerprint.rows == 5_000
        schema = project.load_schema(record.id)
        assert schema is not None and "monthly income" in schema.names
        assert len(project.load_snapshot(record.id)) == 5_000
    stamp = path.stat().st_mtime_ns
    assert ensure_sample_project(tmp_path / "data") == path
    assert path.stat().st_mtime_ns == stamp  # reused, not rebuilt
    assert sorted(p.name for p in path.parent.iterdir()) == [SAMPLE_PROJECT_NAME]


def test_cancel_leaves_nothing_behind(tmp_path: Path) -> None:
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        ensure_sample_project(tmp_path, cancel=token)
    assert list(tmp_path.iterdir()) == []


def test_an_unreadable_sample_is_set_aside_and_made_again(tmp_path: Path) -> None:
    broken = tmp_path / SAMPLE_PROJECT_NAME
    broken.write_bytes(b"not a database")
    path = ensure_sample_project(tmp_path)
    with api.open_project(path) as project:
        assert len(project.list_sources()) == 1
    assert (tmp_path / (SAMPLE_PROJECT_NAME + ".broken")).read_bytes() == b"not a database"
