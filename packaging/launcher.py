"""The packaged app's entry point: one program, two executables.

PyInstaller builds ``gristmill-desktop`` (the window; windowed on Windows and macOS) and
``gristmill`` (the command line, with a console) from this one script and one set of
libraries; which one runs is told by the name it was started as.

``multiprocessing.freeze_support()`` must come first: training runs in *spawned* processes,
and in a frozen app a spawned child is this same executable started again with
``--multiprocessing-fork``; ``freeze_support`` turns such a start into the child's work
instead of a second window (PyInstaller's runtime hook makes it work on every platform).
"""

import multiprocessing
import os
import sys


def _program() -> str:
    """The name this program was started as: ``gristmill`` or ``gristmill-desktop``.

    ``argv[0]``, not ``sys.executable``: on Linux and macOS ``gristmill`` is a symlink to
    the desktop executable, and only ``argv[0]`` keeps the symlink's name.
    """
    return os.path.splitext(os.path.basename(sys.argv[0] or sys.executable))[0].lower()


def _streams_for_windowed_programs() -> None:
    """Give a windowed program (no console) streams it can write to.

    A windowed Windows or macOS program starts with ``sys.stdout`` and ``sys.stderr`` set to
    None. ``print`` tolerates that, but ``sys.stdout.write``, ``flush``, ``fileno`` and
    ``isatty``, which libraries call, raise. On Windows, when the program was started from a
    console (``gristmill-desktop.exe --self-test`` or ``--version`` in a terminal), it writes
    to that console; otherwise, as for a double-click, the output is discarded: what matters
    is in the log file.
    """
    if sys.stdout is not None and sys.stderr is not None:
        return
    target = os.devnull
    if sys.platform == "win32":
        import ctypes

        attach_parent_process = -1
        if ctypes.windll.kernel32.AttachConsole(attach_parent_process):  # type: ignore[attr-defined]
            target = "CONOUT$"
    for name in ("stdout", "stderr"):
        if getattr(sys, name) is None:
            setattr(sys, name, open(target, "w", encoding="utf-8"))  # noqa: SIM115


if __name__ == "__main__":
    _streams_for_windowed_programs()
    multiprocessing.freeze_support()
    if _program() == "gristmill":
        from engine.cli import main
    else:
        from desktop.app import main
    sys.exit(main())
