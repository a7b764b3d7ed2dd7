"""Drift checks kept in the project: round trip, order, filter by model, and schema 5 -> 6."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from project_files import count_rows, dump

from engine.errors import ProjectError
from engine.project import migrations
from engine.project.store import Project
from engine.project.store_drift import DriftCheckRow
from engine.sources.base import FileSource


def _entry(model: str, checked_at: str, level: str = "stable", psi: float = 0.01) -> dict[str, Any]:
    return {
        "checked_at": checked_at, "model": model, "model_fingerprint": "ab" * 32,
        "source": "march.csv", "rows": 2000, "level": level, "headline": "Looks the same.",
        "score_psi": psi, "changed_weight": 0.0,
        "columns": {"age": {"status": level, "severity": 0, "psi": psi, "missing_rate": 0.0,
                            "integrity": []}},
        "performance": None,
    }


def _report(model: str, checked_at: str) -> dict[str, Any]:
    return {"format": "gristmill-drift-report", "version": 1, "model": model,
            "checked_at": checked_at, "columns": [{"name": "age", "bins": ["<= 30", "> 30"],
                                                   "counts": [1200, 800]}]}


def test_checks_round_trip_oldest_first_and_filter_by_model(project: Project) -> None:
    assert project.list_drift_checks() == []
    first = project.save_drift_check(_entry("churn", "2026-01-31T08:00:00+00:00"),
                                     _report("churn", "2026-01-31T08:00:00+00:00"))
    other = project.save_drift_check(_entry("upsell", "2026-02-01T08:00:00+00:00"),
                                     _report("upsell", "2026-02-01T08:00:00+00:00"))
    # stored order, not the time written in the entry, decides "oldest first"
    last = project.save_drift_check(_entry("churn", "2026-02-28T08:00:00+00:00", "major", 0.4),
                                    _report("churn", "2026-02-28T08:00:00+00:00"))
    assert [c.id for c in project.list_drift_checks()] == [first, other, last]
    churn = project.list_drift_checks("churn")
    assert churn == [
        DriftCheckRow(first, "2026-01-31T08:00:00+00:00", "churn", "march.csv", "stable",
                      _entry("churn", "2026-01-31T08:00:00+00:00")),
        DriftCheckRow(last, "2026-02-28T08:00:00+00:00", "churn", "march.csv", "major",
                      _entry("churn", "2026-02-28T08:00:00+00:00", "major", 0.4)),
    ]
    assert [c.id for c in project.list_drift_checks("upsell")] == [other]
    assert project.list_drift_checks("nothing like it") == []
    assert project.load_drift_report(last) == _report("churn", "2026-02-28T08:00:00+00:00")


def test_checks_survive_closing_and_reopening(tmp_path: Path) -> None:
    path = tmp_path / "p.gristmill"
    with Project.create(path) as project:
        check = project.save_drift_check(_entry("churn", "2026-01-31T08:00:00+00:00"),
                                         _report("churn", "2026-01-31T08:00:00+00:00"))
    with Project.open(path) as project:
        [row] = project.list_drift_checks("churn")
        assert row.id == check and row.entry == _entry("churn", "2026-01-31T08:00:00+00:00")
        assert project.load_drift_report(check)["columns"][0]["counts"] == [1200, 800]


def test_a_figure_that_could_not_be_computed_is_stored_as_null(project: Project) -> None:
    entry = _entry("churn", "2026-01-31T08:00:00+00:00", psi=float("nan"))
    report = {**_report("churn", "2026-01-31T08:00:00+00:00"), "p_value": float("inf")}
    check = project.save_drift_check(entry, report)
    [row] = project.list_drift_checks()
    assert row.entry["score_psi"] is None and row.entry["columns"]["age"]["psi"] is None
    assert project.load_drift_report(check)["p_value"] is None


def test_unknown_checks_and_exports_are_refused_in_words(project: Project) -> None:
    with pytest.raises(ProjectError, match="no drift check number 7"):
        project.load_drift_report(7)
    with pytest.raises(ProjectError, match="no exported model number 3"):
        project.save_drift_check(_entry("churn", "2026-01-31T08:00:00+00:00"), {}, export_id=3)
    with pytest.raises(ProjectError, match="has no model, level"):
        project.save_drift_check({"checked_at": "2026-01-31", "source": "a.csv"}, {})
    assert project.list_drift_checks() == []  # nothing half-saved
    assert count_rows(project.path, "drift_checks") == 0


def _schema5_file(path: Path) -> Path:
    """A version-5 project (as the app before the drift history wrote it) with content.

    Version 6 only added the drift_checks table, so a file made now, less that table and
    with version 5 in ``meta``, is exactly what version 5 of the app wrote.
    """
    with Project.create(path) as project:
        source = project.add_source("Churn", FileSource("/data/churn.csv"))
        project.save_snapshot(source, pd.DataFrame({"age": [30, 41], "plan": ["a", "b"]}))
        project.set_setting("active_source_id", source)
    connection = sqlite3.connect(path)
    connection.execute("DROP TABLE drift_checks")
    connection.execute("UPDATE meta SET schema_version = 5")
    connection.commit()
    connection.close()
    return path


def test_a_schema_5_file_is_migrated_keeping_everything(tmp_path: Path) -> None:
    path = _schema5_file(tmp_path / "old.gristmill")
    before = dump(path)
    with Project.open(path) as project:
        assert project.schema_version == migrations.CURRENT_VERSION == 6
        backup = project.migration_backup
        assert [s.name for s in project.list_sources()] == ["Churn"]
        assert project.get_setting("active_source_id") == 1
        pd.testing.assert_frame_equal(
            project.load_snapshot(1), pd.DataFrame({"age": [30, 41], "plan": ["a", "b"]})
        )
        assert project.list_drift_checks() == []
        check = project.save_drift_check(_entry("churn", "2026-01-31T08:00:00+00:00"),
                                         _report("churn", "2026-01-31T08:00:00+00:00"))
        assert [c.id for c in project.list_drift_checks("churn")] == [check]
    assert backup is not None and dump(backup) == before
    after = dump(path)
    # every row and table of the old file is still there, word for word (only the version moved)
    lost = [line for line in before if line not in after]
    assert lost == [line for line in before if line.startswith('INSERT INTO "meta"')]
    assert any("CREATE TABLE drift_checks" in line for line in after)

