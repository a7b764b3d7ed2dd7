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

5. with ``--real DIR``: real public before/after pairs read from DIR (not shipped: see
   benchmarks/README.md for where each file comes from). For each pair a model is trained and
   exported by the real commands on 70% of the "before" rows; the other 30% are the
   held-out controls, drawn ``--real-draws`` times at 200, 1,000 and 5,000 rows (or once
   at all of them when there are fewer), with their outcomes; then the whole "after" file is
   checked. Evidently's data drift preset is run beside it as a second opinion when it is
   installed (benchmark only, not a dependency).

Run: .venv/bin/python benchmarks/bench_drift_validation.py [--draws 200] [--real DIR]
"""

from __future__ import annotations

import argparse
import contextlib
import io
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


# name: (file, target, input columns, period column, before periods, after periods)
REAL_PAIRS = {
    "Seattle weather 2012-13 -> 2014-15": (
        "seattle-weather.csv", "weather", ["precipitation", "temp_max", "temp_min", "wind"],
        "year", (2012, 2013), (2014, 2015)),
    "Palmer penguins 2007 -> 2009": (
        "penguins.csv", "species", ["island", "bill_length_mm", "bill_depth_mm",
                                    "flipper_length_mm", "body_mass_g", "sex"],
        "year", (2007,), (2009,)),
    "Ames housing 2006-08 -> 2009-10": (
        "AmesHousing.csv", "SalePrice", ["Mo Sold", "Year Built", "Overall Qual",
                                         "Gr Liv Area", "Garage Cars", "Total Bsmt SF",
                                         "Lot Area", "Full Bath", "Neighborhood",
                                         "Kitchen Qual"],
        "Yr Sold", (2006, 2007, 2008), (2009, 2010)),
    "US flights 2001 Jan-Feb -> Mar": (
        "flights-20k.json", "late", ["date", "distance", "origin", "destination"],
        "month", (1, 2), (3,)),
}


def _read_pair_table(path: Path):
    """The table of a pair, with its period column (and the flights' outcome) added."""
    import pandas as pd

    if path.suffix == ".json":  # vega-datasets' flights: late = arrived over 15 min late
        table = pd.read_json(path, dtype={"date": str})
        table["month"] = pd.to_datetime(table["date"], format="%Y/%m/%d %H:%M").dt.month
        table["late"] = np.where(table["delay"] > 15, "yes", "no")
        return table
    table = pd.read_csv(path, encoding="utf-8-sig")
    if "date" in table and "year" not in table:  # Seattle weather
        table["year"] = pd.to_datetime(table["date"]).dt.year
    return table


def _real_pairs(folder: Path, draws: int, work: Path, evidently_python: Path | None) -> None:

    from engine.cli import EXIT_OK, main
    from engine.monitor.check import check_drift
    from engine.sources.base import FileSource

    print(f"\nReal before/after pairs ({draws} control draws per size)")
    print("| pair | train rows | controls Stable at 200 / 1,000 / 5,000 rows | after: verdict |")
    print("|---|---|---|---|")
    details = []
    for name, (file, target, inputs, period, before, after) in REAL_PAIRS.items():
        path = folder / file
        if not path.is_file():
            print(f"| {name} | {file} not in {folder} | | |")
            continue
        table = _read_pair_table(path)
        rows_before = table[table[period].isin(before)][[*inputs, target]]
        rows_after = table[table[period].isin(after)][[*inputs, target]]
        shuffled = rows_before.sample(frac=1.0, random_state=0).reset_index(drop=True)
        cut = round(0.7 * len(shuffled))
        place = work / path.stem
        place.mkdir(parents=True, exist_ok=True)
        train, pool = shuffled.iloc[:cut], shuffled.iloc[cut:]
        train.to_csv(place / "train.csv", index=False)
        rows_after.to_csv(place / "after.csv", index=False)
        project = place / "p.gristmill"
        with contextlib.redirect_stdout(io.StringIO()):  # the leaderboards: not this table
            code = main(["train", str(place / "train.csv"), "--target", target, "--project",
                         str(project), "--models", "linear", "hist_gradient_boosting",
                         "--max-trials", "2", "--seed", "1", "--quiet"])
            code = code or main(["export", "--project", str(project), "--out",
                                 str(place / "pkg"), "--name", "m", "--quiet", "--force"])
        if code != EXIT_OK:
            print(f"| {name} | training or export failed (exit {code}) | | |")
            continue
        model = place / "pkg" / "m.onnx"
        cells = []
        for size in (200, 1000, 5000):
            if size > len(pool) and any(cell.startswith("all") for cell in cells):
                cells.append("-")
                continue
            times = draws if size < len(pool) else 1
            stable = 0
            for index in range(times):
                sample = pool.sample(n=min(size, len(pool)), random_state=index)
                sample.to_csv(place / "control.csv", index=False)
                report = check_drift(model, FileSource(str(place / "control.csv")))
                stable += report.level == "stable"
            cells.append(f"{stable / times:.0%} of {times}" if size < len(pool)
                         else f"all {len(pool)} rows: {'Stable' if stable else 'not Stable'}")
        report = check_drift(model, FileSource(str(place / "after.csv")))
        flagged = [c.name for c in report.columns if c.flagged]
        print(f"| {name} | {len(train):,} | {' / '.join(cells)} | {report.level} "
              f"({len(rows_after):,} rows; flagged: {', '.join(flagged) or 'none'}) |")
        details.append((name, report, _evidently(place, "after.csv", inputs, evidently_python),
                        _evidently(place, "control.csv", inputs, evidently_python)))
    for name, report, second, control in details:
        print(f"\n{name}: {report.level.upper()}: {report.headline}\n  advice: {report.advice}")
        if report.outcome is not None:
            print(f"  outcome: {report.outcome.sentence}")
        if report.performance is not None:
            print(f"  performance: {report.performance.sentence}")
        for column in report.columns:
            line = f"  {column.name}: {column.status} (PSI {column.psi}, p {column.p_adjusted})"
            print(line + (f" {'; '.join(column.findings)}" if column.findings else ""))
        print(f"  Evidently (its default tests per column): {second}; on the last control: "
              f"{control}")


# Run by the interpreter given with --evidently-python (Evidently 0.7 needs pandas < 3, so
# it lives in a venv of its own): the drifted columns of after.csv against train.csv.
_EVIDENTLY_SCRIPT = """
import json, sys
import pandas as pd
from evidently import Report
from evidently.presets import DataDriftPreset
folder, name, columns = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
before = pd.read_csv(folder + "/train.csv")[columns]
after = pd.read_csv(folder + "/" + name)[columns]
result = Report([DataDriftPreset(columns=columns)]).run(after, before).dict()
found = []
for metric in result["metrics"]:
    config = metric.get("config", {})
    if config.get("type", "").endswith("ValueDrift"):
        method, value, limit = config["method"], metric["value"], config["threshold"]
        drifted = value < limit if "p_value" in method else value >= limit
        found.append([config["column"], method, value, bool(drifted)])
print(json.dumps(found))
"""


def _evidently(place: Path, file: str, inputs: list[str], python: Path | None) -> str:
    """Evidently's verdict per column (its default test and threshold per column)."""
    import json
    import subprocess

    if python is None:
        return "not run (give --evidently-python)"
    done = subprocess.run(
        [str(python), "-c", _EVIDENTLY_SCRIPT, str(place), file, json.dumps(inputs)],
        capture_output=True, text=True, check=False)
    if done.returncode != 0:
        return "failed: " + (done.stderr.strip().splitlines() or ["?"])[-1]
    columns = json.loads(done.stdout)
    drifted = [f"{c} ({m.replace(' p_value', '')} {v:.2g})" for c, m, v, d in columns if d]
    return (f"{len(drifted)} of {len(columns)} columns drifted"
            + (f": {', '.join(drifted)}" if drifted else ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=200)
    parser.add_argument("--real", type=Path, help="folder with the real pairs' CSV files")
    parser.add_argument("--real-draws", type=int, default=20)
    parser.add_argument("--only-real", action="store_true", help="skip the generated sweep")
    parser.add_argument("--evidently-python", type=Path,
                        help="a Python with Evidently 0.7 installed, for a second opinion")
    args = parser.parse_args()
    if not args.only_real:
        _rates(args.draws)
        _estimates(args.draws)
    if args.real is not None:
        import tempfile

        with tempfile.TemporaryDirectory(prefix="gristmill_real_pairs_") as work:
            _real_pairs(args.real, args.real_draws, Path(work), args.evidently_python)


if __name__ == "__main__":
    main()
