"""The model card (NAME.card.md): what the model does, in plain words, then how to use it.

The first half is for the business reader (purpose, decision threshold, data, metrics,
limitations, parity); the second half is for the developer who integrates the model: the
files of the package, the inputs, and scoring code in Python, C#, Java and JavaScript that
uses this model's real input names and types (see :mod:`engine.export.card_snippets`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from engine.export import card_snippets as snippets
from engine.export.metadata import MISSING_WORDS, ModelMetadata

TOP_IMPORTANCES = 10
CATEGORY_EXAMPLES = 3
TASK_WORDS = {
    "binary": "a yes/no style prediction with two possible answers",
    "multiclass": "a choice between several classes",
    "regression": "a number",
    "clustering": "which group (cluster) of similar rows a row belongs to",
    "anomaly": "whether a row looks unusual compared with the training data",
}
FILE_ROLES = {
    "model": "the model itself (ONNX): the whole pipeline from the raw columns to the "
    "prediction, with its description inside (metadata entries `gristmill` and "
    "`gristmill.metadata.gz`)",
    "metadata": "the same description as plain JSON, for runtimes that cannot read ONNX "
    "metadata (onnxruntime-node, onnxruntime-web)",
    "golden": "example rows with the outputs this model gives for them: score them in your "
    "integration and compare",
    "card": "this card",
    "golden_raw": "up to 50 held-out rows as the training data holds them, before "
    "Gristmill's reading rules (from a delimited text file every cell exactly as written, "
    "same delimiter; from Parquet, Excel, JSON lines or a database each typed cell in its "
    "text form: `.` as decimal mark, `True`/`False`, ISO 8601 timestamps in UTC, empty when "
    "missing), then `expected:` columns with what `gristmill score` writes for them: run "
    "your reading of raw cells (or the reference readers) on it and compare",
}


def model_card(metadata: ModelMetadata, *, parity: str, files: Mapping[str, str]) -> str:
    """The markdown of NAME.card.md for ``metadata``.

    ``parity`` is the parity gate's one-sentence result; ``files`` maps a role ("model",
    "metadata", "golden", "card") to the file's name in the package.
    """
    model_file = files.get("model", f"{metadata.name}.onnx")
    json_file = files.get("metadata", f"{metadata.name}.model.json")
    parts = [
        *_purpose(metadata), *_data(metadata), *_metrics(metadata), *_limitations(metadata),
        "## Parity check", "", parity, "", *_files(metadata, files),
        "## How to score it (for developers)", "", *_contract(metadata),
        "### Python", "", _fence(snippets.python_snippet(metadata, model_file), "python"),
        "### C#", "", _fence(snippets.csharp_snippet(metadata, model_file), "csharp"),
        "### Java", "", _fence(snippets.java_snippet(metadata, model_file), "java"),
        "### JavaScript (Node.js)", "",
        _fence(snippets.javascript_snippet(metadata, model_file, json_file), "javascript"),
    ]
    return "\n".join(parts).rstrip() + "\n"


def _purpose(m: ModelMetadata) -> list[str]:
    what = TASK_WORDS.get(m.task, m.task)
    title = f"# Model card: {_plain(m.name)}"
    lines = [title, ""]
    if m.target:
        lines.append(f"This model predicts **{_plain(m.target)}**: {what}.")
    else:
        lines.append(f"This model tells {what}.")
    if m.task == "binary" and m.classes:
        positive = m.positive_class or m.classes[-1]
        threshold = 0.5 if m.threshold is None else m.threshold
        lines[-1] += (
            f" For each row it gives the probability of each answer "
            f"({', '.join(_quoted(c) for c in m.classes)}). A row is flagged "
            f"{_quoted(positive)} when the probability of {_quoted(positive)} is at least "
            f"**{threshold:.4g}**."
        )
        reason = m.threshold_reason.strip()
        if reason:
            lines[-1] += f" Why this threshold: {_plain(reason)}" + "." * (reason[-1] not in ".!?")
    elif m.task == "multiclass":
        lines[-1] += (f" It gives the probability of each of {len(m.classes)} classes "
                      f"({_listing([_quoted(c) for c in m.classes], 8)}); the predicted "
                      "class is the most probable one.")
    elif m.task == "clustering":
        lines[-1] += (" Its `label` output is the cluster number and `scores` the distance "
                      "to each cluster's centre (the row belongs to the nearest).")
    elif m.task == "anomaly":
        lines[-1] += (" Its `label` output is -1 for a row that looks unusual and 1 for a "
                      "normal one; `scores` below 0 mean unusual, the lower the more unusual.")
    model = m.model or {}
    made = f"Made with {_plain(m.producer)} {_plain(m.producer_version)}".rstrip()
    if m.created_at:
        made += f" on {_when(m.created_at)}"
    if model.get("label") or model.get("family"):
        made += f"; model: {_plain(str(model.get('label') or model.get('family')))}"
    lines += ["", made + ".", ""]
    recipe = [str(line) for line in model.get("recipe") or []]
    if recipe:
        lines += ["How the columns are prepared before the model sees them:", ""]
        lines += [f"- {_plain(line)}" for line in recipe] + [""]
    return lines


def _data(m: ModelMetadata) -> list[str]:
    data = m.data or {}
    lines = ["## The data it learned from", ""]
    train = _first(data, "train_rows", "training_rows")
    holdout = _first(data, "holdout_rows", "test_rows")
    rows = _first(data, "rows", "total_rows")
    if rows is None and isinstance(train, int) and isinstance(holdout, int):
        rows = train + holdout
    facts = [f"{_count(rows)} rows"] if rows is not None else []
    if train is not None:
        facts.append(f"{_count(train)} used for training")
    if holdout is not None:
        facts.append(f"{_count(holdout)} held out to test the model (it never saw them)")
    if facts:
        lines += ["- " + "; ".join(facts) + "."]
    if data.get("validation"):
        lines += [f"- How the rows were split: {_plain(str(data['validation']))}."]
    if data.get("source"):
        lines += [f"- Source: {_plain(str(data['source']))}."]
    fingerprint = _first(data, "fingerprint", "content_hash")
    if isinstance(fingerprint, Mapping):
        fingerprint = _first(fingerprint, "content_hash", "hash")
    if fingerprint:
        lines += [f"- Data fingerprint: {_code(str(fingerprint))} (the same table always "
                  "gives the same fingerprint, so you can tell which data this was)."]
    if data.get("trained_at"):
        lines += [f"- Trained on {_when(str(data['trained_at']))}."]
    keys = [str(k) for k in data.get("key_columns") or []]
    if keys:
        lines += [f"- Key columns (identify a row; the model does not read them): "
                  f"{', '.join(_code(k) for k in keys)}."]
    lines += ["", f"### The {len(m.inputs)} columns it reads", "",
              "| Column | Kind | ONNX type | Missing value | Known values |",
              "|---|---|---|---|---|"]
    for spec in m.inputs:
        lines.append(f"| {_code(spec.name)} | {spec.kind} | {spec.onnx_type} [N, 1] | "
                     f"{MISSING_WORDS[spec.onnx_type]} | {_known(spec)} |")
    lines.append("")
    if any(spec.kind == "date" for spec in m.inputs):
        lines += ["Dates are sent as numbers: days since 1970-01-01 00:00 UTC, as float "
                  "(fractions are the time of day; 2024-03-01 is 19783.0).", ""]
    return lines + _reading(m)


def _reading(m: ModelMetadata) -> list[str]:
    """How a raw cell becomes the input value: the rules Gristmill itself applies."""
    ruled = [spec for spec in m.inputs if spec.rules is not None]
    if not ruled:
        return []
    lines = ["### How each cell is read", "",
             "Gristmill reads every cell of a raw file with these rules when it trains, scores "
             "and checks drift (they are in the metadata under each input's `reading`); apply "
             "them too and your inputs match Gristmill's exactly:", ""]
    lines += [f"- {_code(spec.name)}: {_plain(spec.rules.words())}."  # type: ignore[union-attr]
              for spec in ruled]
    return [*lines, ""]


def _known(spec: Any) -> str:
    if spec.kind == "date":
        return "days since 1970-01-01 UTC"
    if spec.kind != "categorical":
        return ""
    count = len(spec.categories)
    shown = ", ".join(_code(c) for c in spec.categories[:CATEGORY_EXAMPLES])
    more = ", ..." if count > CATEGORY_EXAMPLES else ""
    rare = "; rarer values are not listed" if not spec.categories_complete else ""
    return f"{count} known ({shown}{more}){rare}" if count else f"none listed{rare}"


def _metrics(m: ModelMetadata) -> list[str]:
    from engine.problem.metrics import METRICS

    metrics = m.metrics or {}
    sets = {key: metrics.get(key) or {} for key in ("holdout", "baseline", "cross_validation")}
    primary = metrics.get("primary")
    names = list(dict.fromkeys([*([primary] if primary else []), *sets["holdout"],
                                *sets["baseline"], *sets["cross_validation"]]))
    lines = ["## How well it works", ""]
    if not names:
        return [*lines, "No metrics were recorded for this model.", ""]
    lines += ["Measured on the held-out rows, next to a baseline (a naive model that always "
              "gives the most common answer or the average) and the mean over the "
              "cross-validation folds of the training rows.", "",
              "| Metric | Held-out rows | Baseline | Cross-validated mean |", "|---|---|---|---|"]
    for name in names:
        info = METRICS.get(name)
        label = _plain(info.label if info else name)
        if info:
            label += " (higher is better)" if info.greater_is_better else " (lower is better)"
        if name == primary:
            label = f"**{label}** (chosen)"
        cells = [_metric_value(sets[key].get(name)) for key in sets]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    lines.append("")
    lines += _at_threshold(m)
    importances = ((m.reference or {}).get("importances") or {}).items()
    ranked = sorted(((v, k) for k, v in importances if _finite(v)), reverse=True)
    if ranked:
        lines += ["### What matters most", "",
                  "How much the score drops when a column's values are shuffled "
                  f"(top {min(len(ranked), TOP_IMPORTANCES)}):", "",
                  "| Column | Importance |", "|---|---|"]
        lines += [f"| {_code(k)} | {v:.4g} |" for v, k in ranked[:TOP_IMPORTANCES]] + [""]
    return lines


CHOSEN_WORDS = {
    "out-of-fold": "chosen on out-of-fold predictions of the training rows (each row scored "
    "by a model fitted without it), not on the rows below",
    "holdout": "chosen on these same held-out rows, so the figures below flatter it a little",
    "by hand": "set by hand",
}


def _at_threshold(m: ModelMetadata) -> list[str]:
    """Precision, recall, F1 and accuracy at the threshold the `decision` output uses."""
    figures = (m.metrics or {}).get("at_threshold")
    if m.task != "binary" or not isinstance(figures, Mapping) or m.threshold is None:
        return []
    rows = figures.get("rows")
    where = f"the {rows:,} held-out rows" if isinstance(rows, int) else "the held-out rows"
    chosen = CHOSEN_WORDS.get(str(figures.get("chosen_on")), "chosen when the model was built")
    names = ("precision", "recall", "f1", "accuracy")
    return [
        "### At the decision threshold", "",
        f"The `decision` output flags a row when its probability is at least "
        f"**{m.threshold:.4g}** (`gristmill score` decides the same way). That threshold was "
        f"{chosen}; measured on {where} it gives:", "",
        "| Precision | Recall | F1 | Accuracy |", "|---|---|---|---|",
        "| " + " | ".join(_metric_value(figures.get(name)) for name in names) + " |", "",
        "Accuracy, precision, recall and F1 in the table above are at the default cut of 0.5; "
        "these are the ones your decisions will see.", "",
    ]


def _limitations(m: ModelMetadata) -> list[str]:
    stamp = (m.data or {}).get("trained_at") or m.created_at
    when = f" (trained {_when(str(stamp))})" if stamp else ""
    generic = [
        f"It learned from the data it was given{when}; when customers, prices or processes "
        "change, its predictions drift. Check it regularly on new rows with `gristmill "
        "drift`, which needs only the .onnx file and a file of new data.",
        "A category it never saw in training, or saw fewer than 10 times, is treated as an "
        "unknown value: the row is still scored, from its other columns, and is less "
        "reliable.",
        "Numbers far outside the range seen in training (the reference profile in the "
        "metadata holds the minimum and maximum) are extrapolated: treat those predictions "
        "with care.",
        "Missing values are allowed (NaN for numbers and dates, \"\" for categories); the "
        "model fills them in the way it learned.",
        "It finds patterns, not causes: changing a column will not necessarily change the "
        "outcome the way the model suggests.",
    ]
    lines = ["## Limitations", ""]
    lines += [f"- {_plain(str(item))}" for item in m.limitations]
    return [*lines, *[f"- {item}" for item in generic], ""]


def _files(m: ModelMetadata, files: Mapping[str, str]) -> list[str]:
    lines = ["## Files", ""]
    for role, name in files.items():
        lines.append(f"- {_code(name)}: {FILE_ROLES.get(role, role)}.")
    if "golden" in files:
        columns = ["`golden:case` (what the row tests)"]
        if m.task in ("binary", "multiclass"):
            columns += ["`expected:label`", "`expected:probability:<class>` per class in "
                        "the order of `classes`"]
            columns += ["`expected:decision` (the class chosen at the threshold)"] * (
                m.task == "binary")
        elif m.task == "regression":
            columns += ["`expected:variable`"]
        else:
            columns += ["`expected:label`", "`expected:score:<j>` for j = 0, 1, ..."]
        lines += ["", f"{_code(files['golden'])} columns: first every input, named exactly "
                  "as the input, with the value as fed to the model (an empty cell is "
                  "missing; dates as days since 1970); then " + ", ".join(columns) + "."]
    return [*lines, ""]


def _contract(m: ModelMetadata) -> list[str]:
    floats = sum(spec.onnx_type == "float" for spec in m.inputs)
    outputs = ", ".join(f"`{name}`" for name in m.outputs)
    text = (f"The model has {len(m.inputs)} inputs, one per column, each a tensor of shape "
            f"[N, 1] named exactly as the column: {floats} `float` (NaN when missing) and "
            f"{len(m.inputs) - floats} `string` (\"\" when missing). Outputs: {outputs}.")
    if m.task in ("binary", "multiclass"):
        text += (" `label` is the most probable class; `probabilities` has one column per "
                 "class in the order of the metadata's `classes`.")
    if m.task == "binary" and "decision" in m.outputs:
        text += (" Use `decision`, not `label`: the graph itself gives the positive class "
                 f"when its probability is at least {m.threshold} (metadata `threshold`, "
                 "compared in float32), so you write no decision code.")
    elif m.task == "binary":
        text += (" Decide with the threshold, not with `label`: the positive class when its "
                 f"probability is at least {0.5 if m.threshold is None else m.threshold} "
                 "(metadata `threshold`).")
    batch = (m.model or {}).get("batch_rows")
    if isinstance(batch, int) and batch > 0:
        text += (f" Score at most {batch:,} rows per call: onnxruntime holds every "
                 "intermediate tensor of a batch at once, and this batch keeps them under "
                 "about 400 MB (`gristmill score` uses the same batch size).")
    return [text, "", "Each example scores one row built from typical training values.", ""]


def _fence(code: str, language: str) -> str:
    longest = max((len(run) for run in re.findall(r"`+", code)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{language}\n{code}\n{fence}\n"


def _code(text: str) -> str:
    """An inline code span that survives any text (backticks, pipes in tables, newlines)."""
    text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text).replace("|", "\\|")
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    ticks = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text.strip() else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def _plain(text: str) -> str:
    """Text in running markdown: punctuation markdown would interpret is escaped."""
    text = " ".join(text.split())
    return re.sub(r"([\\`*_\[\]<>|#])", r"\\\1", text)


def _quoted(text: str) -> str:
    return f"**\u201c{_plain(text)}\u201d**"


def _listing(items: list[str], limit: int) -> str:
    return ", ".join(items[:limit]) + (f" and {len(items) - limit} more" * (len(items) > limit))


def _first(data: Mapping[str, Any], *keys: str) -> Any:
    return next((data[k] for k in keys if data.get(k) is not None), None)


def _count(value: Any) -> str:
    return f"{value:,}" if isinstance(value, int) else _plain(str(value))


def _finite(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(
        value)


def _metric_value(value: Any) -> str:
    if isinstance(value, Mapping):
        mean, std = value.get("mean"), value.get("std")
        if not _finite(mean):
            return "-"
        return _metric_value(mean) + (f" ± {std:.2g}" if _finite(std) else "")
    if not _finite(value):
        return "-"
    return f"{value:,.1f}" if abs(value) >= 1000 else f"{value:.4g}"


def _when(stamp: str) -> str:
    try:
        moment = datetime.fromisoformat(stamp)
    except ValueError:
        return _plain(stamp)
    if moment.tzinfo is not None:
        return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
    return f"{moment:%Y-%m-%d %H:%M}"
