"""Checks every command applies to its options and paths before any work starts.

Option types for argparse (a bad value is a usage error: exit 2 with the reason) and the
rule that no command writes over one of its own inputs: an output path that is the same
file as an input (after resolving links, or a hard link to it) is refused.
"""

from __future__ import annotations

import argparse
import math
import os
from collections.abc import Mapping
from pathlib import Path

from engine.errors import InputError


def at_least_one(text: str) -> int:
    """A whole number from 1 up (trial counts, cores)."""
    value = _whole_number(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number from 1 up, got {text!r}")
    return value


def non_negative_int(text: str) -> int:
    """A whole number from 0 up (seeds)."""
    value = _whole_number(text)
    if value < 0 or value >= 2**32:
        raise argparse.ArgumentTypeError(f"expected a whole number from 0 to 2^32-1, got {text!r}")
    return value


def _whole_number(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None


def finite_number(text: str) -> float:
    """Any finite number (amounts, targets); ``nan`` and ``inf`` refused."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
    return value


def _identity(path: Path) -> tuple[str, tuple[int, int] | None]:
    try:
        status = path.stat()
        inode: tuple[int, int] | None = (status.st_dev, status.st_ino)
    except OSError:
        inode = None
    return os.path.realpath(path), inode


def same_file(first: str | os.PathLike[str], second: str | os.PathLike[str]) -> bool:
    """Whether two paths name the same file: after resolving links, or as hard links."""
    one, two = _identity(Path(first).expanduser()), _identity(Path(second).expanduser())
    return one[0] == two[0] or (one[1] is not None and one[1] == two[1])


def refuse_clobber(
    outputs: Mapping[str, str | os.PathLike[str] | None],
    inputs: Mapping[str, str | os.PathLike[str] | None],
) -> None:
    """Refuse when an output is the same file as an input, or as another output.

    Keys are the option names shown to the user (``"--report"``, ``"the model"``); a None
    value (an option not given, a database source) is skipped.
    """
    given_outputs = [(name, path) for name, path in outputs.items() if path is not None]
    given_inputs = [(name, path) for name, path in inputs.items() if path is not None]
    for number, (name, path) in enumerate(given_outputs):
        for other, source in [*given_inputs, *given_outputs[number + 1:]]:
            if same_file(path, source):
                raise InputError(
                    f"{name} {path} is the same file as {other}; writing it would destroy it.",
                    f"Give {name} another file name.",
                )


def file_location(location: str) -> str | None:
    """The path of a data location that is a file (None for a database URL)."""
    return None if "://" in location else location
