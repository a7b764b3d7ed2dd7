"""The leakage guard on the sample churn data with planted leaks, and on generated tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from engine.api import infer_schema, load_table, sample_data_dir, source_for
from engine.jobs import Cancelled, CancelToken, Job
from engine.problem.definition import Task
from engine.problem.leakage import LeakageFinding, find_leakage

HONEST = ("signup_date", "region", "plan", "contract", "monthly_charges", "tenure_months",
          "support_calls", "payment_method", "paperless_billing", "has_partner", "age",
          "monthly income", "last_login_days", "satisfaction_score")


@pytest.fixture(scope="module")
def churn() -> pd.DataFrame:
    frame = load_table(source_for(str(sample_data_dir() / "churn.csv"))).frame
    rng = np.random.default_rng(4)
    churned = frame["churned"].astype(bool).to_numpy()
    frame["churn_flag"] = churned.astype(int)  # the target recoded as 0/1
    frame["exit_score"] = churned * 100 + rng.normal(0, 5, len(frame))  # target*100 + noise
    cancelled = pd.Timestamp("2025-03-01") + pd.to_timedelta(rng.integers(0, 60, len(frame)),
                                                             unit="D")
    frame["cancel_date"] = pd.Series(cancelled).where(churned)  # filled only for churners
    frame["last_invoice"] = frame["signup_date"] + pd.to_timedelta(
        rng.integers(30, 900, len(frame)), unit="D")  # always after signup: after the moment
    return frame


def _by_column(findings: list[LeakageFinding]) -> dict[str, LeakageFinding]:
    return {finding.column: finding for finding in findings}


def test_planted_leaks_are_found_and_honest_columns_are_not(churn: pd.DataFrame) -> None:
    findings = _by_column(find_leakage(churn, infer_schema(churn), "churned", Task.BINARY,
                                       date_column="signup_date"))
    assert findings["customer_id"].kind == "identifier"
    assert findings["churn_flag"].kind == "target_copy"
    assert "0 ↔ no, 1 ↔ yes" in findings["churn_flag"].reason
    assert findings["exit_score"].kind == "near_perfect"
    assert "ROC AUC" in findings["exit_score"].reason
    assert findings["cancel_date"].kind == "future_date"
    assert "filled in for 0% of 'no' rows, 100% of 'yes' rows" in findings["cancel_date"].reason
    assert findings["last_invoice"].kind == "future_date"
    assert "later than 'signup_date' in 100% of rows" in findings["last_invoice"].reason
    assert all(finding.exclude for finding in findings.values())
    assert not set(HONEST) & set(findings)


def test_without_a_split_date_a_later_date_is_not_judged(churn: pd.DataFrame) -> None:
    findings = _by_column(find_leakage(churn, infer_schema(churn), "churned", Task.BINARY))
    assert "last_invoice" not in findings and "cancel_date" in findings


def test_regression_transform_of_the_target_is_a_copy() -> None:
    rng = np.random.default_rng(1)
    price = rng.lognormal(3, 1, 2000)
    frame = pd.DataFrame({
        "price": price,
        "log_price": np.log(price),  # a monotone transform
        "size": price * 0.1 + rng.normal(0, 20, 2000),  # related but honest
        "noise": rng.normal(size=2000),
    })
    findings = _by_column(find_leakage(frame, infer_schema(frame), "price", Task.REGRESSION))
    assert findings["log_price"].kind == "target_copy"
    assert set(findings) == {"log_price"}


def test_multiclass_recoding_and_near_perfect_number() -> None:
    rng = np.random.default_rng(2)
    tier = rng.choice(["bronze", "silver", "gold"], 3000)
    code = {"bronze": "B", "silver": "S", "gold": "G"}
    frame = pd.DataFrame({
        "tier": pd.Series(tier, dtype="str"),
        "tier_code": pd.Series([code[t] for t in tier], dtype="str"),
        "points": np.select([tier == "bronze", tier == "silver"], [100, 500], 900)
        + rng.normal(0, 10, 3000),
        "region": pd.Series(rng.choice(["n", "s", "e", "w"], 3000), dtype="str"),
    })
    findings = _by_column(find_leakage(frame, infer_schema(frame), "tier", Task.MULTICLASS))
    assert findings["tier_code"].kind == "target_copy"
    assert findings["points"].kind == "near_perfect"
    assert "region" not in findings


def test_unique_text_column_is_an_identifier_even_unnamed() -> None:
    rng = np.random.default_rng(3)
    frame = pd.DataFrame({
        "ref": pd.Series([f"Q{n:05d}x" for n in rng.permutation(500)], dtype="str"),
        "x": rng.normal(size=500),
        "y": pd.Series(rng.choice(["a", "b"], 500), dtype="str"),
    })
    findings = _by_column(find_leakage(frame, infer_schema(frame), "y", Task.BINARY))
    assert findings["ref"].kind == "identifier"


def test_cancel_stops_the_guard(churn: pd.DataFrame) -> None:
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        find_leakage(churn, infer_schema(churn), "churned", Task.BINARY, job=Job(cancel=token))


def test_finding_round_trips_as_json_values() -> None:
    finding = LeakageFinding("a", "why", "identifier", exclude=False)
    assert LeakageFinding.from_dict(finding.to_dict()) == finding
