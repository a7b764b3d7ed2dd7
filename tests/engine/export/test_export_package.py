"""``gristmill export`` on a trained project: the four files and what they promise."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from export_data import NON_ASCII_COLUMN

from engine.cli import EXIT_INPUT, main
from engine.export.golden import CASE_COLUMN
from engine.export.metadata import CONTRACT_KEY, FULL_KEY, read_metadata

# Trains real models: the Qt-blocked re-run in tests/test_codebase.py leaves it out.
pytestmark = pytest.mark.slow


def _files(package: tuple[Path, str]) -> dict[str, Path]:
    folder, name = package
    return {
        "model": folder / f"{name}.onnx",
        "metadata": folder / f"{name}.model.json",
        "golden": folder / f"{name}.golden.csv",
        "card": folder / f"{name}.card.md",
    }


def test_the_package_has_four_files_a_reader_and_no_leftovers(exported_package) -> None:
    files = _files(exported_package)
    assert all(path.is_file() and path.stat().st_size > 0 for path in files.values())
    folder, name = exported_package
    # The reference readers, and the raw golden rows (the training data is a CSV file).
    readers = [folder / f"{name}.score.py", folder / f"{name}.score.mjs",
               folder / f"{name}.golden_raw.csv"]
    assert all(reader.is_file() for reader in readers)
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [p.name for p in files.values()] + [reader.name for reader in readers]
    )


def test_the_graph_follows_the_contract(exported_package) -> None:
    model = onnx.load(_files(exported_package)["model"])
    onnx.checker.check_model(model, full_check=True)
    opsets = {entry.domain: entry.version for entry in model.opset_import}
    assert opsets[""] <= 17 and opsets.get("ai.onnx.ml", 1) <= 3  # pinned for old runtimes
    assert model.ir_version <= 8  # onnxruntime 1.16 reads up to IR 9
    names = [value.name for value in model.graph.input]
    assert "monthly income" in names and NON_ASCII_COLUMN in names
    outputs = [value.name for value in model.graph.output]
    assert outputs == ["label", "probabilities", "decision"]  # the decision is in the graph
    types = {value.name: value.type.tensor_type.elem_type for value in model.graph.input}
    assert types[NON_ASCII_COLUMN] == onnx.TensorProto.STRING
    assert types["monthly income"] == onnx.TensorProto.FLOAT
    assert model.producer_name == "Gristmill"


def test_metadata_is_inside_and_beside_the_model(exported_package) -> None:
    files = _files(exported_package)
    model = onnx.load(files["model"])
    metadata = read_metadata(model)
    assert metadata is not None
    sidecar = json.loads(files["metadata"].read_text(encoding="utf-8"))
    assert sidecar == json.loads(metadata.to_json())
    assert metadata.task == "binary" and metadata.classes == ("no", "yes")
    assert metadata.positive_class == "yes"
    assert 0.0 < metadata.threshold < 1.0 and metadata.threshold_reason
    assert metadata.metrics["primary"] == "roc_auc"
    assert 0.5 < metadata.metrics["holdout"]["roc_auc"] <= 1.0
    assert metadata.data["fingerprint"] and metadata.data["train_rows"] > 3000
    assert metadata.data["key_columns"] == ["customer_id"]
    spec = {s.name: s for s in metadata.inputs}
    assert spec["signup_date"].kind == "date"
    assert set(spec[NON_ASCII_COLUMN].categories) >= {"North", "South"}
    reference = metadata.reference
    assert len(reference["columns"]["monthly income"]["quantiles"]) == 101
    assert reference["scores"]["name"] == "probability of 'yes'"
    assert reference["importances"]  # permutation importances of the evaluation
    # The contract entry is readable as plain JSON by C# and Java without gzip.
    session = ort.InferenceSession(str(files["model"]), providers=["CPUExecutionProvider"])
    entries = session.get_modelmeta().custom_metadata_map
    contract = json.loads(entries[CONTRACT_KEY])
    assert contract["threshold"] == metadata.threshold
    assert [i["name"] for i in contract["inputs"]] == [s.name for s in metadata.inputs]
    assert FULL_KEY in entries


def test_golden_rows_replay_exactly_in_onnxruntime(exported_package) -> None:
    files = _files(exported_package)
    metadata = read_metadata(onnx.load(files["model"]))
    with open(files["golden"], newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 50
    cases = [row[CASE_COLUMN] for row in rows]
    assert "every value missing" in cases
    assert any(case.endswith("never seen in training") for case in cases)
    assert any("far above" in case for case in cases)
    feed = {}
    for spec in metadata.inputs:
        if spec.onnx_type == "string":
            feed[spec.name] = np.array([[row[spec.name]] for row in rows], dtype=object)
        else:
            values = [float(row[spec.name]) if row[spec.name] else np.nan for row in rows]
            feed[spec.name] = np.array(values, dtype=np.float32).reshape(-1, 1)
    session = ort.InferenceSession(str(files["model"]), providers=["CPUExecutionProvider"])
    labels, proba = session.run(["label", "probabilities"], feed)
    assert list(labels.ravel()) == [row["expected:label"] for row in rows]
    for index, label in enumerate(metadata.classes):
        expected = np.array([float(row[f"expected:probability:{label}"]) for row in rows])
        np.testing.assert_allclose(proba[:, index], expected, atol=1e-7)
    positive = metadata.classes.index("yes")
    decided = np.where(proba[:, positive].astype(float) >= metadata.threshold, "yes", "no")
    assert list(decided) == [row["expected:decision"] for row in rows]


def test_the_card_names_the_real_inputs(exported_package) -> None:
    card = _files(exported_package)["card"].read_text(encoding="utf-8")
    assert "monthly income" in card and NON_ASCII_COLUMN in card
    assert "Parity passed" in card
    for language in ("Python", "C#", "Java", "JavaScript"):
        assert language in card


def test_the_project_keeps_the_exported_bytes(exported_project) -> None:
    from engine.api import open_project

    project_path, folder, name = exported_project
    with open_project(project_path) as project:
        exports = project.list_exports()
        assert len(exports) == 1 and exports[0].parity["passed"]
        stored = project.load_export_bytes(exports[0].id)
    assert stored == (folder / f"{name}.onnx").read_bytes()


def test_regression_package_outputs_variable(exported_regression_package) -> None:
    files = _files(exported_regression_package)
    model = onnx.load(files["model"])
    assert [value.name for value in model.graph.output] == ["variable"]
    metadata = read_metadata(model)
    assert metadata.task == "regression" and metadata.threshold is None
    header = files["golden"].read_text(encoding="utf-8").splitlines()[0]
    assert header.endswith("expected:variable")


def test_export_json_and_bad_run(exported_project, tmp_path: Path, capsys) -> None:
    project_path, _folder, _name = exported_project
    out = tmp_path / "again"
    assert main(["export", "--project", str(project_path), "--out", str(out), "--json",
                 "--quiet"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["parity"]["passed"] and Path(document["files"]["model"]).is_file()
    assert main(["export", "--project", str(project_path), "--run", "99", "--out",
                 str(out)]) == EXIT_INPUT
    assert "no run number 99" in capsys.readouterr().err
    assert main(["export", "--project", str(tmp_path / "none.gristmill"), "--out",
                 str(out)]) == EXIT_INPUT
    assert "no project file" in capsys.readouterr().err


@pytest.mark.parametrize("field", ["threshold", "classes"])
def test_hand_edited_metadata_is_refused(exported_package, tmp_path: Path, field: str) -> None:
    """Edit the contract entry only (the entries then disagree), or both consistently (the
    graph then disagrees): either way scoring must refuse the file, not score wrongly."""
    import base64
    import gzip

    from engine.errors import ModelFileError

    model = onnx.load(_files(exported_package)["model"])
    props = {p.key: p for p in model.metadata_props}
    contract = json.loads(props[CONTRACT_KEY].value)
    if field == "threshold":
        contract["threshold"] = 0.9
        props[CONTRACT_KEY].value = json.dumps(contract)
        expected = "disagree"
    else:
        full = json.loads(gzip.decompress(base64.b64decode(props[FULL_KEY].value)))
        for document in (contract, full):
            document["classes"] = ["no", "yes", "maybe"]
        props[CONTRACT_KEY].value = json.dumps(contract)
        props[FULL_KEY].value = base64.b64encode(gzip.compress(json.dumps(full).encode())).decode()
        expected = "does not match its graph"
    with pytest.raises(ModelFileError, match=expected):
        read_metadata(model)


def test_the_card_states_the_metrics_at_the_decision_threshold(exported_project) -> None:
    """The card's precision, recall, F1 and accuracy are the holdout's at the stored
    threshold (the one the `decision` output uses), not at 0.5, and say where it was chosen."""
    from engine.api import open_project
    from engine.evaluation.result import Evaluation
    from engine.evaluation.threshold import outcome_at

    project_path, folder, name = exported_project
    with open_project(project_path) as project:
        run = project.list_runs()[-1]
        stored, _threshold = project.load_evaluation(run.id)
    analysis = Evaluation.from_dict(stored).thresholds
    threshold = read_metadata(onnx.load(str(folder / f"{name}.onnx"))).threshold
    assert threshold == analysis.choice.threshold

    def figures(value: float) -> list[str]:
        point = outcome_at(analysis, value)
        accuracy = (point.tp + point.tn) / analysis.rows
        return [f"{v:.4g}" for v in (point.precision, point.recall, point.f1, accuracy)]

    card = (folder / f"{name}.card.md").read_text(encoding="utf-8")
    section = card.split("### At the decision threshold\n")[1].split("\n### ")[0]
    row = next(line for line in section.splitlines() if line.startswith("| 0") or
               line.startswith("| 1"))
    shown = [cell.strip() for cell in row.strip("|").split("|")]
    assert shown == figures(threshold)
    if figures(0.5) != figures(threshold):
        assert shown != figures(0.5)
    assert f"**{threshold:.4g}**" in section
    assert "chosen on out-of-fold predictions of the training rows" in section
    assert f"measured on the {analysis.rows:,} held-out rows" in section


def test_the_drift_check_reads_in_the_models_own_chunk_size(exported_package, monkeypatch):
    """Drift streams the new file in the chunks batch scoring uses (engine.export.chunk_size),
    not a fixed 100,000 rows: one rule for the model's memory."""
    from dataclasses import replace

    from engine.export.scoring_model import load_scoring_model
    from engine.monitor.check import check_drift
    from engine.sources import stream
    from engine.sources.base import FileSource

    folder, name = exported_package
    model = replace(load_scoring_model(folder / f"{name}.onnx"), chunk_rows=1_500)
    asked: list[int] = []
    real = stream.open_tracked_stream

    def recording(source, job, *, chunk_rows, password=None):
        asked.append(chunk_rows)
        return real(source, job, chunk_rows=chunk_rows, password=password)

    monkeypatch.setattr(stream, "open_tracked_stream", recording)
    report = check_drift(model, FileSource(str(folder.parent / "churn_accents.csv")))
    assert asked == [1_500] and report.rows > 1_500


def test_a_raw_golden_file_gristmill_did_not_write_is_kept_without_force(tmp_path) -> None:
    from engine.errors import InputError
    from engine.export.package import refuse_foreign_files

    (tmp_path / "m.golden_raw.csv").write_text("mine\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"m\.golden_raw\.csv"):
        refuse_foreign_files(tmp_path, "m")

