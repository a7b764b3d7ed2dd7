"""Score a raw CSV file with a Gristmill model, reading every cell by the model's own rules.

The reference reader for receiving teams, written into the export folder as NAME.score.py.
It needs Python 3.9+, numpy and onnxruntime only (no Gristmill), and writes the same scores
file as ``gristmill score`` for a CSV written like the training file:

    python NAME.score.py new_rows.csv scores.csv [--delimiter ";"]

The rules come from NAME.model.json (each input's ``reading``); the comments below say which
rule each step applies, so the script doubles as the specification in code.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import re
import sys
from pathlib import Path

CHUNK_FIRST = 100_000  # a column's number spelling is decided on its first 100,000 rows
_SPACES = "\u00a0\u202f\u2009 "
_UNITS = re.compile(r"^[+-]?\s*[$€£]\s*|\s*[$€£%]$")
_WHOLE = re.compile(r"^[+-]?\d{1,15}\.0+$")
_ISO = re.compile(
    r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?$"
)
_DMY = re.compile(r"^(\d{1,2})([/.\-])(\d{1,2})\2(\d{4})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2}))?)?$")


def number_pattern(decimal: str, thousands: str | None) -> re.Pattern[str]:
    """One number written with this decimal mark and thousands separator."""
    mark = re.escape(decimal)
    if thousands is None:
        integer = r"\d+"
    else:
        between = "[" + ("" if thousands == " " else re.escape(thousands)) + _SPACES + "]"
        integer = rf"(?:[1-9]\d{{0,2}}(?:{between}\d{{3}})+|\d+)"
    return re.compile(rf"^[+-]?(?:{integer}(?:{mark}\d*)?|{mark}\d+)(?:[eE][+-]?\d+)?$")


def _float32(value: float) -> float:
    """float32 rounding; infinities and values beyond float32 are missing (NaN)."""
    import numpy as np

    with np.errstate(over="ignore"):
        out = float(np.float32(value))
    return out if math.isfinite(out) else math.nan


def read_numbers(cells: list[str], rules: dict) -> list[float]:
    """Rule ``numeric``: missing tokens (any case) -> NaN; yes/no words -> 1/0; currency
    and percent signs removed; the column's number spelling (first that fits every cell)."""
    missing = set(rules["missing_tokens"])
    true, false = set(rules["true_words"]), set(rules["false_words"])
    cleaned: list[str | None] = []
    for cell in cells:
        text = cell.strip()
        lower = text.lower()
        if lower in missing:
            cleaned.append(None)
        elif lower in true or lower in false:
            cleaned.append(lower)
        else:
            cleaned.append(re.sub(r"^\+", "", _UNITS.sub("", text)))
    spellings = [(d, t) for d, t in rules["number_spellings"]]
    numbers = [c for c in cleaned[:CHUNK_FIRST] if c is not None and c not in true | false]
    decimal, thousands = spellings[0]
    for candidate in spellings:
        pattern = number_pattern(*candidate)
        if all(pattern.match(c) for c in numbers):
            decimal, thousands = candidate
            break
    pattern = number_pattern(decimal, thousands)
    out = []
    for text in cleaned:
        if text is None:
            out.append(math.nan)
        elif text in true:
            out.append(1.0)
        elif text in false:
            out.append(0.0)
        elif pattern.match(text):
            if thousands is not None:
                text = re.sub("[" + re.escape(thousands) + _SPACES + "]", "", text)
            out.append(_float32(float(text.replace(decimal, "."))))
        else:
            out.append(math.nan)  # not a number: scored as missing (gristmill counts it)
    return out


def read_categories(cells: list[str], rules: dict) -> list[str]:
    """Rule ``categorical``: missing tokens exactly as written -> ""; integer codes written
    with decimals are the code (1.0 -> 1); any other text as written."""
    missing = set(rules["missing_tokens"])
    out = []
    for cell in cells:
        if cell in missing:
            out.append("")
        elif rules.get("integer_codes") and _WHOLE.match(cell):
            out.append(str(int(float(cell))))
        else:
            out.append(cell)
    return out


def read_dates(cells: list[str], rules: dict) -> list[float]:
    """Rule ``date``: days since 1970-01-01 UTC (float); ISO dates, or day/month/year in the
    order stored in the rules (``date_order``: the order training read the column in, also
    for a file whose dates leave it open, every day 12 or less); a model without it: the
    order proven by the column (a first part above 12 proves day first; default)."""
    import datetime as dt

    missing = set(rules["missing_tokens"])
    texts = [c.strip() for c in cells]
    day_first = {"day first": True, "month first": False}.get(rules.get("date_order") or "")
    if day_first is None:
        parts = [_DMY.match(t) for t in texts[:CHUNK_FIRST]]
        day_votes = sum(1 for m in parts if m and int(m[1]) > 12 and int(m[3]) <= 12)
        month_votes = sum(1 for m in parts if m and int(m[3]) > 12 and int(m[1]) <= 12)
        day_first = day_votes >= month_votes
    epoch = dt.datetime(1970, 1, 1)
    out = []
    for text in texts:
        if text.lower() in missing:
            out.append(math.nan)
            continue
        iso, dmy = _ISO.match(text), _DMY.match(text)
        try:
            if iso:
                y, mo, d = int(iso[1]), int(iso[2]), int(iso[3])
                h, mi, s = (int(iso[i] or 0) for i in (4, 5, 6))
                micro = int((iso[7] or "0")[:6].ljust(6, "0"))
            elif dmy:
                a, b, y = int(dmy[1]), int(dmy[3]), int(dmy[4])
                d, mo = (a, b) if day_first else (b, a)
                h, mi, s = (int(dmy[i] or 0) for i in (5, 6, 7))
                micro = 0
            else:
                out.append(math.nan)
                continue
            stamp = dt.datetime(y, mo, d, h, mi, s, micro)
        except ValueError:
            out.append(math.nan)
            continue
        out.append(_float32((stamp - epoch).total_seconds() / 86_400))
    return out


def _delimiter(header: str) -> str:
    counts = {d: header.count(d) for d in ",;\t|"}
    return max(counts, key=lambda d: counts[d])


def score(model_path: Path, data: Path, out: Path, delimiter: str | None = None) -> int:
    """Score ``data`` with the model; returns the number of rows written."""
    import numpy as np
    import onnxruntime as ort

    meta = json.loads(model_path.with_suffix(".model.json").read_text(encoding="utf-8"))
    text = data.read_text(encoding="utf-8-sig")
    first = text.split("\n", 1)[0]
    rows = list(csv.reader(text.splitlines(), delimiter=delimiter or _delimiter(first)))
    header, body = rows[0], [r for r in rows[1:] if r]
    column = {name: i for i, name in enumerate(header)}
    feed = {}
    for spec in meta["inputs"]:
        cells = [r[column[spec["name"]]] if column[spec["name"]] < len(r) else "" for r in body]
        rules = spec["reading"]
        if spec["kind"] == "categorical":
            values = np.array(read_categories(cells, rules), dtype=object)
        elif spec["kind"] == "date":
            values = np.array(read_dates(cells, rules), dtype=np.float32)
        else:
            values = np.array(read_numbers(cells, rules), dtype=np.float32)
        feed[spec["name"]] = values.reshape(-1, 1)
    session = ort.InferenceSession(str(model_path), providers=["CPUExecutionProvider"])
    names = [o.name for o in session.get_outputs()]
    outputs = dict(zip(names, session.run(names, feed)))  # noqa: B905 - Python 3.9
    keys = [k for k in meta.get("data", {}).get("key_columns") or [] if k in column]
    table: dict[str, list] = {k: [r[column[k]] for r in body] for k in keys}
    if not keys:
        table["row"] = list(range(1, len(body) + 1))
    classes = meta.get("classes") or []
    positive = meta.get("positive_class")
    if "decision" in outputs and positive is not None:
        target = meta.get("target") or ""
        clash = target in (*keys, "row", "prediction", "decision", "")
        name = "decision" if clash or target.startswith("probability") else target
        table[name] = [str(v) for v in outputs["decision"].reshape(-1)]
        proba = outputs["probabilities"][:, classes.index(positive)]
        table[f"probability of {positive}"] = [float(p) for p in proba]
    elif "probabilities" in outputs:
        table["prediction"] = [str(v) for v in outputs["label"].reshape(-1)]
        for j, label in enumerate(classes):
            table[f"probability:{label}"] = [float(p) for p in outputs["probabilities"][:, j]]
    else:
        table["prediction"] = [float(v) for v in outputs["variable"].reshape(-1)]
    with out.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(list(table))
        writer.writerows(zip(*table.values()))  # noqa: B905 - Python 3.9
    return len(body)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path, help="the raw CSV file to score")
    parser.add_argument("out", type=Path, help="where to write the scores (CSV)")
    parser.add_argument("--delimiter", help="the CSV delimiter (default: from the header)")
    parser.add_argument("--model", type=Path,
                        default=Path(__file__).with_name(Path(__file__).name.replace(
                            ".score.py", ".onnx")), help="the .onnx file (default: beside)")
    args = parser.parse_args(argv)
    rows = score(args.model, args.data, args.out, args.delimiter)
    print(f"Scored {rows} rows into {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
