"""The model catalog: every family the search may try, how to build it, and its search space.

A family builds a scikit-learn estimator from plain parameters (JSON values), so a candidate
is fully described by ``(family key, params, seed)``: that is what the leaderboard stores and
what a worker process receives. Search spaces are data (:class:`Param`), sampled with a
seeded generator, so the same seed proposes the same candidates.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from engine.problem.definition import Task
from engine.recipe.traits import BOOSTING, LINEAR, NEIGHBOURS, TREES, ModelTraits
from engine.training import estimators

CLASSIFICATION = frozenset({Task.BINARY, Task.MULTICLASS})
SUPERVISED = frozenset({Task.BINARY, Task.MULTICLASS, Task.REGRESSION})


@dataclass(frozen=True)
class Param:
    """One dimension of a search space: ``kind`` is "log" (log-uniform float), "float",
    "int" (inclusive) or "choice"."""

    kind: str
    low: float = 0.0
    high: float = 1.0
    choices: tuple[Any, ...] = ()

    def sample(self, rng: Any) -> Any:
        import math

        if self.kind == "choice":
            return self.choices[int(rng.integers(len(self.choices)))]
        if self.kind == "int":
            return int(rng.integers(int(self.low), int(self.high) + 1))
        if self.kind == "log":
            value = math.exp(rng.uniform(math.log(self.low), math.log(self.high)))
            return float(f"{value:.4g}")  # short, readable numbers on the leaderboard
        return float(f"{rng.uniform(self.low, self.high):.4g}")


@dataclass(frozen=True)
class ModelFamily:
    """A model family: its name in words, what it needs from the recipe, and its space."""

    key: str
    label: str
    traits: ModelTraits
    tasks: frozenset[Task]
    build: Callable[[Task, dict[str, Any], int, int, bool], Any]
    space: dict[str, Param] = field(default_factory=dict)
    defaults: dict[str, Any] = field(default_factory=dict)
    requires: str | None = None  # an optional package the family needs
    description: str = ""

    @property
    def available(self) -> bool:
        return self.requires is None or importlib.util.find_spec(self.requires) is not None


FAMILIES: dict[str, ModelFamily] = {
    family.key: family
    for family in (
        ModelFamily(
            "linear",
            "Logistic / ridge regression",
            LINEAR,
            SUPERVISED,
            estimators.build_linear,
            {"C": Param("log", 1e-3, 1e2), "alpha": Param("log", 1e-3, 1e2)},
            description="A weighted sum of the inputs: fast, stable, easy to explain.",
        ),
        ModelFamily(
            "elastic_net",
            "Elastic net",
            LINEAR,
            SUPERVISED,
            estimators.build_elastic_net,
            {
                "C": Param("log", 1e-3, 1e2),
                "alpha": Param("log", 1e-4, 1.0),
                "l1_ratio": Param("float", 0.05, 0.95),
            },
            description="A linear model that can switch off unhelpful inputs.",
        ),
        ModelFamily(
            "random_forest",
            "Random forest",
            TREES,
            SUPERVISED,
            estimators.build_random_forest,
            {
                "n_estimators": Param("choice", choices=(50, 100, 200)),
                "max_leaf_nodes": Param("choice", choices=(64, 256, 512)),
                "max_depth": Param("choice", choices=(None, 8, 12, 20)),
                "min_samples_leaf": Param("int", 1, 20),
                "max_features": Param("choice", choices=("sqrt", 0.5, 0.8)),
            },
            description="Many decision trees on random parts of the data, averaged.",
        ),
        ModelFamily(
            "extra_trees",
            "Extra trees",
            TREES,
            SUPERVISED,
            estimators.build_extra_trees,
            {
                "n_estimators": Param("choice", choices=(50, 100, 200)),
                "max_leaf_nodes": Param("choice", choices=(64, 256, 512)),
                "max_depth": Param("choice", choices=(None, 8, 12, 20)),
                "min_samples_leaf": Param("int", 1, 20),
                "max_features": Param("choice", choices=("sqrt", 0.5, 0.8)),
            },
            description="Like a random forest, with more randomly chosen split points.",
        ),
        ModelFamily(
            "hist_gradient_boosting",
            "Gradient boosting (histogram)",
            BOOSTING,
            SUPERVISED,
            estimators.build_hgb,
            {
                "learning_rate": Param("log", 0.02, 0.3),
                "max_iter": Param("choice", choices=(100, 200, 400)),
                "max_leaf_nodes": Param("choice", choices=(15, 31, 63)),
                "min_samples_leaf": Param("choice", choices=(5, 10, 20, 50)),
                "l2_regularization": Param("log", 1e-4, 10.0),
            },
            description="Trees built one after another, each fixing the last one's errors.",
        ),
        ModelFamily(
            "lightgbm",
            "LightGBM",
            BOOSTING,
            SUPERVISED,
            estimators.build_lightgbm,
            {
                "n_estimators": Param("choice", choices=(100, 300, 600)),
                "learning_rate": Param("log", 0.01, 0.2),
                "num_leaves": Param("choice", choices=(15, 31, 63, 127)),
                "min_child_samples": Param("choice", choices=(5, 10, 20, 50)),
                "subsample": Param("choice", choices=(0.7, 0.85, 1.0)),
                "colsample_bytree": Param("choice", choices=(0.6, 0.8, 1.0)),
                "reg_lambda": Param("log", 1e-3, 10.0),
            },
            requires="lightgbm",
            description="A fast gradient-boosting library.",
        ),
        ModelFamily(
            "knn",
            "k-nearest neighbours",
            NEIGHBOURS,
            SUPERVISED,
            estimators.build_knn,
            {
                "n_neighbors": Param("int", 3, 50),
            },
            description="Predicts from the most similar rows seen in training.",
        ),
        ModelFamily(
            "linear_svm",
            "Linear SVM",
            LINEAR,
            SUPERVISED,
            estimators.build_linear_svm,
            {"C": Param("log", 1e-3, 10.0)},
            description="A linear boundary with the widest margin between classes.",
        ),
        ModelFamily(
            "kmeans",
            "k-means clustering",
            LINEAR,  # distances need scaled inputs
            frozenset({Task.CLUSTERING}),
            estimators.build_kmeans,
            description="Groups rows around k centres; each row joins its nearest centre.",
        ),
        ModelFamily(
            "isolation_forest",
            "Isolation forest",
            TREES,
            frozenset({Task.ANOMALY}),
            estimators.build_isolation_forest,
            description="Flags rows that random splits isolate quickly, i.e. unusual ones.",
        ),
    )
}

UNSUPERVISED_FAMILY = {Task.CLUSTERING: "kmeans", Task.ANOMALY: "isolation_forest"}

# Forests: at most 200 trees of at most 512 leaves (about 200,000 nodes, an ONNX file of
# roughly 12-15 MB for two classes by an estimate of 60-75 bytes per node; not measured for
# many classes), so no candidate of the space writes a model above 20 MB.

# Each family's first candidate, spelled out so the leaderboard shows what was tried. These
# are the values the builders above fall back to.
_FIRST_CANDIDATE: dict[str, dict[str, Any]] = {
    "linear": {"C": 1.0, "alpha": 1.0},
    "elastic_net": {"C": 1.0, "alpha": 0.01, "l1_ratio": 0.5},
    "random_forest": {"n_estimators": 50, "max_leaf_nodes": 256, "min_samples_leaf": 1},
    "extra_trees": {"n_estimators": 50, "max_leaf_nodes": 256, "min_samples_leaf": 1},
    "hist_gradient_boosting": {
        "learning_rate": 0.1,
        "max_iter": 200,
        "max_leaf_nodes": 31,
        "min_samples_leaf": 20,
        "l2_regularization": 0.0,
    },
    "lightgbm": {"n_estimators": 100, "learning_rate": 0.1, "num_leaves": 31},
    "knn": {"n_neighbors": 15},
    "linear_svm": {"C": 1.0},
    "kmeans": {},
    "isolation_forest": {"n_estimators": 200},
}

# Search order: strong and quick families first, so a short budget on a big table still gets
# a good model (LightGBM fits a 160,000-row fold in about 4 s, a random forest in about 60 s).
DEFAULT_FAMILIES: tuple[str, ...] = (
    "lightgbm",
    "hist_gradient_boosting",
    "linear",
    "random_forest",
    "extra_trees",
    "elastic_net",
    "linear_svm",
    "knn",
)


def family(key: str) -> ModelFamily:
    """The family named ``key``, or an InputError listing the names there are."""
    from engine.errors import InputError

    try:
        return FAMILIES[key]
    except KeyError:
        raise InputError(
            f"There is no model family called {key!r}.",
            f"Choose among: {', '.join(FAMILIES)}.",
        ) from None


def families_for(task: Task, keys: tuple[str, ...] | None = None) -> list[ModelFamily]:
    """The available families for ``task`` (optionally only ``keys``), in search order."""
    from engine.errors import InputError
    from engine.optional_parts import install_hint

    chosen = [family(key) for key in (keys or DEFAULT_FAMILIES)]
    missing = [item.label for item in chosen if not item.available]
    usable = [item for item in chosen if item.available and task in item.tasks]
    if not usable:
        hint = (
            install_hint("lightgbm", ", ".join(missing))
            if missing
            else "Choose families that support this task."
        )
        raise InputError(f"None of the chosen model families can train a {task} model.", hint)
    return usable


def default_params(item: ModelFamily, task: Task) -> dict[str, Any]:
    """The family's first candidate: the builder's defaults, spelled out."""
    params = dict(_FIRST_CANDIDATE.get(item.key, item.defaults))
    if item.key in ("linear", "elastic_net"):
        params.pop("alpha" if task is not Task.REGRESSION else "C")
    return params


# Families whose estimator takes class weights: for them "class_weight" is a search dimension
# when the problem asks for weights (k-NN has no such option).
WEIGHTED_FAMILIES = frozenset(
    {"linear", "elastic_net", "random_forest", "extra_trees", "hist_gradient_boosting",
     "lightgbm", "linear_svm"}
)
BALANCED = "balanced"


def weighted(item: ModelFamily, params: dict[str, Any]) -> dict[str, Any]:
    """``params`` with class weights switched on (the search keeps them only if they score
    better on the problem's metric than the same candidate without)."""
    return {**params, "class_weight": BALANCED} if item.key in WEIGHTED_FAMILIES else params


def sample_params(item: ModelFamily, task: Task, rng: Any) -> dict[str, Any]:
    """A random point of the family's space (parameters that do not apply to ``task`` left out)."""
    params = {name: spec.sample(rng) for name, spec in item.space.items()}
    if item.key == "linear":
        params.pop("alpha" if task is not Task.REGRESSION else "C")
    if item.key == "elastic_net":
        params.pop("alpha" if task is not Task.REGRESSION else "C")
    return params


def local_step(
    item: ModelFamily, params: dict[str, Any], name: str, direction: int
) -> dict[str, Any] | None:
    """``params`` with parameter ``name`` moved one notch in ``direction`` (+1 up, -1 down):
    the next choice, a factor of 2 on a log scale, a tenth of the range on a linear one, one
    (or a tenth of the range) for integers. None when the move leaves the space."""
    import math

    space = item.space.get(name)
    if space is None or name not in params:
        return None
    value = params[name]
    if space.kind == "choice":
        if value not in space.choices:
            return None
        index = space.choices.index(value) + direction
        if not 0 <= index < len(space.choices):
            return None
        moved: Any = space.choices[index]
    elif space.kind == "log":
        moved = float(f"{float(value) * 2.0 ** direction:.4g}")
    elif space.kind == "int":
        moved = int(value) + direction * max(1, math.ceil((space.high - space.low) / 10))
    else:
        moved = float(f"{float(value) + direction * (space.high - space.low) / 10:.4g}")
    if space.kind != "choice" and not space.low <= moved <= space.high:
        return None
    return {**params, name: moved}
