"""The model-input contract: which raw columns enter the model, and in what form.

The same contract is used to fit the pipeline, to score it in scikit-learn and to build the
ONNX inputs, so the exported file sees exactly what the model was fitted on:

- ``numeric``: float32, NaN for missing (booleans are 1.0 / 0.0, infinities become NaN);
- ``categorical``: Python ``str`` in a numpy object column, ``""`` for missing;
- ``date``: float32 days since 1970-01-01 (fractions are the time of day), NaN for missing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from engine.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

    from engine.profile.schema import Schema
    from engine.recipe.cells import CellRules

INPUT_KINDS = ("numeric", "categorical", "date")

TEXT_SPELLINGS: tuple[tuple[str, str | None], ...] = (
    (".", None), (".", ","), (",", "."), (",", None)
)
"""Number spellings tried, in order, on a numeric column that arrives as text (see
:func:`engine.recipe.cells.choose_spelling`)."""


@dataclass(frozen=True)
class InputColumn:
    """One raw column the model reads: its ``name`` and ``kind`` (see :data:`INPUT_KINDS`)."""

    name: str
    kind: str

    def __post_init__(self) -> None:
        if self.kind not in INPUT_KINDS:
            raise InputError(
                f"Column {self.name!r} has input kind {self.kind!r}, which the model cannot read.",
                f"Use one of: {', '.join(INPUT_KINDS)}.",
            )

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "kind": self.kind}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> InputColumn:
        return cls(name=str(data["name"]), kind=str(data["kind"]))


def model_inputs(schema: Schema, features: Sequence[str]) -> tuple[InputColumn, ...]:
    """The model inputs for ``features`` (in that order), from their kinds in ``schema``.

    Numbers and yes/no columns are numeric, categories stay categorical, dates become dates.
    Free text and identifiers cannot enter a model: the caller must leave them out.
    """
    from engine.profile.schema import ColumnKind

    kinds = {
        ColumnKind.NUMERIC: "numeric",
        ColumnKind.BOOLEAN: "numeric",
        ColumnKind.CATEGORICAL: "categorical",
        ColumnKind.DATETIME: "date",
    }
    result = []
    for name in features:
        try:
            column = schema[name]
        except KeyError:
            raise InputError(
                f"There is no column named {name!r} in the table.",
                f"Columns are: {', '.join(schema.names)}.",
            ) from None
        if column.kind not in kinds:
            raise InputError(
                f"Column {name!r} is {column.kind.value} and cannot be a model input.",
                "Leave free text and identifier columns out of the features, or change the "
                "column's kind to categorical if it really holds a few repeated values.",
            )
        result.append(InputColumn(name, kinds[column.kind]))
    return tuple(result)


def to_model_frame(frame: pd.DataFrame, inputs: Sequence[InputColumn]) -> pd.DataFrame:
    """Exactly the ``inputs`` columns of ``frame``, in order, in the form the model reads.

    Use it for fitting and for scoring alike (see the module docstring for the forms).
    """
    import pandas as pd

    missing = [column.name for column in inputs if column.name not in frame.columns]
    if missing:
        raise InputError(
            f"The table has no column {', '.join(repr(name) for name in missing)}.",
            "Every column the model was built with must be present (same names).",
        )
    converters = {"numeric": _numeric, "categorical": _categorical, "date": _date}
    data = {column.name: converters[column.kind](frame[column.name]) for column in inputs}
    return pd.DataFrame(data, index=frame.index)


def reading_rules(
    frame: pd.DataFrame,
    inputs: Sequence[InputColumn],
    *,
    file_spelling: tuple[str, str | None] | None = None,
    date_orders: dict[str, str] | None = None,
) -> dict[str, CellRules]:
    """How each input's raw cells are read, from the loaded training table ``frame``.

    ``file_spelling`` is the training file's (decimal mark, thousands separator) when it was a
    delimited text file: its numeric columns were read in that spelling. ``date_orders``
    gives, per date column written as text, the order of day and month training read it in
    (:class:`engine.recipe.cells.DateOrderVote`); scoring reads every file in that order.
    """
    import pandas as pd

    from engine.recipe.cells import DEFAULT_SPELLING, CellRules

    rules = {}
    for column in inputs:
        series = frame[column.name]
        if column.kind == "numeric":
            text = not (
                pd.api.types.is_bool_dtype(series.dtype)
                or pd.api.types.is_numeric_dtype(series.dtype)
            )
            decimal, thousands = (
                number_spelling(series) if text else file_spelling or DEFAULT_SPELLING
            )
            rules[column.name] = CellRules("numeric", decimal=decimal, thousands=thousands)
        elif column.kind == "categorical":
            rules[column.name] = CellRules("categorical", integer_codes=integer_codes(series))
        else:
            rules[column.name] = CellRules(
                "date", date_order=(date_orders or {}).get(column.name)
            )
    return rules


def _numeric(series: pd.Series) -> pd.Series:
    import numpy as np
    import pandas as pd

    from engine.recipe.cells import parse_numbers, to_float32

    if pd.api.types.is_bool_dtype(series.dtype) or pd.api.types.is_numeric_dtype(series.dtype):
        values = series.to_numpy(dtype="float64", na_value=np.nan)
    else:
        # Text: the one reader of cells, in the spelling every value of the column fits.
        text = cell_text(series)
        values, _failed = parse_numbers(text, *number_spelling(series))
    return pd.Series(to_float32(values), index=series.index, name=series.name)


def number_spelling(series: pd.Series) -> tuple[str, str | None]:
    """(decimal mark, thousands separator) of a numeric training column written as text."""
    import pandas as pd

    from engine.recipe.cells import DEFAULT_SPELLING, choose_spelling

    if pd.api.types.is_bool_dtype(series.dtype) or pd.api.types.is_numeric_dtype(series.dtype):
        return DEFAULT_SPELLING
    return choose_spelling(cell_text(series), TEXT_SPELLINGS)


def cell_text(series: pd.Series) -> Any:
    """A column's cells as an Arrow large_string array (non-text cells as their text)."""
    import pyarrow as pa

    try:
        array = pa.array(series, from_pandas=True, type=pa.large_string())
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # mixed Python objects
        array = pa.array(
            series.map(str, na_action="ignore").astype(object), from_pandas=True,
            type=pa.large_string(),
        )
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    return array


def integer_codes(series: pd.Series) -> bool:
    """True when a categorical training column holds whole numbers (codes such as 0, 1, 2)."""
    import numpy as np
    import pandas as pd

    if pd.api.types.is_bool_dtype(series.dtype) or not pd.api.types.is_numeric_dtype(
        series.dtype
    ):
        return False
    values = series.to_numpy(dtype="float64", na_value=np.nan)
    values = values[np.isfinite(values)]
    return bool(len(values)) and bool(np.all(values == np.round(values)))


def _categorical(series: pd.Series) -> pd.Series:
    import numpy as np
    import pandas as pd

    from engine.recipe.cells import category_text

    mask = series.isna().to_numpy()
    values = series.astype(object).to_numpy()
    if pd.api.types.is_string_dtype(series):  # all text already (checks object columns too)
        out = values.copy()
        out[mask] = ""
    else:
        out = np.empty(len(values), dtype=object)
        for i, value in enumerate(values):
            out[i] = "" if mask[i] else category_text(value)
    # dtype=object explicitly: pandas 3 would otherwise turn it into its arrow `str` dtype.
    return pd.Series(out, index=series.index, name=series.name, dtype=object)


def _date(series: pd.Series) -> pd.Series:
    import numpy as np
    import pandas as pd

    if pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype):
        # Already days since 1970 (e.g. a model frame passed through again).
        return _numeric(series)
    if isinstance(series.dtype, pd.DatetimeTZDtype):
        stamps = series.dt.tz_convert("UTC").dt.tz_localize(None)
    elif pd.api.types.is_datetime64_dtype(series.dtype):
        stamps = series
    else:
        stamps = pd.to_datetime(series.astype("string"), errors="coerce", format="ISO8601")
        if isinstance(stamps.dtype, pd.DatetimeTZDtype):
            stamps = stamps.dt.tz_convert("UTC").dt.tz_localize(None)
    stamps = stamps.astype("datetime64[ns]")
    nanos = stamps.to_numpy().astype("int64").astype("float64")
    days = nanos / 86_400e9
    days[stamps.isna().to_numpy()] = np.nan
    return pd.Series(days.astype(np.float32), index=series.index, name=series.name)
