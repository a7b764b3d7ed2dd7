"""detect_csv_format: a pure function on the first bytes of a file."""

from __future__ import annotations

import codecs
import re
import zipfile
from io import BytesIO

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.errors import SourceError
from engine.sources.sniff import CsvFormat, detect_csv_format, number_pattern

TABLE = "name,city,amount\nRené,Orléans,12.5\nZoë,Köln,3.25\nÅsa,Malmö,7\n"


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (TABLE.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + TABLE.encode("utf-8"), "utf-8-sig"),
        (TABLE.encode("utf-16"), "utf-16"),
        (codecs.BOM_UTF16_BE + TABLE.encode("utf-16-be"), "utf-16"),
        (TABLE.encode("utf-16-le"), "utf-16-le"),
        (TABLE.encode("utf-16-be"), "utf-16-be"),
        (TABLE.encode("cp1252"), "cp1252"),
    ],
)
def test_encoding_is_detected_and_header_decoded(data: bytes, encoding: str) -> None:
    fmt = detect_csv_format(data, complete=True)
    assert fmt.encoding == encoding
    assert not fmt.mixed_encoding
    assert fmt.header == ("name", "city", "amount")
    assert fmt.delimiter == ","
    assert fmt.has_header


def test_mostly_utf8_with_stray_cp1252_bytes_is_mixed() -> None:
    data = TABLE.encode("utf-8") + "Noël,Besançon,1\n".encode("cp1252")
    fmt = detect_csv_format(data, complete=True)
    assert (fmt.encoding, fmt.mixed_encoding) == ("utf-8", True)
    assert "Windows-1252" in fmt.notes[0]


def test_a_character_cut_by_the_end_of_the_sample_is_not_a_bad_byte() -> None:
    data = ("a,b\n" + "é,1\n" * 100).encode("utf-8")
    cut = data[:-4]  # ends inside the two bytes of the last é
    assert cut[-1] == 0xC3
    fmt = detect_csv_format(cut)
    assert (fmt.encoding, fmt.mixed_encoding) == ("utf-8", False)


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_each_delimiter_is_found(delimiter: str) -> None:
    rows = [["id", "label", "price"], ["1", "a, b; c | d", "2.5"], ["2", "x", "3.5"]]
    text = "\n".join(delimiter.join(f'"{v}"' if " " in v else v for v in r) for r in rows)
    fmt = detect_csv_format((text + "\n").encode(), complete=True)
    assert fmt.delimiter == delimiter
    assert fmt.header == ("id", "label", "price")


def test_semicolon_wins_over_the_commas_of_decimal_numbers() -> None:
    data = b"a;b;c\n1,5;2,25;3\n4,5;5,75;6\n"
    fmt = detect_csv_format(data, complete=True)
    assert (fmt.delimiter, fmt.decimal, fmt.thousands) == (";", ",", None)


@pytest.mark.parametrize(
    ("body", "thousands"),
    [
        ("1.234,56;2.500.000,00;12,5", "."),
        ("1 234,56;2 500 000,00;12,5", " "),
        ("1\u00a0234,56;2\u00a0500\u00a0000,00;12,5", " "),
        ("1\u202f234,56;2\u202f500\u202f000,00;12,5", " "),
    ],
)
def test_decimal_comma_and_thousands_separators(body: str, thousands: str) -> None:
    data = f"x;y;z\n{body}\n{body}\n".encode()
    fmt = detect_csv_format(data, complete=True)
    assert (fmt.delimiter, fmt.decimal, fmt.thousands) == (";", ",", thousands)
    assert any("decimal mark" in note for note in fmt.notes)


def test_comma_thousands_with_a_decimal_point() -> None:
    data = b"x;y\n1,234.50;2,000,000\n12.5;3\n"
    fmt = detect_csv_format(data, complete=True)
    assert (fmt.decimal, fmt.thousands) == (".", ",")


def test_plain_numbers_need_no_conversion() -> None:
    fmt = detect_csv_format(b"x,y\n1.5,2\n-3.25,1e3\n", complete=True)
    assert fmt.plain_numbers


@pytest.mark.parametrize(
    ("data", "has_header"),
    [
        (b"1,2.5,3\n4,5.5,6\n7,8.5,9\n", False),
        (b"10;2024-01-31;7\n11;2024-02-01;8\n", False),
        (b"id,score\n1,2.5\n2,3.5\n", True),
        (b"name,city\nAnna,Paris\nBob,Lyon\n", True),
        (b"Anna,FR\nBob,FR\nCarl,DE\n", False),  # the first row's FR repeats below: data
        (b"2023,2024\n", False),
        (b"a,b\n", True),
    ],
)
def test_header_presence(data: bytes, has_header: bool) -> None:
    fmt = detect_csv_format(data, complete=True)
    assert fmt.has_header is has_header
    assert any("column_1" in note for note in fmt.notes) is (not has_header)


def test_quoted_newlines_and_delimiters_do_not_confuse_detection() -> None:
    data = b'id;note\n1;"first line\nsecond; line, with commas"\n2;"plain"\n'
    fmt = detect_csv_format(data, complete=True)
    assert fmt.delimiter == ";"
    assert fmt.field_count == 2


def test_single_quotes_are_recognised() -> None:
    fmt = detect_csv_format(b"a,b\n'x,y',1\n'z',2\n", complete=True)
    assert fmt.quotechar == "'"


def test_overrides_win() -> None:
    fmt = detect_csv_format(b"a;b\n1;2\n", complete=True, delimiter=",", encoding="latin-1")
    assert (fmt.delimiter, fmt.encoding, fmt.header) == (",", "latin-1", ("a;b",))


def _zip_bytes() -> bytes:
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("x.txt", "hello")
    return buffer.getvalue()


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n" + bytes(range(256)),
        _zip_bytes(),
        b"a,b\n1,2\n\x00\x00\x00\x01\x02\x03",
        bytes(range(1, 32)) * 20,
    ],
)
def test_binary_data_is_refused(data: bytes) -> None:
    with pytest.raises(SourceError, match="does not look like a text table"):
        detect_csv_format(data, complete=True)


@pytest.mark.parametrize("data", [b"", b"\n\n  \r\n"])
def test_empty_sample_is_refused(data: bytes) -> None:
    with pytest.raises(SourceError, match="empty"):
        detect_csv_format(data, complete=True)


@pytest.mark.parametrize(
    ("value", "decimal", "thousands", "matches"),
    [
        ("1.234,56", ",", ".", True),
        ("-1 234,5", ",", " ", True),
        ("31.01.2024", ",", ".", False),
        ("1234.5", ".", None, True),
        ("1e-3", ".", None, True),
        ("12a", ".", None, False),
    ],
)
def test_number_pattern(value: str, decimal: str, thousands: str | None, matches: bool) -> None:
    assert bool(re.match(number_pattern(decimal, thousands), value)) is matches


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=600))
def test_random_bytes_give_a_format_or_a_source_error(data: bytes) -> None:
    try:
        fmt = detect_csv_format(data, complete=True)
    except SourceError:
        return
    assert isinstance(fmt, CsvFormat)
    assert fmt.delimiter in {",", ";", "\t", "|"}


def test_title_lines_are_found_above_the_header() -> None:
    fmt = detect_csv_format(b"Customer export\n\nid,name,amount\n1,a,2.5\n2,b,3\n", complete=True)
    assert fmt.header == ("id", "name", "amount")
    assert (fmt.skip_lines, fmt.has_header, fmt.field_count) == (2, True, 3)
    assert any(n.startswith("Skipped 1 title line above the header (line 3)") for n in fmt.notes)


@pytest.mark.parametrize(
    "data",
    [
        b"a,b\n1,2,\n3,4,\n5,6,\n",  # rows end with a delimiter: the header is no title
        b"name\nx\ny\nz\n",  # one column
        b"id,v\n1\n2,3\n4,5\n",  # a short first row below a full header
    ],
)
def test_no_title_is_found_where_there_is_none(data: bytes) -> None:
    fmt = detect_csv_format(data, complete=True)
    assert fmt.skip_lines == 0
    assert not any("title" in note for note in fmt.notes)


def test_header_row_is_a_line_of_the_file_and_disables_title_detection() -> None:
    data = b"Report\n\nid,v\n1,2\n"
    assert detect_csv_format(data, complete=True, header_row=2).header == ("id", "v")
    chosen = detect_csv_format(data, complete=True, header_row=0)
    assert (chosen.header, chosen.skip_lines) == (("Report",), 0)
    with pytest.raises(SourceError, match="nothing on line 9"):
        detect_csv_format(data, complete=True, header_row=8)


def test_columns_with_leading_zero_numbers_are_marked_as_text() -> None:
    fmt = detect_csv_format(b"id,zip,x,y\n1,01234,0,0.5\n2,75001,7,-0.25\n", complete=True)
    assert fmt.text_columns == (1,)


def test_three_decimals_in_a_comma_delimited_file_keep_the_decimal_point() -> None:
    """40.650 looks like '.' between thousands only if ',' were the decimal mark, which a
    comma-delimited file without any decimal comma cannot have: read 40.65, and say it could
    be read two ways; a leading 0 (0.650) settles it, as nobody groups thousands after a 0."""
    ambiguous = b"a,b,y\n40.650,11.250,1\n12.300,7.125,0\n13.450,2.500,1\n"
    found = detect_csv_format(ambiguous, complete=True)
    assert (found.delimiter, found.decimal, found.thousands) == (",", ".", None)
    assert any("could be read two ways" in note for note in found.notes)
    settled = b"a,b,y\n0.650,-1.250,1\n12.300,7.125,0\n13.450,2.500,1\n"
    found = detect_csv_format(settled, complete=True)
    assert (found.delimiter, found.decimal, found.thousands) == (",", ".", None)
