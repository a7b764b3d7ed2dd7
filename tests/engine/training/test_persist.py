"""Fitted pipelines to skops bytes and back: every family, exact predictions, no pickle."""

from __future__ import annotations

import numpy as np
import pytest

from engine.errors import ProjectError
from engine.problem.definition import Task
from engine.recipe.inputs import model_inputs, to_model_frame
from engine.training.candidate import CandidateSpec, FitContext, build_pipeline
from engine.training.catalog import FAMILIES, UNSUPERVISED_FAMILY
from engine.training.persist import model_from_bytes, model_to_bytes


@pytest.mark.parametrize("key", sorted(FAMILIES))
def test_every_family_round_trips_exactly(key: str, small_table, small_problem) -> None:
    schema, problem = small_problem
    task = next((t for t, k in UNSUPERVISED_FAMILY.items() if k == key), problem.task)
    inputs = model_inputs(schema, problem.features)
    x = to_model_frame(small_table, inputs)
    y = np.asarray(small_table["churned"], dtype=object)
    context = FitContext(task=task, inputs=inputs, metrics=("roc_auc",))
    pipeline = build_pipeline(CandidateSpec(1, key, {}, 0), context)
    pipeline.fit(x, None if task in (Task.CLUSTERING, Task.ANOMALY) else y)

    loaded = model_from_bytes(model_to_bytes(pipeline))

    np.testing.assert_array_equal(loaded.predict(x), pipeline.predict(x))
    if hasattr(pipeline, "predict_proba"):
        np.testing.assert_array_equal(loaded.predict_proba(x), pipeline.predict_proba(x))


def test_a_model_with_an_untrusted_type_is_refused() -> None:
    import os

    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import FunctionTransformer

    # A function from the os module: loading it must not be possible.
    tampered = Pipeline([("step", FunctionTransformer(os.getcwd))])
    with pytest.raises(ProjectError, match="does not trust"):
        model_from_bytes(model_to_bytes(tampered))


def test_bytes_that_are_not_a_model_are_refused() -> None:
    with pytest.raises(ProjectError, match="cannot be read"):
        model_from_bytes(b"not a skops file")
