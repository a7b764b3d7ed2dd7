"""Read CSV, TSV and TXT tables: detection, streaming with progress and cancel, clear errors.

The parser is pandas' C parser. Both candidates were measured on this project's benchmark
(benchmarks/bench_csv_load.py, 1M rows x 30 columns): pandas' default parser was as fast as
or faster than ``pyarrow.csv.read_csv`` on 2 cores, used less memory, and reads from a
Python file object, which is how progress (bytes consumed) and cancel (checked on every
256 KB read) are done without a second pass. pyarrow still does the heavy column work
afterwards: pandas 3 stores text as Arrow strings and numbers in European spellings are
converted with Arrow compute kernels (:mod:`engine.sources.csv_numbers`).

Files whose numbers are written the default way (``1234.5``) are parsed with type inference
in one pass. Files with a decimal comma or thousands separators are read as text, then each
column whose every value is a number in the detected spelling becomes numeric; pandas'
own ``thousands=`` option is not used because it also turns dates like ``31.01.2024`` into
numbers.
"""

from __future__ import annotations

import csv
import io
import warnings
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.errors import SourceError
from engine.jobs import Cancelled, Job
from engine.sources.base import FileSource, LoadedTable, LoadReport
from engine.sources.columns import clean_column_names
from engine.sources.csv_layout import probe_leading_zero_columns
from engine.sources.files import check_path
from engine.sources.sniff import SAMPLE_BYTES, CsvFormat
from engine.sources.text_encoding import (
    FALLBACK_ERRORS,
    fallback_count,
    reset_fallback_count,
)

if TYPE_CHECKING:
    import pandas as pd

READ_SHARE = 0.8
"""Share of the progress bar given to parsing; the rest is type recognition."""

ONE_CALL_MIN_BYTES = 8 << 20
ONE_CALL_MAX_BYTES = 256 << 20
"""UTF-8 files of this size are parsed in one ``pandas.read_csv(path)`` call.

pandas 3.1 parses a file *path* of 5 MB or more on several threads (its parallel reader);
a file object, which progress and cancel need, is parsed on one. On the benchmark file
(229 MB, 2 cores) the path took 0.55-0.65 s and the file object 0.9-1.2 s. One call gives
no progress and cannot be cancelled inside, so it is kept to sizes that parse in well under
the 2 s the job contract allows (about 0.6 s per 256 MB measured here, so a machine three
times slower still answers a cancel in time). Larger files stream through the file object,
with progress by bytes read and a cancel check on every 256 KB.
"""


def read_csv(source: FileSource, job: Job) -> LoadedTable:
    """Read a whole delimited text file, reporting progress by bytes read; cancellable."""
    path = check_path(Path(source.path))
    size = path.stat().st_size
    job.step(0.0, f"Reading {path.name}", force=True)
    fmt = _detect(source, path, size)
    frame, notes = _parse(path, fmt, job.sub(0.0, READ_SHARE), size=size)
    table = _finish(source, path, fmt, frame, notes, job.sub(READ_SHARE, 1.0))
    job.done(f"Read {len(table.frame):,} rows from {path.name}")
    return table


def preview_csv(source: FileSource, rows: int = 100) -> LoadedTable:
    """Read the first ``rows`` rows with the same detection as :func:`read_csv`."""
    path = check_path(Path(source.path))
    size = path.stat().st_size
    fmt = _detect(source, path, size)
    job = Job()
    frame, notes = _parse(path, fmt, job, size=size, nrows=rows)
    return _finish(source, path, fmt, frame, notes, job, nrows=rows)


def _detect(source: FileSource, path: Path, size: int) -> CsvFormat:
    from engine.sources.stream_csv import detect_csv  # the one detection, streams use it too

    fmt = detect_csv(source, path)
    if size > SAMPLE_BYTES:  # codes whose first leading zero comes after the sample
        later = probe_leading_zero_columns(
            path, size, encoding=fmt.encoding, delimiter=fmt.delimiter,
            quotechar=fmt.quotechar, field_count=fmt.field_count,
        )
        if set(later) - set(fmt.text_columns):
            fmt = replace(fmt, text_columns=tuple(sorted({*fmt.text_columns, *later})))
    return fmt


class _ProgressReader(io.RawIOBase):
    """A binary file that reports the share of bytes read and checks cancel on each read."""

    def __init__(self, handle: io.BufferedReader, size: int, job: Job, start: float) -> None:
        super().__init__()
        self._handle, self._size, self._job, self._start = handle, max(size, 1), job, start
        self._read = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        count = self._handle.readinto(buffer)
        self._read += count
        # A restarted read (encoding repair) continues from where the first stopped.
        fraction = self._start + (1.0 - self._start) * self._read / self._size
        self._job.step(min(fraction, 1.0), "Reading rows")
        return count


def _parse(
    path: Path,
    fmt: CsvFormat,
    job: Job,
    *,
    size: int,
    nrows: int | None = None,
) -> tuple[pd.DataFrame, list[str]]:
    """Parse with pandas; repair stray bytes by reading again; explain parser errors."""
    import pandas as pd

    notes: list[str] = []
    try:
        return _parse_once(path, fmt, job, size=size, nrows=nrows, start=0.0), notes
    except UnicodeDecodeError:
        if fmt.encoding != "utf-8" or fmt.mixed_encoding:
            raise SourceError(
                f"{path.name!r} cannot be read as {fmt.encoding}: some bytes are not valid.",
                "Choose another encoding, or save the file again as UTF-8.",
            ) from None
    except (pd.errors.ParserError, pd.errors.ParserWarning) as error:
        job.check()
        raise _explain_parser_error(path, fmt, error, job) from None
    except Cancelled:
        raise
    except Exception:
        job.check()  # the parser may wrap our Cancelled: report the cancel, not the wrapper
        raise
    # Valid UTF-8 in the sample, stray bytes further down: read again, repairing them.
    fmt = replace(fmt, mixed_encoding=True)
    frame = _parse_once(path, fmt, job, size=size, nrows=nrows, start=0.5)
    return frame, notes


def _parse_once(
    path: Path,
    fmt: CsvFormat,
    job: Job,
    *,
    size: int,
    nrows: int | None,
    start: float,
) -> pd.DataFrame:
    import pandas as pd
    from pandas.errors import ParserWarning

    names = [f"column_{i}" for i in range(1, fmt.field_count + 1)]
    options: dict[str, Any] = {
        "sep": fmt.delimiter,
        "quotechar": fmt.quotechar,
        "header": 0 if fmt.has_header else None,
        "names": names,  # our own names: the real ones are cleaned afterwards
        "index_col": False,  # never take the first column as an index
        "skiprows": fmt.skip_lines or None,  # title lines, or the header row chosen
        "nrows": nrows,
        "engine": "c",
    }
    if not fmt.plain_numbers:
        options["dtype"] = str
    elif fmt.text_columns:  # codes with leading zeros (01234) would lose them as numbers
        options["dtype"] = {names[i]: str for i in fmt.text_columns if i < len(names)}
    reset_fallback_count()
    utf8 = fmt.encoding in {"utf-8", "utf-8-sig"} and not fmt.mixed_encoding
    with warnings.catch_warnings():
        warnings.simplefilter("error", ParserWarning)  # extra fields dropped: an error
        if utf8 and nrows is None and ONE_CALL_MIN_BYTES <= size <= ONE_CALL_MAX_BYTES:
            # Given a path, pandas parses on all cores; no progress inside, but the call
            # ends well within the 2 s cancel budget at this size.
            job.step(start, "Reading rows", force=True)
            frame = pd.read_csv(str(path), encoding="utf-8", **options)
            job.step(1.0, "Rows read")
            return frame
        with path.open("rb") as raw:
            reader: Any = _ProgressReader(raw, size, job, start)
            if utf8:
                options["encoding"] = "utf-8"  # pandas skips a UTF-8 byte-order mark itself
            else:
                errors = "strict"
                if fmt.mixed_encoding or fmt.encoding == "cp1252":
                    errors = FALLBACK_ERRORS
                reader = io.TextIOWrapper(reader, encoding=fmt.encoding, errors=errors, newline="")
            return pd.read_csv(reader, **options)


def _explain_parser_error(path: Path, fmt: CsvFormat, error: Exception, job: Job) -> SourceError:
    """Find the rows with too many values, or turn the parser's words into plain ones."""
    expected = fmt.field_count
    bad_lines: list[tuple[int, int]] = []
    count = 0
    errors = FALLBACK_ERRORS if fmt.mixed_encoding or fmt.encoding == "cp1252" else "replace"
    encoding = "utf-8" if fmt.encoding == "utf-8-sig" else fmt.encoding
    with path.open(encoding=encoding, errors=errors, newline="") as handle:
        reader = csv.reader(handle, delimiter=fmt.delimiter, quotechar=fmt.quotechar)
        line = 1
        try:
            for number, row in enumerate(reader):
                if number % 20000 == 0:
                    job.check()
                extra = len(row) > expected and not (len(row) == expected + 1 and row[-1] == "")
                if extra:
                    count += 1
                    if len(bad_lines) < 5:
                        bad_lines.append((line, len(row)))
                line = reader.line_num + 1
        except csv.Error:
            pass
    if count:
        first_line, fields = bad_lines[0]
        others = ", ".join(str(line) for line, _ in bad_lines[1:])
        more = f" Other rows like it: lines {others}" + (", ..." if count > 5 else "") + "."
        return SourceError(
            f"{path.name!r} has {count:,} row(s) with more values than the {expected} columns "
            f"of its header: line {first_line} has {fields} values."
            + (more if others else ""),
            f"A value probably contains the delimiter {fmt.delimiter!r} without quotes around "
            "it. Put such values in quotes (or fix those rows) and load the file again.",
        )
    message = str(error).strip().removeprefix("Error tokenizing data. C error: ")
    if "EOF inside string" in message:
        return SourceError(
            f"{path.name!r} has a quote ({fmt.quotechar}) that is never closed, so the rest of "
            "the file would be read as one value.",
            "Close the quote or remove it, then load the file again.",
        )
    return SourceError(f"{path.name!r} cannot be read as a table: {message}.")


def _finish(
    source: FileSource,
    path: Path,
    fmt: CsvFormat,
    frame: pd.DataFrame,
    parse_notes: list[str],
    job: Job,
    nrows: int | None = None,
) -> LoadedTable:
    """Name the columns, convert numbers and recognise dates and yes/no values."""
    from engine.sources.csv_layout import short_rows_note
    from engine.sources.csv_numbers import convert_numbers, convert_units
    from engine.sources.values import normalize_columns

    if len(frame) == 0:
        raise SourceError(
            f"{path.name!r} has a header but no rows.", "Choose a file with data below the header."
        )
    notes = list(fmt.notes) + parse_notes
    stray = fallback_count()
    if stray and fmt.encoding == "cp1252":
        notes.append(f"{stray} byte(s) are undefined in Windows-1252 and were read as Latin-1.")
    elif stray:  # the count over the whole file replaces what the sample said
        notes = [note for note in notes if not note.startswith("Encoding:")]
        notes.insert(
            0,
            f"Encoding: mostly UTF-8, but {stray:,} byte(s) are not; they were read as "
            "Windows-1252 characters (for example 'é'). Check accented letters.",
        )
    header = list(fmt.header) + [""] * (frame.shape[1] - len(fmt.header))
    last_blank = frame.shape[1] > 1 and not header[frame.shape[1] - 1].strip()
    expected = fmt.field_count
    if last_blank and frame.iloc[:, -1].isna().all():  # every line ends with a delimiter
        frame = frame.iloc[:, :-1]
        expected -= 1
        notes.append("Every line ends with a delimiter; the empty last column was left out.")
    if expected > 1 and frame.iloc[:, -1].isna().any():  # every short row leaves one there
        short = short_rows_note(path, fmt, expected, job, nrows)
        if short:
            notes.append(short)
    if fmt.has_header:
        names, name_notes = clean_column_names(header[: frame.shape[1]])
        notes.extend(name_notes)
    else:
        names = [f"column_{i}" for i in range(1, frame.shape[1] + 1)]
    frame.columns = names
    column_notes: dict[str, str] = {}
    if not fmt.plain_numbers:
        frame, column_notes = convert_numbers(frame, fmt, job.sub(0.0, 0.2))
    elif fmt.text_columns:  # read as text above: say why they stay text
        only = [i for i in fmt.text_columns if i < frame.shape[1]]
        frame, column_notes = convert_numbers(frame, fmt, job.sub(0.0, 0.2), only=only)
    frame, unit_notes = convert_units(frame, fmt, job.sub(0.2, 0.3))
    column_notes.update(unit_notes)
    frame, value_notes = normalize_columns(frame, job.sub(0.3, 1.0))
    column_notes.update(value_notes)
    report = LoadReport(
        source_label=source.label,
        rows=len(frame),
        notes=notes,
        column_notes=column_notes,
        options=fmt.options(),
    )
    return LoadedTable(frame=frame, report=report)
