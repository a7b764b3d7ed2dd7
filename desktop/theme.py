"""Colours that stay readable on the system's light or dark palette.

Qt follows the system's colour scheme (light or dark) through the application palette; the
few colours the window sets itself (errors in red, warnings in amber) are picked here, at the
moment they are used, for the palette in force: a dark red that reads well on white is too
dark on a dark grey window, so dark palettes get a lighter shade. Every pair keeps at least
the 4.5:1 contrast of WCAG AA against the window's background (tests/desktop/test_theme.py).
"""

from __future__ import annotations

from PySide6.QtGui import QColor, QGuiApplication, QPalette

# (on a light palette, on a dark palette)
ERROR = ("#b3261e", "#ff8a80")
WARNING = ("#8a4b00", "#ffb74d")
GOOD = ("#1b5e20", "#81c784")


def is_dark(palette: QPalette | None = None) -> bool:
    """True when the palette's window background is dark (the system's dark mode)."""
    palette = palette or QGuiApplication.palette()
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


def error_color(palette: QPalette | None = None) -> str:
    """The red for error messages, for the palette in force."""
    return ERROR[is_dark(palette)]


def warning_color(palette: QPalette | None = None) -> str:
    """The amber for warnings, for the palette in force."""
    return WARNING[is_dark(palette)]


def good_color(palette: QPalette | None = None) -> str:
    """The green for good news (a passed check), for the palette in force."""
    return GOOD[is_dark(palette)]


def error_style() -> str:
    """A style sheet making a label's text the error red."""
    return f"color: {error_color()};"


def contrast(first: QColor, second: QColor) -> float:
    """The WCAG contrast ratio of two colours (1 to 21)."""

    def luminance(color: QColor) -> float:
        def channel(value: float) -> float:
            return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

        return (0.2126 * channel(color.redF()) + 0.7152 * channel(color.greenF())
                + 0.0722 * channel(color.blueF()))

    high, low = sorted((luminance(first), luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)
