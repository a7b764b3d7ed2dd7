"""Atomic writes: unique temporary files created exclusively, links never followed."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from engine.atomic_files import write_text_atomically

pytestmark = pytest.mark.skipif(os.name != "posix", reason="symbolic links need POSIX here")


def test_a_link_planted_at_the_old_temporary_name_is_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("keep me", encoding="utf-8")
    folder = tmp_path / "reports"
    folder.mkdir()
    (folder / "report.html.partial").symlink_to(outside)
    write_text_atomically(folder / "report.html", "<p>report</p>")
    assert outside.read_text(encoding="utf-8") == "keep me"
    assert (folder / "report.html").read_text(encoding="utf-8") == "<p>report</p>"


def test_a_link_at_the_target_is_replaced_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("keep me", encoding="utf-8")
    target = tmp_path / "report.html"
    target.symlink_to(outside)
    write_text_atomically(target, "new")
    assert outside.read_text(encoding="utf-8") == "keep me"
    assert not target.is_symlink() and target.read_text(encoding="utf-8") == "new"


def test_temporary_names_are_unique_and_nothing_is_left(tmp_path: Path) -> None:
    target = tmp_path / "a.json"
    for number in range(3):
        write_text_atomically(target, str(number))
    assert [p.name for p in tmp_path.iterdir()] == ["a.json"]
    mode = target.stat().st_mode & 0o777
    umask = os.umask(0)
    os.umask(umask)
    assert mode == 0o666 & ~umask


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "a.txt"
    target.write_text("old", encoding="utf-8")
    with pytest.raises(UnicodeEncodeError):
        write_text_atomically(target, "\ud800")
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]
