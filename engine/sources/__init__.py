"""Data step: read tables from files and databases (DESIGN.md section 3, Data)."""

from engine.sources.base import (
    DatabaseSource,
    FileSource,
    LoadedTable,
    LoadReport,
    Source,
    source_from_dict,
)

__all__ = [
    "DatabaseSource",
    "FileSource",
    "LoadReport",
    "LoadedTable",
    "Source",
    "source_from_dict",
]
