"""The scikit-learn transformer each recipe step compiles to, with its parameters checked.

Every factory returns a *function* making a fresh transformer, because one step may apply to
several groups of columns and each group needs its own fitted copy.
"""

from __future__ import annotations

from typing import Any

from engine.errors import InputError
from engine.recipe.params import need_choice, need_number, step_label
from engine.recipe.spec import RecipeStep


def missing_flag() -> Any:
    from engine.recipe.steps import MissingFlag

    return MissingFlag()


def step_factory(index: int, step: RecipeStep, p: dict[str, Any], kind: str, task: str) -> Any:
    """A function building the step's transformer (a fresh one for every feature group)."""
    import numpy as np
    from sklearn.impute import SimpleImputer
    from sklearn.preprocessing import OrdinalEncoder, TargetEncoder

    from engine.recipe import steps
    from engine.recipe.encoders import PooledOneHotEncoder

    if step.kind == "impute":
        if kind == "categorical":
            strategy = need_choice(
                index,
                step,
                "strategy for categories",
                p["strategy"],
                ("most_frequent", "constant", "median", "mean"),
            )
            # A mixed list with "median" or "mean": categories take the constant instead.
            strategy = "most_frequent" if strategy == "most_frequent" else "constant"
            fill = "(missing)" if p["fill_value"] is None else str(p["fill_value"])
            return lambda: SimpleImputer(
                missing_values="", strategy=strategy, fill_value=fill, keep_empty_features=True
            )
        strategy = need_choice(
            index, step, "strategy", p["strategy"], ("median", "mean", "most_frequent", "constant")
        )
        fill = 0.0 if p["fill_value"] is None else p["fill_value"]
        need_number(index, step, "fill_value", fill, low=-3.4e38, high=3.4e38)
        return lambda: SimpleImputer(
            strategy=strategy, fill_value=float(fill), keep_empty_features=True
        )
    if step.kind == "scale":
        return steps.Standardizer
    if step.kind == "log1p":
        return steps.SignedLog1p
    if step.kind == "clip":
        low = need_number(index, step, "lower", p["lower"], low=0, high=1)
        high = need_number(index, step, "upper", p["upper"], low=0, high=1)
        if low >= high:
            raise InputError(
                f"{step_label(index, step)}: lower ({low}) must be below upper ({high}).",
                "Give quantiles such as lower 0.01 and upper 0.99.",
            )
        return lambda: steps.QuantileClipper(lower=low, upper=high)
    if step.kind == "bin":
        n_bins = need_number(index, step, "n_bins", p["n_bins"], low=2, high=1000, integer=True)
        strategy = need_choice(index, step, "strategy", p["strategy"], ("quantile", "uniform"))
        return lambda: steps.Binner(n_bins=int(n_bins), strategy=strategy)
    if step.kind == "one_hot":
        minimum = p["min_frequency"]
        if not (isinstance(minimum, float) and 0 < minimum < 1):
            minimum = need_number(index, step, "min_frequency", minimum, low=1, integer=True)
        width = need_number(
            index, step, "max_categories", p["max_categories"], low=1, high=10_000, integer=True
        )
        return lambda: PooledOneHotEncoder(min_count=minimum, max_width=int(width))
    if step.kind == "ordinal":
        return lambda: OrdinalEncoder(
            handle_unknown="use_encoded_value", unknown_value=-1, dtype=np.float32
        )
    # target_encode
    targets = {"binary": "binary", "regression": "continuous"}
    if task == "multiclass":
        # skl2onnx 1.20 converts TargetEncoder for binary and regression targets only.
        raise InputError(
            f"{step_label(index, step)}: target encoding is available for yes/no and numeric "
            "targets, not for a target with several classes (it could not be exported).",
            "Use one_hot or ordinal encoding for this column.",
        )
    if task not in targets:
        raise InputError(
            f"{step_label(index, step)} needs a target, and a {task} problem has none.",
            "Use one_hot or ordinal encoding instead.",
        )
    smooth = p["smooth"]
    if smooth != "auto":
        smooth = need_number(index, step, "smooth", smooth, low=0)
    cv = need_number(index, step, "cv", p["cv"], low=2, high=20, integer=True)
    from sklearn.model_selection import KFold, StratifiedKFold

    # A seeded splitter: the cross-fitted training encodings are repeatable.
    splitter = StratifiedKFold if task == "binary" else KFold
    return lambda: TargetEncoder(
        target_type=targets[task],
        smooth=smooth,
        cv=splitter(n_splits=int(cv), shuffle=True, random_state=0),
    )


def selection_step(index: int, step: RecipeStep, p: dict[str, Any], task: str) -> tuple[str, Any]:
    """A feature-selection step, applied to the whole matrix."""
    from engine.recipe.selection import KBestMutualInfo, VarianceFilter

    if step.columns:
        raise InputError(
            f"{step_label(index, step)} acts on all features and takes no column list.",
            "Remove its columns (use a drop step to remove columns).",
        )
    name = f"step{index + 1}_{step.kind}"
    if step.kind == "variance_threshold":
        threshold = need_number(index, step, "threshold", p["threshold"], low=0)
        return name, VarianceFilter(threshold=threshold)
    k = need_number(index, step, "k", p["k"], low=1, integer=True)
    if task not in ("binary", "multiclass", "regression"):
        raise InputError(
            f"{step_label(index, step)} ranks features by how much they say about the target, "
            f"and a {task} problem has none.",
            "Use variance_threshold or drop instead.",
        )
    problem = "regression" if task == "regression" else "classification"
    return name, KBestMutualInfo(k=int(k), problem=problem)
