"""Profile statistics: exact numbers on small handmade tables, jobs, JSON."""

from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pandas as pd
import pytest

from engine.errors import InputError
from engine.jobs import Cancelled, CancelToken
from engine.profile.infer import infer_schema
from engine.profile.result import TableProfile
from engine.profile.schema import ColumnKind, Schema
from engine.profile.stats import profile_table, top_values


def _profile(frame: pd.DataFrame) -> TableProfile:
    return profile_table(frame, infer_schema(frame))


def test_numeric_statistics_are_exact() -> None:
    frame = pd.DataFrame({"x": [1.5, 2, 3, 4, 5, 6, 7, 8, 9, 10, np.nan]})
    column = _profile(frame).column("x")
    assert (column.count, column.missing, column.distinct) == (10, 1, 10)
    assert (column.minimum, column.maximum) == (1.5, 10.0)
    assert column.mean == pytest.approx(5.55)
    assert column.std == pytest.approx(float(np.std(frame["x"].dropna(), ddof=1)))
    # Linear interpolation between order statistics (as numpy and pandas do).
    assert column.quantiles == pytest.approx({
        "p01": 1.545, "p05": 1.725, "p25": 3.25, "p50": 5.5, "p75": 7.75, "p95": 9.55,
        "p99": 9.91,
    })
    assert column.missing_share == pytest.approx(1 / 11)


def test_numeric_histogram_has_twenty_bins_summing_to_the_count() -> None:
    values = np.arange(1000) / 10.0
    column = _profile(pd.DataFrame({"x": values})).column("x")
    histogram = column.histogram
    assert histogram is not None
    assert len(histogram.counts) == 20 and len(histogram.edges) == 21
    assert histogram.counts == [50] * 20
    assert histogram.edges[0] == 0.0 and histogram.edges[-1] == 99.9


def test_outliers_land_in_stretched_outer_bins() -> None:
    values = np.concatenate([np.arange(1000) / 10.0, [1e6]])
    histogram = _profile(pd.DataFrame({"x": values})).column("x").histogram
    assert histogram is not None
    assert sum(histogram.counts) == 1001
    assert histogram.edges[-1] == 1e6 and histogram.edges[0] == 0.0
    # The robust range (p01..p99) sets the inner bins, so the bulk is spread, not squashed.
    assert max(histogram.counts) < 100
    assert histogram.edges[-2] < 100


def test_small_whole_number_ranges_get_one_bin_per_value() -> None:
    frame = pd.DataFrame({"calls": [0, 1, 1, 2, 2, 2, 5] * 10})
    histogram = _profile(frame).column("calls").histogram
    assert histogram is not None
    assert histogram.edges == [-0.5, 0.5, 1.5, 2.5, 3.5, 4.5, 5.5]
    assert histogram.counts == [10, 20, 30, 0, 0, 10]


def test_constant_numbers_have_a_single_bin() -> None:
    histogram = _profile(pd.DataFrame({"x": [2.5] * 7})).column("x").histogram
    assert histogram is not None
    assert (histogram.edges, histogram.counts) == ([2.5, 2.5], [7])


def test_top_values_are_ordered_by_count_then_first_seen() -> None:
    frame = pd.DataFrame({"c": ["b", "a", "b", "c", "b", "a", None, "d"]})
    column = _profile(frame).column("c")
    assert column.kind is ColumnKind.CATEGORICAL
    assert column.top_values == [("b", 3), ("a", 2), ("c", 1), ("d", 1)]
    assert (column.count, column.missing, column.distinct) == (7, 1, 4)


def test_top_values_keep_only_the_ten_largest() -> None:
    codes = np.repeat(np.arange(30), np.arange(30) + 1)  # value k appears k+1 times
    uniques = pd.Index([f"v{k}" for k in range(30)])
    top = top_values(codes, uniques)
    assert top == [(f"v{k}", k + 1) for k in range(29, 19, -1)]


def test_numeric_categories_show_numbers_as_written() -> None:
    frame = pd.DataFrame({"stars": [1.0, 2.0, 2.0, 3.0, np.nan] * 4})
    column = _profile(frame).column("stars")
    assert column.top_values == [("2", 8), ("1", 4), ("3", 4)]


def test_boolean_mean_is_the_share_of_true() -> None:
    frame = pd.DataFrame({
        "flag": pd.array([True, False, True, None], dtype="boolean"),
        "yn": ["yes", "no", "yes", "yes"],
    })
    profile = _profile(frame)
    assert profile.column("flag").mean == pytest.approx(2 / 3)
    assert profile.column("flag").missing == 1
    assert profile.column("yn").mean == pytest.approx(0.75)
    assert profile.column("yn").top_values == [("yes", 3), ("no", 1)]


def test_dates_are_iso_strings_with_a_histogram_by_time() -> None:
    days = pd.Series(pd.to_datetime(["2024-01-01", "2024-01-11", "2024-01-21", "2024-03-01",
                                     None]))
    column = _profile(pd.DataFrame({"d": days})).column("d")
    assert (column.minimum, column.maximum) == ("2024-01-01", "2024-03-01")
    assert column.quantiles["p50"] == "2024-01-21"
    assert column.mean is None
    assert column.histogram is not None
    assert sum(column.histogram.counts) == 4
    assert column.histogram.edges[0] == "2024-01-01"
    assert column.histogram.edges[-1] == "2024-03-01"
    assert all(len(edge) == 10 for edge in column.histogram.edges)  # whole days


def test_zoned_times_are_reported_in_utc() -> None:
    stamps = pd.Series(pd.date_range("2024-06-01 10:00", periods=3, freq="h", tz="Europe/Paris"))
    column = _profile(pd.DataFrame({"t": stamps})).column("t")
    assert (column.minimum, column.maximum) == ("2024-06-01T08:00:00", "2024-06-01T10:00:00")


def test_profile_is_plain_data_and_survives_json() -> None:
    frame = pd.DataFrame({
        "id": np.arange(30),
        "x": np.linspace(0, 1, 30),
        "n": pd.array([1, None, 3] * 10, dtype="Int64"),
        "c": ["a", "b", "c"] * 10,
        "d": pd.date_range("2024-01-01", periods=30, freq="D"),
        "b": [True, False] * 15,
    })
    profile = _profile(frame)
    document = profile.to_dict()
    text = json.dumps(document)  # raises on numpy scalars or timestamps
    assert json.loads(text) == document
    assert Schema.from_dict(json.loads(text)["schema"]) == profile.schema
    assert type(document["columns"][1]["mean"]) is float
    assert type(document["columns"][2]["count"]) is int


def test_progress_reaches_the_end_and_names_columns() -> None:
    seen: list[tuple[float, str]] = []
    frame = pd.DataFrame({"a": [1.0, 2.0], "b": ["x", "y"]})
    profile_table(frame, None, lambda fraction, message: seen.append((fraction, message)))
    assert seen[-1] == (1.0, "Profile ready")
    fractions = [fraction for fraction, _ in seen]
    assert fractions == sorted(fractions)


def test_a_cancelled_token_stops_the_profile() -> None:
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        profile_table(pd.DataFrame({"a": [1, 2]}), None, None, token)


def test_cancelling_during_the_profile_stops_it() -> None:
    token = CancelToken()
    seen: list[str] = []

    def progress(fraction: float, message: str) -> None:
        seen.append(message)
        if message.startswith("Profiling a "):
            token.cancel()

    frame = pd.DataFrame({name: np.arange(50.0) for name in "abcdef"})
    with pytest.raises(Cancelled):
        profile_table(frame, infer_schema(frame), progress, token)
    assert not any(message.startswith("Profiling f") for message in seen)


def test_a_schema_naming_an_absent_column_is_an_input_error() -> None:
    schema = infer_schema(pd.DataFrame({"a": [1], "gone": [2]}))
    with pytest.raises(InputError, match="gone"):
        profile_table(pd.DataFrame({"a": [1]}), schema)


def test_columns_missing_from_the_schema_are_inferred() -> None:
    frame = pd.DataFrame({"a": [1.5, 2.5], "b": ["x", "y"]})
    schema = infer_schema(frame[["a"]]).override("a", kind="categorical")
    profile = profile_table(frame, schema)
    assert profile.schema.names == ["a", "b"]
    assert profile.schema["a"].kind is ColumnKind.CATEGORICAL
    assert profile.column("a").top_values == [("1.5", 1), ("2.5", 1)]


def test_empty_table() -> None:
    profile = _profile(pd.DataFrame({"a": pd.Series([], dtype="float64")}))
    assert profile.rows == 0
    assert profile.column("a").count == 0
    json.dumps(profile.to_dict())


def test_a_million_distinct_strings() -> None:
    rows = 1_000_000
    values = pd.Series(np.char.add("K", np.arange(rows).astype(str)), dtype="str")
    profile = _profile(pd.DataFrame({"key": values}))
    column = profile.column("key")
    assert profile.schema["key"].kind is ColumnKind.IDENTIFIER
    assert (column.count, column.distinct) == (rows, rows)
    assert column.top_values[:2] == [("K0", 1), ("K1", 1)]
    assert [warning.code for warning in column.warnings] == ["id_like"]
    assert not math.isnan(profile.seconds)


def test_infinities_are_left_out_of_the_numbers_so_json_stays_valid() -> None:
    frame = pd.DataFrame({"x": [1.0, np.inf, -np.inf, 3.0, np.nan]})
    column = _profile(frame).column("x")
    assert (column.count, column.missing, column.minimum, column.maximum) == (4, 1, 1.0, 3.0)
    json.dumps(_profile(frame).to_dict(), allow_nan=False)


def test_text_forced_to_numeric_by_the_user_still_shows_its_values() -> None:
    frame = pd.DataFrame({"code": ["12", "7", "12", "x"]})
    schema = infer_schema(frame).override("code", kind="numeric")
    column = profile_table(frame, schema).column("code")
    assert column.kind is ColumnKind.NUMERIC and column.minimum is None
    assert column.top_values == [("12", 2), ("7", 1), ("x", 1)]


def _quietly(frame: pd.DataFrame) -> TableProfile:
    """Profile with every Python/numpy warning turned into an error: none may leak out."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return _profile(frame)


def test_huge_numbers_do_not_overflow() -> None:
    # The reviewer's CSV: x = 0 and 1.1287606188244725e+103 (the cube of the second overflows).
    values = [0.0, 1.1287606188244725e103]
    column = _quietly(pd.DataFrame({"x": values, "y": [1, 2]})).column("x")
    assert (column.minimum, column.maximum) == (0.0, 1.1287606188244725e103)
    assert column.mean == pytest.approx(np.mean(values))
    assert column.std == pytest.approx(1.1287606188244725e103 / math.sqrt(2))
    assert column.histogram is not None and sum(column.histogram.counts) == 2


def test_statistics_that_do_not_fit_a_float_are_none() -> None:
    values = [1.7e308, -1.7e308, 1.7e308, -1.7e308]
    profile = _quietly(pd.DataFrame({"x": values}))
    column = profile.column("x")
    assert column.std is None  # 1.7e308 * sqrt(4/3): more than a float64 holds
    assert column.mean == 0.0
    assert column.quantiles["p50"] == 0.0  # halfway from -1.7e308 to 1.7e308, no overflow
    assert column.quantiles["p25"] == -1.7e308
    assert column.histogram is not None
    assert column.histogram.edges[0] == -1.7e308 and column.histogram.edges[-1] == 1.7e308
    assert sum(column.histogram.counts) == 4
    json.dumps(profile.to_dict(), allow_nan=False)


def test_tiny_numbers_keep_their_spread() -> None:
    # Squares of 1e-320 underflow to 0: without scaling the spread would read as 0.
    values = np.array([1e-320, 3e-320, 5e-320, 2e-321])
    column = _quietly(pd.DataFrame({"x": values})).column("x")
    expected = float(np.std(values * 1e300, ddof=1)) / 1e300
    assert column.std == pytest.approx(expected, rel=1e-3, abs=0)
    assert column.minimum == 2e-321 and column.maximum == 5e-320


def test_json_is_strict_with_huge_infinite_and_missing_values() -> None:
    frame = pd.DataFrame({
        "huge": [1e308, -1e308, 1.7976931348623157e308, 0.0, 2.5],
        "infinite": [np.inf, -np.inf, 5.0, np.nan, 1.0],
        "only_inf": [np.inf, np.inf, -np.inf, np.nan, np.inf],
        "missing": [np.nan] * 5,
        "tiny": [1e-320, 5e-324, 0.0, -1e-320, np.nan],
        "big_ints": np.array([-(2**63), 2**63 - 1, 0, 1, 2], dtype=np.int64),
        "huge_uints": np.array([2**64 - 1, 0, 2**63, 5, 5], dtype=np.uint64),
        "text": ["a", "b", None, "a\nb", "é"],
    })
    profile = _quietly(frame)
    json.dumps(profile.to_dict(), allow_nan=False)
    assert profile.column("huge").maximum == 1.7976931348623157e308
    assert profile.column("only_inf").minimum is None


def test_infinite_values_get_a_warning() -> None:
    frame = pd.DataFrame({"x": [np.inf, -np.inf, 5.0], "one": [np.inf, 2.0, 5.0],
                          "clean": [1.0, 2.0, 5.0]})
    profile = _profile(frame)
    [warning] = [w for w in profile.column("x").warnings if w.code == "infinite_values"]
    assert warning.message.startswith(
        "2 values are infinite (1 +inf, 1 -inf): they are left out of the statistics")
    [one] = [w for w in profile.column("one").warnings if w.code == "infinite_values"]
    assert one.message.startswith("1 value is infinite (1 +inf): it is left out of the")
    assert profile.column("clean").warnings == []


def test_distinct_integers_are_counted_on_the_integers() -> None:
    # Above 2**53, neighbouring integers are the same float64.
    values = 2**60 + 2 * np.arange(200, dtype=np.int64)
    frame = pd.DataFrame({"x": values, "row": 2**60 + np.arange(200, dtype=np.int64)})
    profile = _quietly(frame)
    assert profile.column("x").distinct == 200
    assert profile.schema["x"].kind is ColumnKind.NUMERIC
    assert profile.schema["x"].reason == "whole numbers (200 distinct values)"
    assert profile.schema["row"].kind is ColumnKind.IDENTIFIER  # counts up 1, 2, 3...


def test_huge_whole_floats_are_shown_short_in_top_values() -> None:
    schema = Schema.from_dict({"columns": [{"name": "x", "kind": "categorical"}]})
    column = profile_table(pd.DataFrame({"x": [1.7e308, 3.0, 1e16]}), schema).column("x")
    assert [value for value, _ in column.top_values] == ["1.7e+308", "3", "1e+16"]
