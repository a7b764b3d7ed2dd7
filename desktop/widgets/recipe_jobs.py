"""The Prepare step's engine jobs (they run on a worker thread; no Qt here).

:func:`context_job` works out what the recipe editor needs for a problem: the model inputs,
the model families that can train it and each family's default recipe (with the number of
categories per column, as training computes it). :func:`preview_job` compiles a recipe and
fits it on the first rows of the table, returning the features the model would receive.

Errors in the user's recipe or choices (the engine's InputError, scikit-learn's ValueError on
an impossible setting) come back as words in the result, for the panel to show next to the
recipe; anything else is a bug and reaches the window's error dialog.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from engine.jobs import CancelToken, ProgressCallback
    from engine.problem.definition import Problem
    from engine.profile.schema import Schema

PREVIEW_ROWS = 500
SHOWN_ROWS = 20


@dataclass(frozen=True)
class Family:
    """A model family as the picker shows it."""

    key: str
    label: str
    description: str


@dataclass(frozen=True)
class RecipeContext:
    """Model inputs as (name, kind), the families for the task and their default recipes."""

    inputs: tuple[tuple[str, str], ...] = ()
    families: tuple[Family, ...] = ()
    defaults: dict[str, dict[str, Any]] = field(default_factory=dict)
    error: str = ""


@dataclass(frozen=True)
class Preview:
    """The features a recipe gives on the sample: names, the first rows, rows used, and the
    names in words (:func:`desktop.widgets.feature_words.feature_words`), in the same order."""

    names: tuple[str, ...] = ()
    head: pd.DataFrame | None = None
    rows: int = 0
    error: str = ""
    words: tuple[str, ...] = ()


def context_job(
    frame: pd.DataFrame,
    schema: Schema,
    problem: Problem,
    progress: ProgressCallback,
    cancel: CancelToken,
) -> RecipeContext:
    """Inputs, families and default recipes for ``problem`` on ``frame``."""
    from engine.errors import InputError
    from engine.jobs import Job
    from engine.recipe.defaults import default_recipe
    from engine.recipe.inputs import model_inputs, to_model_frame
    from engine.training.catalog import FAMILIES, UNSUPERVISED_FAMILY, families_for

    job = Job(progress, cancel)
    try:
        inputs = model_inputs(schema, problem.features)
        if problem.task.supervised:
            families = families_for(problem.task)
        else:
            families = [FAMILIES[UNSUPERVISED_FAMILY[problem.task]]]
    except InputError as error:
        return RecipeContext(error=str(error))
    job.step(0.2, "Counting the categories")
    categorical = [column for column in inputs if column.kind == "categorical"]
    codes = to_model_frame(frame, categorical)
    cardinality = {column.name: int(codes[column.name].nunique()) for column in categorical}
    defaults = {
        item.key: default_recipe(inputs, item.traits, task=problem.task.value,
                                 cardinality=cardinality).to_dict()
        for item in families
    }
    job.done("Recipes ready")
    return RecipeContext(
        inputs=tuple((column.name, column.kind) for column in inputs),
        families=tuple(Family(item.key, item.label, item.description) for item in families),
        defaults=defaults,
    )


def preview_job(
    frame: pd.DataFrame,
    schema: Schema,
    problem: Problem,
    recipe: dict[str, Any],
    progress: ProgressCallback,
    cancel: CancelToken,
) -> Preview:
    """Compile ``recipe`` and fit it on the first :data:`PREVIEW_ROWS` labelled rows."""
    import numpy as np
    import pandas as pd

    from engine.errors import InputError
    from engine.jobs import Job
    from engine.problem.task_detection import target_labels
    from engine.recipe.compile import compile_recipe
    from engine.recipe.inputs import model_inputs, to_model_frame
    from engine.recipe.spec import Recipe

    job = Job(progress, cancel)
    sample = frame.head(PREVIEW_ROWS)
    try:
        inputs = model_inputs(schema, problem.features)
        pipeline = compile_recipe(Recipe.from_dict(recipe), inputs, task=problem.task.value)
        x = to_model_frame(sample, inputs)
        y = None
        if problem.task.supervised and problem.target is not None:
            y = target_labels(sample[problem.target], problem.task)
            labelled = pd.notna(y) if problem.task.classification else np.isfinite(y)
            x, y = x[labelled], y[labelled]
        job.step(0.3, "Applying the recipe to the first rows")
        matrix = pipeline.fit_transform(x, y)
        names = tuple(str(name) for name in pipeline.get_feature_names_out())
    except InputError as error:
        return Preview(error=str(error))
    except ValueError as error:
        return Preview(error=f"The recipe cannot be applied to the table's rows: {error}")
    from desktop.widgets.feature_words import feature_words

    head = pd.DataFrame(np.asarray(matrix[:SHOWN_ROWS]), columns=list(names))
    kinds = [(column.name, column.kind) for column in inputs]
    job.done("Preview ready")
    return Preview(names, head, len(x), words=tuple(feature_words(n, kinds) for n in names))
