"""A foreign client on an OLD onnxruntime: score a Gristmill package's golden file.

Usage: python score_golden_old_ort.py DIR NAME

Runs in its own virtualenv (the oldest onnxruntime the exporter promises to support, with
numpy<2), so it imports only the standard library, numpy and onnxruntime -- never the engine.
Same behaviour and output as tests/node/score_golden.mjs: reads DIR/NAME.model.json and
DIR/NAME.golden.csv, feeds every input as a [N, 1] tensor (float32 with NaN for an empty cell,
string with "" for an empty cell), runs DIR/NAME.onnx and compares with the ``expected:*``
columns: labels (and the binary decision at the stored threshold) identical, numbers within
1e-5 (absolute; relative for values above 1 in size). It also checks that the ``gristmill``
metadata entry is there and parses as JSON in the "gristmill-model" format.

Prints one JSON line {"rows", "label_mismatches", "max_difference", "outputs", ...} and exits
0 when everything matches, 1 when something differs, 2 on an error (message on stderr).
"""

from __future__ import annotations

import csv
import json
import math
import sys
import traceback
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime

TOLERANCE = 1e-5
SHOWN_MISMATCHES = 5
CONTRACT_KEY = "gristmill"


class UsageError(Exception):
    """Something about the package or the command line that stops the comparison."""


class Golden:
    """The golden file: its header positions and data rows (lists of strings)."""

    def __init__(self, path: Path) -> None:
        try:
            # utf-8-sig drops a byte order mark; newline="" lets csv read newlines in quotes.
            with path.open(encoding="utf-8-sig", newline="") as handle:
                records = list(csv.reader(handle, strict=True))
        except (OSError, UnicodeDecodeError, csv.Error) as error:
            raise UsageError(f"cannot read {path}: {error}") from None
        if len(records) < 2:
            raise UsageError(f"{path} has no data rows")
        header, *self.rows = records
        for number, row in enumerate(self.rows, start=1):
            if len(row) != len(header):
                raise UsageError(
                    f"{path}: data row {number} has {len(row)} fields, the header {len(header)}"
                )
        self.index = {name: j for j, name in enumerate(header)}
        if len(self.index) != len(header):
            raise UsageError(f"{path}: a column name appears twice in the header")

    def has(self, name: str) -> bool:
        return name in self.index

    def column(self, name: str) -> list[str]:
        if name not in self.index:
            raise UsageError(f"the golden file has no column {name!r}")
        j = self.index[name]
        return [row[j] for row in self.rows]


def parse_float(text: str, column: str, row: int) -> float:
    """A cell as a number: empty is NaN; Python's nan/inf spellings are accepted."""
    cell = text.strip()
    if not cell:
        return math.nan
    try:
        return float(cell)
    except ValueError:
        raise UsageError(
            f"golden row {row + 1}, column {column!r}: {text!r} is not a number"
        ) from None


class Comparison:
    """Label and number comparisons across outputs."""

    def __init__(self) -> None:
        self.label_mismatches = 0
        self.value_mismatches = 0
        self.max_difference = 0.0
        self.shown: list[str] = []

    def _note(self, message: str) -> None:
        if len(self.shown) < SHOWN_MISMATCHES:
            self.shown.append(message)

    def labels(self, name: str, actual: list[Any], expected: list[str]) -> None:
        for row, (value, want) in enumerate(zip(actual, expected, strict=True)):
            got = value.decode("utf-8") if isinstance(value, bytes) else str(value)
            if got != want:
                self.label_mismatches += 1
                self._note(f"row {row + 1} {name}: got {got!r}, expected {want!r}")

    def numbers(self, name: str, actual: np.ndarray, expected: list[str]) -> None:
        for row, (value, text) in enumerate(zip(actual.tolist(), expected, strict=True)):
            want = parse_float(text, name, row)
            got = float(value)
            if math.isnan(want) and math.isnan(got):
                continue
            difference = abs(got - want)
            self.max_difference = max(self.max_difference, difference)
            if math.isnan(difference):
                self.max_difference = math.inf
            if not difference <= TOLERANCE * max(1.0, abs(want)):
                self.value_mismatches += 1
                self._note(
                    f"row {row + 1} {name}: got {got}, expected {want} (difference {difference})"
                )


def read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except OSError as error:
        raise UsageError(f"cannot read {path}: {error}") from None
    except ValueError as error:
        raise UsageError(f"{path} is not valid JSON: {error}") from None
    if not isinstance(data, dict) or data.get("format") != "gristmill-model":
        raise UsageError(f"{path} is not a Gristmill model description")
    if not isinstance(data.get("inputs"), list) or not isinstance(data.get("outputs"), list):
        raise UsageError(f"{path} has no inputs or outputs")
    return data


def check_embedded_contract(
    session: onnxruntime.InferenceSession, metadata: dict[str, Any]
) -> None:
    """The ``gristmill`` entry must be readable here and agree with the sidecar file."""
    custom = session.get_modelmeta().custom_metadata_map
    if CONTRACT_KEY not in custom:
        raise UsageError(
            f"the model has no {CONTRACT_KEY!r} metadata entry (keys: {sorted(custom)})"
        )
    try:
        contract = json.loads(custom[CONTRACT_KEY])
    except ValueError as error:
        raise UsageError(f"the {CONTRACT_KEY!r} metadata entry is not JSON: {error}") from None
    if not isinstance(contract, dict) or contract.get("format") != "gristmill-model":
        raise UsageError(
            f"the {CONTRACT_KEY!r} metadata entry is not in the gristmill-model format"
        )
    names = [item.get("name") for item in contract.get("inputs", [])]
    if names != [item["name"] for item in metadata["inputs"]]:
        raise UsageError(f"the embedded contract lists inputs {names}, model.json others")


def build_feed(metadata: dict[str, Any], golden: Golden) -> dict[str, np.ndarray]:
    feed = {}
    for spec in metadata["inputs"]:
        name, kind = spec["name"], spec.get("type")
        cells = golden.column(name)
        if kind == "float":
            values = [parse_float(cell, name, row) for row, cell in enumerate(cells)]
            feed[name] = np.array(values, dtype=np.float32).reshape(-1, 1)
        elif kind == "string":
            feed[name] = np.array(cells, dtype=object).reshape(-1, 1)
        else:
            raise UsageError(f"input {name!r} has type {kind!r}; expected float or string")
    return feed


def compare(
    metadata: dict[str, Any], results: dict[str, np.ndarray], golden: Golden
) -> tuple[Comparison, list[str]]:
    comparison = Comparison()
    compared = []
    rows = len(golden.rows)
    for name in metadata["outputs"]:
        if name not in results:
            raise UsageError(f"the model gave no output {name!r}")
        array = np.asarray(results[name])
        if array.shape[0] != rows:
            raise UsageError(f"output {name} has {array.shape[0]} rows for {rows} input rows")
        matrix = array.reshape(rows, -1)
        if name == "label":
            comparison.labels("label", array.reshape(-1).tolist(), golden.column("expected:label"))
        elif name == "probabilities":
            classes = metadata.get("classes") or []
            if len(classes) != matrix.shape[1]:
                raise UsageError(
                    f"{len(classes)} classes in model.json, {matrix.shape[1]} probability columns"
                )
            for j, label in enumerate(classes):
                header = f"expected:probability:{label}"
                comparison.numbers(header, matrix[:, j], golden.column(header))
        elif name == "variable":
            comparison.numbers("variable", matrix[:, 0], golden.column("expected:variable"))
        elif name == "scores":
            for j in range(matrix.shape[1]):
                header = f"expected:score:{j}"
                comparison.numbers(header, matrix[:, j], golden.column(header))
        elif name == "decision":  # the binary decision at the threshold, made in the graph
            decisions = [str(v) for v in array.reshape(-1).tolist()]
            comparison.labels("decision", decisions, golden.column("expected:decision"))
        else:
            raise UsageError(f"output {name!r} is not one the package format defines")
        compared.append(name)
    if golden.has("expected:decision") and "decision" not in compared:
        # Older packages: the decision as a client makes it (P(positive) >= threshold).
        classes = metadata.get("classes") or []
        positive, threshold = metadata.get("positive_class"), metadata.get("threshold")
        if (
            "probabilities" not in results
            or len(classes) != 2
            or positive not in classes
            or not isinstance(threshold, (int, float))
        ):
            raise UsageError(
                "the golden file has expected:decision but model.json has no binary threshold"
            )
        j = classes.index(positive)
        p = np.asarray(results["probabilities"]).reshape(rows, 2)[:, j]
        decisions = [positive if value >= threshold else classes[1 - j] for value in p.tolist()]
        comparison.labels("decision", decisions, golden.column("expected:decision"))
        compared.append("decision")
    if not compared:
        raise UsageError("model.json lists no outputs to compare")
    return comparison, compared


def main(argv: list[str]) -> int:
    """Score and compare; return the exit code (see the module docstring)."""
    if len(argv) != 2:
        raise UsageError("usage: python score_golden_old_ort.py DIR NAME")
    directory, name = Path(argv[0]), argv[1]
    metadata = read_json(directory / f"{name}.model.json")
    golden = Golden(directory / f"{name}.golden.csv")
    # One thread: 50 rows need no parallelism, and spinning worker threads crawl on a busy box.
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    try:
        session = onnxruntime.InferenceSession(
            str(directory / f"{name}.onnx"), options, providers=["CPUExecutionProvider"]
        )
    except Exception as error:  # onnxruntime raises its own exception types per version
        raise UsageError(
            f"onnxruntime {onnxruntime.__version__} cannot load the model: {error}"
        ) from None
    check_embedded_contract(session, metadata)
    graph_inputs = sorted(i.name for i in session.get_inputs())
    described = [spec["name"] for spec in metadata["inputs"]]
    if graph_inputs != sorted(described):
        raise UsageError(
            f"the model's inputs {graph_inputs} are not the ones model.json describes {described}"
        )
    names = [o.name for o in session.get_outputs()]
    results = dict(zip(names, session.run(names, build_feed(metadata, golden)), strict=True))
    comparison, compared = compare(metadata, results, golden)
    report = {
        "rows": len(golden.rows),
        "label_mismatches": comparison.label_mismatches,
        "max_difference": comparison.max_difference
        if math.isfinite(comparison.max_difference)
        else None,
        "outputs": compared,
        "value_mismatches": comparison.value_mismatches,
        "tolerance": TOLERANCE,
        "runtime": f"onnxruntime {onnxruntime.__version__}",
    }
    print(json.dumps(report), flush=True)
    for message in comparison.shown:
        print(f"mismatch: {message}", file=sys.stderr)
    return 0 if comparison.label_mismatches == comparison.value_mismatches == 0 else 1


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except UsageError as error:
        print(f"score_golden_old_ort: {error}", file=sys.stderr)
        sys.exit(2)
    except Exception:  # anything unexpected is an error (2), never a "mismatch" (1)
        traceback.print_exc()
        sys.exit(2)
