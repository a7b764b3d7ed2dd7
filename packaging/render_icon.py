"""Render resources/icons/gristmill.svg to a PNG for the executables' icons.

PyInstaller turns a PNG into the .ico (Windows) and .icns (macOS) it embeds, through Pillow;
Linux desktops use the SVG itself. Qt draws the SVG, so no extra SVG library is needed.

Run: python packaging/render_icon.py OUT.png [--size 1024]
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SVG = ROOT / "resources" / "icons" / "gristmill.svg"


def render(svg: Path, out: Path, size: int) -> Path:
    """Draw ``svg`` into a transparent ``size`` x ``size`` PNG at ``out``."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    _app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"render_icon: {svg} is not a valid SVG file")
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    renderer.render(painter)
    painter.end()
    out.parent.mkdir(parents=True, exist_ok=True)
    if not image.save(str(out)):
        raise SystemExit(f"render_icon: cannot write {out}")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--size", type=int, default=1024)  # .icns wants 512@2x
    args = parser.parse_args()
    print(render(SVG, args.out, args.size))


if __name__ == "__main__":
    main()
