"""Path checks, format choice and content sniffing (engine.sources.files)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from engine.errors import SourceError
from engine.jobs import Cancelled, CancelToken, Job
from engine.sources.base import FileSource, LoadedTable
from engine.sources.files import check_path, list_sheets, load_file, preview_file


def _load(path: Path, **options: object) -> LoadedTable:
    return load_file(FileSource(str(path), **options), Job())  # type: ignore[arg-type]


def _parquet(path: Path) -> Path:
    pq.write_table(pa.table({"id": [1, 2, 3], "city": ["Lyon", "Paris", None]}), path)
    return path


def _xlsx(path: Path) -> Path:
    workbook = openpyxl.Workbook()
    workbook.active.append(["id", "city"])
    workbook.active.append([1, "Lyon"])
    workbook.save(path)
    return path


def test_missing_file_names_the_path_and_suggests_similar_names(tmp_path: Path) -> None:
    _parquet(tmp_path / "customers_2024.parquet")
    wanted = tmp_path / "customers_2042.parquet"
    with pytest.raises(SourceError) as caught:
        _load(wanted)
    assert str(wanted) in caught.value.message
    assert "customers_2024.parquet" in str(caught.value)


def test_missing_folder_is_said(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="does not exist either"):
        _load(tmp_path / "nowhere" / "data.csv")


def test_a_folder_is_not_a_file(tmp_path: Path) -> None:
    _parquet(tmp_path / "inside.parquet")
    with pytest.raises(SourceError) as caught:
        _load(tmp_path)
    assert "is a folder" in caught.value.message
    assert "inside.parquet" in str(caught.value)


def test_unreadable_file_says_permissions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _parquet(tmp_path / "locked.parquet")

    def refuse(*args: object, **kwargs: object) -> object:
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr("engine.sources.files.open", refuse, raising=False)
    with pytest.raises(SourceError, match="not allowed to read"):
        check_path(path)


def test_empty_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "empty.jsonl"
    path.write_bytes(b"")
    with pytest.raises(SourceError, match="empty"):
        _load(path)


def test_unknown_suffix_lists_supported_formats(tmp_path: Path) -> None:
    path = tmp_path / "table.dat"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(SourceError) as caught:
        _load(path)
    assert ".dat" in caught.value.message
    assert ".xlsx" in str(caught.value) and ".parquet" in str(caught.value)


def test_unknown_explicit_format_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="Unknown file format"):
        _load(_parquet(tmp_path / "t.parquet"), format="feather")


def test_parquet_named_csv_is_read_as_parquet_with_a_note(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    shutil.copy(_parquet(tmp_path / "t.parquet"), path)
    table = _load(path)
    assert table.frame["id"].tolist() == [1, 2, 3]
    assert table.report.options["format"] == "parquet"
    assert any("Parquet file despite its .csv name" in n for n in table.report.notes)


def test_workbook_named_csv_is_read_as_excel_with_a_note(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    shutil.copy(_xlsx(tmp_path / "t.xlsx"), path)
    table = _load(path)
    assert table.frame["city"].tolist() == ["Lyon"]
    assert any("Excel file despite its .csv name" in n for n in table.report.notes)


def test_explicit_format_that_contradicts_the_content_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="is an Excel file, not CSV"):
        _load(_xlsx(tmp_path / "t.xlsx"), format="csv")


def test_zip_and_gzip_files_are_explained(tmp_path: Path) -> None:
    archive = tmp_path / "data.csv"
    shutil.make_archive(str(tmp_path / "bundle"), "zip", root_dir=tmp_path, base_dir=".")
    shutil.copy(tmp_path / "bundle.zip", archive)
    with pytest.raises(SourceError, match="ZIP archive"):
        _load(archive)
    gz = tmp_path / "data.jsonl"
    gz.write_bytes(b"\x1f\x8b\x08\x00rest")
    with pytest.raises(SourceError, match="compressed"):
        _load(gz)


def test_old_xls_is_explained(tmp_path: Path) -> None:
    path = tmp_path / "old.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    with pytest.raises(SourceError) as caught:
        _load(path)
    assert ".xls" in caught.value.message and ".xlsx" in str(caught.value.hint)


def test_report_is_filled(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    path.write_text(
        "\n".join(json.dumps({"d": f"2024-01-{i:02d}", "ok": "yes" if i % 2 else "no"})
                  for i in range(1, 21))
    )
    table = _load(path)
    report = table.report
    assert report.rows == 20
    assert report.source_label == "r.jsonl"
    assert report.options["format"] == "jsonl"
    assert report.column_notes["d"] == "dates written yyyy-mm-dd"
    assert report.column_notes["ok"].startswith("yes/no values")


def test_preview_reads_only_the_first_rows(tmp_path: Path) -> None:
    path = tmp_path / "big.parquet"
    pq.write_table(pa.table({"n": list(range(200_000))}), path, row_group_size=20_000)
    preview = preview_file(FileSource(str(path)), rows=10)
    assert preview.frame["n"].tolist() == list(range(10))
    assert preview.report.rows == 10


def test_progress_is_reported_and_cancel_stops_the_load(tmp_path: Path) -> None:
    path = tmp_path / "big.parquet"
    pq.write_table(pa.table({"n": list(range(300_000))}), path, row_group_size=50_000)
    reports: list[float] = []
    table = load_file(FileSource(str(path)), Job(lambda f, m: reports.append(f), min_interval=0))
    assert len(table.frame) == 300_000
    assert len(reports) >= 3 and reports[-1] == 1.0
    token = CancelToken()

    def cancel_after_first(fraction: float, message: str) -> None:
        token.cancel()

    with pytest.raises(Cancelled):
        load_file(FileSource(str(path)), Job(cancel_after_first, token, min_interval=0))


def test_list_sheets(tmp_path: Path) -> None:
    path = _xlsx(tmp_path / "s.xlsx")
    workbook = openpyxl.load_workbook(path)
    workbook.create_sheet("Second")
    workbook.save(path)
    assert list_sheets(path) == ["Sheet", "Second"]
    with pytest.raises(SourceError, match="no file"):
        list_sheets(tmp_path / "nope.xlsx")
