"""The drift history: the file beside the model, the project, bad history files, and trends."""

from __future__ import annotations

import dataclasses
import errno
import hashlib
import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from engine.monitor import history
from engine.monitor.check import check_drift
from engine.monitor.history import (
    HISTORY_FORMAT,
    HISTORY_VERSION,
    HistoryError,
    append_history_file,
    history_path_for,
    load_history,
    preflight_history,
    read_history_file,
    record_check,
    trend,
)
from engine.monitor.history_entry import HistoryEntry
from engine.monitor.report import DriftReport
from engine.project.store import Project
from engine.sources.base import FileSource


@pytest.fixture(scope="module")
def reports(churn_model: tuple[Path, Path], sample_dir: Path) -> tuple[DriftReport, DriftReport]:
    """(no change, shifted): real checks of the sample's two "next quarter" files."""
    _, model = churn_model
    same = check_drift(model, FileSource(sample_dir / "churn_next_quarter.csv"))
    shifted = check_drift(model, FileSource(sample_dir / "churn_next_quarter_shifted.csv"))
    # distinct times, as two checks a month apart would have
    return (dataclasses.replace(same, checked_at="2026-10-31T06:00:00+00:00"),
            dataclasses.replace(shifted, checked_at="2026-11-30T06:00:00+00:00"))


def _beside(report: DriftReport, folder: Path) -> DriftReport:
    """The report as if its model were in ``folder`` (keeps the shared model's folder clean)."""
    return dataclasses.replace(report, model_path=str(folder / "churn.onnx"))


def test_the_history_file_goes_beside_the_model() -> None:
    assert history_path_for("/models/churn.onnx") == Path("/models/churn.drift-history.json")
    assert history_path_for("/m/churn.v2.onnx") == Path("/m/churn.v2.drift-history.json")


def test_no_file_yet_is_an_empty_history(tmp_path: Path) -> None:
    assert read_history_file(tmp_path / "none.drift-history.json") == []
    assert load_history(model_name="churn", model_path=tmp_path / "churn.onnx") == []
    assert list(tmp_path.iterdir()) == []  # reading writes nothing


def test_appending_keeps_earlier_checks_byte_for_byte(
    tmp_path: Path, reports: tuple[DriftReport, DriftReport]
) -> None:
    same, shifted = reports
    path = tmp_path / "churn.drift-history.json"
    assert append_history_file(path, same) == [HistoryEntry.from_report(same)]
    first_text = path.read_text(encoding="utf-8")
    entries = append_history_file(path, shifted)
    assert entries == [HistoryEntry.from_report(same), HistoryEntry.from_report(shifted)]
    assert read_history_file(path) == entries
    document = json.loads(path.read_text(encoding="utf-8"))
    assert (document["format"], document["version"]) == (HISTORY_FORMAT, HISTORY_VERSION)
    old_lines = [line.rstrip(",") for line in first_text.splitlines()[1:-1]]
    new_lines = [line.rstrip(",") for line in path.read_text(encoding="utf-8").splitlines()]
    assert len(old_lines) == 1 and new_lines[1] == old_lines[0]
    assert [level for _, level, _ in trend(entries)] == ["stable", "major"]
    assert list(tmp_path.glob("*.partial")) == []


GARBAGE = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe"


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (GARBAGE, "it is not text"),
        (b"", "it is empty"),
        (b'{"format": "gristmill-drift-history", "version": 1, "entries": [\n{"checked_at": "20',
         "it ends too early"),
        (b"[1, 2, 3]", "it is not a Gristmill drift history"),
        (b'{"rows": 5}', "it is not a Gristmill drift history"),
        (b'{"format": "gristmill-drift-report", "version": 1}', "it is a drift report"),
        (b'{"format": "gristmill-drift-history", "version": "one", "entries": []}',
         "version number is missing or unreadable"),
        (b'{"format": "gristmill-drift-history", "version": 1, "entries": {}}',
         "list of checks is missing"),
        (b'{"format": "gristmill-drift-history", "version": 1, "entries": [{"model": "x"}]}',
         "check number 1 in it is incomplete"),
    ],
    ids=["garbage bytes", "empty", "truncated", "a list", "another object", "a report",
         "bad version", "no entries", "bad entry"],
)
def test_a_damaged_history_is_refused_and_never_overwritten(
    tmp_path: Path, reports: tuple[DriftReport, DriftReport], content: bytes, reason: str
) -> None:
    same, _ = reports
    path = tmp_path / "churn.drift-history.json"
    path.write_bytes(content)
    with pytest.raises(HistoryError) as caught:
        read_history_file(path)
    message = str(caught.value)
    assert f"The drift history file {path} is damaged" in message
    assert reason in message
    assert "Move the file aside" in message and "never overwrites it" in message
    # neither the check before it runs, nor recording after it, touches the file
    with pytest.raises(HistoryError, match="is damaged"):
        preflight_history(model_path=tmp_path / "churn.onnx")
    with pytest.raises(HistoryError, match="is damaged"):
        record_check(_beside(same, tmp_path))
    assert path.read_bytes() == content
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]


def test_a_history_from_a_newer_gristmill_is_refused_untouched(
    tmp_path: Path, reports: tuple[DriftReport, DriftReport]
) -> None:
    same, _ = reports
    path = tmp_path / "churn.drift-history.json"
    content = json.dumps({"format": HISTORY_FORMAT, "version": HISTORY_VERSION + 1,
                          "entries": "a layout this version does not know"}).encode()
    path.write_bytes(content)
    for attempt in (lambda: read_history_file(path),
                    lambda: preflight_history(model_path=tmp_path / "churn.onnx"),
                    lambda: append_history_file(path, same)):
        with pytest.raises(HistoryError) as caught:
            attempt()
        message = str(caught.value)
        assert f"{path} was written by a newer version of Gristmill" in message
        assert f"history version {HISTORY_VERSION + 1}" in message
        assert "Update Gristmill" in message
    assert path.read_bytes() == content


def test_a_failed_write_leaves_the_old_history_intact(
    tmp_path: Path, reports: tuple[DriftReport, DriftReport], monkeypatch: pytest.MonkeyPatch
) -> None:
    same, shifted = reports
    path = tmp_path / "churn.drift-history.json"
    append_history_file(path, same)
    before = path.read_bytes()

    def disk_full(descriptor: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(history.os, "fsync", disk_full)
    with pytest.raises(HistoryError) as caught:
        append_history_file(path, shifted)
    assert "Could not write the drift history file" in str(caught.value)
    assert "Free some space" in str(caught.value)
    assert path.read_bytes() == before
    assert list(tmp_path.glob("*.partial")) == []
    assert read_history_file(path) == [HistoryEntry.from_report(same)]


def test_without_a_project_the_check_goes_beside_the_model_one_model_at_a_time(
    tmp_path: Path, reports: tuple[DriftReport, DriftReport]
) -> None:
    same, shifted = (_beside(r, tmp_path) for r in reports)
    other = dataclasses.replace(same, model="upsell")
    record_check(other)
    entries, where = record_check(same)
    assert where == f"the history file {tmp_path / 'churn.drift-history.json'}"
    assert entries == [HistoryEntry.from_report(same)]
    entries, _ = record_check(shifted)
    assert entries == [HistoryEntry.from_report(same), HistoryEntry.from_report(shifted)]
    assert load_history(model_name="churn", model_path=same.model_path) == entries
    assert len(read_history_file(tmp_path / "churn.drift-history.json")) == 3  # upsell's too
    # an explicit history file instead of the one beside the model
    chosen = tmp_path / "elsewhere.json"
    entries, where = record_check(same, history_path=chosen)
    assert where == f"the history file {chosen}" and len(entries) == 1
    assert load_history(model_name="churn", model_path="unused", history_path=chosen) == entries


def test_a_history_in_a_missing_folder_or_on_a_folder_is_refused_before_the_check(
    tmp_path: Path,
) -> None:
    with pytest.raises(HistoryError, match=r"the folder .* does not exist"):
        preflight_history(history_path=tmp_path / "no" / "h.json", model_path="churn.onnx")
    with pytest.raises(HistoryError, match="is a folder, not a file"):
        preflight_history(history_path=tmp_path, model_path="churn.onnx")
    preflight_history(model_path=tmp_path / "churn.onnx")  # a new history there is fine
    assert list(tmp_path.iterdir()) == []


def test_with_a_project_checks_and_reports_go_into_it(
    tmp_path: Path, churn_model: tuple[Path, Path], reports: tuple[DriftReport, DriftReport]
) -> None:
    project_file, model = churn_model
    same, shifted = reports
    path = tmp_path / "churn.gristmill"
    shutil.copy(project_file, path)
    with Project.open(path) as project:
        preflight_history(project=project, model_path=model)
        record_check(same, project=project)
        entries, where = record_check(shifted, project=project, history_path=tmp_path / "h.json")
        assert where == "the project churn.gristmill"
        assert entries == [HistoryEntry.from_report(same), HistoryEntry.from_report(shifted)]
        assert load_history(model_name="churn", model_path=model, project=project) == entries
        assert load_history(model_name="other", model_path=model, project=project) == []
        checks = project.list_drift_checks("churn")
        assert [c.level for c in checks] == ["stable", "major"]
        # the full report reopens as it was
        assert DriftReport.from_dict(project.load_drift_report(checks[1].id)) == shifted
        [export] = project.list_exports()
    assert not (tmp_path / "h.json").exists()  # the project wins over a history file
    # each check is tied to the export whose bytes are the checked model file
    assert export.sha256 == hashlib.sha256(model.read_bytes()).hexdigest()
    connection = sqlite3.connect(path)
    linked = [row[0] for row in connection.execute("SELECT export_id FROM drift_checks")]
    connection.close()
    assert linked == [export.id, export.id]


def test_a_trained_schema_5_project_migrates_and_takes_checks(
    tmp_path: Path, churn_model: tuple[Path, Path], reports: tuple[DriftReport, DriftReport]
) -> None:
    project_file, _ = churn_model
    path = tmp_path / "old.gristmill"
    shutil.copy(project_file, path)
    with Project.open(path) as original:
        runs = [(r.id, r.status, r.leaderboard) for r in original.list_runs()]
        exports = [(e, original.load_export_bytes(e.id)) for e in original.list_exports()]
    connection = sqlite3.connect(path)  # as the app before the drift history left it
    connection.execute("DROP TABLE drift_checks")
    connection.execute("UPDATE meta SET schema_version = 5")
    connection.commit()
    connection.close()
    with Project.open(path) as project:
        assert project.schema_version == 6 and project.migration_backup is not None
        assert [(r.id, r.status, r.leaderboard) for r in project.list_runs()] == runs
        assert [(e, project.load_export_bytes(e.id)) for e in project.list_exports()] == exports
        assert project.load_model_bytes(runs[0][0])  # the fitted model is still there
        entries, _ = record_check(reports[0], project=project)
    assert entries == [HistoryEntry.from_report(reports[0])]


def test_trends_of_the_headline_and_of_a_column(reports: tuple[DriftReport, DriftReport]) -> None:
    same, shifted = (HistoryEntry.from_report(r) for r in reports)
    older = dataclasses.replace(same, checked_at="2026-09-30T06:00:00+00:00",
                                columns={k: v for k, v in same.columns.items() if k != "age"})
    entries = [older, same, shifted]
    assert trend(entries) == [
        ("2026-09-30T06:00:00+00:00", "stable", same.score_psi),
        ("2026-10-31T06:00:00+00:00", "stable", same.score_psi),
        ("2026-11-30T06:00:00+00:00", "major", shifted.score_psi),
    ]
    assert shifted.score_psi is not None and shifted.score_psi > same.score_psi  # type: ignore[operator]
    changed = next(name for name, figures in shifted.columns.items()
                   if figures["status"] in ("changed", "major"))
    points = trend(entries, changed)
    assert [status for _, status, _ in points][-1] == shifted.columns[changed]["status"]
    assert points[-1][2] == shifted.columns[changed]["psi"] > points[-2][2]  # type: ignore[operator]
    # a column the oldest check did not have: that check is left out of its trend
    assert [when for when, _, _ in trend(entries, "age")] == [same.checked_at, shifted.checked_at]
    assert trend([], None) == [] and trend(entries, "no such column") == []


_WRITER = """
import dataclasses, json, sys
from engine.monitor.history import append_history_file
from engine.monitor.report import DriftReport
report = DriftReport.from_dict(json.loads(open(sys.argv[1], encoding="utf-8").read()))
for number in range(int(sys.argv[4])):
    stamp = f"2026-12-01T00:00:00.{sys.argv[3]}{number:05d}+00:00"
    append_history_file(sys.argv[2], dataclasses.replace(report, checked_at=stamp))
"""


def test_concurrent_writers_lose_no_check(reports, tmp_path: Path) -> None:
    """Two processes each append 50 checks to one history at the same time: 100 are kept."""
    import subprocess
    import sys

    source = tmp_path / "report.json"
    source.write_text(json.dumps(reports[0].to_dict()), encoding="utf-8")
    path = tmp_path / "churn.drift-history.json"
    writers = [
        subprocess.Popen([sys.executable, "-c", _WRITER, str(source), str(path), str(n), "50"],
                         stderr=subprocess.PIPE, text=True)
        for n in (1, 2)
    ]
    errors = [writer.communicate()[1] for writer in writers]
    assert [writer.returncode for writer in writers] == [0, 0], errors
    stamps = [entry.checked_at for entry in read_history_file(path)]
    assert len(stamps) == 100 and len(set(stamps)) == 100
    assert sorted(p.name for p in tmp_path.iterdir()) == ["churn.drift-history.json",
                                                          "report.json"]
