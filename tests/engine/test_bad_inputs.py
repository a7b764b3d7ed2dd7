"""Every row of docs/bad-inputs.md, run: the bad input, the command, its exit code and message.

The catalog is the table in the document; this test reads it, so a row cannot be documented
without being checked. ``setup`` names how the bad input ``{bad}`` is made (see ``MAKERS``);
``{data}``, ``{project}``, ``{model}`` are copies of a small table, a trained project and its
exported model, ``{db}`` the sample SQLite database, ``{tmp}`` the row's own folder.
"""

from __future__ import annotations

import re
import shlex
import shutil
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from engine.cli import main

pytestmark = pytest.mark.slow  # trains and exports real models

ROOT = Path(__file__).resolve().parents[2]
CATALOG = ROOT / "docs" / "bad-inputs.md"
SAMPLE = ROOT / "resources" / "sample"


@dataclass(frozen=True)
class Row:
    number: int
    what: str
    setup: str
    command: str
    code: int
    message: str


def catalog_rows(path: Path = CATALOG) -> list[Row]:
    """The table rows of the catalog (``| # | bad input | setup | command | exit | message |``)."""
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip()[1:-1].split(" | ")]
        if len(cells) != 6 or not cells[0].isdigit():
            continue
        number, what, setup, command, code, message = cells
        rows.append(Row(int(number), what, setup.strip("`"), command.strip("`"), int(code),
                        message.replace("\\|", "|")))
    return rows


ROWS = catalog_rows()


@pytest.fixture(scope="session")
def trained(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A small table, a project trained on it (one linear model) and its exported model."""
    folder = tmp_path_factory.mktemp("catalog")
    data = folder / "small.csv"
    data.write_text("".join((SAMPLE / "churn.csv").open(encoding="utf-8").readlines()[:301]),
                    encoding="utf-8")
    project = folder / "p.gristmill"
    # One worker process: a second would only import the libraries again for one trial.
    assert main(["train", str(data), "--target", "churned", "--models", "linear",
                 "--max-trials", "1", "--jobs", "1", "--project", str(project),
                 "--quiet"]) == 0
    assert main(["export", "--project", str(project), "--out", str(folder / "out"),
                 "--name", "churn", "--quiet"]) == 0
    return {"data": data, "project": project, "model": folder / "out" / "churn.onnx"}


def _sqlite(path: Path, statements: str) -> None:
    connection = sqlite3.connect(path)
    try:
        connection.executescript(statements)
        connection.commit()
    finally:
        connection.close()


def _newer_project(path: Path, files: dict[str, Path]) -> None:
    shutil.copy(files["project"], path)
    _sqlite(path, "UPDATE meta SET schema_version = 99;")


def _journal(path: Path, files: dict[str, Path]) -> None:
    _sqlite(path, "CREATE TABLE t (a integer); INSERT INTO t VALUES (1);")
    path.with_name(path.name + "-journal").write_bytes(b"\xd9\xd5\x05\xf9\x20\xa1\x63\xd7" * 64)


def _foreign_package(path: Path, files: dict[str, Path]) -> None:
    path.mkdir()
    (path / "churn.onnx").write_bytes(b"someone else's model")


_BUILT: dict[str, bytes] = {}


def _built_once(build: Callable[[Path, dict[str, Path]], None]):
    """``build`` runs for the first row that needs it; later rows get a copy of its bytes
    (the bombs take a second or two to make, and every row's inputs are the same files)."""

    def make(path: Path, files: dict[str, Path]) -> None:
        if build.__name__ not in _BUILT:
            build(path, files)
            _BUILT[build.__name__] = path.read_bytes()
        else:
            path.write_bytes(_BUILT[build.__name__])

    return make


def _xlsx_bomb(path: Path, files: dict[str, Path]) -> None:
    from bomb_files import xlsx_bomb

    xlsx_bomb(path)


def _onnx_bomb(path: Path, files: dict[str, Path]) -> None:
    from bomb_files import onnx_metadata_bomb

    onnx_metadata_bomb(files["model"], path)


TEXTS = {
    "header-only": "a,b,c\n",
    "ragged": "a,b\n1,2\n3,4,5,6\n7,8\n",
    "one-long-line": "x" * 2_000_000,
    "recipe-not-json": "{steps: [",
    "recipe-not-object": "[1, 2, 3]",
    "recipe-newer": '{"version": 99, "steps": []}',
    "recipe-unknown-kind": '{"version": 1, "steps": [{"kind": "frobnicate", "columns": []}]}',
    "recipe-unknown-setting": '{"steps": [{"kind": "impute", "params": {"strat": 1}}]}',
    "history-not-json": "{not json",
    "history-other": '{"format": "something else"}',
    "jsonl-broken": '{"a": 1}\n{"a": \n',
}

MAKERS: dict[str, Callable[[Path, dict[str, Path]], None]] = {
    "none": lambda path, files: None,
    "empty": lambda path, files: path.write_bytes(b""),
    "folder": lambda path, files: path.mkdir(),
    "data": lambda path, files: shutil.copy(files["data"], path),
    "project": lambda path, files: shutil.copy(files["project"], path),
    "truncated-project": lambda path, files: path.write_bytes(
        files["project"].read_bytes()[:5000]),
    "foreign-sqlite": lambda path, files: _sqlite(path, "CREATE TABLE x (a integer);"),
    "newer-project": _newer_project,
    "journal": _journal,
    "random": lambda path, files: path.write_bytes(bytes(range(256)) * 40),
    "png": lambda path, files: path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 64),
    "link-to-project": lambda path, files: path.symlink_to(files["project"]),
    "link-to-data": lambda path, files: path.symlink_to(files["data"]),
    "link-to-model": lambda path, files: path.symlink_to(files["model"]),
    "foreign-package": _foreign_package,
    "xlsx-bomb": _built_once(_xlsx_bomb),
    "onnx-bomb": _built_once(_onnx_bomb),
}


def _writer(text: str) -> Callable[[Path, dict[str, Path]], None]:
    return lambda path, files: path.write_text(text, "utf-8")


MAKERS.update({f"text:{key}": _writer(text) for key, text in TEXTS.items()})


def test_the_catalog_has_at_least_80_rows_numbered_in_order() -> None:
    assert len(ROWS) >= 80
    assert [row.number for row in ROWS] == list(range(1, len(ROWS) + 1))
    assert all(row.setup.split()[0] in MAKERS for row in ROWS)


@pytest.mark.parametrize("row", ROWS, ids=[f"{row.number}-{row.what}" for row in ROWS])
def test_catalog_row(row: Row, trained, tmp_path: Path, capsys, monkeypatch) -> None:
    maker, _, suffix = row.setup.partition(" ")
    files = {}
    for name, original in trained.items():
        copy = tmp_path / "in" / original.name
        copy.parent.mkdir(exist_ok=True)
        shutil.copy(original, copy)
        files[name] = copy
    bad = tmp_path / f"bad{suffix}"
    MAKERS[maker](bad, files)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GRISTMILL_DB_PASSWORD", raising=False)
    before = {name: path.read_bytes() for name, path in files.items()}
    values = {"bad": bad, "tmp": tmp_path, "db": SAMPLE / "churn.sqlite", **files}
    files = {name: path for name, path in files.items() if "{" + name + "}" in row.command}
    command = row.command.format(**{key: shlex.quote(str(value)) for key, value in values.items()})
    argv = shlex.split(command) + (["--quiet"] if _takes_quiet(command) else [])
    try:
        code = main(argv)
    except SystemExit as stop:  # argparse's usage errors
        code = int(stop.code or 0)
    captured = capsys.readouterr()
    said = re.sub(r"\s+", " ", captured.err + captured.out)
    assert code == row.code, said
    assert row.message and row.message.lower() in said.lower(), said
    assert "Traceback" not in said
    for name, path in files.items():  # no command destroys its own input
        assert path.read_bytes() == before[name], f"{name} was changed"


def _takes_quiet(command: str) -> bool:
    return command.split()[:1] in (["profile"], ["train"], ["export"], ["score"], ["drift"])


def test_the_readme_exit_code_table_is_the_one_in_engine_exit_codes() -> None:
    from engine.exit_codes import MEANINGS, markdown_table

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert markdown_table() in readme, "regenerate the table with engine.exit_codes"
    assert len(MEANINGS) == 8


def test_export_replaces_its_own_files_and_others_only_with_force(trained, tmp_path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "churn.card.md").write_text("my notes", encoding="utf-8")
    base = ["export", "--project", str(trained["project"]), "--out", str(out), "--name",
            "churn", "--quiet"]
    assert main(base) == 2
    assert (out / "churn.card.md").read_text(encoding="utf-8") == "my notes"
    assert main([*base, "--force"]) == 0
    assert main(base) == 0  # the files are now Gristmill's own: a new export replaces them
    assert sorted(p.name for p in out.iterdir()) == [
        "churn.card.md", "churn.golden.csv", "churn.golden_raw.csv", "churn.model.json",
        "churn.onnx", "churn.score.mjs", "churn.score.py"]
