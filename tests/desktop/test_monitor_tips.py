"""The Monitor tooltips quote the drift check's own minimum of rows, not a copy of it."""

from __future__ import annotations

from desktop.widgets.monitor_columns import STATUS_TIP
from desktop.widgets.monitor_verdict import LEVEL_TIPS
from engine.monitor.settings import MIN_ROWS, DriftSettings


def test_the_not_enough_rows_tips_say_the_engines_minimum() -> None:
    assert DriftSettings().min_rows == MIN_ROWS
    for tip in (LEVEL_TIPS["too few rows"], STATUS_TIP):
        assert f"fewer than {MIN_ROWS} " in tip
        assert "200" not in tip
