"""Scoring chunks follow the model's memory cost per row (k-NN included)."""

from __future__ import annotations

from export_data import INPUTS, fitted

from engine.export.chunk_size import MAX_CHUNK_ROWS, MEMORY_BUDGET, chunk_rows_for, row_bytes
from engine.recipe.onnx_graph import to_onnx_model


def test_knn_scores_in_chunks_that_fit_the_budget():
    pipeline, train, _ = fitted("knn", "binary", rows=3000)
    model = to_onnx_model(pipeline, INPUTS)
    rows = chunk_rows_for(model)
    # Each row is compared with every training point: [rows x 2400] float32, a few copies.
    assert row_bytes(model) >= len(train) * 4 * 3
    assert rows < MAX_CHUNK_ROWS and rows * row_bytes(model) <= MEMORY_BUDGET


def test_ordinary_models_keep_the_large_chunks():
    pipeline, _, _ = fitted("linear", "binary")
    assert chunk_rows_for(to_onnx_model(pipeline, INPUTS)) == MAX_CHUNK_ROWS
