"""Gristmill's desktop window: the only package that imports PySide6.

It calls the engine through :mod:`engine.api` and runs every long engine call off the GUI
thread through :mod:`desktop.tasks`. Start it with ``gristmill-desktop`` or
``python -m desktop.app``.
"""
