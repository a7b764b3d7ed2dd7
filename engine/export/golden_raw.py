"""Raw golden rows: held-out rows as the training source hands them over, with the outputs.

The encoded golden file (:mod:`engine.export.golden`) checks a team's tensors; this one
checks their *reading of cells*: ``NAME.golden_raw.csv`` holds up to 50 held-out records of
the training source, followed by ``expected:<column>`` columns: what ``gristmill score``
writes for those very cells, computed by scoring the file itself through the one reader of
cells and the exported graph (so the reference readers, run on it, must give the same).

What "raw" means depends on the source (:mod:`engine.export.source_cells`):

- a delimited text file: every cell exactly as written there, with the file's delimiter and
  quoting; expected numbers are written with the file's decimal mark so the file reads like
  its source;
- Parquet, Excel, JSON lines, a database table: the typed cells the reader hands to
  ``gristmill score``, in their text form (``.`` decimal mark, ``True``/``False``, ISO 8601
  timestamps in UTC, empty when missing), comma-separated.

Rows are matched by position with the table trained on, so the file is written only when the
source is still there with as many rows as then; otherwise :func:`raw_golden_rows` says why.
"""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

RAW_GOLDEN_ROWS = 50
EXPECTED = "expected:"
SUFFIX = ".golden_raw.csv"


@dataclass(frozen=True)
class RawRows:
    """Held-out records of the training source as text, and how to write them.

    ``kind`` is "text" (cells verbatim from a delimited file) or "typed" (the text form of
    typed cells).
    """

    header: list[str]
    rows: list[list[str]]
    kind: str
    delimiter: str = ","
    quotechar: str = '"'
    decimal: str = "."


def raw_golden_rows(
    source: object, positions: Sequence[int], total_rows: int
) -> RawRows | str:
    """Up to :data:`RAW_GOLDEN_ROWS` of the records at ``positions`` (held-out rows), or
    the reason they cannot be taken from ``source``."""
    import numpy as np

    from engine.sources.base import DatabaseSource, FileSource

    if isinstance(source, FileSource):
        if not Path(source.path).expanduser().is_file():
            return "the training file is no longer there"
    elif not isinstance(source, DatabaseSource):
        return "the training data is not a file or a database table"
    picked = sorted(int(p) for p in positions)
    if len(picked) > RAW_GOLDEN_ROWS:
        picked = [picked[i] for i in np.linspace(0, len(picked) - 1, RAW_GOLDEN_ROWS).astype(int)]
    try:
        text = _text_file(source, picked, total_rows)
        return text if text is not None else _typed(source, picked, total_rows)
    except Exception as error:  # the source changed or cannot be read: no raw rows
        return f"the training data could not be read again ({error})"


def _text_file(source: object, picked: list[int], total_rows: int) -> RawRows | str | None:
    """The records of a delimited text file, cells verbatim; None for other formats."""
    from engine.sources.base import FileSource, LoadReport
    from engine.sources.files import _choose_format
    from engine.sources.stream_csv import detect_csv

    if not isinstance(source, FileSource):
        return None
    path = Path(source.path).expanduser()
    if _choose_format(source, path, LoadReport(source_label=source.label)) != "csv":
        return None
    fmt = detect_csv(source, path)
    encoding = "utf-8-sig" if fmt.encoding in ("utf-8", "utf-8-sig") else fmt.encoding
    with path.open(encoding=encoding, errors="replace", newline="") as handle:
        records = list(csv.reader(handle, delimiter=fmt.delimiter, quotechar=fmt.quotechar))
    records = records[fmt.skip_lines:]
    header, body = (records[0], records[1:]) if fmt.has_header else (None, records)
    body = [r for r in body if any(cell.strip() for cell in r)]
    if header is None or len(body) != total_rows:
        return "the rows of the training file no longer match the table trained on"
    width = len(header)
    rows = [[*body[i], *[""] * (width - len(body[i]))] for i in picked]
    return RawRows(header, rows, "text", fmt.delimiter, fmt.quotechar, fmt.decimal)


def _typed(source: object, picked: list[int], total_rows: int) -> RawRows | str:
    """The typed cells the streaming reader hands to scoring, in their text form."""
    from engine.export.source_cells import cell_text, stream_chunks

    header: list[str] | None = None
    rows: list[list[str]] = []
    wanted = iter(picked)
    target = next(wanted, None)
    seen = 0
    for _text, chunk in stream_chunks(source):  # type: ignore[arg-type]
        header = header or [str(c) for c in chunk.columns]
        while target is not None and target < seen + len(chunk):
            rows.append([cell_text(v) for v in chunk.iloc[target - seen].tolist()])
            target = next(wanted, None)
        seen += len(chunk)
    if header is None or seen != total_rows:
        return "the rows of the training data no longer match the table trained on"
    return RawRows(header, rows, "typed")


def write_raw_golden(raw: RawRows, model_path: Path, out: Path) -> None:
    """Score ``raw`` with the model at ``model_path`` as ``gristmill score`` does and write
    the records with their ``expected:`` columns to ``out``."""
    import pandas as pd

    from engine.export.scoring import score_source
    from engine.export.scoring_model import load_scoring_model
    from engine.sources.base import FileSource

    with tempfile.TemporaryDirectory() as folder:
        records = Path(folder) / "raw.csv"
        _write(records, raw.header, raw.rows, raw.delimiter, raw.quotechar)
        scores_path = Path(folder) / "scores.csv"
        summary = score_source(load_scoring_model(model_path), FileSource(str(records)),
                               scores_path, chunk_rows=len(raw.rows) or 1)
        scores = pd.read_csv(scores_path, dtype=str, keep_default_na=False)
    expected = [c for c in scores.columns if c not in summary.key_columns]

    def spelled(value: str) -> str:
        return value.replace(".", raw.decimal) if raw.decimal != "." else value

    lines = [[*r, *(spelled(scores[c].iloc[k]) for c in expected)]
             for k, r in enumerate(raw.rows)]
    _write(out, [*raw.header, *(EXPECTED + c for c in expected)], lines, raw.delimiter,
           raw.quotechar)


def _write(path: Path, header: list[str], rows: list[list[str]], delimiter: str,
           quotechar: str) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter, quotechar=quotechar,
                            lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
