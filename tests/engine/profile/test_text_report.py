"""The plain-text profile printed by ``gristmill profile``."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from engine.profile.infer import infer_schema
from engine.profile.result import TableProfile
from engine.profile.stats import profile_table
from engine.profile.text_report import format_profile

ROWS = 120


@pytest.fixture(scope="module")
def profile() -> TableProfile:
    rng = np.random.default_rng(5)
    frame = pd.DataFrame({
        "customer_id": np.arange(1, ROWS + 1),
        "monthly_charges": np.where(np.arange(ROWS) % 10 == 0, np.nan,
                                    rng.normal(60, 5, ROWS).round(2)),
        "plan": rng.choice(["Basic", "Premium"], ROWS),
        "signup_date": pd.date_range("2023-01-01", periods=ROWS, freq="D"),
        "email": [f"client{i}@example.com" for i in range(ROWS)],
        "a_column_with_a_really_long_name_that_must_be_cut": rng.choice(
            ["a value that is itself quite long, to overflow the line " * 2, "short"], ROWS),
        "country": "FR",
    })
    return profile_table(frame, infer_schema(frame))


def test_summary_line_and_one_line_per_column(profile: TableProfile) -> None:
    text = format_profile(profile)
    lines = text.splitlines()
    assert lines[0].startswith(f"Table: {ROWS} rows x 7 columns, profiled in ")
    row = next(line for line in lines if line.startswith("monthly_charges"))
    distinct = profile.column("monthly_charges").distinct
    assert row.split()[1:5] == ["numeric", "feature", "10.0%", str(distinct)]
    assert "median" in row and "min" in row and "max" in row
    plan = next(line for line in lines if line.startswith("plan "))
    assert "Basic (" in plan and "Premium (" in plan
    date = next(line for line in lines if line.startswith("signup_date"))
    assert "2023-01-01 to 2023-04-30" in date
    email = next(line for line in lines if line.startswith("email"))
    assert "ignored" in email and "example.com" not in email


def test_reasons_and_grouped_warnings(profile: TableProfile) -> None:
    text = format_profile(profile)
    assert "Why each kind was chosen" in text
    assert "  customer_id: every value is a different whole number" in text
    for title in ("Likely personal data", "ID-like columns", "Constant columns",
                  "Some values missing"):
        assert f"\n  {title}\n" in text
    personal = text.index("Likely personal data")
    assert personal < text.index("ID-like columns") < text.index("Some values missing")
    assert "    email: Looks like e-mail addresses" in text


@pytest.mark.parametrize("width", [60, 80, 100, 140])
def test_every_line_fits_the_width(profile: TableProfile, width: int) -> None:
    lines = format_profile(profile, width=width).splitlines()
    assert max(len(line) for line in lines) <= width
    assert any(len(line) == width for line in lines)  # the rule under the header


def test_a_clean_table_says_no_warnings() -> None:
    frame = pd.DataFrame({"x": np.linspace(0, 1, 50) ** 1.1, "y": np.linspace(5, 9, 50)})
    text = format_profile(profile_table(frame, infer_schema(frame)))
    assert "Warnings: none" in text


def _column_lines(text: str) -> list[str]:
    """The lines of the column table: from under the rule to the first blank line."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("-----")) + 1
    return lines[start:lines.index("", start)]


def test_line_breaks_in_names_and_values_do_not_break_the_layout() -> None:
    frame = pd.DataFrame({
        "first\nsecond": ["one\ntwo", "three\r\nfour", "one\ntwo"],
        "carriage\rreturn": ["a\rb", "tab\there", "x\u2028y"],
        "plain": [1.5, 2.5, 3.5],
    })
    text = format_profile(profile_table(frame, infer_schema(frame)), width=120)
    rows = _column_lines(text)
    assert [row.split()[0] for row in rows] == ["first\\nsecond", "carriage\\rreturn", "plain"]
    assert "one\\ntwo (2)" in rows[0] and "three\\r\\nfour (1)" in rows[0]
    assert "a\\rb (1)" in rows[1] and "tab\\there" in rows[1] and "x\\u2028y" in rows[1]
    assert "  first\\nsecond: text with 2 distinct values" in text
    assert all(len(line) <= 120 for line in text.splitlines())
    assert "\r" not in text and "\t" not in text and "\u2028" not in text


def test_counts_of_one_are_singular() -> None:
    one = format_profile(profile_table(pd.DataFrame({"v": ["a"]})))
    assert one.startswith("Table: 1 row x 1 column, profiled in ")
    frame = pd.DataFrame({"v": ["a", None, "a"], "n": [5.0, np.nan, 5.0]})
    text = format_profile(profile_table(frame, infer_schema(frame)), width=200)
    assert text.startswith("Table: 3 rows x 2 columns, profiled in ")
    assert "v: text with 1 distinct value: treated as categories" in text
    assert "n: whole numbers (1 distinct value)" in text
    assert "v: 1 value (33.3%) is missing." in text
    assert "1 row (33.3%) is an exact copy of an earlier row. If it is not a real repeat" in text
    two = pd.DataFrame({"v": ["a", None, None, "a", "b", "c", "d"]})
    assert "2 values (28.6%) are missing" in format_profile(profile_table(two), width=200)
