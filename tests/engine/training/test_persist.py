"""Fitted pipelines to skops bytes and back: every real pipeline round-trips exactly, and the
allow-list is exactly what those pipelines contain; anything else is refused unrun."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest
from real_pipelines import real_pipelines

from engine.errors import ProjectError
from engine.training.persist import TRUSTED_TYPES, model_from_bytes, model_to_bytes


@pytest.fixture(scope="module")
def pipelines():
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        return list(real_pipelines())


@pytest.mark.slow  # fits about 40 small pipelines
def test_every_real_pipeline_round_trips_exactly(pipelines) -> None:
    for label, pipeline, x in pipelines:
        loaded = model_from_bytes(model_to_bytes(pipeline))
        np.testing.assert_array_equal(loaded.predict(x), pipeline.predict(x), err_msg=label)
        if hasattr(pipeline, "predict_proba"):
            np.testing.assert_array_equal(
                loaded.predict_proba(x), pipeline.predict_proba(x), err_msg=label
            )


@pytest.mark.slow
def test_the_allow_list_is_exactly_what_real_pipelines_contain(pipelines) -> None:
    import importlib.util

    import skops.io

    named: set[str] = set()
    for _label, pipeline, _x in pipelines:
        named.update(skops.io.get_untrusted_types(data=model_to_bytes(pipeline)))
    expected = set(TRUSTED_TYPES)
    if importlib.util.find_spec("lightgbm") is None:  # its entries cannot be exercised here
        expected = {name for name in expected if "lightgbm" not in name
                    and name != "collections.OrderedDict"}
    assert named - TRUSTED_TYPES == set(), "a real pipeline stores a type the list lacks"
    assert expected - named == set(), "the list trusts a type no real pipeline contains"


def test_a_model_with_an_untrusted_function_is_refused() -> None:
    import os

    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import FunctionTransformer

    tampered = Pipeline([("step", FunctionTransformer(os.getcwd))])
    with pytest.raises(ProjectError, match="does not trust"):
        model_from_bytes(model_to_bytes(tampered))


def test_bytes_that_are_not_a_model_are_refused() -> None:
    with pytest.raises(ProjectError, match="cannot be read"):
        model_from_bytes(b"not a skops file")


# --- Exploits: skops files naming callables that run code, as a tampered project holds. ---

# Callables reachable under the old trusted prefixes (numpy., scipy., sklearn., lightgbm.)
# or plainly dangerous, each called with one string argument when constructed.
DANGEROUS = [
    ("numpy.testing._private.utils", "runstring"),  # exec(code, namespace)
    ("builtins", "exec"),
    ("builtins", "eval"),
    ("builtins", "compile"),
    ("builtins", "__import__"),
    ("os", "system"),
    ("posix", "system"),
    ("subprocess", "getoutput"),
    ("subprocess", "check_output"),
    ("subprocess", "Popen"),
    ("importlib", "import_module"),
    ("numpy", "load"),  # allow_pickle in a crafted call
    ("numpy.lib.npyio", "load"),
    ("scipy.io", "loadmat"),
    ("sklearn.utils._testing", "assert_run_python_script_without_output"),
    ("sklearn.utils.fixes", "parse_version"),
]


def _schema_blob(schema: dict) -> bytes:
    schema.update({"protocol": 2, "_skops_version": "0.16.0"})
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("schema.json", json.dumps(schema))
    return buffer.getvalue()


def _text(value: str) -> dict:
    return {"__class__": "str", "__module__": "builtins", "__loader__": "JsonNode",
            "content": json.dumps(value), "is_json": True}


def _constructor_call(module: str, name: str, *args: dict) -> bytes:
    """A blob whose loading calls ``module.name(*args)`` (skops' ConstructorFromReduceNode)."""
    return _schema_blob({
        "__class__": name, "__module__": module, "__loader__": "ConstructorFromReduceNode",
        "content": {"__class__": "tuple", "__module__": "builtins", "__loader__": "TupleNode",
                    "content": list(args)},
    })


def _function_in_transformer(module: str, name: str) -> bytes:
    """A FunctionTransformer whose ``func`` is ``module.name`` (run on the first predict)."""
    return _schema_blob({
        "__class__": "FunctionTransformer",
        "__module__": "sklearn.preprocessing._function_transformer",
        "__loader__": "ObjectNode",
        "content": {"__class__": "dict", "__module__": "builtins", "__loader__": "DictNode",
                    "content": {"func": {"__class__": name, "__module__": module,
                                         "__loader__": "TypeNode"}},
                    "key_types": {"__class__": "list", "__module__": "builtins",
                                  "__loader__": "ListNode", "content": [_text("func")]}},
    })


def _payload(marker: Path) -> str:
    return f"open({str(marker)!r}, 'w').write('ran')"


def test_the_runstring_repro_is_refused_and_not_run(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    namespace = {"__class__": "dict", "__module__": "builtins", "__loader__": "DictNode",
                 "content": {}, "key_types": {"__class__": "list", "__module__": "builtins",
                                              "__loader__": "ListNode", "content": []}}
    blob = _constructor_call("numpy.testing._private.utils", "runstring",
                             _text(_payload(marker)), namespace)
    with pytest.raises(ProjectError, match=r"does not trust: numpy\.testing.*runstring"):
        model_from_bytes(blob)
    assert not marker.exists()


@pytest.mark.parametrize(("module", "name"), DANGEROUS, ids=[f"{m}.{n}" for m, n in DANGEROUS])
def test_a_callable_that_runs_code_is_refused_and_not_run(module, name, tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    code = _payload(marker)
    argument = f"python3 -c \"{code}\"" if name in ("system", "getoutput") else code
    for blob in (_constructor_call(module, name, _text(argument)),
                 _function_in_transformer(module, name)):
        with pytest.raises(ProjectError, match=f"does not trust: {module}.{name}"):
            model_from_bytes(blob)
    assert not marker.exists()
