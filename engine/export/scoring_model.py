"""Open an ONNX model for scoring: check the file, read what it says about itself, start a session.

Gristmill models carry their schema in the metadata (:mod:`engine.export.metadata`); ONNX files
made by other tools are accepted too when their inputs can be matched to columns by name
(one tensor per column: float, double, int64 or string, shape [N, 1] or [N]); a note then
says that no schema or threshold was found. A file that is not ONNX, is truncated, or whose
metadata contradicts its graph is refused with a :class:`ModelFileError` that says so.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.errors import ModelFileError
from engine.export.metadata import ModelMetadata, graph_class_labels, read_metadata
from engine.export.score_input import ModelInput

if TYPE_CHECKING:
    import numpy as np
    import onnx

_TENSOR_TYPES = {
    "tensor(float)": "float",
    "tensor(double)": "double",
    "tensor(int64)": "int64",
    "tensor(string)": "string",
}
_ONNX_MAGIC = b"\x08"  # ModelProto starts with field 1 (ir_version), a varint


@dataclass(frozen=True)
class ScoringModel:
    """A loaded model: its inputs (matched to columns by name), outputs and decision rule.

    ``task`` is binary, multiclass, regression, clustering, anomaly or "unknown" (a foreign
    model whose outputs do not say). ``classes`` is the order of the probability outputs.
    ``metadata`` is None for ONNX files made by other tools.
    """

    path: Path
    name: str
    session: Any
    metadata: ModelMetadata | None
    inputs: tuple[ModelInput, ...]
    task: str
    classes: tuple[str, ...] = ()
    positive_class: str | None = None
    threshold: float | None = None
    label_output: str | None = None
    probability_output: str | None = None
    value_output: str | None = None
    score_output: str | None = None
    decision_output: str | None = None  # the graph's decision at the threshold (binary)
    notes: tuple[str, ...] = ()
    sha256: str = ""  # of the file's bytes: which model a drift check ran against
    chunk_rows: int = 100_000  # rows scored at a time within the memory budget (chunk_size)

    def run(self, feed: dict[str, np.ndarray]) -> dict[str, Any]:
        """The model's outputs for one chunk, by output name."""
        names = [o.name for o in self.session.get_outputs()]
        return dict(zip(names, self.session.run(names, feed), strict=True))


def load_scoring_model(path: str | os.PathLike[str]) -> ScoringModel:
    """Read and check an ONNX model file and open an onnxruntime session on all cores."""
    import onnx
    from google.protobuf.message import DecodeError

    path = Path(path).expanduser()
    if path.is_dir():
        raise ModelFileError(f"{path} is a folder, not a model file.", "Give the .onnx file.")
    if not path.exists():
        raise ModelFileError(f"There is no model file at {path}.", "Check the path.")
    data = path.read_bytes()
    if not data:
        raise ModelFileError(f"{path.name} is empty (0 bytes).", "Export the model again.")
    try:
        model = onnx.load_model_from_string(data)
    except (DecodeError, ValueError, RuntimeError):
        raise _unreadable(path, data) from None
    if not model.graph.node or not model.graph.output or not model.graph.input:
        raise _unreadable(path, data)
    try:
        metadata = read_metadata(model)
    except ModelFileError as error:
        raise ModelFileError(f"{path.name}: {error.message}", error.hint) from None
    if metadata is None and model.producer_name == "Gristmill":
        # attach_metadata sets the producer; the metadata sits at the end of the file.
        raise ModelFileError(
            f"{path.name} was made by Gristmill but its metadata is missing: the file was cut "
            "short or edited.",
            "Copy the model file again, or export it again from Gristmill.",
        )
    session = _session(data, path)
    if metadata is not None:
        loaded = _gristmill_model(path, session, metadata)
    else:
        loaded = _foreign_model(path, session, model)
    from engine.export.chunk_size import chunk_rows_for

    return replace(
        loaded, sha256=hashlib.sha256(data).hexdigest(), chunk_rows=chunk_rows_for(model)
    )


def _unreadable(path: Path, data: bytes) -> ModelFileError:
    """Not ONNX at all, or an ONNX file cut short: say which, with what the file looks like."""
    head = data[:256]
    if data[:1] == _ONNX_MAGIC:
        return ModelFileError(
            f"{path.name} is a damaged or incomplete ONNX model (it stops partway: "
            f"{len(data):,} bytes); it was probably cut short while copying or downloading.",
            "Copy or download the model file again, or export it again from Gristmill.",
        )
    looks = _looks_like(head)
    return ModelFileError(
        f"{path.name} is not an ONNX model{looks}.",
        "Give the .onnx file that Gristmill's export wrote (NAME.onnx).",
    )


def _looks_like(head: bytes) -> str:
    if head.startswith(b"PK\x03\x04"):
        return " (it is a ZIP archive or an Office file)"
    if head.startswith(b"PAR1"):
        return " (it is a Parquet data file)"
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        return ""
    first = text.strip().splitlines()[0][:60] if text.strip() else ""
    return f" (it is a text file starting with {first!r})" if first else " (it is a text file)"


def _session(data: bytes, path: Path) -> Any:
    import onnxruntime as ort

    options = ort.SessionOptions()
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    options.intra_op_num_threads = max(int(cores or 1), 1)
    options.log_severity_level = 3  # errors only: warnings would clutter the command line
    try:
        return ort.InferenceSession(data, options, providers=["CPUExecutionProvider"])
    except Exception as error:  # onnxruntime raises its own exception types
        detail = str(error).strip().splitlines()[0][:200] if str(error).strip() else ""
        raise ModelFileError(
            f"{path.name} cannot be loaded by onnxruntime ({detail}).",
            "The file may be damaged or need a newer onnxruntime; export or copy it again.",
        ) from None


def _gristmill_model(path: Path, session: Any, metadata: ModelMetadata) -> ScoringModel:
    types = {i.name: _TENSOR_TYPES.get(i.type, "float") for i in session.get_inputs()}
    inputs = tuple(
        ModelInput.from_spec(spec, types[spec.name]) for spec in metadata.inputs
    )
    outputs = set(metadata.outputs)
    return ScoringModel(
        path=path,
        name=metadata.name,
        session=session,
        metadata=metadata,
        inputs=inputs,
        task=metadata.task,
        classes=tuple(metadata.classes),
        positive_class=metadata.positive_class,
        threshold=metadata.threshold,
        label_output="label" if "label" in outputs else None,
        probability_output="probabilities" if "probabilities" in outputs else None,
        value_output="variable" if "variable" in outputs else None,
        score_output="scores" if "scores" in outputs else None,
        decision_output="decision" if "decision" in outputs else None,
    )


def _foreign_model(path: Path, session: Any, model: onnx.ModelProto) -> ScoringModel:
    inputs = []
    for value in session.get_inputs():
        tensor_type = _TENSOR_TYPES.get(value.type)
        if tensor_type is None:
            raise ModelFileError(
                f"{path.name}: the input {value.name!r} is a {value.type}, which cannot be fed "
                "from a table column.",
                "Gristmill scores models whose inputs are float, double, int64 or string "
                "tensors, one per column.",
            )
        shape = list(value.shape)
        if len(shape) == 2 and shape[1] != 1:
            width = shape[1] if isinstance(shape[1], int) else "several"
            raise ModelFileError(
                f"{path.name}: the input {value.name!r} is one matrix of {width} columns "
                f"(shape {shape}), so it cannot be matched to the data's columns by name.",
                "Export the model with one input per column, named as the column (Gristmill's "
                "export does this), or score it with the tool that made it.",
            )
        if len(shape) not in (1, 2):
            raise ModelFileError(
                f"{path.name}: the input {value.name!r} has shape {shape}; only [N] and [N, 1] "
                "inputs can be fed from a table column."
            )
        kind = "categorical" if tensor_type == "string" else "numeric"
        inputs.append(ModelInput(value.name, kind, tensor_type, rank=len(shape)))
    outputs = session.get_outputs()
    label = probabilities = variable = None
    task = "unknown"
    first = outputs[0]
    if len(outputs) >= 2 and first.type in ("tensor(string)", "tensor(int64)") and (
        outputs[1].type.startswith("seq(map(") or outputs[1].type == "tensor(float)"
    ):
        label, probabilities = first.name, outputs[1].name
        task = "classifier"
    elif first.type in ("tensor(float)", "tensor(double)"):
        variable, task = first.name, "regression"
    elif first.type in ("tensor(string)", "tensor(int64)"):
        label = first.name
    classes = graph_class_labels(model) or ()
    if task == "classifier":
        task = "binary" if len(classes) == 2 else "multiclass"
    producer = model.producer_name or "another tool"
    note = (
        f"{path.name} was made by {producer}, not Gristmill: no schema or threshold was found. "
        "Inputs were matched to columns by name and fed as the graph's types; no decision "
        "column is written."
    )
    return ScoringModel(
        path=path,
        name=path.stem,
        session=session,
        metadata=None,
        inputs=tuple(inputs),
        task=task,
        classes=classes,
        label_output=label,
        probability_output=probabilities,
        value_output=variable,
        notes=(note,),
    )
