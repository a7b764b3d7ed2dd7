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

INPUT_KINDS = ("numeric", "categorical", "date")

_TRUE_WORDS = frozenset({"yes", "true", "y", "t", "1", "1.0"})
_FALSE_WORDS = frozenset({"no", "false", "n", "f", "0", "0.0"})


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


def _numeric(series: pd.Series) -> pd.Series:
    import numpy as np
    import pandas as pd

    if pd.api.types.is_bool_dtype(series.dtype) or pd.api.types.is_numeric_dtype(series.dtype):
        values = series.astype("float64")
    else:
        # Text: yes/no words become 1/0, anything else is parsed as a number (or missing).
        text = series.astype("string").str.strip().str.lower()
        words = text.map(
            lambda v: 1.0 if v in _TRUE_WORDS else 0.0 if v in _FALSE_WORDS else np.nan,
            na_action="ignore",
        )
        parsed = pd.to_numeric(series.astype("string"), errors="coerce").astype("float64")
        values = words.astype("float64").where(words.notna(), parsed)
    array = values.to_numpy(dtype="float64", na_value=np.nan)
    with np.errstate(over="ignore", invalid="ignore"):
        array = array.astype(np.float32)  # huge values overflow to inf: missing as well
    array[~np.isfinite(array)] = np.nan
    return pd.Series(array, index=series.index, name=series.name)


def _category_text(value: Any) -> str:
    """One category as text; whole numbers lose the ``.0`` a float column gives them."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _categorical(series: pd.Series) -> pd.Series:
    import numpy as np
    import pandas as pd

    mask = series.isna().to_numpy()
    values = series.astype(object).to_numpy()
    if pd.api.types.is_string_dtype(series):  # all text already (checks object columns too)
        out = values.copy()
        out[mask] = ""
    else:
        out = np.empty(len(values), dtype=object)
        for i, value in enumerate(values):
            out[i] = "" if mask[i] else _category_text(value)
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
