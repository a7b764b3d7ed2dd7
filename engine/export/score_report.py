"""What scoring tells the user about the data: missing columns, retyped columns, counts.

:func:`check_columns` compares the data's columns with the model's inputs (missing columns
are an error naming the closest existing names, which covers columns renamed since training;
extra ones are ignored with a note). :func:`retyped_error` and :func:`conversion_notes` put
the counts of :class:`engine.export.score_input.ColumnConverter` into plain words.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from typing import TYPE_CHECKING

from engine.errors import InputError

if TYPE_CHECKING:
    from engine.export.score_input import ColumnConverter, ModelInput

KIND_WORDS = {"numeric": "numbers", "date": "dates", "categorical": "categories"}


def check_columns(
    inputs: Sequence[ModelInput], columns: Sequence[str], source_label: str,
    action: str = "score again",
) -> list[str]:
    """The data columns the model does not use; InputError when some input has no column.

    ``action`` ends the hint: what the user does once the columns are fixed.
    """
    present = set(columns)
    missing = [spec.name for spec in inputs if spec.name not in present]
    if missing:
        parts = []
        for name in missing:
            close = _closest(name, [c for c in columns if c not in {s.name for s in inputs}])
            where = f" (closest: {', '.join(repr(c) for c in close)})" if close else ""
            parts.append(f"{name!r}{where}")
        plural = "s" if len(missing) != 1 else ""
        raise InputError(
            f"{source_label} has no column{plural} {'; '.join(parts)}, which the model needs.",
            "The model reads every column it was trained with, under the same name: rename "
            "those columns in the data (or the query), or add them, and " + action + ".",
        )
    used = {spec.name for spec in inputs}
    return [c for c in columns if c not in used]


def _closest(name: str, candidates: Sequence[str]) -> list[str]:
    """Columns spelled like ``name``: same letters ignoring case and spaces first."""
    squash = "".join(ch for ch in name.casefold() if ch.isalnum())
    same = [c for c in candidates if "".join(ch for ch in c.casefold() if ch.isalnum()) == squash]
    lowered = {c.casefold(): c for c in candidates}
    close = difflib.get_close_matches(name.casefold(), list(lowered), n=3, cutoff=0.6)
    return list(dict.fromkeys([*same, *(lowered[c] for c in close)]))[:3]


def retyped_error(converters: Sequence[ColumnConverter], source_label: str) -> InputError:
    """The error for columns whose every value in the first chunk failed conversion."""
    parts = []
    for converter in converters:
        shown = ", ".join(repr(v) for v in converter.failure_examples[:3])
        parts.append(
            f"column {converter.spec.name!r} should hold {KIND_WORDS[converter.spec.kind]} but "
            f"its values look like {shown}, ..."
        )
    return InputError(
        f"In {source_label}, " + "; ".join(parts) + ": was it retyped?",
        "Check that this is the right file and that the column still holds what the model "
        "was trained with (for example numbers, not codes or words), then score again.",
    )


def conversion_notes(converters: Sequence[ColumnConverter]) -> list[str]:
    """Plain notes on conversion failures, unseen categories and values fed as 0."""
    notes: list[str] = []
    for converter in converters:
        name, rows = converter.spec.name, max(converter.rows, 1)
        if converter.failures:
            shown = ", ".join(repr(v) for v in converter.failure_examples[:3])
            what = KIND_WORDS[converter.spec.kind]
            notes.append(
                f"{name!r}: {converter.failures:,} cell(s) ({converter.failures / rows:.1%}) "
                f"could not be read as {what} (e.g. {shown}) and were scored as missing."
            )
        if converter.unseen:
            shown = ", ".join(repr(v) for v in converter.unseen_examples[:3])
            known = len(converter.spec.categories)
            if converter.spec.categories_complete:
                what = "a category never seen in training"
            else:
                what = f"a value not among the {known} categories seen at least 10 times"
            notes.append(
                f"{name!r}: {converter.unseen:,} row(s) ({converter.unseen / rows:.1%}) hold "
                f"{what} (e.g. {shown})."
            )
        if converter.fed_as_zero:
            notes.append(
                f"{name!r}: {converter.fed_as_zero:,} missing or fractional value(s) were fed "
                "as 0, because the model takes whole numbers with no way to say 'missing'."
            )
    return notes
