"""Text that fits its panel: labels never widen the window, whatever they are given to say.

A plain QLabel without word wrap asks for its whole text's width (a long heading or progress
message widened the window, to 1,843 px after a drift check); with word wrap it grows taller
as the panel narrows (and pushes what is below it down). :class:`ElidedLabel` keeps to one
line at any width, cuts the text with an ellipsis when it does not fit, and shows the whole
text in its tooltip whenever it is cut.

A word-wrapped label is only as narrow as its longest word, and a column name such as
``customer_lifetime_value_at_last_renewal`` is one word: :func:`breakable` lets such names
break after their underscores, dots, slashes and dashes.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QPainter, QPaintEvent, QResizeEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

MINIMUM_CHARACTERS = 8  # what it keeps visible however narrow the panel is
LONG_WORD = 16  # characters: shorter words are left whole
_BREAK_AFTER = "_./\\-"
ZERO_WIDTH_SPACE = "\u200b"


def breakable(text: str) -> str:
    """``text`` with invisible break points after ``_ . / \\ -`` inside long words (and every
    32 characters of a word with none), so a word-wrapped label can wrap a long column name
    or path instead of widening the window.

    Works on plain text and on rich text alike (call it before adding tags: it would put
    break points in long attribute values too, which is harmless but useless).
    """
    words = text.split(" ")
    for index, word in enumerate(words):
        if len(word) >= LONG_WORD:
            words[index] = _break_word(word)
    return " ".join(words)


def _break_word(word: str) -> str:
    out: list[str] = []
    run = 0  # characters since the last break point
    for char in word:
        out.append(char)
        run += 1
        if char in _BREAK_AFTER or run >= 2 * LONG_WORD:  # a long run of letters breaks too
            out.append(ZERO_WIDTH_SPACE)
            run = 0
    return "".join(out)


class ElidedLabel(QWidget):
    """Plain text on one line, elided (at the right, or where ``elide`` says) when it does
    not fit. The status bar's job words and the Monitor's progress line use it too."""

    def __init__(self, text: str = "", *, bold: bool = False,
                 elide: Qt.TextElideMode = Qt.TextElideMode.ElideRight,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._text = ""
        self._elide = elide
        self._tip = ""
        if bold:
            font = self.font()
            font.setBold(True)
            self.setFont(font)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.setText(text)

    def text(self) -> str:
        """The whole text (what is drawn may end in "…")."""
        return self._text

    def setText(self, text: str) -> None:  # noqa: N802 - QLabel's name, so it reads the same
        self._text = text
        self.updateGeometry()
        self._refresh_tip()
        self.update()

    def clear(self) -> None:
        """No text (as QLabel.clear)."""
        self.setText("")

    def setToolTip(self, tip: str) -> None:  # noqa: N802 - Qt's name
        """A tooltip of its own; the whole text is added to it while the text is cut."""
        self._tip = tip
        self._refresh_tip()

    @property
    def elided(self) -> bool:
        """True when the text does not fit the label's width and ends in "…"."""
        return self.fontMetrics().horizontalAdvance(self._text) > self.width()

    def shown_text(self) -> str:
        """The text as drawn at the label's width."""
        return self.fontMetrics().elidedText(self._text, self._elide, self.width())

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        metrics = self.fontMetrics()
        return QSize(metrics.horizontalAdvance(self._text) + 2, metrics.height())

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        metrics = self.fontMetrics()
        return QSize(metrics.averageCharWidth() * MINIMUM_CHARACTERS, metrics.height())

    def paintEvent(self, _event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        painter = QPainter(self)
        painter.setPen(self.palette().color(self.foregroundRole()))
        painter.drawText(self.rect(), int(Qt.AlignmentFlag.AlignLeft
                                          | Qt.AlignmentFlag.AlignVCenter), self.shown_text())
        painter.end()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._refresh_tip()

    def _refresh_tip(self) -> None:
        parts = [self._tip] if self._tip else []
        if self._text and self.elided:
            parts.insert(0, self._text)
        super().setToolTip("\n\n".join(parts))
