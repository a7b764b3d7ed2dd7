"""The facade: what the desktop and the CLI call."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from engine import api
from engine.errors import InputError
from engine.sources.base import DatabaseSource, FileSource

SAMPLE = api.sample_data_dir()


def test_source_for_tells_files_from_databases() -> None:
    assert api.source_for("data/x.csv", sheet=None) == FileSource(path="data/x.csv")
    assert api.source_for("sqlite:///x.db", table="t") == DatabaseSource(
        url="sqlite:///x.db", table="t"
    )
    with pytest.raises(InputError):
        api.source_for("sqlite:///x.db")
    with pytest.raises(InputError):
        api.source_for("sqlite:///x.db", table="t", sql="SELECT 1")
    with pytest.raises(InputError):
        api.source_for("x.csv", table="t")


def test_preview_reads_only_the_first_rows_with_the_same_detection() -> None:
    source = FileSource(path=str(SAMPLE / "churn.csv"))
    preview = api.preview_table(source, rows=25)
    full = api.load_table(source)
    assert len(preview.frame) == 25
    assert list(preview.frame.columns) == list(full.frame.columns)
    # Same values; an integer column may still be float in the full table, where it has gaps.
    pd.testing.assert_frame_equal(preview.frame, full.frame.head(25), check_dtype=False)
    for name in ["signup_date", "paperless_billing", "churned", "region"]:
        assert preview.frame[name].dtype == full.frame[name].dtype, name


def test_preview_of_a_database_table() -> None:
    source = DatabaseSource(url=f"sqlite:///{SAMPLE / 'churn.sqlite'}", table="customers")
    preview = api.preview_table(source, rows=10)
    assert len(preview.frame) == 10
    assert "churned" in preview.frame.columns


def test_file_and_database_copies_of_the_sample_agree() -> None:
    from_file = api.load_table(FileSource(path=str(SAMPLE / "churn.csv"))).frame
    from_db = api.load_table(
        DatabaseSource(url=f"sqlite:///{SAMPLE / 'churn.sqlite'}", table="customers")
    ).frame
    assert list(from_file.columns) == list(from_db.columns)
    assert len(from_file) == len(from_db)
    for column in ["monthly_charges", "age", "tenure_months"]:
        assert from_file[column].sum() == pytest.approx(from_db[column].sum())
    assert (from_file["churned"] == from_db["churned"]).all()


def test_fingerprint_changes_with_the_data() -> None:
    frame = api.load_table(FileSource(path=str(SAMPLE / "churn.csv"))).frame
    first = api.fingerprint_table(frame)
    assert first == api.fingerprint_table(frame.copy())
    assert first.rows == len(frame)
    changed = frame.copy()
    changed.loc[0, "age"] = 99
    assert api.fingerprint_table(changed).content_hash != first.content_hash


def test_project_round_trip_through_the_facade(tmp_path: Path) -> None:
    path = tmp_path / "p.gristmill"
    source = FileSource(path=str(SAMPLE / "churn.csv"))
    frame = api.load_table(source).frame
    schema = api.infer_schema(frame)
    with api.create_project(path) as project:
        source_id = project.add_source("Churn", source)
        project.save_schema(source_id, schema)
    with api.open_project(path) as project:
        assert project.load_schema(source_id) == schema
        assert [record.name for record in project.list_sources()] == ["Churn"]
