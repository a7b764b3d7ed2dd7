"""Every bad input the CLI can meet gives exit code 2 and one clear line on stderr."""

from __future__ import annotations

import struct
import subprocess
import sys
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest

from engine.cli import EXIT_INPUT, EXIT_OK, main

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_DB = ROOT / "resources" / "sample" / "churn.sqlite"


def _png_bytes() -> bytes:
    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + header
    return b"\x89PNG\r\n\x1a\n" + struct.pack(">I", len(header)) + chunk + struct.pack(
        ">I", zlib.crc32(chunk)
    )


def _empty_xlsx(path: Path) -> None:
    from openpyxl import Workbook

    Workbook().save(path)


def _nested_parquet(path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"id": [1, 2], "tags": [["a", "b"], ["c"]]}), path)


BAD_FILES: dict[str, tuple[str, Callable[[Path], None]]] = {
    "empty file": ("empty.csv", lambda p: p.write_bytes(b"")),
    "header only": ("header.csv", lambda p: p.write_text("a,b,c\n")),
    "binary named csv": ("image.csv", lambda p: p.write_bytes(_png_bytes())),
    "ragged rows": ("ragged.csv", lambda p: p.write_text("a,b\n1,2\n3,4,5,6\n7,8\n")),
    "empty workbook": ("empty.xlsx", _empty_xlsx),
    "nested parquet": ("nested.parquet", _nested_parquet),
    "old excel": ("old.xls", lambda p: p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" * 64)),
    "unknown format": ("notes.docx", lambda p: p.write_bytes(b"PK\x03\x04whatever")),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_files_exit_2_with_one_line(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    name, write = BAD_FILES[case]
    path = tmp_path / name
    write(path)
    assert main(["profile", str(path), "--quiet"]) == EXIT_INPUT
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith("gristmill: error: ")
    assert "Traceback" not in captured.err
    assert len(lines[0]) > 40  # a sentence, not a bare exception name


def test_a_folder_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["profile", str(tmp_path), "--quiet"]) == EXIT_INPUT
    assert "folder" in capsys.readouterr().err.lower()


def test_a_missing_sqlite_file_is_not_created(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nope.db"
    assert main(["profile", f"sqlite:///{missing}", "--table", "t", "--quiet"]) == EXIT_INPUT
    assert not missing.exists()
    assert "nope.db" in capsys.readouterr().err


def test_a_missing_table_names_the_ones_that_exist(capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{SAMPLE_DB}"
    assert main(["profile", url, "--table", "custmers", "--quiet"]) == EXIT_INPUT
    assert "customers" in capsys.readouterr().err


def test_debug_is_accepted_after_the_subcommand(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["profile", str(tmp_path / "x.csv"), "--debug"]) == EXIT_INPUT
    assert "Traceback" in capsys.readouterr().err


def test_sheet_by_number_is_one_based_and_by_name_wins(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from openpyxl import Workbook

    workbook = Workbook()
    first = workbook.active
    first.title = "2"
    first.append(["which"])
    first.append(["sheet named 2"])
    second = workbook.create_sheet("Data")
    second.append(["which"])
    second.append(["second sheet"])
    path = tmp_path / "book.xlsx"
    workbook.save(path)

    assert main(["profile", str(path), "--sheet", "1", "--json", "--quiet"]) == EXIT_OK
    assert "sheet named 2" in capsys.readouterr().out
    assert main(["profile", str(path), "--sheet", "2", "--json", "--quiet"]) == EXIT_OK
    assert "sheet named 2" in capsys.readouterr().out  # the name "2" wins over number 2
    assert main(["profile", str(path), "--sheet", "Data", "--json", "--quiet"]) == EXIT_OK
    assert "second sheet" in capsys.readouterr().out
    assert main(["profile", str(path), "--sheet", "9", "--quiet"]) == EXIT_INPUT
    assert "Data" in capsys.readouterr().err


def test_header_row_and_delimiter_options(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    path = tmp_path / "report.txt"
    path.write_text("Quarterly export|generated 2024\n\nregion|sales\nNorth|10\nSouth|20\n")
    argv = ["profile", str(path), "--header-row", "3", "--delimiter", "|", "--json", "--quiet"]
    assert main(argv) == EXIT_OK
    document = json.loads(capsys.readouterr().out)
    assert [c["name"] for c in document["profile"]["columns"]] == ["region", "sales"]
    assert document["profile"]["rows"] == 2


def test_file_options_on_a_database_are_refused(capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{SAMPLE_DB}"
    assert main(["profile", url, "--table", "customers", "--encoding", "utf-8"]) == EXIT_INPUT
    assert "--encoding" in capsys.readouterr().err


def test_a_closed_pipe_is_not_an_error() -> None:
    command = [sys.executable, "-m", "engine.cli", "profile", str(SAMPLE_DB.with_suffix(".csv"))]
    with subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    ) as process:
        assert process.stdout is not None and process.stderr is not None
        process.stdout.readline()
        process.stdout.close()  # like `| head -1`
        errors = process.stderr.read().decode()
        code = process.wait()
    assert "internal error" not in errors
    assert code == EXIT_OK
