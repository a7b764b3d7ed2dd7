"""The data grid's model: a million rows, formatted only where the view looks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QTableView

from desktop.widgets.table_model import MISSING_TEXT, DataFrameModel, format_value

ROWS = 1_000_000


@pytest.fixture(scope="module")
def big_frame() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    amounts = rng.normal(100.0, 20.0, ROWS).round(2)
    amounts[::1000] = np.nan
    return pd.DataFrame(
        {
            "amount": amounts,
            "count": rng.integers(0, 50, ROWS),
            "city": pd.Series(rng.choice(["Lyon", "Oslo", "Porto"], ROWS), dtype="str"),
            "when": pd.date_range("2024-01-01", periods=ROWS, freq="min"),
            "flag": pd.array(rng.random(ROWS) < 0.5, dtype="boolean"),
        }
    )


def test_million_rows_answer_counts_and_cells_on_demand(big_frame: pd.DataFrame) -> None:
    model = DataFrameModel(big_frame)
    assert model.rowCount() == ROWS
    assert model.columnCount() == 5
    assert model.formatted_cells == 0  # nothing formatted up front
    last = model.index(ROWS - 1, 0)
    assert model.data(last) == format_value(big_frame["amount"].iloc[-1])
    assert model.data(model.index(1000, 0)) == MISSING_TEXT
    assert model.data(model.index(ROWS - 1, 2)) == big_frame["city"].iloc[-1]
    assert model.data(model.index(0, 3)) == "2024-01-01"
    assert model.data(model.index(1, 3)) == "2024-01-01 00:01:00"
    assert model.data(model.index(0, 4)) in {"true", "false"}
    # Cells are formatted a block of rows at a time: five blocks (rows 0 and 1 share one).
    assert model.formatted_cells == 5 * 64
    assert model.headerData(2, Qt.Orientation.Horizontal) == "city"
    assert model.headerData(ROWS - 1, Qt.Orientation.Vertical) == f"{ROWS:,}"
    assert model.rowCount(model.index(0, 0)) == 0  # a table, not a tree
    assert model.data(QModelIndex()) is None


def test_the_view_formats_only_the_visible_cells(qtbot, big_frame: pd.DataFrame) -> None:
    model = DataFrameModel(big_frame)
    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(model)
    view.verticalHeader().setDefaultSectionSize(22)
    view.resize(800, 500)
    view.show()
    qtbot.waitExposed(view)
    view.scrollToBottom()
    qtbot.waitUntil(lambda: view.rowAt(0) > ROWS - 100)
    view.grab()  # render once, synchronously
    # A screenful is a few hundred cells, repainted a few times: nowhere near 5 million.
    assert 0 < model.formatted_cells < 10_000


def test_numbers_are_right_aligned_and_missing_greyed(big_frame: pd.DataFrame) -> None:
    model = DataFrameModel(big_frame)
    align = model.data(model.index(0, 0), Qt.ItemDataRole.TextAlignmentRole)
    assert align & int(Qt.AlignmentFlag.AlignRight)
    text_align = model.data(model.index(0, 2), Qt.ItemDataRole.TextAlignmentRole)
    assert text_align & int(Qt.AlignmentFlag.AlignLeft)
    assert model.data(model.index(1000, 0), Qt.ItemDataRole.ForegroundRole) is not None
    assert model.data(model.index(1001, 0), Qt.ItemDataRole.ForegroundRole) is None


def test_set_frame_replaces_and_empties() -> None:
    model = DataFrameModel()
    assert model.rowCount() == 0 and model.columnCount() == 0
    model.set_frame(pd.DataFrame({"a": [1, 2, 3]}))
    assert model.rowCount() == 3
    model.set_frame(None)
    assert model.rowCount() == 0


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, MISSING_TEXT),
        (float("nan"), MISSING_TEXT),
        (pd.NA, MISSING_TEXT),
        (pd.NaT, MISSING_TEXT),
        (3.0, "3"),
        (0.1 + 0.2, "0.3"),
        (np.int64(12), "12"),
        (np.float64(2.5), "2.5"),
        (True, "true"),
        (np.bool_(False), "false"),
        (pd.Timestamp("2024-05-06"), "2024-05-06"),
        ("Oslo", "Oslo"),
    ],
)
def test_format_value(value: object, text: str) -> None:
    assert format_value(value) == text
