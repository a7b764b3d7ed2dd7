"""The statistics of the drift rule: PSI, the chi-square test and Benjamini-Hochberg.

Every function takes counts (never raw rows), so the same code serves a 200-row file and a
10-million-row one. scipy does the distributions.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

# A share of 0 has no logarithm; PSI is computed with empty bins raised to this share (the
# usual convention: a 1% new category then adds about 0.046).
PSI_FLOOR = 1e-4
# Below this expected count in a cell the chi-square test is replaced by its exact
# (permutation) version: the usual rule of thumb for the chi-square approximation.
EXACT_BELOW = 5.0


def shares(counts: Sequence[float] | np.ndarray) -> np.ndarray:
    """Counts as shares of their total (all zeros when the total is 0)."""
    array = np.asarray(counts, dtype=np.float64)
    total = array.sum()
    return array / total if total > 0 else np.zeros_like(array)


def psi(reference: Sequence[float] | np.ndarray, current: Sequence[float] | np.ndarray) -> float:
    """Population stability index of ``current`` against ``reference`` counts on the same bins.

    ``sum((q - p) * ln(q / p))`` over bins, shares floored at :data:`PSI_FLOOR`. 0 means the
    same distribution; 0.1 is a noticeable change, 0.25 a large one.
    """
    p = np.maximum(shares(reference), PSI_FLOOR)
    q = np.maximum(shares(current), PSI_FLOOR)
    return float(np.sum((q - p) * np.log(q / p)))


def chi_square_p(
    reference: Sequence[float] | np.ndarray, current: Sequence[float] | np.ndarray
) -> float:
    """p-value of the chi-square test that both count vectors come from one distribution.

    A 2 x k test of homogeneity on the bins that hold any count (no continuity correction).
    When an expected count is under ``EXACT_BELOW`` (a small file, or a rare cell) the
    chi-square law is a poor guide and the exact permutation p-value of
    :func:`permutation_p` is returned instead. 1.0 when fewer than two bins are used or
    either side is empty: nothing to compare.
    """
    from scipy.stats import chi2

    table = np.vstack([np.asarray(reference, np.float64), np.asarray(current, np.float64)])
    table = table[:, table.sum(axis=0) > 0]
    row_totals = table.sum(axis=1)
    if table.shape[1] < 2 or (row_totals <= 0).any():
        return 1.0
    expected = np.outer(row_totals, table.sum(axis=0)) / table.sum()
    if expected.min() < EXACT_BELOW and float(table.sum()) == float(np.rint(table).sum()):
        return permutation_p(table[0], table[1])
    statistic = float(np.sum((table - expected) ** 2 / expected))
    return float(chi2.sf(statistic, df=table.shape[1] - 1))


def permutation_p(
    reference: Sequence[float] | np.ndarray, current: Sequence[float] | np.ndarray,
    rounds: int = 5000, seed: int = 0,
) -> float:
    """Exact (Monte Carlo permutation) p-value of the chi-square statistic on two count vectors.

    For small files, where the chi-square distribution is a poor guide (expected counts under
    5): the new file's counts are redrawn ``rounds`` times from the pooled rows without
    replacement (the multivariate hypergeometric law, i.e. every relabelling of the rows as
    "reference" or "new" is equally likely), and the p-value is the share of redraws at least
    as extreme, counted as ``(1 + hits) / (1 + rounds)`` so it is never 0. Seeded: the same
    counts always give the same p-value.
    """
    ref = np.asarray(reference, dtype=np.int64)
    cur = np.asarray(current, dtype=np.int64)
    used = (ref + cur) > 0
    ref, cur = ref[used], cur[used]
    if ref.size < 2 or ref.sum() <= 0 or cur.sum() <= 0:
        return 1.0
    pooled = ref + cur
    total, drawn = int(pooled.sum()), int(cur.sum())
    expected_cur = pooled * drawn / total
    expected_ref = pooled * (total - drawn) / total

    def statistic(new: np.ndarray) -> np.ndarray:
        old = pooled - new
        return (((new - expected_cur) ** 2 / expected_cur).sum(axis=-1)
                + ((old - expected_ref) ** 2 / expected_ref).sum(axis=-1))

    observed = statistic(cur.astype(np.float64))
    rng = np.random.default_rng(seed)
    draws = rng.multivariate_hypergeometric(pooled, drawn, size=rounds).astype(np.float64)
    hits = int(np.sum(statistic(draws) >= observed - 1e-9 * max(observed, 1.0)))
    return (1 + hits) / (1 + rounds)


def detectable_shift(rows: int, reference_rows: int, bins: int = 10, alpha: float = 0.01,
                     power: float = 0.8) -> float | None:
    """About the smallest mean shift (in standard deviations) the rule catches with ``power``.

    The chi-square test on ``bins`` bins of a normal column has noncentrality about
    ``0.9 x n_eff x shift**2`` (decile bins keep about 90% of the information about a mean
    shift), ``n_eff = 1 / (1/rows + 1/reference_rows)``. Used to phrase a small file's
    verdict with its uncertainty: "too few rows to rule out a change under 0.6 sd".
    """
    from scipy.optimize import brentq
    from scipy.stats import chi2, ncx2

    if rows <= 0 or reference_rows <= 0 or bins < 2:
        return None
    df = bins - 1
    critical = chi2.isf(alpha, df)
    needed = brentq(lambda lam: ncx2.sf(critical, df, lam) - power, 1e-6, 1e4)
    effective = 1.0 / (1.0 / rows + 1.0 / reference_rows)
    return float(np.sqrt(needed / (0.9 * effective)))


def ordered_p(
    reference: Sequence[float] | np.ndarray, current: Sequence[float] | np.ndarray
) -> float:
    """p-value of the rank (Mann-Whitney) test on counts of ordered bins, ties corrected.

    A mean shift moves every bin a little: the 9-degree-of-freedom chi-square test spreads
    its power over shapes nobody asked about, while this one-degree test looks for the new
    values sitting higher or lower, and so catches a 0.2-sd move of a column from about
    1,000 rows. Normal approximation of U with midranks for the tied values of a bin.
    """
    from scipy.stats import norm

    ref = np.asarray(reference, dtype=np.float64)
    cur = np.asarray(current, dtype=np.float64)
    pooled = ref + cur
    n_ref, n_cur = ref.sum(), cur.sum()
    total = n_ref + n_cur
    if n_ref <= 0 or n_cur <= 0 or (pooled > 0).sum() < 2:
        return 1.0
    midranks = np.cumsum(pooled) - (pooled - 1) / 2
    u = float(np.dot(cur, midranks)) - n_cur * (n_cur + 1) / 2
    ties = float(np.sum(pooled**3 - pooled))
    variance = n_ref * n_cur / 12 * ((total + 1) - ties / (total * (total - 1)))
    if variance <= 0:
        return 1.0
    z = (u - n_ref * n_cur / 2) / np.sqrt(variance)
    return float(min(1.0, 2 * norm.sf(abs(z))))


def categories_p(
    reference: Sequence[float] | np.ndarray, current: Sequence[float] | np.ndarray
) -> float:
    """p-value that two category count vectors differ, sensitive to one category moving.

    The omnibus chi-square test spreads its power over every category (k - 1 degrees of
    freedom), so a 10-point move of one category among five needs many rows to show. This
    combines it with the 2 x 2 test of each category against the rest (Bonferroni over the
    k categories), and Bonferroni again over the two: still a valid p-value, but one that
    catches a single moving category from a few hundred rows.
    """
    ref = np.asarray(reference, dtype=np.float64)
    cur = np.asarray(current, dtype=np.float64)
    used = (ref + cur) > 0
    ref, cur = ref[used], cur[used]
    if ref.size < 2:
        return 1.0
    omnibus = chi_square_p(ref, cur)
    ref_total, cur_total = int(ref.sum()), int(cur.sum())
    single = min(
        proportion_p(int(r), ref_total, int(c), cur_total) for r, c in zip(ref, cur, strict=True)
    )
    return float(min(1.0, 2 * min(omnibus, ref.size * single)))


def proportion_p(reference_hits: int, reference_total: int, hits: int, total: int) -> float:
    """p-value of the two-sided test that two shares are equal (the 2 x 2 chi-square test)."""
    if reference_total <= 0 or total <= 0:
        return 1.0
    return chi_square_p(
        [reference_hits, reference_total - reference_hits], [hits, total - hits]
    )


def share_change_error(reference_share: float, reference_total: int, share: float,
                       total: int) -> float:
    """Standard error of the difference between two observed shares."""
    variance = 0.0
    if reference_total > 0:
        variance += reference_share * (1 - reference_share) / reference_total
    if total > 0:
        variance += share * (1 - share) / total
    return float(np.sqrt(variance))


def benjamini_hochberg(p_values: Sequence[float]) -> list[float]:
    """Benjamini-Hochberg adjusted p-values (false discovery rate), in the input order."""
    p = np.asarray(p_values, dtype=np.float64)
    count = p.size
    if count == 0:
        return []
    order = np.argsort(p)
    ranked = p[order] * count / np.arange(1, count + 1)
    adjusted = np.minimum.accumulate(ranked[::-1])[::-1]
    result = np.empty(count)
    result[order] = np.minimum(adjusted, 1.0)
    return result.tolist()
