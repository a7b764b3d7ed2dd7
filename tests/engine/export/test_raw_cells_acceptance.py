"""Acceptance of the one input contract: a model scores its own training file exactly as it
was trained, and the drift check finds nothing changed in it, for files with every reading
rule in play (integer codes with blanks, Y/N, None tokens, $1,200, 1.234,5, dd/mm/yyyy and
mm/dd/yyyy); a new file whose dates are all ambiguous is read in the training's order."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pandas as pd
import pytest

from engine.api import load_table, source_for
from engine.cli import EXIT_OK, main
from engine.export.metadata import read_metadata
from engine.recipe.inputs import InputColumn, to_model_frame

ROWS = 400


def _table(seed: int) -> dict[str, object]:
    rng = np.random.default_rng(seed)
    cars = rng.integers(0, 4, ROWS).astype(float)
    cars[rng.random(ROWS) < 0.1] = np.nan
    fee = rng.integers(100, 5000, ROWS)
    score = rng.normal(0, 1.5, ROWS)
    signal = cars - 1.5 + (fee - 2500) / 1500 + score + rng.normal(0, 1, ROWS)
    return {
        "Garage Cars": cars,
        "paperless": rng.choice(["Y", "N"], ROWS),
        "grade": rng.choice(["A", "B", "None", "NA", "?"], ROWS),
        "fee": fee,
        "score": score,
        "signed": [f"{d:02d}/{m:02d}/20{y:02d}" for d, m, y in zip(
            rng.integers(1, 29, ROWS), rng.integers(1, 13, ROWS), rng.integers(10, 24, ROWS),
            strict=True)],
        "churned": np.where(signal > 0, "yes", "no"),
    }


def comma_file(folder: Path) -> Path:
    data = _table(3)
    data["fee"] = [f"${v:,}" for v in data["fee"]]  # type: ignore[attr-defined]
    data["score"] = [f"{v:.3f}" for v in data["score"]]  # type: ignore[attr-defined]
    data["signed"] = [f"{v[3:5]}/{v[:2]}/{v[6:]}" for v in data["signed"]]  # type: ignore[attr-defined]
    path = folder / "comma.csv"
    pd.DataFrame(data).to_csv(path, index=False)
    return path


def semicolon_file(folder: Path) -> Path:
    data = _table(4)
    data["fee"] = [f"{v:,.1f}".replace(",", "_").replace(".", ",").replace("_", ".")
                   for v in np.asarray(data["fee"]) * 1.05]
    data["score"] = [f"{v:.2f}".replace(".", ",") for v in data["score"]]  # type: ignore[attr-defined]
    path = folder / "semicolon.csv"
    pd.DataFrame(data).to_csv(path, index=False, sep=";")
    return path


def _in_memory(model: Path, data: Path) -> np.ndarray:
    """Probabilities of the positive class on the frame training builds from ``data``."""
    metadata = read_metadata(onnx.load(str(model)))
    inputs = [InputColumn(spec.name, spec.kind) for spec in metadata.inputs]
    frame = to_model_frame(load_table(source_for(str(data))).frame, inputs)
    session = ort.InferenceSession(str(model), providers=["CPUExecutionProvider"])
    feed = {
        c.name: frame[c.name].to_numpy().reshape(-1, 1)
        if c.kind == "categorical" else frame[c.name].to_numpy(np.float32).reshape(-1, 1)
        for c in inputs
    }
    probabilities = session.run(["probabilities"], feed)[0]
    return probabilities[:, list(metadata.classes).index(metadata.positive_class)]


@pytest.mark.parametrize("make", [comma_file, semicolon_file])
def test_the_training_file_scores_as_trained_and_shows_no_drift(tmp_path, make, capsys):
    data = make(tmp_path)
    project = tmp_path / "p.gristmill"
    assert main(["train", str(data), "--target", "churned", "--project", str(project),
                 "--models", "linear", "--max-trials", "1",
                 "--seed", "1", "--quiet"]) == EXIT_OK
    out = tmp_path / "package"
    assert main(["export", "--project", str(project), "--out", str(out), "--name", "m",
                 "--quiet"]) == EXIT_OK
    model = out / "m.onnx"
    scores_path = tmp_path / "scores.csv"
    assert main(["score", str(model), str(data), "--out", str(scores_path), "--json",
                 "-q"]) == EXIT_OK
    printed = capsys.readouterr().out
    summary = json.loads(printed[printed.index("{"):])
    scores = pd.read_csv(scores_path)
    column = next(c for c in scores.columns if c.startswith("probability") and "yes" in c)
    differing = int((scores[column].to_numpy(np.float32) != _in_memory(model, data)).sum())
    assert differing == 0
    assert summary["unseen_categories"] == {} and summary["conversion_failures"] == {}
    report = tmp_path / "drift.json"
    main(["drift", str(model), str(data), "--quiet", "--json", str(report)])
    drift = json.loads(report.read_text(encoding="utf-8"))
    flagged = [c["name"] for c in drift["columns"] if c["status"] != "stable" or c["integrity"]]
    assert flagged == []
    readers = _readers(out)
    for command in readers.values():
        assert _reference_reader_differences(command, data, scores_path, tmp_path) == 0
    _check_raw_golden(out / "m.golden_raw.csv", data, tmp_path)
    _check_ambiguous_dates(model, data, readers, tmp_path)


def _check_ambiguous_dates(model: Path, data: Path, readers: dict[str, list[str]],
                           tmp_path: Path) -> None:
    """The rows whose date leaves day and month open, alone in a new file, score as the same
    rows did in the training file: the order training decided is stored in the rules."""
    delimiter = ";" if data.name.startswith("semicolon") else ","
    table = pd.read_csv(data, sep=delimiter, dtype=str, keep_default_na=False)
    parts = table["signed"].str.split("/", expand=True).astype(int)
    ambiguous = ((parts[0] <= 12) & (parts[1] <= 12)).to_numpy()
    assert 0 < ambiguous.sum() < len(table)
    subset = tmp_path / f"ambiguous{data.suffix}"
    table[ambiguous].to_csv(subset, sep=delimiter, index=False)
    out = tmp_path / "ambiguous_scores.csv"
    assert main(["score", str(model), str(subset), "--out", str(out), "-q"]) == EXIT_OK
    scores = pd.read_csv(out)
    column = next(c for c in scores.columns if c.startswith("probability") and "yes" in c)
    expected = _in_memory(model, data)[ambiguous]
    assert int((scores[column].to_numpy(np.float32) != expected).sum()) == 0
    for command in readers.values():
        assert _reference_reader_differences(command, subset, out, tmp_path) == 0


def _check_raw_golden(raw: Path, data: Path, tmp_path: Path) -> None:
    """Held-out records exactly as in the source file; scoring them gives the expected."""
    import csv

    delimiter = ";" if data.name.startswith("semicolon") else ","
    with data.open(encoding="utf-8", newline="") as handle:
        source = [tuple(r) for r in csv.reader(handle, delimiter=delimiter)]
    with raw.open(encoding="utf-8", newline="") as handle:
        golden = list(csv.reader(handle, delimiter=delimiter))
    width = len(source[0])
    assert golden[0][:width] == list(source[0]) and 0 < len(golden) - 1 <= 50
    assert all(tuple(r[:width]) in set(source[1:]) for r in golden[1:])
    expected = [c for c in golden[0] if c.startswith("expected:")]
    assert expected == ["expected:churned", "expected:probability of yes"]
    out = tmp_path / "raw_scores.csv"
    model = raw.with_name("m.onnx")
    assert main(["score", str(model), str(raw), "--out", str(out), "-q"]) == EXIT_OK
    scores = pd.read_csv(out, dtype=str, keep_default_na=False)
    mark = "," if delimiter == ";" else "."
    for column in ("churned", "probability of yes"):
        written = [r[golden[0].index("expected:" + column)] for r in golden[1:]]
        assert [v.replace(".", mark) for v in scores[column]] == written


NODE_MODULES = Path(__file__).resolve().parents[2] / "node" / "node_modules"


def _readers(package: Path) -> dict[str, list[str]]:
    """The commands of the exported reference readers that can run here."""
    import os
    import shutil
    import sys

    readers = {"python": [sys.executable, str(package / "m.score.py")]}
    node = shutil.which("node")
    if node and (NODE_MODULES / "onnxruntime-node").is_dir():
        # The receiving team installs onnxruntime-node beside the module; so does the test.
        (package / "node_modules").symlink_to(NODE_MODULES, target_is_directory=True)
        readers["javascript"] = [node, str(package / "m.score.mjs")]
    elif os.environ.get("GRISTMILL_REQUIRE_FOREIGN") == "1":
        pytest.fail("GRISTMILL_REQUIRE_FOREIGN=1 but onnxruntime-node is not installed")
    return readers


def _reference_reader_differences(command: list[str], data: Path, gristmill_scores: Path,
                                  tmp_path: Path) -> int:
    """Rows where a reference reader disagrees with `gristmill score` (decision text,
    probability to float32)."""
    import subprocess

    out = tmp_path / f"reference_scores_{Path(command[1]).suffix}.csv"
    subprocess.run([*command, str(data), str(out)], check=True, capture_output=True)
    ours = pd.read_csv(gristmill_scores, keep_default_na=False, dtype=str)
    theirs = pd.read_csv(out, keep_default_na=False, dtype=str)
    assert list(theirs.columns) == list(ours.columns)
    differing = np.zeros(len(ours), dtype=bool)
    for name in ours.columns:
        if name.startswith("probability"):
            a = ours[name].astype(np.float32).to_numpy()
            b = theirs[name].astype(np.float32).to_numpy()
            differing |= a != b
        else:
            differing |= ours[name].to_numpy() != theirs[name].to_numpy()
    return int(differing.sum())
