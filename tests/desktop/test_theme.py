"""The window's own colours stay readable on light and dark palettes; icons render sharp."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QColor, QPalette

from desktop.icons import ICON_FOLDER, icon
from desktop.theme import contrast, error_color, good_color, is_dark, warning_color


def _palette(window: str, text: str) -> QPalette:
    palette = QPalette()
    palette.setColor(QPalette.ColorRole.Window, QColor(window))
    palette.setColor(QPalette.ColorRole.Base, QColor(window))
    palette.setColor(QPalette.ColorRole.WindowText, QColor(text))
    return palette


LIGHT = _palette("#f3f3f3", "#1a1a1a")
DARK = _palette("#2b2b2b", "#eeeeee")


@pytest.mark.parametrize("palette", [LIGHT, DARK], ids=["light", "dark"])
def test_our_colours_keep_aa_contrast(palette: QPalette) -> None:
    background = palette.color(QPalette.ColorRole.Window)
    for pick in (error_color, warning_color, good_color):
        assert contrast(QColor(pick(palette)), background) >= 4.5, pick.__name__


def test_dark_palettes_are_recognised() -> None:
    assert is_dark(DARK) and not is_dark(LIGHT)
    assert error_color(DARK) != error_color(LIGHT)


def test_the_window_follows_a_dark_palette(qtbot, qapp, tmp_path) -> None:
    from PySide6.QtCore import QSettings

    from desktop.main_window import MainWindow

    previous = qapp.palette()
    qapp.setPalette(DARK)
    try:
        settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
        window = MainWindow(settings=settings, sample_folder=tmp_path, log_dir=tmp_path)
        qtbot.addWidget(window)
        # No widget forces a light background: the navigation takes the palette's colours.
        assert window.nav.palette().color(QPalette.ColorRole.Base) == QColor("#2b2b2b")
        window.steps.train._say("Training did not run.", error=True)
        assert window.steps.train.message.styleSheet() == f"color: {error_color(DARK)};"
    finally:
        qapp.setPalette(previous)


@pytest.mark.parametrize("name", ["gristmill", "done", "todo", "stale", "waiting"])
def test_icons_are_svg_and_render_at_high_dpi(qapp, name: str) -> None:
    assert (ICON_FOLDER / f"{name}.svg").is_file()
    from PySide6.QtCore import QSize

    picture = icon(name).pixmap(QSize(32, 32), 2.0)  # a 200% screen
    assert picture.width() == 64 and not picture.toImage().isNull()
    # Drawn, not blank: the centre pixel is not transparent.
    assert picture.toImage().pixelColor(32, 32).alpha() > 0


def test_a_missing_icon_is_empty_not_a_crash(qapp) -> None:
    assert icon("no-such-icon").isNull()
