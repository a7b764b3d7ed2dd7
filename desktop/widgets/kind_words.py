"""The words the window uses for a column's kind: the same in Data, Problem and Prepare.

The engine's kinds (``numeric``, ``boolean``…) are names for code; the user reads "number",
"yes/no". One table here, so a 0/1 column reads "yes/no" in every step.
"""

from __future__ import annotations

from engine.profile.schema import ColumnKind

KIND_WORDS: dict[str, str] = {
    "numeric": "number",
    "categorical": "category",
    "boolean": "yes/no",
    "datetime": "date",
    "text": "free text",
    "identifier": "identifier",
}
"""The word shown for each kind (by the engine's kind value)."""

KIND_HELP: dict[ColumnKind, str] = {
    ColumnKind.NUMERIC: "Numbers whose size matters (amounts, counts, scores).",
    ColumnKind.CATEGORICAL: "A few values that name groups (country, plan, rating as a label).",
    ColumnKind.BOOLEAN: "Two values: yes/no, true/false, 0/1.",
    ColumnKind.DATETIME: "Dates or times.",
    ColumnKind.TEXT: "Free text written by people (comments, descriptions).",
    ColumnKind.IDENTIFIER: "A code naming each row (customer ID): left out of modelling.",
}
"""What each kind means, for tooltips."""


def kind_word(kind: ColumnKind | str) -> str:
    """The word the user reads for ``kind``."""
    value = kind.value if isinstance(kind, ColumnKind) else str(kind)
    return KIND_WORDS.get(value, value)


_YES_NO = {"true": "yes", "false": "no", "1": "yes", "0": "no", "1.0": "yes", "0.0": "no"}


def value_word(value: object, kind: ColumnKind | str) -> str:
    """A value as the user reads it: a yes/no column's values are "yes" and "no" in every
    step (the Problem step's classes are spelt so), whatever the file wrote."""
    text = str(value)
    value_kind = kind.value if isinstance(kind, ColumnKind) else str(kind)
    if value_kind == ColumnKind.BOOLEAN.value:
        return _YES_NO.get(text.strip().lower(), text)
    return text
