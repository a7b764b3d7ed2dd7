"""The project file: one ``.gristmill`` SQLite file that records every step (DESIGN.md).

Import what you need from the modules (``engine.project.store.Project``,
``engine.project.fingerprint.fingerprint_frame``); this package imports nothing heavy so that
the window opens fast.
"""
