"""Small fitted pipelines on scikit-learn's bundled datasets, shared by the evaluation tests.

Labels are text, as the training code hands them over; each model comes with the baseline
the training code fits (class shares or the mean).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.cluster import KMeans
from sklearn.datasets import load_breast_cancer, load_diabetes, load_wine
from sklearn.dummy import DummyClassifier, DummyRegressor
from sklearn.ensemble import IsolationForest
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from engine.evaluation.evaluate import evaluate_model
from engine.evaluation.result import Evaluation


@dataclass(frozen=True)
class Fitted:
    model: Pipeline
    baseline: Pipeline | None
    x_train: pd.DataFrame
    x_holdout: pd.DataFrame
    y_holdout: np.ndarray | None
    y_train: np.ndarray | None = None


def _split(loader: Any, *, classes: bool) -> tuple[pd.DataFrame, pd.DataFrame, Any, Any]:
    data = loader(as_frame=True)
    target = data.target.to_numpy()
    y = np.asarray(data.target_names)[target].astype(object) if classes else target.astype(float)
    return train_test_split(data.data, y, test_size=0.25, random_state=0)


def _classifier(loader: Any) -> Fitted:
    x_train, x_holdout, y_train, y_holdout = _split(loader, classes=True)
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=500, C=0.1))
    baseline = make_pipeline(DummyClassifier(strategy="prior"))
    return Fitted(model.fit(x_train, y_train), baseline.fit(x_train, y_train), x_train,
                  x_holdout, y_holdout, y_train)


@pytest.fixture(scope="session")
def cancer() -> Fitted:
    return _classifier(load_breast_cancer)


@pytest.fixture(scope="session")
def wine() -> Fitted:
    return _classifier(load_wine)


@pytest.fixture(scope="session")
def diabetes() -> Fitted:
    x_train, x_holdout, y_train, y_holdout = _split(load_diabetes, classes=False)
    model = make_pipeline(StandardScaler(), Ridge(alpha=1.0)).fit(x_train, y_train)
    baseline = make_pipeline(DummyRegressor(strategy="mean")).fit(x_train, y_train)
    return Fitted(model, baseline, x_train, x_holdout, y_holdout)


@pytest.fixture(scope="session")
def cancer_evaluation(cancer: Fitted) -> Evaluation:
    return evaluate_model(
        "binary", cancer.model, cancer.x_holdout, cancer.y_holdout, baseline=cancer.baseline,
        positive_class="malignant",
        cv_scores={"roc_auc": [0.97, 0.99], "neg_log_loss": [-0.10, -0.14]},
        X_train=cancer.x_train, y_train=cancer.y_train,
    )


@pytest.fixture(scope="session")
def wine_evaluation(wine: Fitted) -> Evaluation:
    return evaluate_model("multiclass", wine.model, wine.x_holdout, wine.y_holdout,
                          baseline=wine.baseline)


@pytest.fixture(scope="session")
def diabetes_evaluation(diabetes: Fitted) -> Evaluation:
    return evaluate_model("regression", diabetes.model, diabetes.x_holdout,
                          diabetes.y_holdout, baseline=diabetes.baseline,
                          cv_scores={"neg_root_mean_squared_error": [-50.0, -60.0]})


@pytest.fixture(scope="session")
def clustering_evaluation(wine: Fitted) -> Evaluation:
    model = make_pipeline(StandardScaler(), KMeans(3, n_init=3, random_state=0))
    model.fit(wine.x_train)
    return evaluate_model("clustering", model, wine.x_holdout, None)


@pytest.fixture(scope="session")
def anomaly_evaluation(wine: Fitted) -> Evaluation:
    model = make_pipeline(IsolationForest(n_estimators=50, random_state=0)).fit(wine.x_train)
    return evaluate_model("anomaly", model, wine.x_holdout, None)


@pytest.fixture(scope="session")
def every_evaluation(
    cancer_evaluation: Evaluation, wine_evaluation: Evaluation,
    diabetes_evaluation: Evaluation, clustering_evaluation: Evaluation,
    anomaly_evaluation: Evaluation,
) -> list[Evaluation]:
    return [cancer_evaluation, wine_evaluation, diabetes_evaluation, clustering_evaluation,
            anomaly_evaluation]
