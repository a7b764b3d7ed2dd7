"""Gristmill's engine: everything that is not the window.

Pure Python, no Qt (an import-linter contract in pyproject.toml enforces it). The desktop
and the command line call it through :mod:`engine.api`.
"""

__version__ = "0.1.0"
