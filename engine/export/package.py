"""The export package on disk: the model, its metadata, its golden rows and its card.

``NAME.onnx``, ``NAME.model.json``, ``NAME.golden.csv``, ``NAME.card.md``, the reference
readers and (when the training source can still be read) ``NAME.golden_raw.csv`` are written
to exclusive temporary names first and moved into place only when all exist, so a failed
export never leaves a half package or replaces a previous good one with a broken one.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from engine.errors import InputError
from engine.export.build import ExportedModel
from engine.recipe.inputs import InputColumn

if TYPE_CHECKING:
    from engine.export.golden_raw import RawRows

SUFFIXES = {
    "model": ".onnx",
    "metadata": ".model.json",
    "golden": ".golden.csv",
    "card": ".card.md",
}
READER_SUFFIX = ".score.py"
"""The reference reader (:mod:`engine.export.reader_python`), written beside the four files."""
NODE_READER_SUFFIX = ".score.mjs"
"""The JavaScript reference reader (``engine/export/reader_node.mjs``, onnxruntime-node)."""
RAW_GOLDEN_SUFFIX = ".golden_raw.csv"
"""Held-out rows as the training source holds them (:mod:`engine.export.golden_raw`)."""


@dataclass(frozen=True)
class PackageFiles:
    """Where the package's files were written, and the parity gate's sentence."""

    model: Path
    metadata: Path
    golden: Path
    card: Path
    parity: str
    golden_raw: Path | None = None  # None: not written (``golden_raw_note`` says why)
    golden_raw_note: str | None = None

    @property
    def paths(self) -> tuple[Path, ...]:
        return (self.model, self.metadata, self.golden, self.card)

    @property
    def reader(self) -> Path:
        """The reference reader script (NAME.score.py) beside the model."""
        return self.model.with_name(self.model.name.removesuffix(".onnx") + READER_SUFFIX)


MAX_NAME = 100
"""The longest model name (file systems refuse names over 255 bytes; leave room for suffixes)."""


def safe_name(name: str) -> str:
    """A file name stem from a model name: letters, digits, ``-`` and ``_`` only."""
    stem = re.sub(r"[^\w\-]+", "_", name.strip(), flags=re.UNICODE).strip("_")
    if not stem:
        raise InputError(f"{name!r} cannot be used as a file name.", "Choose a name with letters.")
    if len(stem) > MAX_NAME:
        raise InputError(
            f"The model name is {len(stem)} characters long; the limit is {MAX_NAME}.",
            "Choose a shorter name.",
        )
    return stem


def refuse_foreign_files(folder: str | Path, stem: str) -> None:
    """Refuse to replace files named like the package that Gristmill did not write.

    A package is recognised by its ``NAME.model.json`` in Gristmill's format; without one,
    any existing ``NAME.onnx``, ``NAME.golden.csv`` or ``NAME.card.md`` is someone else's.
    """
    import json

    from engine.export.metadata import FORMAT

    suffixes = [*SUFFIXES.values(), READER_SUFFIX, NODE_READER_SUFFIX, RAW_GOLDEN_SUFFIX]
    final = [Path(folder) / f"{stem}{suffix}" for suffix in suffixes]
    present = [path for path in final if path.exists() or path.is_symlink()]
    if not present:
        return
    sidecar = Path(folder) / f"{stem}{SUFFIXES['metadata']}"
    try:
        ours = json.loads(sidecar.read_text(encoding="utf-8")).get("format") == FORMAT
    except (OSError, ValueError, AttributeError):
        ours = False
    if not ours or any(path.is_symlink() or not path.is_file() for path in present):
        names = ", ".join(path.name for path in present)
        raise InputError(
            f"{folder} already holds {names}, not written by a Gristmill export.",
            "Choose another --out folder or --name, or give --force to replace them.",
        )


def write_package(
    exported: ExportedModel,
    inputs: Sequence[InputColumn],
    folder: str | Path,
    name: str,
    *,
    force: bool = False,
    raw_golden: RawRows | str | None = None,
) -> PackageFiles:
    """Write the files of ``exported`` (model, sidecar, golden, card, readers) into ``folder``.

    ``raw_golden`` are the held-out records for ``NAME.golden_raw.csv`` (scored by the new
    model before anything is moved into place), or why there are none: then an earlier
    export's raw golden file is removed, since it belongs to another model.
    The folder is created if needed. Files of the same names that an earlier export wrote are
    replaced; others only with ``force`` (:func:`refuse_foreign_files`).
    """
    import tempfile

    from engine.export.card import model_card
    from engine.export.golden import write_golden_csv
    from engine.export.golden_raw import RawRows, write_raw_golden

    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise InputError(
            f"The folder {str(folder)!r} cannot be created ({error.strerror}).",
            "Choose a folder you can write to.",
        ) from None
    stem = safe_name(name)
    if not force:
        refuse_foreign_files(folder, stem)
    final = {role: folder / f"{stem}{suffix}" for role, suffix in SUFFIXES.items()}
    readers = {
        "reader": folder / f"{stem}{READER_SUFFIX}",
        "node_reader": folder / f"{stem}{NODE_READER_SUFFIX}",
    }
    raw_path = folder / f"{stem}{RAW_GOLDEN_SUFFIX}"
    raw = raw_golden if isinstance(raw_golden, RawRows) else None
    if raw is not None:
        readers["golden_raw"] = raw_path
    temporary: dict[str, Path] = {}
    parity = exported.parity.summary()
    try:
        for role, path in {**final, **readers}.items():
            # Unique names made exclusively (no link planted at a guessable name is followed).
            handle, made = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".partial")
            os.close(handle)
            temporary[role] = Path(made)
        temporary["model"].write_bytes(exported.model.SerializeToString())
        temporary["metadata"].write_text(exported.metadata.to_json() + "\n", encoding="utf-8")
        write_golden_csv(exported.golden, inputs, temporary["golden"])
        if raw is not None:  # scored by the new model, still under its temporary name
            write_raw_golden(raw, temporary["model"], temporary["golden_raw"])
        shown = {**final, **({"golden_raw": raw_path} if raw is not None else {})}
        card = model_card(
            exported.metadata, parity=parity, files={r: p.name for r, p in shown.items()}
        )
        temporary["card"].write_text(card, encoding="utf-8")
        from engine.export import reader_python

        # The reference readers: the reading rules in code, for teams without Gristmill.
        # By name beside the module: a frozen app ships them as data files (gristmill.spec).
        here = Path(reader_python.__file__)
        for role, source in (("reader", here.with_name("reader_python.py")),
                             ("node_reader", here.with_name("reader_node.mjs"))):
            temporary[role].write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
        for role, path in temporary.items():
            os.replace(path, {**final, **readers}[role])
        if raw is None and (raw_path.is_file() or raw_path.is_symlink()):
            raw_path.unlink()  # an earlier export's rows, for another model
    except OSError as error:
        raise InputError(
            f"The package could not be written to {str(folder)!r} ({error.strerror or error}).",
            "Check there is space and that you may write there, then export again.",
        ) from None
    finally:
        for path in temporary.values():
            path.unlink(missing_ok=True)
    note = raw_golden if isinstance(raw_golden, str) else None
    return PackageFiles(parity=parity, golden_raw=raw_path if raw is not None else None,
                        golden_raw_note=note, **final)
