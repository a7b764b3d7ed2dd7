"""Fixtures of the export tests: real trained projects exported by the real command."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from export_data import NON_ASCII_COLUMN

from engine.api import sample_data_dir
from engine.cli import EXIT_OK, main


def _sample_with_awkward_names(folder: Path) -> Path:
    """The churn sample with a non-ASCII column name (it already has 'monthly income')."""
    frame = pd.read_csv(sample_data_dir() / "churn.csv")
    path = folder / "churn_accents.csv"
    frame.rename(columns={"region": NON_ASCII_COLUMN}).to_csv(path, index=False)
    return path


def _train_and_export(folder: Path, target: str, models: list[str]) -> tuple[Path, str]:
    data = _sample_with_awkward_names(folder)
    project = folder / "model.gristmill"
    code = main(
        [
            "train", str(data), "--target", target, "--project", str(project),
            "--models", *models, "--max-trials", str(len(models)),
            "--seed", "5", "--quiet",
        ]
    )
    assert code == EXIT_OK
    out = folder / "package"
    assert main(["export", "--project", str(project), "--out", str(out), "--name", "churn model",
                 "--quiet"]) == EXIT_OK
    return out, "churn_model"


@pytest.fixture(scope="session")
def exported_project(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    """(project file, package folder, file stem) of a binary churn model."""
    folder = tmp_path_factory.mktemp("export_binary")
    out, name = _train_and_export(folder, "churned", ["linear", "hist_gradient_boosting"])
    return folder / "model.gristmill", out, name


@pytest.fixture(scope="session")
def exported_package(exported_project: tuple[Path, Path, str]) -> tuple[Path, str]:
    """(package folder, file stem) of a binary classifier package."""
    _project, out, name = exported_project
    return out, name


@pytest.fixture(scope="session")
def exported_regression_package(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """(package folder, file stem) of a regression package (monthly charges)."""
    folder = tmp_path_factory.mktemp("export_regression")
    return _train_and_export(folder, "monthly_charges", ["hist_gradient_boosting"])
