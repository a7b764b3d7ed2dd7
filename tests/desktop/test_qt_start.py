"""A start that explains itself: when Qt cannot open a window, the terminal says why and how
to fix it, and the process exits with 2 (not Qt's silent abort, 134)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from desktop.qt_start import DEBIAN_PACKAGES, FEDORA_PACKAGES, explanation


def test_no_x11_screen_is_explained_in_the_terminal_with_exit_2(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.update(QT_QPA_PLATFORM="xcb", XDG_STATE_HOME=str(tmp_path), XDG_CONFIG_HOME=str(tmp_path),
               XDG_DATA_HOME=str(tmp_path))
    done = subprocess.run(
        [sys.executable, "-c", "from desktop.app import main; raise SystemExit(main([]))"],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )
    assert done.returncode == 2, done.stderr
    err = done.stderr
    assert "Gristmill could not open its window" in err
    assert "platform plugin" in err  # Qt's own reason, quoted
    assert "sudo apt-get install libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1" in err
    assert "sudo dnf install xcb-util-cursor" in err
    assert "xvfb-run gristmill-desktop" in err  # no DISPLAY at all: how to run headless


def test_the_readme_lists_every_package_the_message_names() -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    for package in (*DEBIAN_PACKAGES, *FEDORA_PACKAGES):
        assert package in readme, package


def test_the_explanation_quotes_qt_line_by_line() -> None:
    text = explanation(["first reason", "second\nthird"])
    assert "  first reason\n  second\n  third" in text
