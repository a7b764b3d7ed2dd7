"""Schema inference: each rule, with its reason, and the user's overrides kept."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from engine.profile.infer import infer_schema, looks_like_id_name, name_tokens
from engine.profile.schema import ColumnKind, ColumnRole, Schema
from engine.profile.stats import profile_table

ROWS = 60
rng = np.random.default_rng(3)


def _kind_of(values: object, name: str = "col") -> tuple[ColumnKind, ColumnRole, str]:
    column = infer_schema(pd.DataFrame({name: values}))[name]
    return column.kind, column.role, column.reason


def test_floats_are_numeric() -> None:
    kind, role, reason = _kind_of(rng.normal(size=ROWS))
    assert (kind, role) == (ColumnKind.NUMERIC, ColumnRole.FEATURE)
    assert reason == "numbers with decimals"


def test_whole_numbers_with_many_values_are_numeric() -> None:
    values = np.tile(np.arange(30), 2)
    kind, _, reason = _kind_of(values, "age")
    assert kind is ColumnKind.NUMERIC
    assert reason == "whole numbers (30 distinct values)"


def test_whole_numbers_with_few_values_are_categories() -> None:
    kind, role, reason = _kind_of(np.tile([1, 2, 3], 20), "rating")
    assert (kind, role) == (ColumnKind.CATEGORICAL, ColumnRole.FEATURE)
    assert reason.startswith("whole numbers with 3 distinct values")
    assert "treated as categories" in reason


def test_a_code_name_allows_more_integer_categories() -> None:
    values = np.tile(np.arange(12), 5)
    assert _kind_of(values, "region_code")[0] is ColumnKind.CATEGORICAL
    assert _kind_of(values, "visits")[0] is ColumnKind.NUMERIC


def test_zero_one_integers_are_boolean() -> None:
    kind, _, reason = _kind_of(np.tile([0, 1, 1], 20))
    assert kind is ColumnKind.BOOLEAN
    assert "0 and 1" in reason


def test_floats_holding_whole_numbers_follow_the_integer_rules() -> None:
    values = np.tile([1.0, 2.0, np.nan], 20)
    assert _kind_of(values)[0] is ColumnKind.CATEGORICAL


@pytest.mark.parametrize("name", ["id", "customer_id", "CustomerID", "id_client", "orderid"])
def test_distinct_integers_with_an_id_name_are_identifiers(name: str) -> None:
    values = rng.permutation(np.arange(1000, 1000 + ROWS) * 7)
    kind, role, reason = _kind_of(values, name)
    assert (kind, role) == (ColumnKind.IDENTIFIER, ColumnRole.IGNORED)
    assert "identifier" in reason


def test_distinct_integers_counting_up_are_a_row_number() -> None:
    kind, role, reason = _kind_of(np.arange(5, 5 + ROWS), "row")
    assert (kind, role) == (ColumnKind.IDENTIFIER, ColumnRole.IGNORED)
    assert "1, 2, 3" in reason


def test_distinct_integers_without_an_id_name_stay_numeric() -> None:
    values = rng.choice(np.arange(100_000), ROWS, replace=False)
    assert _kind_of(values, "amount_cents")[0] is ColumnKind.NUMERIC


def test_repeated_strings_are_categories() -> None:
    kind, role, reason = _kind_of(rng.choice(["north", "south", "east"], ROWS), "region")
    assert (kind, role) == (ColumnKind.CATEGORICAL, ColumnRole.FEATURE)
    assert reason == "text with 3 distinct values: treated as categories"


def test_unique_short_codes_are_identifiers() -> None:
    codes = [f"C-{i:05d}" for i in range(ROWS)]
    kind, role, reason = _kind_of(codes, "account")
    assert (kind, role) == (ColumnKind.IDENTIFIER, ColumnRole.IGNORED)
    assert reason.startswith("every value is different and looks like a code (C-00000)")


def test_long_wordy_strings_are_free_text() -> None:
    words = np.array(["the", "delivery", "was", "late", "and", "support", "did", "not", "answer"])
    texts = [" ".join(rng.choice(words, 9)) for _ in range(ROWS)]
    kind, role, reason = _kind_of(texts, "comment")
    assert (kind, role) == (ColumnKind.TEXT, ColumnRole.FEATURE)
    assert reason.startswith("free text: long values with many words")


def test_yes_no_strings_are_boolean() -> None:
    kind, _, reason = _kind_of(np.tile(["Yes", "No", None], 20), "paperless")
    assert kind is ColumnKind.BOOLEAN
    assert reason == "yes/no values: treated as true/false"


def test_two_unrelated_strings_are_not_boolean() -> None:
    assert _kind_of(np.tile(["yes", "maybe"], 30))[0] is ColumnKind.CATEGORICAL


@pytest.mark.parametrize(
    "values",
    [
        np.tile([True, False], 30),
        pd.array(np.tile([True, None, False], 20), dtype="boolean"),
    ],
)
def test_bool_dtypes_are_boolean(values: object) -> None:
    kind, _, reason = _kind_of(values)
    assert kind is ColumnKind.BOOLEAN
    assert reason == "true/false values"


def test_datetimes_are_dates_and_say_whether_they_have_times() -> None:
    days = pd.date_range("2024-01-01", periods=ROWS, freq="D")
    assert _kind_of(days) == (ColumnKind.DATETIME, ColumnRole.FEATURE, "dates")
    stamps = pd.date_range("2024-01-01", periods=ROWS, freq="37min", tz="UTC")
    assert _kind_of(stamps)[2] == "dates and times"


def test_category_dtype_is_categorical() -> None:
    values = pd.Categorical(np.tile(["a", "b"], 30))
    assert _kind_of(values)[0] is ColumnKind.CATEGORICAL


def test_constant_and_empty_columns_are_ignored_with_a_reason() -> None:
    frame = pd.DataFrame({"const": ["x"] * ROWS, "empty": [np.nan] * ROWS,
                          "half": ["x", None] * (ROWS // 2)})
    schema = infer_schema(frame)
    assert schema["const"].role is ColumnRole.IGNORED
    assert schema["const"].reason == "the same value in every row: nothing to learn from"
    assert schema["empty"].role is ColumnRole.IGNORED
    assert schema["empty"].reason == "every value is missing"
    # One value or blank: whether it is filled in may still matter.
    assert schema["half"].role is ColumnRole.FEATURE


def test_personal_data_is_ignored_and_the_reason_names_it() -> None:
    emails = [f"person{i}@example.org" for i in range(ROWS)]
    column = infer_schema(pd.DataFrame({"contact": emails}))["contact"]
    assert column.role is ColumnRole.IGNORED
    assert column.reason == "looks like e-mail addresses: personal data, left out of modelling"
    assert "example.org" not in column.reason


def test_names_of_columns_are_kept_in_order_with_dtypes() -> None:
    frame = pd.DataFrame({"b": [1.5, 2.5], "a": ["x", "y"]})
    schema = infer_schema(frame)
    assert schema.names == ["b", "a"]
    assert schema["b"].dtype == "float64"
    assert not any(column.overridden for column in schema.columns)


def test_overrides_are_kept_when_the_column_still_fits() -> None:
    frame = pd.DataFrame({"rating": np.tile([1, 2, 3], 20), "churned": np.tile([0, 1], 30)})
    first = infer_schema(frame)
    edited = first.override("rating", kind="numeric").override("churned", role="target")
    again = infer_schema(frame.assign(rating=frame["rating"] + 1), previous=edited)
    assert again["rating"].kind is ColumnKind.NUMERIC
    assert again["rating"].overridden and again["rating"].reason == "chosen by you"
    assert again["churned"].role is ColumnRole.TARGET
    assert again["churned"].kind is ColumnKind.BOOLEAN


def test_an_override_is_dropped_when_the_type_changed() -> None:
    frame = pd.DataFrame({"x": np.tile([1, 2, 3], 20)})
    edited = infer_schema(frame).override("x", kind="numeric")
    changed = pd.DataFrame({"x": np.tile(["a", "b", "c"], 20)})
    column = infer_schema(changed, previous=edited)["x"]
    assert column.kind is ColumnKind.CATEGORICAL
    assert not column.overridden
    assert "your earlier choice was dropped" in column.reason


def test_choices_not_made_by_the_user_are_inferred_again() -> None:
    previous = Schema.from_dict(
        {"columns": [{"name": "x", "kind": "text", "reason": "old", "dtype": "float64"}]}
    )
    column = infer_schema(pd.DataFrame({"x": rng.normal(size=ROWS)}), previous)["x"]
    assert column.kind is ColumnKind.NUMERIC


def test_name_helpers() -> None:
    assert name_tokens("CustomerID") == ["customer", "id"]
    assert name_tokens("monthly income") == ["monthly", "income"]
    assert looks_like_id_name("client_key")
    assert not looks_like_id_name("income")


def test_very_large_floats_are_numbers_not_codes() -> None:
    # Every float beyond 2**53 is "whole"; two distinct values must not make categories.
    kind, role, reason = _kind_of(np.tile([1.7e308, -1.7e308, 1e20], 20), "x")
    assert (kind, role, reason) == (ColumnKind.NUMERIC, ColumnRole.FEATURE, "very large numbers")


def test_nested_values_are_profiled_as_text() -> None:
    # Lists and dicts (from JSON or Parquet) cannot be hashed; the same list in every row.
    frame = pd.DataFrame({"tags": [[1, 2]] * 30, "extra": [{"k": i % 3} for i in range(30)]})
    schema = infer_schema(frame)
    assert schema["tags"].role is ColumnRole.IGNORED  # one value in every row
    assert schema["extra"].kind is ColumnKind.TEXT
    profile = profile_table(frame, schema)
    assert profile.column("tags").distinct == 1
    assert [code.code for code in profile.column("tags").warnings] == ["constant"]


def test_infer_schema_reports_per_column_and_can_be_cancelled() -> None:
    from engine.jobs import Cancelled, CancelToken, Job

    frame = pd.DataFrame({f"c{i}": range(50) for i in range(5)})
    seen: list[str] = []
    token = CancelToken()

    def progress(fraction: float, message: str) -> None:
        seen.append(message)
        if len(seen) == 3:
            token.cancel()

    with pytest.raises(Cancelled):
        infer_schema(frame, job=Job(progress, token, min_interval=0))
    assert seen == ["Working out the kind of c0", "Working out the kind of c1",
                    "Working out the kind of c2"]
