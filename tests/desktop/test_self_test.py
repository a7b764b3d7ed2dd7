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


@pytest.mark.skipif(
    os.environ.get("GRISTMILL_CI_FROZEN_SELF_TEST") == "1",
    reason="CI (.ci/run) runs this same self-test, every step, in the packaged app beside "
    "the test run; running it from source too cost a minute of CI's ten",
)
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
    qapp, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Swap the quarters: "next quarter" is now the shifted file, which must not pass."""
    shifted = self_test.SAMPLE_FILES[2]
    monkeypatch.setattr(self_test, "SAMPLE_FILES", (self_test.SAMPLE_FILES[0], shifted, shifted))
    out = io.StringIO()
    kept = tmp_path / "kept"
    code = self_test.main(kept, out=out)
    text = out.getvalue()
    assert code == 1
    assert "FAIL drift" in text
    assert "next quarter should be stable but came out Major" in text
    assert f"its files are kept in {kept}" in text
    assert (kept / "model" / "churn.onnx").is_file()


def test_a_window_that_cannot_open_the_sample_fails_the_step_instead_of_a_dialog(
    qapp, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Headless, an error dialog would wait forever: the self-test must say it and stop."""
    from engine.errors import ProjectError

    def refuse(path: object) -> None:
        raise ProjectError("This file is not a Gristmill project.", "Open another file.")

    monkeypatch.setattr(api, "open_project", refuse)
    monkeypatch.setattr(self_test, "STEPS", self_test.STEPS[:4])  # files, window, display, sample
    results = self_test.run_self_test(tmp_path)
    assert [result.ok for result in results] == [True, True, True, False]
    assert "could not open" in results[-1].detail
    assert "This file is not a Gristmill project." in results[-1].detail


def test_a_stuck_self_test_is_ended_with_the_stacks_kept(tmp_path: Path) -> None:
    code = (
        "import sys, time\n"
        "from pathlib import Path\n"
        "from desktop import self_test\n"
        "self_test.LIMIT_SECONDS = 1.0\n"
        "def stuck(state):\n"
        "    time.sleep(60)\n"
        "self_test.STEPS = (('stuck', stuck),)\n"
        "sys.exit(self_test.main(Path(sys.argv[1])))\n"
    )
    done = subprocess.run([sys.executable, "-c", code, str(tmp_path / "work")], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    stacks = (tmp_path / "work" / "self-test-stacks.txt").read_text()
    assert "Timeout" in stacks and "in stuck" in stacks


def test_the_screen_check_names_what_stops_qt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A screen Qt cannot reach (here an X display that does not exist) fails the step."""
    if not sys.platform.startswith("linux"):
        pytest.skip("the X11 case")
    monkeypatch.setenv("DISPLAY", ":87")
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    with pytest.raises(self_test.SelfTestError, match="Qt cannot open windows on this screen") as e:
        self_test._display(self_test._State(tmp_path, screen_platform="xcb"))
    assert "could not connect to display :87" in str(e.value)  # Qt's own reason, quoted
    monkeypatch.delenv("DISPLAY")
    assert "none was checked" in self_test._display(self_test._State(tmp_path, None))
    assert "none was checked" in self_test._display(self_test._State(tmp_path, "offscreen"))


def test_the_screen_probe_starts_qt_and_names_the_platform() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "desktop.app", "--probe-display"], cwd=ROOT,
        env=dict(os.environ, QT_QPA_PLATFORM="offscreen"), capture_output=True, text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "offscreen"


def test_a_folder_with_files_is_not_used(tmp_path: Path) -> None:
    (tmp_path / "old.txt").write_text("an earlier run")
    out = io.StringIO()
    assert self_test.main(tmp_path, out=out) == 1
    assert "is not empty" in out.getvalue()
    assert sorted(path.name for path in tmp_path.iterdir()) == ["old.txt"]


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
    qapp, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the real window: its settings are written before the folder goes, not after."""
    import gc

    from PySide6.QtCore import QCoreApplication, QEvent

    monkeypatch.setattr(self_test, "STEPS", self_test.STEPS[:2])  # files, window
    out = io.StringIO()
    assert self_test.main(out=out) == 0
    folder = Path(out.getvalue().splitlines()[0].removeprefix("Gristmill self-test in "))
    assert "Self-test passed: 2 steps in" in out.getvalue()
    gc.collect()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    gc.collect()
    assert not folder.exists()


def test_self_test_options_are_checked() -> None:
    assert app.parse_args(["--self-test"]).self_test
    for wrong in (["--self-test", "--sample"], ["--self-test", "x.gristmill"],
                  ["--self-test-keep", "somewhere"]):
        with pytest.raises(SystemExit) as stop:
            app.parse_args(wrong)
        assert stop.value.code == 2
