"""Make every Qt import fail, to prove the engine runs where PySide6 is absent.

Used by tests/conftest.py (when GRISTMILL_BLOCK_QT=1) and by the child processes of
tests/test_codebase.py, which put tests/ on ``sys.path`` and call :func:`install`.
"""

from __future__ import annotations

import sys

QT_PACKAGES = frozenset({"PySide6", "shiboken6", "PyQt5", "PyQt6"})


class QtBlocker:
    """A meta-path finder that refuses every Qt package."""

    def find_spec(self, name: str, path: object = None, target: object = None) -> None:
        if name.split(".")[0] in QT_PACKAGES:
            raise ImportError(f"{name} is blocked: the engine must run without Qt")


def install() -> None:
    """Block Qt in this interpreter from now on."""
    sys.meta_path.insert(0, QtBlocker())
