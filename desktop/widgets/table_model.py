"""A virtual table model over a pandas DataFrame: a million rows scroll smoothly.

Nothing is copied or formatted up front: ``rowCount`` is the frame's length and ``data``
formats only what the view asks for (the visible cells), a block of rows of one column at a
time, read from the column's own numpy/pyarrow-backed array and kept in a small cache: Qt
asks for several roles of every cell on every repaint, so each cell is formatted once, not
seven times. pandas is never imported here: the model only calls methods of the frame it is
given, so the window can open before pandas is loaded.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QAbstractItemView, QTableView

if TYPE_CHECKING:
    import pandas as pd

Index = QModelIndex | QPersistentModelIndex

MISSING_TEXT = "—"
"""How a missing value looks in the grid (greyed); an empty string would hide it."""

_MISSING_BRUSH = QBrush(QColor("#9a9a9a"))
_BLOCK_ROWS = 64  # rows formatted together: a screenful is one or two blocks per column
_CACHED_BLOCKS = 4096  # about 260,000 formatted cells, a few tens of MB at most

# Roles as plain ints: Qt passes ints, and comparing them with enum members is slow.
_DISPLAY = Qt.ItemDataRole.DisplayRole.value
_TOOLTIP = Qt.ItemDataRole.ToolTipRole.value
_ALIGNMENT = Qt.ItemDataRole.TextAlignmentRole.value
_FOREGROUND = Qt.ItemDataRole.ForegroundRole.value
_RIGHT = int((Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter).value)
_LEFT = int((Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter).value)
_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable


class DataFrameModel(QAbstractTableModel):
    """Read-only view of a DataFrame; cells are formatted on demand."""

    def __init__(self, frame: pd.DataFrame | None = None, parent: Any = None) -> None:
        super().__init__(parent)
        self._frame: pd.DataFrame | None = None
        self._columns: list[Any] = []  # per-column value sequences, fetched lazily
        self._alignment: list[int] = []
        self._rows = 0
        self._width = 0
        # (column, block) -> formatted texts of that block's rows, None where missing.
        self._blocks: dict[tuple[int, int], list[str | None]] = {}
        self.formatted_cells = 0
        """How many cells were formatted so far (lets tests check nothing eager happens)."""
        if frame is not None:
            self.set_frame(frame)

    @property
    def frame(self) -> pd.DataFrame | None:
        return self._frame

    def set_frame(self, frame: pd.DataFrame | None) -> None:
        """Show another frame (``None`` empties the grid)."""
        self.beginResetModel()
        self._frame = frame
        self._rows, self._width = (0, 0) if frame is None else frame.shape
        self._columns = [None] * self._width
        self._alignment = [] if frame is None else [
            _RIGHT if _is_numeric(dtype) else _LEFT for dtype in frame.dtypes
        ]
        self._blocks = {}
        self.endResetModel()

    # -- Qt model interface ----------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802 - Qt API
        return 0 if parent.isValid() else self._rows

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802 - Qt API
        return 0 if parent.isValid() else self._width

    def data(self, index: Index, role: int = _DISPLAY) -> Any:
        row = index.row()
        if row < 0:  # an invalid index
            return None
        role = int(role)
        if role in (_DISPLAY, _TOOLTIP):
            text = self._text(row, index.column())
            return MISSING_TEXT if text is None else text
        if role == _ALIGNMENT:
            return self._alignment[index.column()]
        if role == _FOREGROUND and self._text(row, index.column()) is None:
            return _MISSING_BRUSH
        return None

    def headerData(  # noqa: N802 - Qt API
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if self._frame is None or role not in (
            Qt.ItemDataRole.DisplayRole,
            Qt.ItemDataRole.ToolTipRole,
        ):
            return None
        if orientation == Qt.Orientation.Horizontal:
            if section >= self._frame.shape[1]:
                return None
            name = str(self._frame.columns[section])
            if role == Qt.ItemDataRole.ToolTipRole:
                return f"{name} ({self._frame.dtypes.iloc[section]})"
            return name
        return f"{section + 1:,}"  # row numbers from 1, as in a spreadsheet

    def flags(self, index: Index) -> Qt.ItemFlag:
        return _FLAGS if index.isValid() else Qt.ItemFlag.NoItemFlags

    # -- internals -------------------------------------------------------------------------

    def _text(self, row: int, column: int) -> str | None:
        """The cell's text (None when missing), from the cache or its block formatted now."""
        key = (column, row // _BLOCK_ROWS)
        block = self._blocks.get(key)
        if block is None:
            if row < 0 or row >= self._rows or column < 0 or column >= self._width:
                return None
            block = self._format_block(*key)
        return block[row % _BLOCK_ROWS]

    def _format_block(self, column: int, number: int) -> list[str | None]:
        values = self._columns[column]
        if values is None:
            assert self._frame is not None
            # One fetch per column: ``iloc[:, i].array`` is the column's own storage, no copy.
            values = self._frame.iloc[:, column].array
            self._columns[column] = values
        start = number * _BLOCK_ROWS
        chunk = values[start:start + _BLOCK_ROWS]
        cells = chunk.tolist() if hasattr(chunk, "tolist") else list(chunk)
        block = [None if _is_missing(value) else format_value(value) for value in cells]
        self.formatted_cells += len(block)
        if len(self._blocks) >= _CACHED_BLOCKS:
            self._blocks.clear()  # a cheap bound; scrolling refills only what is on screen
        self._blocks[(column, number)] = block
        return block


GRID_ROW_PIXELS = 22


def data_grid(model: DataFrameModel) -> QTableView:
    """A read-only table view of ``model`` with rows of one fixed default height."""
    grid = QTableView()
    grid.setModel(model)
    grid.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    grid.verticalHeader().setDefaultSectionSize(GRID_ROW_PIXELS)
    return grid


def format_value(value: Any) -> str:
    """One cell as text: numbers without float noise, dates in ISO, missing as a dash."""
    if _is_missing(value):
        return MISSING_TEXT
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return f"{value:.0f}"
        return f"{value:.6g}" if abs(value) >= 1e-4 else f"{value:.4g}"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime):
        if value.hour == value.minute == value.second == value.microsecond == 0:
            return value.strftime("%Y-%m-%d")
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return format_value(value.item())
    return str(value)


def _is_missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    # pandas.NA, NaT and numpy NaN scalars, without importing pandas.
    kind = type(value).__name__
    if kind in {"NAType", "NaTType"}:
        return True
    if kind.startswith("float"):
        return bool(value != value)
    return False


def _is_numeric(dtype: Any) -> bool:
    kind = getattr(dtype, "kind", "")
    return kind in {"i", "u", "f"}
