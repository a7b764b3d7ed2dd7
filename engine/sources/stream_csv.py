"""The CSV part of :mod:`engine.sources.stream`: a delimited text file read in chunks.

The loader's detection (:func:`engine.sources.sniff.detect_csv_format`) says how the file is
written; ``pyarrow.csv.open_csv`` then streams it with every column read as text (Arrow would
infer types block by block, so a column could change type partway). Arrow reads about 33
blocks ahead of the rows it hands out, so memory stays near ``33 * _BLOCK_BYTES`` plus one
chunk. Files in another encoding than UTF-8 are decoded on the way (:class:`_Utf8Bytes`),
which is also where the bytes read are counted for progress.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.errors import SourceError
from engine.jobs import Job
from engine.sources.base import FileSource
from engine.sources.stream import StreamHeader

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

    from engine.sources.sniff import CsvFormat

_BLOCK_BYTES = 1 << 20
_READ_BYTES = 1 << 20
NULL_SPELLINGS = (
    "", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
    "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null",
)
"""pandas' default missing-value spellings: the loader (pandas' CSV parser) uses these."""


class _Utf8Bytes(io.RawIOBase):
    """The file's bytes as UTF-8 for Arrow, counting the source bytes read (for progress).

    Files in another encoding are decoded here with the loader's error handling (stray bytes
    in a mostly UTF-8 or a Windows-1252 file are read as Windows-1252 characters).
    """

    def __init__(self, path: Path, fmt: CsvFormat) -> None:
        import codecs

        from engine.sources.text_encoding import FALLBACK_ERRORS, register_fallback_handler

        super().__init__()
        self._handle = path.open("rb")
        self.consumed = 0
        self._pending = b""
        self._decoder: Any = None
        plain = fmt.encoding in ("utf-8", "utf-8-sig") and not fmt.mixed_encoding
        if not plain:
            register_fallback_handler()
            errors = "strict"
            if fmt.mixed_encoding or fmt.encoding == "cp1252":
                errors = FALLBACK_ERRORS
            encoding = "utf-8" if fmt.encoding == "utf-8-sig" else fmt.encoding
            self._decoder = codecs.getincrementaldecoder(encoding)(errors=errors)
        if fmt.encoding == "utf-8-sig" or self._handle.peek(3)[:3] == b"\xef\xbb\xbf":
            if self._handle.read(3) != b"\xef\xbb\xbf":
                self._handle.seek(0)
            else:
                self.consumed = 3

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        wanted = len(buffer)
        while len(self._pending) < wanted:
            raw = self._handle.read(_READ_BYTES)
            self.consumed += len(raw)
            if self._decoder is None:
                self._pending += raw
            else:
                self._pending += self._decoder.decode(raw, final=not raw).encode("utf-8")
            if not raw:
                break
        count = min(wanted, len(self._pending))
        buffer[:count] = self._pending[:count]
        self._pending = self._pending[count:]
        return count

    def close(self) -> None:
        self._handle.close()
        super().close()


def detect_csv(source: FileSource, path: Path) -> CsvFormat:
    """The loader's detection of how the file is written (without the leading-zero probe);
    what the user chose in ``source`` (encoding, delimiter, header row, number spelling) wins."""
    from engine.sources.sniff import SAMPLE_BYTES, detect_csv_format

    size = path.stat().st_size
    with path.open("rb") as handle:
        sample = handle.read(SAMPLE_BYTES)
    try:
        return detect_csv_format(
            sample,
            complete=len(sample) >= size,
            encoding=source.encoding,
            delimiter=source.delimiter,
            header_row=source.header_row,
            decimal=source.decimal,
            thousands=source.thousands,
        )
    except SourceError as error:
        message = error.message.replace("This file", repr(path.name), 1)
        raise SourceError(message, error.hint) from None


def csv_chunks(source: FileSource, path: Path, chunk_rows: int, job: Job) -> Iterator[Any]:
    import pyarrow as pa
    import pyarrow.csv as pv

    from engine.sources.columns import clean_column_names

    fmt = detect_csv(source, path)
    size = max(path.stat().st_size, 1)
    width = fmt.field_count
    header = list(fmt.header) + [""] * (width - len(fmt.header))
    if fmt.has_header:
        names, name_notes = clean_column_names(header[:width])
    else:
        names, name_notes = [f"column_{i}" for i in range(1, width + 1)], []
    raw_names = [f"f{i}" for i in range(width)]
    # A blank last header over an empty column: every line ends with a delimiter.
    trailing = width > 1 and fmt.has_header and not header[width - 1].strip()
    short_rows: list[str] = []
    long_rows: list[str] = []

    def on_invalid(row: pv.InvalidRow) -> str:
        if row.actual_columns < row.expected_columns:
            if len(short_rows) < 3:
                short_rows.append(row.text)
            counts["short"] += 1
            return "skip"
        long_rows.append(row.text)
        return "error"

    counts = {"short": 0}
    read = pv.ReadOptions(
        skip_rows=fmt.skip_lines + (1 if fmt.has_header else 0),
        column_names=raw_names,
        block_size=_BLOCK_BYTES,
        use_threads=True,
    )
    parse = pv.ParseOptions(
        delimiter=fmt.delimiter,
        quote_char=fmt.quotechar,
        newlines_in_values=True,
        invalid_row_handler=on_invalid,
    )
    convert = pv.ConvertOptions(
        column_types={name: pa.large_string() for name in raw_names},
        null_values=list(NULL_SPELLINGS),
        strings_can_be_null=True,
    )
    warnings: list[str] = []
    yield StreamHeader(
        columns=tuple(names[:-1] if trailing else names),
        notes=list(fmt.notes) + name_notes,
        warnings=warnings,
        text_cells=True,
        decimal=fmt.decimal,
        thousands=fmt.thousands,
    )
    raw = _Utf8Bytes(path, fmt)
    buffered = io.BufferedReader(raw, buffer_size=_READ_BYTES)
    try:
        try:
            reader = pv.open_csv(
                buffered, read_options=read, parse_options=parse, convert_options=convert
            )
        except StopIteration:  # Arrow's way to say there is no data below the header
            return
        except (pa.ArrowInvalid, UnicodeError) as error:
            raise _csv_error(path, fmt, error, long_rows) from None
        out_names = names[:-1] if trailing else names

        def frame_of(batches: list[pa.RecordBatch]) -> pd.DataFrame:
            table = pa.Table.from_batches(batches)
            if trailing:
                table = table.drop_columns([raw_names[-1]])
            table = table.rename_columns(out_names)
            return table.to_pandas(split_blocks=True, self_destruct=True)

        yield from _rebatch(reader, chunk_rows, frame_of, path, fmt, long_rows, raw, size, job)
    finally:
        buffered.close()
        if counts["short"]:
            shown = "; ".join(repr(" ".join(text.split())[:60]) for text in short_rows)
            warnings.append(
                f"{counts['short']:,} row{'s' if counts['short'] != 1 else ''} with fewer "
                f"values than the {width} columns of the header were skipped (for example "
                f"{shown}): fill in the missing values to score them."
            )


def _rebatch(
    reader: Any,
    chunk_rows: int,
    frame_of: Callable[[list[pa.RecordBatch]], pd.DataFrame],
    path: Path,
    fmt: CsvFormat,
    long_rows: list[str],
    raw: _Utf8Bytes,
    size: int,
    job: Job,
) -> Iterator[pd.DataFrame]:
    """Arrow's blocks regrouped into chunks of ``chunk_rows`` rows (the last may be smaller)."""
    import pyarrow as pa

    pending: list[pa.RecordBatch] = []
    held = 0
    rows = 0
    while True:
        try:
            batch = reader.read_next_batch()
        except StopIteration:
            break
        except (pa.ArrowInvalid, UnicodeError) as error:
            raise _csv_error(path, fmt, error, long_rows) from None
        while batch.num_rows:
            take = min(batch.num_rows, chunk_rows - held)
            pending.append(batch.slice(0, take))
            batch = batch.slice(take)
            held += take
            if held == chunk_rows:
                rows += held
                job.step(min(raw.consumed / size, 0.99), f"Read {rows:,} rows")
                chunk = frame_of(pending)
                pending, held = [], 0
                yield chunk
    if held:
        rows += held
        job.step(min(raw.consumed / size, 0.99), f"Read {rows:,} rows")
        yield frame_of(pending)


def _csv_error(path: Path, fmt: CsvFormat, error: Exception, long_rows: list[str]) -> SourceError:
    if long_rows:
        shown = " ".join(long_rows[0].split())[:80]
        return SourceError(
            f"{path.name!r} has a row with more values than the {fmt.field_count} columns of "
            f"its header: {shown!r}.",
            f"A value probably contains the delimiter {fmt.delimiter!r} without quotes around "
            "it. Put such values in quotes (or fix those rows) and try again.",
        )
    if isinstance(error, UnicodeError):
        return SourceError(
            f"{path.name!r} cannot be read as {fmt.encoding}: some bytes are not valid.",
            "Save the file again as UTF-8, or give its encoding.",
        )
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return SourceError(f"{path.name!r} cannot be read as a table: {text[:160]}.")
