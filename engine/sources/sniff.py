"""Detect how a delimited text file is written, from its first bytes.

:func:`detect_csv_format` is a pure function: give it the first ~1 MB of a file and it says
which encoding, delimiter, quote character, header, decimal mark and thousands separator the
file uses, with a note in plain words for each decision. The reader
(:mod:`engine.sources.csv_reader`) then parses the whole file with those settings.

Why not ``csv.Sniffer``: it guesses from character frequencies and is easily fooled by a
decimal comma or a delimiter inside quoted text. Here quoted text is removed first, then the
candidate delimiters are counted line by line and the most consistent one wins.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from engine.errors import SourceError
from engine.sources.csv_layout import detect_header, find_title_lines, leading_zero_columns
from engine.sources.text_encoding import detect_encoding

__all__ = [
    "DELIMITERS",
    "SAMPLE_BYTES",
    "CsvFormat",
    "detect_csv_format",
    "number_pattern",
    "thousands_class",
]

SAMPLE_BYTES = 1 << 20
"""How much of a file the detection reads (the reader passes this many bytes)."""

DELIMITERS = ("\t", ";", "|", ",")
"""Candidates, in the order that breaks a tie (a comma also appears inside numbers)."""

DELIMITER_NAMES = {",": "comma (,)", ";": "semicolon (;)", "\t": "tab", "|": "vertical bar (|)"}

SPACES = " \u00a0\u202f\u2009"
"""Characters written between thousands: space, no-break space, narrow no-break, thin space."""

_MAX_LINES = 5000
_MAX_RECORDS = 2000
_HEAD_CHARS = 256 * 1024  # characters examined for quotes, delimiter, header, numbers
_NUMBER_ROWS = 500  # rows whose numbers vote on the decimal mark

# Nobody writes a leading 0 before a thousands separator: 0.346 has a decimal point.
_DOT_GROUPS = re.compile(r"^[+-]?[1-9]\d{0,2}(?:\.\d{3})+(?:,\d+)?$")
_COMMA_GROUPS = re.compile(r"^[+-]?[1-9]\d{0,2}(?:,\d{3})+(?:\.\d+)?$")
_SPACE_GROUPS = re.compile(rf"^[+-]?[1-9]\d{{0,2}}(?:[{SPACES}]\d{{3}})+(?P<tail>[.,]\d+)?$")
_COMMA_DECIMAL = re.compile(r"^[+-]?\d*,\d+$")
_DOT_DECIMAL = re.compile(r"^[+-]?\d*\.\d+$")
_AMBIGUOUS = re.compile(r"^[+-]?[1-9]\d{0,2}[.,]\d{3}$")  # 1.234 / 1,234: mark or grouping?


@dataclass(frozen=True)
class CsvFormat:
    """How a delimited text file is written; ``notes`` explain each decision in plain words.

    ``thousands`` is ``None``, ``"."``, ``","`` or ``" "`` (any kind of space, including the
    no-break spaces spreadsheets write). ``mixed_encoding`` means mostly UTF-8 with a few
    bytes from another encoding, which are read as Windows-1252. ``header`` holds the fields of
    the first record, ``field_count`` how many fields the header (or first record) has.
    ``skip_lines`` is the number of lines above the header (title lines, or the header row
    the user chose); ``text_columns`` the positions of columns holding codes with leading
    zeros (``01234``), which must be read as text.
    """

    encoding: str = "utf-8"
    delimiter: str = ","
    quotechar: str = '"'
    has_header: bool = True
    decimal: str = "."
    thousands: str | None = None
    notes: tuple[str, ...] = ()
    mixed_encoding: bool = False
    header: tuple[str, ...] = field(default=())
    field_count: int = 0
    skip_lines: int = 0
    text_columns: tuple[int, ...] = ()

    @property
    def plain_numbers(self) -> bool:
        """True when numbers are written as a parser expects by default (``1234.5``)."""
        return self.decimal == "." and self.thousands is None

    def options(self) -> dict[str, Any]:
        """The detected options, to show the user and to reuse on a later load."""
        return {
            "encoding": self.encoding,
            "delimiter": self.delimiter,
            "quotechar": self.quotechar,
            "has_header": self.has_header,
            "decimal": self.decimal,
            "thousands": self.thousands,
        }


def detect_csv_format(
    sample: bytes,
    *,
    complete: bool = False,
    encoding: str | None = None,
    delimiter: str | None = None,
    header_row: int | None = None,
    decimal: str | None = None,
    thousands: str | None = None,
) -> CsvFormat:
    """Detect the format of a delimited text file from its first bytes.

    ``complete`` says the sample is the whole file (otherwise its last, possibly cut, line
    is ignored). ``encoding``, ``delimiter``, ``header_row``, ``decimal`` and ``thousands``
    override detection when the user chose them (``thousands=""``: no separator; a chosen
    ``decimal`` alone leaves the separator to detection, among those that fit the mark).
    Raises :class:`SourceError` for an empty or binary sample; messages start with "This
    file" so the caller can put the file's name in front.
    """
    found = detect_encoding(sample, complete=complete, encoding=encoding)
    notes = [found.note]
    text = found.text
    if not complete and "\n" in text:
        text = text[: text.rfind("\n") + 1]  # the last line may be cut in the middle
    if not text.strip():
        raise SourceError("This file is empty.", "Choose a file that holds a table.")
    if not complete and "\n" not in text and "\r" not in text:
        # One huge line: not empty, but no row of a table can be told apart in it.
        raise SourceError(
            f"This file has no line break in its first {len(sample):,} bytes, so it holds no "
            "rows Gristmill can read.",
            "Check that this is the file you meant: a CSV or text table has one row per line.",
        )
    head = _head(text)  # enough lines to decide; the whole sample is only decoded
    quotechar = _detect_quotechar(head)
    if delimiter is None:
        delimiter, delimiter_note = _detect_delimiter(head, quotechar)
        notes.append(delimiter_note)
    else:
        notes.append(f"Delimiter: {DELIMITER_NAMES.get(delimiter, repr(delimiter))}, as chosen.")
    records, starts = _records(head, delimiter, quotechar)
    if header_row is not None:  # the user's choice: a 0-based line of the file
        first = next((i for i, start in enumerate(starts) if start >= header_row), len(records))
    else:
        first, title_note = find_title_lines(records, starts)
        if title_note:
            notes.append(title_note)
    skip_lines = starts[first] if first < len(records) else 0
    records = records[first:]
    if not records and header_row:
        raise SourceError(
            f"This file has nothing on line {header_row + 1} or below.",
            "Choose a header row within the file.",
        )
    if not records:
        raise SourceError("This file is empty.", "Choose a file that holds a table.")
    body = records[1:]
    decimal, thousands, number_note = _detect_numbers(
        body or records, delimiter, decimal=decimal, thousands=thousands
    )
    if number_note:
        notes.append(number_note)
    number = re.compile(number_pattern(decimal, thousands))
    has_header = True if header_row is not None else detect_header(records, number)
    if not has_header:
        notes.append(
            "The first row holds values, not column names; the columns are called "
            f"column_1 to column_{len(records[0])}."
        )
    return CsvFormat(
        encoding=found.encoding,
        delimiter=delimiter,
        quotechar=quotechar,
        has_header=has_header,
        decimal=decimal,
        thousands=thousands,
        notes=tuple(notes),
        mixed_encoding=found.mixed,
        header=tuple(records[0]),
        field_count=len(records[0]),
        skip_lines=skip_lines,
        text_columns=leading_zero_columns(records[1:] if has_header else records),
    )


def _head(text: str) -> str:
    """The first ``_HEAD_CHARS`` characters, cut at a line end when there is one."""
    if len(text) <= _HEAD_CHARS:
        return text
    end = text.rfind("\n", 0, _HEAD_CHARS)
    return text[: end + 1] if end > 0 else text


def number_pattern(decimal: str, thousands: str | None) -> str:
    """A regular expression (Python and RE2 syntax) matching one number in this format."""
    mark = re.escape(decimal)
    if thousands is None:
        integer = r"\d+"
    else:
        # A leading 0 is never followed by a thousands separator (0.346 is not 346).
        integer = rf"(?:[1-9]\d{{0,2}}(?:{thousands_class(thousands)}\d{{3}})+|\d+)"
    return rf"^[+-]?(?:{integer}(?:{mark}\d*)?|{mark}\d+)(?:[eE][+-]?\d+)?$"


def thousands_class(thousands: str) -> str:
    """Characters accepted between thousands: the detected one, and spaces (SI style)."""
    return "[" + ("" if thousands == " " else re.escape(thousands)) + SPACES + "]"


def _detect_quotechar(text: str) -> str:
    """``'`` only when fields clearly open with it and never with ``"``."""
    starts = re.compile(r"(?:^|[,;\t|])(['\"])", re.MULTILINE)
    counts = Counter(match.group(1) for match in itertools.islice(starts.finditer(text), 20000))
    return "'" if counts["'"] > 0 and counts['"'] == 0 and counts["'"] >= 2 else '"'


def _detect_delimiter(text: str, quotechar: str) -> tuple[str, str]:
    """The candidate found the same number of times on the most lines, outside quotes."""
    q = re.escape(quotechar)
    unquoted = re.sub(f"{q}(?:[^{q}]|{q}{q})*{q}", "", text)
    lines = [line for line in unquoted.split("\n")[:_MAX_LINES] if line.strip()]
    if not lines:  # nothing but quoted values: one column
        return ",", "No delimiter found: the file holds a single column."
    best: tuple[bool, float, int] | None = None
    chosen = ","
    for rank, candidate in enumerate(DELIMITERS):
        counts = Counter(line.count(candidate) for line in lines)
        mode, frequency = max(counts.items(), key=lambda item: (item[1], item[0]))
        if mode == 0:
            continue
        # The first line (header or not) must be split too: decimal commas in the rows
        # below a header of names never make the comma the delimiter.
        score = (candidate in lines[0], frequency / len(lines), -rank)
        if best is None or score > best:
            best, chosen = score, candidate
    if best is None:
        return ",", "No delimiter found: the file holds a single column."
    return chosen, f"Delimiter: {DELIMITER_NAMES[chosen]}."


def _records(text: str, delimiter: str, quotechar: str) -> tuple[list[list[str]], list[int]]:
    """The first records, parsed as the full reader will, blank lines skipped; and the
    0-based line on which each starts."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar=quotechar)
    records: list[list[str]] = []
    starts: list[int] = []
    start = 0
    try:
        for row in reader:
            if any(cell.strip() for cell in row):
                records.append(row)
                starts.append(start)
                if len(records) >= _MAX_RECORDS:
                    break
            start = reader.line_num
    except csv.Error:  # e.g. a quote never closed within the sample: use what was read
        pass
    return records, starts


def _detect_numbers(
    rows: list[list[str]],
    delimiter: str | None = None,
    *,
    decimal: str | None = None,
    thousands: str | None = None,
) -> tuple[str, str | None, str | None]:
    """Decimal mark and thousands separator, from the values that can only be read one way.

    Values such as ``40.650`` say "'.' between thousands" only if ',' is the decimal mark;
    in a file whose fields are separated by ',' and where no value has a decimal comma, they
    are read with '.' as the decimal mark, and the note says they could be read two ways.
    A ``decimal`` mark the user chose wins over the votes; the thousands separator is then
    the one the values show for that mark, unless ``thousands`` was chosen too.
    """
    votes: Counter[str] = Counter()
    for row in rows[:_NUMBER_ROWS]:
        for cell in row:
            value = cell.strip()
            # Plain integers say nothing about the format; most cells are skipped here.
            if value.isdigit() or not value or not (value[0].isdigit() or value[0] in "+-,."):
                continue
            _vote(value, votes)
    if decimal is not None:
        chosen = _thousands_for(decimal, votes) if thousands is None else thousands or None
        return decimal, chosen, _number_note(decimal, chosen, " (as chosen)")
    comma = votes["comma_decimal"] + votes["dot_groups"]
    dot = votes["dot_decimal"] + votes["comma_groups"]
    guessed = False
    if delimiter == "," and votes["comma_decimal"] == 0 and votes["dot_groups"] > 0:
        example = next(
            (cell.strip() for row in rows[:_NUMBER_ROWS] for cell in row
             if _DOT_GROUPS.match(cell.strip())),
            "40.650",
        )
        return ".", None, (
            f"Numbers such as {example} could be read two ways; as ',' separates the fields "
            "and no value has a decimal comma, '.' was read as the decimal mark "
            f"({example} = {float(example) if example.count('.') == 1 else example}). "
            "Check a few values."
        )
    if comma > dot:
        decimal = ","
    elif dot > 0 or votes["ambiguous"] == 0:
        decimal = "."
    else:
        decimal, guessed = ".", True
    thousands = _thousands_for(decimal, votes)
    if decimal == "." and thousands is None:
        note = None
        if guessed:
            note = (
                "Numbers such as 1,234 or 1.234 could be read two ways; they were read with "
                "'.' as the decimal mark. Check a few values."
            )
        return decimal, thousands, note
    return decimal, thousands, _number_note(decimal, thousands)


def _thousands_for(decimal: str, votes: Counter[str]) -> str | None:
    """The thousands separator the values show, given the decimal mark."""
    if decimal == "," and votes["dot_groups"] + votes["ambiguous"] >= max(votes["space"], 1):
        return "."
    if decimal == "." and votes["comma_groups"] > 0 and votes["comma_groups"] >= votes["space"]:
        return ","
    return " " if votes["space"] > 0 else None


_NUMBER_WORDS = {".": "'.'", ",": "','", " ": "a space"}
_NUMBER_EXAMPLES = {
    (",", "."): "1.234,56",
    (",", " "): "1 234,56",
    (",", None): "1234,56",
    (".", ","): "1,234.56",
    (".", " "): "1 234.56",
    (".", None): "1234.56",
}


def _number_note(decimal: str, thousands: str | None, chosen: str = "") -> str:
    """How numbers are written, in words, with an example."""
    note = f"Numbers are written with {_NUMBER_WORDS[decimal]} as the decimal mark"
    if thousands is not None:
        note += f" and {_NUMBER_WORDS[thousands]} between thousands"
    return f"{note}{chosen} (like {_NUMBER_EXAMPLES[(decimal, thousands)]})."


def _vote(value: str, votes: Counter[str]) -> None:
    """Count what one numeric-looking value says about the number format."""
    spaced = _SPACE_GROUPS.match(value)
    if spaced:
        votes["space"] += 1
        tail = spaced.group("tail")
        if tail:
            votes["comma_decimal" if tail[0] == "," else "dot_decimal"] += 1
    elif _AMBIGUOUS.match(value):
        votes["ambiguous"] += 1
    elif _DOT_GROUPS.match(value):
        votes["dot_groups"] += 1
        if "," in value:
            votes["comma_decimal"] += 1
    elif _COMMA_GROUPS.match(value):
        votes["comma_groups"] += 1
        if "." in value:
            votes["dot_decimal"] += 1
    elif _COMMA_DECIMAL.match(value):
        votes["comma_decimal"] += 1
    elif _DOT_DECIMAL.match(value):
        votes["dot_decimal"] += 1
