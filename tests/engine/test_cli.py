"""The ``gristmill`` command: output, JSON, exit codes and error messages."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from engine import __version__
from engine.cli import EXIT_INPUT, EXIT_INTERNAL, EXIT_OK, main

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_CSV = ROOT / "resources" / "sample" / "churn.csv"
SAMPLE_DB = ROOT / "resources" / "sample" / "churn.sqlite"


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"gristmill {__version__}"


def test_no_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == EXIT_INPUT
    assert "profile" in capsys.readouterr().err


def test_unknown_option_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["profile", str(SAMPLE_CSV), "--no-such-option"])
    assert exit_info.value.code == EXIT_INPUT
    assert "unrecognized arguments" in capsys.readouterr().err


def test_profile_sample_prints_every_column(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["profile", str(SAMPLE_CSV), "--quiet"]) == EXIT_OK
    captured = capsys.readouterr()
    header = SAMPLE_CSV.read_text(encoding="utf-8").splitlines()[0].split(",")
    for column in header:
        assert column.strip('"') in captured.out
    assert "churn.csv" in captured.out
    assert captured.err == ""


def test_profile_json_matches_the_file(capsys: pytest.CaptureFixture[str]) -> None:
    import pandas as pd

    assert main(["profile", str(SAMPLE_CSV), "--json", "--quiet"]) == EXIT_OK
    document = json.loads(capsys.readouterr().out)
    expected = pd.read_csv(SAMPLE_CSV)
    assert document["profile"]["rows"] == len(expected)
    columns = {column["name"]: column for column in document["profile"]["columns"]}
    assert list(columns) == list(expected.columns)
    for name in expected.columns:
        assert columns[name]["missing"] == int(expected[name].isna().sum()), name
    assert document["source"] == {
        "kind": "file",
        "path": str(SAMPLE_CSV),
        "format": None,
        "sheet": None,
        "header_row": None,
        "encoding": None,
        "delimiter": None,
        "decimal": None,
        "thousands": None,
    }


def test_profile_reports_progress_on_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["profile", str(SAMPLE_CSV), "--json"]) == EXIT_OK
    captured = capsys.readouterr()
    assert "100%" in captured.err
    assert "Working out the kind of" in captured.err  # the profiling step reports too
    assert "Profiling the table" in captured.err
    json.loads(captured.out)  # stdout stays pure JSON


def test_profile_sqlite_table(capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{SAMPLE_DB}"
    assert main(["profile", url, "--table", "customers", "--json", "--quiet"]) == EXIT_OK
    document = json.loads(capsys.readouterr().out)
    assert document["profile"]["rows"] > 1000
    assert "churned" in [column["name"] for column in document["profile"]["columns"]]


def test_missing_file_is_an_input_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nowhere.csv"
    assert main(["profile", str(missing), "--quiet"]) == EXIT_INPUT
    err = capsys.readouterr().err
    assert "nowhere.csv" in err
    assert "Traceback" not in err
    assert err.count("\n") == 1  # one clear message


def test_debug_shows_the_traceback(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--debug", "profile", str(tmp_path / "nowhere.csv")]) == EXIT_INPUT
    assert "Traceback" in capsys.readouterr().err


def test_table_option_on_a_file_is_an_input_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["profile", str(SAMPLE_CSV), "--table", "x"]) == EXIT_INPUT
    assert "--table" in capsys.readouterr().err


def test_database_url_needs_table_or_sql_and_lists_the_tables(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["profile", f"sqlite:///{SAMPLE_DB}"]) == EXIT_INPUT
    err = capsys.readouterr().err
    assert "--table" in err
    assert "customers (table, about 5,000 rows)" in err
    assert "active_customers (view" in err


def test_sql_that_is_not_a_select_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{SAMPLE_DB}"
    assert main(["profile", url, "--sql", "DELETE FROM customers", "--quiet"]) == EXIT_INPUT
    assert "SELECT" in capsys.readouterr().err


def test_password_in_url_is_never_printed(capsys: pytest.CaptureFixture[str]) -> None:
    # Nothing listens on port 9 of loopback: the connection is refused at once.
    url = "postgresql://ana:s3cret-Pa55@127.0.0.1:9/crm"
    code = main(["profile", url, "--table", "orders", "--quiet"])
    captured = capsys.readouterr()
    assert code == EXIT_INPUT
    assert "s3cret-Pa55" not in captured.out + captured.err


def test_internal_errors_exit_3(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from engine import api

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(api, "load_table", broken)
    assert main(["profile", str(SAMPLE_CSV), "--quiet"]) == EXIT_INTERNAL
    assert "internal error" in capsys.readouterr().err


def test_console_script_runs() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "engine.cli", "profile", str(SAMPLE_CSV), "--quiet"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    assert "churned" in result.stdout
