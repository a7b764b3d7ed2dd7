"""Evaluation: metrics, curves, thresholds and explanations as data, plots and a report."""
