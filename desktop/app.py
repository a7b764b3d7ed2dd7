"""``gristmill-desktop``: start the window.

Order matters for a fast start: the command line is parsed and ``--version`` answered
before Qt is imported; pandas and the rest of the engine's heavy modules are imported only
when a project is opened. Logging goes to a rotating file in the user's log folder; every
uncaught exception, from any thread, ends up in one error dialog and the window carries on.
"""

from __future__ import annotations

import argparse
import logging
import logging.handlers
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

LOG_FILE = "gristmill.log"
LOG_BYTES = 1_000_000
LOG_BACKUPS = 5


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The window's command line: ``[--sample] [PROJECT] [--self-test] [--version]``."""
    from engine import __version__

    parser = argparse.ArgumentParser(
        prog="gristmill-desktop",
        description="Open Gristmill's window, optionally on a project.",
    )
    parser.add_argument("project", nargs="?", type=Path, help="a .gristmill project to open")
    parser.add_argument(
        "--sample", action="store_true", help="open the bundled sample project (made once)"
    )
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="check this installation without showing a window: make the sample project, "
        "train, evaluate, export, score and check drift; exit code 0 if everything worked",
    )
    parser.add_argument(
        "--self-test-keep",
        type=Path,
        metavar="FOLDER",
        help="with --self-test: work in FOLDER and keep its files (default: a temporary "
        "folder, kept only when a step fails)",
    )
    # For the self-test only: start Qt on the screen, print the platform, exit.
    parser.add_argument("--probe-display", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--version", action="version", version=f"Gristmill {__version__}")
    args = parser.parse_args(argv)
    if args.sample and args.project is not None:
        parser.error("give either a PROJECT or --sample, not both")
    if args.self_test and (args.sample or args.project is not None):
        parser.error("--self-test works on its own sample copy: give no PROJECT or --sample")
    if args.self_test_keep is not None and not args.self_test:
        parser.error("--self-test-keep goes with --self-test")
    return args


def log_folder() -> Path:
    """Where the log files go (platformdirs' user log folder for "Gristmill")."""
    import platformdirs

    return Path(platformdirs.user_log_dir("Gristmill", appauthor=False))


def setup_logging(folder: Path) -> Path | None:
    """Log to a rotating file in ``folder``; returns the folder, or None if it is not writable."""
    root = logging.getLogger()
    root.setLevel(logging.INFO)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = logging.handlers.RotatingFileHandler(
            folder / LOG_FILE, maxBytes=LOG_BYTES, backupCount=LOG_BACKUPS, encoding="utf-8"
        )
    except OSError as error:  # a read-only home must not stop the window from opening
        print(f"Gristmill: cannot write logs in {folder}: {error}", file=sys.stderr)
        return None
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s %(threadName)s %(name)s: %(message)s")
    )
    root.addHandler(handler)
    return folder


def route_qt_messages_to_log() -> Any:
    """Send Qt's own warnings to the log file instead of stderr.

    A windowed app has no stderr to read, and the self-test's report should hold its own
    lines only: Qt's messages (a plugin's "does not support propagateSizeHints()") are kept
    in the log, at a matching level, under the logger "qt". The one exception is Qt's fatal
    message (no window can open): its reason and the command that fixes it go to the
    terminal and the process exits with 2 (:mod:`desktop.qt_start`). Returns the handler it
    replaced.
    """
    from PySide6.QtCore import QtMsgType, qInstallMessageHandler

    from desktop.qt_start import StartGuard

    qt_log = logging.getLogger("qt")
    guard = StartGuard()
    levels = {
        QtMsgType.QtDebugMsg: logging.DEBUG,
        QtMsgType.QtInfoMsg: logging.INFO,
        QtMsgType.QtWarningMsg: logging.WARNING,
        QtMsgType.QtCriticalMsg: logging.ERROR,
        QtMsgType.QtFatalMsg: logging.CRITICAL,
    }

    def handler(kind: QtMsgType, _context: object, message: str) -> None:
        qt_log.log(levels.get(kind, logging.WARNING), "%s", message)
        if kind == QtMsgType.QtFatalMsg:  # Qt aborts next: say why in the terminal, exit 2
            guard.fatal(message)
        guard.note(message)

    return qInstallMessageHandler(handler)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the window until it closes; returns the process exit code."""
    args = parse_args(argv)
    log_dir = setup_logging(log_folder())
    log = logging.getLogger("desktop")
    from engine import __version__

    log.info("Gristmill %s starting", __version__)
    if args.probe_display:  # Qt's messages stay on stderr: the self-test reads them there
        from desktop.self_test import probe_display

        return probe_display()
    route_qt_messages_to_log()
    if args.self_test:
        from desktop.self_test import main as self_test

        return self_test(args.self_test_keep)

    from PySide6.QtWidgets import QApplication

    from desktop.dialogs.error_dialog import ErrorReporter
    from desktop.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setOrganizationName("Gristmill")
    app.setApplicationName("Gristmill")
    app.setApplicationVersion(__version__)
    # Wayland matches a window to its menu entry (icon, dock grouping) by this name: the
    # packaged app installs gristmill.desktop (packaging/linux/).
    app.setDesktopFileName("gristmill")
    from desktop.icons import icon

    app.setWindowIcon(icon("gristmill"))
    from desktop.gc_policy import collect_on_gui_thread

    collect_on_gui_thread(app)
    reporter = ErrorReporter(log_dir, app)
    reporter.install()

    window = MainWindow(log_dir=log_dir)
    if sys.platform == "darwin":  # only macOS sends files to open as events; the filter
        from desktop.file_open_events import FileOpenEvents  # sees every event, so not elsewhere

        app.installEventFilter(FileOpenEvents(window))
    window.show()
    if args.sample:
        window.open_sample()
    elif args.project is not None:
        window.open_project(args.project)
    else:
        from PySide6.QtCore import QTimer

        # After the window is on screen, so the question has something to sit on.
        QTimer.singleShot(0, window.start)  # the last project, or the sample offer
    code = app.exec()
    log.info("Gristmill closed (exit code %s)", code)
    return int(code)


if __name__ == "__main__":
    raise SystemExit(main())
