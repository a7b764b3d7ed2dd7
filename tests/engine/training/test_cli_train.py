"""``gristmill train`` and ``gristmill evaluate`` on the sample data, end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.cli import EXIT_INPUT, EXIT_OK, main

# Trains real models: the Qt-blocked re-run in tests/test_codebase.py leaves it out.
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[3]
SAMPLE_CSV = ROOT / "resources" / "sample" / "churn.csv"


@pytest.fixture(scope="module")
def trained_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = tmp_path_factory.mktemp("cli") / "churn.gristmill"
    code = main(
        [
            "train", str(SAMPLE_CSV), "--target", "churned", "--project", str(project),
            "--models", "linear", "hist_gradient_boosting", "--max-trials", "2",
            "--seed", "5", "--quiet",
        ]
    )
    assert code == EXIT_OK
    return project


def test_train_prints_the_leaderboard_and_stores_the_run(
    trained_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from engine.api import open_project

    with open_project(trained_project) as project:
        runs = project.list_runs()
        assert len(runs) == 1
        run = runs[0]
        assert run.seed == 5 and run.status == "completed"
        assert run.problem.target == "churned" and run.problem.positive_class == "yes"
        assert "customer_id" in run.problem.excluded
        assert run.has_model and run.has_evaluation
        assert run.recipe is not None and run.best is not None
        assert {"search_seconds", "refit_seconds", "evaluate_seconds"} <= set(run.timings)
        from engine.evaluation.result import Evaluation

        evaluation = Evaluation.from_dict(project.load_evaluation(run.id)[0])
        # Every metric is shown beside its cross-validated mean and spread.
        for name in ("roc_auc", "pr_auc", "accuracy", "log_loss"):
            summary = evaluation.metric(name)
            assert summary.cv_mean is not None and summary.cv_std is not None, name
        board = run.leaderboard
        assert board.baseline is not None and board.best is not None
        assert board.best.cv_mean > board.baseline.cv_mean + 0.1
        # The stored model is the refitted best, loaded back without pickle.
        import pandas as pd

        from engine.recipe.inputs import to_model_frame
        from engine.training.persist import model_from_bytes

        model = model_from_bytes(project.load_model_bytes(run.id))
        frame = pd.read_csv(SAMPLE_CSV).head(20)
        from engine.recipe.inputs import model_inputs

        schema = project.load_schema(run.source_id)
        inputs = model_inputs(schema, run.problem.features)
        assert model.predict_proba(to_model_frame(frame, inputs)).shape == (20, 2)


def test_training_again_on_the_same_file_reuses_its_source(
    trained_project: Path, tmp_path: Path
) -> None:
    import shutil

    copy = tmp_path / "again.gristmill"
    shutil.copy(trained_project, copy)
    assert main(
        ["train", str(SAMPLE_CSV), "--target", "churned", "--project", str(copy),
         "--models", "linear", "--max-trials", "1", "--quiet", "--json"]
    ) == EXIT_OK
    from engine.api import open_project

    with open_project(copy) as project:
        assert len(project.list_sources()) == 1
        assert [run.id for run in project.list_runs()] == [1, 2]


def test_evaluate_writes_a_report_with_the_plots(
    trained_project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = tmp_path / "report.html"
    assert main(["evaluate", "--project", str(trained_project), "--report", str(report)]) == 0
    out = capsys.readouterr().out
    assert "ROC AUC" in out and "Report written" in out
    html = report.read_text(encoding="utf-8")
    assert html.count("data:image/png;base64,") >= 5
    assert "Leaderboard" in html and "churned" in html and "http://" not in html


def test_evaluate_json_and_a_missing_run(
    trained_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["evaluate", "--project", str(trained_project), "--json"]) == EXIT_OK
    document = json.loads(capsys.readouterr().out)
    assert document["evaluation"]["task"] == "binary"
    assert main(["evaluate", "--project", str(trained_project), "--run", "99"]) != EXIT_OK
    assert "no run number 99" in capsys.readouterr().err


def test_train_bad_input_says_what_to_do(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["train", str(SAMPLE_CSV), "--target", "nope", "--quiet"]) == EXIT_INPUT
    assert "nope" in capsys.readouterr().err
    assert main(
        ["train", str(SAMPLE_CSV), "--target", "churned", "--time-budget", "0", "--quiet"]
    ) == EXIT_INPUT
    assert "time budget" in capsys.readouterr().err


def test_train_that_keeps_only_the_baseline_exits_5(capsys: pytest.CaptureFixture[str]) -> None:
    from engine.exit_codes import NO_MODEL

    # One second cannot hold even the refit reserve: no candidate runs, whatever the machine.
    code = main(
        ["train", str(SAMPLE_CSV), "--target", "churned", "--time-budget", "1", "--quiet",
         "--models", "linear"]
    )
    assert code == NO_MODEL == 5
    captured = capsys.readouterr()
    assert "no model to export" in captured.out + captured.err
    assert "skipped" in captured.out


def test_a_recipe_file_that_is_not_json_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    recipe = tmp_path / "recipe.json"
    recipe.write_text("{not json", encoding="utf-8")
    code = main(
        ["train", str(SAMPLE_CSV), "--target", "churned", "--recipe", str(recipe), "--quiet"]
    )
    assert code == EXIT_INPUT
    err = capsys.readouterr().err
    assert str(recipe) in err and "not valid JSON" in err


def test_ctrl_c_stops_the_search_and_keeps_the_best_model(tmp_path: Path) -> None:
    """A real SIGINT to a real `gristmill train`: the finished models survive, exit 0."""
    import signal
    import subprocess
    import sys

    from tests.engine.training.conftest import churn_like

    data = tmp_path / "big.csv"
    churn_like(40_000, seed=5).to_csv(data, index=False)
    command = [
        sys.executable, "-m", "engine.cli", "train", str(data), "--target", "churned",
        "--models", "linear", "random_forest", "--time-budget", "600", "--jobs", "1",
    ]
    process = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert process.stderr is not None
    for line in process.stderr:  # the live board: wait until a model has finished
        if line.startswith("  model ") and "(done" in line:
            process.send_signal(signal.SIGINT)
            break
    out, err = process.communicate(timeout=300)
    assert process.returncode == EXIT_OK, err
    assert "stopping the search" in err
    assert "Logistic / ridge regression" in out and "stopped" in out
    assert "the best of those was kept" in out


def test_evaluate_chooses_the_threshold_by_business_value_and_stores_it(
    trained_project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import shutil

    from engine.api import open_project
    from engine.evaluation.result import Evaluation

    copy = tmp_path / "value.gristmill"
    shutil.copy(trained_project, copy)
    code = main(
        ["evaluate", "--project", str(copy), "--threshold-rule", "value",
         "--fp-cost", "10", "--fn-cost", "200", "--tp-value", "50"]
    )
    assert code == EXIT_OK
    assert "highest expected value" in capsys.readouterr().out
    with open_project(copy) as project:
        stored, threshold = project.load_evaluation(1)
    evaluation = Evaluation.from_dict(stored)
    analysis = evaluation.thresholds
    # Checked by hand from the stored counts: the rule chooses on the out-of-fold outcomes
    # of the training rows (the highest value there), the holdout reports that threshold.
    best = max(analysis.out_of_fold.points, key=lambda p: p.expected_value)
    assert threshold["threshold"] == pytest.approx(best.threshold)
    assert best.expected_value == 50 * best.tp - 10 * best.fp - 200 * best.fn
    held = next(p for p in analysis.points if p.threshold == best.threshold)
    assert held.expected_value == 50 * held.tp - 10 * held.fp - 200 * held.fn
    tn_fp, fn_tp = evaluation.confusion.counts
    assert (tn_fp[1], fn_tp[0], fn_tp[1]) == (held.fp, held.fn, held.tp)
    # Missing amounts are refused with what to give.
    assert main(["evaluate", "--project", str(copy), "--threshold-rule", "value",
                 "--fp-cost", "10"]) == EXIT_INPUT
    assert "--fp-cost, --fn-cost and --tp-value" in capsys.readouterr().err


def test_the_printed_board_always_shows_the_baseline() -> None:
    from engine.cli_results import format_leaderboard
    from engine.training.leaderboard import DONE, Leaderboard, LeaderboardEntry

    board = Leaderboard("roc_auc", True)
    board = board.with_entry(LeaderboardEntry(0, "baseline", "Baseline", {}, DONE, (0.5,)))
    for trial in range(1, 31):
        board = board.with_entry(
            LeaderboardEntry(trial, "linear", f"Model {trial}", {}, DONE, (0.6 + trial / 100,))
        )
    text = format_leaderboard(board, shown=5)
    assert "Model 30" in text and "Model 1 " not in text
    assert "... 26 more" in text
    assert text.rstrip().splitlines()[-1].startswith(" 31  Baseline")
