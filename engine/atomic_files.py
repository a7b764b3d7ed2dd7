"""Write a text file so that it appears whole or not at all.

The text goes to ``NAME.partial`` beside the target, which then replaces the target in one
rename; whatever goes wrong, no ``.partial`` file is left and an earlier file stays as it
was. Callers turn the ``OSError`` into words of their own.
"""

from __future__ import annotations

import os
from pathlib import Path


def write_text_atomically(
    path: Path, text: str, *, newline: str | None = None, durable: bool = False
) -> None:
    """Replace ``path`` with ``text`` (UTF-8) in one step.

    ``durable``: flush the text to the disk before the rename, for files whose loss would
    cost the user work (a history), not only a rerun (a report).
    """
    partial = path.with_name(path.name + ".partial")
    try:
        with open(partial, "w", encoding="utf-8", newline=newline) as handle:
            handle.write(text)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
