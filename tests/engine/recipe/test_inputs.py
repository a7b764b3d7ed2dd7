"""The model-input contract: kinds from the schema, and the model frame's forms."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from engine.errors import InputError
from engine.profile.schema import ColumnKind, ColumnSchema, Schema
from engine.recipe.inputs import InputColumn, model_inputs, to_model_frame

SCHEMA = Schema(
    (
        ColumnSchema("n", ColumnKind.NUMERIC),
        ColumnSchema("flag", ColumnKind.BOOLEAN),
        ColumnSchema("c", ColumnKind.CATEGORICAL),
        ColumnSchema("d", ColumnKind.DATETIME),
        ColumnSchema("notes", ColumnKind.TEXT),
        ColumnSchema("id", ColumnKind.IDENTIFIER),
    )
)


def test_model_inputs_maps_kinds_in_the_order_asked():
    result = model_inputs(SCHEMA, ["d", "c", "flag", "n"])
    assert result == (
        InputColumn("d", "date"),
        InputColumn("c", "categorical"),
        InputColumn("flag", "numeric"),
        InputColumn("n", "numeric"),
    )


@pytest.mark.parametrize("name", ["notes", "id"])
def test_text_and_identifiers_are_refused(name):
    with pytest.raises(InputError, match="cannot be a model input"):
        model_inputs(SCHEMA, ["n", name])


def test_unknown_feature_is_refused():
    with pytest.raises(InputError, match="no column named 'nope'"):
        model_inputs(SCHEMA, ["nope"])


def test_input_column_round_trips_and_checks_kind():
    column = InputColumn("monthly income", "numeric")
    assert InputColumn.from_dict(column.to_dict()) == column
    with pytest.raises(InputError):
        InputColumn("x", "text")


def test_numeric_forms():
    frame = pd.DataFrame(
        {
            "ints": pd.array([1, None, 3], dtype="Int64"),
            "floats": [1.5, np.inf, -np.inf],
            "bools": [True, False, True],
            "words": ["yes", "No", None],
            "text": [" TRUE", "false", "2.5"],
            "huge": [1e300, -1e300, 7.0],
        }
    )
    inputs = [InputColumn(c, "numeric") for c in frame.columns]
    out = to_model_frame(frame, inputs)
    assert all(out[c].dtype == np.float32 for c in out.columns)
    np.testing.assert_array_equal(out["ints"], [1.0, np.nan, 3.0])
    np.testing.assert_array_equal(out["floats"], [1.5, np.nan, np.nan])
    np.testing.assert_array_equal(out["bools"], [1.0, 0.0, 1.0])
    np.testing.assert_array_equal(out["words"], [1.0, 0.0, np.nan])
    np.testing.assert_array_equal(out["text"], [1.0, 0.0, 2.5])
    np.testing.assert_array_equal(out["huge"], [np.nan, np.nan, 7.0])


def test_categorical_forms():
    frame = pd.DataFrame(
        {
            "s": pd.Series(["a", None, "b"], dtype="str"),
            "f": [1.0, np.nan, 2.5],
            "mixed": pd.Series([3, "x", None], dtype=object),
        }
    )
    out = to_model_frame(frame, [InputColumn(c, "categorical") for c in frame.columns])
    for column in out.columns:
        assert out[column].dtype == object
        assert all(type(v) is str for v in out[column])
    assert list(out["s"]) == ["a", "", "b"]
    assert list(out["f"]) == ["1", "", "2.5"]
    assert list(out["mixed"]) == ["3", "x", ""]


def test_date_forms():
    frame = pd.DataFrame(
        {
            "stamps": pd.to_datetime(["1970-01-02", None, "2024-03-01 12:00"], format="ISO8601"),
            "iso": ["1970-01-02", "not a date", "2024-03-01T12:00:00"],
            "aware": pd.to_datetime(
                ["1970-01-02T01:00+01:00", None, "2024-03-01T12:00Z"], utc=True
            ),
        }
    )
    out = to_model_frame(frame, [InputColumn(c, "date") for c in frame.columns])
    expected = [1.0, np.nan, 19783.5]
    for column in out.columns:
        assert out[column].dtype == np.float32
        np.testing.assert_array_equal(out[column], np.asarray(expected, np.float32))


def test_columns_in_input_order_and_missing_ones_named():
    frame = pd.DataFrame({"b": [1], "a": ["x"], "extra": [0]})
    inputs = [InputColumn("a", "categorical"), InputColumn("b", "numeric")]
    assert list(to_model_frame(frame, inputs).columns) == ["a", "b"]
    with pytest.raises(InputError, match="'zzz'"):
        to_model_frame(frame, [*inputs, InputColumn("zzz", "numeric")])
