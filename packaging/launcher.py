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


if __name__ == "__main__":
    multiprocessing.freeze_support()
    if _program() == "gristmill":
        from engine.cli import main
    else:
        from desktop.app import main
    sys.exit(main())
