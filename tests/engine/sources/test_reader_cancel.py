"""Cancel from another thread while a JSON lines or Excel file is being read.

The worker's progress callback pauses at its N-th report until the test thread has cancelled,
so the test is deterministic: N reports arrived while the file was still being read (the
fraction says how far), and the next check raised Cancelled without another report.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from openpyxl import Workbook

from engine.jobs import Cancelled, CancelToken, Job
from engine.sources.base import FileSource
from engine.sources.files import load_file

Report = tuple[float, str]


def _cancel_at_report(path: Path, reports_before_cancel: int) -> list[Report]:
    """Load ``path`` on a worker thread, cancel at the given report; return the reports."""
    token = CancelToken()
    seen: list[Report] = []
    reached = threading.Event()
    resume = threading.Event()
    outcome: list[object] = []

    def progress(fraction: float, message: str) -> None:
        seen.append((fraction, message))
        if len(seen) == reports_before_cancel:
            reached.set()
            resume.wait(timeout=60)

    def run() -> None:
        try:
            load_file(FileSource(str(path)), Job(progress, token, min_interval=0))
            outcome.append("finished")
        except BaseException as error:
            outcome.append(error)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    reached.wait(timeout=60)
    token.cancel()
    resume.set()
    worker.join(timeout=60)
    assert not worker.is_alive()
    assert reached.is_set(), f"only {len(seen)} progress reports: {seen[-3:]}"
    assert len(outcome) == 1 and isinstance(outcome[0], Cancelled), outcome
    assert len(seen) == reports_before_cancel  # nothing reported after the cancel
    fractions = [fraction for fraction, _ in seen]
    assert fractions == sorted(fractions)
    return seen


def _jsonl(path: Path, rows: int, first_line: str = "") -> Path:
    lines = [first_line] if first_line else []
    lines += [
        f'{{"id":{i},"amount":{i * 0.5},"city":"c{i % 50}","ok":{"true" if i % 2 else "false"},'
        f'"date":"2024-01-{i % 28 + 1:02d}"}}'
        for i in range(rows)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_jsonl_flat_records_cancel_while_reading(tmp_path: Path) -> None:
    path = _jsonl(tmp_path / "big.jsonl", 300_000)  # ~25 MB: a report after each 8 MB chunk
    seen = _cancel_at_report(path, reports_before_cancel=2)
    assert seen[-1][0] < 0.7 and seen[-1][1].startswith("Reading line")


def test_jsonl_line_by_line_path_cancel_while_reading(tmp_path: Path) -> None:
    # A nested object sends the file down the line-by-line path (pyarrow cannot promise the
    # same columns), which reports every few thousand lines.
    first = '{"id":-1,"address":{"city":"Lyon"},"amount":"n/a"}'
    path = _jsonl(tmp_path / "nested.jsonl", 300_000, first_line=first)
    seen = _cancel_at_report(path, reports_before_cancel=10)
    assert seen[-1][0] < 0.5 and seen[-1][1].startswith("Reading line")


def test_jsonl_cancel_while_building_columns(tmp_path: Path) -> None:
    path = _jsonl(tmp_path / "lists.jsonl", 20_000, first_line='{"id":-1,"tags":[1]}')
    every: list[str] = []
    load_file(FileSource(str(path)), Job(lambda f, m: every.append(m), min_interval=0))
    second_column = [m.startswith("Building column") for m in every].index(True) + 2
    seen = _cancel_at_report(path, reports_before_cancel=second_column)
    assert [message for _, message in seen] == every[:second_column]
    assert seen[-1][1] == "Building column tags"  # columns in first-seen order: id, tags


@pytest.fixture(scope="module")
def workbook_60k(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # Written by openpyxl in write-only mode: the sheet states no size (<dimension>), the
    # case where opening the workbook used to read the whole sheet before any report.
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("data")
    sheet.append(["id", "amount", "city"])
    for i in range(60_000):
        sheet.append([i, i * 0.5, f"c{i % 50}"])
    path = tmp_path_factory.mktemp("xlsx") / "big.xlsx"
    workbook.save(path)
    return path


def test_excel_cancel_while_streaming_rows(workbook_60k: Path) -> None:
    seen = _cancel_at_report(workbook_60k, reports_before_cancel=5)
    fraction, message = seen[-1]
    assert message == "Reading row 8,000"  # a report every 2,000 rows, from row 0
    assert 0.0 < fraction < 0.5  # progress comes from how far into the sheet's XML


def test_excel_cancel_at_first_report(workbook_60k: Path) -> None:
    seen = _cancel_at_report(workbook_60k, reports_before_cancel=1)
    assert seen[0][1] == "Reading row 0" and seen[0][0] < 0.01


def test_ctrl_c_during_a_sqlite_statement_exits_130(tmp_path, capsys) -> None:
    """Ctrl-C lands in SQLite's progress handler: interrupted (130), not a query error (2)."""
    import signal
    import sqlite3

    from engine.cli import EXIT_INTERRUPTED, main

    path = tmp_path / "db.sqlite"
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE t (a integer)")
    connection.commit()
    connection.close()
    slow = ("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c "
            "WHERE x < 2000000000) SELECT count(*) AS n FROM c")

    def ctrl_c(number, frame):
        raise KeyboardInterrupt

    import engine.api  # imported now, so the query is running when Ctrl-C comes
    import engine.profile.infer
    import engine.sources.database  # noqa: F401

    previous = signal.signal(signal.SIGALRM, ctrl_c)
    signal.setitimer(signal.ITIMER_REAL, 2.0)
    try:
        code = main(["profile", f"sqlite:///{path}", "--sql", slow, "--quiet"])
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert code == EXIT_INTERRUPTED, capsys.readouterr().err
