"""The Prepare panel on the sample churn data, in a real project file."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

from desktop.panels.context import ActiveTable
from desktop.panels.prepare_panel import PreparePanel, setting_key
from desktop.tasks import TaskRunner
from desktop.widgets import recipe_step_dialog
from desktop.widgets.recipe_step_dialog import RecipeStepDialog
from engine import api
from engine.recipe.compile import compile_recipe
from engine.recipe.defaults import default_recipe
from engine.recipe.inputs import model_inputs, to_model_frame
from engine.recipe.spec import STEP_KINDS, Recipe
from engine.training.catalog import FAMILIES, families_for

WAIT = 30_000  # ms; generous for a loaded 2-core machine, never slept
LOG_INCOME = {"kind": "log1p", "columns": ["monthly income"], "params": {}}


@pytest.fixture(scope="module")
def churn() -> tuple:
    """churn.csv as loaded, its column kinds and the problem "predict churned" (made once)."""
    source = api.source_for(str(api.sample_data_dir() / "churn.csv"))
    loaded = api.load_table(source)
    schema = api.infer_schema(loaded.frame)
    problem = api.define_problem(loaded.frame, schema, "churned").problem
    return source, loaded, schema, problem


@pytest.fixture
def table(tmp_path: Path, churn: tuple) -> ActiveTable:
    source, loaded, schema, _problem = churn
    project = api.create_project(tmp_path / "churn.gristmill")
    source_id = api.add_table(project, "Customer churn", source, loaded, schema=schema)
    return ActiveTable(project, source_id, "Customer churn", loaded.frame, schema)


@pytest.fixture
def problem(churn: tuple):
    return churn[3]


def new_panel(qtbot, runner: TaskRunner) -> PreparePanel:
    panel = PreparePanel(runner)
    qtbot.addWidget(panel)
    panel.resize(1300, 800)
    panel.show()
    return panel


@pytest.fixture
def panel(qtbot, runner: TaskRunner) -> PreparePanel:
    return new_panel(qtbot, runner)


def settled(qtbot, panel: PreparePanel) -> None:
    """Wait until the panel's jobs ended (context, preview, save)."""
    qtbot.waitUntil(lambda: not panel.busy, timeout=WAIT)


def ready(qtbot, panel: PreparePanel, table: ActiveTable, problem) -> None:
    panel.set_table(table)
    panel.set_problem(problem)
    settled(qtbot, panel)
    assert panel.family_combo.count() > 0, panel.message.text()


def test_it_waits_for_a_problem_then_shows_the_default_recipe_and_its_preview(
    qtbot, panel: PreparePanel, table: ActiveTable, problem
) -> None:
    assert panel.status == "waiting" and "Data step" in panel.message.text()
    panel.set_table(table)
    assert panel.status == "waiting" and "Problem step" in panel.message.text()
    with qtbot.waitSignal(panel.status_changed) as status:
        panel.set_problem(problem)
    assert status.args == ["to do"]
    settled(qtbot, panel)
    keys = [panel.family_combo.itemData(i) for i in range(panel.family_combo.count())]
    assert keys == [family.key for family in families_for(problem.task)]

    panel.family_combo.setCurrentIndex(keys.index("linear"))
    settled(qtbot, panel)
    inputs = model_inputs(table.schema, problem.features)
    expected = default_recipe(inputs, FAMILIES["linear"].traits, task="binary",
                              cardinality={c.name: int(to_model_frame(table.frame, [c])[c.name]
                                                       .nunique())
                                           for c in inputs if c.kind == "categorical"})
    assert panel.editor.recipe() == expected.to_dict()
    assert "Logistic" in panel.showing_label.text()
    assert panel.editor.steps_view.count() == len(expected.steps)
    assert panel.editor.steps_view.item(0).text().startswith("1. Split the dates signup_date")
    # Plain words in the list; the step's kind and parameters only under "Details".
    texts = [panel.editor.steps_view.item(i).text() for i in range(len(expected.steps))]
    assert not any("=" in text or "(impute)" in text or "one_hot" in text for text in texts)
    panel.editor.steps_view.setCurrentRow(0)
    assert "parts" in panel.editor.details.text() and not panel.editor.details.open
    assert panel.choice is None and panel.default_radio.isChecked()

    pipeline = compile_recipe(expected, inputs, task="binary")
    x = to_model_frame(table.frame.head(500), inputs)
    pipeline.fit(x, table.frame["churned"].head(500).astype(str))
    assert panel.preview.names == [str(n) for n in pipeline.get_feature_names_out()]
    assert panel.preview.model.rowCount() == 20
    assert "monthly_charges is missing" in panel.preview.names
    assert f"{len(panel.preview.names)} features reach the model" in panel.preview.summary.text()
    # Headers in business words; the technical name in the header's tooltip.
    model, horizontal = panel.preview.model, Qt.Orientation.Horizontal
    headers = {name: (model.headerData(i, horizontal), model.headerData(
        i, horizontal, Qt.ItemDataRole.ToolTipRole)) for i, name in enumerate(panel.preview.names)}
    assert headers["region_Central"][0] == "region = Central"
    assert "region_Central" in headers["region_Central"][1]
    assert headers["payment_method_credit card"][0] == "payment_method = credit card"
    assert headers["signup_date day_of_week"][0] == "signup_date: day of the week"
    assert headers["monthly_charges is missing"][0] == "monthly_charges is missing"
    one_hot = [name for name in headers if name.startswith("plan_")]
    assert one_hot and all(headers[name][0] == f"plan = {name[5:]}" for name in one_hot)


def test_editing_the_steps_changes_the_recipe_and_the_preview(
    qtbot, panel: PreparePanel, table: ActiveTable, problem
) -> None:
    ready(qtbot, panel, table, problem)
    editor = panel.editor
    before = editor.steps
    editor.add_step(LOG_INCOME, at=0)
    assert panel.custom_radio.isChecked()
    assert panel.choice["steps"] == [LOG_INCOME, *before]
    assert "Showing: your recipe" in panel.showing_label.text()

    editor.move_step(0, 1)
    assert [s["kind"] for s in panel.choice["steps"][:2]] == [before[0]["kind"], "log1p"]
    editor.steps_view.setCurrentRow(1)
    qtbot.mouseClick(editor.up_button, Qt.MouseButton.LeftButton)
    assert panel.choice["steps"][0] == LOG_INCOME

    removed = panel.choice["steps"][-1]
    editor.steps_view.setCurrentRow(editor.steps_view.count() - 1)
    qtbot.mouseClick(editor.remove_button, Qt.MouseButton.LeftButton)
    assert removed not in panel.choice["steps"] and len(panel.choice["steps"]) == len(before)

    ratio = {"kind": "ratio", "columns": ["monthly_charges", "tenure_months"], "params": {}}
    editor.add_step(ratio)
    settled(qtbot, panel)
    assert "monthly_charges / tenure_months" in panel.preview.names
    assert not panel.preview.error.isVisible()


def test_add_step_button_uses_the_dialog(
    qtbot, panel: PreparePanel, table: ActiveTable, problem, monkeypatch: pytest.MonkeyPatch
) -> None:
    ready(qtbot, panel, table, problem)

    def choose(dialog: RecipeStepDialog) -> int:
        kinds = [dialog.kind_combo.itemData(i) for i in range(dialog.kind_combo.count())]
        assert kinds == list(STEP_KINDS)  # exactly the engine's (exportable) steps
        dialog.set_kind("log1p")
        offered = [dialog.columns.item(i).text() for i in range(dialog.columns.count())]
        assert "monthly income" in offered and "region" not in offered  # numbers only
        dialog.tick_columns(["monthly income"])
        assert "monthly income" in dialog.description.text()
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(recipe_step_dialog.RecipeStepDialog, "exec", choose)
    panel.editor.steps_view.setCurrentRow(0)
    qtbot.mouseClick(panel.editor.add_button, Qt.MouseButton.LeftButton)
    assert panel.choice["steps"][1] == LOG_INCOME


def test_the_step_dialog_edits_settings_and_offers_derived_columns(
    qtbot, panel: PreparePanel, table: ActiveTable, problem
) -> None:
    ready(qtbot, panel, table, problem)
    steps = panel.editor.steps
    assert steps[0]["kind"] == "date_parts"
    dialog = RecipeStepDialog(panel.editor._inputs, steps, 1, None, panel)
    qtbot.addWidget(dialog)
    dialog.set_kind("bin")
    offered = [dialog.columns.item(i).text() for i in range(dialog.columns.count())]
    assert "signup_date month" in offered  # made by the date_parts step before it
    dialog.tick_columns(["age"])
    spin = dialog.settings.findChildren(recipe_step_dialog.QSpinBox)[0]
    spin.setValue(4)
    assert dialog.step() == {"kind": "bin", "columns": ["age"], "params": {"n_bins": 4}}
    assert "4 ranges" in dialog.description.text()
    # Editing an existing step gives it back unchanged when nothing is touched.
    same = RecipeStepDialog(panel.editor._inputs, steps, 0, steps[0], panel)
    qtbot.addWidget(same)
    assert same.step() == steps[0]


def test_an_invalid_recipe_is_explained_and_not_saved(
    qtbot, panel: PreparePanel, table: ActiveTable, problem
) -> None:
    ready(qtbot, panel, table, problem)
    panel.editor.add_step({"kind": "log1p", "columns": ["region"], "params": {}}, at=0)
    settled(qtbot, panel)
    assert panel.preview.error.isVisible()
    assert "'region' is a category" in panel.preview.error.text()
    panel.use_choice()
    settled(qtbot, panel)
    assert "not saved" in panel.message.text()
    assert table.project.get_setting(setting_key(table.source_id), "unset") == "unset"
    assert panel.status == "to do"

    panel.editor.remove_step(0)
    settled(qtbot, panel)
    assert not panel.preview.error.isVisible() and panel.preview.names


def test_the_choice_is_saved_and_restored(
    qtbot, panel: PreparePanel, table: ActiveTable, problem, runner: TaskRunner
) -> None:
    ready(qtbot, panel, table, problem)
    panel.editor.add_step(LOG_INCOME)
    with qtbot.waitSignal(panel.recipe_changed, timeout=WAIT) as changed:
        qtbot.mouseClick(panel.use_button, Qt.MouseButton.LeftButton)
    chosen = panel.choice
    assert changed.args == [chosen] and panel.recipe == chosen and panel.status == "done"
    Recipe.from_dict(chosen)  # a valid recipe for SearchSettings.recipe

    project = api.open_project(table.project.path)
    assert project.get_setting(setting_key(table.source_id)) == chosen
    again = ActiveTable(project, table.source_id, table.name, table.frame, table.schema)
    other = new_panel(qtbot, runner)
    with qtbot.waitSignal(other.recipe_changed) as restored:
        other.set_table(again)
    assert restored.args == [chosen]
    other.set_problem(problem)
    settled(qtbot, other)
    assert other.custom_radio.isChecked() and other.editor.recipe() == chosen
    assert other.recipe == chosen and other.status == "done"
    assert "Saved in the project" in other.saved_label.text()

    # Back to each family's default: None is saved, and restored as such.
    qtbot.mouseClick(other.default_radio, Qt.MouseButton.LeftButton)
    assert other.choice is None and other.editor.recipe() != chosen
    with qtbot.waitSignal(other.recipe_changed) as changed:
        other.use_choice()
    assert changed.args == [None]
    assert project.get_setting(setting_key(table.source_id), "unset") is None
    third = new_panel(qtbot, runner)
    third.set_table(again)
    third.set_problem(problem)
    settled(qtbot, third)
    assert third.default_radio.isChecked() and third.recipe is None and third.status == "done"
    project.close()
