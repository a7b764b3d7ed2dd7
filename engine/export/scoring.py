"""Batch scoring: new data through an exported ONNX model, chunk by chunk, to CSV or Parquet.

``score_source(load_scoring_model("churn.onnx"), FileSource("new.csv"), "scores.csv")``
reads the data in chunks (:mod:`engine.sources.stream`), checks its columns against the
model's inputs, converts each chunk to the model's input form counting what fails
(:mod:`engine.export.score_input`; the words for it in :mod:`engine.export.score_report`),
scores it with onnxruntime and appends the rows to the output
(:mod:`engine.export.score_output`). The model file is opened and checked by
:mod:`engine.export.scoring_model`. Memory stays flat: only counts are kept between chunks.
Progress is the share of the data read; cancel is checked between chunks, and a cancelled or
failed run leaves no output file (nor touches an earlier one).
"""

from __future__ import annotations

import difflib
import os
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from engine.errors import InputError
from engine.export.score_input import ColumnConverter
from engine.export.score_output import (
    ScoreTally,
    ScoreWriter,
    check_key_names,
    output_format,
    score_table,
)
from engine.export.score_report import check_columns, conversion_notes, retyped_error
from engine.export.scoring_model import ScoringModel, load_scoring_model
from engine.jobs import CancelToken, Job, ProgressCallback
from engine.sources.base import Source

__all__ = ["ScoringModel", "ScoringSummary", "load_scoring_model", "score_source"]

DEFAULT_CHUNK_ROWS = 100_000


@dataclass(frozen=True)
class ScoringSummary:
    """What a scoring run did, for the command line, the window and scripts (JSON-ready).

    ``predictions`` counts the predicted labels (multiclass, clustering; binary models have
    no arg-max column); ``decisions`` the decisions at the stored threshold (binary models);
    ``value_range`` the min, mean and max prediction (regression). Per-column counts:
    ``conversion_failures`` (cells that could not be read as the model's type, scored as
    missing), ``unseen_categories`` and
    ``missing_values``. ``notes`` say the same in plain words, with examples;
    ``read_notes`` how the data was read (encoding, delimiter, decimal mark).
    """

    model: str
    source: str
    output: str
    output_format: str
    rows: int
    seconds: float
    task: str
    key_columns: tuple[str, ...]
    extra_columns: tuple[str, ...]
    predictions: dict[str, int] = field(default_factory=dict)
    decisions: dict[str, int] = field(default_factory=dict)
    threshold: float | None = None
    positive_class: str | None = None
    value_range: dict[str, float] | None = None
    conversion_failures: dict[str, int] = field(default_factory=dict)
    unseen_categories: dict[str, int] = field(default_factory=dict)
    missing_values: dict[str, int] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    read_notes: tuple[str, ...] = ()

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else 0.0

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["key_columns"] = list(self.key_columns)
        data["extra_columns"] = list(self.extra_columns)
        data["notes"] = list(self.notes)
        data["read_notes"] = list(self.read_notes)
        data["rows_per_second"] = round(self.rows_per_second, 1)
        return data


def score_source(
    model: ScoringModel,
    source: Source,
    out_path: str | os.PathLike[str],
    *,
    key_columns: Sequence[str] | None = None,
    chunk_rows: int | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
    password: str | None = None,
) -> ScoringSummary:
    """Score every row of ``source`` with ``model`` and write the scores to ``out_path``.

    ``chunk_rows`` rows are read and scored at a time; None: the model's own chunk size
    (:mod:`engine.export.chunk_size`, peak memory under 1 GB). The output format follows
    the suffix (.csv or .parquet). Key columns: ``key_columns``
    when given (each must exist), else the model's recorded key columns found in the data,
    else a ``row`` number. Raises InputError for data the model cannot score (missing or
    retyped columns, no rows), Cancelled when ``cancel`` is set; neither leaves an output.
    """
    from engine.sources.stream import open_tracked_stream

    out = Path(out_path).expanduser()
    fmt = output_format(out)
    _refuse_overwriting_input(out, source)
    job = Job(progress, cancel)
    started = time.monotonic()
    chunk_rows = chunk_rows or model.chunk_rows
    stream, read = open_tracked_stream(source, job, chunk_rows=chunk_rows, password=password)
    with stream:
        columns = list(stream.columns)
        keys = _key_columns(model, columns, key_columns, stream.label)
        extra = [c for c in check_columns(model.inputs, columns, stream.label) if c not in keys]
        header = stream.header
        converters = [
            ColumnConverter(spec, decimal=header.decimal, thousands=header.thousands)
            for spec in model.inputs
        ]
        tally = ScoreTally()
        writer = ScoreWriter(out, fmt)
        rows = 0
        empty_note: list[str] = []
        try:
            for chunk in stream:
                feed = {c.spec.name: c.convert(chunk[c.spec.name]) for c in converters}
                if rows == 0:
                    retyped = [c for c in converters if c.retyped]
                    if retyped:
                        raise retyped_error(retyped, stream.label)
                outputs = model.run(feed)
                writer.write(score_table(model, outputs, chunk, keys, rows + 1, tally))
                rows += len(chunk)
                job.step(min(read.fraction, 0.99), f"Scored {rows:,} rows")
            if rows == 0:
                # Zero rows is a valid answer (a scheduler's quiet day): the scores file gets
                # its columns and no rows, through the same path as any chunk.
                chunk = _empty_chunk(columns)
                feed = {c.spec.name: c.convert(chunk[c.spec.name]) for c in converters}
                writer.write(score_table(model, model.run(feed), chunk, keys, 1, tally))
                empty_note.append(
                    f"{stream.label} has column names but no data rows: 0 rows scored."
                )
            job.check()
            writer.commit()
        except BaseException:
            writer.abort()
            raise
        read_notes, warnings = list(stream.notes), list(stream.warnings)
    job.done(f"Scored {rows:,} rows")
    return _summary(
        model, source, out, fmt, rows, time.monotonic() - started, keys, extra, converters,
        tally, read_notes, [*warnings, *empty_note],
    )


def _empty_chunk(columns: list[str]) -> Any:
    """A chunk with the data's columns and no rows."""
    import pandas as pd

    return pd.DataFrame({name: pd.Series([], dtype=object) for name in columns})


def _refuse_overwriting_input(out: Path, source: Source) -> None:
    path = getattr(source, "path", None)
    if path is not None and Path(path).expanduser().resolve() == out.resolve():
        raise InputError(
            f"The output {out.name} is the data file being scored.",
            "Write the scores to another file (--out).",
        )


def _key_columns(
    model: ScoringModel, columns: list[str], wanted: Sequence[str] | None, label: str
) -> list[str]:
    if wanted:
        keys = [k.strip() for k in wanted if k.strip()]
        missing = [k for k in keys if k not in columns]
        if missing:
            close = difflib.get_close_matches(missing[0], columns, n=3, cutoff=0.6)
            hint = f"Did you mean {' or '.join(repr(c) for c in close)}? " if close else ""
            raise InputError(
                f"{label} has no key column {', '.join(repr(k) for k in missing)}.",
                hint + "Give key columns that exist in the data (--keys a,b).",
            )
    else:
        recorded = model.metadata.data.get("key_columns") if model.metadata else None
        keys = [k for k in (recorded or []) if isinstance(k, str) and k in columns]
    keys = list(dict.fromkeys(keys))
    check_key_names(keys)
    return keys


def _summary(
    model: ScoringModel,
    source: Source,
    out: Path,
    fmt: str,
    rows: int,
    seconds: float,
    keys: list[str],
    extra: list[str],
    converters: list[ColumnConverter],
    tally: ScoreTally,
    read_notes: list[str],
    warnings: list[str],
) -> ScoringSummary:
    notes = [*model.notes, *warnings]
    if extra:
        shown = ", ".join(repr(c) for c in extra[:8]) + (", ..." if len(extra) > 8 else "")
        plural = "s are" if len(extra) != 1 else " is"
        notes.append(f"{len(extra)} column{plural} not used by the model and ignored: {shown}.")
    notes.extend(conversion_notes(converters))
    return ScoringSummary(
        model=model.name,
        source=source.label,
        output=str(out),
        output_format=fmt,
        rows=rows,
        seconds=round(seconds, 3),
        task=model.task,
        key_columns=tuple(keys) if keys else ("row",),
        extra_columns=tuple(extra),
        predictions=dict(sorted(tally.predictions.items())),
        decisions=dict(sorted(tally.decisions.items())),
        threshold=model.threshold,
        positive_class=model.positive_class,
        value_range=tally.value_range(),
        conversion_failures={c.spec.name: c.failures for c in converters if c.failures},
        unseen_categories={c.spec.name: c.unseen for c in converters if c.unseen},
        missing_values={c.spec.name: c.missing for c in converters if c.missing},
        notes=tuple(notes),
        read_notes=tuple(read_notes),
    )
