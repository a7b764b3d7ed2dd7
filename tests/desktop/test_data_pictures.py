"""The Data step with pictures: a chart per column drawn on selection, warnings in full
sentences (the table's own too), a visible kind chooser, one word for a kind everywhere."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from PySide6.QtWidgets import QLabel, QSplitter

from desktop.panels.data_panel import DataPanel
from desktop.tasks import TaskRunner
from desktop.widgets.kind_words import KIND_WORDS
from desktop.widgets.profile_view import KIND_COLUMN
from engine import api

WAIT = 30_000  # ms; generous for a loaded 2-core machine, never slept


@pytest.fixture
def panel(qtbot, runner: TaskRunner, tmp_path: Path) -> DataPanel:
    """The Data panel on a small table: a number, a category, a 0/1 flag, 20 repeated rows."""
    frame = pd.DataFrame({
        "amount": [float(i % 37) for i in range(300)],
        "plan": ["basic", "plus", "premium", None, "basic", "basic"] * 50,
        "flag": [0, 1, 1] * 100,
    })
    frame = pd.concat([frame, frame.head(20)], ignore_index=True)
    path = tmp_path / "small.csv"
    frame.to_csv(path, index=False)
    project = api.create_project(tmp_path / "small.gristmill")
    panel = DataPanel(runner)
    qtbot.addWidget(panel)
    panel.resize(1100, 700)
    panel.show()
    panel.set_project(project)
    with qtbot.waitSignal(panel.table_opened, timeout=WAIT):
        panel.add_file(path)
    return panel


def _select(panel: DataPanel, name: str) -> None:
    profile = panel.profile_view.profile_model.profile
    row = [column.name for column in profile.columns].index(name)
    panel.profile_view.selectRow(row)


def test_selecting_a_column_draws_its_chart(panel: DataPanel) -> None:
    _select(panel, "amount")
    figure = panel.column_detail.chart.figure
    assert figure is not None and panel.column_detail.chart.column_name == "amount"
    assert len(figure.axes[0].patches) >= 5  # the histogram's bars
    _select(panel, "plan")
    figure = panel.column_detail.chart.figure
    labels = [tick.get_text() for tick in figure.axes[0].get_yticklabels()]
    assert "basic" in labels and "missing" in labels  # top categories and the missing share
    column = panel.profile_view.selected_column()
    share = column.missing / (column.count + column.missing)
    assert f"{share:.1%} missing" in figure.axes[0].get_title(loc="left")


def test_warnings_read_in_full_and_the_table_ones_are_shown(panel: DataPanel) -> None:
    profile = panel.profile_view.profile_model.profile
    table_messages = [w.message for w in profile.warnings]
    assert any("exact cop" in message for message in table_messages)  # 20 duplicate rows
    assert panel.table_warnings.isVisible()
    for message in table_messages:
        assert message.split(".")[0] in panel.table_warnings.text()
    _select(panel, "plan")
    column = panel.profile_view.selected_column()
    assert column.warnings, "the plan column misses a sixth of its values"
    shown = panel.column_detail.warnings
    assert shown.isVisible() and shown.wordWrap()
    for warning in column.warnings:
        assert warning.message.split(".")[0] in shown.text()


def test_a_visible_kind_chooser_changes_the_kind(qtbot, panel: DataPanel) -> None:
    _select(panel, "amount")
    combo = panel.column_detail.kind_combo
    assert combo.isVisible() and combo.currentText() == "number"
    with qtbot.waitSignal(panel.table_opened, timeout=WAIT):
        combo.setCurrentIndex(combo.findData("categorical"))
        combo.activated.emit(combo.currentIndex())
    project, source_id = panel._current[0], panel._current[1]
    assert project.load_schema(source_id)["amount"].kind.value == "categorical"


def test_a_number_treated_as_a_category_is_drawn_as_its_values(qtbot, panel: DataPanel) -> None:
    """The chart follows the kind: numbers chosen as a category (a 1-5 score) keep a histogram
    in their profile, but a category is drawn as bars of its values, in both views."""
    _select(panel, "amount")
    combo = panel.column_detail.kind_combo
    with qtbot.waitSignal(panel.table_opened, timeout=WAIT):
        combo.setCurrentIndex(combo.findData("categorical"))
        combo.activated.emit(combo.currentIndex())
    column = next(c for c in panel.profile_view.profile_model.profile.columns
                  if c.name == "amount")
    assert column.kind.value == "categorical" and column.histogram is not None
    _select(panel, "amount")
    labels = [t.get_text() for t in panel.column_detail.chart.figure.axes[0].get_yticklabels()]
    assert labels[:3] == [value for value, _count in column.top_values[:3]]
    assert any(label.startswith("other values") for label in labels)
    panel.tabs.tabBar().setCurrentIndex(panel.tabs.indexOf(panel.overview))
    qtbot.waitUntil(lambda: panel.overview.figure is not None, timeout=WAIT)
    names = list(panel.overview.columns)
    small = panel.overview.figure.axes[names.index("amount")]
    assert [t.get_text() for t in small.get_yticklabels()][:3] == labels[:3]


def test_a_zero_one_column_reads_the_same_in_data_and_problem(panel: DataPanel) -> None:
    profile = panel.profile_view.profile_model.profile
    row = [column.name for column in profile.columns].index("flag")
    kind = profile.columns[row].kind.value
    shown = panel.profile_view.profile_model.index(row, KIND_COLUMN).data()
    assert shown == KIND_WORDS[kind]  # the Problem step's column list uses KIND_WORDS too
    # and its values read yes/no, as the Problem step spells the classes, not True/False
    summary = panel.profile_view.profile_model.index(row, 4).data()
    assert "yes" in summary and "no" in summary
    assert not any(word in summary for word in ("True", "False", "0 ", "1 "))


def test_the_sources_pane_cannot_be_collapsed(panel: DataPanel) -> None:
    splitter = panel.findChild(QSplitter)
    assert not splitter.childrenCollapsible()
    assert any(label.text() == "<b>Data sources</b>" for label in panel.findChildren(QLabel))


def test_all_columns_tab_draws_one_small_chart_per_column(qtbot, panel: DataPanel) -> None:
    """One click ("All columns") shows every column's chart with its missing share."""
    profile = panel.profile_view.profile_model.profile
    names = [column.name for column in profile.columns]
    assert panel.overview.figure is None  # nothing drawn until asked for
    tab = panel.tabs.indexOf(panel.overview)
    assert panel.tabs.tabText(tab) == "All columns"
    panel.tabs.tabBar().setCurrentIndex(tab)  # the click
    qtbot.waitUntil(lambda: panel.overview.figure is not None, timeout=WAIT)
    charts = panel.overview.figure.axes
    assert len(charts) == len(names) == 3 and panel.overview.columns == tuple(names)
    titles = [chart.get_title(loc="left") for chart in charts]
    for name, title, column in zip(names, titles, profile.columns, strict=True):
        share = column.missing / (column.count + column.missing)
        assert title.startswith(name) and f"{share:.1%} missing" in title
    assert "16.6% missing" in titles[names.index("plan")]  # 53 empty cells in 320 rows
    assert len(charts[names.index("amount")].patches) >= 5  # a histogram's bars
