"""The score reference comes from the exported graph and its bins are tie-safe (issue 16).

A false "Major: retrain" on no drift at all: 16% of rows shared one score, which scikit-learn
(which built the reference) and onnxruntime (which the check runs) computed a few float32
steps apart; the decile edge sat on it and the whole group changed bin. A random forest on
integer codes makes exactly such groups.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from engine.export.build import ModelFacts, export_pipeline
from engine.monitor.check import check_drift
from engine.problem.definition import Task
from engine.recipe.inputs import InputColumn, to_model_frame
from engine.sources.base import FileSource

INPUTS = (InputColumn("code", "numeric"), InputColumn("grade", "numeric"))


def _rows(n: int, rng: np.random.Generator) -> pd.DataFrame:
    """Integer codes only, 17% of rows identical (code 0, grade 1): heavy score ties."""
    code = rng.choice(6, n, p=[0.4, 0.2, 0.15, 0.1, 0.1, 0.05])
    grade = rng.choice([1, 2, 3], n, p=[0.45, 0.35, 0.2])
    signal = 1.5 * code - 6 + 0.8 * grade
    outcome = np.where(rng.random(n) < 1 / (1 + np.exp(-signal)), "yes", "no")
    return pd.DataFrame({"code": code, "grade": grade, "bought": outcome})


@pytest.fixture(scope="module")
def tied_model(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    from engine.training.candidate import CandidateSpec, FitContext, build_pipeline

    folder = tmp_path_factory.mktemp("ties")
    rng = np.random.default_rng(11)
    table = _rows(6000, rng)
    x = to_model_frame(table, INPUTS)
    y = table["bought"].to_numpy(dtype=object)
    context = FitContext(task=Task("binary"), inputs=INPUTS, metrics=("roc_auc",),
                         classes=("no", "yes"), positive_class="yes")
    pipeline = build_pipeline(CandidateSpec(1, "hist_gradient_boosting", {}, 0, None), context)
    pipeline.fit(x.iloc[:4000], y[:4000])
    facts = ModelFacts(name="ties", task="binary", target="bought", positive_class="yes",
                       threshold=0.5, importances={"code": 0.7, "grade": 0.3})
    exported = export_pipeline(pipeline, INPUTS, facts, train_rows=x.iloc[:4000],
                               check_rows=x.iloc[4000:].reset_index(drop=True))
    model = folder / "ties.onnx"
    model.write_bytes(exported.model.SerializeToString())
    control = folder / "control.csv"
    _rows(3000, np.random.default_rng(12)).drop(columns="bought").to_csv(control, index=False)
    return model, control


def test_the_score_reference_has_its_tied_groups_in_bins_of_their_own(tied_model) -> None:
    from engine.export.scoring_model import load_scoring_model

    reference = load_scoring_model(tied_model[0]).metadata.reference["scores"]
    counts = np.asarray(reference["bins"]["counts"])
    assert counts.max() / counts.sum() > 0.1  # really heavy ties


def test_a_held_out_control_of_a_tree_model_with_heavy_score_ties_is_stable(tied_model) -> None:
    report = check_drift(tied_model[0], FileSource(str(tied_model[1])))
    assert report.scores is not None
    assert report.scores.status == "stable", report.scores
    assert report.level == "stable", report.headline


def test_a_small_score_reference_does_not_pick_bins_on_noise() -> None:
    """160 held-out scores of a forest (multiples of 0.02): controls flagged about 1%, not 7%."""
    from engine.export.reference import numeric_profile
    from engine.monitor.statistics import chi_square_p, psi
    from engine.monitor.tally import NumericTally

    def forest_scores(n: int, rng: np.random.Generator) -> np.ndarray:
        return (np.round(rng.beta(2.5, 2.5, n) * 50) / 50).astype(np.float32)

    alarms = 0
    for index in range(150):
        rng = np.random.default_rng([160, index])
        profile = numeric_profile(forest_scores(160, rng))
        tally = NumericTally(profile)
        tally.add(forest_scores(1000, rng))
        reference = np.asarray(profile["bins"]["counts"])
        alarms += chi_square_p(reference, tally.counts) < 0.01 and psi(
            reference, tally.counts) >= 0.1
    assert alarms / 150 <= 0.03  # 11 of 150 before point masses needed 20 rows
