"""The drift check on the real churn model: the sample files' verdicts and bad input."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import onnx
import pandas as pd
import pytest

from engine.errors import InputError, ModelFileError
from engine.export.metadata import attach_metadata, read_metadata
from engine.jobs import Cancelled, CancelToken
from engine.monitor.check import check_drift
from engine.monitor.report import DriftReport
from engine.sources.base import FileSource


@pytest.fixture(scope="module")
def stable_report(churn_model, sample_dir) -> DriftReport:
    return check_drift(churn_model[1], FileSource(str(sample_dir / "churn_next_quarter.csv")))


@pytest.fixture(scope="module")
def shifted_report(churn_model, sample_dir) -> DriftReport:
    path = sample_dir / "churn_next_quarter_shifted.csv"
    return check_drift(churn_model[1], FileSource(str(path)))


def _columns(report: DriftReport) -> dict:
    return {c.name: c for c in report.columns}


def test_next_quarter_is_stable(stable_report: DriftReport) -> None:
    assert stable_report.level == "stable"
    assert stable_report.rows == 2000
    assert not stable_report.flagged_columns()
    assert stable_report.scores is not None and stable_report.scores.status == "stable"
    assert stable_report.headline.startswith("The model can still be trusted")


def test_the_shifted_quarter_is_major_and_names_what_moved(shifted_report: DriftReport) -> None:
    report = shifted_report
    assert report.level == "major"
    columns = _columns(report)
    assert columns["support_calls"].status == "major"
    assert columns["monthly_charges"].status in ("changed", "major")
    assert columns["region"].status in ("changed", "major")
    assert "'North' was 30% of rows, now 15%" in columns["region"].findings
    assert "missing" in columns["age"].integrity
    assert any(f.startswith("age is missing in 19") for f in columns["age"].findings)
    median = next(f for f in columns["monthly_charges"].findings if f.startswith("median"))
    assert median.endswith("(+17%)")  # a 15% price rise, on a sample's medians
    # The four unchanged inputs of the generator stay quiet.
    for name in ("contract", "plan", "payment_method", "has_partner", "monthly income"):
        assert not columns[name].flagged, name
    assert report.scores is not None and report.scores.status in ("changed", "major")
    # Flagged first, most important first.
    assert report.ordered_columns()[0].name == "support_calls"


def test_the_shifted_file_has_labels_so_performance_is_measured(shifted_report) -> None:
    performance = shifted_report.performance
    assert performance is not None and performance.metric == "roc_auc"
    assert performance.low < performance.now < performance.high
    assert performance.training is not None
    assert "at training" in performance.sentence and "95% interval" in performance.sentence


def test_the_report_round_trips_through_json(shifted_report: DriftReport) -> None:
    import json

    data = json.loads(json.dumps(shifted_report.to_dict()))
    assert DriftReport.from_dict(data) == shifted_report


def test_the_json_report_is_strict_json_even_with_a_figure_missing(
    shifted_report: DriftReport, tmp_path
) -> None:
    import dataclasses
    import json

    from engine.monitor.run import write_json

    first = dataclasses.replace(shifted_report.columns[0], psi=float("nan"))
    report = dataclasses.replace(shifted_report, columns=(first, *shifted_report.columns[1:]))

    def refuse(constant: str) -> None:
        raise AssertionError(f"{constant} is not JSON")

    text = write_json(report, tmp_path / "drift.json").read_text(encoding="utf-8")
    data = json.loads(text, parse_constant=refuse)
    assert data["columns"][0]["psi"] is None


def test_counts_do_not_depend_on_the_chunk_size(churn_model, sample_dir, shifted_report) -> None:
    path = sample_dir / "churn_next_quarter_shifted.csv"
    small = check_drift(churn_model[1], FileSource(str(path)), chunk_rows=333)
    for before, after in zip(shifted_report.columns, small.columns, strict=True):
        assert before.counts == after.counts
        assert before.middle == after.middle  # the sample draws one key per row, any chunking
        assert before.status == after.status
    assert small.level == shifted_report.level


def test_progress_and_cancel(churn_model, sample_dir) -> None:
    path = FileSource(str(sample_dir / "churn_next_quarter.csv"))
    seen: list[float] = []
    check_drift(churn_model[1], path, chunk_rows=500, progress=lambda f, m: seen.append(f))
    assert seen[-1] == 1.0 and len(seen) >= 3
    token = CancelToken()

    def cancel_soon(fraction: float, message: str) -> None:
        if fraction > 0.1:
            token.cancel()

    with pytest.raises(Cancelled):
        check_drift(churn_model[1], path, chunk_rows=500, progress=cancel_soon, cancel=token)


# --- bad input -------------------------------------------------------------------------------

def _write(frame: pd.DataFrame, path: Path) -> FileSource:
    frame.to_csv(path, index=False)
    return FileSource(str(path))


@pytest.fixture(scope="module")
def quarter(sample_dir) -> pd.DataFrame:
    return pd.read_csv(sample_dir / "churn_next_quarter.csv", dtype=str, keep_default_na=False)


def test_a_file_missing_columns_names_them_and_the_closest(churn_model, quarter, tmp_path):
    renamed = quarter.rename(columns={"support_calls": "support calls"}).drop(columns=["age"])
    with pytest.raises(InputError) as caught:
        check_drift(churn_model[1], _write(renamed, tmp_path / "renamed.csv"))
    message = caught.value.message
    assert "'support_calls' (closest: 'support calls')" in message and "'age'" in message


def test_numbers_now_text_are_reported_not_crashed(churn_model, quarter, tmp_path) -> None:
    retyped = quarter.copy()
    retyped["monthly_charges"] = "price " + retyped["monthly_charges"]
    report = check_drift(churn_model[1], _write(retyped, tmp_path / "retyped.csv"))
    column = _columns(report)["monthly_charges"]
    assert "retyped" in column.integrity and column.severity == 2
    assert column.conversion_failures > 1900
    assert any("not numbers" in f and "'price " in f for f in column.findings)
    assert report.level in ("changed", "major")


def test_a_column_with_every_value_missing(churn_model, quarter, tmp_path) -> None:
    empty = quarter.copy()
    empty["age"] = ""
    report = check_drift(churn_model[1], _write(empty, tmp_path / "no_age.csv"))
    column = _columns(report)["age"]
    assert column.status == "too few rows" and "missing" in column.integrity
    assert "age is missing in 100.0% of rows" in column.findings[0]


def test_twenty_rows_are_not_judged(churn_model, quarter, tmp_path) -> None:
    report = check_drift(churn_model[1], _write(quarter.head(20), tmp_path / "twenty.csv"))
    assert report.level == "too few rows"
    assert report.headline.startswith("20 rows are too few to judge drift")
    assert all(c.status == "too few rows" for c in report.columns)


def test_fifty_rows_are_judged_and_say_their_uncertainty(churn_model, quarter,
                                                         tmp_path) -> None:
    """Issue 16: small files were refused under 200 rows; from 30 rows they are judged."""
    report = check_drift(churn_model[1], _write(quarter.head(50), tmp_path / "fifty.csv"))
    assert report.level == "stable"
    assert all(c.status != "too few rows" for c in report.columns)
    assert "too few rows to rule out a change under about" in report.headline


def test_an_empty_file_is_refused(churn_model, quarter, tmp_path) -> None:
    with pytest.raises(InputError, match="no data rows to check"):
        check_drift(churn_model[1], _write(quarter.head(0), tmp_path / "empty.csv"))


def test_a_model_from_an_older_gristmill_without_a_reference(churn_model, tmp_path) -> None:
    model = onnx.load(str(churn_model[1]))
    metadata = read_metadata(model)
    attach_metadata(model, dataclasses.replace(metadata, reference=None))
    path = tmp_path / "old.onnx"
    onnx.save(model, str(path))
    with pytest.raises(ModelFileError, match=r"no drift reference.*older version"):
        check_drift(path, FileSource(str(tmp_path / "unused.csv")))


def test_a_model_made_by_another_tool(tmp_path) -> None:
    from skl2onnx import convert_sklearn
    from skl2onnx.common.data_types import FloatTensorType
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(0)
    x = rng.normal(size=(60, 1)).astype(np.float32)
    fitted = LogisticRegression().fit(x, x[:, 0] > 0)
    model = convert_sklearn(fitted, initial_types=[("x", FloatTensorType([None, 1]))],
                            target_opset={"": 17, "ai.onnx.ml": 3})
    path = tmp_path / "foreign.onnx"
    onnx.save(model, str(path))
    with pytest.raises(ModelFileError) as caught:
        check_drift(path, FileSource(str(tmp_path / "unused.csv")))
    assert "no drift reference" in caught.value.message
    assert "not exported by Gristmill" in caught.value.message


def test_large_files_score_a_uniform_sample_and_count_every_row(churn_model, quarter, tmp_path):
    from engine.monitor.check import expected_rows, score_rate
    from engine.monitor.settings import DriftSettings

    assert score_rate(100_000, 10_000) == pytest.approx(0.1)
    assert score_rate(5_000, 10_000) == 1.0
    assert score_rate(None, 10_000) == 1.0  # size unknown: score every row
    assert expected_rows(quarter, 0.25, FileSource("x.parquet"), False) == 8000
    big = pd.concat([quarter] * 40, ignore_index=True)  # 80,000 rows, about 8 MB
    source = _write(big, tmp_path / "big.csv")
    sampled = check_drift(churn_model[1], source, chunk_rows=4000,
                          settings=DriftSettings(score_rows=8000))
    full = check_drift(churn_model[1], source, chunk_rows=4000,
                       settings=DriftSettings(score_rows=1_000_000))
    note = next(n for n in sampled.notes if "uniform random sample" in n)
    scored = int(note.split("sample of ")[1].split(" of")[0].replace(",", ""))
    assert 4000 < scored < 16000 and sampled.scores.rows == scored
    assert full.scores.rows == 80_000 and not any("uniform random" in n for n in full.notes)
    for a, b in zip(sampled.columns, full.columns, strict=True):
        assert a.counts == b.counts  # every row counted for the columns either way
    assert abs(sampled.scores.psi - full.scores.psi) < 0.02
    assert sampled.level == full.level == "stable"
