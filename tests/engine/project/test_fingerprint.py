"""Dataset fingerprints: stable for the same data, different for any change, told in words."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from engine.project.fingerprint import (
    DatasetFingerprint,
    describe_differences,
    describe_dtype,
    differences,
    fingerprint_frame,
    same_data,
)

ROOT = Path(__file__).resolve().parents[3]

# The hash of `_frame()` computed once and written down: if it changes, fingerprints saved in
# existing projects no longer match the same data (a pandas upgrade changing its hashing, or a
# change here). Bump HASH_SCHEME and tell users, rather than silently editing this value.
KNOWN_HASH = "e9f3b9a070f596222c542348aaca5a299b20a345713d63c44234a6b0840e4a1d"


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": [1, 2, 3],
            "name": pd.Series(["Ann", "Bob", None], dtype="str"),
            "score": [0.5, np.nan, 2.25],
            "when": pd.to_datetime(["2024-01-31", "2024-02-29", None]),
            "vip": [True, False, True],
            "n": pd.array([1, None, 3], dtype="Int64"),
        }
    )


def test_fingerprint_holds_rows_columns_and_the_known_hash() -> None:
    fp = fingerprint_frame(_frame())
    assert fp.rows == 3
    assert fp.columns == [
        ("id", "int64"),
        ("name", "str"),
        ("score", "float64"),
        ("when", "datetime64[us]"),
        ("vip", "bool"),
        ("n", "Int64"),
    ]
    assert fp.content_hash == KNOWN_HASH


def test_hash_is_the_same_in_another_process_with_another_hash_seed() -> None:
    script = (
        "from tests.engine.project.test_fingerprint import _frame;"
        "from engine.project.fingerprint import fingerprint_frame;"
        "print(fingerprint_frame(_frame()).content_hash)"
    )
    for seed in ("1", "2"):
        result = subprocess.run(
            [sys.executable, "-c", script],
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
            cwd=ROOT,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == KNOWN_HASH


def test_same_data_ignores_the_row_index_and_copies() -> None:
    frame = _frame()
    moved = frame.set_axis([10, 20, 30])
    assert same_data(fingerprint_frame(frame), fingerprint_frame(moved))
    assert same_data(fingerprint_frame(frame), fingerprint_frame(frame.copy()))


@pytest.mark.parametrize(
    "change",
    [
        lambda f: f.assign(score=[0.5, np.nan, 2.26]),  # one value
        lambda f: f.assign(name=pd.Series(["Ann", "Bob", ""], dtype="str")),  # missing -> ""
        lambda f: f.rename(columns={"score": "Score"}),  # a column name
        lambda f: f[["name", "id", "score", "when", "vip", "n"]],  # column order
        lambda f: f.iloc[[1, 0, 2]].reset_index(drop=True),  # row order
        lambda f: f.astype({"id": "int32"}),  # a dtype, same values
        lambda f: f.iloc[:2],  # fewer rows
        lambda f: f.assign(extra=1),  # one more column
    ],
)
def test_any_change_gives_another_hash(change: Callable[[pd.DataFrame], pd.DataFrame]) -> None:
    before = fingerprint_frame(_frame())
    after = fingerprint_frame(change(_frame()))
    assert after.content_hash != before.content_hash
    assert not same_data(before, after)


def test_values_moving_between_columns_change_the_hash() -> None:
    a = pd.DataFrame({"x": [1, 2], "y": [3, 4]})
    b = pd.DataFrame({"x": [1, 3], "y": [2, 4]})
    assert fingerprint_frame(a).content_hash != fingerprint_frame(b).content_hash


def test_describe_differences_in_plain_words() -> None:
    old = fingerprint_frame(pd.DataFrame({"age": [30, 41], "city": ["Oslo", "Lyon"]}))
    new = fingerprint_frame(
        pd.DataFrame({"age": ["30", "41", "52", "n/a", "12"], "city": ["a", "b", "c", "d", "e"]})
    )
    assert describe_differences(old, new) == (
        "3 more rows; column 'age' changed type from integer to text"
    )


def test_describe_added_removed_reordered_and_value_changes() -> None:
    base = pd.DataFrame({"a": [1, 2], "b": [1.0, 2.0], "c": ["x", "y"]})
    old = fingerprint_frame(base)
    new = fingerprint_frame(base[["c", "b"]].assign(d=True).iloc[:1])
    assert differences(old, new) == [
        "1 fewer row",
        "new column 'd'",
        "column 'a' no longer there",
        "columns are in a different order",
    ]
    edited = fingerprint_frame(base.assign(b=[1.0, 2.5]))
    assert describe_differences(old, edited) == (
        "same rows and columns, but some values changed or rows moved"
    )
    assert describe_differences(old, fingerprint_frame(base.copy())).startswith("No differences")


def test_describe_a_storage_type_change_with_the_same_plain_type() -> None:
    old = fingerprint_frame(pd.DataFrame({"n": [1, 2]}))
    new = fingerprint_frame(pd.DataFrame({"n": pd.array([1, 2], dtype="Int64")}))
    assert differences(old, new) == [
        "column 'n' changed type from integer (int64) to integer (Int64)"
    ]


@pytest.mark.parametrize(
    ("dtype", "words"),
    [
        ("int64", "integer"),
        ("Int32", "integer"),
        ("float64", "decimal number"),
        ("bool", "true/false"),
        ("boolean", "true/false"),
        ("str", "text"),
        ("object", "text"),
        ("datetime64[us, UTC]", "date and time"),
        ("category", "category"),
        ("complex128", "complex128"),
    ],
)
def test_describe_dtype(dtype: str, words: str) -> None:
    assert describe_dtype(dtype) == words


def test_empty_frames_and_dict_round_trip() -> None:
    empty = fingerprint_frame(pd.DataFrame({"a": pd.Series([], dtype="int64")}))
    assert empty.rows == 0
    assert empty.columns == [("a", "int64")]
    no_columns = fingerprint_frame(pd.DataFrame())
    assert no_columns.content_hash != empty.content_hash
    fp = fingerprint_frame(_frame())
    assert DatasetFingerprint.from_dict(fp.to_dict()) == fp


def test_unique_and_repeated_text_columns_hash_alike_either_way() -> None:
    """The speed switch (categorize) must not change the hash: both orders give one answer."""
    values = [f"id{k}" for k in range(30_000)]
    repeated = pd.DataFrame({"s": pd.Series(values[:3] * 10_000, dtype="str")})
    unique = pd.DataFrame({"s": pd.Series(values, dtype="str")})
    from pandas.util import hash_pandas_object

    for frame in (repeated, unique):
        fast = hash_pandas_object(frame["s"], index=False, categorize=True).to_numpy()
        slow = hash_pandas_object(frame["s"], index=False, categorize=False).to_numpy()
        assert (fast == slow).all()
    assert fingerprint_frame(repeated).content_hash != fingerprint_frame(unique).content_hash


def test_hashing_in_slices_gives_the_same_hash_and_steps_a_job(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from engine import api
    from engine.jobs import Cancelled, CancelToken, Job
    from engine.project import fingerprint as fingerprint_module

    mixed = pd.concat([_frame()] * 5, ignore_index=True).assign(
        plan=pd.Categorical(["gold", "basic", None] * 5),
        note=pd.Series(["a", 1, None] * 5, dtype="object"),
    )
    whole = fingerprint_frame(mixed)
    monkeypatch.setattr(fingerprint_module, "SLICE_ROWS", 2)
    assert fingerprint_frame(_frame()).content_hash == KNOWN_HASH
    seen: list[tuple[float, str]] = []
    assert fingerprint_frame(mixed, Job(lambda f, m: seen.append((f, m)), min_interval=0)) == whole
    assert len(seen) == mixed.shape[1] * 8  # 15 rows in slices of 2, for each column
    assert [f for f, _ in seen] == sorted(f for f, _ in seen)
    assert seen[-1][1] == f"Fingerprinting note (8 of {mixed.shape[1]})"
    assert api.fingerprint_table(mixed) == whole
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        api.fingerprint_table(mixed, cancel=token)
