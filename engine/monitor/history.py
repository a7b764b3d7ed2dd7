"""The history of drift checks: kept in the project, or in a file beside the model.

Every check is stored as a :class:`~engine.monitor.history_entry.HistoryEntry` (the headline
and each column's figures) so the report can show trends. With a project, the check goes into
the project file (:meth:`~engine.project.store_drift.DriftMixin.save_drift_check`, with the
full report, so a past report can be reopened). Without one, it goes into a history file,
``NAME.drift-history.json`` beside ``NAME.onnx`` unless another path is given.

The history file is JSON: a header line, then one check per line, oldest first::

    {"format": "gristmill-drift-history", "version": 1, "entries": [
    {"checked_at": "2026-11-29T04:17:14+00:00", "model": "churn", ...},
    {"checked_at": "2026-12-31T04:02:55+00:00", "model": "churn", ...}
    ]}

It is rewritten whole on each check, under a temporary name then renamed over the old one,
so a crash or a full disk leaves the previous history as it was; earlier checks are written
back exactly as they were read. A damaged file, or one from a newer Gristmill, is refused
with a :class:`HistoryError` and never overwritten: the user decides what to do with it.
A file (or project) may hold the checks of several models; readers get those of one model
name, so a retrained model exported under the same name continues its history.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.atomic_files import locked, write_text_atomically
from engine.errors import InputError, ProjectError
from engine.monitor.history_entry import HistoryEntry
from engine.monitor.report import REPORT_FORMAT, DriftReport
from engine.project.store_drift import json_text

if TYPE_CHECKING:
    from engine.project.store import Project

HISTORY_FORMAT = "gristmill-drift-history"
HISTORY_VERSION = 1
"""The history file layout this app writes; it reads this version and older."""

HISTORY_SUFFIX = ".drift-history.json"


class HistoryError(InputError):
    """A drift history that cannot be read or added to (damaged, newer, unwritable)."""


def history_path_for(model_path: str | os.PathLike[str]) -> Path:
    """Where the history of a model file goes by default: ``NAME.drift-history.json``."""
    model = Path(model_path).expanduser()
    return model.with_name(model.stem + HISTORY_SUFFIX)


# -- the history file ----------------------------------------------------------------------


def read_history_file(path: str | os.PathLike[str]) -> list[HistoryEntry]:
    """The checks in a history file, oldest first ([] when there is no file yet)."""
    return [HistoryEntry.from_dict(raw) for raw in _read_raw(Path(path).expanduser())]


def append_history_file(path: str | os.PathLike[str], report: DriftReport) -> list[HistoryEntry]:
    """Add ``report``'s check to a history file; returns every check in it, oldest first.

    A damaged or newer file is refused before anything is written. The file is replaced
    atomically (a unique temporary file, then renamed), so it is never left half-written,
    and the read-add-write runs under a lock (:func:`~engine.atomic_files.locked`), so
    checks that finish at the same moment (several scheduled jobs) are all kept.
    """
    target = Path(path).expanduser()
    _read_raw(target)  # a damaged file is refused before the lock file is made beside it
    entry = HistoryEntry.from_report(report)
    _check_writable(target)
    try:
        lock = locked(target)
        lock.__enter__()
    except OSError as error:
        raise HistoryError(
            f"Cannot lock the drift history file {target}: {error.strerror or error}.",
            "Check that you may write in its folder, then check again.",
        ) from None
    try:
        raw = _read_raw(target)  # again, under the lock: another check may have added one
        _write_raw(target, [*raw, entry.to_dict()])
    finally:
        lock.__exit__(None, None, None)
    return [*(HistoryEntry.from_dict(item) for item in raw), entry]


def _read_raw(path: Path) -> list[dict[str, Any]]:
    """The entries of a history file as the JSON dicts they were written as, checked."""
    if not path.exists():
        return []
    if path.is_dir():
        raise HistoryError(
            f"The drift history {path} is a folder, not a file.",
            f"Give a file name for the history, for example churn{HISTORY_SUFFIX}.",
        )
    try:
        data = path.read_bytes()
    except OSError as error:
        raise HistoryError(
            f"Cannot read the drift history file {path}: {error.strerror or error}.",
            "Check that the file is there and that you may read it.",
        ) from None
    document = _parse(path, data)
    version = document.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise _damaged(path, "its version number is missing or unreadable")
    if version > HISTORY_VERSION:
        raise HistoryError(
            f"The drift history file {path} was written by a newer version of Gristmill "
            f"(history version {version}; this one reads version {HISTORY_VERSION} and older).",
            "Update Gristmill to read it and add checks to it, or give another history file.",
        )
    entries = document.get("entries")
    if not isinstance(entries, list):
        raise _damaged(path, "its list of checks is missing")
    for number, item in enumerate(entries, start=1):
        try:
            if not isinstance(item, dict):
                raise TypeError("not an object")
            HistoryEntry.from_dict(item)
        except (KeyError, TypeError, ValueError, AttributeError):
            raise _damaged(path, f"check number {number} in it is incomplete") from None
    return entries


def _parse(path: Path, data: bytes) -> dict[str, Any]:
    if not data.strip():
        raise _damaged(path, "it is empty")
    try:
        document = json.loads(data.decode("utf-8-sig"))  # a BOM from a text editor is fine
    except UnicodeDecodeError:
        raise _damaged(path, "it is not text") from None
    except json.JSONDecodeError as error:
        # A file cut short (a copy interrupted, a full disk) fails at its end, or inside a
        # text never closed; anything else is not JSON at all.
        cut_short = (error.pos >= len(error.doc.rstrip())
                     or error.msg.startswith("Unterminated string"))
        reason = "it ends too early, as if cut short" if cut_short else "it is not valid JSON"
        raise _damaged(path, reason) from None
    if isinstance(document, dict) and document.get("format") == REPORT_FORMAT:
        raise _damaged(path, "it is a drift report, not a history of checks")
    if not isinstance(document, dict) or document.get("format") != HISTORY_FORMAT:
        raise _damaged(path, "it is not a Gristmill drift history")
    return document


def _damaged(path: Path, reason: str) -> HistoryError:
    return HistoryError(
        f"The drift history file {path} is damaged and cannot be read: {reason}.",
        "Move the file aside (rename it or put it in another folder) to start a new history "
        "there, or give another history file. Gristmill never overwrites it.",
    )


def _check_writable(path: Path) -> None:
    """Refuse a history that could not be written, in words (before a long check runs)."""
    folder = path.parent
    if not folder.is_dir():
        raise HistoryError(
            f"Cannot keep the drift history at {path}: the folder {folder} does not exist.",
            "Create the folder first, or give another place for the history.",
        )
    if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise HistoryError(
            f"Cannot write the drift history file {path}: it or its folder is read-only.",
            "Give a history file in a folder you may write in.",
        )


def _write_raw(path: Path, entries: list[dict[str, Any]]) -> None:
    header = json.dumps({"format": HISTORY_FORMAT, "version": HISTORY_VERSION})
    # One check per line: earlier lines come back exactly as they were (same serializer).
    lines = [json_text(entry) for entry in entries]
    text = header[:-1] + ', "entries": [\n' + ",\n".join(lines) + "\n]}\n"
    try:
        # On disk before it replaces the old history: that one holds the user's past checks.
        write_text_atomically(path, text, newline="\n", durable=True)
    except OSError as error:
        full = "space" in str(error.strerror or "").lower()
        raise HistoryError(
            f"Could not write the drift history file {path}: {error.strerror or error}. "
            "The history holds the checks before this one.",
            "Free some space on the disk, then check again."
            if full
            else "Check that you may write in its folder, then check again.",
        ) from None


# -- the project or the file ---------------------------------------------------------------


def record_check(
    report: DriftReport,
    *,
    project: Project | None = None,
    history_path: str | os.PathLike[str] | None = None,
) -> tuple[list[HistoryEntry], str]:
    """Store a finished check in the history; returns its model's checks and where, in words.

    With ``project`` the check (and its full report) goes into the project file; otherwise
    into ``history_path``, by default the history file beside ``report.model_path``. The
    checks returned are those of the report's model name, oldest first, the new one last.
    """
    if project is not None:
        entry = HistoryEntry.from_report(report)
        project.save_drift_check(entry.to_dict(), report.to_dict())
        entries = _project_entries(project, report.model)
        return entries, f"the project {project.path.name}"
    path = _file_path(history_path, report.model_path)
    entries = append_history_file(path, report)
    return [e for e in entries if e.model == report.model], f"the history file {path}"


def load_history(
    *,
    model_name: str,
    model_path: str | os.PathLike[str],
    project: Project | None = None,
    history_path: str | os.PathLike[str] | None = None,
) -> list[HistoryEntry]:
    """The past checks of the model named ``model_name``, oldest first, from where
    :func:`record_check` keeps them (read only: nothing is written)."""
    if project is not None:
        return _project_entries(project, model_name)
    path = _file_path(history_path, model_path)
    return [e for e in read_history_file(path) if e.model == model_name]


def preflight_history(
    *,
    project: Project | None = None,
    history_path: str | os.PathLike[str] | None = None,
    model_path: str | os.PathLike[str],
) -> None:
    """Raise :class:`HistoryError` now if the check could not be recorded after it ran.

    Refuses a damaged or newer history file, a missing or read-only folder, and a read-only
    project file, so a long check does not end in "could not record it".
    """
    if project is not None:
        if not os.access(project.path, os.W_OK):
            raise HistoryError(
                f"Cannot record the check in the project {project.path.name}: the file is "
                "read-only.",
                "Use Save As to keep a copy you can change, or check without the project.",
            )
        _project_entries(project, None)
        return
    path = _file_path(history_path, model_path)
    _read_raw(path)
    _check_writable(path)


def _file_path(
    history_path: str | os.PathLike[str] | None, model_path: str | os.PathLike[str]
) -> Path:
    if history_path is not None:
        return Path(history_path).expanduser()
    return history_path_for(model_path)


def _project_entries(project: Project, model: str | None) -> list[HistoryEntry]:
    entries = []
    for row in project.list_drift_checks(model):
        try:
            entries.append(HistoryEntry.from_dict(row.entry))
        except (KeyError, TypeError, ValueError, AttributeError):
            raise ProjectError(
                f"The drift check {row.id} stored in {project.path.name} is damaged.",
                "Open a backup copy of the project.",
            ) from None
    return entries


# -- trends ---------------------------------------------------------------------------------


def trend(
    entries: Sequence[HistoryEntry], column: str | None = None
) -> list[tuple[str, str, float | None]]:
    """``(checked_at, level, psi)`` per check, for the headline or for one column.

    For the headline (``column`` None): the check's level and the PSI of the model's scores.
    For a column: its distribution status and PSI; checks that did not have the column (an
    older model) are left out.
    """
    points: list[tuple[str, str, float | None]] = []
    for entry in entries:
        if column is None:
            points.append((entry.checked_at, entry.level, _number(entry.score_psi)))
            continue
        figures = entry.columns.get(column)
        if figures is not None:
            points.append(
                (entry.checked_at, str(figures.get("status", "")), _number(figures.get("psi")))
            )
    return points


def _number(value: Any) -> float | None:
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None
