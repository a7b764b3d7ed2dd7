"""The recipe preview: the features a recipe makes from the first rows, or why it cannot.

Shows how many features reach the model and their names, and the first rows of the
transformed table in the virtual grid (:class:`~desktop.widgets.table_model.DataFrameModel`).
A recipe the engine refuses is explained in words instead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from desktop.theme import error_style
from desktop.widgets.table_model import DataFrameModel, data_grid

if TYPE_CHECKING:
    from desktop.widgets.recipe_jobs import Preview


class FeatureModel(DataFrameModel):
    """The transformed rows, headed by each feature's name in words ("region = Central");
    the technical name (``region_Central``) is the header's tooltip."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent=parent)
        self.words: dict[str, str] = {}

    def headerData(  # noqa: N802 - Qt API
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        frame = self.frame
        if (orientation != Qt.Orientation.Horizontal or frame is None
                or not 0 <= section < frame.shape[1]):
            return super().headerData(section, orientation, role)
        name = str(frame.columns[section])
        if role == Qt.ItemDataRole.DisplayRole:
            return self.words.get(name, name)
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"The model knows this feature as {name}"
        return None


class RecipePreview(QWidget):
    """A summary line, an error line and the first transformed rows."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QLabel("<b>Preview</b> (the recipe applied to the first 500 rows)")
        self.title.setToolTip(
            "The recipe is fitted on the first 500 rows of the table, only to show what the "
            "model would receive; training fits it on the training rows."
        )
        self.summary = QLabel()  # one short line: a wrapped label is squeezed in a splitter
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet(error_style())
        self.model = FeatureModel(parent=self)
        self.grid = data_grid(self.model)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.summary)
        layout.addWidget(self.error)
        layout.addWidget(self.grid, 1)
        self.error.hide()

    def show_busy(self) -> None:
        """Say the preview is being computed (the previous one stays until then)."""
        self.summary.setText("Applying the recipe to the first rows…")

    def show_result(self, result: Preview) -> None:
        """Show the features and first rows, or the engine's message."""
        self.error.setVisible(bool(result.error))
        if result.error:
            self.error.setText(f"This recipe cannot be used yet: {result.error}")
            self.summary.setText("")
            self.model.set_frame(None)
            return
        names = list(result.names)
        rows = 0 if result.head is None else len(result.head)
        self.summary.setText(
            f"{len(names)} feature{'s' if len(names) != 1 else ''} reach the model "
            f"(fitted on {result.rows:,} rows; the first {rows} shown)."
        )
        self.summary.setToolTip("\n".join(names))
        self.model.words = dict(zip(names, result.words, strict=False))
        self.model.set_frame(result.head)
        self.grid.resizeColumnsToContents()

    @property
    def names(self) -> list[str]:
        """The feature names of the preview on screen."""
        frame = self.model.frame
        return [] if frame is None else [str(name) for name in frame.columns]
