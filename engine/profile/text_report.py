"""A table profile as fixed-width plain text, for ``gristmill profile``.

Three parts: a one-line summary of the table; one line per column (name, kind, use, missing
share, distinct count, and min / median / max or the top values); then the reason for each
column's kind and the warnings, grouped by what they are about. Every line fits ``width``
characters; only ASCII is used for layout so any terminal shows it.
"""

from __future__ import annotations

import re
import textwrap

from engine.profile.findings import (
    CONSTANT,
    DUPLICATE_COLUMN,
    DUPLICATE_ROWS,
    ID_LIKE,
    INFINITE_VALUES,
    MANY_CATEGORIES_CODE,
    MOSTLY_MISSING,
    PERSONAL_DATA,
    SKEWED,
    SOME_MISSING,
    format_number,
    plural,
)
from engine.profile.result import ColumnProfile, ProfileWarning, TableProfile
from engine.profile.schema import ColumnKind, ColumnRole

GROUP_TITLES = {
    PERSONAL_DATA: "Likely personal data",
    DUPLICATE_ROWS: "Duplicate rows",
    DUPLICATE_COLUMN: "Columns that repeat another",
    ID_LIKE: "ID-like columns",
    CONSTANT: "Constant columns",
    MOSTLY_MISSING: "Mostly missing",
    MANY_CATEGORIES_CODE: "Very many categories",
    INFINITE_VALUES: "Infinite values",
    SKEWED: "Highly skewed numbers",
    SOME_MISSING: "Some values missing",
}
_MIN_WIDTH = 60
# Characters that end a line or move the cursor (what str.splitlines splits on, tabs, other
# control characters): in a name or a value they would break the layout.
_BREAKING = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def one_line(text: object) -> str:
    """``text`` with line breaks and control characters shown escaped: ``a\\nb``."""
    return _BREAKING.sub(lambda match: match.group().encode("unicode_escape").decode(),
                         str(text))


def _fit(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(width - 3, 0)] + "..."


def _summary(column: ColumnProfile, kind: ColumnKind) -> str:
    if kind is ColumnKind.DATETIME and column.minimum is not None:
        return f"{column.minimum} to {column.maximum}"
    if kind is ColumnKind.NUMERIC and column.minimum is not None:
        low, median, high = (
            format_number(value) if isinstance(value, int | float) else "-"
            for value in (column.minimum, column.quantiles.get("p50"), column.maximum)
        )
        return f"min {low}, median {median}, max {high}"
    if column.top_values:
        shown = ", ".join(f"{_fit(one_line(value), 24)} ({count:,})"
                          for value, count in column.top_values)
        return shown
    if column.count and kind in (ColumnKind.TEXT, ColumnKind.IDENTIFIER,
                                 ColumnKind.CATEGORICAL):
        return "(values not shown: personal data)"
    if not column.count:
        return "(no values)"
    return ""


def format_profile(profile: TableProfile, width: int = 100) -> str:
    """The profile as readable text; no line is longer than ``width`` (at least 60)."""
    width = max(width, _MIN_WIDTH)
    lines = [
        _fit(f"Table: {plural(profile.rows, 'row')} x {plural(len(profile.columns), 'column')}"
             f", profiled in {profile.seconds:.2f} s", width),
        "",
    ]
    roles = {column.name: column.role for column in profile.schema.columns}
    kinds = {column.name: column.kind for column in profile.schema.columns}
    names = {column.name: one_line(column.name) for column in profile.columns}
    name_width = min(max([len("Column")] + [len(name) for name in names.values()]), 24)
    header = f"{'Column':<{name_width}}  {'Kind':<11}  {'Use':<7}  {'Missing':>7}  " \
        f"{'Distinct':>9}  Summary"
    lines += [_fit(header, width), _fit("-" * width, width)]
    for column in profile.columns:
        kind = kinds.get(column.name, column.kind)
        role = roles.get(column.name, ColumnRole.FEATURE)
        total = column.count + column.missing
        missing = f"{column.missing / total:.1%}" if total else "-"
        row = (
            f"{_fit(names[column.name], name_width):<{name_width}}  {kind.value:<11}  "
            f"{role.value:<7}  {missing:>7}  {column.distinct:>9,}  {_summary(column, kind)}"
        )
        lines.append(_fit(row.rstrip(), width))

    lines += ["", "Why each kind was chosen"]
    for column in profile.schema.columns:
        lines += _wrapped(f"{column.name}: {column.reason or column.kind.value}", width, 2)

    warnings = profile.all_warnings
    lines += ["", "Warnings" if warnings else "Warnings: none"]
    for code, group in _grouped(warnings):
        lines += ["", f"  {GROUP_TITLES.get(code, code.replace('_', ' ').capitalize())}"]
        for warning in group:
            prefix = f"{warning.column}: " if warning.column is not None else ""
            lines += _wrapped(prefix + warning.message, width, 4)
    return "\n".join(lines) + "\n"


def _wrapped(text: str, width: int, indent: int) -> list[str]:
    pad = " " * indent
    return textwrap.wrap(
        one_line(text), width=width, initial_indent=pad, subsequent_indent=pad + "  ",
        break_long_words=True, break_on_hyphens=False,
    )


def _grouped(warnings: list[ProfileWarning]) -> list[tuple[str, list[ProfileWarning]]]:
    groups: dict[str, list[ProfileWarning]] = {}
    for warning in warnings:
        groups.setdefault(warning.code, []).append(warning)
    order = list(GROUP_TITLES)
    return sorted(groups.items(), key=lambda item: (
        order.index(item[0]) if item[0] in order else len(order), item[0]))
