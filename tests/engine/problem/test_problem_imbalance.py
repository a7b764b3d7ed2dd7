"""Class balance: counts, the minority's share and when class weights are suggested."""

from __future__ import annotations

import numpy as np
import pytest

from engine.problem.imbalance import ClassBalance, class_balance


def test_balanced_classes_get_no_weights() -> None:
    balance = class_balance(np.array(["a"] * 50 + ["b"] * 45 + [None], dtype=object))
    assert balance.counts == {"a": 50, "b": 45}
    assert balance.minority_share == pytest.approx(45 / 95)
    assert not balance.imbalanced and not balance.suggest_class_weights
    assert "balanced" in balance.message


def test_moderate_imbalance_offers_weights_without_switching_them_on() -> None:
    balance = class_balance(np.array(["no"] * 79 + ["yes"] * 21, dtype=object))
    assert balance.imbalanced and not balance.suggest_class_weights
    assert "Class weights are available" in balance.message


def test_rare_class_is_reported_and_weights_suggested() -> None:
    balance = class_balance(np.array(["no"] * 95 + ["yes"] * 5, dtype=object))
    assert balance.imbalanced and balance.suggest_class_weights
    assert list(balance.counts) == ["no", "yes"]  # largest first
    assert "'yes' is 5.0% of labelled rows (5 of 100)" in balance.message
    assert ClassBalance.from_dict(balance.to_dict()) == balance


def test_single_row_class_is_named() -> None:
    balance = class_balance(np.array(["a"] * 10 + ["b"] * 10 + ["c"], dtype=object))
    assert "'c' has a single row" in balance.message


def test_one_class_cannot_be_judged() -> None:
    balance = class_balance(np.array(["a", "a"], dtype=object))
    assert not balance.imbalanced and "cannot be judged" in balance.message
