"""Fixtures of the recipe tests (helpers live in recipe_parity.py)."""

from __future__ import annotations

import pandas as pd
import pytest
from recipe_parity import INPUTS, make_table

from engine.recipe.inputs import to_model_frame


@pytest.fixture(scope="session")
def train_frame() -> pd.DataFrame:
    return to_model_frame(make_table(400, seed=0), INPUTS)


@pytest.fixture(scope="session")
def test_frame() -> pd.DataFrame:
    return to_model_frame(make_table(300, seed=7, unseen=True), INPUTS)


@pytest.fixture(autouse=True)
def _one_thread():
    """Small fits: OpenMP threads only add overhead (and contention on a busy machine)."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        yield
