"""Reading tables chunk by chunk (engine.sources.stream): columns first, then the loader's cells."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from engine.errors import SourceError
from engine.jobs import Cancelled, CancelToken, Job
from engine.sources.base import DatabaseSource, FileSource
from engine.sources.files import load_file
from engine.sources.stream import iter_chunks, open_stream


def _table(rows: int) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    return pd.DataFrame(
        {
            "id": [f"K{i:05d}" for i in range(rows)],
            "amount": np.round(rng.normal(100, 30, rows), 2),
            "region": rng.choice(["North", "South", "Ëast"], rows),
            "when": [f"2024-01-{1 + i % 28:02d}" for i in range(rows)],
        }
    )


def _chunks(source: FileSource | DatabaseSource, chunk_rows: int, **kwargs) -> list[pd.DataFrame]:
    return list(iter_chunks(source, chunk_rows=chunk_rows, job=Job(**kwargs)))


def test_csv_columns_come_before_the_first_chunk_and_chunks_have_the_asked_size(tmp_path):
    path = tmp_path / "t.csv"
    _table(2_500).to_csv(path, index=False)
    with open_stream(FileSource(str(path)), chunk_rows=1_000) as stream:
        assert stream.columns == ("id", "amount", "region", "when")
        assert stream.header.text_cells and stream.header.decimal == "."
        chunks = list(stream)
    assert [len(c) for c in chunks] == [1_000, 1_000, 500]
    whole = pd.concat(chunks, ignore_index=True)
    assert whole["id"].tolist() == _table(2_500)["id"].tolist()
    # Every cell is text: the consumer converts (Arrow's per-block inference is unstable).
    assert all(pd.api.types.is_string_dtype(whole[c]) for c in whole.columns)
    assert whole["amount"].astype(float).round(2).tolist() == _table(2_500)["amount"].tolist()


def test_csv_with_semicolons_decimal_comma_title_line_and_cp1252(tmp_path):
    path = tmp_path / "euro.csv"
    lines = ["Rapport des ventes", "client;montant;région", "A;1.234,50;Été", "B;12,5;Nord"]
    lines += [f"C{i};{i},25;Nord" for i in range(40)]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))
    with open_stream(FileSource(str(path)), chunk_rows=7) as stream:
        assert stream.columns == ("client", "montant", "région")
        assert (stream.header.decimal, stream.header.thousands) == (",", ".")
        frame = pd.concat(list(stream), ignore_index=True)
    assert frame.iloc[0].tolist() == ["A", "1.234,50", "Été"]
    assert len(frame) == 42


def test_missing_spellings_are_missing_as_in_the_loader(tmp_path):
    path = tmp_path / "m.csv"
    path.write_text("a,b\n1,NA\n2,\nn/a,x\n", encoding="utf-8")
    frame = pd.concat(_chunks(FileSource(str(path)), 10))
    assert frame["a"].isna().tolist() == [False, False, True]
    assert frame["b"].isna().tolist() == [True, True, False]


def test_a_utf8_byte_order_mark_is_not_part_of_the_first_name(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbfname,value\nx,1\n")
    with open_stream(FileSource(str(path))) as stream:
        assert stream.columns == ("name", "value")
        assert pd.concat(list(stream))["name"].tolist() == ["x"]


def test_short_rows_are_skipped_with_a_warning_and_long_rows_are_an_error(tmp_path):
    path = tmp_path / "short.csv"
    path.write_text("a,b,c\n1,2,3\n4,5\n6,7,8\n", encoding="utf-8")
    with open_stream(FileSource(str(path))) as stream:
        frame = pd.concat(list(stream))
        assert frame["a"].tolist() == ["1", "6"]
        assert "1 row with fewer values than the 3 columns" in stream.warnings[0]
        assert "'4,5'" in stream.warnings[0]
    path.write_text("a,b\n1,2\n3,4,5\n", encoding="utf-8")
    with pytest.raises(SourceError, match="more values than the 2 columns"):
        _chunks(FileSource(str(path)), 10)


def test_a_trailing_delimiter_on_every_line_adds_no_column(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a,b,\n1,2,\n3,4,\n", encoding="utf-8")
    with open_stream(FileSource(str(path))) as stream:
        assert stream.columns == ("a", "b")
        assert list(pd.concat(list(stream)).columns) == ["a", "b"]


def test_a_header_without_rows_gives_no_chunk(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("a,b\n", encoding="utf-8")
    with open_stream(FileSource(str(path))) as stream:
        assert stream.columns == ("a", "b")
        assert list(stream) == []


def test_csv_progress_follows_the_bytes_and_cancel_stops_between_chunks(tmp_path, monkeypatch):
    import engine.sources.stream_csv as stream_module

    # Arrow reads about 33 blocks ahead of the rows it hands out: small blocks make that
    # read-ahead small next to this 4 MB file, so the progress can be seen moving.
    monkeypatch.setattr(stream_module, "_BLOCK_BYTES", 1 << 15)
    monkeypatch.setattr(stream_module, "_READ_BYTES", 1 << 15)
    path = tmp_path / "big.csv"
    _table(150_000).to_csv(path, index=False)
    reports: list[float] = []
    chunks = _chunks(
        FileSource(str(path)), 15_000, progress=lambda f, m: reports.append(f), min_interval=0
    )
    assert len(chunks) == 10
    assert len(reports) == 10 and reports == sorted(reports)
    assert reports[0] < 0.8 and reports[-1] > 0.9
    token = CancelToken()
    seen = 0
    with pytest.raises(Cancelled):
        for _chunk in iter_chunks(FileSource(str(path)), chunk_rows=15_000, job=Job(cancel=token)):
            seen += 1
            token.cancel()
    assert seen == 1


def test_parquet_is_read_in_batches_with_its_types(tmp_path):
    path = tmp_path / "t.parquet"
    table = _table(2_300)
    table["when"] = pd.to_datetime(table["when"])
    table.to_parquet(path)
    with open_stream(FileSource(str(path)), chunk_rows=1_000) as stream:
        assert stream.columns == ("id", "amount", "region", "when")
        assert not stream.header.text_cells
        chunks = list(stream)
    assert [len(c) for c in chunks] == [1_000, 1_000, 300]
    whole = pd.concat(chunks, ignore_index=True)
    assert whole["amount"].dtype == np.float64
    assert pd.api.types.is_datetime64_dtype(whole["when"])
    assert whole["amount"].tolist() == table["amount"].tolist()


def test_excel_is_read_once_then_handed_out_in_chunks(tmp_path):
    path = tmp_path / "t.xlsx"
    _table(25).to_excel(path, index=False)
    chunks = _chunks(FileSource(str(path)), 10)
    assert [len(c) for c in chunks] == [10, 10, 5]
    loaded = load_file(FileSource(str(path)), Job()).frame
    pd.testing.assert_frame_equal(pd.concat(chunks), loaded)


@pytest.fixture
def database(tmp_path: Path) -> str:
    path = tmp_path / "crm.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE customers (id TEXT, amount REAL, region TEXT)")
        db.executemany(
            "INSERT INTO customers VALUES (?, ?, ?)",
            [(f"K{i}", None if i % 7 == 0 else i * 1.5, "North") for i in range(1_234)],
        )
    return f"sqlite:///{path}"


def test_a_database_table_and_a_query_are_fetched_in_chunks(database):
    table = DatabaseSource(url=database, table="customers")
    with open_stream(table, chunk_rows=500) as stream:
        assert stream.columns == ("id", "amount", "region")
        chunks = list(stream)
    assert sum(len(c) for c in chunks) == 1_234 and max(len(c) for c in chunks) <= 500
    assert pd.concat(chunks)["amount"].isna().sum() == len(range(0, 1_234, 7))
    query = DatabaseSource(url=database, sql="SELECT id, amount * 2 AS twice FROM customers")
    with open_stream(query, chunk_rows=1_000) as stream:
        assert stream.columns == ("id", "twice")
        assert sum(len(c) for c in stream) == 1_234


def test_a_database_stream_can_be_cancelled_between_chunks(database):
    token = CancelToken()
    chunks = iter_chunks(
        DatabaseSource(url=database, table="customers"), chunk_rows=100, job=Job(cancel=token)
    )
    next(chunks)
    token.cancel()
    with pytest.raises(Cancelled):
        next(chunks)
