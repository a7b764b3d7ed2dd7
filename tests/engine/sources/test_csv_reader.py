"""The CSV/TSV/TXT reader on real files written to tmp_path."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from engine.errors import SourceError
from engine.jobs import Cancelled, CancelToken, Job
from engine.sources.base import FileSource
from engine.sources.csv_reader import preview_csv, read_csv

TABLE = (
    "name,city,amount,visits\n"
    "René,Orléans,12.5,3\n"
    "Zoë,Köln,-3.25,10\n"
    "Åsa,Malmö,7,\n"
)


def _load(path: Path, **options: object) -> tuple[pd.DataFrame, list[str]]:
    table = read_csv(FileSource(str(path), **options), Job())  # type: ignore[arg-type]
    return table.frame, table.report.notes


def _write(tmp_path: Path, data: bytes | str, name: str = "data.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def _assert_table(frame: pd.DataFrame) -> None:
    assert list(frame.columns) == ["name", "city", "amount", "visits"]
    assert frame["name"].tolist() == ["René", "Zoë", "Åsa"]
    assert frame["city"].tolist() == ["Orléans", "Köln", "Malmö"]
    assert frame["amount"].tolist() == [12.5, -3.25, 7.0]
    assert frame["visits"].iloc[:2].tolist() == [3.0, 10.0]
    assert math.isnan(frame["visits"].iloc[2])


@pytest.mark.parametrize(
    ("encoding", "detected"),
    [
        ("utf-8", "utf-8"),
        ("utf-8-sig", "utf-8-sig"),
        ("utf-16", "utf-16"),
        ("utf-16-le", "utf-16-le"),
        ("cp1252", "cp1252"),
    ],
)
def test_each_encoding_loads_exactly(tmp_path: Path, encoding: str, detected: str) -> None:
    path = _write(tmp_path, TABLE.encode(encoding))
    table = read_csv(FileSource(str(path)), Job())
    _assert_table(table.frame)
    assert table.report.options["encoding"] == detected
    assert table.report.rows == 3


@pytest.mark.parametrize(
    ("delimiter", "suffix"), [(";", ".csv"), ("\t", ".tsv"), ("|", ".txt"), ("\t", ".tab")]
)
def test_each_delimiter_loads_exactly(tmp_path: Path, delimiter: str, suffix: str) -> None:
    path = _write(tmp_path, TABLE.replace(",", delimiter), "data" + suffix)
    frame, notes = _load(path)
    _assert_table(frame)
    assert any(note.startswith("Delimiter:") for note in notes)


@pytest.mark.parametrize(
    "thousands", [".", " ", "\u00a0", "\u202f"], ids=["dot", "space", "nbsp", "narrow-nbsp"]
)
def test_decimal_comma_with_thousands_separators(tmp_path: Path, thousands: str) -> None:
    rows = [
        "id;amount;rate;day;code",
        f"1;1{thousands}234,56;0,5;31.01.2024;007",
        f"2;-2{thousands}500{thousands}000,00;12,25;01.02.2024;012",
        "3;12,5;;15.03.2024;100",
        f"4;999;3;16.03.2024;{thousands}x",
    ]
    path = _write(tmp_path, "\n".join(rows).encode("cp1252" if thousands != "\u202f" else "utf-8"))
    frame, notes = _load(path)
    assert frame["id"].tolist() == [1, 2, 3, 4]
    assert frame["id"].dtype == np.int64
    assert frame["amount"].tolist() == [1234.56, -2500000.0, 12.5, 999.0]
    assert frame["rate"].iloc[[0, 1, 3]].tolist() == [0.5, 12.25, 3.0]
    assert math.isnan(frame["rate"].iloc[2])
    # Dates written with dots are not numbers with thousands separators.
    assert frame["day"].tolist()[0] in ("31.01.2024", pd.Timestamp("2024-01-31"))
    # A column with one non-number stays text, leading zeros kept.
    assert frame["code"].tolist()[:3] == ["007", "012", "100"]
    assert any("decimal mark" in note for note in notes)


def test_quoted_fields_with_embedded_newlines(tmp_path: Path) -> None:
    data = 'id,comment,score\n1,"first line\nsecond line, with comma",2.5\n2,"say ""hi""",3\n'
    frame, _ = _load(_write(tmp_path, data))
    assert frame["comment"].tolist() == ["first line\nsecond line, with comma", 'say "hi"']
    assert frame["score"].tolist() == [2.5, 3.0]


def test_crlf_line_ends(tmp_path: Path) -> None:
    frame, _ = _load(_write(tmp_path, "a;b\r\n1;x\r\n2;y\r\n"))
    assert frame.to_dict("list") == {"a": [1, 2], "b": ["x", "y"]}


def test_first_row_of_data_gives_numbered_columns(tmp_path: Path) -> None:
    frame, notes = _load(_write(tmp_path, "1,2.5,7\n2,3.5,8\n3,4.5,9\n"))
    assert list(frame.columns) == ["column_1", "column_2", "column_3"]
    assert frame["column_1"].tolist() == [1, 2, 3]
    assert any("column_1 to column_3" in note for note in notes)


def test_blank_and_duplicate_names_are_renamed_with_notes(tmp_path: Path) -> None:
    frame, notes = _load(_write(tmp_path, "a,,a,b\n1,2,3,4\n5,6,7,8\n"))
    assert list(frame.columns) == ["a", "column_2", "a (2)", "b"]
    assert frame["a (2)"].tolist() == [3, 7]
    assert "Column 2 has no name; it is called 'column_2'." in notes
    assert "Column 3 repeats the name 'a'; it is called 'a (2)'." in notes


def test_trailing_delimiter_on_every_line(tmp_path: Path) -> None:
    frame, notes = _load(_write(tmp_path, "a;b;\n1;2;\n3;4;\n"))
    assert frame.to_dict("list") == {"a": [1, 3], "b": [2, 4]}
    assert any("ends with a delimiter" in note for note in notes)


def test_missing_value_spellings_become_missing(tmp_path: Path) -> None:
    frame, _ = _load(_write(tmp_path, "a,b\n1,NA\n2,\n3,x\n"))
    assert frame["b"].isna().tolist() == [True, True, False]


def test_user_choices_override_detection(tmp_path: Path) -> None:
    path = _write(tmp_path, "a|b\n1|x\n".encode("latin-1"))
    frame, notes = _load(path, delimiter="|", encoding="latin-1")
    assert frame.to_dict("list") == {"a": [1], "b": ["x"]}
    assert "Encoding: latin-1, as chosen." in notes


def test_header_row_option_skips_title_lines(tmp_path: Path) -> None:
    frame, _ = _load(_write(tmp_path, "Sales report\nid,value\n1,2\n"), header_row=1)
    assert frame.to_dict("list") == {"id": [1], "value": [2]}


def test_mixed_encoding_beyond_the_sample_loads_with_a_note(tmp_path: Path) -> None:
    head = ("id,name\n" + "".join(f"{i},Zoë\n" for i in range(150_000))).encode("utf-8")
    assert len(head) > 1 << 20  # the stray bytes are after the part used for detection
    tail = "150000,Noël\n150001,Besançon\n".encode("cp1252")
    path = _write(tmp_path, head + tail)
    frame, notes = _load(path)
    assert frame["name"].iloc[-2:].tolist() == ["Noël", "Besançon"]
    assert frame["name"].iloc[0] == "Zoë"
    assert notes[0].startswith("Encoding: mostly UTF-8, but 2 byte(s) are not")


def test_mixed_encoding_inside_the_sample_loads_with_a_note(tmp_path: Path) -> None:
    path = _write(tmp_path, "id,name\n1,Zoë\n2,Åsa\n".encode() + "3,Noël\n".encode("cp1252"))
    frame, notes = _load(path)
    assert frame["name"].tolist() == ["Zoë", "Åsa", "Noël"]
    assert "1 byte(s) are not" in notes[0]


def test_empty_file(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match=r"data.csv is empty \(0 bytes\)"):
        _load(_write(tmp_path, b""))


def test_blank_lines_only(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match=r"'data.csv' is empty"):
        _load(_write(tmp_path, "\n \r\n\n"))


def test_header_only(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="has a header but no rows"):
        _load(_write(tmp_path, "id,name,amount\n"))


@pytest.mark.parametrize(
    ("data", "what"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200), "PNG image"),
        (b"PK\x03\x04\x14\x00\x00\x00" + bytes(200), "zip archive"),
        (b"id,name\n1,a\n" + bytes(50) + b"\n", "binary data"),
    ],
)
def test_binary_file_named_csv(tmp_path: Path, data: bytes, what: str) -> None:
    with pytest.raises(SourceError, match=f"does not look like a text table.*{what}"):
        _load(_write(tmp_path, data))


def test_ragged_rows_name_the_first_line_and_count(tmp_path: Path) -> None:
    lines = ["id;name;amount"] + [f"{i};n{i};{i},5" for i in range(1, 40)]
    lines[7] = "7;Smith; John;7,5"  # line 8 of the file
    lines[21] = "21;Doe; Jane;1,5"  # line 22
    with pytest.raises(SourceError) as caught:
        _load(_write(tmp_path, "\n".join(lines) + "\n"))
    message = str(caught.value)
    assert "2 row(s) with more values than the 3 columns of its header" in message
    assert "line 8 has 4 values" in message
    assert "lines 22" in message
    assert "';'" in message


def test_ragged_rows_far_down_the_file(tmp_path: Path) -> None:
    body = "".join(f"{i},{i * 2}\n" for i in range(300_000))
    path = _write(tmp_path, "a,b\n" + body + "1,2,3\n")
    with pytest.raises(SourceError, match="line 300002 has 3 values"):
        _load(path)


def test_every_row_longer_than_the_header(tmp_path: Path) -> None:
    # pandas would silently use the first column as the index here
    with pytest.raises(SourceError, match=r"2 row.*line 2 has 3 values"):
        _load(_write(tmp_path, "a,b\n1,2,3\n4,5,6\n"))


def test_quote_never_closed(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match=r"quote .* never closed"):
        _load(_write(tmp_path, 'a,b\n1,"x\n2,3\n'))


def test_missing_file_and_folder_use_the_shared_path_check(tmp_path: Path) -> None:
    # One wording for every reader: the messages of engine.sources.files.check_path.
    _write(tmp_path, "a\n1\n", "sales.csv")
    with pytest.raises(SourceError, match="There is no file at") as caught:
        _load(tmp_path / "sale.csv")
    assert "sales.csv" in str(caught.value.hint)  # the shared check suggests close names
    with pytest.raises(SourceError, match="is a folder, not a file") as caught:
        _load(tmp_path)
    assert "sales.csv" in str(caught.value.hint)


def test_a_million_distinct_strings(tmp_path: Path) -> None:
    count = 1_000_000
    body = "\n".join(f"{i},ID-{i:07d}" for i in range(count))
    frame, _ = _load(_write(tmp_path, "n,key\n" + body + "\n"))
    assert len(frame) == count
    assert isinstance(frame["key"].dtype, pd.StringDtype)  # Arrow-backed, not objects
    assert frame["key"].nunique() == count
    assert frame["key"].iloc[-1] == "ID-0999999"
    assert frame.memory_usage(deep=True).sum() < 40 * count


def _big_file(tmp_path: Path) -> Path:
    body = "".join(f"{i},{i * 0.5},name {i % 97}\n" for i in range(120_000))
    return _write(tmp_path, "id,half,label\n" + body)


def test_progress_is_monotone_and_ends_at_one(tmp_path: Path) -> None:
    path = _big_file(tmp_path)
    reports: list[float] = []
    job = Job(lambda fraction, message: reports.append(fraction), min_interval=0.0)
    table = read_csv(FileSource(str(path)), job)
    assert len(table.frame) == 120_000
    assert len(reports) > 5  # several reports while reading, not just start and end
    assert reports == sorted(reports)
    assert reports[-1] == 1.0
    assert all(0.0 <= fraction <= 1.0 for fraction in reports)


def test_cancel_from_the_progress_callback(tmp_path: Path) -> None:
    path = _big_file(tmp_path)
    token = CancelToken()
    reports: list[float] = []

    def progress(fraction: float, message: str) -> None:
        reports.append(fraction)
        if fraction > 0:
            token.cancel()

    with pytest.raises(Cancelled):
        read_csv(FileSource(str(path)), Job(progress, token, min_interval=0.0))
    assert 0 < reports[-1] < 0.8  # stopped while reading


def test_preview_reads_the_first_rows_with_the_same_detection(tmp_path: Path) -> None:
    rows = ["id;amount"] + [f"{i};{i},5" for i in range(1, 1001)]
    path = _write(tmp_path, "\n".join(rows) + "\n")
    table = preview_csv(FileSource(str(path)), rows=5)
    assert table.frame["amount"].tolist() == [1.5, 2.5, 3.5, 4.5, 5.5]
    assert table.report.options["delimiter"] == ";"
    assert table.report.rows == 5


def test_report_keeps_reusable_options(tmp_path: Path) -> None:
    table = read_csv(FileSource(str(_write(tmp_path, "a\tb\n1\t2\n"))), Job())
    assert table.report.options == {
        "encoding": "utf-8",
        "delimiter": "\t",
        "quotechar": '"',
        "has_header": True,
        "decimal": ".",
        "thousands": None,
    }
    assert table.report.source_label == "data.csv"


def test_one_call_path_gives_the_same_table_and_honours_cancel(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Mid-size UTF-8 files are parsed by one pandas call on a path (see ONE_CALL_*)."""
    from engine.sources import csv_reader

    path = _big_file(tmp_path)
    streamed = read_csv(FileSource(str(path)), Job()).frame
    monkeypatch.setattr(csv_reader, "ONE_CALL_MIN_BYTES", 0)
    reports: list[float] = []
    job = Job(lambda fraction, message: reports.append(fraction), min_interval=0.0)
    pd.testing.assert_frame_equal(read_csv(FileSource(str(path)), job).frame, streamed)
    assert reports == sorted(reports) and reports[-1] == 1.0

    token = CancelToken()
    with pytest.raises(Cancelled):
        read_csv(FileSource(str(path)), Job(lambda f, m: token.cancel(), token))

    ragged = _write(tmp_path, "a,b\n1,2\n3,4,5\n", "ragged.csv")
    with pytest.raises(SourceError, match="line 3 has 3 values"):
        read_csv(FileSource(str(ragged)), Job())


# Leading zeros, short rows, title lines, currency and percent (review gaps 4, 7, 8, 22) ------


def test_leading_zero_codes_stay_text_in_a_plain_file(tmp_path: Path) -> None:
    data = (
        "id,zip,phone,article,ratio,count\n"
        "1,01234,0612345000,00037,0.5,0\n"
        "2,75001,0712345678,12345,0,10\n"
        "3,13002,0699999999,00100,1.25,3\n"
    )
    table = read_csv(FileSource(str(_write(tmp_path, data))), Job())
    frame = table.frame
    assert frame["zip"].tolist() == ["01234", "75001", "13002"]
    assert frame["phone"].tolist() == ["0612345000", "0712345678", "0699999999"]
    assert frame["article"].tolist() == ["00037", "12345", "00100"]
    assert frame["id"].dtype == np.int64 and frame["count"].dtype == np.int64  # 0 is a number
    assert frame["ratio"].tolist() == [0.5, 0.0, 1.25]  # 0.5 is a number
    assert "'01234' start with 0" in table.report.column_notes["zip"]


def test_leading_zero_codes_stay_text_in_a_decimal_comma_file(tmp_path: Path) -> None:
    rows = ["zip;amount;rate"] + [f"{75000 + i};{i},5;0,{i}" for i in range(1, 3000)]
    rows.append("01234;1,5;0")  # beyond the detection sample: the full column is checked
    table = read_csv(FileSource(str(_write(tmp_path, "\n".join(rows) + "\n"))), Job())
    frame = table.frame
    assert frame["zip"].iloc[-1] == "01234" and frame["zip"].iloc[0] == "75001"
    assert frame["amount"].iloc[-1] == 1.5
    assert frame["rate"].iloc[:2].tolist() == [0.1, 0.2]
    assert "zip" in table.report.column_notes


def test_rows_with_fewer_values_load_with_a_note(tmp_path: Path) -> None:
    data = "a,b,c\n1,2,3\n4,5\n6,7,\n8\n9,10,11\n"
    table = read_csv(FileSource(str(_write(tmp_path, data))), Job())
    assert table.frame["a"].tolist() == [1, 4, 6, 8, 9]
    assert table.frame["c"].isna().tolist() == [False, True, True, True, False]
    short = [note for note in table.report.notes if "fewer values" in note]
    # "6,7," has its three values (the last one empty): only lines 3 and 5 are short.
    assert short and short[0].startswith("2 rows have fewer values than the 3 columns")
    assert "lines 3, 5" in short[0]
    preview = preview_csv(FileSource(str(_write(tmp_path, data))), rows=2)
    notes = preview.report.notes
    assert any("1 row has fewer values" in note and "line 3" in note for note in notes)


def test_complete_rows_and_trailing_delimiters_get_no_short_row_note(tmp_path: Path) -> None:
    for data in ("a,b,c\n1,2,\n3,,\n", "a;b;\n1;2;\n3;;\n"):
        _, notes = _load(_write(tmp_path, data))
        assert not any("fewer values" in note for note in notes), data


@pytest.mark.parametrize(
    ("data", "count", "line"),
    [
        ("Sales report 2024\n\nid,region,amount\n1,North,10.5\n2,South,11\n3,East,12\n", 1, 3),
        ("Sales report\nExported 2024-01-31 by Ana\nid;region;amount\n1;North;10,5\n"
         "2;South;11\n3;East;12\n", 2, 3),
        ("Sales report,,\nid,region,amount\n1,North,10.5\n2,South,11\n3,East,12\n", 1, 2),
    ],
    ids=["title-and-blank", "two-titles", "spreadsheet-title"],
)
def test_title_lines_above_the_header_are_skipped_with_a_note(
    tmp_path: Path, data: str, count: int, line: int
) -> None:
    frame, notes = _load(_write(tmp_path, data))
    assert list(frame.columns) == ["id", "region", "amount"]
    assert frame["amount"].tolist() == [10.5, 11.0, 12.0]
    plural = "s" if count > 1 else ""
    expected = f"Skipped {count} title line{plural} above the header (line {line})"
    assert any(note.startswith(expected) for note in notes), notes


def test_an_explicit_header_row_is_honoured_over_title_detection(tmp_path: Path) -> None:
    path = _write(tmp_path, "Report\nid,v\n1,2\n3,4\n")
    with pytest.raises(SourceError, match="more values than the 1 columns"):
        _load(path, header_row=0)  # the user said the header is line 1: no guessing
    frame, notes = _load(path, header_row=1)
    assert frame.to_dict("list") == {"id": [1, 3], "v": [2, 4]}
    assert not any("title" in note for note in notes)


def test_currency_and_percent_columns_become_numbers(tmp_path: Path) -> None:
    data = (
        'item,price,rate,mixed,label\n'
        'a,"$1,000.50",12%,$5,5%\n'
        'b,$20,3.5 %,7,high\n'
        'c,,100%,$1,\n'
    )
    table = read_csv(FileSource(str(_write(tmp_path, data))), Job())
    frame, notes = table.frame, table.report.column_notes
    assert frame["price"].tolist()[:2] == [1000.5, 20.0] and math.isnan(frame["price"].iloc[2])
    assert frame["rate"].tolist() == [12.0, 3.5, 100.0]  # percent units, not fractions
    assert "percent units" in notes["rate"] and "'12%' is read as 12" in notes["rate"]
    assert "$" in notes["price"]
    assert frame["mixed"].tolist() == ["$5", "7", "$1"]  # not every value has the sign
    assert frame["label"].tolist()[:2] == ["5%", "high"]


def test_currency_in_a_decimal_comma_file(tmp_path: Path) -> None:
    data = "item;price;share\na;1.234,50 €;12,5%\nb;€ 12,00;0,5%\nc;-3,5 €;100%\n"
    frame, _ = _load(_write(tmp_path, data))
    assert frame["price"].tolist() == [1234.5, 12.0, -3.5]
    assert frame["share"].tolist() == [12.5, 0.5, 100.0]


def test_codes_whose_first_leading_zero_comes_late_in_a_big_file_keep_it(
    tmp_path: Path,
) -> None:
    # Sorted by code descending: the first 0-prefixed code appears after megabytes of rows.
    codes = [f"{n:05d}" for n in range(99_999, 0, -1)]
    lines = ["code,amount,region"] + [
        f"{code},{i * 1.5},{'North' if i % 2 else 'South'}" for i, code in enumerate(codes)
    ]
    path = tmp_path / "late_zeros.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    first_zero = path.read_bytes().index(b"\n09999,")
    assert first_zero > 1.5 * 1024 * 1024  # far beyond the 1 MB detection sample
    frame = read_csv(FileSource(path=str(path)), Job()).frame
    assert frame["code"].iloc[-1] == "00001"
    assert frame["code"].iloc[0] == "99999"
    assert str(frame["amount"].dtype) == "float64"
