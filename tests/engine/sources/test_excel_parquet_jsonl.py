"""Excel, Parquet and JSON lines readers, through engine.sources.files."""

from __future__ import annotations

import datetime as dt
import decimal
import io
import json
from pathlib import Path

import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.errors import SourceError
from engine.jobs import Cancelled, CancelToken, Job
from engine.sources.base import FileSource, LoadedTable
from engine.sources.files import load_file, preview_file

OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _load(path: Path, **options: object) -> LoadedTable:
    return load_file(FileSource(str(path), **options), Job())  # type: ignore[arg-type]


def _workbook(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        for row in rows:
            sheet.append(row)
    workbook.save(path)
    return path


# Excel ----------------------------------------------------------------------------------


def test_excel_typed_cells_header_detection_and_recognised_text(tmp_path: Path) -> None:
    path = _workbook(
        tmp_path / "crm.xlsx",
        {
            "Customers": [
                [],
                ["Customer export"],  # a title above the table: the user picks the header row
                [],
                ["id", "signed", "active", "income", None, "since"],
                [1, dt.datetime(2024, 1, 31), "Y", 42_100.5, None, "31/01/2024"],
                [2, dt.datetime(2023, 5, 2), "N", "n/a", None, "01/02/2024"],
                [],
                [3, dt.date(2022, 12, 1), "y", 38_000, None, "15/03/2023"],
            ]
        },
    )
    table = _load(path, header_row=3)
    frame = table.frame
    assert list(frame.columns) == ["id", "signed", "active", "income", "since"]
    assert frame["id"].tolist() == [1, 2, 3] and str(frame["id"].dtype) == "int64"
    assert str(frame["signed"].dtype).startswith("datetime64")
    assert str(frame["active"].dtype) == "boolean"
    assert frame["income"].isna().tolist() == [False, True, False]
    assert frame["since"][0].day == 31 and frame["since"][1].month == 2
    notes = table.report.column_notes
    assert "day comes first" in notes["since"]
    assert "missing value" in notes["income"]
    assert table.report.options == {"format": "excel", "sheet": "Customers", "header_row": 3}
    assert any("1 empty row skipped" in note for note in table.report.notes)


def test_excel_default_header_is_the_first_non_empty_row(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "t.xlsx", {"S": [[], [None, "a", "b"], [0, 1, 2]]})
    frame = _load(path).frame
    assert list(frame.columns) == ["column_1", "a", "b"]
    assert frame["b"].tolist() == [2]


def test_excel_title_row_above_the_header_is_skipped_with_a_note(tmp_path: Path) -> None:
    path = _workbook(
        tmp_path / "t.xlsx",
        {"S": [[], ["Customer export 2024"], [], ["id", "amount", "city"], [1, 2.5, "Lyon"]]},
    )
    table = _load(path)
    assert list(table.frame.columns) == ["id", "amount", "city"]
    assert table.frame["amount"].tolist() == [2.5]  # a number, not text under a title
    assert table.report.options["header_row"] == 3
    assert any(
        note.startswith("Skipped 1 title row above the header (row 4): 'Customer export 2024'")
        for note in table.report.notes
    )


def test_excel_single_column_table_is_not_taken_for_a_title(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "t.xlsx", {"S": [["name"], ["Ana"], ["Bo"]]})
    table = _load(path)
    assert table.frame["name"].tolist() == ["Ana", "Bo"]
    assert not any("title" in note for note in table.report.notes)


def test_excel_text_codes_with_leading_zeros_stay_text(tmp_path: Path) -> None:
    path = _workbook(
        tmp_path / "t.xlsx",
        {"S": [["zip", "phone", "n"], ["01234", "0612345000", 1], ["00037", "0712345678", 2]]},
    )
    frame = _load(path).frame
    assert frame["zip"].tolist() == ["01234", "00037"]
    assert frame["phone"].tolist() == ["0612345000", "0712345678"]


def test_empty_only_sheet_says_what_to_do(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "empty.xlsx", {"Sheet": []})
    with pytest.raises(SourceError) as caught:
        _load(path)
    assert caught.value.message == "The sheet 'Sheet' of empty.xlsx is empty."
    assert caught.value.hint and "put the table on this sheet" in caught.value.hint


def test_excel_sheet_by_name_or_position_and_missing_sheet(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "t.xlsx", {"First": [["x"], [1]], "Second": [["y"], [2]]})
    assert _load(path, sheet="Second").frame["y"].tolist() == [2]
    assert _load(path, sheet="second").frame["y"].tolist() == [2]
    assert _load(path, sheet=1).frame["y"].tolist() == [2]
    with pytest.raises(SourceError) as caught:
        _load(path, sheet="Third")
    assert "'First', 'Second'" in caught.value.message
    with pytest.raises(SourceError, match="no sheet number 5"):
        _load(path, sheet=4)


def test_empty_excel_file_is_refused(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "empty.xlsx", {"Blank": [], "Other": [["a"], [1]]})
    with pytest.raises(SourceError) as caught:
        _load(path)
    assert "'Blank'" in caught.value.message and "is empty" in caught.value.message
    assert "Other" in str(caught.value.hint)


def test_excel_header_without_data_is_refused(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "h.xlsx", {"S": [["a", "b"]]})
    with pytest.raises(SourceError, match="no data below it"):
        _load(path)


def test_password_protected_workbook_is_refused(tmp_path: Path) -> None:
    """A genuinely encrypted workbook, made with msoffcrypto-tool (test-only dependency)."""
    ooxml = pytest.importorskip("msoffcrypto.format.ooxml")
    plain = _workbook(tmp_path / "plain.xlsx", {"S": [["a"], [1]]})
    protected = tmp_path / "protected.xlsx"
    with plain.open("rb") as source, protected.open("wb") as target:
        ooxml.OOXMLFile(source).encrypt("s3cret", target)
    assert protected.read_bytes()[:8] == OLE
    with pytest.raises(SourceError) as caught:
        _load(protected)
    assert "protected by a password" in caught.value.message
    assert "unprotected copy" in str(caught.value.hint)
    assert "s3cret" not in str(caught.value)


def test_ole_container_with_encrypted_package_stream_is_called_protected(tmp_path: Path) -> None:
    path = tmp_path / "locked.xlsx"
    path.write_bytes(OLE + b"\0" * 2000 + "EncryptedPackage".encode("utf-16-le") + b"\0" * 64)
    with pytest.raises(SourceError, match="protected by a password"):
        _load(path)


def test_old_xls_content_under_xlsx_name_is_explained(tmp_path: Path) -> None:
    path = tmp_path / "old.xlsx"
    path.write_bytes(OLE + b"\0" * 4000 + "Workbook".encode("utf-16-le"))
    with pytest.raises(SourceError) as caught:
        _load(path)
    assert "97-2003" in caught.value.message and ".xlsx" in str(caught.value.hint)


def test_damaged_workbook_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bad.xlsx"
    path.write_bytes(b"not a zip at all")
    with pytest.raises(SourceError, match="not a valid Excel workbook"):
        _load(path)


def test_excel_progress_preview_and_cancel(tmp_path: Path) -> None:
    rows: list[list[object]] = [["n", "label"]] + [[i, f"r{i}"] for i in range(6000)]
    path = _workbook(tmp_path / "big.xlsx", {"S": rows})
    seen: list[str] = []
    table = load_file(FileSource(str(path)), Job(lambda f, m: seen.append(m), min_interval=0))
    assert len(table.frame) == 6000 and table.report.rows == 6000
    assert any(message.startswith("Reading row 4,000") for message in seen)
    preview = preview_file(FileSource(str(path)), rows=5)
    assert preview.frame["n"].tolist() == [0, 1, 2, 3, 4]
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        load_file(FileSource(str(path)), Job(cancel=token))


# Parquet --------------------------------------------------------------------------------


def test_parquet_types_structs_flattened_and_duplicates_renamed(tmp_path: Path) -> None:
    table = pa.Table.from_arrays(
        [
            pa.array([1, 2]),
            pa.array([{"city": "Lyon", "geo": {"lat": 45.7}}, {"city": None, "geo": None}]),
            pa.array([decimal.Decimal("1.50"), None]),
            pa.array([dt.date(2024, 1, 31), None]),
            pa.array(["a", "b"]).dictionary_encode(),
            pa.array([3, 4]),
        ],
        names=["id", "address", "price", "day", "colour", "id"],
    )
    path = tmp_path / "t.parquet"
    pq.write_table(table, path)
    loaded = _load(path)
    frame = loaded.frame
    assert list(frame.columns) == [
        "id", "address.city", "address.geo.lat", "price", "day", "colour", "id (2)",
    ]
    assert frame["address.geo.lat"][0] == 45.7
    assert str(frame["price"].dtype) == "float64"
    assert str(frame["day"].dtype).startswith("datetime64")
    assert frame["colour"].tolist() == ["a", "b"] and str(frame["colour"].dtype) == "str"
    assert any("flattened" in note and "'address'" in note for note in loaded.report.notes)
    assert "decimal" in loaded.report.column_notes["price"]


def test_parquet_text_is_not_reinterpreted(tmp_path: Path) -> None:
    path = tmp_path / "t.parquet"
    pq.write_table(pa.table({"code": ["1", "0"], "d": ["01/02/2024", "03/04/2024"]}), path)
    frame = _load(path).frame
    assert frame["code"].tolist() == ["1", "0"]
    assert frame["d"].tolist() == ["01/02/2024", "03/04/2024"]


def test_parquet_with_list_and_map_columns_is_refused_naming_them(tmp_path: Path) -> None:
    table = pa.table(
        {
            "id": [1],
            "tags": pa.array([["a", "b"]]),
            "attrs": pa.array([[("k", 1)]], type=pa.map_(pa.string(), pa.int64())),
            "nested": pa.array([{"items": [1, 2]}]),
        }
    )
    path = tmp_path / "nested.parquet"
    pq.write_table(table, path)
    with pytest.raises(SourceError) as caught:
        _load(path)
    for name in ("'tags'", "'attrs'", "'nested'"):
        assert name in caught.value.message
    assert "Flatten" in str(caught.value.hint)


def test_damaged_parquet_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bad.parquet"
    buffer = io.BytesIO()
    pq.write_table(pa.table({"a": list(range(1000))}), buffer)
    path.write_bytes(buffer.getvalue()[:-40])
    with pytest.raises(SourceError, match="not a readable Parquet file"):
        _load(path)


# JSON lines -----------------------------------------------------------------------------


def test_jsonl_records_nested_objects_lists_and_recognised_values(tmp_path: Path) -> None:
    lines = [
        {"id": 1, "joined": "2024-01-31", "vip": "yes", "address": {"city": "Lyon"},
         "tags": ["a"]},
        {"id": 2, "joined": "2024-02-01", "vip": "no", "address": {"city": "Paris", "zip": "75"},
         "extra": True},
    ]
    path = tmp_path / "c.ndjson"
    path.write_text("\ufeff" + "\n".join(json.dumps(line) for line in lines) + "\n\n")
    loaded = _load(path)
    frame = loaded.frame
    assert list(frame.columns) == [
        "id", "joined", "vip", "address.city", "tags", "address.zip", "extra",
    ]
    assert str(frame["joined"].dtype).startswith("datetime64")
    assert str(frame["vip"].dtype) == "boolean"
    assert frame["tags"].tolist()[0] == '["a"]'
    assert str(frame["extra"].dtype) == "boolean"
    assert frame["extra"].isna().tolist() == [True, False]
    assert any("dotted" in note for note in loaded.report.notes)
    assert "JSON text" in loaded.report.column_notes["tags"]


def test_json_array_of_records(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    path.write_text(json.dumps([{"a": 1, "b": "x"}, {"a": 2.5, "b": None}], indent=2))
    frame = _load(path).frame
    assert frame["a"].tolist() == [1.0, 2.5]


def test_malformed_jsonl_line_is_reported_with_its_number(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"a": 1}\n\n{"a": 2}\n{"a": 3,,}\n')
    with pytest.raises(SourceError) as caught:
        _load(path)
    assert caught.value.message.startswith("Line 4 of bad.jsonl is not valid JSON")


def test_jsonl_line_that_is_not_an_object_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"a": 1}\n[1, 2]\n')
    with pytest.raises(SourceError, match=r"Line 2 of bad\.jsonl holds a JSON list"):
        _load(path)


def test_pretty_printed_single_object_gets_a_hint(tmp_path: Path) -> None:
    path = tmp_path / "one.json"
    path.write_text(json.dumps({"a": 1, "b": 2}, indent=2))
    with pytest.raises(SourceError) as caught:
        _load(path)
    assert "Line 1" in caught.value.message and "JSON array" in str(caught.value.hint)


def test_json_array_of_non_records_and_non_utf8_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "nums.json"
    path.write_text("[1, 2, 3]")
    with pytest.raises(SourceError, match="not of records"):
        _load(path)
    latin = tmp_path / "latin.jsonl"
    latin.write_bytes('{"city": "Orléans"}\n'.encode("latin-1"))
    with pytest.raises(SourceError, match="not UTF-8 text"):
        _load(latin)


# JSON lines: the pyarrow path gives what the line-by-line path gives ----------------------

_FLAT_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**64), max_value=2**64),
    st.floats(allow_nan=True, allow_infinity=False),
    st.text(max_size=6),
    st.sampled_from(["2024-01-31", "2024-01-31 10:00:00", "n/a", "yes", "1.5", ""]),
)


@settings(max_examples=80, deadline=None)
@given(
    rows=st.lists(
        st.dictionaries(st.sampled_from(["a", "b", "c", "d.e", ""]), _FLAT_VALUES, max_size=4),
        min_size=1,
        max_size=8,
    ),
    column_kinds=st.sampled_from(["any", "one type per column"]),
)
def test_jsonl_fast_path_matches_line_by_line_reading(
    tmp_path_factory: pytest.TempPathFactory, rows: list[dict[str, object]], column_kinds: str
) -> None:
    from engine.sources.jsonl_arrow import read_flat_jsonl
    from engine.sources.jsonl_reader import read_jsonl

    if column_kinds == "one type per column":  # the files the fast path is meant for
        first: dict[str, type] = {}
        rows = [
            {k: v for k, v in row.items() if v is None or first.setdefault(k, type(v)) is type(v)}
            for row in rows
        ]
    path = tmp_path_factory.mktemp("flat") / "t.jsonl"
    path.write_text("\n".join(json.dumps(row) for row in rows) + "\n", encoding="utf-8")
    try:
        slow = read_jsonl(path, None, max_rows=10**9)  # a preview limit: line by line
    except SourceError:
        assert read_flat_jsonl(path, None) is None or not any(rows)
        return
    fast = read_jsonl(path, None)
    pd.testing.assert_frame_equal(fast[0], slow[0])
    assert fast[1:] == slow[1:]


def test_jsonl_fast_path_is_used_for_flat_files_and_not_for_others(tmp_path: Path) -> None:
    from engine.sources.jsonl_arrow import read_flat_jsonl

    flat = tmp_path / "flat.jsonl"
    flat.write_text('{"a": 1, "b": "x", "c": "2024-01-31"}\n{"a": 2.5, "c": null}\n\n')
    columns = read_flat_jsonl(flat, None)
    assert columns is not None and list(columns) == ["a", "b", "c"]
    assert columns["c"].tolist()[0] == "2024-01-31"  # dates stay text for values.py to read
    for body in (
        '{"a": 1}\n{"a": "n/a"}\n',  # numbers mixed with text
        '{"a": {"b": 1}}\n',  # nested
        '{"a": [1]}\n',  # a list
        '{"a": 1}\nnull\n',  # a bare null line (pyarrow would read an empty row)
        'null\n{"a": 1}\n',  # pyarrow crashes on a bare null first
        '{"a": 1}{"a": 2}\n',  # two objects on one line
        '{\n"a": 1\n}\n',  # one object over several lines
        '{"a": 18446744073709551616}\n',  # beyond 64 bits (pyarrow makes it a float)
    ):
        other = tmp_path / "other.jsonl"
        other.write_text(body)
        assert read_flat_jsonl(other, None) is None, body
