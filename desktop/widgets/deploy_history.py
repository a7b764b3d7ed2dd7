"""The project's earlier exports, and how to find one's package on disk again.

The project keeps every export (its ONNX bytes, name, folder and parity result); the files
themselves may have been moved since, which the list says.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QWidget

if TYPE_CHECKING:
    from engine.export.metadata import ModelMetadata
    from engine.export.package import PackageFiles
    from engine.project.store_exports import ExportRecord

_RECORD = Qt.ItemDataRole.UserRole
EMPTY_TEXT = "No export yet."


def package_files(record: ExportRecord) -> PackageFiles | None:
    """Where ``record``'s four files are, or None when they are no longer all there."""
    from engine.export.package import SUFFIXES, PackageFiles, safe_name
    from engine.export.parity import ParityReport

    if not record.folder:
        return None
    folder, stem = Path(record.folder), safe_name(record.name)
    paths = {role: folder / f"{stem}{suffix}" for role, suffix in SUFFIXES.items()}
    if not all(path.is_file() for path in paths.values()):
        return None
    fields = {k: v for k, v in record.parity.items() if k != "passed"}
    try:
        parity = ParityReport(**fields).summary()
    except TypeError:  # a parity record from another version: say less rather than fail
        parity = "Parity passed." if record.parity.get("passed") else ""
    return PackageFiles(parity=parity, **paths)


def package_metadata(files: PackageFiles) -> ModelMetadata | None:
    """The metadata of a package on disk (its NAME.model.json), or None if unreadable."""
    import json

    from engine.errors import GristmillError
    from engine.export.metadata import ModelMetadata

    try:
        return ModelMetadata.from_dict(json.loads(files.metadata.read_text(encoding="utf-8")))
    except (OSError, ValueError, GristmillError):
        return None


def describe_record(record: ExportRecord) -> str:
    """One line: name, when, which run, and whether the gate passed."""
    when = record.created_at.astimezone().strftime("%Y-%m-%d %H:%M")
    gate = "parity passed" if record.parity.get("passed") else "parity not passed"
    return f"{record.name}  ·  {when}  ·  run {record.run_id}  ·  {gate}"


class ExportHistory(QListWidget):
    """One line per export of the project, newest first; activating one emits it."""

    export_chosen = Signal(object)  # ExportRecord

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setToolTip(
            "Every model exported from this project, newest first. Double-click one to show "
            "its files and code and to score with it."
        )
        self.itemActivated.connect(self._activated)
        self.set_exports([])

    def set_exports(self, records: list[ExportRecord]) -> None:
        """Show ``records`` (oldest first, as the project lists them) newest first."""
        self.clear()
        for record in reversed(records):
            item = QListWidgetItem(describe_record(record))
            item.setData(_RECORD, record)
            where = record.folder or "no folder recorded"
            item.setToolTip(f"Written to {where}")
            self.addItem(item)
        if not records:
            item = QListWidgetItem(EMPTY_TEXT)
            item.setFlags(Qt.ItemFlag.NoItemFlags)
            self.addItem(item)

    def records(self) -> list[ExportRecord]:
        """The records listed, newest first."""
        found = (self.item(i).data(_RECORD) for i in range(self.count()))
        return [record for record in found if record is not None]

    def _activated(self, item: QListWidgetItem) -> None:
        record = item.data(_RECORD)
        if record is not None:
            self.export_chosen.emit(record)
