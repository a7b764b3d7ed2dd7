"""Workbooks that inflate too far are refused before they are read; the shared strings (read
whole when a workbook opens) report progress and can be cancelled."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1]))

from bomb_files import xlsx_bomb

from engine.errors import SourceError
from engine.jobs import Cancelled, CancelToken, Job
from engine.sources import excel_reader
from engine.sources.excel_reader import read_excel


def test_a_workbook_within_the_limits_reads(tmp_path: Path) -> None:
    path = tmp_path / "small.xlsx"
    xlsx_bomb(path, megabytes=1)
    frame = read_excel(path, None, None, None)[0]
    assert list(frame.columns) == ["a"] and frame.iloc[0, 0] == "a"


def test_shared_strings_over_the_limit_are_refused_unread(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(excel_reader, "MAX_SHARED_STRINGS", 2**20)
    path = tmp_path / "bomb.xlsx"
    xlsx_bomb(path, megabytes=3)
    opened = []
    monkeypatch.setattr(excel_reader, "_open", lambda *a: opened.append(a))
    with pytest.raises(SourceError, match=r"texts \(shared strings\) would take 3 MB"):
        read_excel(path, None, None, None)
    assert opened == []


def test_reading_the_shared_strings_reports_progress_and_cancels(tmp_path: Path) -> None:
    path = tmp_path / "texts.xlsx"
    xlsx_bomb(path, megabytes=3)
    token = CancelToken()
    seen: list[tuple[float, str]] = []

    def progress(fraction: float, message: str) -> None:
        seen.append((fraction, message))
        if "texts" in message:
            token.cancel()

    with pytest.raises(Cancelled):
        read_excel(path, None, None, Job(progress, token, min_interval=0.0))
    texts = [fraction for fraction, message in seen if "texts" in message]
    assert texts and 0 < texts[0] < 0.1
