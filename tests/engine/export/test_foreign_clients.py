"""Real foreign clients score the exported package's golden file.

Two clients that share no code with the engine:

- Node.js with the ``onnxruntime-node`` npm package (tests/node/score_golden.mjs), which has no
  metadata API and so reads the sidecar ``NAME.model.json``;
- the oldest onnxruntime the exporter supports, in its own virtualenv
  (tests/foreign/score_golden_old_ort.py, given by ``GRISTMILL_OLD_ORT_PYTHON``), which also
  reads the ``gristmill`` metadata entry from the file.

Both must give labels identical to the golden file's and numbers within 1e-5. Where a client is
not installed the tests are skipped with the reason, unless GRISTMILL_REQUIRE_FOREIGN=1 (CI,
see .ci/run), which turns that into a failure so these tests can never be skipped silently.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

# Trains real models: the Qt-blocked re-run in tests/test_codebase.py leaves it out.
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[3]
NODE_DIR = ROOT / "tests" / "node"
NODE_SCRIPT = NODE_DIR / "score_golden.mjs"
OLD_ORT_SCRIPT = ROOT / "tests" / "foreign" / "score_golden_old_ort.py"
TOLERANCE = 1e-5
PACKAGES = ("exported_package", "exported_regression_package")


def _unavailable(reason: str) -> None:
    if os.environ.get("GRISTMILL_REQUIRE_FOREIGN") == "1":
        pytest.fail(f"GRISTMILL_REQUIRE_FOREIGN=1 but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def node() -> list[str]:
    """The command that runs the Node.js client (``+ [DIR, NAME]``)."""
    executable = shutil.which("node")
    if executable is None:
        _unavailable("Node.js is not installed (no `node` on PATH)")
    if not (NODE_DIR / "node_modules" / "onnxruntime-node").is_dir():
        _unavailable(
            "onnxruntime-node is not installed: run "
            "`cd tests/node && ONNXRUNTIME_NODE_INSTALL=skip npm ci`"
        )
    return [str(executable), str(NODE_SCRIPT)]


def _wait_for_ci_setup(marker: str) -> None:
    """Wait until .ci/run's background install of the old onnxruntime has ended.

    .ci/run installs that virtualenv beside the README's own install and test run rather than
    before it (it is a download of a minute or more), and names a marker file it writes when the
    install ends: ``MARKER`` holding ``ok`` or the install's exit code. This waits on that
    event, not on a clock: however slow the machine, the install either ends or CI's own limit
    stops the run.
    """
    if not marker:
        return
    path = Path(marker)
    while not path.is_file():
        time.sleep(1)
    outcome = path.read_text(encoding="utf-8").strip()
    if outcome != "ok":
        _unavailable(f"the old onnxruntime's install failed ({outcome}); see .ci/run's log")


@pytest.fixture(scope="module")
def old_ort() -> list[str]:
    """The command that runs the old-onnxruntime client (``+ [DIR, NAME]``)."""
    given = os.environ.get("GRISTMILL_OLD_ORT_PYTHON", "")
    _wait_for_ci_setup(os.environ.get("GRISTMILL_OLD_ORT_READY", ""))
    if not given:
        _unavailable(
            "no old onnxruntime to test with: set GRISTMILL_OLD_ORT_PYTHON to the Python of a "
            "virtualenv holding the oldest supported onnxruntime (.ci/run makes one)"
        )
    if not Path(given).is_file():
        _unavailable(f"GRISTMILL_OLD_ORT_PYTHON={given} does not exist")
    import onnxruntime

    old = _installed_version(given)
    # The test means something only against an OLDER runtime than the one the engine uses.
    assert _version_key(old) < _version_key(onnxruntime.__version__), (
        f"GRISTMILL_OLD_ORT_PYTHON has onnxruntime {old}, not older than the engine's "
        f"{onnxruntime.__version__}"
    )
    return [given, str(OLD_ORT_SCRIPT)]


@pytest.fixture(params=["node", "old_ort"])
def client(request: pytest.FixtureRequest) -> list[str]:
    """Each foreign client in turn."""
    return request.getfixturevalue(request.param)


@dataclass(frozen=True)
class ClientRun:
    """What a client printed and its exit code (0 match, 1 mismatch, 2 error)."""

    code: int
    report: dict[str, Any] | None
    stderr: str


def _score(command: list[str], directory: Path, name: str) -> ClientRun:
    done = subprocess.run(
        [*command, str(directory), name],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=180,
        check=False,
    )
    lines = done.stdout.strip().splitlines()
    report = json.loads(lines[-1]) if lines else None
    return ClientRun(done.returncode, report, done.stderr)


def _package(request: pytest.FixtureRequest, fixture: str) -> tuple[Path, str]:
    try:
        return request.getfixturevalue(fixture)
    except pytest.FixtureLookupError:
        if fixture == "exported_package":
            raise
        pytest.skip(f"no {fixture} fixture in tests/engine/export/conftest.py")


def _golden(directory: Path, name: str) -> list[dict[str, str]]:
    with (directory / f"{name}.golden.csv").open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle, strict=True))


def _metadata(directory: Path, name: str) -> dict[str, Any]:
    return json.loads((directory / f"{name}.model.json").read_text(encoding="utf-8"))


def _assert_matches(run: ClientRun, directory: Path, name: str) -> None:
    assert run.code == 0, f"exit {run.code}; report {run.report}; stderr:\n{run.stderr}"
    assert run.report is not None
    assert run.report["rows"] == len(_golden(directory, name)) > 0
    assert run.report["label_mismatches"] == 0
    assert run.report["value_mismatches"] == 0
    assert 0.0 <= run.report["max_difference"] <= TOLERANCE
    # Every output of the model was compared.
    metadata = _metadata(directory, name)
    expected = list(metadata["outputs"])  # binary models: the graph's own decision among them
    assert run.report["outputs"] == expected


@pytest.mark.parametrize("fixture", PACKAGES)
def test_node_scores_the_golden_file(
    node: list[str], request: pytest.FixtureRequest, fixture: str
) -> None:
    directory, name = _package(request, fixture)
    run = _score(node, directory, name)
    _assert_matches(run, directory, name)
    assert run.report is not None and run.report["runtime"].startswith("onnxruntime-node ")


@pytest.mark.parametrize("fixture", PACKAGES)
def test_the_oldest_onnxruntime_loads_and_matches(
    old_ort: list[str], request: pytest.FixtureRequest, fixture: str
) -> None:
    directory, name = _package(request, fixture)
    run = _score(old_ort, directory, name)
    _assert_matches(run, directory, name)


def test_the_package_exercises_awkward_inputs(exported_package: tuple[Path, str]) -> None:
    """The golden file must feed what foreign clients get wrong: names with a space and a
    non-ASCII letter, a string input, and missing values (empty cells) of both types."""
    directory, name = exported_package
    inputs = _metadata(directory, name)["inputs"]
    names = [spec["name"] for spec in inputs]
    assert any(" " in n for n in names), names
    assert any(not n.isascii() for n in names), names
    rows = _golden(directory, name)
    for kind in ("float", "string"):
        typed = [spec["name"] for spec in inputs if spec["type"] == kind]
        assert typed, f"no {kind} input"
        assert any(row[n] == "" for row in rows for n in typed), f"no missing {kind} value"


def _rewrite_golden(
    source: tuple[Path, str], target: Path, change: Callable[[list[dict[str, str]]], None]
) -> tuple[Path, str]:
    """Copy the package to ``target`` with its golden rows passed through ``change``, written
    back with a UTF-8 byte order mark and CRLF line ends (both allowed by the format)."""
    directory, name = source
    for suffix in (".onnx", ".model.json"):
        shutil.copy(directory / f"{name}{suffix}", target / f"{name}{suffix}")
    rows = _golden(directory, name)
    change(rows)
    with (target / f"{name}.golden.csv").open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(rows)
    return target, name


def test_a_byte_order_mark_and_crlf_are_read(
    client: list[str], exported_package: tuple[Path, str], tmp_path: Path
) -> None:
    package = _rewrite_golden(exported_package, tmp_path, lambda rows: None)
    _assert_matches(_score(client, *package), *package)


def test_a_wrong_expectation_is_reported(
    client: list[str], exported_package: tuple[Path, str], tmp_path: Path
) -> None:
    """The comparison is live: one wrong label and one probability off by 1e-3 are caught."""
    classes = _metadata(*exported_package)["classes"]

    def spoil(rows: list[dict[str, str]]) -> None:
        first = rows[0]
        first["expected:label"] = next(c for c in classes if c != first["expected:label"])
        column = f"expected:probability:{classes[0]}"
        first[column] = repr(float(first[column]) + 1e-3)

    run = _score(client, *_rewrite_golden(exported_package, tmp_path, spoil))
    assert run.code == 1, run.stderr
    assert run.report is not None
    assert run.report["label_mismatches"] == 1
    assert run.report["value_mismatches"] == 1
    assert run.report["max_difference"] == pytest.approx(1e-3, rel=1e-3)
    assert "row 1 label" in run.stderr


def test_a_package_without_golden_file_is_an_error(
    client: list[str], exported_package: tuple[Path, str], tmp_path: Path
) -> None:
    directory, name = exported_package
    for suffix in (".onnx", ".model.json"):
        shutil.copy(directory / f"{name}{suffix}", tmp_path / f"{name}{suffix}")
    run = _score(client, tmp_path, name)
    assert run.code == 2
    assert "golden.csv" in run.stderr


CSV_CASES = [
    "a,b,c\n1,,3\n",
    '\ufeffname,"x, y"\r\n"say ""hi""",2\r\n',
    'a,b\n"multi\nline","with\r\ncrlf"\n"",last',
    'only\n"\ufeff not a BOM here"\n',
]


@pytest.mark.parametrize("text", CSV_CASES)
def test_node_csv_parser_reads_rfc_4180(node: list[str], text: str) -> None:
    """The Node client's own CSV parser agrees with Python's csv module."""
    code = (
        f"import {{ parseCsv }} from {json.dumps(NODE_SCRIPT.as_uri())};"
        "import { readFileSync } from 'node:fs';"
        "process.stdout.write(JSON.stringify(parseCsv(readFileSync(0, 'utf8'))));"
    )
    done = subprocess.run(
        [node[0], "--input-type=module", "-e", code],
        input=text.encode("utf-8"),
        capture_output=True,
        timeout=60,
        check=True,
    )
    expected = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline="")))
    assert json.loads(done.stdout) == expected


def _installed_version(python: str) -> str:
    done = subprocess.run(
        [python, "-c", "import onnxruntime; print(onnxruntime.__version__)"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if done.returncode != 0:
        _unavailable(f"{python} cannot import onnxruntime: {done.stderr.strip()[-300:]}")
    return done.stdout.strip()


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("+")[0].split(".")[:3] if part.isdigit())
