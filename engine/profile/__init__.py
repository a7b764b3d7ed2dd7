"""Data step: column kinds (schema) and the profile of a table."""

from engine.profile.result import ColumnProfile, Histogram, ProfileWarning, TableProfile
from engine.profile.schema import ColumnKind, ColumnRole, ColumnSchema, Schema

__all__ = [
    "ColumnKind",
    "ColumnProfile",
    "ColumnRole",
    "ColumnSchema",
    "Histogram",
    "ProfileWarning",
    "Schema",
    "TableProfile",
]
