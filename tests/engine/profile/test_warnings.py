"""Each warning fires on the column it is about and stays silent on a control column."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from engine.profile.infer import infer_schema
from engine.profile.personal_data import detect_personal_data, iban_ok, insee_ok, luhn_ok
from engine.profile.result import TableProfile
from engine.profile.schema import ColumnKind, ColumnRole
from engine.profile.stats import profile_table

ROWS = 200
rng = np.random.default_rng(11)


def _profile(frame: pd.DataFrame) -> TableProfile:
    return profile_table(frame, infer_schema(frame))


def _codes(profile: TableProfile, column: str) -> list[str]:
    return [warning.code for warning in profile.column(column).warnings]


def _control() -> pd.Series:
    """A clean, ordinary column: no warning may fire on it."""
    return pd.Series(rng.normal(50, 10, ROWS).round(4))


def test_the_control_column_is_clean() -> None:
    profile = _profile(pd.DataFrame({"control": _control()}))
    assert _codes(profile, "control") == []
    assert profile.warnings == []


def test_constant() -> None:
    profile = _profile(pd.DataFrame({"country": ["FR"] * ROWS, "control": _control()}))
    [warning] = profile.column("country").warnings
    assert warning.code == "constant"
    assert warning.message.startswith("Has the same value (FR) in every row")
    assert _codes(profile, "control") == []


def test_mostly_missing_and_some_missing() -> None:
    mostly = np.where(np.arange(ROWS) % 4 == 0, 1.5 * np.arange(ROWS), np.nan)  # 75% missing
    some = np.where(np.arange(ROWS) % 20 == 0, np.nan, rng.normal(size=ROWS))  # 5% missing
    profile = _profile(pd.DataFrame({"mostly": mostly, "some": some, "control": _control()}))
    mostly_warning = profile.column("mostly").warnings[0]
    assert mostly_warning.code == "mostly_missing"
    assert mostly_warning.message.startswith("75% of the values are missing.")
    assert _codes(profile, "some") == ["some_missing"]
    assert profile.column("some").warnings[0].message.startswith("10 values (5.0%) are missing")
    assert _codes(profile, "control") == []


def test_an_empty_column() -> None:
    profile = _profile(pd.DataFrame({"empty": [None] * ROWS, "control": _control()}))
    assert _codes(profile, "empty") == ["mostly_missing"]
    assert "Every value is missing" in profile.column("empty").warnings[0].message


def test_id_like() -> None:
    frame = pd.DataFrame({"ref": [f"R{i:06d}" for i in range(ROWS)], "control": _control()})
    profile = _profile(frame)
    assert _codes(profile, "ref") == ["id_like"]
    assert _codes(profile, "control") == []


def test_very_many_categories() -> None:
    cities = pd.Series([f"City {i % 150}" for i in range(ROWS * 2)])
    few = pd.Series([f"Town {i % 6}" for i in range(ROWS * 2)])
    profile = _profile(pd.DataFrame({"city": cities, "town": few}))
    assert _codes(profile, "city") == ["many_categories"]
    assert profile.column("city").warnings[0].message.startswith("150 different values")
    assert _codes(profile, "town") == []


def test_highly_skewed() -> None:
    skewed = rng.lognormal(3, 1.5, ROWS)
    profile = _profile(pd.DataFrame({"spend": skewed, "control": _control()}))
    assert _codes(profile, "spend") == ["skewed"]
    assert "most values are small and a few are very large" in \
        profile.column("spend").warnings[0].message
    assert _codes(profile, "control") == []


def test_duplicate_rows_are_counted_table_wide() -> None:
    frame = pd.DataFrame({"a": [1, 2, 3, 1, 1, 4], "b": ["x", "y", "z", "x", "x", "x"]})
    [warning] = _profile(frame).warnings
    assert warning.code == "duplicate_rows" and warning.column is None
    assert warning.message.startswith("2 rows (33.3%) are exact copies of an earlier row.")
    assert _profile(frame.drop_duplicates()).warnings == []


def test_a_column_that_repeats_another() -> None:
    base = rng.choice(["north", "south", "east"], ROWS)
    frame = pd.DataFrame({
        "region": base,
        "region_copy": base.copy(),
        "region_code": pd.Series(base).map({"north": "N", "south": "S", "east": "E"}),
        "plan": rng.choice(["basic", "premium", "standard"], ROWS),
    })
    profile = _profile(frame)
    assert _codes(profile, "region") == []
    assert _codes(profile, "plan") == []
    [copy] = profile.column("region_copy").warnings
    assert copy.code == "duplicate_column"
    assert copy.message.startswith("Has exactly the same values as column 'region'")
    [mapped] = profile.column("region_code").warnings
    assert mapped.message.startswith("Carries the same information as column 'region'")


def test_integer_and_float_copies_count_as_the_same_values() -> None:
    ints = rng.integers(0, 20, ROWS)
    frame = pd.DataFrame({"n": ints, "n_float": ints.astype(float), "control": _control()})
    profile = _profile(frame)
    assert profile.column("n_float").warnings[0].message.startswith("Has exactly the same")
    assert _codes(profile, "control") == []


@pytest.mark.parametrize(
    ("values", "what"),
    [
        ([f"user{i}@mail.example.com" for i in range(ROWS)], "e-mail addresses"),
        ([f"+44 20 7946 {i:04d}" for i in range(ROWS)], "phone numbers"),
        ([f"{100 + i}-{10 + i % 80}-{1000 + i}" for i in range(ROWS)], "US social security"),
        ([f"AB {i % 90 + 10} 34 56 C" for i in range(ROWS)], "UK national insurance"),
        (["2 55 08 14 168 025 38", "1 85 05 78 006 084 91"] * (ROWS // 2), "INSEE"),
        (["GB82 WEST 1234 5698 7654 32", "DE89 3704 0044 0532 0130 00"] * (ROWS // 2), "IBAN"),
        (["4111 1111 1111 1111", "5500-0000-0000-0004"] * (ROWS // 2), "payment card"),
    ],
)
def test_personal_data_by_value(values: list[str], what: str) -> None:
    profile = _profile(pd.DataFrame({"field": values, "control": _control()}))
    [warning] = [w for w in profile.column("field").warnings if w.code == "personal_data"]
    assert what in warning.message
    assert warning.message.endswith(
        "personal data. It is excluded from modelling by default; keep it out of files you "
        "share."
    )
    assert profile.schema["field"].role.value == "ignored"
    assert profile.column("field").top_values == []  # the values themselves are not copied
    assert _codes(profile, "control") == []


def test_person_names_by_column_name_and_by_value() -> None:
    names = rng.choice(["John Smith", "Mary Jones", "Pierre Martin", "Anna Rossi",
                        "Carlos Garcia", "Helga Braun"], ROWS)
    frame = pd.DataFrame({"last_name": rng.choice(["Smith", "Jones", "Martin"], ROWS),
                          "contact": names,
                          "product": rng.choice(["Widget", "Gadget", "Gizmo", "Doohickey",
                                                 "Sprocket"], ROWS)})
    profile = _profile(frame)
    assert "name suggests person names" in profile.column("last_name").warnings[0].message
    assert profile.column("contact").warnings[0].message.startswith("Looks like person names")
    assert _codes(profile, "product") == []


def test_personal_data_kept_in_by_the_user_gets_a_different_message() -> None:
    frame = pd.DataFrame({"email": [f"u{i}@x.org" for i in range(ROWS)]})
    schema = infer_schema(frame).override("email", role="feature")
    [warning] = [w for w in profile_table(frame, schema).column("email").warnings
                 if w.code == "personal_data"]
    assert "You chose to use it for modelling" in warning.message


def test_lookalikes_that_are_not_personal_data() -> None:
    random_16 = [str(n) for n in rng.integers(10**15, 10**16, 50)]
    assert sum(luhn_ok(value) for value in random_16) < 15  # about 1 in 10 pass by chance
    assert detect_personal_data("x", random_16) is None
    assert detect_personal_data("x", [f"2024-01-{d:02d}" for d in range(1, 29)]) is None
    assert detect_personal_data("x", [f"C-{i:05d}" for i in range(50)]) is None
    assert detect_personal_data("phone_type", ["mobile", "landline"] * 5) is None
    assert detect_personal_data("support_calls", None) is None


def test_check_digit_helpers() -> None:
    assert luhn_ok("4111 1111 1111 1111") and not luhn_ok("4111 1111 1111 1112")
    assert iban_ok("GB82 WEST 1234 5698 7654 32") and not iban_ok("GB82 WEST 1234 5698 7654 33")
    assert insee_ok("2 55 08 14 168 025 38") and not insee_ok("2 55 08 14 168 025 39")


def test_mostly_different_text_that_is_no_id_gets_many_categories_not_id_like() -> None:
    # Several words per value: not a code, so not an ID, yet nearly every value differs.
    models = pd.Series([f"widget model {i}" for i in range(ROWS)])
    small = pd.Series([f"blue gadget {i}" for i in range(30)])
    profile = _profile(pd.DataFrame({"model": models, "control": _control()}))
    assert profile.schema["model"].kind is ColumnKind.TEXT
    assert profile.schema["model"].role is ColumnRole.FEATURE
    assert _codes(profile, "model") == ["many_categories"]
    assert profile.column("model").warnings[0].message.startswith(
        "200 different values: far too many to treat as categories.")
    few = _profile(pd.DataFrame({"gadget": small}))
    assert few.schema["gadget"].kind is ColumnKind.CATEGORICAL
    assert few.schema["gadget"].role is ColumnRole.FEATURE
    assert _codes(few, "gadget") == ["many_categories"]
    assert few.column("gadget").warnings[0].message.startswith(
        "30 different values in 30 values: almost every value is different")


_LEFT_OUT = re.compile(r"(left out of|excluded from) modelling")


def _varied_frame() -> pd.DataFrame:
    rows = np.arange(ROWS)
    words = np.array(["late", "delivery", "great", "support", "price", "refund", "rude"])
    return pd.DataFrame({
        "customer_id": rows + 1,
        "row": rows + 5,
        "account": [f"AC-{i:06d}" for i in rows],
        "model": [f"widget model {i}" for i in rows],
        "comment": [" ".join(rng.choice(words, 8)) for _ in rows],
        "email": [f"user{i}@example.com" for i in rows],
        "last_name": rng.choice(["Smith", "Jones", "Martin"], ROWS),
        "country": "FR",
        "flag": np.where(rows % 2 == 0, "x", None),
        "empty": [None] * ROWS,
        "mostly": np.where(rows % 4 == 0, rows * 1.5, np.nan),
        "some": np.where(rows % 20 == 0, np.nan, rng.normal(size=ROWS)),
        "spend": rng.lognormal(3, 1.5, ROWS),
        "ratio": np.where(rows % 50 == 0, np.inf, rng.normal(size=ROWS)),
        "region": rng.choice(["north", "south", "east"], ROWS),
        "city": [f"City {i % 150}" for i in rows],
        "churned": rng.integers(0, 2, ROWS),
        "active": rng.random(ROWS) < 0.5,
        "signup": pd.date_range("2024-01-01", periods=ROWS, freq="D"),
        "copy": rng.choice(["a", "b"], ROWS),
        "control": _control(),
    })


def _assert_wording_matches_roles(profile: TableProfile, inferred: bool) -> None:
    for column in profile.columns:
        role = profile.schema[column.name].role
        says_left_out = [w.message for w in column.warnings if _LEFT_OUT.search(w.message)]
        if role is not ColumnRole.IGNORED:
            assert says_left_out == [], (column.name, role)
        elif inferred:  # every column left out automatically has a warning saying why
            assert says_left_out, column.name
    for warning in profile.warnings:
        assert not _LEFT_OUT.search(warning.message)


def test_every_warning_agrees_with_the_role_of_its_column() -> None:
    frame = _varied_frame()
    schema = infer_schema(frame)
    profile = profile_table(frame, schema)
    _assert_wording_matches_roles(profile, inferred=True)
    ignored = {c.name for c in schema.columns if c.role is ColumnRole.IGNORED}
    assert ignored == {"customer_id", "row", "account", "email", "last_name", "country",
                       "empty"}
    assert {w.code for w in profile.all_warnings} >= {
        "id_like", "personal_data", "constant", "mostly_missing", "some_missing",
        "many_categories", "skewed", "infinite_values"}

    # The user turns every choice around: the warnings follow the new roles.
    flipped = schema
    for column in schema.columns:
        new = ColumnRole.FEATURE if column.role is ColumnRole.IGNORED else ColumnRole.IGNORED
        flipped = flipped.override(column.name, role=new)
    again = profile_table(frame, flipped)
    _assert_wording_matches_roles(again, inferred=False)
    kept = [w for name in ignored for w in again.column(name).warnings
            if w.code in ("id_like", "constant", "personal_data", "mostly_missing")]
    assert len(kept) >= len(ignored)
    assert all("chose" in warning.message for warning in kept), kept
