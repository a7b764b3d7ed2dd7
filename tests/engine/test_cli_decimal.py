"""``--decimal`` / ``--thousands``: the user settles how a text file's numbers are written.

A file whose values all have three decimals (``40,650`` or ``40.650``) can be read two ways;
detection picks one, and these options pick the other. The choice travels with the table's
source in the project, so every later read of it (the export's reading rules, a refresh)
reads the numbers the same way.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.cli import EXIT_INPUT, EXIT_OK, main


def _three_decimals(path: Path, mark: str, *, other_column: str | None = None) -> Path:
    """A semicolon-delimited file: ``amount`` from 40.000 to 89.813, all with 3 decimals."""
    lines = ["id;amount;flag" + (";rate" if other_column else "")]
    for i in range(60):
        row = f"{i};{40 + i % 50}{mark}{(i * 37) % 1000:03d};{i % 2}"
        lines.append(row + (f";{other_column.format(i % 3)}" if other_column else ""))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _amount_line(out: str) -> str:
    return next(line for line in out.splitlines() if line.startswith("amount "))


def test_decimal_comma_reads_three_decimal_values_as_decimals(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _three_decimals(tmp_path / "t.csv", ",")
    assert main(["profile", str(data), "--quiet"]) == EXIT_OK
    detected = _amount_line(capsys.readouterr().out)
    assert "numeric" not in detected  # 40,650 read as text: a code, not a number
    assert main(["profile", str(data), "--quiet", "--decimal", ","]) == EXIT_OK
    out = capsys.readouterr().out
    assert "min 40, " in _amount_line(out) and "max 89.81" in _amount_line(out)
    assert "',' as the decimal mark" in out and "(as chosen)" in out


def test_decimal_point_overrides_a_file_read_with_a_decimal_comma(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The other column's decimal commas make detection read 40.650 as forty thousand.
    data = _three_decimals(tmp_path / "t.csv", ".", other_column="{},5")
    assert main(["profile", str(data), "--quiet"]) == EXIT_OK
    assert "max 89,813" in _amount_line(capsys.readouterr().out)
    argv = ["profile", str(data), "--quiet", "--decimal", ".", "--thousands", "none"]
    assert main(argv) == EXIT_OK
    line = _amount_line(capsys.readouterr().out)
    assert "min 40, " in line and "max 89.81" in line


def test_train_stores_the_choice_with_the_source_and_later_reads_follow_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from engine import api
    from engine.export.from_run import file_spelling

    data = _three_decimals(tmp_path / "t.csv", ",")
    project_path = tmp_path / "p.gristmill"
    argv = ["train", str(data), "--target", "flag", "--decimal", ",", "--models", "linear",
            "--max-trials", "1", "--jobs", "1", "--project", str(project_path), "--quiet", "--json"]
    assert main(argv) == EXIT_OK, capsys.readouterr().err
    with api.open_project(project_path) as project:
        (record,) = project.list_sources()
    # The choice is stored; the separator was not chosen, so it stays to detection.
    assert (record.source.decimal, record.source.thousands) == (",", None)
    # What the export writes into the model's reading rules, and a fresh read of the table.
    assert file_spelling(record.source)[0] == ","
    again = api.load_table(record.source).frame
    assert again["amount"].max() == pytest.approx(89.813)


def test_score_and_drift_read_their_data_with_the_chosen_mark(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """score and drift stream their data: the chosen mark reaches the stream's detection,
    which gives the spelling a model without reading rules reads the cells in."""
    import argparse

    from engine.cli_sources import add_data_arguments, data_source
    from engine.jobs import Job
    from engine.sources.stream import open_tracked_stream

    data = _three_decimals(tmp_path / "t.csv", ",")
    parser = argparse.ArgumentParser()
    add_data_arguments(parser, "score")
    headers = []
    for extra in ([], ["--decimal", ",", "--thousands", "none"]):
        source, _ = data_source(parser.parse_args([str(data), *extra]))
        stream, _read = open_tracked_stream(source, Job(), chunk_rows=100)
        with stream:
            headers.append((stream.header.decimal, stream.header.thousands))
    assert headers == [(".", None), (",", None)]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--thousands", "."], "--thousands needs --decimal"),
        (["--decimal", ",", "--thousands", ","], "both the decimal mark and the thousands"),
        (["--decimal", ";"], "invalid choice"),
    ],
)
def test_number_options_that_cannot_work_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    data = _three_decimals(tmp_path / "t.csv", ",")
    try:
        code = main(["profile", str(data), "--quiet", *argv])
    except SystemExit as stop:  # argparse's usage errors
        code = int(stop.code or 0)
    assert code == EXIT_INPUT
    assert message in capsys.readouterr().err
