"""``gristmill drift``: verdicts, exit codes for schedulers, reports and the history."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from engine.cli import main
from engine.cli_drift import EXIT_DRIFT, EXIT_ERROR, EXIT_STABLE


@pytest.fixture
def model(churn_model, tmp_path) -> Path:
    """A copy of the model in its own folder, so each test has its own history file."""
    copy = tmp_path / "model" / "churn.onnx"
    copy.parent.mkdir()
    shutil.copy(churn_model[1], copy)
    return copy


def test_the_sample_files_give_the_documented_verdicts(model, sample_dir, tmp_path, capsys):
    stable = main(["drift", str(model), str(sample_dir / "churn_next_quarter.csv"), "--quiet",
                   "--report", str(tmp_path / "stable.html")])
    out = capsys.readouterr().out
    assert stable == EXIT_STABLE and out.startswith("STABLE: The model can still be trusted")
    shifted = main(["drift", str(model), str(sample_dir / "churn_next_quarter_shifted.csv"),
                    "--quiet", "--report", str(tmp_path / "shifted.html"),
                    "--json", str(tmp_path / "shifted.json")])
    out = capsys.readouterr().out
    assert shifted == EXIT_DRIFT and out.startswith("MAJOR: ")
    assert "support_calls [major" in out and "'North' was 30% of rows, now 15%" in out
    assert "Recorded in the history file" in out and "(2 check(s) so far)" in out
    data = json.loads((tmp_path / "shifted.json").read_text(encoding="utf-8"))
    assert data["format"] == "gristmill-drift-report" and data["level"] == "major"
    page = (tmp_path / "shifted.html").read_text(encoding="utf-8")
    assert "support_calls" in page and "data:image/png;base64," in page
    history = json.loads((model.parent / "churn.drift-history.json").read_text("utf-8"))
    assert [entry["level"] for entry in history["entries"]] == ["stable", "major"]


def test_fail_on_major_and_settings(model, sample_dir, capsys) -> None:
    data = str(sample_dir / "churn_next_quarter_shifted.csv")
    assert main(["drift", str(model), data, "--quiet", "--no-history",
                 "--fail-on", "major"]) == EXIT_DRIFT
    # With thresholds no change can reach, the same file passes.
    relaxed = ["--set", "psi_changed=5", "--set", "psi_major=9", "--set", "share_change=1",
               "--set", "major_share_change=1", "--set", "missing_change=1",
               "--set", "out_of_range_share=1", "--set", "new_category_share=1"]
    assert main(["drift", str(model), data, "--quiet", "--no-history", *relaxed]) == EXIT_STABLE
    assert not (model.parent / "churn.drift-history.json").exists()  # --no-history
    assert main(["drift", str(model), data, "--quiet", "--set", "psi_chnged=0.2"]) == EXIT_ERROR
    assert "Unknown drift setting(s): psi_chnged" in capsys.readouterr().err


def test_the_project_keeps_the_history(churn_model, model, sample_dir, tmp_path, capsys):
    project = tmp_path / "copy.gristmill"
    shutil.copy(churn_model[0], project)
    data = str(sample_dir / "churn_next_quarter.csv")
    for _ in range(2):
        assert main(["drift", str(model), data, "--quiet", "--project", str(project)]) == 0
    assert "(2 check(s) so far)" in capsys.readouterr().out
    assert not (model.parent / "churn.drift-history.json").exists()
    from engine.api import open_project

    with open_project(project) as opened:
        assert [row.level for row in opened.list_drift_checks("churn")] == ["stable", "stable"]


def test_too_few_rows_exit_6_not_judged(model, sample_dir, tmp_path, capsys) -> None:
    """Issue 16: "could not judge" has its own exit code, not the error code 2."""
    from engine.exit_codes import NOT_JUDGED

    frame = pd.read_csv(sample_dir / "churn_next_quarter.csv", dtype=str,
                        keep_default_na=False)
    data = tmp_path / "data.csv"
    frame.head(20).to_csv(data, index=False)
    code = main(["drift", str(model), str(data), "--quiet", "--no-history"])
    assert code == NOT_JUDGED == 6
    assert "20 rows are too few to judge drift" in capsys.readouterr().out


def test_json_dash_writes_the_report_to_stdout(model, sample_dir, tmp_path, capsys,
                                               monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    data = sample_dir / "churn_next_quarter.csv"
    code = main(["drift", str(model), str(data), "--quiet", "--no-history", "--json", "-"])
    captured = capsys.readouterr()
    assert code == 0
    assert json.loads(captured.out)["level"] == "stable"
    assert "STABLE:" in captured.err
    assert not (tmp_path / "-").exists()


def test_an_internal_error_exits_3(model, sample_dir, capsys, monkeypatch) -> None:
    import engine.monitor.check as check

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(check, "judge_columns", broken)
    code = main(["drift", str(model), str(sample_dir / "churn_next_quarter.csv"), "--quiet",
                 "--no-history"])
    assert code == 3


@pytest.mark.parametrize("problem", ["missing columns", "not a model",
                                     "damaged history", "no folder for the report"])
def test_every_error_exits_2_with_a_message(problem, model, sample_dir, tmp_path, capsys):
    frame = pd.read_csv(sample_dir / "churn_next_quarter.csv", dtype=str,
                        keep_default_na=False)
    data = tmp_path / "data.csv"
    frame.to_csv(data, index=False)
    args = ["drift", str(model), str(data), "--quiet"]
    expected = ""
    if problem == "missing columns":
        frame.drop(columns=["tenure_months"]).to_csv(data, index=False)
        expected = "has no column 'tenure_months'"
    elif problem == "not a model":
        args[1] = str(data)
        expected = "is not an ONNX model"
    elif problem == "damaged history":
        (model.parent / "churn.drift-history.json").write_text("{not json", encoding="utf-8")
        expected = "damaged"
    else:
        args += ["--report", str(tmp_path / "nowhere" / "r.html")]
        expected = "does not exist"
    code = main(args)
    captured = capsys.readouterr()
    assert code == EXIT_ERROR
    assert expected in captured.out + captured.err
    if problem == "damaged history":  # refused before the check, and left as it was
        assert (model.parent / "churn.drift-history.json").read_text("utf-8") == "{not json"


def test_a_database_table_is_checked_too(model, sample_dir, capsys) -> None:
    """The training table itself, read from SQLite: nothing has drifted."""
    url = f"sqlite:///{sample_dir / 'churn.sqlite'}"
    code = main(["drift", str(model), url, "--table", "customers", "--quiet", "--no-history"])
    out = capsys.readouterr().out
    assert code == EXIT_STABLE, out
    assert "Checked 5,000 rows of" in out


def test_a_database_without_a_table_names_its_tables(model, sample_dir, capsys) -> None:
    url = f"sqlite:///{sample_dir / 'churn.sqlite'}"
    assert main(["drift", str(model), url, "--quiet", "--no-history"]) == EXIT_ERROR
    err = capsys.readouterr().err
    assert "A database needs either a table or a SQL query" in err
    assert "customers" in err and "active_customers" in err
