"""How much work the evaluation does: one table, read by the evaluation and by the training
budget that reserves time for it (engine.training.budget), so the two cannot drift apart.

Kept free of heavy imports: the budget reads it while a search runs.
"""

from __future__ import annotations

TOP_FEATURES = 4
"""Partial-dependence plots drawn, for the most important columns (when time allows)."""

DEPENDENCE_POINTS = 20
"""Grid points of a numeric column's partial dependence: one prediction pass each."""

IMPORTANCE_REPEATS = 3
"""Times permutation importance shuffles each column: one prediction pass each."""

MAX_IMPORTANCE_ROWS = 2_000
"""Holdout rows permutation importance predicts at most, per pass."""
