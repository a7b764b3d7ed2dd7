"""Load a table from a file: check the path, pick the reader, recognise dates and booleans.

The format comes from ``source.format`` or the file's suffix (base.FILE_SUFFIXES). The first
bytes are checked too: a workbook or a Parquet file saved under a .csv name is read as what
it really is, with a note saying so (refusing a file we can read would help nobody); when the
format was chosen explicitly and the content disagrees, the load stops with a message.
Formats whose cells are text go through :func:`engine.sources.values.normalize_columns`:
JSON and Excel here, CSV inside engine.sources.csv_reader; Parquet is typed already.
"""

from __future__ import annotations

import difflib
import os
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.errors import SourceError
from engine.jobs import Job
from engine.sources.base import FILE_SUFFIXES, FileSource, LoadedTable, LoadReport

if TYPE_CHECKING:
    import pandas as pd

SUPPORTED = (
    "CSV or text (.csv, .tsv, .txt, .tab), Excel (.xlsx, .xlsm), Parquet (.parquet, .pq), "
    "JSON lines (.jsonl, .ndjson, .json)"
)
_FORMAT_NAMES = {"csv": "CSV", "excel": "Excel", "parquet": "Parquet", "jsonl": "JSON"}
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def load_file(source: FileSource, job: Job) -> LoadedTable:
    """Read the whole table ``source`` points to, with progress and cancel through ``job``."""
    return _load(source, job, max_rows=None)


def preview_file(source: FileSource, rows: int = 100) -> LoadedTable:
    """Read the first ``rows`` rows only (fast, for showing the user what the file holds)."""
    return _load(source, None, max_rows=rows)


def list_sheets(path: str | os.PathLike[str]) -> list[str]:
    """The sheet names of an Excel workbook, in order."""
    from engine.sources.excel_reader import sheet_names

    checked = check_path(Path(path))
    return sheet_names(checked)


def check_path(path: Path) -> Path:
    """The path, if it is a readable, non-empty file; otherwise a SourceError saying why."""
    path = path.expanduser()
    if path.is_dir():
        found = sorted(p.name for p in path.iterdir() if p.suffix.lower() in FILE_SUFFIXES)[:5]
        hint = "Choose a file inside it"
        hint += f", for example {', '.join(found)}." if found else "."
        raise SourceError(f"{path} is a folder, not a file.", hint)
    if not path.exists():
        raise SourceError(f"There is no file at {path}.", _similar_names_hint(path))
    try:
        with open(path, "rb") as handle:
            head = handle.read(1)
    except PermissionError as error:
        raise SourceError(
            f"Gristmill is not allowed to read {path}.",
            "Check the file's permissions, or copy it to a folder you can read, and try again.",
        ) from error
    except OSError as error:
        raise SourceError(
            f"{path} could not be opened: {error.strerror or error}.",
            "Check that the file is available (not on a disconnected drive) and try again.",
        ) from error
    if not head:
        raise SourceError(f"{path.name} is empty (0 bytes).", "Choose a file that holds a table.")
    return path


def _load(source: FileSource, job: Job | None, max_rows: int | None) -> LoadedTable:
    path = check_path(Path(source.path))
    report = LoadReport(source_label=source.label)
    fmt = _choose_format(source, path, report)
    report.options["format"] = fmt
    read_job = job.sub(0.0, 0.9) if job is not None else None
    column_notes: dict[str, str] = {}
    if fmt == "csv":
        frame, csv_report = _read_csv(source, path, job, max_rows)
        report.notes.extend(csv_report.notes)
        column_notes.update(csv_report.column_notes)
        report.options.update(csv_report.options)
    elif fmt == "excel":
        from engine.sources.excel_reader import read_excel

        frame, notes, options, column_notes = read_excel(
            path, source.sheet, source.header_row, read_job, max_rows
        )
        report.notes.extend(notes)
        report.options.update(options)
    elif fmt == "parquet":
        from engine.sources.parquet_reader import read_parquet

        frame, notes, column_notes = read_parquet(path, read_job, max_rows)
        report.notes.extend(notes)
    else:
        from engine.sources.jsonl_reader import read_jsonl

        try:
            frame, notes, column_notes = read_jsonl(path, read_job, max_rows)
        except RecursionError as error:
            raise SourceError(f"{path.name} is nested too deeply to read as a table.") from error
        report.notes.extend(notes)
    _refuse_no_rows(frame, path)
    if fmt in ("excel", "jsonl"):  # csv_reader recognises values itself; Parquet is typed
        from engine.sources.values import normalize_columns

        frame, value_notes = normalize_columns(frame, job.sub(0.9, 1.0) if job else None)
        for name, note in value_notes.items():
            column_notes[name] = f"{column_notes[name]}; {note}" if name in column_notes else note
    report.rows = len(frame)
    report.column_notes = column_notes
    if job is not None:
        job.done(f"Loaded {len(frame):,} rows")
    return LoadedTable(frame=frame, report=report)


def _read_csv(
    source: FileSource, path: Path, job: Job | None, max_rows: int | None
) -> tuple[pd.DataFrame, LoadReport]:
    from dataclasses import replace

    from engine.sources import csv_reader

    csv_source = replace(source, path=str(path), format="csv")
    if max_rows is None:
        table = csv_reader.read_csv(csv_source, (job or Job()).sub(0.0, 0.9))
    else:
        table = csv_reader.preview_csv(csv_source, rows=max_rows)
    return table.frame, table.report


def _choose_format(source: FileSource, path: Path, report: LoadReport) -> str:
    suffix = path.suffix.lower()
    declared = source.format or FILE_SUFFIXES.get(suffix)
    actual = _sniff(path)
    if declared is None:
        if suffix == ".xls" or actual == "ole":
            raise _old_excel(path)
        if actual in ("excel", "parquet"):
            report.notes.append(f"Read as {_FORMAT_NAMES[actual]}: the content says so")
            return actual
        raise SourceError(
            f"Gristmill cannot read {suffix or 'suffix-less'} files ({path.name}).",
            f"Supported formats: {SUPPORTED}. If the file is a text table, choose the CSV format.",
        )
    if declared not in _FORMAT_NAMES:
        raise SourceError(
            f"Unknown file format {declared!r}.", "Use one of: csv, excel, parquet, jsonl."
        )
    if actual == "ole" and declared != "excel":
        raise _old_excel(path)
    if actual == "zip":
        raise SourceError(
            f"{path.name} is a ZIP archive, not a {_FORMAT_NAMES[declared]} file.",
            "Unzip it and load the file inside.",
        )
    if actual == "gzip":
        raise SourceError(
            f"{path.name} is compressed (gzip).", "Decompress it and load the file inside."
        )
    if actual in ("excel", "parquet") and actual != declared:
        if source.format is not None:  # the user chose the format: tell them, do not guess
            raise SourceError(
                f"{path.name} is a{'n' if actual == 'excel' else ''} {_FORMAT_NAMES[actual]} "
                f"file, not {_FORMAT_NAMES[declared]}.",
                f"Choose the {_FORMAT_NAMES[actual]} format for it.",
            )
        report.notes.append(
            f"{path.name} is a{'n' if actual == 'excel' else ''} {_FORMAT_NAMES[actual]} file "
            f"despite its {suffix} name; it was read as {_FORMAT_NAMES[actual]}"
        )
        return actual
    return declared


def _sniff(path: Path) -> str | None:
    """What the first bytes say: 'excel', 'parquet', 'ole', 'zip', 'gzip', or None."""
    with open(path, "rb") as handle:
        head = handle.read(8)
    if head.startswith(b"PAR1"):
        return "parquet"
    if head == _OLE:
        return "ole"
    if head.startswith(b"\x1f\x8b"):
        return "gzip"
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, OSError, ValueError):
            return "zip"
        return "excel" if "xl/workbook.xml" in names else "zip"
    return None


def _old_excel(path: Path) -> SourceError:
    from engine.sources.excel_reader import check_workbook_file

    try:
        check_workbook_file(path)
    except SourceError as error:
        return error
    return SourceError(f"{path.name} is an old Excel (.xls) file.", "Save it as .xlsx.")


def _similar_names_hint(path: Path) -> str:
    folder = path.parent
    if not folder.is_dir():
        return f"The folder {folder} does not exist either; check the path."
    try:
        names = os.listdir(folder)
    except OSError:
        return "Check the path."
    close = difflib.get_close_matches(path.name, names, n=3, cutoff=0.6)
    if not close:
        lowered = {name.lower(): name for name in names}
        close = [lowered[path.name.lower()]] if path.name.lower() in lowered else []
    if close:
        return "Did you mean " + " or ".join(repr(str(folder / name)) for name in close) + "?"
    return "Check the path and the file name."


def _refuse_no_rows(frame: Any, path: Path) -> None:
    if frame.shape[1] == 0:
        raise SourceError(f"{path.name} holds no columns.", "Choose a file that holds a table.")
    if len(frame) == 0:
        raise SourceError(
            f"{path.name} has column names but no rows.", "Choose a file that holds data rows."
        )
