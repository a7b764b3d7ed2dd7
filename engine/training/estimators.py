"""How each model family builds its scikit-learn (or LightGBM) estimator from plain parameters.

Every builder takes ``(task, params, seed, n_jobs, class_weights)`` and falls back to the
values listed in :data:`engine.training.catalog._FIRST_CANDIDATE` for missing parameters.
Imports happen inside the builders so the catalog stays cheap to import.
"""

from __future__ import annotations

from typing import Any

from engine.problem.definition import Task


def _balanced(class_weights: bool) -> str | None:
    return "balanced" if class_weights else None


def build_linear(task: Task, p: dict[str, Any], seed: int, n_jobs: int, cw: bool) -> Any:
    if task is Task.REGRESSION:
        from sklearn.linear_model import Ridge

        return Ridge(alpha=p.get("alpha", 1.0))
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=p.get("C", 1.0), max_iter=2000, class_weight=_balanced(cw))


def build_elastic_net(task: Task, p: dict[str, Any], seed: int, n_jobs: int, cw: bool) -> Any:
    ratio = p.get("l1_ratio", 0.5)
    if task is Task.REGRESSION:
        from sklearn.linear_model import ElasticNet

        return ElasticNet(alpha=p.get("alpha", 0.01), l1_ratio=ratio, max_iter=5000)
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(
        C=p.get("C", 1.0),
        l1_ratio=ratio,
        solver="saga",
        max_iter=3000,
        class_weight=_balanced(cw),
        random_state=seed,
    )


def _forest_params(p: dict[str, Any], seed: int, n_jobs: int) -> dict[str, Any]:
    # Leaves are capped: unbounded trees on 100,000 rows make ONNX files of hundreds of MB
    # and fits that do not end within a budget.
    return {
        "n_estimators": p.get("n_estimators", 50),
        "max_leaf_nodes": p.get("max_leaf_nodes", 256),
        "max_depth": p.get("max_depth"),
        "min_samples_leaf": p.get("min_samples_leaf", 1),
        "max_features": p.get("max_features", "sqrt"),
        "random_state": seed,
        "n_jobs": n_jobs,
    }


def build_random_forest(task: Task, p: dict[str, Any], seed: int, n_jobs: int, cw: bool) -> Any:
    from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor

    params = _forest_params(p, seed, n_jobs)
    if task is Task.REGRESSION:
        params["max_features"] = p.get("max_features", 1.0)
        return RandomForestRegressor(**params)
    return RandomForestClassifier(class_weight=_balanced(cw), **params)


def build_extra_trees(task: Task, p: dict[str, Any], seed: int, n_jobs: int, cw: bool) -> Any:
    from sklearn.ensemble import ExtraTreesClassifier, ExtraTreesRegressor

    params = _forest_params(p, seed, n_jobs)
    if task is Task.REGRESSION:
        params["max_features"] = p.get("max_features", 1.0)
        return ExtraTreesRegressor(**params)
    return ExtraTreesClassifier(class_weight=_balanced(cw), **params)


def build_hgb(task: Task, p: dict[str, Any], seed: int, n_jobs: int, cw: bool) -> Any:
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

    params = {
        "learning_rate": p.get("learning_rate", 0.1),
        "max_iter": p.get("max_iter", 200),
        "max_leaf_nodes": p.get("max_leaf_nodes", 31),
        "min_samples_leaf": p.get("min_samples_leaf", 20),
        "l2_regularization": p.get("l2_regularization", 0.0),
        # Early stopping on an inner split keeps large fits short; it is seeded.
        "early_stopping": True,
        "random_state": seed,
    }
    if task is Task.REGRESSION:
        return HistGradientBoostingRegressor(**params)
    return HistGradientBoostingClassifier(class_weight=_balanced(cw), **params)


def build_lightgbm(task: Task, p: dict[str, Any], seed: int, n_jobs: int, cw: bool) -> Any:
    import lightgbm

    params = {
        "n_estimators": p.get("n_estimators", 100),
        "learning_rate": p.get("learning_rate", 0.1),
        "num_leaves": p.get("num_leaves", 31),
        "min_child_samples": p.get("min_child_samples", 20),
        "subsample": p.get("subsample", 1.0),
        "subsample_freq": 1 if p.get("subsample", 1.0) < 1.0 else 0,
        "colsample_bytree": p.get("colsample_bytree", 1.0),
        "reg_lambda": p.get("reg_lambda", 0.0),
        "random_state": seed,
        "n_jobs": n_jobs,
        "verbose": -1,
    }
    if task is Task.REGRESSION:
        return lightgbm.LGBMRegressor(**params)
    return lightgbm.LGBMClassifier(class_weight=_balanced(cw), **params)


def build_knn(task: Task, p: dict[str, Any], seed: int, n_jobs: int, cw: bool) -> Any:
    from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor

    # Uniform weights only: skl2onnx 1.20 converts weights="distance" wrongly (probabilities
    # off by up to 0.14 on a 500-row table; the export's parity gate caught it).
    params = {"n_neighbors": p.get("n_neighbors", 15), "weights": "uniform"}
    if task is Task.REGRESSION:
        return KNeighborsRegressor(**params)
    return KNeighborsClassifier(**params)


def build_linear_svm(task: Task, p: dict[str, Any], seed: int, n_jobs: int, cw: bool) -> Any:
    if task is Task.REGRESSION:
        from sklearn.svm import LinearSVR

        return LinearSVR(C=p.get("C", 1.0), max_iter=5000, random_state=seed)
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.svm import LinearSVC

    # A linear SVM gives no probabilities; sigmoid calibration adds them and converts to ONNX.
    svm = LinearSVC(C=p.get("C", 1.0), max_iter=5000, class_weight=_balanced(cw), random_state=seed)
    return CalibratedClassifierCV(svm, method="sigmoid", cv=3)


def build_kmeans(task: Task, p: dict[str, Any], seed: int, n_jobs: int, cw: bool) -> Any:
    from sklearn.cluster import KMeans

    return KMeans(n_clusters=int(p.get("n_clusters", 3)), n_init=10, random_state=seed)


def build_isolation_forest(
    task: Task, p: dict[str, Any], seed: int, n_jobs: int, cw: bool
) -> Any:
    from sklearn.ensemble import IsolationForest

    return IsolationForest(
        n_estimators=p.get("n_estimators", 200),
        contamination=p.get("contamination", "auto"),
        random_state=seed,
        n_jobs=n_jobs,
    )
