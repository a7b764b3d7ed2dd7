"""Small generated tables for the training tests (fast on 2 cores)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from engine.api import infer_schema
from engine.problem.define import propose_problem
from engine.problem.definition import SplitKind, ValidationPlan


def churn_like(rows: int, seed: int = 7) -> pd.DataFrame:
    """Numbers, a category with missing values and a binary target that depends on both."""
    rng = np.random.default_rng(seed)
    tenure = rng.integers(1, 72, rows).astype(float)
    charges = rng.normal(70, 20, rows)
    region = rng.choice(["North", "South", "East", "West"], rows).astype(object)
    region[rng.random(rows) < 0.05] = None
    noise = rng.normal(0, 1, rows)
    logit = -0.06 * tenure + 0.03 * (charges - 70) + np.where(region == "North", 1.0, 0.0) + noise
    return pd.DataFrame(
        {
            "tenure": tenure,
            "monthly charges": charges,
            "region": pd.array(region, dtype="str"),
            "churned": np.where(logit > -1.5, "yes", "no"),
        }
    )


@pytest.fixture(scope="session")
def small_table() -> pd.DataFrame:
    return churn_like(600)


@pytest.fixture(scope="session")
def small_problem(small_table: pd.DataFrame):
    schema = infer_schema(small_table)
    proposal = propose_problem(
        small_table,
        schema,
        "churned",
        validation=ValidationPlan(kind=SplitKind.STRATIFIED, folds=3),
    )
    return schema, proposal.problem
