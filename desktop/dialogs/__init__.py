"""Dialogs: the error dialog (more arrive with later steps)."""
