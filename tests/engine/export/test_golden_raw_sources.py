"""Raw golden rows for every source kind: a delimited file's cells verbatim (see the
acceptance test), and for Parquet, Excel, JSON lines and database tables the typed cells the
reader hands to scoring, in their text form. Their expected outputs are what the model gives
those rows in training, and the reference reader agrees with them."""

from __future__ import annotations

import csv
import sqlite3
import subprocess
import sys
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pandas as pd
import pytest

from engine.api import load_table
from engine.cli import EXIT_OK, main
from engine.export.golden_raw import EXPECTED, RawRows, raw_golden_rows, write_raw_golden
from engine.export.metadata import read_metadata
from engine.recipe.inputs import InputColumn, to_model_frame
from engine.sources.base import DatabaseSource, FileSource

ROWS = 300
POSITIONS = list(range(0, ROWS, 7))


def _frame() -> pd.DataFrame:
    rng = np.random.default_rng(8)
    amount = rng.gamma(2.0, 310.0, ROWS).round(2)
    amount[rng.random(ROWS) < 0.1] = np.nan
    plan = rng.choice(["basic", "plus", "pro"], ROWS).astype(object)
    plan[rng.random(ROWS) < 0.1] = None
    signed = pd.Timestamp("2021-01-01") + pd.to_timedelta(rng.integers(0, 900, ROWS), "D") \
        + pd.to_timedelta(rng.integers(0, 86_400, ROWS), "s")
    active = rng.random(ROWS) < 0.6
    score = (np.nan_to_num(amount, nan=600) - 600) / 300 + active - (plan == "pro") \
        + rng.normal(0, 1, ROWS)
    return pd.DataFrame({
        "amount": amount, "plan": plan, "active": active, "signed": signed,
        "churned": np.where(score > 0, "yes", "no"),
    })


def _sources(folder: Path) -> dict[str, object]:
    frame = _frame()
    parquet = folder / "t.parquet"
    frame.to_parquet(parquet, index=False)
    excel = folder / "t.xlsx"
    frame.to_excel(excel, index=False)
    jsonl = folder / "t.jsonl"
    frame.to_json(jsonl, orient="records", lines=True, date_format="iso")
    database = folder / "t.db"
    with sqlite3.connect(database) as connection:
        frame.to_sql("customers", connection, index=False)
    return {
        "parquet": FileSource(str(parquet)), "excel": FileSource(str(excel)),
        "jsonl": FileSource(str(jsonl)),
        "database": DatabaseSource(f"sqlite:///{database}", table="customers"),
    }


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, object]]:
    """(package folder, sources): a model trained and exported from the Parquet file."""
    folder = tmp_path_factory.mktemp("raw_sources")
    sources = _sources(folder)
    project = folder / "p.gristmill"
    assert main(["train", sources["parquet"].path, "--target", "churned",  # type: ignore[attr-defined]
                 "--project", str(project), "--models", "linear", "--max-trials", "1",
                 "--seed", "2", "--quiet"]) == EXIT_OK
    out = folder / "package"
    out.mkdir()
    # A link planted at the raw golden file's name must be replaced (--force), never written
    # through: the file goes through an exclusive temporary name like the other four.
    (folder / "victim.txt").write_text("keep", encoding="utf-8")
    (out / "m.golden_raw.csv").symlink_to(folder / "victim.txt")
    assert main(["export", "--project", str(project), "--out", str(out), "--name", "m",
                 "--force", "--quiet"]) == EXIT_OK
    return out, sources


def _in_memory(model: Path, source: object) -> np.ndarray:
    metadata = read_metadata(onnx.load(str(model)))
    inputs = [InputColumn(spec.name, spec.kind) for spec in metadata.inputs]
    frame = to_model_frame(load_table(source).frame, inputs)  # type: ignore[arg-type]
    session = ort.InferenceSession(str(model), providers=["CPUExecutionProvider"])
    feed = {c.name: frame[c.name].to_numpy().reshape(-1, 1) if c.kind == "categorical"
            else frame[c.name].to_numpy(np.float32).reshape(-1, 1) for c in inputs}
    column = list(metadata.classes).index(metadata.positive_class)
    return session.run(["probabilities"], feed)[0][:, column]


def _golden(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def test_the_export_writes_typed_raw_golden_rows(trained) -> None:
    out, _sources = trained
    raw = out / "m.golden_raw.csv"
    assert raw.is_file() and not raw.is_symlink()
    assert (out.parent / "victim.txt").read_text(encoding="utf-8") == "keep"
    assert not [p for p in out.iterdir() if p.name.endswith(".partial")]
    golden = _golden(raw)
    assert golden[0] == ["amount", "plan", "active", "signed", "churned",
                         "expected:churned", "expected:probability of yes"]
    assert 0 < len(golden) - 1 <= 50
    assert {r[2] for r in golden[1:]} <= {"True", "False"}
    assert all(r[3][:4] in ("2021", "2022", "2023") and "T" in r[3] for r in golden[1:])
    card = (out / "m.card.md").read_text(encoding="utf-8")
    assert "`m.golden_raw.csv`" in card and "in its text form" in card


@pytest.mark.parametrize("kind", ["parquet", "excel", "jsonl", "database"])
def test_raw_rows_of_every_kind_expect_what_the_model_gave_them(trained, kind, tmp_path):
    out, sources = trained
    model = out / "m.onnx"
    raw = raw_golden_rows(sources[kind], POSITIONS, ROWS)
    assert isinstance(raw, RawRows) and raw.kind == "typed", raw
    path = tmp_path / f"{kind}.golden_raw.csv"
    write_raw_golden(raw, model, path)
    golden = _golden(path)
    column = golden[0].index(EXPECTED + "probability of yes")
    expected = np.array([float(r[column]) for r in golden[1:]], dtype=np.float32)
    trained_on = _in_memory(model, sources[kind])[POSITIONS]
    assert int((expected != trained_on).sum()) == 0
    # The reference readers read the same raw cells the same way.
    for language, command in _readers(out).items():
        scores = tmp_path / f"{kind}_{language}.csv"
        subprocess.run([*command, str(path), str(scores)], check=True, capture_output=True)
        theirs = pd.read_csv(scores, dtype=str, keep_default_na=False)
        assert list(theirs["churned"]) == [r[golden[0].index(EXPECTED + "churned")]
                                           for r in golden[1:]], language
        probability = theirs["probability of yes"].astype(np.float32).to_numpy()
        assert int((probability != expected).sum()) == 0, language


def _readers(package: Path) -> dict[str, list[str]]:
    import shutil

    readers = {"python": [sys.executable, str(package / "m.score.py")]}
    modules = Path(__file__).resolve().parents[2] / "node" / "node_modules"
    node = shutil.which("node")
    if node and (modules / "onnxruntime-node").is_dir():
        link = package / "node_modules"
        if not link.exists():
            link.symlink_to(modules, target_is_directory=True)
        readers["javascript"] = [node, str(package / "m.score.mjs")]
    return readers


def test_rows_that_no_longer_match_are_not_written(trained, tmp_path) -> None:
    _out, sources = trained
    assert "no longer match" in raw_golden_rows(sources["parquet"], POSITIONS, ROWS + 1)
    assert "no longer there" in raw_golden_rows(FileSource(str(tmp_path / "x.parquet")),
                                                POSITIONS, ROWS)
