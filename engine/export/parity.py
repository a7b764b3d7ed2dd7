"""The parity gate: an export must predict what the trained model predicts.

The fitted scikit-learn pipeline and the ONNX graph score the same rows (held-out rows plus
generated edge rows: every column missing, unseen categories, extreme values). Labels must be
identical, probabilities within 1e-4, regression values within 1e-5 relative. Rows whose
probability sits exactly on the decision boundary are *ties*: either runtime may pick either
side, so they are reported (counted and listed) but do not fail the gate.

When the gate fails, :func:`locate_difference` converts the preprocessing alone and compares
its output part by part, so the message names the recipe step and columns that differ.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from engine.errors import ExportError
from engine.recipe.inputs import InputColumn

if TYPE_CHECKING:
    import numpy as np
    import onnx
    import pandas as pd

PROBABILITY_TOLERANCE = 1e-4
RELATIVE_TOLERANCE = 1e-5
TIE_WIDTH = 1e-6  # |p - boundary| below this is a tie (float32 rounding is ~6e-8 at 0.5)


@dataclass(frozen=True)
class ParityReport:
    """What the gate compared and found. ``passed`` is False when any non-tie row differs."""

    rows: int
    edge_rows: int
    label_mismatches: list[int] = field(default_factory=list)
    value_mismatches: list[int] = field(default_factory=list)
    ties: list[int] = field(default_factory=list)
    max_difference: float = 0.0
    difference_kind: str = "probability"  # probability | relative value | score
    step: str | None = None

    @property
    def passed(self) -> bool:
        return not self.label_mismatches and not self.value_mismatches

    def summary(self) -> str:
        """One sentence for the user and the model card."""
        compared = f"{self.rows:,} rows ({self.edge_rows} generated edge cases)"
        if not self.passed:
            return f"Parity FAILED on {compared}: " + self.failure_details()
        text = (
            f"Parity passed on {compared}: identical labels, largest {self.difference_kind} "
            f"difference {self.max_difference:.1e}"
        )
        if self.ties:
            text += (
                f"; {len(self.ties)} row(s) sit exactly on the decision boundary (ties), where "
                "the two runtimes may decide differently"
            )
        return text + "."

    def failure_details(self) -> str:
        parts = []
        if self.label_mismatches:
            parts.append(
                f"{len(self.label_mismatches)} row(s) get a different label "
                f"(rows {_row_list(self.label_mismatches)})"
            )
        if self.value_mismatches:
            parts.append(
                f"{len(self.value_mismatches)} row(s) differ by more than the tolerance "
                f"(largest {self.difference_kind} difference {self.max_difference:.2g}; rows "
                f"{_row_list(self.value_mismatches)})"
            )
        if self.step:
            parts.append(f"the difference starts in {self.step}")
        return "; ".join(parts) + "."

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "passed": self.passed}


def check_parity(
    pipeline: Any,
    model: onnx.ModelProto,
    rows: pd.DataFrame,
    inputs: Sequence[InputColumn],
    *,
    task: str,
    threshold: float | None = None,
    positive_class: str | None = None,
    edge_rows: int = 0,
) -> ParityReport:
    """Score ``rows`` (a model frame) with both runtimes and compare (see the module doc).

    The last ``edge_rows`` rows are the generated edge cases (the report counts them apart).
    """
    import numpy as np

    from engine.recipe.onnx_graph import onnx_feed

    outputs = run_onnx(model, onnx_feed(rows, inputs))
    report_args: dict[str, Any] = {"rows": len(rows), "edge_rows": edge_rows}
    if task in ("binary", "multiclass"):
        expected_proba = np.asarray(pipeline.predict_proba(rows), dtype=np.float64)
        expected_labels = np.asarray(pipeline.predict(rows)).astype(str)
        proba = np.asarray(outputs["probabilities"], dtype=np.float64)
        labels = np.asarray(outputs["label"]).astype(str).ravel()
        difference = np.abs(proba - expected_proba).max(axis=1)
        tie = _ties(expected_proba)
        if task == "binary" and threshold is not None and positive_class is not None:
            column = [str(c) for c in pipeline.classes_].index(positive_class)
            # Decisions at the stored threshold must agree too (the scorer applies it).
            tie |= np.abs(expected_proba[:, column] - threshold) < TIE_WIDTH
            # The graph's own decision output is what receiving teams read: check it.
            expected_decision = expected_proba[:, column] >= threshold
            if "decision" in outputs:
                decision = np.asarray(outputs["decision"]).astype(str).ravel()
                decided = (decision == positive_class) != expected_decision
            else:
                decided = (proba[:, column] >= threshold) != expected_decision
        else:
            decided = np.zeros(len(rows), dtype=bool)
        wrong_label = ((labels != expected_labels) | decided) & ~tie
        report_args |= {
            "label_mismatches": _indices(wrong_label),
            "value_mismatches": _indices(difference > PROBABILITY_TOLERANCE),
            "ties": _indices(tie),
            "max_difference": float(difference.max(initial=0.0)),
        }
    elif task == "regression":
        expected = np.asarray(pipeline.predict(rows), dtype=np.float64).ravel()
        values = np.asarray(outputs["variable"], dtype=np.float64).ravel()
        relative = np.abs(values - expected) / np.maximum(np.abs(expected), 1.0)
        report_args |= {
            "value_mismatches": _indices(relative > RELATIVE_TOLERANCE),
            "max_difference": float(relative.max(initial=0.0)),
            "difference_kind": "relative value",
        }
    else:  # clustering and anomaly: labels and scores
        expected_labels, expected_scores = unsupervised_outputs(pipeline, rows)
        labels = np.asarray(outputs["label"]).ravel()
        scores = np.asarray(outputs["scores"], dtype=np.float64).reshape(len(rows), -1)
        relative = np.abs(scores - expected_scores) / np.maximum(np.abs(expected_scores), 1.0)
        difference = relative.max(axis=1)
        report_args |= {
            "label_mismatches": _indices(labels.astype(str) != expected_labels.astype(str)),
            "value_mismatches": _indices(difference > RELATIVE_TOLERANCE),
            "max_difference": float(difference.max(initial=0.0)),
            "difference_kind": "relative score",
        }
    report = ParityReport(**report_args)
    if not report.passed:
        step = locate_difference(pipeline, rows, inputs, report)
        report = ParityReport(**{**report_args, "step": step})
    return report


def require_parity(report: ParityReport) -> None:
    """Raise :class:`ExportError` (the export is refused) unless the gate passed."""
    if not report.passed:
        raise ExportError(
            "The ONNX model does not predict what the trained model predicts, so it was not "
            "exported. " + report.failure_details(),
            "Please report this with the project file; meanwhile try another model family "
            "or remove the step named.",
        )


def unsupervised_outputs(pipeline: Any, rows: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's labels and scores in the ONNX graph's form (k-means distances,
    isolation forest decision scores)."""
    import numpy as np

    final = pipeline.steps[-1][1]
    labels = np.asarray(pipeline.predict(rows))
    if hasattr(final, "cluster_centers_"):
        scores = pipeline.transform(rows)
    else:
        scores = pipeline.decision_function(rows)
    return labels, np.asarray(scores, dtype=np.float64).reshape(len(rows), -1)


def run_onnx(model: onnx.ModelProto | bytes, feed: dict[str, Any]) -> dict[str, np.ndarray]:
    """Run a model once with onnxruntime on one thread; outputs by name."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    options.log_severity_level = 3
    data = model if isinstance(model, bytes) else model.SerializeToString()
    session = onnxruntime.InferenceSession(data, options, providers=["CPUExecutionProvider"])
    names = [output.name for output in session.get_outputs()]
    return dict(zip(names, session.run(names, feed), strict=True))


def locate_difference(
    pipeline: Any, rows: pd.DataFrame, inputs: Sequence[InputColumn], report: ParityReport
) -> str:
    """Name the first recipe part whose ONNX output differs, or the model itself."""
    import numpy as np

    from engine.recipe.onnx_graph import onnx_feed, to_onnx_model

    bad = sorted(set(report.label_mismatches) | set(report.value_mismatches))
    if len(pipeline.steps) < 2:
        return "the model step (there is no preprocessing)"
    try:
        from sklearn.pipeline import Pipeline

        preparation = Pipeline(pipeline.steps[:-1])
        graph = to_onnx_model(preparation, inputs)
        produced = np.asarray(run_onnx(graph, onnx_feed(rows, inputs))["variable"])
        expected = np.asarray(preparation.transform(rows), dtype=np.float32)
    except Exception as error:  # a converter that breaks on its own says so
        return f"the preprocessing, which cannot be converted on its own ({error})"
    both_nan = np.isnan(produced) & np.isnan(expected)
    close = np.isclose(produced, expected, rtol=1e-5, atol=1e-5) | both_nan
    columns = np.flatnonzero(~close[bad].all(axis=0)) if bad else np.flatnonzero(~close.all(0))
    if not len(columns):
        final = pipeline.steps[-1][1]
        return f"the model step ({type(final).__name__}); its inputs agree"
    return _describe_part(pipeline.steps[0][1], int(columns[0]), inputs)


def _describe_part(transformer: Any, column: int, inputs: Sequence[InputColumn]) -> str:
    """The recipe part that produces output column ``column`` of the column transformer."""
    indices = getattr(transformer, "output_indices_", None)
    if not indices:
        return f"the preprocessing step {type(transformer).__name__} (output column {column})"
    for name, part in indices.items():
        if part.start <= column < part.stop:
            fitted = next(t for n, t, _c in transformer.transformers_ if n == name)
            used = next(c for n, _t, c in transformer.transformers_ if n == name)
            steps = [step for step, _ in getattr(fitted, "steps", [(type(fitted).__name__, 0)])]
            steps = [s for s in steps if s not in ("source", "float32")] or ["pass-through"]
            names = [inputs[i].name if isinstance(i, int) else str(i) for i in _as_list(used)]
            return (
                f"recipe step(s) {' -> '.join(steps)} on column(s) "
                f"{', '.join(repr(n) for n in names)}"
            )
    return f"output column {column} of the preprocessing"


def _as_list(columns: Any) -> list[Any]:
    return list(columns) if isinstance(columns, list | tuple) else [columns]


def _ties(proba: np.ndarray) -> np.ndarray:
    """Rows whose two highest probabilities are equal within float32 rounding."""
    import numpy as np

    if proba.shape[1] < 2:
        return np.zeros(len(proba), dtype=bool)
    top = np.sort(proba, axis=1)[:, -2:]
    return (top[:, 1] - top[:, 0]) < TIE_WIDTH


def _indices(mask: np.ndarray) -> list[int]:
    import numpy as np

    return [int(i) for i in np.flatnonzero(mask)]


def _row_list(rows: list[int], shown: int = 10) -> str:
    text = ", ".join(str(r) for r in rows[:shown])
    return text + (f" and {len(rows) - shown} more" if len(rows) > shown else "")
