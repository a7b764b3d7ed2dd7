"""Write a file so that it appears whole or not at all, and serialise writers with a lock.

The content goes to a temporary file with a unique name beside the target, created
exclusively (``O_EXCL``, and ``O_NOFOLLOW`` where the system has it: ``tempfile.mkstemp``),
so a link planted at a guessable name cannot redirect the write and two writers never share
a temporary file. The temporary file then replaces the target in one rename (a link at the
target is replaced, never followed). Whatever goes wrong, no temporary file is left and an
earlier file stays as it was. Callers turn the ``OSError`` into words of their own.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path


def _umask() -> int:
    # mkstemp creates 0600 files; give the result the mode a plain open() would have.
    current = os.umask(0o022)
    os.umask(current)
    return current


_FILE_MODE = 0o666 & ~_umask()


def write_bytes_atomically(path: Path, data: bytes, *, durable: bool = False) -> None:
    """Replace ``path`` with ``data`` in one step (see the module docstring).

    ``durable``: flush the bytes to the disk before the rename, for files whose loss would
    cost the user work (a history), not only a rerun (a report).
    """
    path = Path(path)
    handle, temporary = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.", suffix=".partial"
    )
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            if durable:
                stream.flush()
                os.fsync(stream.fileno())
        if os.name == "posix":
            os.chmod(temporary, _FILE_MODE)
        os.replace(temporary, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)


def write_text_atomically(
    path: Path, text: str, *, newline: str | None = None, durable: bool = False
) -> None:
    """Replace ``path`` with ``text`` (UTF-8) in one step; ``newline`` as for :func:`open`."""
    if newline is None:
        text = text.replace("\n", os.linesep)
    elif newline not in ("", "\n"):
        text = text.replace("\n", newline)
    write_bytes_atomically(path, text.encode("utf-8"), durable=durable)


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock for updating ``path`` while the block runs.

    For read-modify-write updates of one file by several processes (drift checks started by
    a scheduler at the same time): each waits for the previous one, so none is lost. The
    file itself cannot carry the lock (each update replaces it by a rename), so on POSIX the
    lock is ``flock`` on its folder (nothing is created); on Windows ``msvcrt.locking`` on an
    empty ``NAME.lock`` beside it, left in place (removing it would race with the next writer).
    """
    path = Path(path)
    if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
        import msvcrt

        descriptor = os.open(path.with_name(path.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o666)
        try:
            while True:
                try:
                    msvcrt.locking(descriptor, msvcrt.LK_LOCK, 1)  # itself retries for 10 s
                    break
                except OSError:
                    continue
            try:
                yield
            finally:
                os.lseek(descriptor, 0, os.SEEK_SET)
                msvcrt.locking(descriptor, msvcrt.LK_UNLCK, 1)
        finally:
            os.close(descriptor)
        return
    import fcntl

    descriptor = os.open(path.parent, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(descriptor, fcntl.LOCK_UN)
    finally:
        os.close(descriptor)
