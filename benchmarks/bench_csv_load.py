"""Benchmark: load the 1M-row x 30-column CSV and compare with the plain parsers.

Prints two ratios (issue 2, Performance):

- time: Gristmill's load (detection, parsing, number/date/yes-no recognition, progress and
  cancel checks included) / the faster of ``pandas.read_csv`` and ``pyarrow.csv.read_csv``
  with default options, on the same file (goal <= 1.3);
- memory: Gristmill's peak extra resident memory during the load / the in-memory size of the
  table it returns (goal <= 2.5).

Every measurement runs in a fresh subprocess (so caches, allocator pools and the high-water
mark of one run do not leak into the next); each contender runs ``--repeat`` times and the
fastest run counts, which is the usual way to filter out noise from other processes. Peak
memory is ``ru_maxrss`` at the end minus ``ru_maxrss`` after the imports (tracemalloc misses
Arrow's allocations). CPU seconds (user + system) are printed too: on a busy 2-core machine
they are steadier than wall time.

Usage: ``python benchmarks/bench_csv_load.py [--repeat 3] [--rows 1000000]``.
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from make_wide_csv import DATA_DIR, ensure_csv  # noqa: E402

CHILD = r"""
import json, resource, sys, time
contender, path = sys.argv[1], sys.argv[2]
import pandas as pd, pyarrow as pa, pyarrow.csv as pv
from engine.jobs import Job
from engine.sources.base import FileSource
from engine.sources.csv_reader import read_csv
import engine.sources.values  # imported by the reader; load it before the baseline
def kib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
base = kib()
cpu0, wall0 = time.process_time(), time.perf_counter()
if contender == "pandas":
    result = pd.read_csv(path)
elif contender == "pyarrow":
    result = pv.read_csv(path)
else:
    reports = []
    result = read_csv(FileSource(path), Job(lambda f, m: reports.append(f))).frame
wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
peak = kib() - base
if isinstance(result, pa.Table):
    size = result.nbytes
else:
    size = int(result.memory_usage(deep=True).sum())
dtypes = sorted({str(t) for t in getattr(result, "dtypes", [])})
print(json.dumps({"wall": wall, "cpu": cpu, "peak": peak * 1024, "size": size, "dtypes": dtypes}))
"""


def measure(contender: str, path: Path) -> dict[str, float]:
    """One load in a fresh Python process."""
    output = subprocess.run(
        [sys.executable, "-c", CHILD, contender, str(path)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    name = "wide_1m_x_30.csv" if args.rows == 1_000_000 else f"wide_{args.rows}_x_30.csv"
    path = ensure_csv(DATA_DIR / name, args.rows)
    print(f"file: {path.name}, {path.stat().st_size / 1e6:.0f} MB, {args.repeat} runs each")
    best: dict[str, dict[str, float]] = {}
    least_cpu: dict[str, float] = {}
    for run in range(args.repeat):
        for contender in ("pandas", "pyarrow", "gristmill"):  # interleaved: same conditions
            result = measure(contender, path)
            print(
                f"  run {run + 1} {contender:9s} wall {result['wall']:5.2f} s  "
                f"cpu {result['cpu']:5.2f} s  peak +{result['peak'] / 1e6:5.0f} MB  "
                f"table {result['size'] / 1e6:4.0f} MB"
            )
            if contender not in best or result["wall"] < best[contender]["wall"]:
                best[contender] = result
            least_cpu[contender] = min(least_cpu.get(contender, math.inf), result["cpu"])
    ours = best["gristmill"]
    baseline = min(("pandas", "pyarrow"), key=lambda c: best[c]["wall"])
    cpu_baseline = min(least_cpu["pandas"], least_cpu["pyarrow"])
    print(f"gristmill column types: {', '.join(ours['dtypes'])}")
    print(
        f"time:   gristmill {ours['wall']:.2f} s / {baseline} {best[baseline]['wall']:.2f} s"
        f" = {ours['wall'] / best[baseline]['wall']:.2f}  (goal <= 1.3)"
    )
    print(
        f"cpu:    gristmill {least_cpu['gristmill']:.2f} s / best baseline {cpu_baseline:.2f} s"
        f" = {least_cpu['gristmill'] / cpu_baseline:.2f}  (for information)"
    )
    print(
        f"memory: gristmill peak +{ours['peak'] / 1e6:.0f} MB / table {ours['size'] / 1e6:.0f} MB"
        f" = {ours['peak'] / ours['size']:.2f}  (goal <= 2.5)"
    )


if __name__ == "__main__":
    main()
