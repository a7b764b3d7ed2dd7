"""The Deploy panel: export with the parity verdict, files and code; scoring, its errors, Cancel.

One real project is trained once for the module (sample churn data, one linear candidate);
each test works on its own copy of the project file, so exports of one test do not show in
another.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt

from desktop.panels.deploy_panel import DeployPanel
from desktop.tasks import TaskRunner
from desktop.widgets.deploy_export import LAST_FOLDER_KEY
from engine import api
from engine.errors import ExportError

WAIT = 60_000  # ms; generous for a loaded 2-core machine, never slept
SAMPLE = api.sample_data_dir()


@pytest.fixture(scope="module", autouse=True)
def _tidy_up_after_the_module(qapp):
    """Delete the closed panels and collect their garbage here, on the GUI thread, so the
    next module does not start with a backlog of objects being freed."""
    yield
    import gc

    from PySide6.QtCore import QCoreApplication, QEvent

    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    gc.collect()


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    """A project file with the sample table and one trained run (no export yet)."""
    from engine.training.search import SearchSettings

    path = tmp_path_factory.mktemp("deploy") / "churn.gristmill"
    project = api.create_project(path)
    source = api.source_for(str(SAMPLE / "churn.csv"))
    source_id = api.add_table(project, "churn", source, api.load_table(source))
    opened = api.open_table(project, source_id)
    proposal = api.define_problem(opened.frame, opened.schema, "churned")
    outcome = api.train(
        opened.frame, opened.schema, proposal.problem,
        SearchSettings(time_budget=None, families=("linear",), max_trials=1),
        project=project, source_id=source_id,
    )
    assert outcome.run_id is not None
    project.close()
    return path, outcome.run_id


@pytest.fixture(scope="module")
def model_file(trained: tuple[Path, int], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The trained run exported once (from a copy of the project), for the scoring tests."""
    folder = tmp_path_factory.mktemp("exported")
    project = api.open_project(shutil.copy(trained[0], folder / "copy.gristmill"))
    result = api.export_model(project, trained[1], folder / "model", name="churn model")
    project.close()
    return result.files.model


@pytest.fixture
def project_copy(trained: tuple[Path, int], tmp_path: Path):
    project = api.open_project(shutil.copy(trained[0], tmp_path / "mine.gristmill"))
    yield project, trained[1]
    project.close()


@pytest.fixture
def panel(qtbot, tmp_path: Path):
    runner = TaskRunner()
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    panel = DeployPanel(runner, settings=settings)
    qtbot.addWidget(panel)
    panel.resize(1280, 860)
    panel.show()
    yield panel
    runner.cancel_all()
    runner.wait_all(10.0)
    qtbot.waitUntil(lambda: not runner.running, timeout=WAIT)


def _score(qtbot, panel: DeployPanel, model: Path, data: Path, out: Path) -> str:
    panel.scoring.set_model_file(model)
    panel.scoring.set_data_file(data)
    panel.scoring.set_output_file(out)
    assert panel.scoring.score() is not None
    qtbot.waitUntil(lambda: not panel.scoring.running, timeout=WAIT)
    return panel.scoring.summary.text()


def test_waits_without_a_run(qtbot, panel: DeployPanel) -> None:
    with qtbot.waitSignal(panel.status_changed, timeout=WAIT) as status:
        panel.set_run(None, None)
    assert status.args == ["waiting"]
    assert not panel.export_form.export_button.isEnabled()
    assert "Train a model" in panel.intro.text()
    assert panel.export_to(Path("/nowhere")) is None


def test_export_shows_parity_files_and_code(
    qtbot, panel, project_copy, tmp_path, monkeypatch
) -> None:
    from PySide6.QtGui import QDesktopServices

    opened: list[str] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url.toLocalFile()))
    project, run_id = project_copy
    panel.set_run(project, run_id)
    assert panel.status == "to do"
    assert panel.export_form.name_edit.text() == f"churn-churned-run{run_id}"
    out = tmp_path / "export folder"
    with (
        qtbot.waitSignal(panel.model_exported, timeout=WAIT) as exported,
        qtbot.waitSignal(panel.status_changed, timeout=WAIT) as status,
    ):
        assert panel.export_to(out) is not None
    assert status.args == ["done"] and panel.status == "done"
    model = Path(exported.args[0])
    assert model.suffix == ".onnx" and model.is_file() and model.parent == out
    # Plain words first; the parity figures one click away, under "Details".
    assert "same answers" in panel.package.verdict.text()
    assert "Parity passed" not in panel.package.verdict.text()
    assert "Parity passed" in panel.package.details.text()
    assert panel.package.details.isVisibleTo(panel) and not panel.package.details.open
    names = panel.package.file_names()
    assert len(names) == 4 and all((out / name).is_file() for name in names)
    assert {Path(n).name.split(".", 1)[1] for n in names} == {
        "onnx", "model.json", "golden.csv", "card.md"
    }
    assert panel.package.open_button.isVisible()
    panel.package.open_button.click()
    assert opened == [str(out)]
    python = panel.snippets.code("Python")
    assert "'monthly income'" in python or '"monthly income"' in python
    assert all(panel.snippets.code(lang) for lang in ("C#", "Java", "JavaScript"))
    assert panel.scoring.model_edit.text() == str(model)  # the new model is the default
    assert [r.name for r in panel.history.records()] == [f"churn-churned-run{run_id}"]
    assert panel.export_form.folder() == out
    assert panel.export_form._settings.value(LAST_FOLDER_KEY) == str(out)

    # Back to the same run later: it is done, and its package is shown again.
    panel.set_run(None, None)
    assert panel.status == "waiting" and not panel.package.file_names()
    panel.set_run(project, run_id)
    assert panel.status == "done" and len(panel.package.file_names()) == 4


def test_a_refused_export_is_shown_in_words(qtbot, panel, project_copy, tmp_path, monkeypatch):
    project, run_id = project_copy
    panel.set_run(project, run_id)

    def refuse(*args: object, **kwargs: object) -> None:
        raise ExportError("The ONNX model does not predict what the trained model predicts.")

    monkeypatch.setattr(api, "export_model", refuse)
    exported: list[str] = []
    panel.model_exported.connect(exported.append)
    panel.export_to(tmp_path / "out")
    qtbot.waitUntil(lambda: panel.export_form.export_button.isEnabled(), timeout=WAIT)
    text = panel.package.verdict.text()
    assert "Not exported" in text and "does not predict" in text
    assert not panel.package.file_names() and not panel.snippets.code("Python")
    assert panel.status == "to do" and not exported
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("replace", [True, False], ids=["replace", "keep"])
def test_files_the_export_did_not_write_are_replaced_only_after_asking(
    qtbot, panel, project_copy, tmp_path, monkeypatch, replace
) -> None:
    import desktop.panels.deploy_panel as deploy_panel

    project, run_id = project_copy
    panel.set_run(project, run_id)
    out = tmp_path / "out"
    out.mkdir()
    theirs = out / f"churn-churned-run{run_id}.onnx"
    theirs.write_bytes(b"someone else's model")
    asked: list[str] = []

    def answer(parent, message: str) -> bool:
        asked.append(message)
        return replace

    monkeypatch.setattr(deploy_panel, "confirm_replace", answer)
    exported: list[str] = []
    panel.model_exported.connect(exported.append)
    assert panel.export_to(out) is not None
    if replace:
        qtbot.waitUntil(lambda: bool(exported), timeout=WAIT)
        assert exported == [str(theirs)] and theirs.read_bytes().startswith(b"\x08")
        assert panel.status == "done" and len(panel.package.file_names()) == 4
    else:
        qtbot.waitUntil(lambda: panel.export_form.export_button.isEnabled(), timeout=WAIT)
        assert theirs.read_bytes() == b"someone else's model" and not exported
        assert "not written by a Gristmill export" in panel.package.verdict.text()
    assert len(asked) == 1 and theirs.name in asked[0]


def test_the_replace_question_says_yes_only_for_replace(qtbot, monkeypatch) -> None:
    from PySide6.QtWidgets import QMessageBox

    from desktop.widgets.deploy_export import confirm_replace

    for press, expected in (("Replace", True), ("No", False)):
        def choose(box: QMessageBox, press: str = press) -> int:
            buttons = {b.text().replace("&", ""): b for b in box.buttons()}
            buttons[press].click()
            return 0

        monkeypatch.setattr(QMessageBox, "exec", choose)
        assert confirm_replace(None, "out already holds m.onnx") is expected


def test_scores_a_file_and_says_what_happened(qtbot, panel, model_file, tmp_path) -> None:
    out = tmp_path / "scores.parquet"
    text = _score(qtbot, panel, model_file, SAMPLE / "churn_next_quarter_shifted.csv", out)
    assert out.is_file()
    assert "2,000 rows scored" in text
    assert "Decisions at the model" in text and "churned" in text  # the ignored column
    assert panel.scoring.open_button.isVisible()
    summary = panel.scoring.last_summary
    assert summary is not None and summary.rows == 2000 and summary.output == str(out)


def test_the_first_scored_rows_are_shown_as_written(qtbot, panel, model_file, tmp_path) -> None:
    import pandas as pd

    out = tmp_path / "scores.csv"
    _score(qtbot, panel, model_file, SAMPLE / "churn_next_quarter_shifted.csv", out)
    written = pd.read_csv(out, dtype=str, keep_default_na=False)
    model = panel.scoring.preview_model
    assert panel.scoring.preview.isVisibleTo(panel)
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    assert headers == list(written.columns)  # whatever the file leads with, in its order
    assert model.rowCount() == 20
    assert [model.index(0, c).data() for c in range(model.columnCount())] == list(
        written.iloc[0])
    assert "first 20 rows of scores.csv" in panel.scoring.preview_label.text()


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"customer_id,score\nC-1,0.5\n", "is not an ONNX model"),
        ("truncated", "damaged or incomplete"),
    ],
)
def test_a_bad_model_file_is_explained(qtbot, panel, model_file, tmp_path, content, expected):
    bad = tmp_path / "not really.onnx"
    if content == "truncated":
        content = model_file.read_bytes()[:2000]
    bad.write_bytes(content)
    out = tmp_path / "scores.csv"
    text = _score(qtbot, panel, bad, SAMPLE / "churn.csv", out)
    assert "Not scored" in text and expected in text
    assert not out.exists()
    # The panel still works: the real model scores the same file.
    text = _score(qtbot, panel, model_file, SAMPLE / "churn.csv", out)
    assert "5,000 rows scored" in text and out.is_file()


def test_missing_columns_name_the_closest(qtbot, panel, model_file, tmp_path) -> None:
    import pandas as pd

    data = tmp_path / "renamed.csv"
    frame = pd.read_csv(SAMPLE / "churn_next_quarter.csv")
    frame.rename(columns={"monthly income": "Monthly_Income"}).to_csv(data, index=False)
    text = _score(qtbot, panel, model_file, data, tmp_path / "scores.csv")
    assert "Not scored" in text and "monthly income" in text and "Monthly_Income" in text


def test_cancel_while_scoring_leaves_no_output(qtbot, panel, model_file, tmp_path) -> None:
    import pandas as pd

    big = tmp_path / "big.csv"
    sample = pd.read_csv(SAMPLE / "churn.csv")
    pd.concat([sample] * 80, ignore_index=True).to_csv(big, index=False)  # 400,000 rows
    out = tmp_path / "big-scores.csv"
    panel.scoring.set_model_file(model_file)
    panel.scoring.set_data_file(big)
    panel.scoring.set_output_file(out)
    task = panel.scoring.score()
    assert task is not None
    qtbot.waitUntil(lambda: "Scored" in panel.scoring.summary.text(), timeout=WAIT)
    panel.scoring.cancel_button.click()
    qtbot.waitUntil(lambda: not panel.scoring.running, timeout=WAIT)
    assert "cancelled" in panel.scoring.summary.text()
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name != "settings.ini"] == ["big.csv"]
    assert panel.scoring.score_button.isEnabled()


def test_dropped_files_fill_the_scoring_form(panel, tmp_path: Path) -> None:
    assert panel.open_paths([tmp_path / "other.onnx", tmp_path / "new rows.csv"])
    assert panel.scoring.model_edit.text() == str(tmp_path / "other.onnx")
    assert panel.scoring.data_edit.text() == str(tmp_path / "new rows.csv")
    assert panel.scoring.output_edit.text() == str(tmp_path / "new rows-scores.csv")
    assert not panel.open_paths([tmp_path / "notes.docx"])


def test_a_model_dropped_on_the_panel_is_used_for_scoring(panel, tmp_path: Path) -> None:
    from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
    from PySide6.QtGui import QDropEvent

    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(tmp_path / "their model.onnx"))])
    event = QDropEvent(
        QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    panel.dropEvent(event)
    assert panel.scoring.model_edit.text() == str(tmp_path / "their model.onnx")
