"""The drift check's answer at a glance: a coloured level badge, the headline and what to do.

Below them: how the model does on the new rows when they have the target (the performance
sentence), the engine's notes (ignored columns, how the file was read) and where the check
was recorded. The same box shows what went wrong, in red, when a check could not run.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from desktop.theme import error_color, good_color
from desktop.widgets.fitting_text import breakable
from desktop.widgets.monitor_columns import AMBER, GREEN, GREY, RED
from engine.monitor.settings import MIN_ROWS

if TYPE_CHECKING:
    from engine.monitor.report import DriftReport

LEVEL_STYLES = {  # background, text
    "stable": (GREEN, "white"),
    "changed": (AMBER, "black"),
    "major": (RED, "white"),
    "too few rows": (GREY, "white"),
}
LEVEL_TIPS = {
    "stable": "Stable: the new data looks like the data the model learned from; its scores "
    "can be trusted as before.",
    "changed": "Changed: columns the model relies on, or its scores, moved by more than chance "
    "explains. Look at the flagged columns before relying on the scores.",
    "major": "Major: the data or the scores moved a lot. The model's answers may be wrong for "
    "these rows; find out why and retrain on recent data.",
    "too few rows": f"Not enough rows: with fewer than {MIN_ROWS} rows, chance alone moves the "
    "figures too much to judge. Check a bigger file.",
}
PERFORMANCE_TIP = (
    "The new file has the column the model predicts, so Gristmill measured how well the model "
    "does on it now, against the training figure. The 95% interval is the range the true "
    "value lies in, given how many rows there are (computed by resampling the rows)."
)
EMPTY_TEXT = (
    "Choose the model and a file of new rows, then press <b>Check for drift</b>. Gristmill "
    "compares the new rows with what the model learned from (the reference is inside the "
    "model file) and tells you whether its answers can still be trusted."
)


def together(level: str, worse: bool) -> tuple[str, str]:
    """The drift level and the performance told as one answer: (words, colour).

    A green "Performance" beside a red "Major" reads as two verdicts; the sentence says what
    both mean together: moved data and a model that still does as well means "watch", moved
    data and a worse model means "retrain".
    """
    if worse:
        return "The model does worse than at training: retrain it on recent data.", error_color()
    if level in ("changed", "major"):
        return ("The data moved, but the model still does as well as at training: keep "
                "using it and watch the next checks.", AMBER)
    return "The model does as well as at training.", good_color()


def _escape(text: str) -> str:
    """``text`` for a rich-text label, its long column names and paths able to wrap."""
    return html.escape(breakable(text))


def _label(text: str = "", *, rich: bool = True) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.RichText if rich else Qt.TextFormat.PlainText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class VerdictBox(QFrame):
    """The level badge beside the headline and the advice; performance and notes below."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.badge = QLabel()
        self.badge.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.badge.setMinimumWidth(150)
        self.badge.setMinimumHeight(56)
        self.headline = _label()
        self.advice = _label()
        self.performance = _label()
        self.performance.setToolTip(PERFORMANCE_TIP)
        self.notes = _label()
        self.stored = _label()
        self.stored.setOpenExternalLinks(True)
        words = QVBoxLayout()
        words.setContentsMargins(0, 0, 0, 0)
        words.addWidget(self.headline)
        words.addWidget(self.advice)
        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.badge, 0, Qt.AlignmentFlag.AlignTop)
        top.addLayout(words, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.performance)
        layout.addWidget(self.notes)
        layout.addWidget(self.stored)
        self.clear()

    @property
    def level_text(self) -> str:
        """The words on the badge ("" when none is shown)."""
        return self.badge.text()

    def clear(self, message: str = EMPTY_TEXT) -> None:
        """No verdict: ``message`` (rich text) says what to do."""
        self.badge.clear()
        self.badge.setVisible(False)
        self.headline.setStyleSheet("")
        self.headline.setText(message)
        for label in (self.advice, self.performance, self.notes, self.stored):
            label.clear()
            label.setVisible(False)

    def show_error(self, title: str, message: str) -> None:
        """What went wrong, in red (the previous verdict is gone: it no longer applies)."""
        self.clear("")
        self.headline.setStyleSheet(f"color: {error_color()};")
        self.headline.setText(f"<b>{_escape(title)}</b> {_escape(message)}")

    def show_report(
        self, report: DriftReport, stored_in: str | None, metric_explanation: str = ""
    ) -> None:
        """The verdict of ``report``; ``stored_in`` says where the check was recorded."""
        background, text = LEVEL_STYLES.get(report.level, (GREY, "white"))
        self.badge.setText(report.level_words)
        self.badge.setStyleSheet(
            f"background: {background}; color: {text}; border-radius: 8px; "
            "font-size: 20px; font-weight: bold; padding: 8px 16px;"
        )
        self.badge.setToolTip(LEVEL_TIPS.get(report.level, ""))
        self.badge.setVisible(True)
        self.headline.setStyleSheet("")
        self.headline.setText(
            f'<span style="font-size: 14px"><b>{_escape(report.headline)}</b></span>'
            f"<br>{report.rows:,} rows of {_escape(report.source)} checked against "
            f"{_escape(report.model)}."
        )
        self.advice.setText(f"<b>What to do:</b> {_escape(report.advice)}")
        self.advice.setVisible(bool(report.advice))
        perf = report.performance
        if perf is not None:
            word, colour = together(report.level, perf.worse)
            self.performance.setText(
                f'<b style="color:{colour}">{word}</b> {_escape(perf.sentence)}.'
            )
        self.performance.setToolTip(
            PERFORMANCE_TIP + (f"\n\n{metric_explanation}" if metric_explanation else ""))
        self.performance.setVisible(perf is not None)
        notes = [*report.notes]
        self.notes.setText("".join(f"<i>{_escape(n)}</i><br>" for n in notes).removesuffix(
            "<br>"))
        self.notes.setToolTip("\n".join(report.read_notes))
        self.notes.setVisible(bool(notes))
        if stored_in:
            self.stored.setText(
                f"<small>This check is recorded in {_escape(stored_in)}, so later checks "
                "show the trend.</small>"
            )
        else:
            self.stored.setText("<small>This check was not recorded.</small>")
        self.stored.setVisible(True)
