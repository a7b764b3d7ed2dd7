"""Reusable widgets and Qt models (data grid, profile, job status, navigation)."""
