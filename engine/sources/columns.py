"""Column names every reader must clean the same way.

Blank and duplicate headers are common in spreadsheets and exports. Refusing the file would
be unhelpful, so each reader renames them predictably and says so in the load report.
"""

from __future__ import annotations

import math
from collections.abc import Iterable


def clean_column_names(names: Iterable[object]) -> tuple[list[str], list[str]]:
    """Return usable, unique column names and a note for each rename.

    Blank names become ``column_<position>`` (1-based); repeated names get `` (2)``,
    `` (3)``... (skipping any name the header already uses). Surrounding whitespace is
    removed. Names are otherwise kept as written, spaces and non-ASCII letters included, and
    so are real headers that happen to read "None" or "nan". Only names that pandas made up
    for a missing header (``None``, NaN, ``Unnamed: 3``) count as blank.
    """
    raw_names = list(names)
    texts = [_header_text(raw) for raw in raw_names]
    taken = {text for text in texts if text}
    cleaned: list[str] = []
    notes: list[str] = []
    seen: set[str] = set()
    for position, name in enumerate(texts, start=1):
        if name == "":
            new_name = _free_name(f"column_{position}", seen | taken)
            notes.append(f"Column {position} has no name; it is called {new_name!r}.")
            name = new_name
        elif name in seen:
            new_name = _free_name(name, seen | taken, start=2)
            notes.append(f"Column {position} repeats the name {name!r}; it is called {new_name!r}.")
            name = new_name
        seen.add(name)
        cleaned.append(name)
    return cleaned, notes


def _header_text(raw: object) -> str:
    """The header as text; "" when the reader had no header for this column."""
    if raw is None or (isinstance(raw, float) and math.isnan(raw)):
        return ""
    text = str(raw).strip()
    if text.startswith("Unnamed: ") and text[len("Unnamed: ") :].isdigit():
        return ""  # pandas' placeholder for an empty header cell
    return text


def _free_name(base: str, used: set[str], start: int | None = None) -> str:
    """``base`` if unused, else ``base (n)`` with the smallest free n >= 2."""
    if start is None and base not in used:
        return base
    suffix = start or 2
    while f"{base} ({suffix})" in used:
        suffix += 1
    return f"{base} ({suffix})"
