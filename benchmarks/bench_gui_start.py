"""Benchmark: time from launching the window to the main window shown, against importing Qt.

Goal (issue 6): the window is shown in under 2 seconds on this machine, and the heavy
libraries are imported only when first needed (not at start).

Each measurement is a fresh child process (``QT_QPA_PLATFORM=offscreen`` unless set
otherwise; QSettings, logs and data folders under a temporary ``XDG_*`` home so nothing of the
user's is read or written). The parent takes the time from just before starting the child to
the moment the child writes its "ready" line (one wall clock, interpreter start included):

- ``window``: the real entry point, ``desktop.app.main([])`` (what ``gristmill-desktop`` runs),
  with an application-wide event filter installed first that writes the line at the first
  Paint event of the ``MainWindow`` (the window drawn, not just ``show()`` called), lists the
  heavy modules already in ``sys.modules`` and quits. ``desktop/app.py`` has no "quit when
  shown" hook, so the child creates the ``QApplication`` before calling ``main``, which reuses
  it (same work, slightly different order);
- ``qt import`` (the baseline): ``import PySide6.QtWidgets`` alone, line written right after;
- ``bare window`` (for information): ``QApplication`` + an empty ``QMainWindow`` shown, line at
  its first paint: the floor for any Qt window on this machine.

The contenders are interleaved, ``--repeat`` times each (default 5); medians (and min / max)
are printed, with the ratio window / qt import. ``--importtime`` also runs the window once
with ``python -X importtime`` and prints the slowest imports (cumulative).

Run: .venv/bin/python benchmarks/bench_gui_start.py [--repeat 5] [--importtime]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
GOAL_SECONDS = 2.0
HEAVY = ("pandas", "numpy", "sklearn", "matplotlib", "onnx", "onnxruntime", "pyarrow",
         "sqlalchemy", "scipy", "lightgbm", "platformdirs", "engine.api")

_READY = """
import json, sys
def ready(extra=None):
    heavy = [m for m in HEAVY if m in sys.modules]
    sys.stdout.write("READY " + json.dumps({"heavy": heavy, **(extra or {})}) + "\\n")
    sys.stdout.flush()
"""

_FIRST_PAINT = """
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow

class FirstPaint(QObject):
    def __init__(self):
        super().__init__()
        self.done = False
    def eventFilter(self, obj, event):
        if not self.done and event.type() == QEvent.Type.Paint and isinstance(obj, QMainWindow):
            self.done = True
            ready({"window": type(obj).__name__})
            QTimer.singleShot(0, QApplication.instance().quit)
        return False

app = QApplication(sys.argv[:1])
first_paint = FirstPaint()
app.installEventFilter(first_paint)
"""

CHILDREN = {
    "qt import": _READY + "import PySide6.QtWidgets\nready()\n",
    "bare window": _READY + _FIRST_PAINT + (
        "window = QMainWindow()\nwindow.resize(1280, 800)\nwindow.show()\napp.exec()\n"
    ),
    "window": _READY + _FIRST_PAINT + "import desktop.app\ndesktop.app.main([])\n",
}


def child_env(home: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        env[name] = str(home / name.lower())
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def launch(name: str, env: dict[str, str], extra_flags: tuple[str, ...] = ()) -> tuple[float, dict]:
    """Seconds from launch to the child's READY line, and what the line said."""
    code = f"HEAVY = {HEAVY!r}\n" + CHILDREN[name]
    started = time.perf_counter()
    child = subprocess.Popen(
        [PYTHON, *extra_flags, "-c", code], cwd=ROOT, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    assert child.stdout is not None
    info: dict = {}
    elapsed = float("nan")
    for line in child.stdout:
        if line.startswith("READY "):
            elapsed = time.perf_counter() - started
            info = json.loads(line[6:])
            break
    try:
        _out, err = child.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        child.kill()
        _out, err = child.communicate()
    info["stderr"] = err
    if elapsed != elapsed:  # nan: the child never said READY
        raise SystemExit(f"{name}: the child did not report (exit {child.returncode}):\n{err}")
    return elapsed, info


def importtime(env: dict[str, str], top: int = 15) -> None:
    """The window once under ``-X importtime``: the slowest imports, cumulative."""
    _elapsed, info = launch("window", env, ("-X", "importtime"))
    rows = []
    for line in info["stderr"].splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        parts = [p.strip() for p in line[len("import time:"):].split("|")]
        if parts[1].isdigit():
            rows.append((int(parts[1]), parts[2]))
    print(f"\nSlowest imports up to the first paint (-X importtime, cumulative, top {top}):")
    for micro, module in sorted(rows, reverse=True)[:top]:
        print(f"  {micro / 1e6:6.3f} s  {module}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--importtime", action="store_true", help="also -X importtime once")
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="gristmill_start_bench_"))
    env = child_env(home)
    print(f"[{time.strftime('%H:%M:%S')}] load {os.getloadavg()[0]:.2f}, {os.cpu_count()} cores, "
          f"platform {env['QT_QPA_PLATFORM']}, {args.repeat} runs each, interleaved", flush=True)
    launch("window", env)  # warm the file cache (and make the settings folder) once, not timed
    times: dict[str, list[float]] = {name: [] for name in CHILDREN}
    heavy: dict[str, list[str]] = {}
    for _round in range(args.repeat):
        for name in CHILDREN:
            elapsed, info = launch(name, env)
            times[name].append(elapsed)
            heavy[name] = info.get("heavy", [])
    print()
    head = f"{'contender':<13}{'median':>9}{'min':>9}{'max':>9}   runs (s)"
    print(head)
    print("-" * (len(head) + 30))
    for name, values in times.items():
        print(f"{name:<13}{statistics.median(values):>8.3f}s{min(values):>8.3f}s"
              f"{max(values):>8.3f}s   " + " ".join(f"{v:.3f}" for v in values))
    window = statistics.median(times["window"])
    qt = statistics.median(times["qt import"])
    bare = statistics.median(times["bare window"])
    print(f"\nwindow / qt import = {window / qt:.2f}; window - bare window = {window - bare:.3f} s")
    verdict = "met" if window < GOAL_SECONDS else f"NOT met (+{window - GOAL_SECONDS:.2f} s)"
    print(f"Goal: window shown in under {GOAL_SECONDS:.0f} s: {verdict} (median {window:.3f} s)")
    print(f"Heavy modules imported when the window is first painted: "
          f"{', '.join(heavy['window']) or 'none'} (checked: {', '.join(HEAVY)})")
    if args.importtime:
        importtime(env)


if __name__ == "__main__":
    main()
