"""What an exported model says about itself: the versioned metadata inside the ONNX file.

Two ``metadata_props`` entries carry it, so that every runtime can read what it needs:

- ``gristmill`` holds the *contract* as compact JSON, readable from C# or Java with one call
  (inputs with their types, outputs, task, class labels, positive class, threshold);
- ``gristmill.metadata.gz`` holds *everything* (the contract plus known categories, metrics,
  data fingerprint, model description and the drift reference) as base64 of gzipped JSON.

The package's ``NAME.model.json`` is the full metadata as plain JSON, for runtimes without a
metadata API (onnxruntime-node and -web). :func:`read_metadata` refuses a file whose metadata
contradicts its own graph: a hand-edited file must not score silently wrong.
"""

from __future__ import annotations

import base64
import gzip
import json
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from engine.errors import ModelFileError
from engine.recipe.cells import CellRules

if TYPE_CHECKING:
    import onnx

FORMAT = "gristmill-model"
FORMAT_VERSION = 1
CONTRACT_KEY = "gristmill"
FULL_KEY = "gristmill.metadata.gz"
DATE_ENCODING = "days since 1970-01-01 00:00 UTC, as float (fractions are the time of day)"
ONNX_TYPES = {"numeric": "float", "date": "float", "categorical": "string"}
MISSING_WORDS = {"float": "NaN", "string": 'empty string ""'}


@dataclass(frozen=True)
class InputSpec:
    """One model input: a raw column, its kind and the ONNX tensor type it is fed as.

    ``categories`` are the values seen at least 10 times in training (rarer ones are not
    listed so that no personal value leaks); ``categories_complete`` says whether that is
    every value the model saw.
    """

    name: str
    kind: str  # numeric | categorical | date
    categories: tuple[str, ...] = ()
    categories_complete: bool = True
    rules: CellRules | None = None  # how a raw cell is read (None: a model from before them)

    @property
    def onnx_type(self) -> str:
        return ONNX_TYPES[self.kind]

    def contract(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "name": self.name,
            "kind": self.kind,
            "type": self.onnx_type,
            "shape": [None, 1],
            "missing": MISSING_WORDS[self.onnx_type],
        }
        if self.kind == "date":
            data["encoding"] = DATE_ENCODING
        if self.rules is not None:
            data["reading"] = self.rules.to_dict()
        return data

    def to_dict(self) -> dict[str, Any]:
        data = self.contract()
        if self.kind == "categorical":
            data["categories"] = list(self.categories)
            data["categories_complete"] = self.categories_complete
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> InputSpec:
        return cls(
            name=str(data["name"]),
            kind=str(data["kind"]),
            categories=tuple(str(v) for v in data.get("categories", ())),
            categories_complete=bool(data.get("categories_complete", True)),
            rules=CellRules.from_dict(str(data["kind"]), data["reading"])
            if isinstance(data.get("reading"), dict) else None,
        )


@dataclass(frozen=True)
class ModelMetadata:
    """The exported model's description (see the module docstring for where it lives).

    ``classes`` is the order of the ``probabilities`` columns; ``threshold`` is the decision
    threshold on the positive class's probability (binary only; ``None`` elsewhere).
    ``metrics`` maps "holdout", "cross_validation" and "baseline" to ``{metric: value}`` and
    "primary" to the metric the search optimised; a binary model's "at_threshold" holds the
    holdout's precision, recall, F1 and accuracy at ``threshold`` and where that threshold
    was chosen (:meth:`engine.evaluation.result.ThresholdChoice.figures`). ``reference`` is
    the drift reference profile of :mod:`engine.export.reference`.
    """

    name: str
    task: str
    inputs: tuple[InputSpec, ...]
    outputs: tuple[str, ...]
    target: str | None = None
    classes: tuple[str, ...] = ()
    positive_class: str | None = None
    threshold: float | None = None
    threshold_reason: str = ""
    metrics: dict[str, Any] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)
    model: dict[str, Any] = field(default_factory=dict)
    reference: dict[str, Any] | None = None
    limitations: tuple[str, ...] = ()
    producer: str = "Gristmill"
    producer_version: str = ""
    created_at: str = ""

    @property
    def input_names(self) -> tuple[str, ...]:
        return tuple(spec.name for spec in self.inputs)

    def with_changes(self, **changes: Any) -> ModelMetadata:
        return replace(self, **changes)

    def contract(self) -> dict[str, Any]:
        """The small part every integration needs (the ``gristmill`` metadata entry)."""
        return {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "name": self.name,
            "task": self.task,
            "target": self.target,
            "inputs": [spec.contract() for spec in self.inputs],
            "outputs": list(self.outputs),
            "classes": list(self.classes),
            "positive_class": self.positive_class,
            "threshold": self.threshold,
            "producer": self.producer,
            "producer_version": self.producer_version,
        }

    def to_dict(self) -> dict[str, Any]:
        """Everything, as plain JSON values (the sidecar file and the compressed entry)."""
        return {
            **self.contract(),
            "inputs": [spec.to_dict() for spec in self.inputs],
            "threshold_reason": self.threshold_reason,
            "metrics": self.metrics,
            "data": self.data,
            "model": self.model,
            "limitations": list(self.limitations),
            "created_at": self.created_at,
            "reference": self.reference,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ModelMetadata:
        _check_format(data)
        try:
            return cls(
                name=str(data["name"]),
                task=str(data["task"]),
                inputs=tuple(InputSpec.from_dict(item) for item in data["inputs"]),
                outputs=tuple(str(name) for name in data["outputs"]),
                target=data.get("target"),
                classes=tuple(str(label) for label in data.get("classes", ())),
                positive_class=data.get("positive_class"),
                threshold=None if data.get("threshold") is None else float(data["threshold"]),
                threshold_reason=str(data.get("threshold_reason", "")),
                metrics=dict(data.get("metrics") or {}),
                data=dict(data.get("data") or {}),
                model=dict(data.get("model") or {}),
                reference=data.get("reference"),
                limitations=tuple(data.get("limitations", ())),
                producer=str(data.get("producer", "")),
                producer_version=str(data.get("producer_version", "")),
                created_at=str(data.get("created_at", "")),
            )
        except (KeyError, TypeError, ValueError) as error:
            raise ModelFileError(
                f"The model's Gristmill metadata is incomplete or malformed ({error!r}).",
                "Export the model again from Gristmill.",
            ) from None

    def to_json(self, *, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, allow_nan=False, indent=indent)


def metadata_props(metadata: ModelMetadata) -> dict[str, str]:
    """The ``metadata_props`` entries for ``metadata`` (see the module docstring)."""
    contract = json.dumps(metadata.contract(), ensure_ascii=False, separators=(",", ":"))
    full = metadata.to_json(indent=None).encode("utf-8")
    packed = base64.b64encode(gzip.compress(full, compresslevel=9, mtime=0)).decode("ascii")
    return {CONTRACT_KEY: contract, FULL_KEY: packed}


def attach_metadata(model: onnx.ModelProto, metadata: ModelMetadata) -> None:
    """Write ``metadata`` into the model (replacing Gristmill entries already there)."""
    entries = metadata_props(metadata)
    keep = [(p.key, p.value) for p in model.metadata_props if p.key not in entries]
    del model.metadata_props[:]
    for key, value in [*keep, *entries.items()]:
        prop = model.metadata_props.add()
        prop.key, prop.value = key, value
    model.producer_name = metadata.producer
    model.producer_version = metadata.producer_version
    model.doc_string = _doc_string(metadata)


MAX_METADATA = 64 * 2**20
"""Largest unpacked metadata (the drift reference is a few MB at most): a file that claims
more is refused before it is inflated further, so a crafted model cannot exhaust memory."""


def _inflate(packed: bytes) -> bytes:
    """Gunzip ``packed``, refusing (ModelFileError) output beyond :data:`MAX_METADATA`."""
    import zlib

    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)  # gzip framing
    try:
        data = inflater.decompress(packed, MAX_METADATA + 1)
    except zlib.error as error:
        raise ValueError(f"not gzip data: {error}") from None
    if len(data) > MAX_METADATA or inflater.unconsumed_tail:
        raise ModelFileError(
            f"The model's Gristmill metadata unpacks to more than {MAX_METADATA // 2**20} MB, "
            "far more than Gristmill ever writes; the file was crafted or damaged.",
            "Export the model again from Gristmill, or ask for the original file.",
        )
    if not inflater.eof:
        raise ValueError("the packed metadata is cut short")
    return data


def read_metadata(model: onnx.ModelProto) -> ModelMetadata | None:
    """The model's Gristmill metadata, or None for an ONNX file made by another tool.

    Raises :class:`ModelFileError` when the metadata is damaged, from a newer Gristmill, or
    contradicts the graph (input names or types, outputs, number of classes).
    """
    props = {p.key: p.value for p in model.metadata_props}
    if CONTRACT_KEY not in props and FULL_KEY not in props:
        return None
    if FULL_KEY not in props or CONTRACT_KEY not in props:
        raise ModelFileError(
            "The model's Gristmill metadata is only half there (an entry was removed).",
            "Export the model again from Gristmill.",
        )
    try:
        full = json.loads(_inflate(base64.b64decode(props[FULL_KEY], validate=True)))
        contract = json.loads(props[CONTRACT_KEY])
    except (ValueError, OSError, EOFError) as error:
        raise ModelFileError(
            f"The model's Gristmill metadata cannot be read ({error}).",
            "The file was damaged or edited; export the model again from Gristmill.",
        ) from None
    _check_format(contract)
    metadata = ModelMetadata.from_dict(full)
    if metadata.contract() != contract:
        differing = sorted(k for k, v in metadata.contract().items() if contract.get(k) != v)
        raise ModelFileError(
            "The model's two metadata entries disagree (on "
            f"{', '.join(differing)}): the file was edited by hand.",
            "Export the model again from Gristmill rather than editing its metadata.",
        )
    check_against_graph(metadata, model)
    return metadata


def check_against_graph(metadata: ModelMetadata, model: onnx.ModelProto) -> None:
    """Raise :class:`ModelFileError` if the metadata does not describe this graph."""
    from onnx import TensorProto

    problems: list[str] = []
    graph_inputs = {value.name: value for value in model.graph.input}
    for spec in metadata.inputs:
        value = graph_inputs.pop(spec.name, None)
        if value is None:
            problems.append(f"input {spec.name!r} is described but the graph has no such input")
            continue
        element = value.type.tensor_type.elem_type
        expected = TensorProto.STRING if spec.onnx_type == "string" else TensorProto.FLOAT
        if element != expected:
            actual = TensorProto.DataType.Name(element).lower()
            problems.append(f"input {spec.name!r} is described as {spec.onnx_type}, not {actual}")
    problems += [f"the graph's input {name!r} is not described" for name in graph_inputs]
    graph_outputs = [value.name for value in model.graph.output]
    if list(metadata.outputs) != graph_outputs:
        problems.append(
            f"outputs are described as {list(metadata.outputs)} but are {graph_outputs}"
        )
    width = _probability_width(model)
    if metadata.classes and width is not None and width != len(metadata.classes):
        problems.append(
            f"{len(metadata.classes)} class labels are described but the model gives "
            f"{width} probabilities"
        )
    labels = graph_class_labels(model)
    if metadata.classes and labels is not None and tuple(metadata.classes) != labels:
        problems.append(
            f"the classes are described as {list(metadata.classes)} but the graph predicts "
            f"{list(labels)}"
        )
    if metadata.positive_class is not None and metadata.positive_class not in metadata.classes:
        problems.append(f"the positive class {metadata.positive_class!r} is not a class label")
    if metadata.threshold is not None and not 0.0 <= metadata.threshold <= 1.0:
        problems.append(f"the threshold {metadata.threshold} is not a probability")
    if problems:
        raise ModelFileError(
            "The model's metadata does not match its graph: " + "; ".join(problems) + ".",
            "The file was edited by hand or damaged; export the model again from Gristmill.",
        )


def _probability_width(model: onnx.ModelProto) -> int | None:
    """The static number of probability columns, when the graph declares it."""
    for value in model.graph.output:
        if value.name == "probabilities":
            dims = value.type.tensor_type.shape.dim
            if len(dims) == 2 and dims[1].HasField("dim_value"):
                return int(dims[1].dim_value)
    return None


def graph_class_labels(model: onnx.ModelProto) -> tuple[str, ...] | None:
    """The class labels the graph's classifier node predicts, in order (None if unknown)."""
    found: tuple[str, ...] | None = None
    for node in model.graph.node:
        for attribute in node.attribute:
            if attribute.name == "classlabels_strings" and len(attribute.strings) >= 2:
                found = tuple(s.decode("utf-8") for s in attribute.strings)
            elif attribute.name == "classlabels_int64s" and len(attribute.ints) >= 2:
                found = tuple(str(i) for i in attribute.ints)
    return found


def _check_format(data: dict[str, Any]) -> None:
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ModelFileError(
            "The model's metadata is not in Gristmill's format.",
            "Export the model again from Gristmill.",
        )
    version = data.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise ModelFileError(
            f"This model was exported by a newer Gristmill (model format {version}; this "
            f"version reads up to {FORMAT_VERSION}).",
            "Update Gristmill to score or check this model.",
        )


def _doc_string(metadata: ModelMetadata) -> str:
    what = f"predicts {metadata.target!r} ({metadata.task})" if metadata.target else metadata.task
    return (
        f"{metadata.name}: {what}. Inputs: one [N, 1] tensor per column, named as the column "
        f"(float with NaN for missing numbers and dates, string with \"\" for missing text). "
        f"Metadata entry {CONTRACT_KEY!r} holds the contract as JSON."
    )
