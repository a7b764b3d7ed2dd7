"""The order of day and month is decided once, at training, and stored in the reading rules:
scoring, drift and both reference readers read a file whose dates are all ambiguous (every day
12 or less) the way training read its column."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from engine.export import reader_python
from engine.export.score_input import ColumnConverter, ModelInput
from engine.export.source_cells import training_date_orders
from engine.recipe.cells import CellRules
from engine.sources.base import FileSource

AMBIGUOUS = ["03/04/2024", "05/06/2023", "12/01/2022", "", "NA", "01/02/2021"]
NODE = shutil.which("node")


def _days(cells: list[str], month_first: bool) -> list[float]:
    out = []
    for cell in cells:
        if cell in ("", "NA"):
            out.append(float("nan"))
            continue
        a, b, year = (int(part) for part in cell.split("/"))
        month, day = (a, b) if month_first else (b, a)
        out.append(float(np.float32((dt.date(year, month, day) - dt.date(1970, 1, 1)).days)))
    return out


def _rules(order: str) -> CellRules:
    return CellRules("date", date_order=order)


def _same(a: list[float], b: list[float]) -> bool:
    return bool(np.array_equal(np.asarray(a, np.float32), np.asarray(b, np.float32),
                               equal_nan=True))


@pytest.mark.parametrize(("written", "order"), [
    (["01/31/2024", "02/03/2024", ""], "month first"),
    (["31/01/2024", "02/03/2024", "NA"], "day first"),
    (["02/03/2024", "04/05/2024"], "day first"),  # nothing proves either: the loader's default
    (["2024-01-31", "2024-02-03"], "year first"),
])
def test_training_decides_the_order_over_the_whole_column(tmp_path, written, order) -> None:
    path = tmp_path / "train.csv"
    pd.DataFrame({"signed": written, "x": range(len(written))}).to_csv(path, index=False)
    assert training_date_orders(FileSource(str(path)), ["signed"]) == {"signed": order}


def test_a_typed_or_unreadable_source_stores_no_order(tmp_path) -> None:
    path = tmp_path / "typed.parquet"
    pd.DataFrame({"signed": pd.to_datetime(["2024-01-31", "2024-02-03"])}).to_parquet(path)
    assert training_date_orders(FileSource(str(path)), ["signed"]) == {}
    assert training_date_orders(FileSource(str(tmp_path / "gone.csv")), ["signed"]) == {}


@pytest.mark.parametrize("order", ["month first", "day first"])
def test_scoring_and_the_python_reader_use_the_stored_order(order: str) -> None:
    expected = _days(AMBIGUOUS, month_first=order == "month first")
    converter = ColumnConverter(ModelInput("signed", "date", "float", rules=_rules(order)))
    scored = converter.convert(pd.Series(AMBIGUOUS, dtype=object)).reshape(-1).tolist()
    assert _same(scored, expected)
    rules = _rules(order).to_dict()
    assert _same(reader_python.read_dates(AMBIGUOUS, rules), expected)
    assert order.split()[0] in _rules(order).words()  # the card says it in words


@pytest.mark.skipif(NODE is None, reason="no node")
def test_the_javascript_reader_uses_the_stored_order(tmp_path: Path) -> None:
    # readDates needs no runtime: a stand-in module lets it load without onnxruntime-node.
    stub = tmp_path / "node_modules" / "onnxruntime-node"
    stub.mkdir(parents=True)
    (stub / "package.json").write_text('{"name": "onnxruntime-node", "type": "module", '
                                       '"main": "index.js"}', encoding="utf-8")
    (stub / "index.js").write_text("export const stub = true;\n", encoding="utf-8")
    shutil.copy(Path(reader_python.__file__).with_name("reader_node.mjs"), tmp_path / "r.mjs")
    probe = tmp_path / "probe.mjs"
    rules = {order: _rules(order).to_dict() for order in ("month first", "day first")}
    probe.write_text(
        "import { readDates } from './r.mjs';\n"
        f"const rules = {json.dumps(rules)};\nconst cells = {json.dumps(AMBIGUOUS)};\n"
        "console.log(JSON.stringify(Object.fromEntries(Object.entries(rules).map("
        "([k, r]) => [k, readDates(cells, r).map((v) => (Number.isNaN(v) ? null : v))]))));\n",
        encoding="utf-8")
    run = subprocess.run([NODE, str(probe)], capture_output=True, text=True, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    read = json.loads(run.stdout)
    for order, values in read.items():
        got = [float("nan") if v is None else v for v in values]
        assert _same(got, _days(AMBIGUOUS, month_first=order == "month first")), order
