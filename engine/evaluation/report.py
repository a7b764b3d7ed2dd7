"""The self-contained HTML report: one file with inline CSS and PNG images embedded.

It opens with one plain sentence on how good the model is compared with the baseline, then
covers the data, the problem, the recipe, the leaderboard, the metrics beside the baseline
with what each means, the plots and the warnings. Nothing in it links outside the file, and
every piece of text is HTML-escaped (column names come from the user's data).
"""

from __future__ import annotations

import base64
import html
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.atomic_files import write_text_atomically
from engine.errors import InputError
from engine.evaluation import plots
from engine.evaluation.metrics import canonical_name
from engine.evaluation.result import Evaluation, MetricSummary

STYLE = """
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: #222;
       max-width: 980px; margin: 2em auto; padding: 0 1em; line-height: 1.45; }
h1 { font-size: 1.7em; margin-bottom: 0.2em; }
h2 { font-size: 1.25em; border-bottom: 1px solid #ddd; padding-bottom: 0.2em; margin-top: 2em; }
p.headline { font-size: 1.15em; background: #eef4fb; border-left: 4px solid #1f5fa8;
             padding: 0.7em 1em; }
table { border-collapse: collapse; margin: 0.6em 0; font-size: 0.92em; }
th, td { border: 1px solid #ddd; padding: 0.3em 0.6em; text-align: left; vertical-align: top; }
th { background: #f4f4f4; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.explain { color: #555; font-size: 0.9em; max-width: 420px; }
figure { margin: 1.2em 0; } figcaption { color: #555; font-size: 0.9em; }
img { max-width: 100%; border: 1px solid #eee; }
ul.warnings li { color: #8a4b00; }
.note { color: #555; font-size: 0.9em; }
"""

BASELINES = {
    "binary": "a baseline that gives every row the class shares seen in training",
    "multiclass": "a baseline that gives every row the class shares seen in training",
    "regression": "a baseline that always predicts the training average",
}


@dataclass(frozen=True)
class ReportContent:
    """Everything the report shows; the evaluation supplies metrics and plots."""

    title: str
    data_summary: list[tuple[str, str]]
    problem_summary: list[tuple[str, str]]
    recipe_lines: list[str]
    leaderboard: list[dict[str, Any]]  # rank, model, params, cv_score, cv_std, fit_seconds,
    # status
    metric_name: str
    evaluation: Evaluation
    warnings: list[str]


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _num(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return _e(value)
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3f}"


def _primary(evaluation: Evaluation, metric_name: str) -> MetricSummary | None:
    name, _ = canonical_name(metric_name)
    found = evaluation.metric(name)
    return found or (evaluation.metrics[0] if evaluation.metrics else None)


def _verdict(metric: MetricSummary) -> str:
    assert metric.holdout is not None and metric.baseline is not None
    model, base = metric.holdout, metric.baseline
    # The share of the baseline's distance to a perfect score that the model closes.
    if metric.greater_is_better:
        closed = (model - base) / (1.0 - base) if base < 1.0 else model - base
    else:
        closed = (base - model) / base if base > 0 else base - model
    if closed >= 0.5:
        return "much better than the baseline"
    if closed >= 0.2:
        return "clearly better than the baseline"
    if closed > 0.02:
        return "only slightly better than the baseline"
    return "no better than the baseline: it has not learned anything useful yet"


def headline(content: ReportContent) -> str:
    """One plain sentence on how good the model is compared with the baseline."""
    evaluation = content.evaluation
    rows = f"{evaluation.rows:,} held-out row{'s' if evaluation.rows != 1 else ''}"
    if evaluation.task == "clustering":
        silhouette = evaluation.metric("silhouette")
        value = silhouette.holdout if silhouette else None
        shape = ("clearly apart" if value is not None and value >= 0.5 else
                 "somewhat apart" if value is not None and value >= 0.25 else "overlapping")
        score = f" (silhouette {value:.2f})" if value is not None else ""
        return (f"The model splits the {rows} into {len(evaluation.clusters)} clusters that "
                f"are {shape}{score}.")
    if evaluation.task == "anomaly":
        share = evaluation.metric("flagged_share")
        value = share.holdout if share and share.holdout is not None else 0.0
        return f"The model flags {value:.1%} of the {rows} as unusual."
    metric = _primary(evaluation, content.metric_name)
    if metric is None or metric.holdout is None:
        reason = f" ({metric.note})" if metric is not None and metric.note else ""
        return f"The model's main score could not be computed on the {rows}{reason}."
    sentence = f"The model's {metric.label} on {rows} is {_num(metric.holdout)}"
    if metric.baseline is None:
        return sentence + "."
    return (f"{sentence}, against {_num(metric.baseline)} for "
            f"{BASELINES.get(evaluation.task, 'the baseline')}: {_verdict(metric)}.")


def _pairs(rows: list[tuple[str, str]]) -> str:
    body = "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in rows)
    return f"<table>{body}</table>" if rows else "<p class='note'>Nothing recorded.</p>"


def _table(header: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(rows_cells) + "</tr>" for rows_cells in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _leaderboard(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return "<p class='note'>No leaderboard recorded.</p>"
    cells = []
    for row in rows:
        params = row.get("params") or {}
        text = ", ".join(f"{k}={v}" for k, v in params.items()) if isinstance(params, dict) \
            else str(params)
        seconds = row.get("fit_seconds")
        cells.append([
            f"<td class='num'>{_num(row.get('rank'))}</td>",
            f"<td>{_e(row.get('model', ''))}</td>",
            f"<td class='explain'>{_e(text)}</td>",
            f"<td class='num'>{_num(row.get('cv_score'))}</td>",
            f"<td class='num'>{_num(row.get('cv_std'))}</td>",
            f"<td class='num'>{'–' if seconds is None else f'{seconds:.1f}'}</td>",
            f"<td>{_e(row.get('status', ''))}</td>",
        ])
    header = ["Rank", "Model", "Settings", "CV score", "CV spread", "Fit seconds", "Status"]
    return _table(header, cells)


def _metrics(content: ReportContent) -> str:
    evaluation = content.evaluation
    rows = []
    for m in evaluation.metrics:
        cv = "–" if m.cv_mean is None else f"{_num(m.cv_mean)} ± {_num(m.cv_std)}"
        direction = "" if "better" in m.explanation else " <i>(higher is better)</i>"
        explain = _e(m.explanation) + (f" <b>{_e(m.note)}</b>" if m.note else "")
        rows.append([
            f"<td>{_e(m.label)}</td>", f"<td class='num'>{_num(m.holdout)}</td>",
            f"<td class='num'>{_num(m.baseline)}</td>", f"<td class='num'>{_e(cv)}</td>",
            f"<td class='explain'>{explain}{direction}</td>",
        ])
    parts = [_table(["Metric", "Holdout", "Baseline", "Cross-validation", "What it means"],
                    rows)]
    thresholds = evaluation.thresholds
    if thresholds is not None and thresholds.choice is not None:
        # The reason already says how it was chosen ("chosen by hand: …", "the best F1 …").
        parts.append(f"<p>Decision threshold {thresholds.choice.threshold:.3g}: "
                     f"{_e(thresholds.choice.reason)}</p>")
    if evaluation.per_class:
        parts.append(_table(
            ["Class", "Precision", "Recall", "F1", "Holdout rows"],
            [[f"<td>{_e(r['label'])}</td>"] + [f"<td class='num'>{_num(r[k])}</td>"
             for k in ("precision", "recall", "f1", "support")] for r in evaluation.per_class],
        ))
    if evaluation.clusters:
        keys = list(evaluation.clusters[0].keys())
        parts.append(_table(keys, [[f"<td class='num'>{_num(r.get(k))}</td>" for k in keys]
                                   for r in evaluation.clusters]))
    parts.extend(f"<p class='note'>{_e(note)}</p>" for note in evaluation.notes)
    return "".join(parts)


def _plots(evaluation: Evaluation) -> str:
    parts = []
    for name in plots.available_plots(evaluation):
        figure = plots.figure_for(evaluation, name)
        data = base64.b64encode(plots.png_bytes(figure)).decode("ascii")
        title = plots.TITLES[name]
        parts.append(f"<figure><img alt='{_e(title)}' src='data:image/png;base64,{data}'>"
                     f"<figcaption>{_e(title)}</figcaption></figure>")
    return "".join(parts) or "<p class='note'>No plots for this model.</p>"


def render_report(content: ReportContent) -> str:
    """The report as one HTML string."""
    recipe = "".join(f"<li>{_e(line)}</li>" for line in content.recipe_lines)
    warnings = ("<ul class='warnings'>" + "".join(f"<li>{_e(w)}</li>" for w in content.warnings)
                + "</ul>") if content.warnings else "<p class='note'>No warnings.</p>"
    sections = [
        f"<h1>{_e(content.title)}</h1>",
        f"<p class='headline'>{_e(headline(content))}</p>",
        f"<h2>Data</h2>{_pairs(content.data_summary)}",
        f"<h2>Problem</h2>{_pairs(content.problem_summary)}",
        f"<h2>Preparation recipe</h2><ol>{recipe}</ol>" if recipe
        else "<h2>Preparation recipe</h2><p class='note'>No preparation steps.</p>",
        f"<h2>Leaderboard</h2>{_leaderboard(content.leaderboard)}",
        f"<h2>Metrics on the holdout</h2>{_metrics(content)}",
        f"<h2>Plots</h2>{_plots(content.evaluation)}",
        f"<h2>Warnings</h2>{warnings}",
    ]
    return ("<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
            f"<title>{_e(content.title)}</title><style>{STYLE}</style></head><body>"
            + "\n".join(sections) + "</body></html>\n")


def write_report(content: ReportContent, path: Path) -> Path:
    """Write the report to ``path`` (atomically: a failed write leaves no partial file)."""
    path = Path(path)
    if not path.parent.is_dir():
        raise InputError(f"The folder {str(path.parent)!r} does not exist.",
                         "Choose an existing folder for the report.")
    write_text_atomically(path, render_report(content))
    return path
