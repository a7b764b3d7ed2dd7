"""``gristmill-desktop --self-test``: the whole sample lifecycle, and that it fails for real.

The packaged app runs the same self-test in CI (``.ci/run`` -> ``packaging/build.py
--self-test``); these tests run it from the source checkout.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from desktop import app, self_test
from engine import api

ROOT = Path(__file__).resolve().parents[2]


def test_the_entry_point_runs_every_step_and_exits_0(tmp_path: Path) -> None:
    """Through the real command line, in a fresh process: the user's way of running it."""
    keep = tmp_path / "work"
    done = subprocess.run(
        [sys.executable, "-m", "desktop.app", "--self-test", "--self-test-keep", str(keep)],
        cwd=ROOT, env=dict(os.environ, QT_QPA_PLATFORM="offscreen"),
        capture_output=True, text=True, timeout=300,
    )
    lines = done.stdout.splitlines()
    assert done.returncode == 0, done.stdout + done.stderr
    steps = [line.split()[1] for line in lines if line.startswith(("ok ", "FAIL"))]
    assert steps == [name for name, _step in self_test.STEPS]
    assert all(line.startswith("ok") for line in lines if line.split()[1:2] == ["drift"])
    assert lines[-1].startswith(f"Self-test passed: {len(self_test.STEPS)} steps")
    # What the steps claim is on disk: the exported package, the scores, both reports, the
    # two drift checks in the history.
    assert {"churn.onnx", "churn.model.json", "churn.golden.csv", "churn.card.md"} <= {
        path.name for path in (keep / "model").iterdir()}
    assert len((keep / "scores.csv").read_text().splitlines()) == 2_001
    assert (keep / "report.html").stat().st_size > 10_000
    assert "Major" in (keep / "drift.html").read_text(encoding="utf-8")
    history = json.loads((keep / "churn.drift-history.json").read_text())
    assert [entry["level"] for entry in history["entries"]] == ["stable", "major"]


def test_a_wrong_drift_verdict_fails_the_self_test_and_keeps_its_files(
    qapp, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Swap the quarters: "next quarter" is now the shifted file, which must not pass."""
    shifted = self_test.SAMPLE_FILES[2]
    monkeypatch.setattr(self_test, "SAMPLE_FILES", (self_test.SAMPLE_FILES[0], shifted, shifted))
    out = io.StringIO()
    code = self_test.main(out=out)
    text = out.getvalue()
    assert code == 1
    assert "FAIL drift" in text
    assert "next quarter should be stable but came out Major" in text
    kept = Path(text.splitlines()[0].removeprefix("Gristmill self-test in "))
    assert f"its files are kept in {kept}" in text
    assert (kept / "model" / "churn.onnx").is_file()


def test_missing_files_stop_the_self_test_at_the_first_step(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = tmp_path / "sample"
    empty.mkdir()
    monkeypatch.setattr(api, "sample_data_dir", lambda: empty)
    heard: list[self_test.StepResult] = []
    results = self_test.run_self_test(tmp_path / "work", heard.append)
    assert heard == results and len(results) == 1
    assert not results[0].ok and results[0].name == "files"
    assert str(empty / "churn.csv") in results[0].detail


def test_an_unexpected_error_is_reported_with_where_it_happened(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(_state: object) -> str:
        return {}["no such key"]

    monkeypatch.setattr(self_test, "STEPS", (("first", lambda _state: "fine"), ("broken", broken),
                                             ("never", lambda _state: "not reached")))
    out = io.StringIO()
    assert self_test.main(tmp_path, out=out) == 1
    text = out.getvalue()
    assert "ok   first" in text
    assert "FAIL broken" in text and "KeyError: 'no such key' (at test_self_test.py:" in text
    assert "never" not in text
    assert "Self-test FAILED at step 'broken'" in text


def test_a_passing_self_test_removes_its_temporary_folder(
    monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(self_test, "STEPS", (("only", lambda state: str(state.folder)),))
    out = io.StringIO()
    assert self_test.main(out=out) == 0
    folder = Path(out.getvalue().splitlines()[0].removeprefix("Gristmill self-test in "))
    assert "Self-test passed: 1 steps in" in out.getvalue()
    assert not folder.exists()


def test_self_test_options_are_checked() -> None:
    assert app.parse_args(["--self-test"]).self_test
    for wrong in (["--self-test", "--sample"], ["--self-test", "x.gristmill"],
                  ["--self-test-keep", "somewhere"]):
        with pytest.raises(SystemExit) as stop:
            app.parse_args(wrong)
        assert stop.value.code == 2
