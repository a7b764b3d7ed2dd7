"""With labels, a regression target that moved is named as prior shift (issue 16).

A classifier's check shows the outcome mix before and after; a regression model gets the same:
the target's mean and quantiles at training and now, the move in standard deviations, and PSI
with its test on the target's reference bins. The generated pair keeps every input as in
training and moves only the target.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from engine.export.build import ModelFacts, export_pipeline
from engine.monitor.check import check_drift
from engine.monitor.outcome import outcome_mix
from engine.monitor.settings import DriftSettings
from engine.problem.definition import Task
from engine.recipe.inputs import InputColumn, to_model_frame
from engine.sources.base import FileSource

INPUTS = (InputColumn("size", "numeric"), InputColumn("rooms", "numeric"))


def _rows(n: int, rng: np.random.Generator, *, target_shift: float = 0.0) -> pd.DataFrame:
    """Inputs drawn as at training; ``target_shift`` moves the target alone (in its sd)."""
    size = rng.normal(100, 20, n)
    rooms = rng.integers(1, 6, n).astype(np.float64)
    price = 2.0 * size + 10 * rooms + rng.normal(0, 15, n)
    return pd.DataFrame({"size": size, "rooms": rooms,
                         "price": price + target_shift * 45.0})  # price sd is about 45


@pytest.fixture(scope="module")
def price_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from engine.training.candidate import CandidateSpec, FitContext, build_pipeline

    folder = tmp_path_factory.mktemp("regression_outcome")
    table = _rows(2000, np.random.default_rng(31))
    x = to_model_frame(table, INPUTS)
    y = table["price"].to_numpy(np.float64)
    context = FitContext(task=Task("regression"), inputs=INPUTS, metrics=("rmse",))
    pipeline = build_pipeline(CandidateSpec(1, "linear", {}, 0, None), context)
    pipeline.fit(x.iloc[:1500], y[:1500])
    residual = float(np.sqrt(np.mean((pipeline.predict(x.iloc[1500:]) - y[1500:]) ** 2)))
    facts = ModelFacts(name="price", task="regression", target="price",
                       metrics={"primary": "rmse", "holdout": {"rmse": residual}},
                       data={"holdout_rows": 500}, importances={"size": 0.8, "rooms": 0.2})
    exported = export_pipeline(pipeline, INPUTS, facts, train_rows=x.iloc[:1500],
                               check_rows=x.iloc[1500:].reset_index(drop=True),
                               reference_rows=x, outcomes=list(y))
    model = folder / "price.onnx"
    model.write_bytes(exported.model.SerializeToString())
    return model


def _check(model: Path, folder: Path, shift: float, seed: int):
    path = folder / f"new_{seed}.csv"
    _rows(1000, np.random.default_rng(seed), target_shift=shift).to_csv(path, index=False)
    return check_drift(model, FileSource(str(path)))


def test_only_the_target_moved_is_named_as_the_outcome_itself_moving(price_model, tmp_path):
    report = _check(price_model, tmp_path, shift=0.8, seed=32)
    assert all(c.status == "stable" for c in report.columns), [c.status for c in report.columns]
    outcome = report.outcome
    assert outcome is not None and outcome.kind == "values"
    assert outcome.changed and outcome.p_value < 0.01
    assert 0.6 < outcome.shift < 1.0  # moved 0.8 sd
    assert outcome.after["mean"] - outcome.before["mean"] == pytest.approx(36, abs=8)
    assert set(outcome.before) == {"mean", "10%", "median", "90%"}
    assert "the outcome itself moved" in outcome.sentence
    assert "the outcome itself moved" in report.headline
    assert "while the inputs look as in training" in report.headline
    assert report.level != "stable"
    assert "outcome itself moved" in report.advice


def test_a_control_with_its_target_as_at_training_shows_no_outcome_move(price_model, tmp_path):
    report = _check(price_model, tmp_path, shift=0.0, seed=33)
    assert report.outcome is not None and report.outcome.kind == "values"
    assert not report.outcome.changed
    assert "outcome at training and now: mean" in report.outcome.sentence
    assert report.level == "stable", report.headline


def test_the_target_profile_of_a_regression_is_numeric_and_old_references_say_nothing():
    from engine.export.reference import outcome_profile

    rng = np.random.default_rng(1)
    profile = outcome_profile("regression", [*rng.normal(0, 1, 500), None, "n/a"])
    assert profile is not None and profile["kind"] == "numeric" and profile["missing"] == 2
    settings = DriftSettings()
    moved = outcome_mix(profile, rng.normal(1.0, 1, 300), settings)
    assert moved is not None and moved.changed and moved.shift == pytest.approx(1.0, abs=0.2)
    assert outcome_mix(None, rng.normal(0, 1, 300), settings) is None
    assert outcome_profile("clustering", [1.0, 2.0]) is None
