"""Fitted pipelines to bytes and back with skops, trusting a fixed allow-list of types.

Never pickle: a pickled model runs arbitrary code when loaded, and project files are mailed
around. skops refuses every type that is not explicitly trusted; we trust only the modules our
own catalog and recipe produce (scikit-learn, numpy, scipy, LightGBM and Gristmill's recipe
steps), so a tampered file naming anything else is refused with a clear message.
"""

from __future__ import annotations

from typing import Any

from engine.errors import ProjectError

TRUSTED_PREFIXES = (
    "sklearn.",
    "numpy.",
    "scipy.",
    "lightgbm.",
    "engine.recipe.",
    "collections.OrderedDict",  # LightGBM keeps its parameters in one
)
"""Modules whose types a stored model may contain."""


def _is_trusted(type_name: str) -> bool:
    return type_name.startswith(TRUSTED_PREFIXES)


def model_to_bytes(pipeline: Any) -> bytes:
    """The fitted pipeline as skops bytes (compressed)."""
    import skops.io

    return skops.io.dumps(pipeline, compression=8)  # ZIP_DEFLATED


def model_from_bytes(data: bytes) -> Any:
    """Load a pipeline stored by :func:`model_to_bytes`, trusting only the allow-list."""
    import skops.io

    try:
        untrusted = skops.io.get_untrusted_types(data=data)
    except Exception as error:  # not a skops file at all
        raise ProjectError(
            "The stored model cannot be read.", "Train the model again."
        ) from error
    refused = [name for name in untrusted if not _is_trusted(name)]
    if refused:
        raise ProjectError(
            "The stored model contains types Gristmill does not trust: "
            f"{', '.join(sorted(refused)[:5])}.",
            "It was not made by Gristmill, or was altered; train the model again.",
        )
    return skops.io.loads(data, trusted=untrusted)
