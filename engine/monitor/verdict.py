"""The headline: one level (Stable, Changed, Major) and one plain sentence with what to do.

It combines the drift of the model's own scores with an importance-weighted view of the
columns: a change in a column the model barely uses matters less than one in its main input.

- **Major**: the scores changed a lot; or columns carrying at least ``importance_major`` (50%)
  of the model's importance changed; or a major change hit columns carrying at least
  ``importance_changed`` (10%) of it.
- **Changed**: the scores changed; or changed columns carry at least ``importance_changed``
  of the importance; or, with labels, the model does measurably worse than at training; or
  a column's values can no longer be read at all (the data feed broke, whatever its weight).
- **Stable** otherwise (changes in columns that matter little are still listed).
- **Not enough rows** under ``min_rows`` rows: nothing is judged.
"""

from __future__ import annotations

from collections.abc import Sequence

from engine.monitor.explain import percent
from engine.monitor.report import (
    CHANGED,
    MAJOR,
    STABLE,
    TOO_FEW,
    ColumnDrift,
    PerformanceCheck,
    ScoreDrift,
)
from engine.monitor.settings import DriftSettings


def headline(
    columns: Sequence[ColumnDrift],
    scores: ScoreDrift | None,
    performance: PerformanceCheck | None,
    rows: int,
    settings: DriftSettings,
) -> tuple[str, str, str, float, float]:
    """(level, sentence, advice, weight of changed columns, weight of major columns)."""
    changed = sum(c.weight for c in columns if c.severity >= 1)
    major = sum(c.weight for c in columns if c.severity >= 2)
    flagged = [c for c in sorted(columns, key=lambda c: (-c.severity, -c.weight)) if c.flagged]
    if rows < settings.min_rows:
        return (
            TOO_FEW,
            f"{rows:,} rows are not enough to judge drift: at least {settings.min_rows:,} are "
            "needed to tell a real change from chance.",
            "Check again when more rows have arrived (for example, a whole month's file).",
            changed,
            major,
        )
    score_status = scores.status if scores is not None else STABLE
    worse = performance is not None and performance.worse
    if (score_status == MAJOR or changed >= settings.importance_major
            or major >= settings.importance_changed):
        level = MAJOR
    elif (score_status == CHANGED or changed >= settings.importance_changed or worse
          or any("retyped" in c.integrity for c in columns)):
        level = CHANGED
    else:
        level = STABLE
    return level, _sentence(level, flagged, changed, scores, performance), _advice(
        level, flagged, worse), changed, major


def _sentence(level: str, flagged: Sequence[ColumnDrift], changed: float,
              scores: ScoreDrift | None, performance: PerformanceCheck | None) -> str:
    names = _names([c.name for c in flagged])
    score_moved = scores is not None and scores.status in (CHANGED, MAJOR)
    if level == STABLE:
        if flagged:
            return (f"The model can still be trusted: its scores look as in training; "
                    f"{names} changed, but {'it carries' if len(flagged) == 1 else 'they carry'}"
                    f" only {percent(changed)} of what the model relies on.")
        return ("The model can still be trusted: this data looks like the data it was "
                "trained on.")
    parts = []
    if flagged:
        parts.append(f"{names} changed ({percent(changed)} of what the model relies on)")
    if score_moved and scores is not None:
        parts.append(f"the model's scores moved ({scores.name})")
    if performance is not None and performance.worse:
        parts.append(performance.sentence)
    what = "; ".join(parts) if parts else "the data changed"
    strength = "a lot" if level == MAJOR else "noticeably"
    return f"This data differs {strength} from the training data: {what}."


def _advice(level: str, flagged: Sequence[ColumnDrift], worse: bool) -> str:
    if level == STABLE:
        return "No action needed; check again with the next file."
    integrity = [c for c in flagged if c.integrity]
    steps = []
    if integrity:
        steps.append("check how the data was extracted (" + _names(
            [c.name for c in integrity]) + " show missing, unreadable or unknown values)")
    if level == MAJOR or worse:
        steps.append("retrain the model on recent data before relying on its scores")
    else:
        steps.append("watch the next file; retrain if the change persists")
    text = "; ".join(steps)
    return text[0].upper() + text[1:] + "."


def _names(names: Sequence[str]) -> str:
    quoted = [repr(n) for n in names]
    if len(quoted) > 4:
        return ", ".join(quoted[:4]) + f" and {len(quoted) - 4} more"
    if len(quoted) > 1:
        return ", ".join(quoted[:-1]) + " and " + quoted[-1]
    return quoted[0] if quoted else "no column"
