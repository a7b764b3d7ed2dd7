"""Read a sheet of an Excel workbook (.xlsx, .xlsm) with openpyxl in read-only mode.

- Sheet: ``source.sheet`` as a name or a 0-based position; the first worksheet by default.
- Header: the first row with any value, unless ``source.header_row`` (0-based sheet row)
  says otherwise. A first row with a single value (a report title) above a row of names is
  skipped with a note. Blank and repeated header names are renamed (engine.sources.columns).
- Cells keep their Excel types (numbers, dates, booleans); each column gets one dtype
  (engine.sources.cells). Entirely empty rows are skipped and so are trailing columns with
  neither a header nor a value.
- Formulas give their last computed value (``data_only``): files written by programs that
  never computed them show those cells as missing.
- Password-protected workbooks and old .xls files are refused with what to do instead.

Progress and cancel: rows are checked as they stream. openpyxl's own ``load_workbook`` reads
every sheet once at opening to look for its size when the file does not state it (files
written by openpyxl and pandas), which takes seconds and cannot be interrupted; the workbook
is therefore opened with sheets that skip that scan (the size is not needed: rows are read
until the sheet ends), and progress is how far the row parser has read into the sheet's XML.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
from openpyxl.reader.excel import ExcelReader
from openpyxl.worksheet._read_only import ReadOnlyWorksheet

from engine.errors import SourceError
from engine.jobs import Cancelled
from engine.sources.cells import column_from_cells
from engine.sources.columns import clean_column_names

if TYPE_CHECKING:
    from engine.jobs import Job

OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")
_PROGRESS_EVERY = 2000
_READ_SHARE = 0.85  # of the job: streaming the rows; the rest builds the typed columns

MAX_SHARED_STRINGS = 64 * 2**20
"""Largest shared-strings part (uncompressed): it is held in memory whole, unlike the rows."""
MAX_PART = 4 * 2**30
"""Largest part of any kind (uncompressed); sheets are streamed, but a bomb is still a bomb."""
MAX_RATIO = 200
"""Largest compression ratio of a part over 64 MiB: real workbooks compress 5-30 times."""


class _StreamingSheet(ReadOnlyWorksheet):  # type: ignore[misc]
    """A read-only sheet that does not read itself through when opened (see the docstring)."""

    _source: Any = None

    def _get_size(self) -> None:
        """Skip openpyxl's size scan; rows are read until the sheet ends."""

    def _get_source(self) -> Any:
        self._source = super()._get_source()
        return self._source

    def fraction_read(self) -> float:
        """How far into the sheet's XML the row parser has read (0 before it starts)."""
        try:
            size = self.parent._archive.getinfo(self._worksheet_path).file_size
            return self._source.tell() / size if self._source is not None and size else 0.0
        except (ValueError, OSError, KeyError):  # closed, or not seekable
            return 0.0


class _CheckedStream:
    """A part being read that reports progress and honours cancel every 256 KiB."""

    def __init__(self, raw: Any, size: int, job: Job | None) -> None:
        self._raw, self._size, self._job = raw, max(size, 1), job
        self._read = self._reported = 0

    def read(self, amount: int = -1) -> bytes:
        data = self._raw.read(amount)
        self._read += len(data)
        if self._job is not None and self._read - self._reported >= 2**18:
            self._reported = self._read
            if self._job.cancel.cancelled:
                raise Cancelled()
            self._job.step(min(self._read / self._size, 1.0), "Reading the workbook's texts")
        return data

    def __getattr__(self, name: str) -> Any:
        return getattr(self._raw, name)


class _StreamingReader(ExcelReader):  # type: ignore[misc]
    """openpyxl's workbook reader in read-only mode, with :class:`_StreamingSheet` sheets.

    The shared strings (every text of the workbook, read whole when it opens) are read with
    progress and cancel (:class:`_CheckedStream`).
    """

    job: Job | None = None

    def read_strings(self) -> None:
        from openpyxl.reader.strings import read_rich_text, read_string_table
        from openpyxl.xml.constants import SHARED_STRINGS

        found = self.package.find(SHARED_STRINGS)
        if found is None:
            return
        reader = read_rich_text if self.rich_text else read_string_table
        part = found.PartName[1:]
        size = self.archive.getinfo(part).file_size
        with self.archive.open(part) as source:
            self.shared_strings = reader(_CheckedStream(source, size, self.job))

    def read_worksheets(self) -> None:
        for sheet, rel in self.parser.find_sheets():
            if rel.target not in self.valid_files:
                continue
            if "chartsheet" in rel.Type:
                self.read_chartsheet(sheet, rel)
                continue
            worksheet = _StreamingSheet(self.wb, sheet.name, rel.target, self.shared_strings)
            worksheet.sheet_state = sheet.state
            self.wb._sheets.append(worksheet)


def check_workbook_file(path: Path) -> None:
    """Refuse files openpyxl cannot read, or that inflate beyond the limits, in words."""
    with path.open("rb") as handle:
        head = handle.read(8)
    if head == OLE_SIGNATURE:
        if _is_encrypted(path):
            raise SourceError(
                f"{path.name} is protected by a password.",
                "Open it in Excel and save an unprotected copy (File > Info > Protect "
                "Workbook > Encrypt with Password, then clear the password), then load that.",
            )
        raise SourceError(
            f"{path.name} is an old Excel 97-2003 (.xls) workbook, which Gristmill cannot read.",
            "Open it in Excel and save it as an Excel Workbook (.xlsx), then load that.",
        )
    if not zipfile.is_zipfile(path):
        raise SourceError(
            f"{path.name} is not a valid Excel workbook (.xlsx).",
            "Check that the file is complete and opens in Excel, then save it again as .xlsx.",
        )
    _check_part_sizes(path)


def _strings_share(path: Path) -> float:
    """The shared strings' part of the XML to read (their share of the progress bar)."""
    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return 0.0
    strings = sum(p.file_size for p in parts if p.filename.lower().endswith("sharedstrings.xml"))
    sheets = sum(p.file_size for p in parts if "worksheets/" in p.filename.lower())
    return strings / (strings + sheets) if strings + sheets else 0.0


def _check_part_sizes(path: Path) -> None:
    """Refuse a workbook whose parts would inflate too far, before any is read.

    The sizes are those the archive declares; Python's zipfile never inflates a part beyond
    its declared size, so they bound what reading can take.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return  # opening explains what is wrong with it
    for part in parts:
        strings = part.filename.lower().endswith("sharedstrings.xml")
        limit = MAX_SHARED_STRINGS if strings else MAX_PART
        ratio = part.file_size / max(part.compress_size, 1)
        if part.file_size > limit or (part.file_size > 64 * 2**20 and ratio > MAX_RATIO):
            what = "its texts (shared strings)" if strings else f"its part {part.filename}"
            raise SourceError(
                f"{path.name} is {path.stat().st_size / 2**20:,.1f} MB, but {what} would "
                f"take {part.file_size / 2**20:,.0f} MB once unpacked ({ratio:,.0f} times "
                "its packed size); Gristmill refuses workbooks that inflate this far.",
                "If the workbook is genuine, save the sheet as CSV in Excel and load that.",
            )


def sheet_names(path: Path) -> list[str]:
    """The names of the workbook's sheets, in order."""
    check_workbook_file(path)
    with _open(path) as workbook:
        return list(workbook.sheetnames)


def read_excel(
    path: Path,
    sheet: str | int | None,
    header_row: int | None,
    job: Job | None,
    max_rows: int | None = None,
) -> tuple[pd.DataFrame, list[str], dict[str, Any], dict[str, str]]:
    """Read one sheet: ``(frame, notes, options, column_notes)``.

    ``max_rows`` stops after that many data rows (previews).
    """
    check_workbook_file(path)
    texts = _READ_SHARE * _strings_share(path)
    opening = job.sub(0.0, texts) if job is not None else None
    with _open(path, opening) as workbook:
        name = _pick_sheet(workbook, sheet, path)
        reading = job.sub(texts, _READ_SHARE) if job is not None else None
        frame_parts = _read_sheet(workbook, name, path, header_row, reading, max_rows)
    header, header_index, rows, skipped, titles = frame_parts
    if header is None:
        others = [s for s in workbook.sheetnames if s != name]
        if header_row is not None:
            raise SourceError(
                f"The sheet {name!r} of {path.name} has nothing in row {header_row + 1} "
                "or below.",
                "Choose the row that holds the column names.",
            )
        hint = (
            f"Choose another sheet: {', '.join(others)}."
            if others
            else "Check that this is the right workbook; if it is, put the table on this "
            "sheet (column names in the first row), save it, and load it again."
        )
        raise SourceError(f"The sheet {name!r} of {path.name} is empty.", hint)
    if not rows:
        raise SourceError(
            f"The sheet {name!r} of {path.name} has a header row (row {header_index + 1}) "
            "but no data below it.",
            "Choose the sheet or the header row that holds the table.",
        )
    building = job.sub(_READ_SHARE, 1.0) if job is not None else None
    frame, column_notes, notes = _to_frame(header, rows, building)
    notes.insert(0, f"Sheet: {name!r}; header in row {header_index + 1}")
    if titles:
        shown = "; ".join(repr(str(title)[:60]) for title in titles[:2])
        plural = "s" if len(titles) != 1 else ""
        notes.insert(
            1,
            f"Skipped {len(titles)} title row{plural} above the header (row "
            f"{header_index + 1}): {shown}. If this is wrong, choose the header row.",
        )
    if skipped:
        notes.append(f"{skipped:,} empty row{'s' if skipped != 1 else ''} skipped")
    options = {"sheet": name, "header_row": header_index}
    return frame, notes, options, column_notes


def _read_sheet(
    workbook: Any,
    name: str,
    path: Path,
    header_row: int | None,
    job: Job | None,
    max_rows: int | None,
) -> tuple[tuple[Any, ...] | None, int, list[tuple[Any, ...]], int, list[Any]]:
    try:
        worksheet = workbook[name]
        # No size is known (see _StreamingSheet), so every row that is really there is read
        # even when a writer stored a wrong used range.
        rows = worksheet.iter_rows(values_only=True)
        return _read_rows(rows, header_row, job, worksheet.fraction_read, max_rows)
    except (SourceError, Cancelled):
        raise
    except Exception as error:  # openpyxl raises many kinds on damaged files
        raise SourceError(
            f"{path.name} could not be read as an Excel workbook ({type(error).__name__}).",
            "Open it in Excel, save it again as .xlsx, and load the saved copy.",
        ) from error


@contextmanager
def _open(path: Path, job: Job | None = None) -> Iterator[Any]:
    # A file handle, not the path: openpyxl refuses paths whose suffix is not .xlsx.
    with path.open("rb") as handle:
        try:
            reader = _StreamingReader(handle, read_only=True, data_only=True)
            reader.job = job
            reader.read()  # what load_workbook does, with sheets that skip the size scan
            workbook = reader.wb
        except Cancelled:
            raise
        except Exception as error:  # BadZipFile, KeyError, InvalidFileException, XML errors...
            raise SourceError(
                f"{path.name} could not be opened as an Excel workbook "
                f"({type(error).__name__}).",
                "Check that it opens in Excel; if it does, save it again as .xlsx and load "
                "the copy.",
            ) from error
        try:
            yield workbook
        finally:
            workbook.close()


def _pick_sheet(workbook: Any, sheet: str | int | None, path: Path) -> str:
    names: list[str] = list(workbook.sheetnames)
    listing = ", ".join(repr(n) for n in names)
    if sheet is None:
        worksheets = [ws.title for ws in workbook.worksheets]
        if not worksheets:
            raise SourceError(f"{path.name} has no worksheet (only charts).")
        return worksheets[0]
    if isinstance(sheet, int):
        if 0 <= sheet < len(names):
            return names[sheet]
        raise SourceError(
            f"{path.name} has no sheet number {sheet + 1}; it has {len(names)}: {listing}.",
            "Choose one of these sheets.",
        )
    if sheet in names:
        return sheet
    folded = {n.strip().casefold(): n for n in names}
    if str(sheet).strip().casefold() in folded:
        return folded[str(sheet).strip().casefold()]
    raise SourceError(
        f"{path.name} has no sheet called {sheet!r}. Its sheets are: {listing}.",
        "Choose one of these sheets.",
    )


def _read_rows(
    rows: Any,
    header_row: int | None,
    job: Job | None,
    fraction_read: Callable[[], float],
    max_rows: int | None,
) -> tuple[tuple[Any, ...] | None, int, list[tuple[Any, ...]], int, list[Any]]:
    """``(header, header_index, data_rows, empty_rows_skipped_inside_the_data, titles)``."""
    header: tuple[Any, ...] | None = None
    header_index = -1
    data: list[tuple[Any, ...]] = []
    pending_empty = skipped = 0
    title: tuple[int, tuple[Any, ...]] | None = None  # a single-value first row, on hold
    for index, row in enumerate(rows):
        if job is not None and index % _PROGRESS_EVERY == 0:
            job.step(min(fraction_read(), 0.99), f"Reading row {index:,}")
        empty = all(_blank(cell) for cell in row)
        if header is None:
            if header_row is None and not empty and title is None and _filled(row) == 1:
                title = (index, row)  # a title, if a row of names follows; else the header
            elif header_row is None and not empty and title is not None:
                if _is_header(row):
                    header, header_index = row, index
                    continue
                header, header_index = title[1], title[0]
                title = None
            elif (header_row is None and not empty) or index == header_row:
                header, header_index = row, index
                continue
            else:
                continue
            if header is None:
                continue
        if empty:
            pending_empty += 1
            continue
        skipped += pending_empty
        pending_empty = 0
        data.append(row)
        if max_rows is not None and len(data) >= max_rows:
            break
    if header is None and title is not None:  # a single row with a single value
        header, header_index, title = title[1], title[0], None
    titles = [] if title is None else [next(c for c in title[1] if not _blank(c))]
    return header, header_index, data, skipped, titles


def _to_frame(
    header: tuple[Any, ...], rows: list[tuple[Any, ...]], job: Job | None
) -> tuple[pd.DataFrame, dict[str, str], list[str]]:
    width = max(len(header), *(len(row) for row in rows))
    padded = [tuple(row) + (None,) * (width - len(row)) for row in rows]
    titles = tuple(header) + (None,) * (width - len(header))
    # Columns with neither a header nor a value are formatting, not data.
    keep = [
        i
        for i in range(width)
        if not _blank(titles[i]) or any(row[i] is not None for row in padded)
    ] or [0]
    names, notes = clean_column_names([titles[i] for i in keep])
    padded = [tuple(row[i] for i in keep) for row in padded]
    columns: dict[str, pd.Series] = {}
    column_notes: dict[str, str] = {}
    for position, name in enumerate(names):
        if job is not None:
            job.step(position / len(names), f"Building column {name}")
        series, note = column_from_cells([row[position] for row in padded])
        columns[name] = series
        if note:
            column_notes[name] = note
    frame = pd.DataFrame(columns)
    return frame, column_notes, notes


def _filled(row: tuple[Any, ...]) -> int:
    return sum(1 for cell in row if not _blank(cell))


def _is_header(row: tuple[Any, ...]) -> bool:
    """Two or more names, all text, with no gap between them."""
    filled = [i for i, cell in enumerate(row) if not _blank(cell)]
    if len(filled) < 2 or filled[-1] - filled[0] + 1 != len(filled):
        return False
    return all(isinstance(row[i], str) for i in filled)


def _blank(cell: Any) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def _is_encrypted(path: Path) -> bool:
    """True when an OLE container holds an 'EncryptedPackage' stream (an encrypted .xlsx)."""
    overlap = len(_ENCRYPTED_STREAM)
    tail = b""
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            if _ENCRYPTED_STREAM in tail + chunk:
                return True
            tail = chunk[-overlap:]
    return False
