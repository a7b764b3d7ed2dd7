"""Write scores chunk by chunk to CSV or Parquet, all or nothing.

The rows go to a temporary file beside the output, renamed over it only when every chunk is
written: a cancelled or failed run never leaves half a file, and never replaces the previous
output before the new one is complete. Columns: the key columns (or ``row``, the 1-based
position of the data row), then

- binary models with a threshold: the decision first, named for the business question (the
  target's name, e.g. ``churned`` with the class labels ``yes``/``no``; ``decision`` when the
  model names no target or a key column has that name), then ``probability of <positive>``;
  no arg-max column, which would disagree with the decision and be read first;
- other classifiers: ``prediction``, ``probability:<class>`` per class;
- regression: ``prediction``; clustering and anomaly models: ``prediction``, ``score:<j>``.
"""

from __future__ import annotations

import contextlib
import os
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from engine.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

    from engine.export.scoring_model import ScoringModel

FORMATS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}
RESERVED = ("row", "prediction", "decision")


def output_format(path: Path) -> str:
    """``csv`` or ``parquet`` from the output's suffix; InputError for anything else."""
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise InputError(
            f"Gristmill cannot write scores to a {path.suffix or 'suffix-less'} file "
            f"({path.name}).",
            "End the output name with .csv or .parquet.",
        )
    if not path.parent.expanduser().is_dir():
        raise InputError(
            f"The folder {path.parent} does not exist.", "Create it, or choose another folder."
        )
    if path.is_dir():
        raise InputError(f"{path} is a folder.", "Give a file name ending in .csv or .parquet.")
    return fmt


def check_key_names(keys: list[str]) -> None:
    """Key columns may not take the names of the score columns."""
    clash = [k for k in keys
             if k in RESERVED or k.startswith(("probability:", "probability of ", "score:"))]
    if clash:
        raise InputError(
            f"The key column {clash[0]!r} has the name of a column the scores are written to.",
            "Choose other key columns (--keys), or rename that column in the data.",
        )


class ScoreWriter:
    """Appends score tables to a temporary file; :meth:`commit` renames it over the output."""

    def __init__(self, path: Path, fmt: str) -> None:
        self.path = path.expanduser()
        self.fmt = fmt
        self.temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}.partial")
        self._writer: Any = None
        self._schema: pa.Schema | None = None

    def write(self, table: pa.Table) -> None:
        if self._writer is None:
            self._schema = pa.schema(
                [f.with_type(pa.large_string()) if pa.types.is_null(f.type) else f
                 for f in table.schema]
            )
            try:
                self._writer = self._open(self._schema)
            except OSError as error:
                raise InputError(
                    f"The scores cannot be written in {self.path.parent} "
                    f"({error.strerror or error}).",
                    "Choose a folder you can write to (--out).",
                ) from None
        assert self._schema is not None
        try:
            table = table.cast(self._schema)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as error:
            raise InputError(
                f"A key column changes type partway through the data ({error}).",
                "Choose key columns with one kind of value (--keys).",
            ) from None
        self._writer.write_table(table)

    def _open(self, schema: pa.Schema) -> Any:
        if self.fmt == "csv":
            import pyarrow.csv as pv

            return pv.CSVWriter(str(self.temporary), schema)
        import pyarrow.parquet as pq

        return pq.ParquetWriter(str(self.temporary), schema, compression="snappy")

    def commit(self) -> None:
        """Finish the file and put it in place of the output."""
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        try:
            os.replace(self.temporary, self.path)
        except OSError as error:
            raise InputError(
                f"{self.path.name} cannot be replaced ({error.strerror or error}).",
                "Close it if another program has it open, or choose another name (--out).",
            ) from None

    def abort(self) -> None:
        """Drop the temporary file (the previous output, if any, is untouched)."""
        if self._writer is not None:
            with contextlib.suppress(Exception):
                self._writer.close()
            self._writer = None
        with contextlib.suppress(OSError):
            self.temporary.unlink()


class ScoreTally:
    """Counts of predictions and decisions, and the range of predicted values (no rows kept)."""

    def __init__(self) -> None:
        self.predictions: Counter[str] = Counter()
        self.decisions: Counter[str] = Counter()
        self.value_sum = 0.0
        self.value_count = 0
        self.value_min = float("inf")
        self.value_max = float("-inf")

    def add_values(self, values: np.ndarray) -> None:
        finite = values[np.isfinite(values)]
        if finite.size:
            self.value_sum += float(finite.sum(dtype=np.float64))
            self.value_count += int(finite.size)
            self.value_min = min(self.value_min, float(finite.min()))
            self.value_max = max(self.value_max, float(finite.max()))

    def value_range(self) -> dict[str, float] | None:
        if not self.value_count:
            return None
        return {
            "min": self.value_min,
            "mean": self.value_sum / self.value_count,
            "max": self.value_max,
        }


def score_table(
    model: ScoringModel,
    outputs: dict[str, Any],
    chunk: pd.DataFrame,
    keys: list[str],
    first_row: int,
    tally: ScoreTally,
) -> pa.Table:
    """The output rows of one chunk: keys, prediction, probabilities, decision, scores."""
    columns: dict[str, pa.Array] = {}
    for key in keys:
        columns[key] = pa.array(chunk[key], from_pandas=True)
    if not keys:
        columns["row"] = pa.array(np.arange(first_row, first_row + len(chunk), dtype=np.int64))
    classes = list(model.classes)
    decision_name = decision_column(model, keys)
    if decision_name is not None and model.probability_output is not None:
        matrix, _ = _probabilities(outputs[model.probability_output], classes)
        if model.decision_output is not None:  # decided inside the graph
            decision = np.asarray(outputs[model.decision_output]).astype(str).reshape(-1)
        else:  # models exported before the graph carried it
            decision = _decision(model, matrix, classes)
        assert decision is not None and model.positive_class is not None
        columns[decision_name] = pa.array(decision)
        tally.decisions.update(_counts(decision))
        positive = classes.index(model.positive_class)
        columns[f"probability of {model.positive_class}"] = pa.array(matrix[:, positive])
        return pa.table(columns)
    if model.value_output is not None:
        values = np.asarray(outputs[model.value_output]).reshape(len(chunk), -1)
        if values.shape[1] == 1:
            columns["prediction"] = pa.array(values[:, 0])
            tally.add_values(values[:, 0].astype(np.float64))
        else:
            for j in range(values.shape[1]):
                columns[f"prediction:{j}"] = pa.array(values[:, j])
    if model.label_output is not None:
        labels = np.asarray(outputs[model.label_output]).reshape(-1)
        text = labels.astype(str) if model.classes or labels.dtype.kind != "i" else labels
        columns["prediction"] = pa.array(text)
        tally.predictions.update(_counts(labels.astype(str)))
    if model.probability_output is not None:
        matrix, names = _probabilities(outputs[model.probability_output], classes)
        if not classes:
            classes = names
        for j, label in enumerate(classes):
            columns[f"probability:{label}"] = pa.array(matrix[:, j])
        decision = _decision(model, matrix, classes)  # foreign models with a threshold
        if decision is not None:
            columns["decision"] = pa.array(decision)
            tally.decisions.update(_counts(decision))
    if model.score_output is not None:
        scores = np.asarray(outputs[model.score_output]).reshape(len(chunk), -1)
        for j in range(scores.shape[1]):
            columns[f"score:{j}"] = pa.array(scores[:, j])
    return pa.table(columns)


def decision_column(model: ScoringModel, keys: list[str]) -> str | None:
    """The name of the decision column of a binary model's scores (None: not binary)."""
    classes = list(model.classes)
    if (model.task != "binary" or model.threshold is None or model.positive_class is None
            or len(classes) != 2 or model.positive_class not in classes):
        return None
    target = model.metadata.target if model.metadata is not None else None
    if not target or target in keys or target in RESERVED or target.startswith("probability"):
        return "decision"
    return target


def _probabilities(raw: Any, classes: list[str]) -> tuple[np.ndarray, list[str]]:
    """A [N, k] matrix; ZipMap outputs (a list of {class: p}) are turned into one."""
    if isinstance(raw, list):
        names = [str(k) for k in raw[0]] if raw else list(classes)
        keys = list(raw[0]) if raw else []
        matrix = np.array([[row[k] for k in keys] for row in raw], dtype=np.float32)
        if classes and names != classes:  # follow the model's class order
            order = [names.index(c) for c in classes]
            matrix, names = matrix[:, order], classes
        return matrix, names
    matrix = np.asarray(raw)
    return matrix, [str(j) for j in range(matrix.shape[1])]


def _decision(model: ScoringModel, matrix: np.ndarray, classes: list[str]) -> np.ndarray | None:
    """Binary models with a threshold: the positive class when P(positive) >= threshold."""
    if model.threshold is None or model.positive_class is None or len(classes) != 2:
        return None
    positive = classes.index(model.positive_class)
    other = classes[1 - positive]
    return np.where(matrix[:, positive] >= model.threshold, model.positive_class, other)


def _counts(values: np.ndarray) -> Counter[str]:
    labels, counts = np.unique(values, return_counts=True)
    return Counter({str(label): int(count) for label, count in zip(labels, counts, strict=True)})

