"""Benchmark: false alarms and detection of the drift verdict on real-pair-shaped data (issue 16).

Not a timing: a sweep of repeated, seeded draws, the large version of
``tests/engine/monitor/test_pair_shapes.py`` (which shares its generators,
``tests/engine/monitor/pair_shapes.py``: continuous columns, integer codes, heavy ties and
shifted dates, each with a column carrying 60% of the importance). Prints:

1. for every shape, the share of held-out controls (fresh draws of the same distribution)
   whose headline says Stable, at 200, 1,000 and 5,000 rows (goal >= 95%);
2. the share of draws in which a move of the most important column is caught: 0.5 sd at
   200 rows and 0.2 sd at 1,000 (goal: caught);
3. for dates, the share of newer periods (the next half year) that stay Stable;
4. the performance estimate without labels (CBPE, ``engine.monitor.estimate``) against the
   realised ROC AUC and accuracy on generated labelled pairs: a logistic model trained on a
   "before" sample, checked on a control, a covariate shift, a prior (outcome mix) shift and
   a concept shift (the last two are where any label-free estimate must fail: they change how
   outcomes relate to scores, and only labels show it).

Run: .venv/bin/python benchmarks/bench_drift_validation.py [--draws 200]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "engine" / "monitor"))

from pair_shapes import SHAPES, stable_rate


def _rates(draws: int) -> None:
    print(f"Held-out controls: share of draws saying Stable ({draws} draws each)")
    print(f"| shape | {' | '.join(f'{r:,} rows' for r in (200, 1000, 5000))} |")
    print("|---|---|---|---|")
    for shape in SHAPES:
        rates = [stable_rate(shape, rows, draws, seed=rows + 1) for rows in (200, 1000, 5000)]
        print(f"| {shape} | " + " | ".join(f"{r:.1%}" for r in rates) + " |")
    print()
    print("Moves of the most important column (60% of the importance): share caught")
    print("| shape | 0.5 sd @ 200 rows | 0.2 sd @ 1,000 rows |")
    print("|---|---|---|")
    for shape in SHAPES:
        half = 1 - stable_rate(shape, 200, draws, seed=11, shift=0.5)
        fifth = 1 - stable_rate(shape, 1000, draws, seed=12, shift=0.2)
        print(f"| {shape} | {half:.1%} | {fifth:.1%} |")
    later = stable_rate("shifted dates", 1000, draws, seed=13, later=True)
    print(f"\nShifted dates, the next half year (newer period): Stable in {later:.1%}\n")


def _table(n: int, rng: np.random.Generator, *, shift: float = 0.0, prior: float = 0.0,
           concept: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    x = rng.normal(0, 1, (n, 3))
    x[:, 0] += shift
    logit = concept * (1.6 * x[:, 0] - 0.8 * x[:, 1] + 0.4 * x[:, 2]) - 1.0 + prior
    y = rng.random(n) < 1 / (1 + np.exp(-logit))
    return x, y


def _estimates(draws: int) -> None:
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import accuracy_score, roc_auc_score

    from engine.monitor.estimate import estimate_performance

    pairs = {
        "control": {},
        "covariate shift (x0 +0.5 sd)": {"shift": 0.5},
        "covariate shift (x0 -1 sd)": {"shift": -1.0},
        "prior shift (outcome +20 points)": {"prior": 1.2},
        "concept shift (weaker link)": {"concept": 0.5},
    }
    print(f"Performance estimate without labels vs realised ({draws // 10} draws of "
          "2,000 rows each; mean, and share of draws whose 95% interval holds the realised)")
    print("| pair | est. ROC AUC | realised | covered | est. accuracy | realised | covered |")
    print("|---|---|---|---|---|---|---|")
    for name, change in pairs.items():
        rows = []
        for index in range(max(draws // 10, 5)):
            rng = np.random.default_rng([21, index])
            x, y = _table(5000, rng)
            model = LogisticRegression().fit(x, y)
            x_new, y_new = _table(2000, rng, **change)
            p = model.predict_proba(x_new)[:, 1]
            proba = np.column_stack([1 - p, p])
            truth = np.where(y_new, "yes", "no")
            figures = []
            for metric, realised in (
                    ("roc_auc", roc_auc_score(y_new, p)),
                    ("accuracy", accuracy_score(y_new, p >= 0.5))):
                estimate = estimate_performance(metric, None, proba, task="binary",
                                                classes=("no", "yes"), positive="yes",
                                                threshold=0.5, rounds=100)
                assert estimate is not None and truth.size
                covered = estimate.low <= realised <= estimate.high
                figures.append((estimate.estimate, realised, covered))
            rows.append(figures)
        cells = []
        for k in range(2):
            cells += [f"{np.mean([r[k][0] for r in rows]):.3f}",
                      f"{np.mean([r[k][1] for r in rows]):.3f}",
                      f"{np.mean([r[k][2] for r in rows]):.0%}"]
        print(f"| {name} | " + " | ".join(cells) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=200)
    args = parser.parse_args()
    _rates(args.draws)
    _estimates(args.draws)


if __name__ == "__main__":
    main()
