"""With labels: did the outcome mix itself change (prior shift)?

When the new file has the target, its share of each outcome is compared with the training
table's (stored in the reference as ``outcomes``): "'rain' 34% -> 1%, 'fog' 12% -> 44%". A
change in what happens, rather than in the inputs, is prior (label) shift: a model can be
worse on such data although every input looks as in training, and the remedy is to retrain
with recent outcomes, not to inspect the data extraction.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np

from engine.monitor.explain import percent
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
