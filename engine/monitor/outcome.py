"""With labels: did the outcome itself change (prior shift)?

When the new file has the target, the outcome is compared with the training table's (stored
in the reference as ``outcomes``). A classifier's outcome mix: each outcome's share, "'rain'
34% -> 1%, 'fog' 12% -> 44%", tested as the columns' categories are. A regression target:
its mean and quantiles before and after, the move of the mean in training standard
deviations, and PSI on the target's stored reference bins with the numeric columns' test
(chi-square and rank tests on the same bins); it moved when effect and test agree, as for a
column. A change in what happens, rather than in the inputs, is prior (label) shift: a model
can be worse on such data although every input looks as in training, and the remedy is to
retrain with recent outcomes, not to inspect the data extraction.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np

from engine.monitor.explain import percent, value_text
from engine.monitor.report import OutcomeMix
from engine.monitor.settings import DriftSettings
from engine.monitor.statistics import categories_p

_SHOWN = 4  # outcomes named in the sentence, largest moves first


def outcome_mix(reference: dict[str, Any] | None, truth: np.ndarray,
                settings: DriftSettings) -> OutcomeMix | None:
    """The outcome shares at training and now, with the test of their difference.

    ``reference`` is the stored ``outcomes`` profile (None for models exported before it
    existed: nothing to compare), ``truth`` the labels of the new rows ("" when missing).
    """
    if reference and reference.get("kind") == "numeric":
        return _outcome_values(reference, truth, settings)
    if not reference or not reference.get("categories"):
        return None
    before_counts = {c["value"]: int(c["count"]) for c in reference["categories"]}
    labels = [str(v) for v in truth.tolist() if v is not None and v == v and str(v) != ""]
    now_counts = Counter(labels)
    if not labels:
        return None
    names = sorted(set(before_counts) | set(now_counts))
    old = np.asarray([before_counts.get(n, 0) for n in names], dtype=np.int64)
    new = np.asarray([now_counts.get(n, 0) for n in names], dtype=np.int64)
    before, after = old / max(old.sum(), 1), new / max(new.sum(), 1)
    p_value = categories_p(old, new)
    moves = after - before
    changed = bool(p_value < settings.alpha and np.abs(moves).max() >= settings.share_change)
    order = np.argsort(-np.abs(moves), kind="stable")[:_SHOWN]
    shown = ", ".join(f"{names[i]!r} {percent(before[i])} -> {percent(after[i])}"
                      for i in order if abs(moves[i]) >= 0.005) or "the same shares"
    if changed:
        sentence = (f"the outcome mix changed ({shown}): what happens changed, not only the "
                    "inputs (prior shift)")
    else:
        sentence = f"outcome mix at training and now: {shown}"
    return OutcomeMix(
        before={n: round(float(v), 6) for n, v in zip(names, before, strict=True)},
        after={n: round(float(v), 6) for n, v in zip(names, after, strict=True)},
        rows=len(labels),
        p_value=round(float(p_value), 6),
        changed=changed,
        sentence=sentence,
    )


def _outcome_values(reference: dict[str, Any], truth: np.ndarray,
                    settings: DriftSettings) -> OutcomeMix | None:
    """A regression target before and after: mean, quantiles, shift in sd, PSI and test."""
    from engine.export.reference import bin_index
    from engine.monitor.rule import numeric_p
    from engine.monitor.statistics import psi

    values = np.asarray(truth, dtype=np.float64).ravel()
    values = values[np.isfinite(values)]
    bins = reference.get("bins") or {}
    quantiles = reference.get("quantiles") or []
    if values.size == 0 or len(quantiles) != 101 or reference.get("mean") is None:
        return None
    edges = np.asarray(bins.get("edges") or [], dtype=np.float64)
    old = np.asarray(bins.get("counts") or [0], dtype=np.int64)
    new = np.bincount(bin_index(edges, values), minlength=edges.size + 1)
    effect = psi(old, new)
    p_value = numeric_p(old, new)
    before = {"mean": float(reference["mean"]), "10%": float(quantiles[10]),
              "median": float(quantiles[50]), "90%": float(quantiles[90])}
    after = {"mean": float(values.mean()), "10%": float(np.quantile(values, 0.1)),
             "median": float(np.quantile(values, 0.5)),
             "90%": float(np.quantile(values, 0.9))}
    spread = reference.get("std")
    shift = (after["mean"] - before["mean"]) / spread if spread else None
    # Effect and test must agree, as for a column: PSI 0.1 is about a 0.3-sd move of the mean.
    changed = bool(p_value < settings.alpha and effect >= settings.psi_changed)
    moved = (f"mean {value_text(before['mean'])} -> {value_text(after['mean'])}"
             + (f", {shift:+.1f} sd" if shift is not None else "")
             + f"; middle 80% {value_text(before['10%'])} to {value_text(before['90%'])} -> "
             f"{value_text(after['10%'])} to {value_text(after['90%'])}")
    if changed:
        sentence = (f"the outcome itself moved ({moved}): what happens changed, not only the "
                    "inputs (prior shift)")
    else:
        sentence = f"outcome at training and now: {moved}"
    return OutcomeMix(
        before={k: _round(v) for k, v in before.items()},
        after={k: _round(v) for k, v in after.items()},
        rows=int(values.size),
        p_value=round(float(p_value), 6),
        changed=changed,
        sentence=sentence,
        kind="values",
        shift=None if shift is None else _round(shift),
        psi=_round(effect),
    )


def _round(value: float) -> float:
    return float(f"{value:.6g}")
