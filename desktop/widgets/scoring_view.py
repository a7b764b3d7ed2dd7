"""Score a file: a model, a data file and an output file; the scores written in a task.

The scoring itself (:func:`engine.api.score_file`) runs through the TaskRunner with progress
and Cancel; its summary, or what went wrong, is shown below in plain words. A failed or
cancelled run leaves no output file (the engine guarantees it).
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.theme import error_color
from desktop.widgets.file_drops import DATA_FILTER, MODEL_FILTER
from desktop.widgets.file_fields import chooser_row, dialog_start
from desktop.widgets.scoring_summary import describe_summary
from desktop.widgets.table_model import DataFrameModel, data_grid

if TYPE_CHECKING:
    import pandas as pd

    from desktop.tasks import Task, TaskRunner
    from engine.export.scoring import ScoringSummary
    from engine.jobs import CancelToken, ProgressCallback

OUTPUT_FILTER = "CSV (*.csv);;Parquet (*.parquet)"
KEYS_TIP = (
    "Key columns are copied from the data into the output so each score can be matched to "
    "its row (e.g. a customer id). Leave empty to use the id columns the model was trained "
    "with, or a row number."
)
EMPTY_TEXT = "Choose a model, a data file and where to write the scores, then press Score."
PREVIEW_ROWS = 20  # rows of the written scores file shown after scoring


class ScoringView(QWidget):
    """The scoring form, its Score and Cancel buttons, progress and the summary."""

    def __init__(self, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self._task: Task | None = None
        self.last_summary: ScoringSummary | None = None
        self.model_edit = QLineEdit()
        self.model_edit.setPlaceholderText("An .onnx model file")
        self.model_edit.setToolTip("The model to score with: the one just exported, or any .onnx.")
        self.data_edit = QLineEdit()
        self.data_edit.setPlaceholderText("CSV, Excel, Parquet or JSON lines")
        self.data_edit.setToolTip("The file of new rows to score; it needs the model's columns.")
        self.output_edit = QLineEdit()
        self.output_edit.setPlaceholderText("A .csv or .parquet file")
        self.output_edit.setToolTip(
            "The file to write: the key columns, the prediction, the probabilities and the "
            "decision at the model's threshold, one row per input row."
        )
        self.keys_edit = QLineEdit()
        self.keys_edit.setPlaceholderText("Optional, e.g. customer_id")
        self.keys_edit.setToolTip(KEYS_TIP)
        model_row, self.model_button = chooser_row(
            self.model_edit, "Choose an ONNX model file.", self.ask_model)
        data_row, self.data_button = chooser_row(
            self.data_edit, "Choose the file of rows to score.", self.ask_data)
        output_row, self.output_button = chooser_row(
            self.output_edit, "Choose where to write the scores.", self.ask_output)
        form = QFormLayout()
        form.addRow("Model", model_row)
        form.addRow("Data", data_row)
        form.addRow("Scores to", output_row)
        keys_label = QLabel("Key columns")
        keys_label.setToolTip(KEYS_TIP)
        form.addRow(keys_label, self.keys_edit)

        self.score_button = QPushButton("Score")
        self.score_button.setToolTip("Score every row of the data file and write the output.")
        self.score_button.clicked.connect(self.score)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop scoring; no output file is written.")
        self.cancel_button.clicked.connect(self.cancel)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(False)
        buttons = QHBoxLayout()
        buttons.addWidget(self.score_button)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.progress, 1)
        self._spacer = QWidget()  # keeps the buttons compact while the bar is hidden
        buttons.addWidget(self._spacer, 1)

        self.summary = QLabel(EMPTY_TEXT)
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.summary.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.open_button = QPushButton("Open output folder")
        self.open_button.setToolTip("Show the scores file in the file manager.")
        self.open_button.clicked.connect(self.open_output_folder)
        self.preview_label = QLabel()
        self.preview_label.setWordWrap(True)
        self.preview_model = DataFrameModel(parent=self)
        self.preview = data_grid(self.preview_model)
        self.preview.setToolTip("The first rows of the scores file, exactly as written: the "
                                "columns in the file's order.")
        open_row = QHBoxLayout()
        open_row.addWidget(self.preview_label, 1)
        open_row.addWidget(self.open_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.summary)
        layout.addLayout(open_row)
        layout.addWidget(self.preview, 1)
        self._set_busy(False)
        self._show_preview(None, None)

    # -- the fields ------------------------------------------------------------------------

    def set_model_file(self, path: Path | str) -> None:
        self.model_edit.setText(str(path))

    def set_data_file(self, path: Path | str) -> None:
        """Use ``path`` as the data; the output defaults to NAME-scores.csv beside it."""
        path = Path(path)
        self.data_edit.setText(str(path))
        if not self.output_edit.text().strip():
            self.output_edit.setText(str(path.with_name(f"{path.stem}-scores.csv")))

    def set_output_file(self, path: Path | str) -> None:
        self.output_edit.setText(str(path))

    def ask_model(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Choose a model", dialog_start(self.model_edit), MODEL_FILTER)
        if path:
            self.set_model_file(path)

    def ask_data(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Choose the data to score", dialog_start(self.data_edit), DATA_FILTER)
        if path:
            self.set_data_file(path)

    def ask_output(self) -> None:
        path, chosen = QFileDialog.getSaveFileName(
            self, "Write the scores to", dialog_start(self.output_edit), OUTPUT_FILTER)
        if path:
            if Path(path).suffix.lower() not in (".csv", ".parquet"):
                path += ".parquet" if chosen.startswith("Parquet") else ".csv"
            self.set_output_file(path)

    # -- scoring ---------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._task is not None

    def score(self) -> Task | None:
        """Score with what the fields say (the Score button); None if something is missing."""
        fields = [
            (self.model_edit, "Choose a model file first."),
            (self.data_edit, "Choose the data file to score."),
            (self.output_edit, "Choose where to write the scores (a .csv or .parquet file)."),
        ]
        for edit, missing in fields:
            if not edit.text().strip():
                self._show_problem(missing)
                return None
        keys = [k.strip() for k in self.keys_edit.text().split(",") if k.strip()]
        return self.start(
            Path(self.model_edit.text().strip()).expanduser(),
            Path(self.data_edit.text().strip()).expanduser(),
            Path(self.output_edit.text().strip()).expanduser(),
            keys or None,
        )

    def start(
        self, model: Path, data: Path, output: Path, key_columns: list[str] | None = None
    ) -> Task:
        """Score ``data`` with ``model`` into ``output`` in a task."""
        self.last_summary = None
        self._set_busy(True)
        self.summary.setText(f"Scoring {html.escape(data.name)}…")
        self._show_preview(None, None)

        def finished(result: tuple[ScoringSummary, pd.DataFrame | None]) -> None:
            if self._task is task:
                self._task = None
                self._set_busy(False)
                summary, first_rows = result
                self.last_summary = summary
                self.summary.setText(describe_summary(summary))
                self._show_preview(Path(summary.output), first_rows)

        def failed(error: BaseException | None) -> None:
            if self._task is task:
                self._task = None
                self._set_busy(False)
                self._show_problem(str(error) if error else "Scoring failed.")

        def cancelled() -> None:
            if self._task is task:
                self._task = None
                self._set_busy(False)
                self.summary.setText("Scoring cancelled; no output file was written.")

        task = self._runner.run(
            f"Scoring {data.name}",
            lambda progress, cancel: score_and_preview_job(model, data, output, key_columns,
                                                           progress, cancel),
            finished,
            on_failed=failed,
            shows_errors=True,
            on_cancelled=cancelled,
        )
        task.signals.progress.connect(self._show_progress)
        self._task = task
        return task

    def _show_preview(self, output: Path | None, first_rows: pd.DataFrame | None) -> None:
        self.open_button.setVisible(output is not None)
        self.preview_model.set_frame(first_rows)
        self.preview.setVisible(first_rows is not None)
        if output is None:
            self.preview_label.clear()
        elif first_rows is None:
            self.preview_label.setText(f"The scores are in {html.escape(output.name)}.")
        else:
            self.preview_label.setText(
                f"<b>The first {len(first_rows):,} rows of {html.escape(output.name)}</b>, "
                "as written:")
            self.preview.resizeColumnsToContents()

    def cancel(self) -> None:
        """Stop the running scoring (the Cancel button)."""
        if self._task is not None:
            self._task.cancel()
            self.summary.setText("Cancelling…")
            self.cancel_button.setEnabled(False)

    def open_output_folder(self) -> None:
        """Open the folder of the last output in the file manager."""
        if self.last_summary is not None:
            folder = Path(self.last_summary.output).parent
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))

    def _show_progress(self, fraction: float, message: str) -> None:
        if self._task is not None and not self._task.cancel_token.cancelled:
            self.progress.setValue(round(min(max(fraction, 0.0), 1.0) * 1000))
            if message:
                self.summary.setText(html.escape(message) + "…")

    def _show_problem(self, message: str) -> None:
        self.summary.setText(
            f'<b style="color:{error_color()}">Not scored.</b> '
            f'<span style="color:{error_color()}">{html.escape(message)}</span>'
        )

    def _set_busy(self, busy: bool) -> None:
        for widget in (
            self.model_edit, self.data_edit, self.output_edit, self.keys_edit,
            self.model_button, self.data_button, self.output_button, self.score_button,
        ):
            widget.setEnabled(not busy)
        self.cancel_button.setEnabled(busy)
        self.cancel_button.setVisible(busy)
        self.progress.setVisible(busy)
        self._spacer.setVisible(not busy)
        self.progress.setValue(0)


# -- engine job (runs on a worker thread; no Qt below this line) ----------------------------


def score_job(
    model: Path,
    data: Path,
    output: Path,
    key_columns: list[str] | None,
    progress: ProgressCallback,
    cancel: CancelToken,
) -> ScoringSummary:
    """Score ``data`` with ``model`` into ``output`` (CSV or Parquet by suffix)."""
    from engine import api

    return api.score_file(
        model, api.source_for(str(data)), output, key_columns=key_columns,
        progress=progress, cancel=cancel,
    )


def score_and_preview_job(
    model: Path,
    data: Path,
    output: Path,
    key_columns: list[str] | None,
    progress: ProgressCallback,
    cancel: CancelToken,
) -> tuple[ScoringSummary, pd.DataFrame | None]:
    """Score, then read back the first rows of the file written (None if unreadable)."""
    summary = score_job(model, data, output, key_columns, progress, cancel)
    return summary, first_rows(Path(summary.output))


def first_rows(path: Path, rows: int = PREVIEW_ROWS) -> pd.DataFrame | None:
    """The first ``rows`` rows of a scores file (CSV or Parquet) as written: whatever its
    columns, in the file's order, the cells as text (None when it cannot be read)."""
    import pandas as pd

    try:
        if path.suffix.lower() in (".parquet", ".pq"):
            import pyarrow.parquet as pq

            batch = next(pq.ParquetFile(path).iter_batches(batch_size=rows), None)
            return batch.to_pandas() if batch is not None else None
        return pd.read_csv(path, nrows=rows, dtype=str, keep_default_na=False)
    except (OSError, ValueError, ImportError):
        return None
