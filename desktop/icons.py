"""The window's icons: SVG files in ``resources/icons``, sharp at any screen density.

Qt renders an SVG icon at the size and device-pixel ratio it is drawn at, so one file serves
a 100% laptop screen and a 200% high-DPI one. A missing file gives an empty icon (and a log
line) rather than a crash: icons are decoration.
"""

from __future__ import annotations

import logging
from functools import cache
from pathlib import Path

from PySide6.QtGui import QIcon

ICON_FOLDER = Path(__file__).resolve().parent.parent / "resources" / "icons"

log = logging.getLogger(__name__)


@cache
def icon(name: str) -> QIcon:
    """The icon ``resources/icons/<name>.svg`` (an empty icon if it is missing)."""
    path = ICON_FOLDER / f"{name}.svg"
    if not path.is_file():
        log.warning("Icon %s is missing", path)
        return QIcon()
    return QIcon(str(path))
