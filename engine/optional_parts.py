"""How to get an optional part (a database driver, LightGBM): words that fit this install.

A Python install gets it with ``pip install "gristmill[EXTRA]"``. The packaged app (a
PyInstaller bundle, ``sys.frozen``) has no pip: telling its users to run one would be
advice they cannot follow, so they hear what the packaged app holds and what to do instead.
"""

from __future__ import annotations

import sys


def packaged_app() -> bool:
    """True in the packaged app (PyInstaller sets ``sys.frozen``)."""
    return bool(getattr(sys, "frozen", False))


def install_hint(extra: str, what: str) -> str:
    """One sentence on getting ``what`` (e.g. "the SQL Server driver") from extra ``extra``."""
    if packaged_app():
        return (
            f"The Gristmill app does not include {what}. Export the data to a file (CSV, "
            f"Excel or Parquet) and open that, or use Gristmill installed with Python, "
            f'where pip install "gristmill[{extra}]" adds it.'
        )
    return f'Install it with pip install "gristmill[{extra}]", then start Gristmill again.'
