"""The one reader of cells: how a raw cell becomes the model's input value.

Training (:func:`engine.recipe.inputs.to_model_frame`), scoring and the drift check
(:class:`engine.export.score_input.ColumnConverter`, which the parity gate's golden rows go
through too) call these functions, and the rules they apply travel with the exported model as
:class:`CellRules` (metadata, sidecar, card), so a receiving team reads cells the same way.

The rules, per input column:

- missing: an empty cell or one spelled like a missing value (:data:`MISSING_TOKENS`, case
  ignored) is missing: ``NaN`` for numbers and dates, ``""`` for categories;
- numbers: written with the column's decimal mark and thousands separator; a currency sign
  (``$ € £``) in front or behind and a trailing ``%`` are removed (``12%`` is 12); yes/no
  words (:data:`TRUE_WORDS`, :data:`FALSE_WORDS`) are 1 and 0; infinities and values beyond
  float32 are missing;
- categories: the text as written; in a column of integer codes (``integer_codes``), a whole
  number written with decimals (``1.0``, the way a spreadsheet or pandas writes codes in a
  column with blanks) is the code ``1``;
- dates: days since 1970-01-01 00:00 UTC as float, read in the column's order of day, month
  and year: the order training decided (:class:`DateOrderVote`, the loader's rule over the
  whole training column) is stored in the rules, so a new file whose dates are all ambiguous
  (every day 12 or less) is read the way training read it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from engine.sources.sniff import number_pattern, thousands_class
from engine.sources.stream_csv import NULL_SPELLINGS
from engine.sources.values import FALSE_SPELLINGS, MISSING_SPELLINGS, TRUE_SPELLINGS

TRUE_WORDS = tuple(sorted(TRUE_SPELLINGS | {"1.0"}))
FALSE_WORDS = tuple(sorted(FALSE_SPELLINGS | {"0.0"}))
TEXT_MISSING_TOKENS: tuple[str, ...] = NULL_SPELLINGS
"""Cells of a delimited text file that are missing in every column, exactly as written
(pandas' list, which the loader's parser and the streaming reader both apply)."""
MISSING_TOKENS = tuple(sorted(MISSING_SPELLINGS | {t.lower() for t in TEXT_MISSING_TOKENS}))
"""Cells of a numeric or date column that are missing, case ignored."""
CURRENCY_SIGNS = "$€£"
YEAR_FIRST, DAY_FIRST, MONTH_FIRST = "year first", "day first", "month first"
DATE_ORDERS = (YEAR_FIRST, DAY_FIRST, MONTH_FIRST)
_OPEN = " as training read it, also where a file's dates leave it open (every day 12 or less)"
ORDER_WORDS = {
    YEAR_FIRST: ", year first (2024-01-31)",
    DAY_FIRST: ", day first (31/01/2024)" + _OPEN,
    MONTH_FIRST: ", month first (01/31/2024)" + _OPEN,
}
DATE_UNIT = "days since 1970-01-01 00:00 UTC, as float (fractions are the time of day)"
DEFAULT_SPELLING: tuple[str, str | None] = (".", None)

_UNIT_SIGNS = r"^[+-]?\s*[$€£]\s*|\s*[$€£%]$"
_WHOLE_WITH_DECIMALS = r"^[+-]?\d{1,15}\.0+$"  # 16+ digits: beyond exact floats
_TRUE = pa.array(TRUE_WORDS, pa.large_string())
_FALSE = pa.array(FALSE_WORDS, pa.large_string())
_MISSING = pa.array(MISSING_TOKENS, pa.large_string())


@dataclass(frozen=True)
class CellRules:
    """How the cells of one input column are read (see the module docstring).

    ``decimal``/``thousands`` are the spelling of the training file's numbers (``None``: no
    thousands separator); ``integer_codes`` marks a category column whose training values
    were whole numbers; ``date_order`` is ``"year first"``, ``"day first"`` or ``"month
    first"`` (None: not a date column, or not known).
    """

    kind: str
    missing_tokens: tuple[str, ...] = ()  # () -> the kind's default (see default_tokens)
    true_words: tuple[str, ...] = TRUE_WORDS
    false_words: tuple[str, ...] = FALSE_WORDS
    decimal: str = "."
    thousands: str | None = None
    currency_signs: str = CURRENCY_SIGNS
    percent_sign: bool = True
    integer_codes: bool = False
    date_order: str | None = None
    date_unit: str = field(default=DATE_UNIT)

    @property
    def number_spellings(self) -> list[tuple[str, str | None]]:
        """The (decimal mark, thousands separator) pairs a numeric column may be written in,
        in order: the column's, the same with the other mark between thousands (amounts such
        as ``$1,200`` in a file whose other numbers have none), ``1234.5``, and the other
        decimal mark. A column is read in the first one that fits every non-missing cell of
        its first chunk (:func:`choose_spelling`)."""
        other = "," if self.decimal == "." else "."
        candidates = [
            (self.decimal, self.thousands),
            (self.decimal, self.thousands or other),
            DEFAULT_SPELLING,
            (other, self.decimal),
        ]
        return list(dict.fromkeys(candidates))

    def __post_init__(self) -> None:
        if not self.missing_tokens:
            object.__setattr__(self, "missing_tokens", default_tokens(self.kind))

    @property
    def tokens_case_sensitive(self) -> bool:
        """Category cells are missing only when written exactly as a token (``?`` is a
        category); numbers and dates ignore case (``none``, ``N/A`` are missing)."""
        return self.kind == "categorical"

    def to_dict(self) -> dict[str, Any]:
        """The rules as JSON values, as metadata and sidecar carry them."""
        data: dict[str, Any] = {
            "missing_tokens": list(self.missing_tokens),
            "missing_tokens_case_sensitive": self.tokens_case_sensitive,
        }
        if self.kind == "numeric":
            data.update(
                true_words=list(self.true_words),
                false_words=list(self.false_words),
                decimal=self.decimal,
                thousands=self.thousands,
                number_spellings=[list(pair) for pair in self.number_spellings],
                currency_signs=self.currency_signs,
                percent_sign=self.percent_sign,
            )
        elif self.kind == "categorical":
            data["integer_codes"] = self.integer_codes
        else:
            data.update(date_order=self.date_order, date_unit=self.date_unit)
        return data

    @classmethod
    def from_dict(cls, kind: str, data: dict[str, Any] | None) -> CellRules:
        """Rules read back from metadata; a model without them gets the defaults."""
        data = data or {}
        thousands = data.get("thousands")
        return cls(
            kind=kind,
            missing_tokens=tuple(data.get("missing_tokens", ())),
            true_words=tuple(data.get("true_words", TRUE_WORDS)),
            false_words=tuple(data.get("false_words", FALSE_WORDS)),
            decimal=str(data.get("decimal", ".")),
            thousands=None if thousands is None else str(thousands),
            currency_signs=str(data.get("currency_signs", CURRENCY_SIGNS)),
            percent_sign=bool(data.get("percent_sign", True)),
            integer_codes=bool(data.get("integer_codes", False)),
            date_order=data.get("date_order"),
        )

    def words(self) -> str:
        """The rules in one sentence, for the model card."""
        missing = ", ".join(repr(t) for t in self.missing_tokens if t)
        case = "exactly as written" if self.tokens_case_sensitive else "any case"
        head = f"empty cells and {missing} ({case}) are missing"
        if self.kind == "numeric":
            spelling = f"decimal mark {self.decimal!r}"
            spelling += (
                f", {self.thousands!r} between thousands" if self.thousands
                else ", no thousands separator"
            )
            return (
                f"number with {spelling}; a leading or trailing {self.currency_signs} sign "
                "and a trailing % are removed (12% is 12); "
                f"{'/'.join(w for w in self.true_words if w.isalpha())} are 1 and "
                f"{'/'.join(w for w in self.false_words if w.isalpha())} are 0 (also 1/0); "
                f"{head} (NaN), as are infinities and values beyond float32"
            )
        if self.kind == "categorical":
            codes = (
                "; integer codes: a whole number written with decimals is the code "
                "(1.0 is '1')" if self.integer_codes else ""
            )
            return f"text as written; {head} (\"\"){codes}"
        order = ORDER_WORDS.get(self.date_order or "", "")
        return f"date{order}; sent as {self.date_unit}; {head} (NaN)"


def default_tokens(kind: str) -> tuple[str, ...]:
    """The missing-value spellings of a column of this kind (see :class:`CellRules`)."""
    return TEXT_MISSING_TOKENS if kind == "categorical" else MISSING_TOKENS


def default_rules(kind: str) -> CellRules:
    """The rules of a column whose training file said nothing more specific."""
    return CellRules(kind=kind)


def category_text(value: Any) -> str:
    """One typed category cell as text; whole numbers lose the ``.0`` a float column gives."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def blank_missing(text: pa.Array, rules: CellRules | None = None) -> pa.Array:
    """Cells spelled like a missing value (case and surrounding spaces ignored) become null."""
    tokens = _MISSING if rules is None else pa.array(rules.missing_tokens, pa.large_string())
    lowered = pc.utf8_lower(pc.utf8_trim_whitespace(text))
    return pc.if_else(pc.is_in(lowered, value_set=tokens), pa.scalar(None, text.type), text)


def integer_code_text(text: pa.Array) -> pa.Array:
    """Category text of an integer-code column: ``1.0`` -> ``1``, ``-0.0`` -> ``0`` (other
    cells unchanged), exactly as :func:`category_text` writes a whole float."""
    whole = pc.fill_null(pc.match_substring_regex(text, _WHOLE_WITH_DECIMALS), False)
    if not pc.any(whole).as_py():
        return text
    picked = pc.if_else(whole, text, pa.scalar(None, text.type))
    codes = pc.cast(pc.cast(pc.cast(picked, pa.float64()), pa.int64()), text.type)
    return pc.if_else(whole, codes, text)


def strip_units(text: pa.Array) -> pa.Array:
    """Numbers without their currency sign or trailing percent sign, and without a ``+``."""
    text = pc.replace_substring_regex(text, _UNIT_SIGNS, "")
    return pc.replace_substring_regex(text, r"^\+", "")


def choose_spelling(
    text: pa.Array, candidates: Sequence[tuple[str, str | None]]
) -> tuple[str, str | None]:
    """The first spelling in which every present cell of ``text`` (units stripped) is a
    number or a yes/no word; the first candidate when none fits them all.

    This is the loader's column rule (a column is read in one spelling), applied to a chunk.
    """
    cleaned = strip_units(pc.utf8_trim_whitespace(blank_missing(text)))
    lower = pc.utf8_lower(cleaned)
    words = pc.fill_null(
        pc.or_(pc.is_in(lower, value_set=_TRUE), pc.is_in(lower, value_set=_FALSE)), False
    )
    present = pc.and_(cleaned.is_valid(), pc.invert(words))
    for decimal, thousands in dict.fromkeys(candidates):
        matches = pc.fill_null(
            pc.match_substring_regex(cleaned, number_pattern(decimal, thousands)), False
        )
        if pc.all(pc.or_(matches, pc.invert(present))).as_py() is not False:
            return decimal, thousands
    return candidates[0]


def parse_numbers(
    text: pa.Array, decimal: str = ".", thousands: str | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Numbers from text cells in one spelling: ``(float64 values, failed mask)``.

    Missing spellings are NaN and not failures; yes/no words are 1/0; a cell that is none of
    these is NaN and marked failed (the caller counts or ignores it).
    """
    text = blank_missing(pc.utf8_trim_whitespace(text))
    present = text.is_valid()
    lower = pc.utf8_lower(text)
    is_true = pc.fill_null(pc.is_in(lower, value_set=_TRUE), False)
    is_false = pc.fill_null(pc.is_in(lower, value_set=_FALSE), False)
    cleaned = strip_units(text)
    spelled = pc.fill_null(pc.match_substring_regex(cleaned, number_pattern(decimal, thousands)),
                           False)
    local = cleaned
    if thousands is not None:
        local = pc.replace_substring_regex(local, thousands_class(thousands), "")
    if decimal != ".":
        local = pc.replace_substring(local, decimal, ".")
    numbers = pc.cast(pc.if_else(spelled, local, pa.scalar(None, local.type)), pa.float64())
    values = pc.fill_null(numbers, float("nan")).to_numpy(zero_copy_only=False).copy()
    values[is_true.to_numpy(zero_copy_only=False)] = 1.0
    values[is_false.to_numpy(zero_copy_only=False)] = 0.0
    failed = pc.and_(present, pc.invert(pc.or_(spelled, pc.or_(is_true, is_false))))
    return values, pc.fill_null(failed, False).to_numpy(zero_copy_only=False)


def to_float32(values: np.ndarray) -> np.ndarray:
    """float32 model values: infinities and float32 overflow become NaN (missing)."""
    with np.errstate(over="ignore", invalid="ignore"):
        out = np.asarray(values, dtype="float64").astype(np.float32)
    out[~np.isfinite(out)] = np.nan
    return out


def order_proofs(parts: dict[str, np.ndarray]) -> tuple[int, int]:
    """How many dates of a day/month/year spelling prove the day first (a first part above
    12) and how many prove the month first (a second part above 12): the loader's votes."""
    a, b, matched = parts["a"], parts["b"], parts["matched"]
    proves_day = matched & (a > 12) & (a <= 31) & (b >= 1) & (b <= 12)
    proves_month = matched & (b > 12) & (b <= 31) & (a >= 1) & (a <= 12)
    return int(proves_day.sum()), int(proves_month.sum())


class DateOrderVote:
    """The order of day and month in a column of date text, counted chunk by chunk.

    The loader's rule: the spelling is chosen on the first chunk's sample; the order that
    more dates prove wins, and day first when none (or as many) prove either. Training
    stores the outcome (:attr:`order`) in the column's :class:`CellRules`.
    """

    def __init__(self) -> None:
        self.family: Any = None
        self._decided = False
        self.day = self.month = 0

    def add(self, text: pa.Array) -> None:
        """Count one chunk of cells (text, missing spellings included)."""
        from engine.sources.date_formats import detect_family
        from engine.sources.date_reading import _extract

        text = blank_missing(pc.utf8_trim_whitespace(text))
        present = text.drop_null()
        if not self._decided and len(present):
            step = max(1, len(present) // 2000)
            self.family, self._decided = detect_family(present[::step].to_pylist()), True
        if self.family is None or self.family.year_first or not len(present):
            return
        day, month = order_proofs(_extract(present, self.family.pattern))
        self.day += day
        self.month += month

    @property
    def order(self) -> str | None:
        """:data:`YEAR_FIRST`, :data:`DAY_FIRST`, :data:`MONTH_FIRST`; None: not date text."""
        if self.family is None:
            return None
        if self.family.year_first:
            return YEAR_FIRST
        return DAY_FIRST if self.day >= self.month else MONTH_FIRST
