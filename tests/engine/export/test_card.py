"""The model card: plain-words facts, and scoring code that really is valid code for THIS
model's inputs (compiled in Python, checked by node and javac, and run against a real model)."""

from __future__ import annotations

import ast
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from engine.export.card import model_card
from engine.export.metadata import InputSpec, ModelMetadata

QUOTED = 'say "hi" \\ back'
INPUTS = (
    InputSpec("monthly income", "numeric"),
    InputSpec("région", "categorical", ("nord", "sud", "est", "ouest"), False),
    InputSpec(QUOTED, "categorical", ("a|b", "x`y")),
    InputSpec("signup_date", "date"),
)
HOSTILE = (
    "line\nbreak", "tab\there", "para\u2028sep", "emoji 😀", "zero\x00width", "```fence",
    "__proto__", "trailing \\", "\\u0022 not an escape", "é\u0301 combining", "back`tick",
)
PARITY = (
    "Parity passed on 1,021 rows (21 generated edge cases): identical labels, largest "
    "probability difference 3.0e-07."
)
FILES = {"model": "churn.onnx", "metadata": "churn.model.json", "golden": "churn.golden.csv",
         "card": "churn.card.md"}
OUTPUTS = {"binary": ("label", "probabilities"), "multiclass": ("label", "probabilities"),
           "regression": ("variable",), "clustering": ("label", "scores"),
           "anomaly": ("label", "scores")}
CLASSES = {"binary": ("no", "yes"), "multiclass": ("low", 'mid "m"', "high")}
NODE = shutil.which("node")
JAVAC, JAVA = shutil.which("javac"), shutil.which("java")
ORT_NODE = Path(__file__).resolve().parents[2] / "node" / "node_modules"


def metadata(task: str = "binary", inputs: tuple[InputSpec, ...] = INPUTS) -> ModelMetadata:
    classes = CLASSES.get(task, ())
    return ModelMetadata(
        name="churn", task=task, inputs=inputs, outputs=OUTPUTS[task],
        target=None if task in ("clustering", "anomaly") else "churned", classes=classes,
        positive_class="yes" if task == "binary" else None,
        threshold=0.42 if task == "binary" else None,
        threshold_reason="best F1 score on the held-out rows" * (task == "binary"),
        metrics={"primary": "roc_auc", "holdout": {"roc_auc": 0.8712, "accuracy": 0.8125},
                 "cross_validation": {"roc_auc": {"mean": 0.8634, "std": 0.012}},
                 "baseline": {"roc_auc": 0.5, "accuracy": 0.7031}},
        data={"source": "churn.csv", "fingerprint": "9f2c41d0e7", "train_rows": 4000,
              "holdout_rows": 1000, "validation": "5-fold cross-validation, 20% held out",
              "key_columns": ["customer_id"], "trained_at": "2026-11-28T17:05:00+00:00"},
        model={"family": "hgb", "label": "Gradient boosting",
               "recipe": ["fill missing `monthly income` with the median"]},
        reference={
            "columns": {"monthly income": {"quantiles": [100.0 * i for i in range(101)]},
                        "signup_date": {"quantiles": [19700.0 + i for i in range(101)]}},
            "importances": {"monthly income": 0.1234, "région": None, "signup_date": 0.0456,
                            QUOTED: 0.2},
        },
        limitations=("Only customers from 2023 and 2024 were in the data.",),
        producer_version="0.4.0", created_at="2026-11-29T01:20:00+00:00",
    )


def card(task: str = "binary", inputs: tuple[InputSpec, ...] = INPUTS) -> str:
    return model_card(metadata(task, inputs), parity=PARITY, files=FILES)


def snippet(text: str, heading: str) -> str:
    """The code block right under ``### heading`` (whatever the fence length)."""
    match = re.search(rf"^### {re.escape(heading)}\n\n(`{{3,}})\w+\n(.*?)\n\1\n", text,
                      re.S | re.M)
    assert match, f"no {heading} code block"
    return match.group(2)


def test_business_reader_facts() -> None:
    text = card()
    assert "predicts **churned**" in text
    assert ("A row is flagged **“yes”** when the probability of **“yes”** is at least "
            "**0.42**. Why this threshold: best F1 score on the held-out rows.\n") in text
    assert "0.4.0 on 2026-11-29 01:20 UTC; model: Gradient boosting" in text
    assert "5,000 rows; 4,000 used for training; 1,000 held out" in text
    assert "- How the rows were split: 5-fold cross-validation, 20% held out." in text
    assert "- Source: churn.csv." in text and "`customer_id`" in text
    assert "(trained 2026-11-28 17:05 UTC)" in text
    assert "`9f2c41d0e7`" in text
    assert "| **ROC AUC (higher is better)** (chosen) | 0.8712 | 0.5 | 0.8634 ± 0.012 |" in text
    assert "| Accuracy (higher is better) | 0.8125 | 0.7031 | - |" in text
    assert text.count("| Accuracy") == 1
    # Importances most important first; the unmeasured one is left out.
    assert re.search(r"`say \"hi\" \\ back` \| 0\.2 \|.*`monthly income` \| 0\.1234 \|"
                     r".*`signup_date` \| 0\.0456 \|", text, re.S)
    assert "| `région` | 0" not in text
    assert "4 known (`nord`, `sud`, `est`, ...); rarer values are not listed" in text
    assert "2 known (`a\\|b`, ``x`y``)" in text  # a pipe must not split the table cell
    assert "days since 1970-01-01" in text
    assert "- Only customers from 2023 and 2024 were in the data." in text
    assert "`gristmill drift`" in text and "never saw in training" in text
    assert f"## Parity check\n\n{PARITY}\n" in text
    for name in FILES.values():
        assert f"`{name}`" in text
    assert "`expected:probability:<class>`" in text and "`expected:decision`" in text


@pytest.mark.parametrize("task", ["multiclass", "regression", "clustering", "anomaly"])
def test_other_tasks_say_what_they_give(task: str) -> None:
    text = card(task)
    words = {"multiclass": "3 classes", "regression": "predicts **churned**: a number",
             "clustering": "the cluster number", "anomaly": "-1 for a row that looks unusual"}
    assert words[task] in text
    assert "flagged" not in text.split("## The data")[0]
    assert "`expected:decision`" not in text
    expected = {"regression": "`expected:variable`", "clustering": "`expected:score:<j>`"}
    assert expected.get(task, "`expected:label`") in text


def test_missing_metrics_and_reference_are_said_plainly() -> None:
    bare = metadata().with_changes(metrics={}, reference=None, data={}, model={})
    text = model_card(bare, parity=PARITY, files={"model": "m.onnx"})
    assert "No metrics were recorded" in text
    assert "What matters most" not in text
    assert '"monthly income": 0.0,' in snippet(text, "Python")  # no median known: 0


@pytest.mark.parametrize("task", list(OUTPUTS))
def test_every_input_is_escaped_in_each_language(task: str) -> None:
    text = card(task)
    quoted = '"say \\"hi\\" \\\\ back"'
    for heading in ("Python", "C#", "Java", "JavaScript (Node.js)"):
        code = snippet(text, heading)
        for literal in ('"monthly income"', '"région"', quoted, '"signup_date"'):
            assert literal in code, (heading, literal)
    assert '["région"] = "nord",' in snippet(text, "C#")
    assert 'texts.put("région", "nord");' in snippet(text, "Java")
    assert '"monthly income": 5000.0,' in snippet(text, "Python")
    assert '"signup_date": days(2024, 1, 28),' in snippet(text, "Python")  # day 19750


@pytest.mark.parametrize("task", list(OUTPUTS))
def test_python_snippet_compiles_and_holds_the_real_names(task: str) -> None:
    inputs = (*INPUTS, *(InputSpec(name, "numeric") for name in HOSTILE))
    code = snippet(card(task, inputs), "Python")
    compile(code, "score.py", "exec")
    assert _python_names(code) == [spec.name for spec in inputs if spec.kind != "categorical"]
    outputs = {"binary": "classes[1 - positive]", "regression": '["variable"]',
               "clustering": '["label", "scores"]', "multiclass": '["label", "probabilities"]'}
    assert outputs.get(task, '["label", "scores"]') in code


def _python_names(code: str) -> list[str]:
    for node in ast.parse(code).body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "numbers":
            assert isinstance(node.value, ast.Dict)
            return [ast.literal_eval(key) for key in node.value.keys]
    raise AssertionError("no numbers map")


@pytest.mark.skipif(NODE is None, reason="node is not installed")
@pytest.mark.parametrize("task", list(OUTPUTS))
def test_javascript_snippet_passes_node_check(task: str, tmp_path: Path) -> None:
    inputs = (*INPUTS, *(InputSpec(name, "categorical", ("v",)) for name in HOSTILE))
    code = snippet(card(task, inputs), "JavaScript (Node.js)")
    path = tmp_path / "score.mjs"
    path.write_text(code, encoding="utf-8")
    check = subprocess.run([NODE, "--check", str(path)], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    # The maps alone, evaluated: node must read back exactly the column names.
    maps = code[code.index("const numbers"):code.index("const feed")]
    probe = tmp_path / "names.mjs"
    probe.write_text(maps + "console.log(JSON.stringify([...numbers.keys(), ...texts.keys()]));",
                     encoding="utf-8")
    run = subprocess.run([NODE, str(probe)], capture_output=True, encoding="utf-8")
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout) == [s.name for s in inputs if s.kind != "categorical"] + [
        s.name for s in inputs if s.kind == "categorical"]


@pytest.mark.skipif(JAVAC is None or JAVA is None, reason="no Java compiler")
def test_java_snippet_parses_and_holds_the_real_names(tmp_path: Path) -> None:
    inputs = (*INPUTS, *(InputSpec(name, "categorical", ("v",)) for name in HOSTILE))
    for task in OUTPUTS:
        folder = tmp_path / task
        folder.mkdir()
        code = snippet(card(task, inputs), "Java")
        (folder / "ScoreModel.java").write_text(code, encoding="utf-8")
        # Parse only: the onnxruntime jar is not needed to find syntax errors.
        check = subprocess.run(
            [JAVAC, "-encoding", "UTF-8", "-XDshould-stop.ifNoError=PARSE", "-d", str(folder),
             str(folder / "ScoreModel.java")], capture_output=True, text=True)
        assert check.returncode == 0, (task, check.stderr)
    # The maps compiled and run for real: Java must read back exactly the column names.
    puts = "\n".join(line for line in code.splitlines() if ".put(\"" in line)
    probe = (
        "import java.util.*;\npublic class Names {\n"
        "  public static void main(String[] args) {\n"
        "    Map<String, Float> numbers = new LinkedHashMap<>();\n"
        "    Map<String, String> texts = new LinkedHashMap<>();\n"
        f"{puts}\n    List<String> all = new ArrayList<>(numbers.keySet());\n"
        "    all.addAll(texts.keySet());\n    for (String name : all) {\n"
        "      StringBuilder out = new StringBuilder();\n"
        "      name.codePoints().forEach(c -> out.append(c).append(' '));\n"
        "      System.out.println(out.toString().trim());\n    }\n  }\n"
        "  static float days(int y, int m, int d) { return 0f; }\n}\n"
    )
    (tmp_path / "Names.java").write_text(probe, encoding="utf-8")
    built = subprocess.run([JAVAC, "-encoding", "UTF-8", "-d", str(tmp_path),
                            str(tmp_path / "Names.java")], capture_output=True, text=True)
    assert built.returncode == 0, built.stderr
    run = subprocess.run([JAVA, "-cp", str(tmp_path), "Names"], capture_output=True, text=True)
    names = ["".join(chr(int(c)) for c in line.split()) for line in run.stdout.splitlines()]
    expected = [s.name for s in inputs if s.kind != "categorical"]
    assert names == expected + [s.name for s in inputs if s.kind == "categorical"]


def test_csharp_snippet_escapes_what_would_break_a_literal() -> None:
    inputs = (*INPUTS, *(InputSpec(name, "numeric") for name in HOSTILE))
    code = snippet(card("binary", inputs), "C#")
    for literal in ('["line\\nbreak"]', '["tab\\there"]', '["para\\u2028sep"]',
                    '["zero\\u0000width"]', '["trailing \\\\"]', '["emoji 😀"]',
                    '["\\\\u0022 not an escape"]'):
        assert literal in code, literal
    assert "\u2028" not in code and "\x00" not in code


def test_hostile_names_keep_the_markdown_intact() -> None:
    inputs = (*INPUTS, *(InputSpec(name, "numeric") for name in HOSTILE))
    text = card("binary", inputs)
    prose = re.sub(r"^(`{3,})\w*\n.*?\n\1$", "CODE", text, flags=re.S | re.M)
    assert prose.count("CODE") == 4  # every fence closes where its snippet ends
    headings = re.findall(r"^#{1,3} .*$", prose, re.M)
    assert headings[-4:] == ["### Python", "### C#", "### Java", "### JavaScript (Node.js)"]
    table = text.split("### The ")[1].split("\n\n")[1].splitlines()
    assert len(table) == 2 + len(inputs)
    assert all(row.count(" | ") == 4 for row in table[2:])
    assert "| ```` ```fence ```` |" in text  # a span longer than the backtick run


def test_many_inputs_stay_compact() -> None:
    inputs = tuple(InputSpec(f"feature number {i}", "numeric") for i in range(100))
    text = card("binary", inputs)
    for heading in ("Python", "C#", "Java", "JavaScript (Node.js)"):
        code = snippet(text, heading)
        assert all(f'"feature number {i}"' in code for i in range(100)), heading
        assert len(code.splitlines()) < 90, heading
        assert max(len(line) for line in code.splitlines()) <= 112, heading
    compile(snippet(text, "Python"), "score.py", "exec")


# -- The snippets run against a real exported model -------------------------------------


@pytest.fixture(scope="module")
def real_models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, ModelMetadata]]:
    """A small real model per task, with awkward input names, saved with its metadata."""
    import numpy as np
    import onnx
    import pandas as pd
    from sklearn.cluster import KMeans
    from sklearn.ensemble import IsolationForest
    from sklearn.linear_model import LinearRegression, LogisticRegression

    from engine.export.metadata import attach_metadata
    from engine.recipe.compile import compile_recipe
    from engine.recipe.inputs import InputColumn, to_model_frame
    from engine.recipe.onnx_graph import to_onnx_model
    from engine.recipe.spec import Recipe, RecipeStep

    columns = tuple(InputColumn(spec.name, spec.kind) for spec in INPUTS)
    rng = np.random.default_rng(0)
    rows = 200
    raw = pd.DataFrame({
        "monthly income": rng.normal(3000, 800, rows),
        "région": rng.choice(["nord", "sud", "est", "ouest"], rows),
        QUOTED: rng.choice(["a|b", "x`y"], rows),
        "signup_date": pd.Timestamp("2023-01-01")
        + pd.to_timedelta(rng.integers(0, 700, rows), unit="D"),
    })
    frame = to_model_frame(raw, columns)
    income = frame["monthly income"].to_numpy()
    targets = {"binary": np.where(income > 3000, "yes", "no"),
               "multiclass": np.where(income > 3400, "high", np.where(income > 2600,
                                                                      'mid "m"', "low")),
               "regression": income * 0.1 + rng.normal(0, 10, rows)}
    estimators = {"binary": LogisticRegression(max_iter=1000),
                  "multiclass": LogisticRegression(max_iter=1000),
                  "regression": LinearRegression(),
                  "clustering": KMeans(3, n_init=1, random_state=0),
                  "anomaly": IsolationForest(n_estimators=10, random_state=0)}
    recipe = Recipe((RecipeStep("impute", ("monthly income", "signup_date")),
                     RecipeStep("one_hot", ("région", QUOTED))))
    models = {}
    for task, estimator in estimators.items():
        pipeline = compile_recipe(recipe, columns, task=task)
        pipeline.steps.append(("model", estimator))
        pipeline.fit(frame, targets.get(task))
        model = to_onnx_model(pipeline, columns)
        described = metadata(task)
        if task == "binary":
            described = described.with_changes(threshold=0.3)
        if task == "multiclass":
            described = described.with_changes(classes=tuple(pipeline.classes_))
        attach_metadata(model, described)
        folder = tmp_path_factory.mktemp(task)
        onnx.save(model, folder / "churn.onnx")
        (folder / "churn.model.json").write_text(described.to_json(), encoding="utf-8")
        models[task] = folder, described
    return models


def _expected_lines(folder: Path, described: ModelMetadata) -> list[str]:
    """What a snippet must print for the card's example row, straight from onnxruntime."""
    import numpy as np
    import onnxruntime as ort

    session = ort.InferenceSession(str(folder / "churn.onnx"))
    feed = {"monthly income": np.array([[5000.0]], np.float32),
            "signup_date": np.array([[19750.0]], np.float32),  # 2024-01-28
            "région": np.array([["nord"]], object), QUOTED: np.array([["a|b"]], object)}
    outputs = session.run(None, feed)
    if described.task == "regression":
        return [f"prediction: {float(outputs[0][0, 0])}"]
    if described.task in ("clustering", "anomaly"):
        return [f"label: {np.ravel(outputs[0])[0]}"]  # [N] for k-means, [N, 1] for iforest
    lines = [f"most likely: {outputs[0][0]}"]
    if described.task == "binary":
        lines.append(f"decision: {'yes' if outputs[1][0, 1] >= 0.3 else 'no'}")
    return lines


def _check_output(stdout: str, expected: list[str]) -> None:
    for line in expected:
        if line.startswith("prediction: "):  # runtimes print a float32 with more or less digits
            printed = re.search(r"^prediction: (\S+)$", stdout, re.M)
            assert printed, stdout
            assert float(printed.group(1)) == pytest.approx(float(line.split()[1]), rel=1e-6)
            continue
        assert re.search(rf"^{re.escape(line)}", stdout, re.M), (line, stdout)


@pytest.mark.parametrize("task", list(OUTPUTS))
def test_python_snippet_scores_the_real_model(
    real_models: dict[str, tuple[Path, ModelMetadata]], task: str
) -> None:
    folder, described = real_models[task]
    code = snippet(model_card(described, parity=PARITY, files=FILES), "Python")
    run = subprocess.run([sys.executable, "-c", code], cwd=folder, capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    _check_output(run.stdout, _expected_lines(folder, described))


@pytest.mark.skipif(NODE is None or not (ORT_NODE / "onnxruntime-node").is_dir(),
                    reason="onnxruntime-node is not installed (tests/node)")
@pytest.mark.parametrize("task", list(OUTPUTS))
def test_javascript_snippet_scores_the_real_model(
    real_models: dict[str, tuple[Path, ModelMetadata]], task: str, tmp_path: Path
) -> None:
    folder, described = real_models[task]
    code = snippet(model_card(described, parity=PARITY, files=FILES), "JavaScript (Node.js)")
    for name in ("churn.onnx", "churn.model.json"):
        shutil.copy(folder / name, tmp_path / name)
    (tmp_path / "node_modules").symlink_to(ORT_NODE, target_is_directory=True)
    (tmp_path / "score.mjs").write_text(code, encoding="utf-8")
    run = subprocess.run([NODE, "score.mjs"], cwd=tmp_path, capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0, run.stderr
    _check_output(run.stdout, _expected_lines(folder, described))


def test_csharp_and_java_name_the_pinned_onnxruntime_and_say_they_are_untested() -> None:
    """The .NET and Java packages are named at the version of the onnxruntime Gristmill pins
    and tests with, and both snippets say plainly that they are not run here."""
    import tomllib

    from engine.export.card_snippets import ONNXRUNTIME_VERSION

    project = tomllib.loads((Path(__file__).resolve().parents[3] / "pyproject.toml")
                            .read_text(encoding="utf-8"))
    pins = [d for d in project["project"]["dependencies"] if d.startswith("onnxruntime==")]
    assert pins == [f"onnxruntime=={ONNXRUNTIME_VERSION}"]
    text = card("binary")
    csharp, java = snippet(text, "C#"), snippet(text, "Java")
    assert f"dotnet add package Microsoft.ML.OnnxRuntime --version {ONNXRUNTIME_VERSION}" \
        in csharp
    assert f"com.microsoft.onnxruntime:onnxruntime:{ONNXRUNTIME_VERSION}" in java
    for code in (csharp, java):
        assert "Untested here" in code


def test_the_card_gives_the_figures_at_the_threshold_and_where_it_was_chosen() -> None:
    figures = {"threshold": 0.42, "precision": 0.6123, "recall": 0.7412, "f1": 0.6706,
               "accuracy": 0.8011, "rows": 1000, "chosen_on": "out-of-fold",
               "measured_on": "holdout"}
    base = metadata("binary")
    text = model_card(base.with_changes(metrics={**base.metrics, "at_threshold": figures}),
                      parity=PARITY, files=FILES)
    section = text.split("### At the decision threshold\n")[1].split("\n### ")[0]
    assert "| 0.6123 | 0.7412 | 0.6706 | 0.8011 |" in section
    assert "**0.42**" in section and "`decision` output" in section
    assert "chosen on out-of-fold predictions of the training rows" in section
    assert "measured on the 1,000 held-out rows" in section
    assert "### At the decision threshold" not in card("binary")  # older models: no figures
