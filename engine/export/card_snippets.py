"""Scoring code for the model card, in Python, C#, Java and JavaScript.

Every snippet builds one example row with THIS model's real input names and types, runs it and
reads the outputs of its task. Names and class labels are written as string literals escaped
for each language (spaces, non-ASCII letters, quotes, backslashes, control characters), and
the inputs are two name -> value maps fed in a loop, so 100 columns stay 100 short entries.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from engine.export.metadata import ModelMetadata

ONNXRUNTIME_VERSION = "1.32.0"
"""The onnxruntime Gristmill pins and tests with (pyproject.toml). ONNX Runtime publishes
its NuGet (Microsoft.ML.OnnxRuntime) and Maven (com.microsoft.onnxruntime:onnxruntime)
packages under the same version numbers, so the C# and Java snippets name this one. Those two
snippets are not run here (no .NET or onnxruntime for Java in Gristmill's tests); the
Python and JavaScript ones are."""
UNTESTED = "Untested here: Gristmill's tests run the Python and JavaScript examples only."
PACK_ABOVE = 20  # more inputs than this: several map entries per line
WIDTH = 96


def _escaper(simple: dict[str, str], wide: Callable[[int], str]) -> Callable[[str], str]:
    def quote(text: str) -> str:
        out = []
        for char in text:
            if char in simple:
                out.append(simple[char])
            elif char.isprintable():
                out.append(char)
            else:
                out.append(wide(ord(char)))
        return '"' + "".join(out) + '"'

    return quote


_SIMPLE = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _u_or_big_u(code: int) -> str:
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def _js_wide(code: int) -> str:
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\u{{{code:x}}}"


def _java_wide(code: int) -> str:
    # Java translates \uXXXX before lexing: never emit it for a quote, backslash or line end
    # (those are in the simple table); astral characters become a surrogate pair.
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


py_str = _escaper(_SIMPLE, _u_or_big_u)
cs_str = _escaper(_SIMPLE, _u_or_big_u)
js_str = _escaper(_SIMPLE, _js_wide)
java_str = _escaper({**_SIMPLE, "\b": "\\b", "\f": "\\f"}, _java_wide)


def example_row(metadata: ModelMetadata) -> list[tuple[str, str, Any]]:
    """``(name, kind, value)`` per input: the first known category, the training median for
    numbers (0 without a reference profile), the median date as a ``date`` for dates."""
    columns = (metadata.reference or {}).get("columns") or {}
    row: list[tuple[str, str, Any]] = []
    for spec in metadata.inputs:
        if spec.kind == "categorical":
            row.append((spec.name, spec.kind, spec.categories[0] if spec.categories else ""))
            continue
        median = _median(columns.get(spec.name))
        if spec.kind == "date":
            row.append((spec.name, spec.kind, _as_date(median, metadata.created_at)))
        else:
            row.append((spec.name, spec.kind, 0.0 if median is None else median))
    return row


def _median(profile: Any) -> float | None:
    quantiles = profile.get("quantiles") if isinstance(profile, dict) else None
    if not isinstance(quantiles, list) or not quantiles:
        return None
    value = quantiles[50] if len(quantiles) == 101 else quantiles[len(quantiles) // 2]
    if not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(f"{value:.6g}")


def _as_date(days: float | None, created_at: str) -> date:
    if days is not None and -700_000 < days < 2_900_000:
        return date(1970, 1, 1) + timedelta(days=math.floor(days))
    try:
        return date.fromisoformat(created_at[:10])
    except ValueError:
        return date(2000, 1, 1)


def _number(value: float) -> str:
    text = repr(float(value))
    return text if math.isfinite(value) else "0.0"


def _layout(entries: list[str], indent: str) -> list[str]:
    """One entry per line, or several per line (up to WIDTH) for wide tables."""
    if len(entries) <= PACK_ABOVE:
        return [indent + entry for entry in entries]
    lines: list[str] = []
    current = ""
    for entry in entries:
        if current and len(indent) + len(current) + 1 + len(entry) > WIDTH:
            lines.append(indent + current)
            current = ""
        current = f"{current} {entry}" if current else entry
    return [*lines, indent + current] if current else lines


def _split(metadata: ModelMetadata, number: Callable[[float], str],
           day: Callable[[date], str]) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    numbers, texts = [], []
    for name, kind, value in example_row(metadata):
        if kind == "categorical":
            texts.append((name, value))
        elif kind == "date":
            numbers.append((name, day(value)))
        else:
            numbers.append((name, number(value)))
    return numbers, texts


def _threshold(metadata: ModelMetadata) -> str:
    return repr(0.5 if metadata.threshold is None else float(metadata.threshold))


def _has_dates(metadata: ModelMetadata) -> bool:
    return any(spec.kind == "date" for spec in metadata.inputs)


def python_snippet(metadata: ModelMetadata, model_file: str) -> str:
    """Python: onnxruntime + numpy, the contract read from the model's metadata."""
    numbers, texts = _split(metadata, _number, lambda d: f"days({d.year}, {d.month}, {d.day})")
    lines = ["import json", ""]
    if _has_dates(metadata):
        lines[1:1] = ["from datetime import date"]
    lines += [
        "import numpy as np", "import onnxruntime as ort", "",
        f"session = ort.InferenceSession({py_str(model_file)}, "
        'providers=["CPUExecutionProvider"])',
        'contract = json.loads(session.get_modelmeta().custom_metadata_map["gristmill"])', "",
    ]
    if _has_dates(metadata):
        lines += ["", "def days(year, month, day):  # a date as the model reads it",
                  "    return float((date(year, month, day) - date(1970, 1, 1)).days)", "", ""]
    lines += ['# One example row. A missing number or date is float("nan"); '
              'a missing category is "".']
    lines += ["numbers = {  # float inputs (dates: days since 1970-01-01 UTC)"]
    lines += [*_layout([f"{py_str(n)}: {v}," for n, v in numbers], "    "), "}"]
    lines += ["texts = {  # string inputs"]
    lines += [*_layout([f"{py_str(n)}: {py_str(v)}," for n, v in texts], "    "), "}"]
    lines += [
        "feed = {name: np.array([[value]], dtype=np.float32) for name, value in numbers.items()}",
        "feed |= {name: np.array([[value]], dtype=object) for name, value in texts.items()}", "",
    ]
    task = metadata.task
    if task in ("binary", "multiclass"):
        lines += [
            'label, probabilities = session.run(["label", "probabilities"], feed)',
            'classes = contract["classes"]  # the order of the probability columns',
            'print("most likely:", label[0], dict(zip(classes, probabilities[0].tolist())))',
        ]
        if task == "binary":
            lines += [
                'positive = classes.index(contract["positive_class"])',
                f'flagged = probabilities[0, positive] >= contract["threshold"]'
                f"  # {metadata.threshold}",
                'print("decision:", classes[positive] if flagged else classes[1 - positive])',
            ]
    elif task == "regression":
        lines += ['(variable,) = session.run(["variable"], feed)',
                  'print("prediction:", float(variable[0, 0]))']
    else:
        lines += ['label, scores = session.run(["label", "scores"], feed)',
                  'print("label:", label.reshape(-1)[0], "scores:", scores[0].tolist())']
    return "\n".join(lines)


def csharp_snippet(metadata: ModelMetadata, model_file: str) -> str:
    """C#: Microsoft.ML.OnnxRuntime, the contract read from CustomMetadataMap."""
    numbers, texts = _split(metadata, lambda v: _number(v) + "f",
                            lambda d: f"Days({d.year}, {d.month}, {d.day})")
    lines = [
        f"// dotnet add package Microsoft.ML.OnnxRuntime --version {ONNXRUNTIME_VERSION}",
        f"// {UNTESTED}", "using System;",
        "using System.Collections.Generic;", "using System.Linq;", "using System.Text.Json;",
        "using Microsoft.ML.OnnxRuntime;", "using Microsoft.ML.OnnxRuntime.Tensors;", "",
        f"using var session = new InferenceSession({cs_str(model_file)});",
        "using var contract = JsonDocument.Parse("
        'session.ModelMetadata.CustomMetadataMap["gristmill"]);', "",
        "// One example row. A missing number or date is float.NaN; a missing category is \"\".",
        "var numbers = new Dictionary<string, float>  // float inputs (dates: days since 1970)",
        "{",
        *_layout([f"[{cs_str(n)}] = {v}," for n, v in numbers], "    "),
        "};", "var texts = new Dictionary<string, string>  // string inputs", "{",
        *_layout([f"[{cs_str(n)}] = {cs_str(v)}," for n, v in texts], "    "),
        "};", "var feed = new List<NamedOnnxValue>();",
        "foreach (var (name, value) in numbers)",
        "    feed.Add(NamedOnnxValue.CreateFromTensor(name,",
        "        new DenseTensor<float>(new[] { value }, new[] { 1, 1 })));",
        "foreach (var (name, value) in texts)",
        "    feed.Add(NamedOnnxValue.CreateFromTensor(name,",
        "        new DenseTensor<string>(new[] { value }, new[] { 1, 1 })));", "",
        "using var results = session.Run(feed);",
    ]
    task = metadata.task
    if task in ("binary", "multiclass"):
        lines += [
            'string label = results.First(r => r.Name == "label").AsTensor<string>()[0];',
            "var probabilities = results.First(r => r.Name == \"probabilities\")"
            ".AsTensor<float>();",
            'var classes = contract.RootElement.GetProperty("classes").EnumerateArray()',
            "    .Select(c => c.GetString()).ToList();  // the order of the probability columns",
            "for (int i = 0; i < classes.Count; i++)",
            '    Console.WriteLine($"P({classes[i]}) = {probabilities[0, i]}");',
            'Console.WriteLine($"most likely: {label}");',
        ]
        if task == "binary":
            lines += [
                "int positive = classes.IndexOf("
                'contract.RootElement.GetProperty("positive_class").GetString());',
                'double threshold = contract.RootElement.GetProperty("threshold").GetDouble();'
                f"  // {metadata.threshold}",
                "bool flagged = probabilities[0, positive] >= threshold;",
                'Console.WriteLine($"decision: '
                '{(flagged ? classes[positive] : classes[1 - positive])}");',
            ]
    elif task == "regression":
        lines += ['float variable = results.First(r => r.Name == "variable")'
                  ".AsTensor<float>()[0, 0];",
                  'Console.WriteLine($"prediction: {variable}");']
    else:
        lines += ['long label = results.First(r => r.Name == "label").AsTensor<long>().First();',
                  'var scores = results.First(r => r.Name == "scores").AsTensor<float>();',
                  'Console.WriteLine($"label: {label}; scores: {string.Join(", ", scores)}");']
    if _has_dates(metadata):
        lines += ["", "static float Days(int year, int month, int day) =>  // days since 1970",
                  "    (float)(new DateTime(year, month, day, 0, 0, 0, DateTimeKind.Utc)"
                  " - DateTime.UnixEpoch).TotalDays;"]
    return "\n".join(lines)


def java_snippet(metadata: ModelMetadata, model_file: str) -> str:
    """Java: ai.onnxruntime; the contract is JSON in getCustomMetadata() (Java has no JSON
    parser built in, so the classes and threshold are written out as well)."""
    numbers, texts = _split(metadata, lambda v: _number(v) + "f",
                            lambda d: f"days({d.year}, {d.month}, {d.day})")
    body = [
        "OrtEnvironment env = OrtEnvironment.getEnvironment();",
        f"try (OrtSession session = env.createSession({java_str(model_file)}, "
        "new OrtSession.SessionOptions())) {",
        "    // The contract as JSON (inputs, classes, positive class, threshold).",
        '    String contract = session.getMetadata().getCustomMetadata().get("gristmill");',
        "    // One example row. A missing number or date is Float.NaN; a missing category "
        'is "".',
        "    Map<String, Float> numbers = new LinkedHashMap<>();  // float inputs",
        *_layout([f"numbers.put({java_str(n)}, {v});" for n, v in numbers], "    "),
        "    Map<String, String> texts = new LinkedHashMap<>();  // string inputs",
        *_layout([f"texts.put({java_str(n)}, {java_str(v)});" for n, v in texts], "    "),
        "    Map<String, OnnxTensor> feed = new HashMap<>();",
        "    for (Map.Entry<String, Float> e : numbers.entrySet())",
        "        feed.put(e.getKey(), OnnxTensor.createTensor(env, "
        "new float[][] {{e.getValue()}}));",
        "    for (Map.Entry<String, String> e : texts.entrySet())",
        "        feed.put(e.getKey(), OnnxTensor.createTensor(env, "
        "new String[][] {{e.getValue()}}));",
        "    try (OrtSession.Result result = session.run(feed)) {",
    ]
    task = metadata.task
    get = 'result.get("{}").get().getValue()'
    if task in ("binary", "multiclass"):
        classes = ", ".join(java_str(c) for c in metadata.classes)
        body += [
            f"        String label = ((String[]) {get.format('label')})[0];",
            f"        float[] probabilities = ((float[][]) {get.format('probabilities')})[0];",
            f"        String[] classes = {{{classes}}};  // the order of the columns",
            "        for (int i = 0; i < classes.length; i++)",
            '            System.out.println("P(" + classes[i] + ") = " + probabilities[i]);',
            '        System.out.println("most likely: " + label);',
        ]
        if task == "binary":
            classes = list(metadata.classes) or ["", ""]
            chosen = metadata.positive_class if metadata.positive_class in classes else None
            positive = classes.index(chosen) if chosen is not None else len(classes) - 1
            body += [
                f"        int positive = {positive};  // {java_str(classes[positive])}",
                f"        boolean flagged = probabilities[positive] >= {_threshold(metadata)}f;",
                '        System.out.println("decision: " '
                "+ (flagged ? classes[positive] : classes[1 - positive]));",
            ]
    elif task == "regression":
        body += [f"        float variable = ((float[][]) {get.format('variable')})[0][0];",
                 '        System.out.println("prediction: " + variable);']
    else:
        body += ['        long label = ((OnnxTensor) result.get("label").get())'
                 '.getLongBuffer().get(0);  // [N] or [N, 1]',
                 f"        float[] scores = ((float[][]) {get.format('scores')})[0];",
                 '        System.out.println("label: " + label + "; scores: " '
                 "+ java.util.Arrays.toString(scores));"]
    body += ["    } finally {", "        for (OnnxTensor tensor : feed.values()) tensor.close();",
             "    }", "}"]
    lines = [f"// Maven or Gradle: com.microsoft.onnxruntime:onnxruntime:{ONNXRUNTIME_VERSION}",
             f"// {UNTESTED}"]
    if any(not ch.isascii() for ch in "".join(body)):
        lines += ["// Save as UTF-8 (javac -encoding UTF-8): the names are not plain ASCII."]
    lines += [
        "import ai.onnxruntime.OnnxTensor;", "import ai.onnxruntime.OrtEnvironment;",
        "import ai.onnxruntime.OrtSession;", "import java.util.HashMap;",
        "import java.util.LinkedHashMap;", "import java.util.Map;", "",
        "public class ScoreModel {",
        "    public static void main(String[] args) throws Exception {",
        *["        " + line for line in body], "    }",
    ]
    if _has_dates(metadata):
        lines += ["", "    static float days(int year, int month, int day) {  // since 1970",
                  "        return (float) java.time.LocalDate.of(year, month, day).toEpochDay();",
                  "    }"]
    return "\n".join([*lines, "}"])


def javascript_snippet(metadata: ModelMetadata, model_file: str, metadata_file: str) -> str:
    """JavaScript (Node.js, ES module): onnxruntime-node has no metadata API, so the contract
    comes from NAME.model.json."""
    numbers, texts = _split(metadata, _number,
                            lambda d: f"Date.UTC({d.year}, {d.month - 1}, {d.day}) / 86400000")
    lines = [
        "// npm install onnxruntime-node   (save as score.mjs, run: node score.mjs)",
        "import { readFileSync } from 'node:fs';", "import * as ort from 'onnxruntime-node';", "",
        "// onnxruntime-node cannot read ONNX metadata: the same contract is in the JSON file.",
        f"const metadata = JSON.parse(readFileSync({js_str(metadata_file)}, 'utf8'));",
        f"const session = await ort.InferenceSession.create({js_str(model_file)});", "",
        "// One example row. A missing number or date is NaN; a missing category is ''.",
        "const numbers = new Map([  // float inputs (dates: days since 1970-01-01 UTC)",
        *_layout([f"[{js_str(n)}, {v}]," for n, v in numbers], "  "),
        "]);", "const texts = new Map([  // string inputs",
        *_layout([f"[{js_str(n)}, {js_str(v)}]," for n, v in texts], "  "),
        "]);", "const feed = Object.fromEntries([",
        "  ...[...numbers].map(([name, value]) =>",
        "    [name, new ort.Tensor('float32', Float32Array.from([value]), [1, 1])]),",
        "  ...[...texts].map(([name, value]) =>",
        "    [name, new ort.Tensor('string', [value], [1, 1])]),",
        "]);", "const results = await session.run(feed);",
    ]
    task = metadata.task
    if task in ("binary", "multiclass"):
        lines += [
            "const label = results.label.data[0];",
            "const probabilities = Array.from(results.probabilities.data);  // row 0",
            "metadata.classes.forEach((name, i) =>",
            "  console.log(`P(${name}) = ${probabilities[i]}`));",
            "console.log(`most likely: ${label}`);",
        ]
        if task == "binary":
            lines += [
                "const positive = metadata.classes.indexOf(metadata.positive_class);",
                f"const flagged = probabilities[positive] >= metadata.threshold;"
                f"  // {metadata.threshold}",
                "console.log(`decision: "
                "${metadata.classes[flagged ? positive : 1 - positive]}`);",
            ]
    elif task == "regression":
        lines += ["console.log(`prediction: ${results.variable.data[0]}`);"]
    else:
        lines += ["console.log(`label: ${results.label.data[0]}; "
                  "scores: ${Array.from(results.scores.data)}`);"]
    return "\n".join(lines)
