"""Task detection: the guess, its reason in words, the labels and the positive class."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from engine.errors import InputError
from engine.problem.definition import Task
from engine.problem.task_detection import detect_task, label_strings, target_labels
from engine.profile.schema import ColumnKind


def test_yes_no_column_is_binary_with_yes_positive() -> None:
    target = pd.Series([True] * 20 + [False] * 80 + [None], dtype="boolean", name="churned")
    guess = detect_task(target, ColumnKind.BOOLEAN)
    assert guess.task is Task.BINARY
    assert guess.classes == ("no", "yes")
    assert guess.positive_class == "yes"
    assert guess.reason.startswith("2 values (yes, no): binary; positive class 'yes' (the rarer")
    assert not guess.confirm


def test_three_integers_are_multiclass_to_confirm() -> None:
    target = pd.Series([1, 2, 3, 2, 1, 3, 3], name="grade")
    guess = detect_task(target, ColumnKind.NUMERIC)
    assert guess.task is Task.MULTICLASS
    assert guess.reason.startswith("3 distinct integer values: multiclass; confirm")
    assert guess.confirm and guess.classes == ("1", "2", "3")


def test_continuous_numbers_are_regression() -> None:
    target = pd.Series(np.random.default_rng(0).normal(size=200), name="amount")
    guess = detect_task(target, ColumnKind.NUMERIC)
    assert (guess.task, guess.reason, guess.classes) == (
        Task.REGRESSION, "continuous numbers: regression", ())


def test_many_whole_numbers_are_regression_and_a_middle_count_asks() -> None:
    wide = pd.Series(np.arange(500) % 97, name="visits")
    assert detect_task(wide, ColumnKind.NUMERIC).task is Task.REGRESSION
    assert not detect_task(wide, ColumnKind.NUMERIC).confirm
    middle = pd.Series(np.arange(300) % 15, name="rooms")
    guess = detect_task(middle, ColumnKind.NUMERIC)
    assert guess.task is Task.REGRESSION and guess.confirm


def test_float_zero_one_labels_read_as_integers() -> None:
    target = pd.Series([0.0, 1.0, 1.0, np.nan, 0.0, 0.0], name="flag")
    guess = detect_task(target, ColumnKind.NUMERIC)
    assert guess.task is Task.BINARY and guess.classes == ("0", "1")
    assert guess.positive_class == "1"
    assert list(target_labels(target, Task.BINARY)) == ["0", "1", "1", None, "0", "0"]


def test_positive_class_is_the_rarer_without_a_usual_word() -> None:
    target = pd.Series(["apple"] * 30 + ["pear"] * 10, name="fruit")
    guess = detect_task(target, ColumnKind.CATEGORICAL)
    assert guess.positive_class == "pear"
    assert "(the rarer one)" in guess.reason


def test_usual_word_wins_over_rarity() -> None:
    target = pd.Series(["yes"] * 30 + ["no"] * 10, name="bought")
    guess = detect_task(target, ColumnKind.CATEGORICAL)
    assert guess.positive_class == "yes"
    assert "usual label for the event" in guess.reason
    stayed = pd.Series(["stayed"] * 30 + ["moved"] * 40, name="status")
    assert detect_task(stayed, ColumnKind.CATEGORICAL).positive_class == "moved"


def test_text_with_several_values_is_multiclass() -> None:
    target = pd.Series(["red", "green", "blue", "red"], dtype="str", name="colour")
    guess = detect_task(target, ColumnKind.CATEGORICAL)
    assert guess.task is Task.MULTICLASS
    assert guess.reason == "3 distinct values (blue, green, red): multiclass"


@pytest.mark.parametrize(("values", "message"), [
    ([None, None, None], "has no values"),
    (["a", "a", None], "single value \\('a'\\)"),
])
def test_empty_or_single_class_target_is_refused(values: list, message: str) -> None:
    with pytest.raises(InputError, match=message) as caught:
        detect_task(pd.Series(values, dtype="str", name="y"), ColumnKind.CATEGORICAL)
    assert "'y'" in str(caught.value) and caught.value.hint


def test_date_target_is_refused() -> None:
    target = pd.Series(pd.to_datetime(["2024-01-01", "2024-02-01"]), name="when")
    with pytest.raises(InputError, match="holds dates"):
        detect_task(target, ColumnKind.DATETIME)


def test_target_labels_for_classification_and_regression() -> None:
    text = pd.Series(["b", None, "a"], dtype="str")
    labels = target_labels(text, Task.MULTICLASS)
    assert labels.dtype == object and list(labels) == ["b", None, "a"]
    numbers = pd.Series([1.5, None, np.inf, 2])
    values = target_labels(numbers, Task.REGRESSION)
    assert values.dtype == np.float64
    assert values[0] == 1.5 and np.isnan(values[1]) and np.isnan(values[2]) and values[3] == 2
    assert list(target_labels(pd.Series(["1", "2.5", None], dtype="str"), Task.REGRESSION)[:2]) \
        == [1.0, 2.5]


def test_text_target_for_regression_is_refused_with_an_example() -> None:
    target = pd.Series(["10", "cheap", "30"], dtype="str", name="price")
    with pytest.raises(InputError, match="'price' holds text \\(for example 'cheap'\\)"):
        target_labels(target, Task.REGRESSION)


def test_label_strings_never_write_floats_for_whole_numbers() -> None:
    assert list(label_strings(pd.Series([3, 1, 2], dtype="Int64"))) == ["3", "1", "2"]
    assert list(label_strings(pd.Series([2.0, 2.5]))) == ["2", "2.5"]
    assert list(label_strings(pd.Series([True, False]))) == ["yes", "no"]


def test_digits_mean_yes_only_against_zero() -> None:
    target = pd.Series([1] * 30 + [2] * 10, name="plan")
    guess = detect_task(target, ColumnKind.NUMERIC)
    assert guess.task is Task.BINARY and guess.positive_class == "2"
    assert "(the rarer one)" in guess.reason and guess.confirm
