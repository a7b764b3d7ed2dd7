"""The errors the engine raises on purpose.

Every message is written for the person at the keyboard: it says what is wrong and what to
do. The CLI prints ``str(error)`` and exits with code 2 for :class:`InputError`; the window
shows it in a dialog. Anything else that escapes is a bug (exit code 3).
"""

from __future__ import annotations


class GristmillError(Exception):
    """Base class of every error the engine raises deliberately.

    ``message`` says what is wrong; ``hint`` (optional) says what to do about it.
    """

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        if self.hint:
            return f"{self.message} {self.hint}"
        return self.message


class InputError(GristmillError):
    """Bad input the user can fix: a wrong path, a malformed file, a bad option."""


class SourceError(InputError):
    """A file or a database that cannot be read as a table."""


class DatabaseError(SourceError):
    """A database that cannot be reached, refuses us, or lost the table we asked for."""


class UnsafeQueryError(InputError):
    """SQL that is not a single read-only SELECT."""


class ProjectError(GristmillError):
    """A project file that cannot be opened, migrated or written."""


class ModelFileError(InputError):
    """A model file that is not ONNX, is damaged, or does not match its own description."""


class ExportError(GristmillError):
    """An export refused, e.g. because the ONNX model does not predict what the model does."""
