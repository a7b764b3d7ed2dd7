"""The statistics of the drift rule, against hand-worked values and scipy."""

from __future__ import annotations

import math

import numpy as np
import pyarrow as pa
import pytest

from engine.errors import InputError
from engine.monitor.settings import DriftSettings
from engine.monitor.statistics import (
    benjamini_hochberg,
    categories_p,
    chi_square_p,
    proportion_p,
    psi,
)
from engine.monitor.tally import CategoricalTally, NumericTally, RowSample


def test_psi_by_hand() -> None:
    assert psi([50, 50], [50, 50]) == 0.0
    expected = (0.6 - 0.5) * math.log(0.6 / 0.5) + (0.4 - 0.5) * math.log(0.4 / 0.5)
    assert psi([50, 50], [60, 40]) == pytest.approx(expected)
    # An empty reference bin is floored at 1e-4: a 1% new category adds about 0.046.
    assert psi([100, 0], [99, 1]) == pytest.approx(0.0461, abs=1e-3)


def test_chi_square_matches_scipy() -> None:
    from scipy.stats import chi2_contingency

    reference, current = [120, 80, 40, 10], [30, 35, 20, 15]
    expected = chi2_contingency(np.array([reference, current]), correction=False).pvalue
    assert chi_square_p(reference, current) == pytest.approx(expected)
    assert chi_square_p([10, 0], [0, 0]) == 1.0  # nothing new to compare
    assert proportion_p(20, 1000, 150, 1000) < 1e-20


def test_one_moving_category_is_seen_sooner_than_by_the_omnibus_test() -> None:
    # Ten categories, the first down 8 points in 497 rows: the omnibus test (9 degrees of
    # freedom) misses it, the per-category test does not.
    reference = [1500] + [389] * 9
    current = [110] + [43] * 9
    assert chi_square_p(reference, current) > 0.1
    assert categories_p(reference, current) < 0.005
    assert categories_p([100, 100], [100, 100]) == 1.0


def test_benjamini_hochberg_by_hand() -> None:
    adjusted = benjamini_hochberg([0.01, 0.04, 0.03, 0.2])
    assert adjusted == pytest.approx([0.04, 0.0533333, 0.0533333, 0.2])
    assert benjamini_hochberg([]) == []


def test_numeric_tally_uses_the_stored_bin_rule() -> None:
    profile = {"bins": {"edges": [1.0, 2.0], "counts": [1, 1, 1]}, "min": 0.5, "max": 3.0}
    tally = NumericTally(profile)
    tally.add(np.array([1.0, 1.5, 2.0, 2.5, np.nan, -4.0, 9.0], dtype=np.float32))
    assert tally.counts.tolist() == [2, 2, 2]  # (-inf, 1], (1, 2], (2, inf)
    assert (tally.missing, tally.below, tally.above) == (1, 1, 1)


def test_categorical_tally_pools_unknown_values_and_bounds_memory() -> None:
    profile = {"categories": [{"value": "a", "count": 10}], "other": 0}
    tally = CategoricalTally(profile, ("a",))
    values = np.array(["a", "", None, *[f"id{i}" for i in range(1500)]], dtype=object)
    tally.add_arrow(pa.array(values, type=pa.large_string()))
    tally.add_arrow(pa.array(["id1", "zz"], type=pa.large_string()))
    assert tally.counts.tolist() == [1, 1502]
    assert tally.missing == 2
    assert tally.unseen_total == 1502
    assert len(tally.unseen) == 1000  # exact for the first 1,000 distinct values...
    assert tally.unseen["id1"] == 2
    assert tally.unseen_pooled == 501  # ...the rest pooled


def test_the_row_sample_is_uniform_and_does_not_grow() -> None:
    sample = RowSample(1000, seed=3)
    for start in range(0, 100_000, 7_000):
        rows = np.arange(start, min(start + 7_000, 100_000), dtype=np.float64)
        sample.add({"row": rows})
    kept = sample.column("row")
    assert len(sample) == 1000 and kept.size == 1000 and np.unique(kept).size == 1000
    # Uniform over all rows: each tenth of the file holds about a tenth of the sample.
    per_tenth = np.bincount((kept // 10_000).astype(int), minlength=10)
    assert per_tenth.min() > 60 and per_tenth.max() < 140


def test_settings_refuse_unknown_names_and_nonsense() -> None:
    assert DriftSettings.from_dict({"psi_changed": "0.15"}).psi_changed == 0.15
    with pytest.raises(InputError, match="Unknown drift setting"):
        DriftSettings.from_dict({"psi_chnged": 0.2})
    with pytest.raises(InputError, match="must be a number"):
        DriftSettings.from_dict({"alpha": "often"})
    with pytest.raises(InputError, match="psi_changed must be"):
        DriftSettings(psi_changed=0.5, psi_major=0.25)


def test_bins_are_named_in_the_data_s_units() -> None:
    from engine.monitor.rule import _bin_labels, _whole_numbers

    # Edges lie between distinct values (the reference's tie-safe bins).
    edges = np.array([0.5, 1.5, 2.5, 5.5])
    whole = _whole_numbers({"kind": "numeric", "min": 0.0, "max": 9.0}, edges)
    assert _bin_labels(edges, "numeric", whole) == ["0", "1", "2", "3 to 5", "6 to 9"]
    yes_no = _whole_numbers({"kind": "numeric", "min": 0.0, "max": 1.0}, np.array([0.5]))
    assert _bin_labels(np.array([0.5]), "numeric", yes_no) == ["0", "1"]
    built = _whole_numbers({"kind": "numeric", "min": 1872.0, "max": 2010.0},
                           np.array([1950.5]))
    assert _bin_labels(np.array([1950.5]), "year", built) == ["1872 to 1950", "1951 to 2010"]
    prices = np.array([24.4, 28.8])
    assert _whole_numbers({"kind": "numeric", "min": 15.0, "max": 99.5}, prices) is None
    assert _bin_labels(prices, "numeric") == ["<= 24.4", "24.4 - 28.8", "> 28.8"]
    assert _bin_labels(np.array([19000.0]), "date") == ["<= 2022-01-08", "> 2022-01-08"]


def test_the_exact_test_agrees_with_chi_square_on_large_counts_and_is_seeded() -> None:
    from engine.monitor.statistics import permutation_p

    reference = np.array([500, 480, 510, 520, 490])
    current = np.array([120, 80, 100, 110, 90])
    exact = permutation_p(reference, current)
    assert exact == permutation_p(reference, current)  # same counts, same p
    assert abs(exact - chi_square_p(reference, current)) < 0.03


def test_small_counts_use_the_exact_test_which_keeps_its_level() -> None:
    """30-row files: under no change, p < 0.01 in about 1% of draws, not more."""
    rng = np.random.default_rng(4)
    shares_ = np.full(10, 0.1)
    reference = rng.multinomial(5000, shares_)
    hits = sum(chi_square_p(reference, rng.multinomial(30, shares_)) < 0.01 for _ in range(300))
    assert hits <= 9


def test_the_rank_test_on_ordered_bins_matches_mann_whitney() -> None:
    from scipy.stats import mannwhitneyu

    from engine.monitor.statistics import ordered_p

    rng = np.random.default_rng(6)
    before, after = rng.integers(0, 10, 3000), rng.integers(1, 11, 400)
    p = ordered_p(np.bincount(before, minlength=11), np.bincount(after, minlength=11))
    expected = mannwhitneyu(before, after, use_continuity=False).pvalue
    assert p == pytest.approx(expected, rel=1e-6)


def test_the_detectable_shift_shrinks_with_rows() -> None:
    from engine.monitor.statistics import detectable_shift

    shifts = [detectable_shift(n, 5000) for n in (30, 100, 1000)]
    assert shifts[0] > shifts[1] > shifts[2] > 0
