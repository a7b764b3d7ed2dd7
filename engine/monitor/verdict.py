"""The headline: one level (Stable, Changed, Major) and one plain sentence with what to do.

It combines the drift of the model's own scores with an importance-weighted view of the
columns: a change in a column the model barely uses matters less than one in its main input.

- **Major**: the scores changed a lot; or a major change hit columns carrying at least
  ``importance_changed`` (10%) of the importance; or columns carrying at least
  ``importance_major`` (50%) of it changed and the scores moved with them.
- **Changed**: the scores changed; or changed columns carry at least ``importance_changed``
  of the importance; or, with labels, the model does worse than at training beyond chance
  and beyond the business margin, or the outcome mix changed or a regression target moved
  (prior shift); or a column's
  values can no longer be read at all (the data feed broke, whatever its weight).
- **Stable** otherwise (changes in columns that matter little are still listed).
- **Not enough rows** under ``min_rows`` (30) rows: nothing is judged (exit code 6). Under
  200 rows the sentence says how large a change the check could have missed.
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
    OutcomeMix,
    PerformanceCheck,
    ScoreDrift,
)
from engine.monitor.settings import DriftSettings
from engine.monitor.statistics import detectable_shift

# Under this many rows a verdict says how large a change it could have missed.
SMALL_FILE_ROWS = 200


def headline(
    columns: Sequence[ColumnDrift],
    scores: ScoreDrift | None,
    performance: PerformanceCheck | None,
    rows: int,
    settings: DriftSettings,
    outcome: OutcomeMix | None = None,
) -> tuple[str, str, str, float, float]:
    """(level, sentence, advice, weight of changed columns, weight of major columns)."""
    changed = sum(c.weight for c in columns if c.severity >= 1)
    major = sum(c.weight for c in columns if c.severity >= 2)
    flagged = [c for c in sorted(columns, key=lambda c: (-c.severity, -c.weight)) if c.flagged]
    if rows < settings.min_rows:
        return (
            TOO_FEW,
            f"{rows:,} rows are too few to judge drift: at least {settings.min_rows:,} are "
            "needed to tell a real change from chance, so this file was not judged.",
            "Check again when more rows have arrived (for example, a whole month's file).",
            changed,
            major,
        )
    score_status = scores.status if scores is not None else STABLE
    worse = performance is not None and performance.worse
    prior = outcome is not None and outcome.changed
    # Major means "retrain": a big move of the scores, a major change in columns that
    # matter, or most of the importance changed and the model's output moved with it.
    if (score_status == MAJOR or major >= settings.importance_changed
            or (changed >= settings.importance_major and score_status != STABLE)):
        level = MAJOR
    elif (score_status == CHANGED or changed >= settings.importance_changed or worse or prior
          or any("retyped" in c.integrity for c in columns)):
        level = CHANGED
    else:
        level = STABLE
    sentence = _sentence(level, flagged, changed, scores, performance, outcome)
    sentence += _small_file(level, rows, columns)
    values = outcome is not None and outcome.kind == "values"
    return level, sentence, _advice(level, flagged, worse, prior, values), changed, major


def _small_file(level: str, rows: int, columns: Sequence[ColumnDrift]) -> str:
    """A small file's verdict says its uncertainty: the smallest change it could miss."""
    if rows >= SMALL_FILE_ROWS:
        return ""
    reference_rows = max((sum(c.reference_counts) for c in columns), default=0)
    shift = detectable_shift(rows, reference_rows)
    if shift is None:
        return ""
    if level == STABLE:
        return (f" With only {rows:,} rows this is a coarse check: too few rows to rule out "
                f"a change under about {shift:.1f} standard deviations in a column.")
    return (f" With only {rows:,} rows the size of these changes is uncertain (changes "
            f"under about {shift:.1f} standard deviations cannot be seen).")


def _sentence(level: str, flagged: Sequence[ColumnDrift], changed: float,
              scores: ScoreDrift | None, performance: PerformanceCheck | None,
              outcome: OutcomeMix | None) -> str:
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
    if outcome is not None and outcome.changed:
        inputs = "" if flagged else ", while the inputs look as in training"
        parts.append(outcome.sentence + inputs)
    if performance is not None and performance.worse and performance.training is not None:
        # Short: the performance line of the report gives the interval and the margin.
        parts.append(f"the model does worse ({performance.label} "
                     f"{performance.training:.3g} at training, {performance.now:.3g} now)")
    what = "; ".join(parts) if parts else "the data changed"
    strength = "a lot" if level == MAJOR else "noticeably"
    return f"This data differs {strength} from the training data: {what}."


def _advice(level: str, flagged: Sequence[ColumnDrift], worse: bool, prior: bool,
            values: bool = False) -> str:
    if level == STABLE:
        return "No action needed; check again with the next file."
    integrity = [c for c in flagged if c.integrity and not c.newer_period]
    steps = []
    if integrity:
        steps.append("check how the data was extracted (" + _names(
            [c.name for c in integrity]) + " show missing, unreadable or unknown values)")
    if prior and values:
        steps.append("retrain the model with recent rows and their outcomes: the outcome "
                     "itself moved, so its predictions are off even where the inputs are not")
    elif prior:
        steps.append("retrain the model with recent rows and their outcomes: the outcome mix "
                     "changed, so its probabilities are off even where the inputs are not")
    elif level == MAJOR or worse:
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
