"""Blank and duplicate headers are renamed predictably, with a note each."""

from __future__ import annotations

import math

from engine.sources.columns import clean_column_names


def test_blank_names_become_numbered_columns() -> None:
    names, notes = clean_column_names(["id", "", None, math.nan, "Unnamed: 4", "  "])
    assert names == ["id", "column_2", "column_3", "column_4", "column_5", "column_6"]
    assert len(notes) == 5
    assert "Column 2 has no name" in notes[0]


def test_real_headers_that_read_none_or_nan_are_kept() -> None:
    names, notes = clean_column_names(["None", "nan", "Unnamed: total"])
    assert names == ["None", "nan", "Unnamed: total"]
    assert notes == []


def test_duplicates_get_the_next_free_suffix() -> None:
    names, notes = clean_column_names(["a", "a", "a (2)", "a"])
    assert names == ["a", "a (3)", "a (2)", "a (4)"]
    assert len(set(names)) == 4
    assert notes == [
        "Column 2 repeats the name 'a'; it is called 'a (3)'.",
        "Column 4 repeats the name 'a'; it is called 'a (4)'.",
    ]


def test_generated_blank_name_never_collides_with_a_real_one() -> None:
    names, _ = clean_column_names(["column_2", ""])
    assert names == ["column_2", "column_2 (2)"]


def test_names_keep_spaces_and_non_ascii_letters() -> None:
    names, notes = clean_column_names([" monthly income ", "Straße", "城市"])
    assert names == ["monthly income", "Straße", "城市"]
    assert notes == []
