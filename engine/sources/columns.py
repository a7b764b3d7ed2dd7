"""Column names every reader must clean the same way.

Blank and duplicate headers are common in spreadsheets and exports. Refusing the file would
be unhelpful, so each reader renames them predictably and says so in the load report.
"""

from __future__ import annotations

from collections.abc import Iterable


def clean_column_names(names: Iterable[object]) -> tuple[list[str], list[str]]:
    """Return usable, unique column names and a note for each rename.

    Blank names become ``column_<position>`` (1-based); repeated names get `` (2)``,
    `` (3)``... Surrounding whitespace is removed. Names are otherwise kept as written,
    spaces and non-ASCII letters included.
    """
    cleaned: list[str] = []
    notes: list[str] = []
    seen: set[str] = set()
    for position, raw in enumerate(names, start=1):
        name = "" if raw is None else str(raw).strip()
        if name == "" or name.lower() in {"nan", "none"} or name.startswith("Unnamed: "):
            new_name = f"column_{position}"
            notes.append(f"Column {position} has no name; it is called {new_name!r}.")
            name = new_name
        if name in seen:
            base, suffix = name, 2
            while f"{base} ({suffix})" in seen:
                suffix += 1
            new_name = f"{base} ({suffix})"
            notes.append(
                f"Column {position} repeats the name {base!r}; it is called {new_name!r}."
            )
            name = new_name
        seen.add(name)
        cleaned.append(name)
    return cleaned, notes
