"""Fixtures of the project tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.project.store import Project


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Project]:
    """A new, empty project file, closed after the test."""
    with Project.create(tmp_path / "p.gristmill") as opened:
        yield opened
