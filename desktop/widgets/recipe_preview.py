"""The recipe preview: the features a recipe makes from the first rows, or why it cannot.

Shows how many features reach the model and their names, and the first rows of the
transformed table in the virtual grid (:class:`~desktop.widgets.table_model.DataFrameModel`).
A recipe the engine refuses is explained in words instead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from desktop.theme import error_style
from desktop.widgets.table_model import DataFrameModel, data_grid

if TYPE_CHECKING:
    from desktop.widgets.recipe_jobs import Preview



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
        self.model = DataFrameModel(parent=self)
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
        self.model.set_frame(result.head)
        self.grid.resizeColumnsToContents()

    @property
    def names(self) -> list[str]:
        """The feature names of the preview on screen."""
        frame = self.model.frame
        return [] if frame is None else [str(name) for name in frame.columns]
