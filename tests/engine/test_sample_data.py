"""The bundled sample data: reproducible, realistic, and shifted exactly as documented."""

from __future__ import annotations

import hashlib
import sqlite3
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

SAMPLE = Path(__file__).resolve().parents[2] / "resources" / "sample"
SCRIPT = SAMPLE / "generate_sample.py"
FILES = ["churn.csv", "churn.sqlite", "churn_next_quarter.csv", "churn_next_quarter_shifted.csv"]
CSV_FILES = [name for name in FILES if name.endswith(".csv")]


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _dump(path: Path) -> list[str]:
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return list(connection.iterdump())
    finally:
        connection.close()


def _generate(out: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--out", str(out)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    first = tmp_path_factory.mktemp("first")
    second = tmp_path_factory.mktemp("second")
    _generate(first)
    _generate(second)
    return first, second


@pytest.fixture(scope="module")
def frames() -> dict[str, pd.DataFrame]:
    return {name: pd.read_csv(SAMPLE / name) for name in CSV_FILES}


def test_running_the_script_twice_gives_byte_identical_files(
    regenerated: tuple[Path, Path],
) -> None:
    first, second = regenerated
    for name in FILES:
        assert _sha256(first / name) == _sha256(second / name), name


def test_committed_files_are_what_the_script_writes(regenerated: tuple[Path, Path]) -> None:
    fresh, _ = regenerated
    for name in CSV_FILES:
        assert _sha256(fresh / name) == _sha256(SAMPLE / name), f"{name}: rerun the script"
    # SQLite writes its own library version into the file header, so compare the content.
    assert _dump(fresh / "churn.sqlite") == _dump(SAMPLE / "churn.sqlite")


def test_files_stay_small() -> None:
    assert (SAMPLE / "churn.csv").stat().st_size < 600_000
    for name in FILES:
        assert (SAMPLE / name).stat().st_size < 1_000_000, name


def test_main_table_looks_like_the_readme(frames: dict[str, pd.DataFrame]) -> None:
    frame = frames["churn.csv"]
    assert len(frame) == 5_000
    assert "monthly income" in frame.columns
    assert frame["customer_id"].is_unique
    assert frame["customer_id"].str.fullmatch(r"C-\d{6}").all()
    assert set(frame["churned"]) == {"yes", "no"}
    assert 0.17 <= (frame["churned"] == "yes").mean() <= 0.24
    assert set(frame["has_partner"].astype(str).str.lower()) == {"true", "false"}
    assert set(frame["paperless_billing"]) == {"yes", "no"}
    assert frame["satisfaction_score"].dropna().between(1, 5).all()
    assert pd.to_datetime(frame["signup_date"], format="%Y-%m-%d").notna().all()
    missing = frame.isna().mean()
    for column in ("monthly_charges", "age", "monthly income", "satisfaction_score"):
        assert 0.01 <= missing[column] <= 0.08, column
    assert missing.drop(["monthly_charges", "age", "monthly income", "satisfaction_score"]).eq(
        0
    ).all()
    shares = frame["region"].value_counts(normalize=True)
    assert list(shares.index) == ["North", "South", "East", "West", "Central"]


def test_churn_depends_on_the_documented_features(frames: dict[str, pd.DataFrame]) -> None:
    frame = frames["churn.csv"]
    churned = frame["churned"] == "yes"
    by_contract = churned.groupby(frame["contract"]).mean()
    assert by_contract["month-to-month"] > 2 * by_contract["two year"]
    assert frame.loc[churned, "tenure_months"].mean() < frame.loc[~churned, "tenure_months"].mean()
    assert frame.loc[churned, "support_calls"].mean() > frame.loc[~churned, "support_calls"].mean()


def test_next_quarter_files_hold_new_customers(frames: dict[str, pd.DataFrame]) -> None:
    ids = [set(frame["customer_id"]) for frame in frames.values()]
    assert ids[0].isdisjoint(ids[1]) and ids[0].isdisjoint(ids[2]) and ids[1].isdisjoint(ids[2])
    for name in ("churn_next_quarter.csv", "churn_next_quarter_shifted.csv"):
        assert len(frames[name]) == 2_000
        assert list(frames[name].columns) == list(frames["churn.csv"].columns)


def test_shifted_file_moves_exactly_the_documented_columns(
    frames: dict[str, pd.DataFrame],
) -> None:
    base, same, moved = (frames[name] for name in CSV_FILES)
    # Means of 2,000 rows; tolerances are several standard errors wide.
    charge_ratio = moved["monthly_charges"].mean() / base["monthly_charges"].mean()
    assert 1.10 <= charge_ratio <= 1.20
    assert 0.90 <= same["monthly_charges"].mean() / base["monthly_charges"].mean() <= 1.05
    assert 0.12 <= (moved["region"] == "North").mean() <= 0.18
    assert 0.26 <= (same["region"] == "North").mean() <= 0.34
    assert 0.8 <= moved["support_calls"].mean() - base["support_calls"].mean() <= 1.2
    assert abs(same["support_calls"].mean() - base["support_calls"].mean()) < 0.2
    assert 0.17 <= moved["age"].isna().mean() <= 0.23
    assert same["age"].isna().mean() < 0.06
    # Unshifted columns stay put in the shifted file.
    assert abs(moved["tenure_months"].mean() - base["tenure_months"].mean()) < 2.0
    assert abs(moved["age"].mean() - base["age"].mean()) < 1.5


def test_sqlite_holds_the_table_and_the_view() -> None:
    connection = sqlite3.connect(f"file:{SAMPLE / 'churn.sqlite'}?mode=ro", uri=True)
    try:
        kinds = dict(
            connection.execute("SELECT name, type FROM sqlite_master WHERE sql IS NOT NULL")
        )
        assert kinds["customers"] == "table"
        assert kinds["active_customers"] == "view"
        assert connection.execute("SELECT COUNT(*) FROM customers").fetchone() == (5_000,)
        active = connection.execute("SELECT COUNT(*) FROM active_customers").fetchone()[0]
        churned = connection.execute(
            "SELECT COUNT(*) FROM customers WHERE churned = 'yes'"
        ).fetchone()[0]
        assert active + churned == 5_000
        row = connection.execute(
            'SELECT signup_date, "monthly income", typeof(tenure_months) FROM customers '
            "WHERE customer_id = 'C-000001'"
        ).fetchone()
        assert row[2] == "integer"
        assert len(row[0]) == 10 and row[0][4] == "-"
        nulls = connection.execute("SELECT COUNT(*) FROM customers WHERE age IS NULL").fetchone()
        assert 50 <= nulls[0] <= 400
    finally:
        connection.close()
    csv_first = pd.read_csv(SAMPLE / "churn.csv", nrows=1)
    assert csv_first.loc[0, "signup_date"] == row[0]
