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
