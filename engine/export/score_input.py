"""Turn the columns of new data into the model's inputs, chunk by chunk, counting problems.

Scoring reads files in chunks whose cells may be text (CSV) or typed (Parquet, databases).
Each model input gets a :class:`ColumnConverter` that keeps its decisions across chunks (how
dates are written, day or month first) and counts, without keeping any rows:

- numbers: text parsed in the file's spelling (decimal comma, thousands separators) or the
  default one, currency and percent signs removed (as the loader does), yes/no words as 1/0
  (as :mod:`engine.recipe.inputs` does); cells spelled like a missing value are missing, any
  other cell that is not a number is a *conversion failure* (fed as missing, and counted);
- dates: the spelling is chosen on the first chunk with the loader's rules, and day or month
  first is the order training stored in the rules (a model without it: chosen on the first
  chunk), then every chunk is read the same way; fed as days since 1970 (float);
- categories: text, ``""`` for missing; values not among the categories the model knows are
  counted as *unseen* (they score like a rare or unknown category).

What the user is told about these counts is in :mod:`engine.export.score_report`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from engine.recipe.cells import (
    DAY_FIRST,
    MONTH_FIRST,
    CellRules,
    blank_missing,
    category_text,
    choose_spelling,
    integer_code_text,
    order_proofs,
    parse_numbers,
    to_float32,
)

if TYPE_CHECKING:
    from engine.export.metadata import InputSpec
    from engine.sources.date_formats import DateFamily

_INTEGER = r"^[+-]?\d+$"
_EXAMPLES = 5
_SAMPLE = 2000


@dataclass(frozen=True)
class ModelInput:
    """One input of the ONNX graph, matched to the data column of the same name.

    ``tensor_type`` is the graph's element type (float, double, int64 or string); ``rank`` is
    1 for an [N] input and 2 for [N, 1]. ``categories`` are the values the model knows
    (Gristmill models: those seen at least 10 times; complete when ``categories_complete``).
    """

    name: str
    kind: str  # numeric | categorical | date
    tensor_type: str
    rank: int = 2
    categories: tuple[str, ...] = ()
    categories_complete: bool = True
    rules: CellRules | None = None  # None: a model that does not say how to read its cells

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "kind": self.kind, "type": self.tensor_type}

    @classmethod
    def from_spec(cls, spec: InputSpec, tensor_type: str = "", rank: int = 2) -> ModelInput:
        """The input a Gristmill model's metadata describes (its reading rules included)."""
        return cls(
            name=spec.name, kind=spec.kind, tensor_type=tensor_type or spec.onnx_type,
            rank=rank, categories=spec.categories,
            categories_complete=spec.categories_complete, rules=spec.rules,
        )

    @property
    def integer_codes(self) -> bool:
        """A category column of whole-number codes: ``1.0`` is read as ``1``.

        Models without reading rules: when every category the model knows is an integer.
        """
        if self.rules is not None:
            return self.rules.integer_codes
        import re

        return bool(self.categories) and all(re.match(_INTEGER, c) for c in self.categories)


class ColumnConverter:
    """Converts one column chunk after chunk and counts what went wrong (see module doc)."""

    def __init__(self, spec: ModelInput, *, decimal: str = ".", thousands: str | None = None):
        self.spec = spec
        self.decimal, self.thousands = decimal, thousands
        self._spelling: tuple[str, str | None] | None = None
        self.rows = 0
        self.missing = 0
        self.failures = 0
        self.failure_examples: list[str] = []
        self.unseen = 0
        self.unseen_examples: list[str] = []
        self.fed_as_zero = 0
        self.chunks = 0
        self.first_chunk_present = 0
        self.first_chunk_failures = 0
        self._known = pa.array(list(spec.categories), pa.large_string())
        self._family: DateFamily | None = None
        self._family_decided = False
        # The order training stored in the rules; None: decided on the first chunk.
        order = spec.rules.date_order if spec.rules is not None else None
        self._day_first: bool | None = {DAY_FIRST: True, MONTH_FIRST: False}.get(order or "")
        self._sample: list[str] = []

    def convert(self, series: pd.Series, *, arrow_text: bool = False) -> Any:
        """The chunk's values as the model's input array ([N, 1] or [N]).

        ``arrow_text``: a categorical column comes back as an Arrow string array ("" for
        missing) instead, for callers that count it before making the few rows they score
        into the model's object array (:func:`model_text`).
        """
        before = self.failures
        present_before = self.rows - self.missing
        if self.spec.kind == "categorical":
            values = self._categories(series)
            if not arrow_text:
                values = model_text(values)
        elif self.spec.kind == "date":
            values = self._dates(series)
        else:
            values = self._numbers(series)
        self.rows += len(series)
        if self.chunks == 0:
            self.first_chunk_present = self.rows - self.missing - present_before
            self.first_chunk_failures = self.failures - before
        self.chunks += 1
        if isinstance(values, pa.Array):
            return values
        return values.reshape(-1, 1) if self.spec.rank == 2 else values

    def shaped(self, values: np.ndarray) -> np.ndarray:
        """``values`` in the model input's shape ([N, 1] or [N])."""
        return values.reshape(-1, 1) if self.spec.rank == 2 else values.reshape(-1)

    @property
    def retyped(self) -> bool:
        """True when every non-empty value of the first chunk failed conversion."""
        present = self.first_chunk_present
        return present > 0 and self.first_chunk_failures == present

    # --- numbers ---------------------------------------------------------------------------

    def _numbers(self, series: pd.Series) -> np.ndarray:
        dtype = series.dtype
        if pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_numeric_dtype(dtype):
            values = series.to_numpy(dtype="float64", na_value=np.nan)
            self.missing += int(np.isnan(values).sum())
        else:
            values = self._parse_numbers(_as_text(series, trim=False))
        return self._to_tensor(values)

    def _parse_numbers(self, text: pa.Array) -> np.ndarray:
        if self._spelling is None:  # decided once, on the first chunk (the loader's rule)
            self._spelling = choose_spelling(text, self._spellings())
        values, failed = parse_numbers(text, *self._spelling)
        self.missing += int(blank_missing(pc.utf8_trim_whitespace(text)).null_count)
        self._count_failures(text, pa.array(failed))
        return values

    def _spellings(self) -> list[tuple[str, str | None]]:
        """Candidate spellings, in order: the model's rules for the column (the training
        file's spelling first), then the same list for this file's detected spelling."""
        from_file = CellRules("numeric", decimal=self.decimal, thousands=self.thousands)
        rules = self.spec.rules.number_spellings if self.spec.rules is not None else []
        return list(dict.fromkeys([*rules, *from_file.number_spellings]))

    def _to_tensor(self, values: np.ndarray) -> np.ndarray:
        kind = self.spec.tensor_type
        if kind == "int64":
            bad = ~np.isfinite(values) | (values != np.round(values))
            self.fed_as_zero += int(bad.sum())
            return np.where(bad, 0, values).astype(np.int64)
        if kind != "double":
            return to_float32(values)  # infinities and overflow are missing, as in training
        out = values.astype(np.float64)
        out[~np.isfinite(out)] = np.nan
        return out

    # --- dates -----------------------------------------------------------------------------

    def _dates(self, series: pd.Series) -> np.ndarray:
        dtype = series.dtype
        if isinstance(dtype, pd.DatetimeTZDtype):
            series = series.dt.tz_convert("UTC").dt.tz_localize(None)
            dtype = series.dtype
        if pd.api.types.is_datetime64_dtype(dtype):
            stamps = series.astype("datetime64[us]").to_numpy()
            micros = stamps.astype("int64").astype("float64")
            micros[np.isnat(stamps)] = np.nan
            self.missing += int(np.isnat(stamps).sum())
            return self._to_tensor(micros / 86_400e6)
        if pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype):
            return self._numbers(series)  # already days since 1970
        return self._to_tensor(self._parse_dates(_as_text(series)))

    def _parse_dates(self, text: pa.Array) -> np.ndarray:
        from engine.sources.date_formats import detect_family
        from engine.sources.date_reading import NAT, _extract, _micros, read_values

        text = blank_missing(text)
        self.missing += text.null_count
        present = text.is_valid()
        if not self._family_decided and text.null_count < len(text):
            sample = _sample(text)
            self._family, self._family_decided = detect_family(sample), True
            if self._family is not None and self._family.year_first:
                self._sample = sample
        if self._family is None:
            self._count_failures(text, present)
            return np.full(len(text), np.nan)
        if self._family.year_first:
            weights = np.ones(len(text), dtype=np.int64)
            micros = read_values(text, self._family, self._sample, weights).micros
        else:
            parts = _extract(text, self._family.pattern)
            if self._day_first is None:  # decided once, on the first chunk (loader's rule)
                day, month = order_proofs(parts)
                self._day_first = day >= month
            month, day = (parts["b"], parts["a"]) if self._day_first else (parts["a"], parts["b"])
            micros = _micros(parts, month=month, day=day)
        bad = micros == NAT
        self._count_failures(text, pc.and_(present, pa.array(bad)))
        days = micros.astype("float64") / 86_400e6
        days[bad] = np.nan
        return days

    # --- categories ------------------------------------------------------------------------

    def _categories(self, series: pd.Series) -> pa.Array:
        dtype = series.dtype
        if isinstance(dtype, pd.StringDtype) or pd.api.types.is_object_dtype(dtype):
            text = _as_text(series, trim=False)  # kept as written, as the loader keeps them
        else:
            values = series.map(category_text, na_action="ignore").astype(object)
            text = _as_text(values, trim=False)
        if self.spec.integer_codes:
            text = integer_code_text(text)
        self.missing += text.null_count
        if len(self._known):
            known = pc.is_in(text, value_set=self._known)
            unseen = pc.fill_null(pc.and_(text.is_valid(), pc.invert(known)), False)
            count = int(pc.sum(unseen).as_py() or 0)
            if count:
                self.unseen += count
                if len(self.unseen_examples) < _EXAMPLES:
                    self._add_examples(self.unseen_examples, pc.filter(text, unseen))
        return pc.fill_null(text, "")

    # --- counting --------------------------------------------------------------------------

    def _count_failures(self, text: pa.Array, failed: pa.Array) -> None:
        count = int(pc.sum(failed).as_py() or 0)
        if count:
            self.failures += count
            if len(self.failure_examples) < _EXAMPLES:
                self._add_examples(self.failure_examples, pc.filter(text, failed))

    @staticmethod
    def _add_examples(examples: list[str], values: pa.Array) -> None:
        for value in pc.unique(values.slice(0, 1000)).to_pylist():
            if len(examples) >= _EXAMPLES:
                break
            if value not in examples:
                examples.append(value)


def model_text(text: pa.Array) -> np.ndarray:
    """Arrow strings as the object array of Python strings onnxruntime takes."""
    return np.asarray(text.to_numpy(zero_copy_only=False), dtype=object)


def _as_text(series: pd.Series, *, trim: bool = True) -> pa.Array:
    """A column as an Arrow large_string array; non-text values as their text."""
    try:
        array = pa.array(series, from_pandas=True, type=pa.large_string())
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # mixed Python objects (databases)
        array = pa.array(
            series.map(str, na_action="ignore").astype(object), from_pandas=True,
            type=pa.large_string(),
        )
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    return pc.utf8_trim_whitespace(array) if trim else array


def _sample(text: pa.Array) -> list[str]:
    present = text.drop_null()
    if len(present) > _SAMPLE:
        positions = np.linspace(0, len(present) - 1, _SAMPLE).astype(np.int64)
        present = present.take(pa.array(positions))
    return present.to_pylist()
