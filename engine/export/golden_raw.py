"""Raw golden rows: held-out rows exactly as the source file writes them, with the outputs.

The encoded golden file (:mod:`engine.export.golden`) checks a team's tensors; this one
checks their *reading of cells*: ``NAME.golden_raw.csv`` holds up to 50 held-out records of
the training file, every cell as written there (same delimiter), followed by
``expected:<column>`` columns: what ``gristmill score`` writes for those very cells, computed
by scoring the records through the one reader of cells and the exported graph. Expected
numbers are written with the file's decimal mark so the file reads like its source.

Only for a delimited text source that is still there and unchanged since training (rows are
matched by position); otherwise no raw golden file is written, and the export says why.
"""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Sequence
from pathlib import Path

RAW_GOLDEN_ROWS = 50
EXPECTED = "expected:"


def write_raw_golden(
    source: object, positions: Sequence[int], total_rows: int, model_path: Path, out: Path
) -> str | None:
    """Write the raw golden file; returns None, or the reason it could not be written."""
    import numpy as np
    import pandas as pd

    from engine.export.scoring import score_source
    from engine.export.scoring_model import load_scoring_model
    from engine.sources.base import FileSource
    from engine.sources.stream_csv import detect_csv

    if not isinstance(source, FileSource) or not Path(source.path).expanduser().is_file():
        return "the training data is not a file that is still there"
    path = Path(source.path).expanduser()
    if path.suffix.lower() not in (".csv", ".tsv", ".txt"):
        return "the training data is not a delimited text file"
    fmt = detect_csv(source, path)
    encoding = "utf-8-sig" if fmt.encoding in ("utf-8", "utf-8-sig") else fmt.encoding
    with path.open(encoding=encoding, errors="replace", newline="") as handle:
        records = list(csv.reader(handle, delimiter=fmt.delimiter, quotechar=fmt.quotechar))
    records = records[fmt.skip_lines:]
    header, body = (records[0], records[1:]) if fmt.has_header else (None, records)
    body = [r for r in body if any(cell.strip() for cell in r)]
    if header is None or len(body) != total_rows:
        return "the rows of the training file no longer match the table trained on"
    picked = sorted(positions)
    if len(picked) > RAW_GOLDEN_ROWS:
        picked = [picked[i] for i in np.linspace(0, len(picked) - 1, RAW_GOLDEN_ROWS).astype(int)]
    rows = [body[i] for i in picked]
    with tempfile.TemporaryDirectory() as folder:
        raw = Path(folder) / f"raw{path.suffix}"
        _write(raw, header, rows, fmt.delimiter, fmt.quotechar)
        scores_path = Path(folder) / "scores.csv"
        summary = score_source(load_scoring_model(model_path), FileSource(str(raw)),
                               scores_path, chunk_rows=len(rows) or 1)
        scores = pd.read_csv(scores_path, dtype=str, keep_default_na=False)
    expected = [c for c in scores.columns if c not in summary.key_columns]
    mark = fmt.decimal

    def spelled(value: str) -> str:
        return value.replace(".", mark) if mark != "." else value

    width = len(header)
    lines = [
        [*r, *[""] * (width - len(r)), *(spelled(scores[c].iloc[k]) for c in expected)]
        for k, r in enumerate(rows)
    ]
    _write(out, [*header, *(EXPECTED + c for c in expected)], lines, fmt.delimiter,
           fmt.quotechar)
    return None


def _write(path: Path, header: list[str], rows: list[list[str]], delimiter: str,
           quotechar: str) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter, quotechar=quotechar,
                            lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
