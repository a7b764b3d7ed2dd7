"""Benchmark: time per repaint of the data grid while scrolling a 1,000,000-row table.

Goal (issue 6): scrolling a 1,000,000-row table, each repaint of the grid takes under 16 ms.

The grid is set up as the Data panel sets it up: ``desktop.widgets.table_model.DataFrameModel``
in a ``QTableView`` with no editing, fixed 22-pixel rows and columns sized from the header and
the first 50 rows, shown at ``--size`` (default 1100 x 700) under ``QT_QPA_PLATFORM=offscreen``
unless set otherwise. The frame is ``benchmarks/data/big_1000000.parquet`` (made by
``make_big_table.py`` on first use) read with ``engine.api.load_table``, as the Data panel
reads a table; the baseline, in the same run, is the same view on its first 1,000 rows.

Per frame: ``--steps`` (default 200) scroll positions spread evenly from the top to the bottom
of the vertical scroll bar (a page apart on the small frame, thousands of rows apart on the
big one: each step shows rows never formatted before); per step the scroll bar's value is
set and pending events processed (not timed), then ``view.viewport().repaint()`` is timed (a
synchronous paint of every visible cell: the model's ``data`` for each cell and role, text
layout, drawing). The vertical header (row numbers) is repainted and timed apart. The first
paint after the model is set (columns fetched) is reported separately. Rounds alternate
between the frames (``--rounds``, default 2); median / p95 / max over all steps.
``--profile`` prints a cProfile of the big frame's repaints.

Run: .venv/bin/python benchmarks/bench_grid_scroll.py [--steps 200] [--rounds 2] [--profile]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

GOAL_MS = 16.0


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (nearest rank); nan when empty."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def make_view(size: tuple[int, int]) -> tuple[Any, Any]:
    """A grid configured like the Data panel's, shown."""
    from desktop.widgets.table_model import DataFrameModel, data_grid

    model = DataFrameModel()
    view = data_grid(model)
    view.verticalHeader().setSectionResizeMode(view.verticalHeader().ResizeMode.Fixed)
    view.resize(*size)
    view.show()
    return view, model


def fit_columns(view: Any, model: Any, sample_rows: int = 50, widest: int = 320) -> None:
    """Column widths from the header and the first rows (as DataPanel._fit_columns)."""
    from PySide6.QtCore import Qt

    metrics = view.fontMetrics()
    rows = min(model.rowCount(), sample_rows)
    for column in range(model.columnCount()):
        texts = [str(model.headerData(column, Qt.Orientation.Horizontal))]
        texts += [str(model.index(row, column).data()) for row in range(rows)]
        width = max(metrics.horizontalAdvance(text) for text in texts) + 24
        view.setColumnWidth(column, min(width, widest))


def timed_repaint(widget: Any) -> float:
    started = time.perf_counter()
    widget.repaint()
    return (time.perf_counter() - started) * 1000


def scroll_round(view: Any, model: Any, frame: Any, steps: int) -> dict[str, Any]:
    """Set the frame, then scroll it top to bottom in ``steps`` steps timing each repaint."""
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    model.set_frame(None)
    app.processEvents()
    started = time.perf_counter()
    model.set_frame(frame)
    fit_columns(view, model)
    app.processEvents()
    first = timed_repaint(view.viewport())
    setup = (time.perf_counter() - started) * 1000
    bar = view.verticalScrollBar()
    maximum = bar.maximum()
    viewport, header = [], []
    cells_before = model.formatted_cells
    for step in range(steps):
        bar.setValue(round(maximum * (step + 1) / steps))
        app.processEvents()
        viewport.append(timed_repaint(view.viewport()))
        header.append(timed_repaint(view.verticalHeader().viewport()))
    cells = (model.formatted_cells - cells_before) / steps
    return {"first": first, "setup": setup, "viewport": viewport, "header": header,
            "cells": cells, "page_rows": view.viewport().height() // 22, "maximum": maximum}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=1_000, help="rows of the baseline frame")
    parser.add_argument("--size", type=int, nargs=2, default=(1100, 700), metavar=("W", "H"))
    parser.add_argument("--profile", action="store_true", help="cProfile the big repaints")
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    print(f"[{time.strftime('%H:%M:%S')}] load {os.getloadavg()[0]:.2f}, {os.cpu_count()} cores, "
          f"platform {os.environ['QT_QPA_PLATFORM']}", flush=True)

    from make_big_table import big_table_path

    from engine.api import load_table, source_for

    big = load_table(source_for(str(big_table_path(args.rows)))).frame
    small = big.head(args.small).copy()
    print(f"frames: {len(big):,} and {len(small):,} rows x {big.shape[1]} columns "
          f"({', '.join(sorted({str(d) for d in big.dtypes}))})", flush=True)

    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv[:1])
    view, model = make_view(tuple(args.size))
    app.processEvents()
    frames = {f"{len(small):,} rows": small, f"{len(big):,} rows": big}
    results: dict[str, list[dict[str, Any]]] = {name: [] for name in frames}
    for round_index in range(args.rounds):
        order = list(frames) if round_index % 2 == 0 else list(reversed(frames))
        for name in order:
            results[name].append(scroll_round(view, model, frames[name], args.steps))

    print()
    print(f"Repaint times, ms ({args.steps} scroll steps x {args.rounds} rounds, view "
          f"{args.size[0]}x{args.size[1]})")
    head = (f"{'frame':<17}{'median':>8}{'p95':>8}{'max':>8}{'header':>8}{'first':>8}"
            f"{'cells':>7}{'rows/page':>10}")
    print(head)
    print("-" * len(head))
    medians = {}
    p95s = {}
    for name, rounds in results.items():
        paints = [t for r in rounds for t in r["viewport"]]
        headers = [t for r in rounds for t in r["header"]]
        medians[name] = statistics.median(paints)
        p95s[name] = percentile(paints, 95)
        print(f"{name:<17}{medians[name]:>8.2f}{p95s[name]:>8.2f}{max(paints):>8.2f}"
              f"{statistics.median(headers):>8.2f}"
              f"{statistics.median(r['first'] for r in rounds):>8.2f}"
              f"{statistics.mean(r['cells'] for r in rounds):>7.0f}"
              f"{rounds[0]['page_rows']:>10}")
    small_name, big_name = list(frames)
    print(f"\nratio {big_name} / {small_name}: "
          f"median {medians[big_name] / medians[small_name]:.2f}, "
          f"p95 {p95s[big_name] / p95s[small_name]:.2f}")
    big_paints = [t for r in results[big_name] for t in r["viewport"]]
    worst = max(big_paints)
    verdict = "met" if worst < GOAL_MS else f"NOT met (max {worst:.1f} ms)"
    print(f"Goal: every repaint under {GOAL_MS:.0f} ms on {big_name}: {verdict}; "
          f"median {medians[big_name]:.2f} ms, p95 {p95s[big_name]:.2f} ms")
    print("(header = the row-number column's repaint, timed apart; first = the first paint "
          "after the frame is set; cells = DisplayRole/ToolTip values formatted per step)")

    if args.profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.enable()
        scroll_round(view, model, big, args.steps)
        profiler.disable()
        print("\ncProfile of one big-frame round (top 15 by cumulative time):")
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(15)
    view.close()


if __name__ == "__main__":
    main()
