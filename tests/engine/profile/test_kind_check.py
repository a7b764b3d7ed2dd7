"""A kind chosen by the user is refused, in words, when the values cannot be read that way."""

from __future__ import annotations

import pandas as pd
import pytest

from engine.errors import InputError
from engine.profile.kind_check import check_kind


def test_any_column_can_be_a_category_text_or_an_identifier() -> None:
    values = pd.Series(["North", "South", None], dtype="str")
    for kind in ("categorical", "text", "identifier"):
        check_kind(values, kind, "region")


def test_numbers_accept_number_text_with_signs_and_separators() -> None:
    check_kind(pd.Series(["1,200", "$3", "45%", " 7 ", None], dtype="str"), "numeric", "price")
    check_kind(pd.Series([1, 2, 3]), "numeric", "calls")


def test_names_are_not_numbers() -> None:
    values = pd.Series(["North", "South", "East", "West", "1"], dtype="str")
    with pytest.raises(InputError) as caught:
        check_kind(values, "numeric", "region")
    message = caught.value.message
    assert message.startswith("'region' cannot be read as numbers: only 20% of its values")
    assert "'North'" in message


def test_yes_no_needs_two_values() -> None:
    check_kind(pd.Series(["yes", "no", "YES", None], dtype="str"), "boolean", "paperless")
    with pytest.raises(InputError, match="holds 5 different values"):
        check_kind(pd.Series(list("12345")), "boolean", "satisfaction")


def test_dates_must_read_as_dates() -> None:
    check_kind(pd.Series(["2024-01-05", "2024-02-10", None], dtype="str"), "datetime", "signup")
    with pytest.raises(InputError, match="cannot be read as dates"):
        check_kind(pd.Series(["soon", "later", "2024-01-05"], dtype="str"), "datetime", "when")
