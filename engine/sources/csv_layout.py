"""Where the table starts in a delimited text file, and which rows or columns need care.

Pure functions on the first records of a file (parsed by :mod:`engine.sources.sniff`):

- :func:`find_title_lines`: report titles written above the header ("Sales report 2024")
  are recognised because they have fewer fields than the consistent rows below them;
- :func:`detect_header`: is the first record column names or data?
- :func:`leading_zero_columns`: columns holding codes such as ``01234`` that must stay text.

:func:`short_rows_note` scans a whole file for rows with fewer values than the header.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from engine.jobs import Job
    from engine.sources.sniff import CsvFormat

MISSING = frozenset(("", "na", "n/a", "nan", "null", "none", "-", "#n/a", "?"))
DATE_LIKE = re.compile(r"^\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}(?:[ T]\d{1,2}:\d{2}(?::\d{2})?.*)?$")
LEADING_ZERO = re.compile(r"^[+-]?0\d")
"""A number written with a leading zero (``007``, ``0612``); ``0``, ``0.5``, ``0,5`` are not."""

_MAX_TITLES = 5  # more short lines than this at the top is not a title block
_STREAM_ABOVE_BYTES = 512 << 20  # larger files are scanned in blocks, so cancel is honoured
_EXAMPLES = 5


def find_title_lines(records: list[list[str]], starts: list[int]) -> tuple[int, str | None]:
    """``(index of the header record, note)``: title records above the header are skipped.

    A record is a title when it has fewer fields than the rows below (the most common field
    count) and at most half of them filled, or when it is as wide as the rows but holds a
    single value above a fully filled header (a spreadsheet title saved as CSV).
    """
    if len(records) < 3:
        return 0, None
    widths = Counter(len(record) for record in records[1:])
    width = max(widths.items(), key=lambda item: (item[1], item[0]))[0]
    if width < 2:
        return 0, None
    index = 0
    full_width_title = False
    while index < min(_MAX_TITLES, len(records) - 2):
        record = records[index]
        filled = _filled(record)
        if len(record) < width and filled <= max(1, width // 2):
            index += 1
        elif len(record) == width and filled == 1 and record[0].strip():
            full_width_title = True
            index += 1
        else:
            break
    if index == 0:
        return 0, None
    header = records[index]
    following = records[index + 1 : index + 21]
    if len(header) != width or _filled(header) <= max(1, width // 2):
        return 0, None
    if full_width_title and _filled(header) < width:
        return 0, None
    if sum(len(record) == width for record in following) < 0.8 * len(following):
        return 0, None
    titles = [" ".join(cell.strip() for cell in row if cell.strip()) for row in records[:index]]
    shown = "; ".join(repr(_shorten(title)) for title in titles[:2])
    plural = "s" if index != 1 else ""
    note = (
        f"Skipped {index} title line{plural} above the header (line {starts[index] + 1}): "
        f"{shown}{'; ...' if index > 2 else ''}. If this is wrong, choose the header row."
    )
    return index, note


def detect_header(records: list[list[str]], number: re.Pattern[str]) -> bool:
    """False when the first row is data: it fits every typed column, as the rows below do."""
    first, body = records[0], records[1:]
    if not body:
        return not all(number.match(cell.strip()) for cell in first)
    typed = repeated = 0
    for position, cell in enumerate(first):
        values = [
            row[position].strip()
            for row in body
            if position < len(row) and row[position].strip().lower() not in MISSING
        ]
        if not values:
            continue
        for pattern in (number, DATE_LIKE):
            if sum(1 for value in values if pattern.match(value)) >= 0.9 * len(values):
                typed += 1
                if cell.strip() and not pattern.match(cell.strip()):
                    return True  # a word above a column of numbers or dates: a header
                break
        else:
            repeated += cell.strip() != "" and cell.strip() in set(values)
    # The first row fits every typed column, or repeats values found below it: it is data.
    return typed == 0 and repeated == 0


def leading_zero_columns(rows: list[list[str]]) -> tuple[int, ...]:
    """Positions of the columns where some value is a number written with a leading zero.

    The reader keeps these columns as text: ``01234`` is a code (a postcode, a phone
    number, an article number), and reading it as 1234 would lose the zero for good.
    """
    found: set[int] = set()
    for row in rows:
        for position, cell in enumerate(row):
            if position not in found and LEADING_ZERO.match(cell.strip()):
                found.add(position)
    return tuple(sorted(found))


def short_rows_note(
    path: Path, fmt: CsvFormat, expected: int, job: Job, nrows: int | None = None
) -> str | None:
    """A note counting the rows with fewer than ``expected`` values, or None if there are none.

    Such rows load with their missing cells empty; the note gives the first line numbers so
    the user can check whether values moved to the wrong column. The scan uses Arrow's CSV
    tokenizer on one column (about 0.3 s per 200 MB); the reader calls it only when the last
    column has missing cells, which every short row leaves behind.
    """
    import pyarrow as pa
    import pyarrow.csv as pv

    lines: list[int] = []
    texts: list[str] = []

    def handler(row: pv.InvalidRow) -> str:
        if row.actual_columns < expected:
            lines.append(row.number or 0)
            if len(texts) < _EXAMPLES:
                texts.append(row.text)
        return "skip"

    ascii_compatible = not fmt.encoding.startswith(("utf-16", "utf-32"))
    read = pv.ReadOptions(
        skip_rows=fmt.skip_lines,
        autogenerate_column_names=True,
        use_threads=False,  # one thread: Arrow then knows each row's line number
        block_size=1 << 20,
        encoding="utf8" if ascii_compatible else fmt.encoding,
    )
    parse = pv.ParseOptions(
        delimiter=fmt.delimiter,
        quote_char=fmt.quotechar,
        newlines_in_values=True,
        invalid_row_handler=handler,
    )
    # One column read as bytes: the delimiters are ASCII, so any ASCII-compatible file can be
    # split without decoding it (stray bytes in a mixed-encoding file cannot fail the scan).
    convert = pv.ConvertOptions(include_columns=["f0"], column_types={"f0": pa.binary()})
    try:
        if nrows is not None:
            _scan_head(path, fmt, expected, nrows, lines, texts)
        elif path.stat().st_size <= _STREAM_ABOVE_BYTES:
            pv.read_csv(path, read_options=read, parse_options=parse, convert_options=convert)
        else:
            with pv.open_csv(
                path, read_options=read, parse_options=parse, convert_options=convert
            ) as reader:
                for _batch in reader:
                    job.check()
    except (pa.ArrowException, UnicodeError, ValueError, OSError):
        return None  # the note is a courtesy: the table itself was read already
    job.check()
    if not lines:
        return None
    count = len(lines)
    if all(lines):
        where = "line" + ("s " if count > 1 else " ") + ", ".join(map(str, lines[:_EXAMPLES]))
    else:  # read in blocks: Arrow does not number the rows, so quote them instead
        where = "for example " + ", ".join(repr(_shorten(text)) for text in texts)
    more = ", ..." if count > _EXAMPLES else ""
    return (
        f"{count:,} row{'s' if count != 1 else ''} {'have' if count != 1 else 'has'} fewer "
        f"values than the {expected} columns of the header ({where}{more}); the missing "
        "cells at the end were left empty. Check that no value moved to the wrong column."
    )


def _scan_head(
    path: Path, fmt: CsvFormat, expected: int, nrows: int, lines: list[int], texts: list[str]
) -> None:
    """The first ``nrows`` rows below the header, with Python's csv module (previews)."""
    import csv

    encoding = "utf-8" if fmt.encoding == "utf-8-sig" else fmt.encoding
    with path.open(encoding=encoding, errors="replace", newline="") as handle:
        for _ in range(fmt.skip_lines):
            handle.readline()
        reader = csv.reader(handle, delimiter=fmt.delimiter, quotechar=fmt.quotechar)
        first = 1 if fmt.has_header else 0  # position of the first data row
        start, seen = fmt.skip_lines + 1, -1
        for row in reader:
            if row and (seen := seen + 1) >= nrows + first:
                break
            if row and seen >= first and len(row) < expected:
                lines.append(start)
                if len(texts) < _EXAMPLES:
                    texts.append(fmt.delimiter.join(row))
            start = fmt.skip_lines + reader.line_num + 1


def _filled(record: list[str]) -> int:
    return sum(1 for cell in record if cell.strip())


def _shorten(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def probe_leading_zero_columns(
    path: Path,
    size: int,
    *,
    encoding: str,
    delimiter: str,
    quotechar: str,
    field_count: int,
    probes: int = 24,
    probe_bytes: int = 16 * 1024,
) -> tuple[int, ...]:
    """Leading-zero code columns found in lines spread over the whole file.

    Detection reads the first megabyte; a code column whose first ``0…`` value comes later
    (a file sorted by another column) would otherwise be read as numbers and lose its
    zeros. A few dozen small reads spread over the file catch most of those for a few
    milliseconds. Lines that do not split into exactly ``field_count`` fields (a probe that
    landed inside a quoted multi-line value) are ignored, so a probe never misplaces a value.
    Only for encodings where any byte offset can start a line (not UTF-16).
    """
    import codecs
    import csv

    if re.search(r"utf.?(16|32)", encoding.lower()) or size <= probe_bytes * 2:
        return ()
    decoder = codecs.getincrementaldecoder(encoding)
    rows: list[list[str]] = []
    with path.open("rb") as handle:
        for probe in range(1, probes + 1):
            handle.seek(size * probe // (probes + 1))
            text = decoder(errors="replace").decode(handle.read(probe_bytes), final=True)
            lines = text.split("\n")[1:-1]  # drop the partial first and last lines
            reader = csv.reader(lines, delimiter=delimiter, quotechar=quotechar)
            rows.extend(row for row in reader if len(row) == field_count)
    return leading_zero_columns(rows)
