"""The score reference comes from rows the exported graph never learned from (issue 16).

Training refits the chosen model on the training split only (engine/training/train.py) and
the export scores the held-out split with that graph (engine/export/from_run.py; a
time-ordered split scores every row instead). Here, why it matters: a
model that memorises its training rows (a random forest with leaves of one row, on a weak
signal) is far more confident on them than on new rows, so a reference of training rows
would make a fresh file of the same distribution look drifted; the held-out reference
does not.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from engine.export.build import ModelFacts, export_pipeline
from engine.export.reference import numeric_profile
from engine.export.scoring_model import load_scoring_model
from engine.monitor.check import check_drift
from engine.monitor.statistics import chi_square_p, psi
from engine.monitor.tally import NumericTally
from engine.problem.definition import Task
from engine.recipe.inputs import InputColumn, to_model_frame
from engine.sources.base import FileSource

INPUTS = (InputColumn("a", "numeric"), InputColumn("b", "numeric"), InputColumn("c", "numeric"))
TRAIN = 640  # of 800 rows: 160 held out, the score reference


def _rows(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(0, 1, (n, 3))
    signal = 0.6 * x[:, 0] - 0.3 * x[:, 1]
    outcome = np.where(rng.random(n) < 1 / (1 + np.exp(-signal)), "yes", "no")
    return pd.DataFrame({"a": x[:, 0], "b": x[:, 1], "c": x[:, 2], "left": outcome})


@pytest.fixture(scope="module")
def forest(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, pd.DataFrame, Path]:
    """(model, its training rows, a fresh control of the same distribution)."""
    from engine.training.candidate import CandidateSpec, FitContext, build_pipeline

    folder = tmp_path_factory.mktemp("reference_rows")
    table = _rows(800, 1)
    x = to_model_frame(table, INPUTS)
    y = table["left"].to_numpy(dtype=object)
    context = FitContext(task=Task("binary"), inputs=INPUTS, metrics=("roc_auc",),
                         classes=("no", "yes"), positive_class="yes")
    spec = CandidateSpec(1, "random_forest", {"n_estimators": 25}, 0, None)
    pipeline = build_pipeline(spec, context)
    pipeline.fit(x.iloc[:TRAIN], y[:TRAIN])  # as training does: the training split only
    facts = ModelFacts(name="forest", task="binary", target="left", positive_class="yes",
                       threshold=0.5)
    exported = export_pipeline(pipeline, INPUTS, facts, train_rows=x.iloc[:TRAIN],
                               check_rows=x.iloc[TRAIN:].reset_index(drop=True),
                               reference_rows=x)
    model = folder / "forest.onnx"
    model.write_bytes(exported.model.SerializeToString())
    control = folder / "control.csv"
    _rows(1000, 2).drop(columns="left").to_csv(control, index=False)
    return model, table.iloc[:TRAIN], control


def test_a_fresh_control_is_stable_although_the_model_memorised_its_training_rows(
        forest) -> None:
    model_path, training, control = forest
    report = check_drift(model_path, FileSource(str(control)))
    assert report.scores is not None and report.scores.status == "stable", report.scores
    assert report.level == "stable", report.headline
    # 160 held-out scores: a note says the scores' check sees only large moves.
    assert any("known from only 160 held-out rows" in note for note in report.notes)
    # The same control against a reference of the training rows' scores: the memorised rows
    # are scored far more confidently, so the control would look drifted (the bias avoided).
    model = load_scoring_model(model_path)
    in_sample = numeric_profile(_positive_scores(model, training).astype(np.float32))
    tally = NumericTally(in_sample)
    tally.add(_positive_scores(model, pd.read_csv(control)).astype(np.float32))
    counts = np.asarray(in_sample["bins"]["counts"])
    assert psi(counts, tally.counts) > 0.25 and chi_square_p(counts, tally.counts) < 1e-6


def _positive_scores(model, frame: pd.DataFrame) -> np.ndarray:
    feed = {spec.name: frame[spec.name].to_numpy(np.float32).reshape(-1, 1)
            for spec in model.inputs}
    outputs = model.run(feed)
    matrix = np.asarray(outputs[model.probability_output], np.float64)
    return matrix[:, list(model.classes).index(model.positive_class)]
