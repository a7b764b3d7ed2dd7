"""Problem: what to predict, what kind of task, how to validate, what to leave out.

Heavy modules are imported where needed; this package's ``__init__`` stays light.
"""
