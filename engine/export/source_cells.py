"""The training source's raw cells, as its reader hands them to ``gristmill score``.

"Raw" means the cells before Gristmill's reading rules (:mod:`engine.recipe.cells`), as the
streaming reader (:mod:`engine.sources.stream`) yields them to scoring and the drift check:

- delimited text: every cell is text exactly as written in the file;
- Parquet, Excel, JSON lines and database tables: typed cells (numbers, text, booleans,
  timestamps) as the reader hands them over. Their *text form* (:func:`cell_text`) is what
  a CSV of them holds: numbers in their shortest round-trip spelling with ``.`` as decimal
  mark (whole numbers without ``.0``), ``True``/``False``, timestamps as ISO 8601 in UTC
  without a zone, missing cells empty. Read with the model's rules, the text form gives the
  same model input as the typed cell.

The export uses them twice: the order of day and month the training column was read in
(:func:`training_date_orders`, stored in the reading rules) and the raw golden rows
(:mod:`engine.export.golden_raw`).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from engine.sources.base import Source

READ_ROWS = 50_000  # rows per chunk while reading the source for the export


def stream_chunks(source: Source) -> Iterator[tuple[bool, pd.DataFrame]]:
    """``(text_cells, chunk)`` for every chunk of ``source`` as scoring reads it."""
    from engine.jobs import Job
    from engine.sources.stream import open_stream

    with open_stream(source, chunk_rows=READ_ROWS, job=Job()) as stream:
        text = stream.header.text_cells
        for chunk in stream:
            yield text, chunk


def training_date_orders(source: Source, names: Sequence[str]) -> dict[str, str]:
    """Per date column written as text in ``source``: the order of day and month training
    read it in (the loader's rule over the whole column, :class:`DateOrderVote`).

    Columns whose cells are typed timestamps have no order to store and are left out; so is
    everything when the source cannot be read any more (scoring then decides per file).
    """
    import pandas as pd

    from engine.recipe.cells import DateOrderVote
    from engine.recipe.inputs import cell_text as arrow_text

    votes = {name: DateOrderVote() for name in names}
    try:
        for _text, chunk in stream_chunks(source):
            for name, vote in votes.items():
                if name not in chunk.columns:
                    continue
                column = chunk[name]
                if pd.api.types.is_string_dtype(column) or pd.api.types.is_object_dtype(column):
                    vote.add(arrow_text(column))
    except Exception:  # the source is gone or changed: no order to store
        return {}
    return {name: vote.order for name, vote in votes.items() if vote.order is not None}


def cell_text(value: Any) -> str:
    """A typed cell's text form (module docstring); ``""`` for a missing cell."""
    import numpy as np
    import pandas as pd

    from engine.recipe.cells import category_text

    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        number = float(value)
        return "" if math.isnan(number) else category_text(number)
    if isinstance(value, (pd.Timestamp, dt.datetime)):
        stamp = pd.Timestamp(value)
        if stamp.tzinfo is not None:
            stamp = stamp.tz_convert("UTC").tz_localize(None)
        return stamp.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, np.datetime64):
        return "" if np.isnat(value) else pd.Timestamp(value).isoformat()
    return str(value)
