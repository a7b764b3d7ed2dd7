"""A virtual table model over a pandas DataFrame: a million rows scroll smoothly.

Nothing is copied or formatted up front: ``rowCount`` is the frame's length and ``data``
formats only the cell the view asks for (the visible ones), reading it from a per-column
numpy/pyarrow-backed array fetched once. pandas is never imported here: the model only calls
methods of the frame it is given, so the window can open before pandas is loaded.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

if TYPE_CHECKING:
    import pandas as pd

Index = QModelIndex | QPersistentModelIndex

MISSING_TEXT = "—"
"""How a missing value looks in the grid (greyed); an empty string would hide it."""

_MISSING_BRUSH = QBrush(QColor("#9a9a9a"))


class DataFrameModel(QAbstractTableModel):
    """Read-only view of a DataFrame; cells are formatted on demand."""

    def __init__(self, frame: pd.DataFrame | None = None, parent: Any = None) -> None:
        super().__init__(parent)
        self._frame: pd.DataFrame | None = None
        self._columns: list[Any] = []  # per-column value sequences, fetched lazily
        self._numeric: list[bool] = []
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
        width = 0 if frame is None else frame.shape[1]
        self._columns = [None] * width
        self._numeric = [] if frame is None else [_is_numeric(dtype) for dtype in frame.dtypes]
        self.endResetModel()

    # -- Qt model interface ----------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802 - Qt API
        if parent.isValid() or self._frame is None:
            return 0
        return len(self._frame)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802 - Qt API
        if parent.isValid() or self._frame is None:
            return 0
        return self._frame.shape[1]

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or self._frame is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole or role == Qt.ItemDataRole.ToolTipRole:
            self.formatted_cells += 1
            return format_value(self._value(index.row(), index.column()))
        if role == Qt.ItemDataRole.TextAlignmentRole:
            horizontal = (
                Qt.AlignmentFlag.AlignRight
                if self._numeric[index.column()]
                else Qt.AlignmentFlag.AlignLeft
            )
            return int(horizontal | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole and _is_missing(
            self._value(index.row(), index.column())
        ):
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
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    # -- internals -------------------------------------------------------------------------

    def _value(self, row: int, column: int) -> Any:
        values = self._columns[column]
        if values is None:
            assert self._frame is not None
            # One fetch per column: ``iloc[:, i].array`` is the column's own storage, no copy.
            values = self._frame.iloc[:, column].array
            self._columns[column] = values
        return values[row]


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
