"""The golden file: input rows with the outputs the model must give, for integration tests.

The receiving team feeds these rows to the model in their own stack and compares. Rows are
a few generated edge cases (every value missing, unseen categories, extreme numbers) and
held-out rows, written exactly as fed to the model; expected values are onnxruntime's own
outputs at full precision. The column layout is documented in the model card.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from engine.errors import ExportError
from engine.export.metadata import ModelMetadata
from engine.recipe.inputs import InputColumn

if TYPE_CHECKING:
    import onnx
    import pandas as pd

CASE_COLUMN = "golden:case"
EXPECTED = "expected:"
HOLDOUT_CASE = "holdout row"


def golden_rows(
    model: onnx.ModelProto,
    metadata: ModelMetadata,
    inputs: Sequence[InputColumn],
    check_rows: pd.DataFrame,
    edges: pd.DataFrame,
    edge_cases: list[str],
    count: int,
) -> pd.DataFrame:
    """``count`` rows: the most telling edge cases first, then evenly spread held-out rows."""
    import numpy as np
    import pandas as pd

    from engine.export.parity import run_onnx
    from engine.recipe.onnx_graph import onnx_feed

    names = [c.name for c in inputs]
    taken = [n for n in names if n == CASE_COLUMN or n.startswith(EXPECTED)]
    if taken:
        raise ExportError(
            f"A column is named {taken[0]!r}, which the golden file uses for its own columns.",
            "Rename that column and train again.",
        )
    edge_pick = _pick_edges(edge_cases, max(0, count // 4))
    holdout_count = min(len(check_rows), count - len(edge_pick))
    spread = np.linspace(0, len(check_rows) - 1, holdout_count).round().astype(int)
    rows = pd.concat(
        [edges.iloc[edge_pick], check_rows.iloc[np.unique(spread)]], ignore_index=True
    )
    cases = [edge_cases[i] for i in edge_pick] + [HOLDOUT_CASE] * len(np.unique(spread))
    outputs = run_onnx(model, onnx_feed(rows, inputs))
    golden = rows.copy()
    golden[CASE_COLUMN] = cases
    for column, values in expected_columns(metadata, outputs).items():
        golden[column] = values
    return golden


def expected_columns(metadata: ModelMetadata, outputs: dict[str, Any]) -> dict[str, Any]:
    """The ``expected:*`` columns for a batch of onnxruntime outputs (see the card)."""
    import numpy as np

    columns: dict[str, Any] = {}
    if "variable" in outputs:
        columns[f"{EXPECTED}variable"] = np.asarray(outputs["variable"]).reshape(-1)
        return columns
    labels = np.asarray(outputs["label"]).reshape(-1)
    columns[f"{EXPECTED}label"] = labels.astype(str)
    if "probabilities" in outputs:
        proba = np.asarray(outputs["probabilities"])
        for index, label in enumerate(metadata.classes):
            columns[f"{EXPECTED}probability:{label}"] = proba[:, index]
        if "decision" in outputs:  # computed in the graph, as every runtime computes it
            columns[f"{EXPECTED}decision"] = np.asarray(outputs["decision"]).astype(str)
        elif metadata.threshold is not None and metadata.positive_class is not None:
            positive = metadata.classes.index(metadata.positive_class)
            other = next(c for c in metadata.classes if c != metadata.positive_class)
            # In double precision, as C#, Java and JavaScript compare a float with a double.
            chosen = proba[:, positive].astype(np.float64) >= metadata.threshold
            columns[f"{EXPECTED}decision"] = np.where(chosen, metadata.positive_class, other)
    elif "scores" in outputs:
        scores = np.asarray(outputs["scores"]).reshape(len(labels), -1)
        for index in range(scores.shape[1]):
            columns[f"{EXPECTED}score:{index}"] = scores[:, index]
    return columns


def write_golden_csv(golden: pd.DataFrame, inputs: Sequence[InputColumn], path: Any) -> None:
    """Write the golden rows as RFC 4180 CSV: numbers at full precision, missing as empty."""
    import csv

    import numpy as np

    kinds = {c.name: c.kind for c in inputs}
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(list(golden.columns))
        for row in golden.itertuples(index=False, name=None):
            cells = []
            for name, value in zip(golden.columns, row, strict=True):
                if kinds.get(name) == "categorical" or isinstance(value, str):
                    cells.append(value)
                elif value is None or (isinstance(value, float | np.floating) and np.isnan(value)):
                    cells.append("")
                else:
                    cells.append(repr(float(value)))
            writer.writerow(cells)


def _pick_edges(cases: list[str], limit: int) -> list[int]:
    """The edge rows that tell most: whole-row cases, unseen categories, then the rest."""
    def rank(index: int) -> int:
        case = cases[index]
        if case.startswith(("every", "typical")):
            return 0
        if case.endswith("never seen in training"):
            return 1
        return 2 if case.endswith("missing") else 3

    ordered = sorted(range(len(cases)), key=lambda i: (rank(i), i))
    return sorted(ordered[:limit])
