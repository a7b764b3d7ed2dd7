"""The drift reference: exact, reproducible bins, pooled rare categories, compact JSON."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from engine.errors import InputError
from engine.export.reference import (
    REFERENCE_VERSION,
    bin_index,
    build_reference,
    categorical_profile,
    numeric_profile,
)
from engine.recipe.inputs import InputColumn, to_model_frame

CHURN = Path(__file__).resolve().parents[3] / "resources" / "sample" / "churn.csv"


def _recount(profile: dict, values: np.ndarray) -> list[int]:
    """The bin counts of ``values`` from the stored edges alone, as the drift check will."""
    index = bin_index(profile["bins"]["edges"], values)
    return np.bincount(index[index >= 0], minlength=len(profile["bins"]["counts"])).tolist()


def _round_trip(data: dict) -> dict:
    return json.loads(json.dumps(data, allow_nan=False))


def _check_bins(profile: dict, values: np.ndarray) -> None:
    """Every invariant of a numeric profile's bins against the raw values."""
    values = np.asarray(values, dtype=np.float64)
    present = int(np.isfinite(values).sum())
    edges, counts = profile["bins"]["edges"], profile["bins"]["counts"]
    assert len(counts) == len(edges) + 1
    assert len(edges) <= 49  # 9 deciles plus two edges around each of at most 20 point masses
    assert sum(counts) == present == profile["rows"] - profile["missing"]
    assert all(isinstance(edge, float) for edge in edges)
    assert edges == sorted(set(edges))
    assert all(float(np.float32(edge)) == edge for edge in edges)  # float32 values, exactly
    assert _recount(profile, values) == counts
    if present:
        assert min(counts) > 0  # no empty reference bin


def test_numeric_profile_counts_quantiles_and_exact_recount() -> None:
    rng = np.random.default_rng(1)
    values = (rng.lognormal(10, 1, 20_000)).astype(np.float32)
    values[rng.random(values.size) < 0.07] = np.nan
    profile = numeric_profile(values)
    _check_bins(profile, values)
    present = values[~np.isnan(values)].astype(np.float64)
    assert profile["kind"] == "numeric"
    assert profile["rows"] == 20_000
    assert profile["missing"] == int(np.isnan(values).sum()) > 1000
    assert len(profile["bins"]["edges"]) == 9  # continuous values: every decile is an edge
    assert profile["min"] == float(present.min()) and profile["max"] == float(present.max())
    assert len(profile["quantiles"]) == 101
    expected = np.quantile(present, np.arange(101) / 100)
    np.testing.assert_allclose(profile["quantiles"], expected, rtol=1e-6)
    assert profile["mean"] == pytest.approx(present.mean(), rel=1e-6)
    assert profile["std"] == pytest.approx(present.std(), rel=1e-6)
    # Deciles split the present rows into ten near-equal bins.
    assert all(abs(count - present.size / 10) <= 2 for count in profile["bins"]["counts"])


def test_bin_rule_puts_a_value_on_an_edge_in_the_lower_bin() -> None:
    edges = [1.0, 2.5]
    values = np.array([-np.inf, 0.0, 1.0, 1.0000001, 2.5, 3.0, np.inf, np.nan])
    assert bin_index(edges, values).tolist() == [-1, 0, 0, 1, 1, 2, -1, -1]
    assert bin_index([], np.array([3.0, np.nan])).tolist() == [0, -1]


def test_edges_lie_between_distinct_values_and_reproduce_from_stored_json() -> None:
    # Integer codes and 0.1 steps (not exact doubles): no value may sit on an edge, and the
    # stored edges must recount the same after the JSON round trip.
    rng = np.random.default_rng(2)
    for values in (
        rng.integers(0, 40, 10_000).astype(np.float32),
        (rng.integers(0, 1000, 10_000) / 10).astype(np.float32),
    ):
        stored = _round_trip(numeric_profile(values))
        assert len(stored["bins"]["edges"]) >= 8
        assert not np.isin(values, stored["bins"]["edges"]).any()
        assert _recount(stored, values) == stored["bins"]["counts"]


def test_a_tied_group_cannot_cross_an_edge_when_a_runtime_rounds_it_differently() -> None:
    """Issue 16: 16% of rows shared one score, 0.00011880105 in scikit-learn and 0.00011885166
    in onnxruntime; the decile edge sat on it, the group changed bin and PSI was 1.38."""
    rng = np.random.default_rng(5)
    reference = rng.beta(0.5, 3, 10_000).astype(np.float32)
    reference[:1600] = np.float32(0.00011880105)
    reference[1600:2000] = np.float32(0.03125)  # a second, smaller group
    profile = _round_trip(numeric_profile(reference))
    again = reference.copy()
    again[:1600] = np.float32(0.00011885166)  # the other runtime's value of the same group
    again[1600:2000] = np.nextafter(np.float32(0.03125), np.float32(1))  # one ulp up
    assert _recount(profile, again) == profile["bins"]["counts"]
    point = np.searchsorted(profile["bins"]["edges"], 0.00011880105)
    assert profile["bins"]["counts"][point] == 1600  # the group has a bin of its own


def test_tied_values_collapse_edges() -> None:
    rng = np.random.default_rng(3)
    values = np.zeros(10_000, dtype=np.float32)
    values[7000:] = rng.exponential(5, 3000).astype(np.float32) + 0.5  # 70% zeros
    profile = numeric_profile(values)
    _check_bins(profile, values)
    assert 0.0 < profile["bins"]["edges"][0] < float(values[7000:].min())  # between values
    assert profile["bins"]["counts"][0] == 7000
    assert len(profile["bins"]["edges"]) == 3  # after 0 (10%..70%), 80%, 90%


def test_an_edge_that_would_leave_an_empty_bin_is_dropped() -> None:
    # 40% zeros, 60% ones: the interpolated 40% decile falls between 0 and 1, and the top
    # deciles equal the maximum. Two bins remain, both holding reference rows.
    values = np.array([0.0] * 4000 + [1.0] * 6000, dtype=np.float32)
    profile = numeric_profile(values)
    assert profile["bins"] == {"edges": [0.5], "counts": [4000, 6000]}
    constant = numeric_profile(np.full(500, 7.25, dtype=np.float32))
    assert constant["bins"] == {"edges": [], "counts": [500]}
    assert constant["std"] == 0.0 and constant["quantiles"] == [7.25] * 101


@settings(max_examples=150, deadline=None)
@given(
    hnp.arrays(
        np.float32,
        st.integers(0, 300),
        elements=st.one_of(
            st.floats(width=32, allow_nan=True, allow_infinity=True),
            st.sampled_from([0.0, 1.0, -1.0]),  # plenty of ties
        ),
    )
)
def test_bin_invariants_hold_for_any_float32_column(values: np.ndarray) -> None:
    profile = numeric_profile(values)
    _check_bins(profile, values)
    stored = _round_trip(profile)
    assert _recount(stored, values) == stored["bins"]["counts"]


def test_all_missing_columns() -> None:
    numeric = numeric_profile(np.full(40, np.nan, dtype=np.float32), kind="date")
    assert numeric == {
        "kind": "date",
        "rows": 40,
        "missing": 40,
        "min": None,
        "max": None,
        "mean": None,
        "std": None,
        "quantiles": None,
        "bins": {"edges": [], "counts": [0]},
    }
    categorical = categorical_profile(np.array([""] * 40, dtype=object))
    assert categorical == {
        "kind": "categorical",
        "rows": 40,
        "missing": 40,
        "distinct": 0,
        "categories": [],
        "other": 0,
    }
    assert numeric_profile(np.array([], dtype=np.float32))["rows"] == 0


def test_rare_categories_are_pooled_at_the_threshold() -> None:
    values = np.array(
        ["kept"] * 10 + ["rare"] * 9 + ["once"] + [""] * 5 + [None] * 2 + ["big"] * 30,
        dtype=object,
    )
    profile = categorical_profile(values)
    assert profile["categories"] == [{"value": "big", "count": 30}, {"value": "kept", "count": 10}]
    assert profile["other"] == 10  # "rare" x 9 and "once"
    assert profile["missing"] == 7
    assert profile["distinct"] == 4
    assert profile["rows"] == values.size
    text = json.dumps(profile)
    assert "rare" not in text and "once" not in text


def test_top_categories_limit_keeps_the_most_frequent_ties_by_value() -> None:
    # 80 levels: level k seen 100 + k times, except three tied at 500.
    counts = {f"L{k:02d}": 100 + k for k in range(80)}
    counts.update({"tie_b": 500, "tie_a": 500, "tie_c": 500})
    values = np.array([v for v, c in counts.items() for _ in range(c)], dtype=object)
    np.random.default_rng(4).shuffle(values)
    profile = categorical_profile(values, top_categories=50)
    listed = profile["categories"]
    assert len(listed) == 50
    assert [item["value"] for item in listed[:4]] == ["tie_a", "tie_b", "tie_c", "L79"]
    assert [item["count"] for item in listed] == sorted((c for c in counts.values()), reverse=True)[
        :50
    ]
    assert profile["other"] + sum(item["count"] for item in listed) == values.size
    assert profile["distinct"] == 83


def test_non_text_labels_become_text_once() -> None:
    profile = categorical_profile(
        np.array([1, 1.0, "1", 2.5, np.nan], dtype=object), min_category_count=1
    )
    assert profile["categories"] == [{"value": "1", "count": 3}, {"value": "2.5", "count": 1}]
    assert profile["missing"] == 1


def _generated_table(rows: int, numeric: int, categorical: int, levels: int, seed: int) -> tuple:
    rng = np.random.default_rng(seed)
    data: dict[str, object] = {}
    inputs = []
    names = np.array([f"value {k}" for k in range(levels)], dtype=object)
    weights = 1.0 / np.arange(1, levels + 1)  # Zipf: a long tail of rare levels
    for k in range(numeric):
        column = rng.normal(50 * k, 10 + k, rows).round(2)
        column[rng.random(rows) < 0.03] = np.nan
        data[f"num_{k}"] = column
        inputs.append(InputColumn(f"num_{k}", "numeric"))
    for k in range(categorical):
        column = names[rng.choice(levels, rows, p=weights / weights.sum())]
        column[rng.random(rows) < 0.03] = None
        data[f"cat_{k}"] = pd.Series(column, dtype=object)
        inputs.append(InputColumn(f"cat_{k}", "categorical"))
    return pd.DataFrame(data), inputs


def test_reference_for_100_columns_is_under_one_megabyte_compressed() -> None:
    frame, inputs = _generated_table(20_000, 50, 50, 300, seed=5)
    model_frame = to_model_frame(frame, inputs)
    rng = np.random.default_rng(6)
    reference = build_reference(
        model_frame,
        inputs,
        scores=rng.random(len(frame)),
        score_name="probability of 'yes'",
        predicted=np.where(rng.random(len(frame)) < 0.3, "yes", "no"),
        importances={column.name: 1.0 / (i + 1) for i, column in enumerate(inputs)},
    )
    compact = json.dumps(reference, separators=(",", ":"), allow_nan=False).encode()
    size = len(gzip.compress(compact))
    print(f"reference for 100 columns x 20,000 rows: {len(compact):,} bytes JSON, {size:,} gzip")
    assert size < 1_000_000
    for column in inputs[50:]:
        profile = reference["columns"][column.name]
        assert len(profile["categories"]) == 50
        assert profile["distinct"] > 250
        assert min(item["count"] for item in profile["categories"]) >= 10
        assert (
            profile["other"] + sum(i["count"] for i in profile["categories"]) + profile["missing"]
            == 20_000
        )


def test_build_reference_on_the_churn_sample_with_a_real_model() -> None:
    from sklearn.linear_model import LogisticRegression

    from engine.api import load_table, source_for

    table = load_table(source_for(str(CHURN))).frame
    inputs = [
        InputColumn("signup_date", "date"),
        InputColumn("region", "categorical"),
        InputColumn("monthly income", "numeric"),
        InputColumn("support_calls", "numeric"),
        # 86 distinct values, 40 of them seen fewer than 10 times: a stand-in for personal values.
        InputColumn("last_login_days", "categorical"),
        InputColumn("paperless_billing", "numeric"),
    ]
    model_frame = to_model_frame(table, inputs)
    numbers = model_frame[["monthly income", "support_calls", "paperless_billing"]].fillna(0)
    target = table["churned"].astype(str).to_numpy()
    model = LogisticRegression(max_iter=500).fit(numbers, target)
    positive = list(model.classes_).index(
        next(c for c in model.classes_ if c.lower() in ("yes", "true"))
    )
    scores = model.predict_proba(numbers)[:, positive]
    reference = _round_trip(
        build_reference(
            model_frame,
            inputs,
            scores=scores,
            score_name="probability of churn",
            predicted=model.predict(numbers),
            importances={"monthly income": 0.4, "support_calls": float("nan"), "region": 0.1},
        )
    )

    assert reference["version"] == REFERENCE_VERSION
    assert reference["rows"] == len(table) == 5000
    assert reference["min_category_count"] == 10
    assert list(reference["columns"]) == [column.name for column in inputs]
    for column in inputs:
        profile = reference["columns"][column.name]
        assert profile["kind"] == column.kind
        if column.kind != "categorical":
            _check_bins(profile, model_frame[column.name].to_numpy())

    dates = reference["columns"]["signup_date"]
    first = (table["signup_date"].min() - pd.Timestamp("1970-01-01")) / pd.Timedelta(days=1)
    assert dates["min"] == float(np.float32(first))
    assert 10_000 < dates["min"] < dates["max"] < 25_000  # days since 1970

    logins = reference["columns"]["last_login_days"]
    actual = table["last_login_days"].astype(str).value_counts()
    assert logins["distinct"] == actual.size == 86
    listed = {item["value"]: item["count"] for item in logins["categories"]}
    assert listed == {value: int(n) for value, n in actual.items() if n >= 10}
    assert len(listed) == 46 and logins["other"] == int(actual[actual < 10].sum()) > 0

    calls = reference["columns"]["support_calls"]
    assert len(calls["bins"]["edges"]) < 9  # 9 distinct counts of calls: ties collapse edges

    assert reference["scores"]["name"] == "probability of churn"
    _check_bins(reference["scores"], scores)
    assert 0.0 <= reference["scores"]["min"] <= reference["scores"]["max"] <= 1.0
    predicted = reference["predicted"]
    assert {item["value"] for item in predicted["categories"]} <= set(model.classes_)
    assert sum(item["count"] for item in predicted["categories"]) == 5000
    assert reference["importances"] == {
        "signup_date": None,
        "region": 0.1,
        "monthly income": 0.4,
        "support_calls": None,
        "last_login_days": None,
        "paperless_billing": None,
    }


def test_build_reference_without_scores_and_bad_calls() -> None:
    inputs = [InputColumn("x", "numeric")]
    frame = to_model_frame(pd.DataFrame({"x": [1.0, 2.0, None]}), inputs)
    reference = build_reference(frame, inputs)
    assert reference["scores"] is None and reference["predicted"] is None
    assert reference["importances"] == {"x": None}
    assert reference["columns"]["x"]["missing"] == 1
    with pytest.raises(InputError, match="'y'"):
        build_reference(frame, [InputColumn("y", "numeric")])
    with pytest.raises(ValueError, match="scores has 2 values for 3"):
        build_reference(frame, inputs, scores=np.array([0.1, 0.2]))
