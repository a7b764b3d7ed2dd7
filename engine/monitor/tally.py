"""Counting new data chunk by chunk on the reference's bins, without keeping the rows.

Each model input gets a tally that adds up, per chunk, the counts the drift rule needs: rows
per stored bin (numbers and dates) or per stored category, missing values, values outside
the training range and categories outside the training list. A :class:`RowSample` keeps a
uniform random sample of at most ``size`` rows for the figures counts cannot give (medians,
performance with a confidence interval). Memory is therefore fixed by the reference and the
sample size, whatever the number of rows.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from engine.export.reference import bin_index

_UNSEEN_KEPT = 1000  # distinct unseen categories counted exactly; the rest are pooled


class NumericTally:
    """Counts of a numeric or date column (or the model's scores) on the stored bins."""

    def __init__(self, profile: dict[str, Any]) -> None:
        self.profile = profile
        self.edges = np.asarray(profile["bins"]["edges"], dtype=np.float64)
        self.counts = np.zeros(self.edges.size + 1, dtype=np.int64)
        self.rows = 0
        self.missing = 0
        self.below = 0
        self.above = 0
        self.total = 0.0  # sum of present values, for the mean

    def add(self, values: np.ndarray) -> np.ndarray:
        """Count one chunk; returns the values as float64 (NaN where missing)."""
        array = np.asarray(values, dtype=np.float64).ravel()
        index = bin_index(self.edges, array)
        present = index >= 0
        self.rows += array.size
        self.missing += int(array.size - present.sum())
        self.counts += np.bincount(index[present], minlength=self.counts.size)
        kept = array[present]
        if kept.size:
            low, high = self.profile.get("min"), self.profile.get("max")
            if low is not None:
                self.below += int((kept < low).sum())
            if high is not None:
                self.above += int((kept > high).sum())
            self.total += float(kept.sum(dtype=np.float64))
        array[~present] = np.nan
        return array

    @property
    def present(self) -> int:
        return self.rows - self.missing


class CategoricalTally:
    """Counts of a categorical column on the stored categories, plus what was never seen.

    ``counts`` follows the reference's categories with one last cell for every other present
    value ("other", as the reference pools its rare values). ``unseen`` counts, by value, the
    values the model never learnt (not in ``known``): exact for the first 1,000 distinct
    ones, the rest pooled in ``unseen_pooled``, so a column of IDs cannot grow memory.
    """

    def __init__(self, profile: dict[str, Any], known: tuple[str, ...]) -> None:
        self.profile = profile
        self.categories = pd.Index([c["value"] for c in profile["categories"]], dtype=object)
        self.counts = np.zeros(len(self.categories) + 1, dtype=np.int64)
        self.known = pd.Index(list(known) or list(self.categories), dtype=object)
        self.rows = 0
        self.missing = 0
        self.unseen: Counter[str] = Counter()
        self.unseen_total = 0
        self.unseen_pooled = 0

    def add_arrow(self, text: pa.Array) -> None:
        """Count one chunk given as an Arrow string array (null or "" for missing).

        The chunk is hashed once (``value_counts``); everything after works on its distinct
        values only.
        """
        counted = pc.value_counts(text)
        distinct = np.asarray(counted.field("values").to_numpy(zero_copy_only=False),
                              dtype=object)
        self._add_distinct(distinct, counted.field("counts").to_numpy().astype(np.int64),
                           len(text))

    def _add_distinct(self, distinct: np.ndarray, times: np.ndarray, rows: int) -> None:
        missing = pd.isna(distinct)
        missing[~missing] = distinct[~missing] == ""
        self.rows += rows
        self.missing += int(times[missing].sum())
        codes = self.categories.get_indexer(distinct)
        listed = codes >= 0
        self.counts[:-1] += np.bincount(codes[listed], weights=times[listed],
                                        minlength=len(self.categories)).astype(np.int64)
        self.counts[-1] += int(times[~listed & ~missing].sum())
        unseen = (self.known.get_indexer(distinct) < 0) & ~missing
        if unseen.any():
            self.unseen_total += int(times[unseen].sum())
            for value, count in zip(distinct[unseen].tolist(), times[unseen].tolist(),
                                    strict=True):
                key = str(value)
                if key in self.unseen or len(self.unseen) < _UNSEEN_KEPT:
                    self.unseen[key] += int(count)
                else:
                    self.unseen_pooled += int(count)

    @property
    def present(self) -> int:
        return self.rows - self.missing

    def reference_counts(self) -> np.ndarray:
        """The reference's counts on the same cells as :attr:`counts`."""
        listed = [c["count"] for c in self.profile["categories"]]
        return np.asarray([*listed, self.profile.get("other", 0)], dtype=np.int64)


class RowSample:
    """A uniform random sample of at most ``size`` rows of named float columns.

    Each row draws a random key; the sample keeps the ``size`` smallest keys seen so far (the
    "bottom-k" sample), which is uniform over all rows however they are chunked. Seeded, so
    a check of the same file gives the same figures.
    """

    def __init__(self, size: int, seed: int = 0) -> None:
        self.size = size
        self._rng = np.random.default_rng(seed)
        self._keys = np.empty(0)
        self._columns: dict[str, np.ndarray] = {}

    def add(self, columns: dict[str, np.ndarray]) -> None:
        """Offer one chunk (every array the same length, in row order)."""
        if not columns:
            return
        rows = len(next(iter(columns.values())))
        keys = self._rng.random(rows)
        if self._keys.size + rows > self.size:
            # Only rows whose key beats the current k-th smallest can enter: skip the others
            # before concatenating, so a large file costs little more than the draws.
            limit = np.partition(self._keys, self.size - 1)[self.size - 1] if (
                self._keys.size >= self.size) else np.inf
            chosen = np.flatnonzero(keys < limit)
        else:
            chosen = np.arange(rows)
        merged_keys = np.concatenate([self._keys, keys[chosen]])
        merged = {
            name: np.concatenate([self._columns.get(name, np.empty(0, values.dtype)),
                                  np.asarray(values)[chosen]])
            for name, values in columns.items()
        }
        if merged_keys.size > self.size:
            keep = np.argpartition(merged_keys, self.size - 1)[: self.size]
            merged_keys = merged_keys[keep]
            merged = {name: values[keep] for name, values in merged.items()}
        self._keys = merged_keys
        self._columns = merged

    def column(self, name: str) -> np.ndarray:
        return self._columns.get(name, np.empty(0))

    def __len__(self) -> int:
        return int(self._keys.size)
