"""Benchmark: launch to window shown, the packaged app against the source checkout.

Issue 7 asks for the time from launching the frozen app (``python3 packaging/build.py``'s
``build/dist/Gristmill/gristmill-desktop``) to its window shown, against the source checkout
(``.venv/bin/gristmill-desktop``, what the README's Quick start runs) in the same run.

Nothing inside the app is instrumented (the frozen app cannot take injected code): each
launch is watched from outside, on a real X server, by polling ``xwininfo`` until the main window
("no project - Gristmill") is mapped and viewable (IsViewable). The clock runs from just before
the process starts (interpreter or bootloader start and unpacking included); the app is then
terminated. Settings, logs and data go to a temporary ``XDG_*`` home. The two contenders are
interleaved, ``--repeat`` times each (default 5), after one untimed warm-up launch each (file
cache). Prints medians, min / max and the ratio frozen / source.

Run under a display; with Xvfb pass -noreset, or the server resets when the last window
closes and the next launch cannot connect:
  xvfb-run -a -s "-noreset -screen 0 1600x1000x24" python3 benchmarks/bench_frozen_start.py
      [--frozen build/dist/Gristmill/gristmill-desktop] [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
POLL_SECONDS = 0.005
TIMEOUT_SECONDS = 60.0
TITLE = "no project - Gristmill"  # the main window as it opens, before any project


def window_shown() -> bool:
    """True when a window titled exactly ``TITLE`` is mapped and viewable."""
    probe = subprocess.run(["xwininfo", "-name", TITLE], capture_output=True, text=True)
    return probe.returncode == 0 and "IsViewable" in probe.stdout


def launch(command: list[str], env: dict[str, str]) -> float:
    """Seconds from starting ``command`` to its window shown; the process is then ended."""
    if window_shown():
        raise SystemExit(f"a window named {TITLE!r} is already open on this display")
    # The app's messages go to a file, not a pipe: a pipe nobody reads while polling could
    # fill up and stall the app, which would look like a slow start.
    messages = tempfile.TemporaryFile(mode="w+", encoding="utf-8")  # noqa: SIM115 - closed below
    started = time.perf_counter()
    child = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=messages)
    try:
        while not window_shown():
            if child.poll() is not None:
                messages.seek(0)
                raise SystemExit(f"{command[0]} exited ({child.returncode}) before showing a "
                                 f"window:\n{messages.read()}")
            if time.perf_counter() - started > TIMEOUT_SECONDS:
                raise SystemExit(f"{command[0]}: no window after {TIMEOUT_SECONDS:.0f} s")
            time.sleep(POLL_SECONDS)
        return time.perf_counter() - started
    finally:
        child.terminate()
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
        while window_shown():  # the next launch must start from an empty screen
            time.sleep(POLL_SECONDS)
        messages.close()


def child_env(home: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["QT_QPA_PLATFORM"] = "xcb"
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        env[name] = str(home / name.lower())
    return env


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--frozen", type=Path,
                        default=ROOT / "build" / "dist" / "Gristmill" / "gristmill-desktop")
    parser.add_argument("--source", type=Path, default=ROOT / ".venv" / "bin" / "gristmill-desktop")
    args = parser.parse_args()
    if not os.environ.get("DISPLAY") or shutil.which("xwininfo") is None:
        sys.exit("needs an X display and xwininfo: run under xvfb-run -a -s -noreset "
                 "(apt-get install xvfb x11-utils)")
    contenders = {"source": [str(args.source)], "frozen": [str(args.frozen)]}
    for name, command in contenders.items():
        if not Path(command[0]).exists():
            sys.exit(f"{name}: {command[0]} not found (build it with packaging/build.py, or "
                     f"make the venv with the README's Quick start)")
    home = Path(tempfile.mkdtemp(prefix="gristmill_frozen_bench_"))
    env = child_env(home)
    print(f"[{time.strftime('%H:%M:%S')}] load {os.getloadavg()[0]:.2f}, {os.cpu_count()} cores, "
          f"{args.repeat} runs each, interleaved, after one warm-up each", flush=True)
    for command in contenders.values():
        launch(command, env)  # warm the file cache; not timed
    times: dict[str, list[float]] = {name: [] for name in contenders}
    for _round in range(args.repeat):
        for name, command in contenders.items():
            times[name].append(launch(command, env))
    print(f"\n{'contender':<10}{'median':>9}{'min':>9}{'max':>9}   runs (s)")
    for name, values in times.items():
        print(f"{name:<10}{statistics.median(values):>8.3f}s{min(values):>8.3f}s"
              f"{max(values):>8.3f}s   " + " ".join(f"{value:.3f}" for value in values))
    frozen, source = (statistics.median(times[name]) for name in ("frozen", "source"))
    print(f"\nfrozen / source = {frozen / source:.2f} (launch to window shown, medians)")
    shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
