"""When Qt cannot open a window: say why, and the exact command that fixes it, then exit 2.

Qt ends the process (abort, exit code 134) when no platform plugin starts, after logging its
reason; a windowed app's log is the last place a user looks. Qt calls the installed message
handler with that fatal message before aborting, so the handler prints Qt's reason and the
packages Qt 6 needs for X11 (Debian/Ubuntu and Fedora names) to the terminal and leaves with
exit code 2: a fault the user can fix, not a bug (COMMON exit-code contract).
"""

from __future__ import annotations

import logging
import os
import sys
from collections import deque
from typing import TextIO

EXIT_NO_WINDOW = 2

# What Qt 6's "xcb" platform plugin loads (Qt's "X11 requirements" page); a minimal
# Debian 12 lacks most of the xcb utility libraries.
DEBIAN_PACKAGES = (
    "libxcb-cursor0", "libxcb-icccm4", "libxcb-keysyms1", "libxcb-image0",
    "libxcb-render-util0", "libxcb-randr0", "libxcb-shape0", "libxcb-xfixes0",
    "libxcb-xinerama0", "libxcb-xkb1", "libxcb-sync1", "libxcb-shm0", "libxkbcommon-x11-0",
    "libxkbcommon0", "libx11-xcb1", "libegl1", "libgl1", "libfontconfig1", "libdbus-1-3",
)
FEDORA_PACKAGES = (
    "xcb-util-cursor", "xcb-util-wm", "xcb-util-keysyms", "xcb-util-image",
    "xcb-util-renderutil", "libxkbcommon-x11", "libxkbcommon", "libX11-xcb", "mesa-libEGL",
    "mesa-libGL", "fontconfig", "dbus-libs",
)
DEBIAN_COMMAND = "sudo apt-get install " + " ".join(DEBIAN_PACKAGES)
FEDORA_COMMAND = "sudo dnf install " + " ".join(FEDORA_PACKAGES)


def explanation(qt_messages: list[str]) -> str:
    """What the terminal shows when no window could open: Qt's reason and the fixes."""
    reason = "\n".join(f"  {line}" for message in qt_messages
                       for line in message.strip().splitlines() if line.strip())
    no_display = not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    lines = [
        "Gristmill could not open its window: Qt found no way to show it on this screen.",
        "",
        "What Qt said:",
        reason or "  (nothing)",
        "",
    ]
    if sys.platform.startswith("linux"):
        lines += [
            "On Linux, Qt 6 needs the X11 (xcb) libraries. Install them, then start again:",
            f"  Debian / Ubuntu:  {DEBIAN_COMMAND}",
            f"  Fedora / RHEL:    {FEDORA_COMMAND}",
            "",
        ]
    if no_display:
        lines += [
            "No screen was found (neither DISPLAY nor WAYLAND_DISPLAY is set). Start Gristmill "
            "from a desktop session, or on a server use `xvfb-run gristmill-desktop`; to check "
            "the installation without a window, run `gristmill-desktop --self-test`.",
            "",
        ]
    lines.append(f"Gristmill stops with exit code {EXIT_NO_WINDOW}.")
    return "\n".join(lines)


class StartGuard:
    """Keeps Qt's last messages; on Qt's fatal message explains it and exits 2."""

    def __init__(self, stream: TextIO | None = None, keep: int = 20) -> None:
        self.recent: deque[str] = deque(maxlen=keep)
        self._stream = stream

    def note(self, message: str) -> None:
        """Remember one of Qt's messages (its reason comes in the lines before the fatal)."""
        self.recent.append(message)

    def fatal(self, message: str) -> None:
        """Qt is about to abort: tell the user why and what to do, then leave with 2."""
        self.recent.append(message)
        stream = self._stream or sys.stderr
        text = explanation(list(self.recent))
        logging.getLogger("desktop").critical("%s", text)
        for handler in logging.getLogger().handlers:
            handler.flush()
        try:
            print(text, file=stream, flush=True)
        finally:
            os._exit(EXIT_NO_WINDOW)  # Qt aborts when the handler returns: leave before
