"""``gristmill-desktop --self-test``: the sample lifecycle, headless, in this installation.

It answers one question for whoever installed Gristmill (and for CI, on the packaged app):
does *this copy* of the app work, with the libraries, Qt plugins, data files and process
start-up it actually has? A source checkout and a PyInstaller bundle fail in different
places (a missing Qt plugin, a data file left out, a spawned process that cannot start in a
frozen app), so every step goes through the same code the window uses:

1. ``files``: the sample data and the icons are where the app looks for them;
2. ``window``: Qt starts (offscreen), SVG icons draw, the main window builds and shows;
3. ``display``: Qt can open windows on this computer's own screen, checked in a separate
   process (a missing X11 or Wayland library aborts Qt); skipped, and said so, when there is
   no screen (a server, CI);
4. ``sample``: the sample project is made from ``churn.csv`` and opened in the window;
5. ``problem``: the target ``churned`` is defined;
6. ``train``: a small search in a spawned training process, as the Train step runs it;
7. ``evaluate``: the HTML evaluation report (matplotlib plots) is written;
8. ``export``: the ONNX package, through the parity gate (onnxruntime vs scikit-learn);
9. ``models``: every model family this installation offers fits on a slice of the sample and
   passes the parity gate (the packaged app must offer LightGBM): a packaged app that lacks
   one family's converter fails here, not in a user's export;
10. ``score``: next quarter's file is scored with the exported model;
11. ``drift``: next quarter must come out stable and the shifted quarter must not.

Every step prints one line with its time; the run stops at the first failure, which is
shown with its reason. Exit code 0 only when every step worked. The work happens in a
temporary folder (never the user's projects or settings), removed afterwards unless a step
failed or ``--self-test-keep`` was given. A self-test that hangs (a modal dialog nobody can
see, a stuck child process) is ended after :data:`LIMIT_SECONDS` with the threads' stacks in
``self-test-stacks.txt`` in its folder, and exit code 1.
"""

from __future__ import annotations

import faulthandler
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from PySide6.QtCore import QSettings

    from desktop.main_window import MainWindow

log = logging.getLogger(__name__)

TARGET = "churned"
TRAIN_TRIALS = 3
"""How many candidates the search tries: a trial count, not a time budget, so a busy laptop
is not told that its installation is broken because the search ran out of time."""
FAMILY_FIT_ROWS = 800
FAMILY_CHECK_ROWS = 300
"""Rows each family is fitted on and checked on in the ``models`` step (fast, not a search)."""
WINDOW_SECONDS = 60.0
"""How long the window may take to open the sample project before the step fails."""
PROBE_SECONDS = 60.0
"""How long the process that checks the screen may take."""
LIMIT_SECONDS = 900.0
"""The whole self-test takes about 30 s; past this it is stuck, and is ended."""
SAMPLE_FILES = ("churn.csv", "churn_next_quarter.csv", "churn_next_quarter_shifted.csv")
ICONS = ("gristmill", "done", "stale", "todo", "waiting")


class SelfTestError(Exception):
    """A step did not get the result it must get (the message says what it got)."""


@dataclass(frozen=True)
class StepResult:
    """One step: whether it worked, how long it took, and what it found (or why it failed)."""

    name: str
    ok: bool
    seconds: float
    detail: str


@dataclass
class _State:
    """What the steps hand on to each other."""

    folder: Path
    screen_platform: str | None = None  # QT_QPA_PLATFORM as the user had it (None: Qt's own)
    window: MainWindow | None = None
    settings: QSettings | None = None  # the window's, in ``folder`` (never the user's)
    project_path: Path | None = None
    project: Any = None
    table: Any = None
    problem: Any = None
    run_id: int | None = None
    model_path: Path | None = None


def run_self_test(
    folder: Path,
    report: Callable[[StepResult], None] = lambda result: None,
    *,
    screen_platform: str | None = None,
) -> list[StepResult]:
    """Run the steps in ``folder``; ``report`` hears each result as it comes. Stops at a failure.

    ``screen_platform`` is the Qt platform to check the screen with (the user's
    ``QT_QPA_PLATFORM``, None for Qt's default); the steps themselves run offscreen.
    """
    state = _State(folder, screen_platform)
    results: list[StepResult] = []
    try:
        for name, step in STEPS:
            started = time.perf_counter()
            try:
                detail, ok = step(state), True
            except Exception as error:  # any failure is the step's result, never a crash
                log.exception("Self-test step %s failed", name)
                detail, ok = _describe(error), False
            result = StepResult(name, ok, time.perf_counter() - started, detail)
            results.append(result)
            report(result)
            if not ok:
                break  # every later step needs this one's result
    finally:
        _close(state)
    return results


def _describe(error: BaseException) -> str:
    from engine.errors import GristmillError

    if isinstance(error, GristmillError | SelfTestError):
        return str(error)
    # Not an expected failure: where it happened matters to whoever reads the report.
    where = traceback.extract_tb(error.__traceback__)[-1:]
    place = f" (at {Path(where[0].filename).name}:{where[0].lineno})" if where else ""
    return f"{type(error).__name__}: {error}{place}"


def _close(state: _State) -> None:
    """Close the window and the project, and write the window's settings now.

    Closing the window stores its geometry; unsynced, QSettings would write it when the
    object is destroyed, at exit, after the folder is removed, and so make the folder again.
    """
    from PySide6.QtCore import QCoreApplication, QEvent

    if state.window is not None:
        state.window.close()
        state.window.deleteLater()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        state.window = None
    if state.settings is not None:
        state.settings.sync()
        state.settings = None
    if state.project is not None:
        state.project.close()
        state.project = None


# -- the steps -----------------------------------------------------------------------------


def _files(state: _State) -> str:
    from desktop.icons import ICON_FOLDER
    from engine import __version__, api

    sample = api.sample_data_dir()
    missing = [str(sample / name) for name in SAMPLE_FILES if not (sample / name).is_file()]
    missing += [str(ICON_FOLDER / f"{name}.svg") for name in ICONS
                if not (ICON_FOLDER / f"{name}.svg").is_file()]
    if missing:
        raise SelfTestError("missing from this installation: " + ", ".join(missing))
    frozen = "packaged app" if getattr(sys, "frozen", False) else "Python " + sys.version.split()[0]
    return f"Gristmill {__version__} ({frozen}); sample data and {len(ICONS)} icons present"


def _window(state: _State) -> str:
    from PySide6 import __version__ as qt_version
    from PySide6.QtCore import QSettings
    from PySide6.QtGui import QImageReader, QPixmap
    from PySide6.QtWidgets import QApplication

    from desktop.icons import icon
    from desktop.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    if b"svg" not in [bytes(name.data()) for name in QImageReader.supportedImageFormats()]:
        raise SelfTestError("Qt cannot read SVG images here: the Qt SVG plugin is missing")
    drawn: list[QPixmap] = [icon(name).pixmap(32, 32) for name in ICONS]
    blank = [name for name, pixmap in zip(ICONS, drawn, strict=True) if pixmap.isNull()]
    if blank:
        raise SelfTestError("these icons did not draw: " + ", ".join(blank))
    state.settings = QSettings(str(state.folder / "settings.ini"), QSettings.Format.IniFormat)
    window = state.window = MainWindow(settings=state.settings, sample_folder=state.folder)
    window.show()
    app.processEvents()
    if not window.isVisible():
        raise SelfTestError("the main window did not show")
    return f"Qt {qt_version} on the {app.platformName()} platform; main window shown"


def _display(state: _State) -> str:
    """Qt on the real screen, in a child process: a missing platform library aborts Qt."""
    platform = state.screen_platform
    if platform in ("offscreen", "minimal"):
        return f"QT_QPA_PLATFORM={platform}: no screen asked for, so none was checked"
    has_screen = os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    if sys.platform.startswith("linux") and not has_screen:
        return "no screen here (DISPLAY and WAYLAND_DISPLAY unset), so none was checked"
    env = {name: value for name, value in os.environ.items() if name != "QT_QPA_PLATFORM"}
    if platform:
        env["QT_QPA_PLATFORM"] = platform
    program = [sys.executable] if getattr(sys, "frozen", False) else [
        sys.executable, "-m", "desktop.app"]
    try:
        done = subprocess.run([*program, "--probe-display"], env=env, capture_output=True,
                              text=True, timeout=PROBE_SECONDS)
    except subprocess.TimeoutExpired:
        raise SelfTestError(
            f"Qt did not start on this screen within {PROBE_SECONDS:.0f} s"
        ) from None
    if done.returncode != 0:
        said = [line for line in done.stderr.splitlines() if line.strip()][-8:]
        raise SelfTestError("Qt cannot open windows on this screen (exit code "
                            f"{done.returncode}): " + " / ".join(said or ["no message"]))
    name = done.stdout.strip() or "the system's"
    return f"Qt opens windows on this screen ({name} platform)"


def probe_display() -> int:
    """``--probe-display``: start Qt on the screen, print the platform's name, exit 0."""
    from PySide6.QtGui import QGuiApplication

    app = QGuiApplication(sys.argv[:1])
    print(app.platformName(), flush=True)
    return 0


def _sample(state: _State) -> str:
    from PySide6.QtWidgets import QApplication

    from engine import api
    from engine.sample_project import ensure_sample_project

    state.project_path = ensure_sample_project(state.folder)
    window = state.window
    assert window is not None
    failures: list[str] = []

    def record(_error: object, message: str, _details: str) -> None:
        failures.append(message)

    # Errors go to this list, not to a modal dialog that nobody can close headless: both the
    # runner's signal and the window's own calls (open_project calls show_failure directly).
    window.runner.failed.disconnect(window.show_failure)
    window.runner.failed.connect(record)
    window.show_failure = record  # type: ignore[method-assign]
    if not window.open_project(state.project_path):
        reason = f": {failures[0]}" if failures else ""
        raise SelfTestError(f"the window could not open {state.project_path}{reason}")
    deadline = time.monotonic() + WINDOW_SECONDS
    while window.runner.running and not failures and time.monotonic() < deadline:
        QApplication.processEvents()
        time.sleep(0.01)  # the window's own jobs run on worker threads meanwhile
    if failures:
        raise SelfTestError("the window failed to open the sample: " + failures[0])
    if window.runner.running:
        raise SelfTestError(f"the window was still opening the sample after {WINDOW_SECONDS:.0f} s")
    window.close()  # it closes its own connection to the project; ours comes next
    state.project = api.open_project(state.project_path)
    source_id = state.project.list_sources()[0].id
    state.table = api.open_table(state.project, source_id)
    frame = state.table.frame
    return f"sample project made and opened: {len(frame):,} rows x {frame.shape[1]} columns"


def _problem(state: _State) -> str:
    from engine import api

    proposal = api.define_problem(state.table.frame, state.table.schema, TARGET)
    state.problem = proposal.problem
    state.project.save_problem(state.table.source_id, state.problem)
    return f"target {TARGET!r}: {state.problem.task} task, metric {state.problem.metric}"


def _train(state: _State) -> str:
    from desktop.train_process import TrainRequest, pack_frame, train_in_child
    from engine.jobs import CancelToken
    from engine.training.search import SearchSettings

    def progress(_fraction: float, _message: str) -> None:
        pass

    cancel = CancelToken()
    settings = SearchSettings(time_budget=None, max_trials=TRAIN_TRIALS)
    table = pack_frame(state.table.frame, progress, cancel)
    request = TrainRequest(
        str(state.project_path), state.table.source_id, table, state.table.schema,
        state.problem, settings,
    )
    run_id, board, ended_by, _notes = train_in_child(request, progress, cancel, lambda _: None)
    if run_id is None:
        raise SelfTestError(f"the training stored no run (it ended by {ended_by})")
    state.run_id = run_id
    best = board.best
    if best is None:
        raise SelfTestError("no candidate produced a score on the sample data")
    sign = 1.0 if board.greater_is_better else -1.0
    if board.baseline is not None and sign * best.cv_mean <= sign * board.baseline.cv_mean:
        raise SelfTestError("no model beat the baseline on the sample data")
    return (f"{len(board.entries)} candidates in a spawned process; best {best.family}, "
            f"{state.problem.metric} {best.cv_mean:.3f} (run {run_id})")


def _evaluate(state: _State) -> str:
    from engine import api

    path = api.evaluation_report(state.project, state.run_id, state.folder / "report.html")
    size = path.stat().st_size
    if b"data:image/png;base64" not in path.read_bytes():
        raise SelfTestError(f"the evaluation report {path.name} holds no plot")
    return f"evaluation report with plots written ({size / 1024:.0f} KB)"


def _export(state: _State) -> str:
    from engine import api

    result = api.export_model(state.project, state.run_id, state.folder / "model", name="churn")
    state.model_path = result.files.model
    return f"{state.model_path.name} written; {result.files.parity}"


def _models(state: _State) -> str:
    from engine.export.build import export_pipeline
    from engine.export.from_run import run_facts
    from engine.problem.task_detection import target_labels
    from engine.recipe.inputs import model_inputs, to_model_frame
    from engine.training.candidate import CandidateSpec, FitContext, build_pipeline
    from engine.training.catalog import default_params, families_for
    from engine.training.train import category_counts

    problem, frame = state.problem, state.table.frame
    inputs = tuple(model_inputs(state.table.schema, problem.features))
    x_all = to_model_frame(frame.iloc[: FAMILY_FIT_ROWS + FAMILY_CHECK_ROWS], inputs)
    y_all = target_labels(frame[problem.target].iloc[: len(x_all)], problem.task)
    x_fit, y_fit = x_all.iloc[:FAMILY_FIT_ROWS], y_all[:FAMILY_FIT_ROWS]
    x_check = x_all.iloc[FAMILY_FIT_ROWS:].reset_index(drop=True)
    context = FitContext(
        task=problem.task, inputs=inputs, metrics=(problem.metric,),
        classes=tuple(problem.classes), positive_class=problem.positive_class,
        cardinality=category_counts(x_fit, inputs),
    )
    facts = run_facts(state.project, state.project.load_run(state.run_id),
                      state.table.schema, "family check")
    families = families_for(problem.task)
    if getattr(sys, "frozen", False) and "lightgbm" not in {item.key for item in families}:
        raise SelfTestError("LightGBM is missing from this packaged app (it is always bundled)")
    for trial, item in enumerate(families, start=1):
        spec = CandidateSpec(trial, item.key, default_params(item, problem.task))
        pipeline = build_pipeline(spec, context).fit(x_fit, y_fit)
        try:
            export_pipeline(pipeline, inputs, facts, train_rows=x_fit, check_rows=x_check)
        except Exception as error:
            raise SelfTestError(f"{item.label} does not export here: {error}") from error
    return (f"{len(families)} families fit and pass the parity gate: "
            + ", ".join(item.key for item in families))


def _score(state: _State) -> str:
    from engine import api
    from engine.sources.base import FileSource

    data = FileSource(path=str(api.sample_data_dir() / SAMPLE_FILES[1]))
    summary = api.score_file(state.model_path, data, state.folder / "scores.csv")
    return f"{summary.rows:,} rows of next quarter scored with onnxruntime"


def _drift(state: _State) -> str:
    from engine import api
    from engine.monitor.report import SEVERITY, STABLE
    from engine.sources.base import FileSource

    def check(name: str, html: Path | None = None) -> Any:
        data = FileSource(path=str(api.sample_data_dir() / name))
        history = state.folder / "churn.drift-history.json"
        return api.check_drift(state.model_path, data, history_path=history, html_path=html)

    same = check(SAMPLE_FILES[1]).report
    shifted = check(SAMPLE_FILES[2], state.folder / "drift.html").report
    if same.level != STABLE:
        raise SelfTestError(f"next quarter should be stable but came out {same.level_words}: "
                            f"{same.headline}")
    if SEVERITY[shifted.level] <= SEVERITY[STABLE]:
        raise SelfTestError(f"the shifted quarter should show drift but came out "
                            f"{shifted.level_words}")
    return (f"next quarter {same.level_words}; shifted quarter {shifted.level_words} "
            f"({len(shifted.flagged_columns())} columns flagged)")


STEPS: tuple[tuple[str, Callable[[_State], str]], ...] = (
    ("files", _files),
    ("window", _window),
    ("display", _display),
    ("sample", _sample),
    ("problem", _problem),
    ("train", _train),
    ("evaluate", _evaluate),
    ("export", _export),
    ("models", _models),
    ("score", _score),
    ("drift", _drift),
)


# -- entry point ---------------------------------------------------------------------------


def main(keep: Path | None = None, out: TextIO | None = None) -> int:
    """Run the self-test, print a line per step; 0 if every step worked, 1 otherwise.

    ``keep``: an empty (or new) folder to work in and keep; else a temporary one, kept only
    on failure. Lines go to ``out`` (default stdout, when there is one) and to the log.
    """
    screen_platform = os.environ.get("QT_QPA_PLATFORM") or None
    os.environ["QT_QPA_PLATFORM"] = "offscreen"  # the steps never show a window
    out = out if out is not None else sys.stdout

    def say(line: str) -> None:
        log.info("Self-test: %s", line)
        if out is not None:
            print(line, file=out, flush=True)

    if keep is not None and keep.is_dir() and any(keep.iterdir()):
        say(f"Self-test not started: {keep} is not empty. Give a new or empty folder, so "
            "nothing of an earlier run is mixed in.")
        return 1
    folder = Path(keep or tempfile.mkdtemp(prefix="gristmill-self-test-"))
    folder.mkdir(parents=True, exist_ok=True)
    say(f"Gristmill self-test in {folder}")
    started = time.perf_counter()

    def report(result: StepResult) -> None:
        mark = "ok  " if result.ok else "FAIL"
        say(f"{mark} {result.name:<9} {result.seconds:6.1f} s  {result.detail}")

    with open(folder / "self-test-stacks.txt", "w", encoding="utf-8") as stacks:
        faulthandler.dump_traceback_later(LIMIT_SECONDS, exit=True, file=stacks)
        try:
            results = run_self_test(folder, report, screen_platform=screen_platform)
        finally:
            faulthandler.cancel_dump_traceback_later()
    (folder / "self-test-stacks.txt").unlink()
    total = time.perf_counter() - started
    if results and all(result.ok for result in results) and len(results) == len(STEPS):
        say(f"Self-test passed: {len(results)} steps in {total:.1f} s.")
        if keep is None:
            shutil.rmtree(folder, ignore_errors=True)
        return 0
    failed = results[-1].name if results else "(none)"
    say(f"Self-test FAILED at step {failed!r} after {total:.1f} s; "
        f"its files are kept in {folder}.")
    return 1
