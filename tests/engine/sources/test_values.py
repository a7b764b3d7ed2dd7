"""Dates and booleans recognised in text columns (engine.sources.values)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from engine.sources.values import normalize_column, normalize_columns


def _one(values: list[object], dtype: str = "str") -> tuple[pd.Series | None, str | None]:
    return normalize_column(pd.Series(values, dtype=dtype))


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["yes", "no", "Yes", None], [True, False, True, None]),
        (["Y", "N", " y "], [True, False, True]),
        (["TRUE", "false", "True"], [True, False, True]),
        (["t", "f", "F"], [True, False, False]),
        (["1", "0", "1"], [True, False, True]),
        (["oui", "non"], [True, False]),
        (["ja", "nein", "N/A"], [True, False, None]),
    ],
)
def test_boolean_spellings_become_nullable_booleans(values: list, expected: list) -> None:
    converted, note = _one(values)
    assert converted is not None
    assert str(converted.dtype) == "boolean"
    assert converted.tolist() == [pd.NA if v is None else v for v in expected]
    assert note is not None and note.startswith("yes/no values")


@pytest.mark.parametrize(
    "values",
    [
        ["yes", "no", "maybe"],  # a third answer is information
        ["Y", "Y", "Y"],  # single letters need both spellings
        ["1", "1"],
        ["T", "M", "F"],
    ],
)
def test_columns_that_are_not_booleans_stay_text(values: list) -> None:
    assert _one(values) == (None, None)


def test_numeric_zero_one_stays_numeric() -> None:
    frame = pd.DataFrame({"flag": [0, 1, 1, 0], "score": [0.0, 1.0, 0.0, 1.0]})
    out, notes = normalize_columns(frame)
    assert out.dtypes.tolist() == [np.dtype("int64"), np.dtype("float64")]
    assert notes == {}


def test_object_dtype_text_is_recognised_and_mixed_objects_are_left_alone() -> None:
    frame = pd.DataFrame(
        {
            "text": pd.Series(["yes", "no"], dtype=object),
            "mixed": pd.Series(["yes", 3], dtype=object),
        }
    )
    out, notes = normalize_columns(frame)
    assert str(out["text"].dtype) == "boolean"
    assert out["mixed"].tolist() == ["yes", 3]
    assert list(notes) == ["text"]


def test_day_first_is_proved_by_a_day_above_twelve() -> None:
    converted, note = _one(["31/01/2024", "01/02/2024", None, " 05/06/2024 "])
    assert converted is not None
    assert converted.tolist()[:2] == [pd.Timestamp("2024-01-31"), pd.Timestamp("2024-02-01")]
    assert pd.isna(converted[2])
    assert converted[3] == pd.Timestamp("2024-06-05")
    assert note == "dates written dd/mm/yyyy: '31/01/2024' shows the day comes first"


def test_month_first_is_proved_by_a_second_part_above_twelve() -> None:
    converted, note = _one(["01/31/2024", "02/01/2024", "12/12/2024"])
    assert converted is not None
    assert converted[1] == pd.Timestamp("2024-02-01")
    assert note == "dates written mm/dd/yyyy: '01/31/2024' shows the month comes first"


def test_ambiguous_dates_are_read_day_first_and_the_note_says_so() -> None:
    converted, note = _one(["01/02/2024", "03/04/2024", "05/06/2024"])
    assert converted is not None
    assert converted[0] == pd.Timestamp("2024-02-01")
    assert note is not None and "day-first was assumed" in note and "dd/mm/yyyy" in note


@pytest.mark.parametrize(
    ("values", "first", "spelling"),
    [
        (["2024-01-31", "2024-02-01"], pd.Timestamp("2024-01-31"), "yyyy-mm-dd"),
        (["2024-01-31T10:20:30", "2024-02-01 08:00"], pd.Timestamp("2024-01-31 10:20:30"),
         "yyyy-mm-dd with times"),
        (["2024-01-31T10:00:00Z", "2024-01-31 12:00+02:00"], pd.Timestamp("2024-01-31 10:00"),
         "UTC"),
        (["31.01.2024", "1.2.2024"], pd.Timestamp("2024-01-31"), "dd.mm.yyyy"),
        (["31-01-2024", "01-02-2024"], pd.Timestamp("2024-01-31"), "dd-mm-yyyy"),
        (["2024/01/31", "2024/2/1"], pd.Timestamp("2024-01-31"), "yyyy/mm/dd"),
        (["31/01/2024 13:05", "1/2/2024 1:05"], pd.Timestamp("2024-01-31 13:05"), "with times"),
        (["1/31/2024 1:05 PM", "2/1/2024 12:05 am"], pd.Timestamp("2024-01-31 13:05"),
         "mm/dd/yyyy with times"),
        (["31/01/24", "01/02/99"], pd.Timestamp("2024-01-31"), "dd/mm/yy"),
    ],
)
def test_common_date_spellings(values: list, first: pd.Timestamp, spelling: str) -> None:
    converted, note = _one(values)
    assert converted is not None
    assert str(converted.dtype).startswith("datetime64")
    assert converted[0] == first
    assert note is not None and spelling in note


def test_two_digit_years_pivot_like_strptime() -> None:
    converted, _ = _one(["31/01/24", "01/02/99"])
    assert converted is not None
    assert converted[1] == pd.Timestamp("1999-02-01")


def test_impossible_dates_are_not_rolled_over() -> None:
    values = ["2024-01-31"] * 40 + ["2024-02-30"]
    converted, note = _one(values)
    assert converted is not None
    assert pd.isna(converted.iloc[-1])
    assert note is not None and "1 cell could not be read as a date (e.g. '2024-02-30')" in note


def test_column_with_too_many_non_dates_is_kept_as_text() -> None:
    mostly_dates = ["2024-01-31"] * 23 + ["soon", "later"]  # 92%: below the 95% needed
    converted, note = _one(mostly_dates)
    assert converted is None
    assert note == "looks like dates, but only 92% of the cells are; kept as text"
    assert _one(["2024-01-31", "soon"] * 5) == (None, None)  # half: not worth a note


def test_plain_text_and_numbers_written_as_text_are_left_alone() -> None:
    assert _one(["red", "green", "blue"]) == (None, None)
    assert _one(["20240131", "20240201"]) == (None, None)
    assert _one([None, None], dtype="object") == (None, None)


def _large(values: np.ndarray) -> pd.Series:
    return pd.Series(values, dtype="str")


def test_a_large_column_with_many_distinct_timestamps_is_read_exactly() -> None:
    """Large columns take the fast strptime path; results must equal the strict reading."""
    rng = np.random.default_rng(1)
    stamps = pd.Timestamp("2021-01-01") + pd.to_timedelta(rng.integers(0, 10**8, 60_000), "s")
    text = stamps.strftime("%d/%m/%Y %H:%M:%S").to_numpy(dtype=object)
    text[5] = "31/04/2024 10:00:00"  # April has 30 days: must not become 1 May
    converted, note = normalize_column(_large(text))
    assert converted is not None
    expected = pd.Series(stamps, dtype="datetime64[us]").where(np.arange(60_000) != 5)
    pd.testing.assert_series_equal(converted, expected, check_names=False)
    assert note is not None and "1 cell could not be read" in note and "dd/mm/yyyy" in note


def test_a_large_column_with_few_distinct_dates_is_read_by_distinct_values() -> None:
    rng = np.random.default_rng(2)
    days = pd.Timestamp("2022-01-01") + pd.to_timedelta(rng.integers(0, 900, 50_000), "D")
    text = days.strftime("%m/%d/%Y").to_numpy(dtype=object)
    text[::1000] = None
    converted, note = normalize_column(_large(text))
    assert converted is not None
    assert converted.isna().sum() == 50
    assert (converted.dropna() == pd.Series(days).where(pd.notna(text)).dropna()).all()
    assert note is not None and "mm/dd/yyyy" in note and "month comes first" in note


def test_normalize_columns_returns_notes_by_column_and_leaves_the_input_alone() -> None:
    frame = pd.DataFrame({"when": ["2024-01-31", "2024-02-01"], "ok": ["yes", "no"], "n": [1, 2]})
    out, notes = normalize_columns(frame)
    assert set(notes) == {"when", "ok"}
    assert frame["when"].dtype == "str"
    assert str(out["ok"].dtype) == "boolean"
    assert out["n"].tolist() == [1, 2]
