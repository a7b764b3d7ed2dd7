"""The drift rule's thresholds, in one typed table with the defaults documented.

Why these defaults (measured on generated data, ``../shared/notes/drift-facts.md`` and
``tests/engine/monitor/test_validation.py``):

- an effect size alone raises false alarms on small files (PSI of pure noise is about
  ``9 x (1/n_reference + 1/n_new)`` on 10 bins), and a p-value alone raises them on large files
  (a meaningless 0.02-sd shift is "significant" at 1M rows), so a column changes only when
  both agree;
- PSI 0.1 is about a 0.3-sd mean shift and 0.25 about 0.5 sd, the usual "watch" and "act"
  levels, lowered for the columns the model relies on most (``psi_important``); PSI misses
  a 10-point move between two big categories (0.08), hence the share rule.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

from engine.errors import InputError

LEVELS = ("stable", "changed", "major")
# The fewest rows (present values) a file or a column is judged on; the windows quote it.
MIN_ROWS = 30


@dataclass(frozen=True)
class DriftSettings:
    """Thresholds of the drift rule (every one can be changed; see the module docstring).

    - ``psi_changed`` / ``psi_major``: PSI on the reference-decile bins (or categories) at
      which a column (or the scores) has changed / changed a lot.
    - ``share_change``: a category whose share of rows moved by this much (0.10 = 10 points)
      has changed, even when PSI is small. The move counts when the upper end of its 95%
      interval (two standard errors) reaches it, so a real 10-point move is caught from a
      few hundred rows; the test keeps chance moves out.
    - ``major_share_change``: a category share move that counts as major.
    - ``alpha``: the chi-square test's level, after Benjamini-Hochberg across columns.
    - ``min_rows``: fewer present values than this and a column is "not enough rows to judge"
      (and a file with fewer rows is not judged: exit code 6). From 30 rows up the tests are
      exact (permutation) where counts are small, and a small file's verdict says how large a
      change it could have missed.
    - ``psi_important``: the PSI at which a column carrying ``importance_full`` (50%) or more
      of the model's importance has changed; between no importance and that share the
      threshold falls linearly from ``psi_changed``. A small move in the column the model
      relies on most matters (0.2 sd is PSI about 0.04); the test still has to agree.
    - ``performance_margin``: the drop of a 0-to-1 metric (ROC AUC, accuracy, F1...) that
      matters to a business (0.02 = 2 points); ``performance_margin_relative`` the same for
      error metrics (RMSE, MAE, log loss), as a share of the training figure. Performance is
      "worse" only when the drop is beyond both the sampling error and this margin.
    - ``missing_change``: a change in a column's missing rate (0.05 = 5 points) that is
      reported as an integrity problem (when the test agrees).
    - ``new_category_share``: the share of rows with categories outside the training list,
      beyond what training itself had, that is an integrity problem.
    - ``out_of_range_share``: the share of values outside the training minimum..maximum that
      is an integrity problem.
    - ``importance_changed`` / ``importance_major``: the share of the model's importance
      carried by changed columns at which the headline says Changed / Major.
    - ``bootstrap_rounds``: resamples for the confidence interval of the performance on
      labelled data; ``sample_rows``: rows kept (uniformly at random) for that performance,
      so memory does not grow with the file.
    - ``score_rows``: about how many rows the model scores. Every row is counted for the
      columns, but the distribution of the model's scores is judged on a uniform random
      sample of this size when the file is larger (scoring is the slowest part of a check,
      and 50,000 scores measure a distribution far more finely than the reference of a few
      thousand held-out rows does: PSI's noise floor moves from 0.0090 to 0.0092).
    """

    psi_changed: float = 0.10
    psi_major: float = 0.25
    share_change: float = 0.10
    major_share_change: float = 0.25
    alpha: float = 0.01
    min_rows: int = MIN_ROWS
    psi_important: float = 0.025
    importance_full: float = 0.50
    performance_margin: float = 0.02
    performance_margin_relative: float = 0.05
    missing_change: float = 0.05
    new_category_share: float = 0.01
    out_of_range_share: float = 0.01
    importance_changed: float = 0.10
    importance_major: float = 0.50
    bootstrap_rounds: int = 200
    sample_rows: int = 50_000
    score_rows: int = 50_000

    def __post_init__(self) -> None:
        checks = [
            (0 < self.psi_changed <= self.psi_major, "psi_changed must be > 0 and <= psi_major"),
            (0 < self.share_change <= self.major_share_change <= 1,
             "share_change must be > 0 and <= major_share_change <= 1"),
            (0 < self.alpha < 1, "alpha must be between 0 and 1"),
            (self.min_rows >= 1, "min_rows must be at least 1"),
            (0 < self.psi_important <= self.psi_changed,
             "psi_important must be > 0 and <= psi_changed"),
            (0 < self.importance_full <= 1, "importance_full must be between 0 and 1"),
            (self.performance_margin >= 0 and self.performance_margin_relative >= 0,
             "performance margins must be >= 0"),
            (0 < self.missing_change <= 1, "missing_change must be between 0 and 1"),
            (0 < self.new_category_share <= 1, "new_category_share must be between 0 and 1"),
            (0 < self.out_of_range_share <= 1, "out_of_range_share must be between 0 and 1"),
            (0 < self.importance_changed <= self.importance_major <= 1,
             "importance_changed must be > 0 and <= importance_major <= 1"),
            (self.bootstrap_rounds >= 20, "bootstrap_rounds must be at least 20"),
            (self.sample_rows >= 1000, "sample_rows must be at least 1000"),
            (self.score_rows >= 1000, "score_rows must be at least 1000"),
        ]
        for ok, message in checks:
            if not ok:
                raise InputError(f"Drift settings: {message}.")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DriftSettings:
        """Settings from a mapping; unknown keys are refused by name."""
        known = {f.name: f.type for f in fields(cls)}
        unknown = sorted(set(data) - set(known))
        if unknown:
            raise InputError(
                f"Unknown drift setting(s): {', '.join(unknown)}.",
                f"Known settings: {', '.join(known)}.",
            )
        values: dict[str, Any] = {}
        for name, value in data.items():
            default = getattr(cls, name)
            try:
                values[name] = type(default)(value)
            except (TypeError, ValueError):
                raise InputError(
                    f"Drift setting {name} must be a number, not {value!r}."
                ) from None
        return cls(**values)
