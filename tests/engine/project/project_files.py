"""Helpers the project tests share: a varied table, and looks at a project file from outside.

Imported by name (pytest puts this folder on ``sys.path`` for the tests in it).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pandas as pd


def dump(path: Path) -> list[str]:
    """The SQL text of the whole file, to compare a file's state before and after."""
    connection = sqlite3.connect(path)
    try:
        return list(connection.iterdump())
    finally:
        connection.close()


def integrity(path: Path) -> str:
    """SQLite's verdict on the file ("ok" when it is sound)."""
    connection = sqlite3.connect(path)
    try:
        return connection.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        connection.close()


def count_rows(path: Path, table: str) -> int:
    """Rows in one table of the file."""
    connection = sqlite3.connect(path)
    try:
        return connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    finally:
        connection.close()


def mixed_frame(rows: int = 6) -> pd.DataFrame:
    """Every dtype the project must keep: text, datetimes (naive and UTC), nullable types."""
    base = pd.DataFrame(
        {
            "name": pd.Series(["Ann", None, "Zoë", "", "Bob", "Kim"], dtype="str"),
            "joined": pd.to_datetime(
                ["2024-01-31 00:00", None, "2023-12-01 10:30", "2020-02-29 00:00",
                 "2021-06-01 23:59", None]
            ),
            "seen_utc": pd.to_datetime(
                ["2024-01-31T08:00Z", "2024-02-01T09:00Z", None, None, "2024-03-01T00:00Z",
                 "2024-03-02T00:00Z"]
            ),
            "active": [True, False, True, True, False, False],
            "vip": pd.array([True, None, False, None, True, False], dtype="boolean"),
            "children": pd.array([0, 2, None, 1, None, 3], dtype="Int64"),
            "income": [42_100.5, np.nan, 0.0, -3.25, 1e9, np.nan],
            "plan": pd.Categorical(["gold", "basic", None, "gold", "basic", "basic"]),
            "visits": np.array([1, 2, 3, 4, 5, 6], dtype="int32"),
        }
    )
    return pd.concat([base] * (rows // 6), ignore_index=True) if rows > 6 else base
