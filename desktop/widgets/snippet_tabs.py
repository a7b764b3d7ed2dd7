"""The model card's scoring code, one tab per language, each with a Copy button.

The code comes from :mod:`engine.export.card_snippets` and the exported model's metadata, so
it uses the model's real input names and types, exactly as the model card does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

if TYPE_CHECKING:
    from engine.export.metadata import ModelMetadata

LANGUAGES = ("Python", "C#", "Java", "JavaScript")
_HINTS = {
    "Python": "Needs the onnxruntime and numpy packages (pip install onnxruntime numpy).",
    "C#": "Needs the Microsoft.ML.OnnxRuntime NuGet package.",
    "Java": "Needs the com.microsoft.onnxruntime:onnxruntime Maven package.",
    "JavaScript": "Node.js with the onnxruntime-node npm package; reads NAME.model.json.",
}
EMPTY_TEXT = "Export the model to see the code that scores it from another program."


class SnippetPage(QWidget):
    """One language: a read-only monospace view of the code and a Copy button."""

    def __init__(self, language: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.language = language
        self.view = QPlainTextEdit()
        self.view.setReadOnly(True)
        self.view.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.view.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.view.setPlaceholderText(EMPTY_TEXT)
        self.copy_button = QPushButton("Copy")
        self.copy_button.setToolTip(f"Copy the {language} code to the clipboard.")
        self.copy_button.clicked.connect(self.copy)
        hint = QLabel(_HINTS[language])
        hint.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(hint, 1)
        row.addWidget(self.copy_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(row)
        layout.addWidget(self.view, 1)
        self.set_code("")

    def set_code(self, code: str) -> None:
        """Show ``code`` (empty: the placeholder, and nothing to copy)."""
        self.view.setPlainText(code)
        self.copy_button.setEnabled(bool(code))

    @property
    def code(self) -> str:
        return self.view.toPlainText()

    def copy(self) -> None:
        """Put the code on the clipboard."""
        QGuiApplication.clipboard().setText(self.code)


class SnippetTabs(QTabWidget):
    """Python, C#, Java and JavaScript code scoring one row with the exported model."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.pages = {language: SnippetPage(language) for language in LANGUAGES}
        for language, page in self.pages.items():
            self.addTab(page, language)
        self.setToolTip(
            "Code another team can paste to score one row with this model; it uses the "
            "model's real column names and reads the threshold from the model itself."
        )

    def set_metadata(
        self, metadata: ModelMetadata | None, model_file: str = "", metadata_file: str = ""
    ) -> None:
        """Generate the code for ``metadata`` (None clears every tab)."""
        if metadata is None:
            for page in self.pages.values():
                page.set_code("")
            return
        from engine.export import card_snippets as snippets

        codes = {
            "Python": snippets.python_snippet(metadata, model_file),
            "C#": snippets.csharp_snippet(metadata, model_file),
            "Java": snippets.java_snippet(metadata, model_file),
            "JavaScript": snippets.javascript_snippet(metadata, model_file, metadata_file),
        }
        for language, code in codes.items():
            self.pages[language].set_code(code)

    def code(self, language: str) -> str:
        """The code shown for ``language`` ("Python", "C#", "Java" or "JavaScript")."""
        return self.pages[language].code
