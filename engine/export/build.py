"""Turn a fitted pipeline into a checked, self-describing ONNX model.

The steps, in order: convert (one input per raw column), check the graph with
``onnx.checker`` (full check), run the parity gate on the held-out rows plus generated edge
rows (the export stops here if ONNX predicts anything else), build the drift reference, write
the metadata into the file and pick the golden rows. Nothing here touches the disk: see
:mod:`engine.export.package` for the files.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from engine.errors import ExportError
from engine.export.metadata import InputSpec, ModelMetadata, attach_metadata
from engine.export.parity import ParityReport, check_parity, require_parity
from engine.jobs import Job
from engine.recipe.inputs import InputColumn

if TYPE_CHECKING:
    import onnx
    import pandas as pd

    from engine.recipe.cells import CellRules

KNOWN_CATEGORY_COUNT = 10  # a category seen fewer times is not listed (privacy)
KNOWN_CATEGORY_LIMIT = 1000
GOLDEN_ROWS = 50
GOLDEN_EDGE_ROWS = 14


@dataclass(frozen=True)
class ModelFacts:
    """What the exporter is told about the model: the problem, its numbers and its data.

    ``metrics`` follows :class:`~engine.export.metadata.ModelMetadata`; ``data`` describes
    the training table (fingerprint, rows, key columns); ``model`` the family and recipe.
    """

    name: str
    task: str
    target: str | None = None
    positive_class: str | None = None
    threshold: float | None = None
    threshold_reason: str = ""
    metrics: dict[str, Any] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)
    model: dict[str, Any] = field(default_factory=dict)
    importances: Mapping[str, float] = field(default_factory=dict)
    limitations: tuple[str, ...] = ()


@dataclass
class ExportedModel:
    """A converted, checked model with its metadata, parity report and golden rows."""

    model: onnx.ModelProto
    metadata: ModelMetadata
    parity: ParityReport
    golden: pd.DataFrame = field(repr=False)


def export_pipeline(
    pipeline: Any,
    inputs: Sequence[InputColumn],
    facts: ModelFacts,
    *,
    train_rows: pd.DataFrame,
    check_rows: pd.DataFrame,
    reference_rows: pd.DataFrame | None = None,
    score_rows: pd.DataFrame | None = None,
    outcomes: Sequence[Any] | None = None,
    job: Job | None = None,
    rules: Mapping[str, CellRules] | None = None,
) -> ExportedModel:
    """Convert, check, gate and describe a FITTED pipeline.

    ``train_rows`` and ``check_rows`` are model frames (:func:`engine.recipe.inputs.
    to_model_frame`) of the training and the held-out rows: the first gives the known
    categories, the second feeds the parity gate. The drift reference profiles the columns
    of ``reference_rows`` (default: the training rows) and the scores of ``score_rows``
    (default: the held-out rows); ``outcomes`` are the target labels of the table (a
    classifier's outcome mix, which a labelled drift check compares with). ``rules`` say how
    each input's raw cells are read (:func:`engine.recipe.inputs.reading_rules`; default rules
    when missing). Raises
    :class:`ExportError` if the graph is invalid or parity fails.
    """
    import onnx
    import pandas as pd

    from engine import __version__
    from engine.export.chunk_size import chunk_rows_for
    from engine.export.edge_cases import edge_rows
    from engine.recipe.onnx_graph import to_onnx_model

    job = job or Job()
    final = pipeline.steps[-1][1] if hasattr(pipeline, "steps") else pipeline
    if type(final).__name__.startswith("Dummy"):
        raise ExportError(
            "This run has no trained model to export: no candidate finished, so only the "
            "baseline (which predicts the same for every row) was kept.",
            "Train again with a longer time budget, then export.",
        )
    job.step(0.0, "Converting the pipeline to ONNX", force=True)
    model = to_onnx_model(pipeline, inputs)
    classes = _classes(pipeline)
    if facts.task == "binary" and facts.threshold is not None and facts.positive_class:
        from engine.export.decision_graph import add_decision

        add_decision(model, classes, facts.positive_class, facts.threshold)
    try:
        onnx.checker.check_model(model, full_check=True)
    except onnx.checker.ValidationError as error:
        raise ExportError(
            f"The converted ONNX graph is not valid: {str(error).splitlines()[0]}",
            "Please report this with the project file; try another model family meanwhile.",
        ) from None
    job.step(0.3, "Checking that ONNX predicts what the model predicts", force=True)
    edges, edge_cases = edge_rows(train_rows, inputs)
    checked = pd.concat([check_rows, edges], ignore_index=True)
    report = check_parity(
        pipeline,
        model,
        checked,
        inputs,
        task=facts.task,
        threshold=facts.threshold,
        positive_class=facts.positive_class,
        edge_rows=len(edges),
    )
    require_parity(report)
    job.step(0.6, "Building the drift reference", force=True)
    reference = _reference(
        model, inputs, facts,
        train_rows if reference_rows is None else reference_rows,
        check_rows if score_rows is None else score_rows,
        classes,
    )
    if outcomes is not None:
        from engine.export.reference import outcome_profile

        profile = outcome_profile(facts.task, outcomes)
        if profile is not None:
            reference["outcomes"] = profile
    metadata = ModelMetadata(
        name=facts.name,
        task=facts.task,
        inputs=tuple(
            input_spec(column, train_rows[column.name], rules=(rules or {}).get(column.name))
            for column in inputs
        ),
        outputs=tuple(value.name for value in model.graph.output),
        target=facts.target,
        classes=classes,
        positive_class=facts.positive_class,
        threshold=facts.threshold,
        threshold_reason=facts.threshold_reason,
        metrics=facts.metrics,
        data=facts.data,
        model={**facts.model, "batch_rows": chunk_rows_for(model)},
        reference=reference,
        limitations=facts.limitations,
        producer_version=__version__,
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    attach_metadata(model, metadata)
    job.step(0.9, "Choosing the golden rows", force=True)
    from engine.export.golden import golden_rows

    golden = golden_rows(model, metadata, inputs, check_rows, edges, edge_cases, GOLDEN_ROWS)
    job.done("Export checked")
    return ExportedModel(model=model, metadata=metadata, parity=report, golden=golden)


def score_name(task: str, positive: str | None) -> str:
    return {
        "binary": f"probability of {positive!r}",
        "multiclass": "probability of the predicted class",
        "regression": "predicted value",
        "clustering": "distance to the nearest cluster centre",
        "anomaly": "anomaly score (lower is more unusual)",
    }[task]


def _reference(
    model: onnx.ModelProto,
    inputs: Sequence[InputColumn],
    facts: ModelFacts,
    train_rows: pd.DataFrame,
    check_rows: pd.DataFrame,
    classes: tuple[str, ...],
) -> dict[str, Any]:
    """The drift reference: columns of ``train_rows``, scores of ``check_rows``.

    Scores should come from rows the model did not learn from: on its training rows a model
    is over-confident, and new data would then look like drift when it is not. They are
    computed by onnxruntime on the exported graph, the runtime and graph the drift check
    uses, so a score is the same number at both ends (scikit-learn's can differ by a few
    float32 steps, enough to move a tied group across a bin edge).
    """
    import numpy as np

    from engine.export.parity import run_onnx
    from engine.export.reference import (
        build_reference,
        categorical_profile,
        numeric_profile,
        reference_score,
    )
    from engine.recipe.onnx_graph import onnx_feed

    reference = build_reference(
        train_rows, inputs, importances=dict(facts.importances) or None
    )
    rows = check_rows if len(check_rows) else train_rows
    outputs = run_onnx(model, onnx_feed(rows, inputs))
    scores = reference_score(facts.task, classes, facts.positive_class, outputs)
    if scores is not None:
        reference["scores"] = {
            **numeric_profile(np.asarray(scores, np.float32)),
            "name": score_name(facts.task, facts.positive_class),
        }
    if (classes or facts.task in ("clustering", "anomaly")) and "label" in outputs:
        predicted = np.asarray(outputs["label"]).ravel().astype(str).astype(object)
        reference["predicted"] = categorical_profile(predicted, min_category_count=1)
    return reference


def input_spec(
    column: InputColumn, values: pd.Series, rules: CellRules | None = None
) -> InputSpec:
    """The metadata of one input: ``values`` are its model-frame training values (they give
    the known categories), ``rules`` how its raw cells are read (default rules if None)."""
    from engine.recipe.cells import default_rules

    rules = rules or default_rules(column.kind)
    if column.kind != "categorical":
        return InputSpec(column.name, column.kind, rules=rules)
    counts = values[values != ""].value_counts()
    frequent = counts[counts >= KNOWN_CATEGORY_COUNT]
    listed = sorted(str(v) for v in frequent.index[:KNOWN_CATEGORY_LIMIT])
    return InputSpec(
        column.name, column.kind, tuple(listed), categories_complete=len(listed) == len(counts),
        rules=rules,
    )


def _classes(pipeline: Any) -> tuple[str, ...]:
    final = pipeline.steps[-1][1] if hasattr(pipeline, "steps") else pipeline
    from sklearn.base import is_classifier

    if not is_classifier(final):
        return ()
    return tuple(str(label) for label in final.classes_)
