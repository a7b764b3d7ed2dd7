"""Can a column be treated as the kind the user chose? Say so before anything is saved.

A user may override the kind Gristmill inferred (a code stored as a number is really a
category). Some choices cannot work: a column of region names cannot be numbers, and one of
five answers cannot be yes/no. :func:`check_kind` refuses those in words, with examples,
instead of letting training fail later. Any column can be categorical, text or an identifier.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.errors import InputError
from engine.profile.schema import ColumnKind

if TYPE_CHECKING:
    import pandas as pd

READABLE_SHARE = 0.9
"""Share of a column's present values that must read as the chosen kind."""

_SAMPLE = 20_000  # values looked at: enough to judge, fast on a million rows


def check_kind(values: pd.Series, kind: ColumnKind | str, name: str) -> None:
    """Raise InputError when the present values of ``values`` cannot be read as ``kind``."""
    import pandas as pd

    kind = ColumnKind(kind)
    if kind in (ColumnKind.CATEGORICAL, ColumnKind.TEXT, ColumnKind.IDENTIFIER):
        return
    present = values.dropna()
    if len(present) > _SAMPLE:
        present = present.sample(_SAMPLE, random_state=0)
    if present.empty:
        return
    dtype = present.dtype
    if kind is ColumnKind.BOOLEAN:
        distinct = present.astype(str).str.strip().str.lower().unique()
        if len(distinct) > 2:
            shown = ", ".join(repr(v) for v in sorted(distinct)[:5])
            raise InputError(
                f"{name!r} cannot be yes/no: it holds {len(distinct)} different values "
                f"({shown}{', ...' if len(distinct) > 5 else ''}).",
                "Keep it categorical, or choose yes/no only for columns with two values.",
            )
        return
    if kind is ColumnKind.NUMERIC:
        if pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype):
            return
        text = present.astype(str).str.strip().str.replace(r"^[$€£]\s*|\s*[$€£%]$", "",
                                                            regex=True)
        readable = pd.to_numeric(text.str.replace(",", "", regex=False), errors="coerce")
        what, hint = "numbers", "Keep it categorical or text."
    else:  # DATETIME
        if pd.api.types.is_datetime64_any_dtype(dtype):
            return
        readable = pd.to_datetime(present.astype(str), errors="coerce", format="mixed")
        what, hint = "dates", "Keep it as it was inferred, or fix the dates in the source."
    failed = present[readable.isna().to_numpy()]
    share = 1 - len(failed) / len(present)
    if share < READABLE_SHARE:
        examples = ", ".join(repr(str(v)) for v in failed.astype(str).unique()[:3])
        raise InputError(
            f"{name!r} cannot be read as {what}: only {share:.0%} of its values are "
            f"{what} (not, for example, {examples}).",
            hint,
        )
