"""Model and data files dropped on (or chosen for) a panel: what a panel accepts.

Deploy (scoring) and Monitor (drift checks) both take an ``.onnx`` model and a data file by
drag and drop; :class:`ModelAndDataDrops` gives a panel the two Qt event handlers and leaves
it only ``open_paths`` to write.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QDragEnterEvent, QDropEvent

DATA_SUFFIXES = {
    ".csv", ".tsv", ".txt", ".tab", ".xlsx", ".xlsm", ".parquet", ".pq", ".jsonl", ".ndjson",
    ".json",
}

DATA_FILTER = (
    "Tables (" + " ".join(f"*{suffix}" for suffix in sorted(DATA_SUFFIXES)) + ");;All files (*)"
)
MODEL_FILTER = "ONNX models (*.onnx);;All files (*)"


def model_or_data(path: str) -> bool:
    """True for an ONNX model or a data file the scoring and drift checks can read."""
    suffix = Path(path).suffix.lower()
    return bool(path) and (suffix == ".onnx" or suffix in DATA_SUFFIXES)


class ModelAndDataDrops:
    """Mixin (before ``QWidget`` in the bases) accepting dropped models and data files.

    The panel calls ``setAcceptDrops(True)`` and implements ``open_paths(paths) -> bool``.
    """

    def open_paths(self, paths: list[Path]) -> bool:  # pragma: no cover - the panel's own
        raise NotImplementedError

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt's name
        if any(model_or_data(url.toLocalFile()) for url in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 - Qt's name
        paths = [Path(url.toLocalFile()) for url in event.mimeData().urls() if url.isLocalFile()]
        if self.open_paths(paths):
            event.acceptProposedAction()
