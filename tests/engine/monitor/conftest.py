"""Fixtures of the monitor tests: a real churn model, trained and exported by the real commands."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.api import sample_data_dir
from engine.cli import EXIT_OK, main


@pytest.fixture(scope="session")
def sample_dir() -> Path:
    return sample_data_dir()


@pytest.fixture(scope="session")
def churn_model(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(project file, model file) of a binary churn model exported from the sample."""
    folder = tmp_path_factory.mktemp("monitor_model")
    project = folder / "churn.gristmill"
    code = main([
        "train", str(sample_data_dir() / "churn.csv"), "--target", "churned",
        "--project", str(project), "--models", "linear", "hist_gradient_boosting",
        "--max-trials", "2", "--seed", "5", "--quiet",
    ])
    assert code == EXIT_OK
    out = folder / "package"
    assert main(["export", "--project", str(project), "--out", str(out), "--name", "churn",
                 "--quiet"]) == EXIT_OK
    return project, out / "churn.onnx"
