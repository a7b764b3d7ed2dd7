"""Which character encoding a text file uses, and a safe way to read stray bytes.

Cheap, certain checks come first: byte-order marks, UTF-16 without a mark (every other byte
is NUL), a strict UTF-8 decode. Only text that is neither goes to charset-normalizer, and
even then Windows-1252 wins when it reads the bytes as Western European letters, because
that is what such files almost always are (charset-normalizer tends to say cp1250 for short
French or German samples).

A file that is mostly UTF-8 with a few Windows-1252 bytes (a hand-edited export, two files
pasted together) is loaded, not refused: the stray bytes are read as Windows-1252 through
the ``gristmill-cp1252`` error handler, which counts them so the load report can say how many.
"""

from __future__ import annotations

import codecs
import re
import threading
from dataclasses import dataclass

from engine.errors import SourceError

FALLBACK_ERRORS = "gristmill-cp1252"
"""Codec error handler: decode each undecodable byte as Windows-1252 and count it."""

ENCODING_NAMES = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8 (with byte-order mark)",
    "utf-16": "UTF-16 (with byte-order mark)",
    "utf-16-le": "UTF-16 little-endian",
    "utf-16-be": "UTF-16 big-endian",
    "utf-32": "UTF-32 (with byte-order mark)",
    "cp1252": "Windows-1252 (Western European)",
    "latin-1": "Latin-1 (ISO-8859-1)",
}

_SIGNATURES = {
    b"\x89PNG": "a PNG image",
    b"PK\x03\x04": "a zip archive (an Excel .xlsx workbook is one: rename it .xlsx)",
    b"%PDF": "a PDF document",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"\x1f\x8b": "a gzip archive (unpack it first)",
    b"PAR1": "a Parquet file (rename it .parquet)",
    b"SQLite format 3\x00": "an SQLite database",
    b"\xd0\xcf\x11\xe0": "an old Excel .xls or Word document (save it as .xlsx or .csv)",
}
# Letters and signs Windows-1252 gives to bytes 0x80-0xFF in Western European text.
_WESTERN = re.compile(r"[\u00a0-\u00ff\u20ac\u201a\u201e\u2026\u2020\u2021\u2030\u2039\u203a"
                      r"\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u2122\u0152\u0153\u0160"
                      r"\u0161\u017d\u017e\u0178\u0192\u02c6\u02dc]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1a\x1c-\x1f]")
_state = threading.local()


@dataclass(frozen=True)
class DetectedEncoding:
    """The encoding, the decoded sample and a note saying what was found."""

    encoding: str
    text: str
    note: str
    mixed: bool = False


def detect_encoding(
    sample: bytes, *, complete: bool = False, encoding: str | None = None
) -> DetectedEncoding:
    """Detect the encoding of a sample and decode it; refuse bytes that are not text."""
    if not sample:
        raise SourceError("This file is empty.", "Choose a file that holds a table.")
    if encoding is not None:
        return _decode_as(sample, encoding, complete, f"Encoding: {encoding}, as chosen.")
    bom = _from_bom(sample) or _utf16_without_bom(sample)
    if bom is not None:
        return _decode_as(sample, bom, complete, f"Encoding: {ENCODING_NAMES[bom]}.")
    _refuse_binary(sample)
    cut = sample if complete else _without_cut_character(sample)
    try:
        return DetectedEncoding("utf-8", cut.decode("utf-8"), "Encoding: UTF-8.")
    except UnicodeDecodeError:
        pass
    reset_fallback_count()
    text = cut.decode("utf-8", errors=FALLBACK_ERRORS)
    stray = fallback_count()
    valid_multibyte = sum(1 for char in text if ord(char) > 0x7F) - stray
    if valid_multibyte >= stray:
        note = (
            f"Encoding: mostly UTF-8, but {stray} byte(s) in the first part of the file are "
            "not; they were read as Windows-1252 characters. Check accented letters."
        )
        return DetectedEncoding("utf-8", text, note, mixed=True)
    return _single_byte(cut)


def register_fallback_handler() -> None:
    """Register the ``gristmill-cp1252`` handler (idempotent)."""
    codecs.register_error(FALLBACK_ERRORS, _fallback)


def reset_fallback_count() -> None:
    """Start counting stray bytes again (per thread)."""
    _state.count = 0


def fallback_count() -> int:
    """Stray bytes decoded by the handler in this thread since the last reset."""
    return getattr(_state, "count", 0)


def _fallback(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeDecodeError):
        raise error
    chunk = error.object[error.start : error.end]
    _state.count = getattr(_state, "count", 0) + len(chunk)
    # cp1252 leaves five bytes undefined; Latin-1 reads those as control characters.
    return "".join(_cp1252_byte(byte) for byte in chunk), error.end


def _cp1252_byte(byte: int) -> str:
    try:
        return bytes([byte]).decode("cp1252")
    except UnicodeDecodeError:
        return chr(byte)


def _from_bom(sample: bytes) -> str | None:
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "utf-32"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    return None


def _utf16_without_bom(sample: bytes) -> str | None:
    """Text in UTF-16 without a mark: ASCII letters leave a NUL in every other byte."""
    head = sample[:4096]
    if len(head) < 4:
        return None
    even, odd = head[0::2], head[1::2]
    if odd.count(0) > 0.4 * len(odd) and even.count(0) < 0.05 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.4 * len(even) and odd.count(0) < 0.05 * len(odd):
        return "utf-16-be"
    return None


def _refuse_binary(sample: bytes) -> None:
    for signature, what in _SIGNATURES.items():
        if sample.startswith(signature):
            raise SourceError(
                f"This file does not look like a text table: it is {what}.",
                "Choose a CSV, TSV or TXT file, or the right reader for this file.",
            )
    head = sample[:65536]
    if b"\x00" in head or len(_CONTROL.findall(head.decode("latin-1"))) > 0.01 * len(head):
        raise SourceError(
            "This file does not look like a text table: it holds binary data "
            "(bytes that never appear in text).",
            "Choose a CSV, TSV or TXT file exported as text.",
        )


def _without_cut_character(sample: bytes) -> bytes:
    """Drop a UTF-8 character cut in two by the end of the sample."""
    for back in range(1, min(4, len(sample)) + 1):
        byte = sample[-back]
        if byte < 0x80:
            return sample
        if byte >= 0xC0:  # a lead byte: is its sequence complete?
            needed = 2 if byte < 0xE0 else 3 if byte < 0xF0 else 4
            return sample if back >= needed else sample[:-back]
    return sample


def _decode_as(sample: bytes, encoding: str, complete: bool, note: str) -> DetectedEncoding:
    try:
        decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    except LookupError:
        raise SourceError(
            f"This file cannot be read: {encoding!r} is not an encoding Gristmill knows.",
            "Choose an encoding such as utf-8, cp1252 or latin-1.",
        ) from None
    try:
        text = decoder.decode(sample, final=complete)
    except UnicodeDecodeError as error:
        raise SourceError(
            f"This file cannot be read as {ENCODING_NAMES.get(encoding, encoding)}: the bytes "
            f"at position {error.start} are not valid in that encoding.",
            "Choose another encoding, or save the file again as UTF-8.",
        ) from None
    if len(_CONTROL.findall(text[:65536])) > 0.01 * min(len(text), 65536):
        raise SourceError(
            "This file does not look like a text table: it holds binary data.",
            "Choose a CSV, TSV or TXT file exported as text.",
        )
    return DetectedEncoding(encoding, text.lstrip("\ufeff"), note)


def _single_byte(sample: bytes) -> DetectedEncoding:
    """Western European Windows-1252 when it fits, else charset-normalizer's best guess."""
    try:
        text = sample.decode("cp1252")
        high = [char for char in text if ord(char) > 0x7F]
        if all(_WESTERN.match(char) for char in high):
            return DetectedEncoding("cp1252", text, f"Encoding: {ENCODING_NAMES['cp1252']}.")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(sample[:262144]).best()
    if best is not None and best.encoding not in {"utf_8", "ascii"}:
        name = best.encoding.replace("_", "-")
        return DetectedEncoding(
            name, sample.decode(name, errors="replace"), f"Encoding: {name} (best guess)."
        )
    return DetectedEncoding(
        "latin-1", sample.decode("latin-1"), f"Encoding: {ENCODING_NAMES['latin-1']} (a guess)."
    )


register_fallback_handler()
