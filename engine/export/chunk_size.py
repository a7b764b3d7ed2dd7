"""How many rows to score at a time, from what one row costs the model in memory.

onnxruntime holds every intermediate tensor of a batch at once. For most models that is a
few kilobytes a row, but a k-NN graph compares each row with every training point (a Scan
over the rows, then TopK): [rows x training points] floats, copied about three times. With
the old fixed 100,000-row chunks a k-NN model peaked near 10 GB. The chunk is therefore
the memory budget divided by the cost of one row, so scoring stays under 1 GB by default
(the budget covers the graph's intermediates; the process itself, the input chunk and the
output need the rest). The card tells receiving teams the same batch size.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import onnx

MEMORY_BUDGET = 384 * 2**20  # bytes of intermediates per chunk
MAX_CHUNK_ROWS = 100_000
MIN_CHUNK_ROWS = 256
_BYTES_PER_NODE = 16  # a float or two per node and row for ordinary graphs
_COPIES = 4  # distances, their transpose, TopK's values and indices
_SEARCH_OPS = frozenset({"Scan", "TopK", "CDist"})


def row_bytes(model: onnx.ModelProto) -> int:
    """Estimated bytes of intermediates per scored row (see the module docstring)."""
    graph = model.graph
    cost = _BYTES_PER_NODE * max(len(graph.node), 1)
    if any(node.op_type in _SEARCH_OPS for node in graph.node):
        points = max((init.dims[0] for init in graph.initializer if len(init.dims) == 2),
                     default=0)
        cost += points * 8 * _COPIES  # float32 or double distances
    return cost


def chunk_rows_for(model: onnx.ModelProto, budget: int = MEMORY_BUDGET) -> int:
    """Rows per chunk that keep the model's intermediates within ``budget`` bytes."""
    rows = budget // max(row_bytes(model), 1)
    return int(min(MAX_CHUNK_ROWS, max(MIN_CHUNK_ROWS, rows)))
