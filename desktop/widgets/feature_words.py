"""A recipe's feature names in business words, for the Prepare step's preview headers.

scikit-learn names a one-hot column ``<column>_<category>`` (``region_Central``) and the date
step names a part ``<column> <part>`` (``signup_date day_of_week``). The preview shows
"region = Central" and "signup_date: day of week" instead; the technical name stays in the
header's tooltip. Names are matched against the model's inputs, longest first, so a column
whose own name holds an underscore (``payment_method``) is never split in the wrong place.
"""

from __future__ import annotations

from collections.abc import Sequence

DATE_PART_WORDS = {
    "year": "year",
    "month": "month",
    "day": "day of the month",
    "day_of_week": "day of the week",
    "day_of_year": "day of the year",
    "days_since": "days since the earliest date",
}


def feature_words(name: str, inputs: Sequence[tuple[str, str]]) -> str:
    """``name`` (a feature the recipe makes) in words, given the model's (name, kind) inputs.

    A name that is an input's own (a number passed on, an ordinal code) stays as it is.
    """
    if any(name == input_name for input_name, _kind in inputs):
        return name
    for input_name, kind in sorted(inputs, key=lambda item: -len(item[0])):
        if kind == "categorical" and name.startswith(f"{input_name}_"):
            return f"{input_name} = {name[len(input_name) + 1:]}"
        if kind == "date" and name.startswith(f"{input_name} "):
            part = name[len(input_name) + 1:]
            if part in DATE_PART_WORDS:
                return f"{input_name}: {DATE_PART_WORDS[part]}"
    return name
