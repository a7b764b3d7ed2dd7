"""The drift rule (DESIGN.md, Monitoring): effect size AND test, per column and for the scores.

Per numeric or date column: PSI on the stored reference-decile bins, and a chi-square test on
the same counts. Per categorical column: PSI on the stored categories (rare ones pooled as
"other", as in the reference) and the largest move in a category's share, with the same
test. p-values are adjusted with Benjamini-Hochberg across columns. A column is *changed* when
the effect (PSI >= 0.1, or a share moved by 10 points) and the adjusted test (p < 0.01)
agree, *major* at PSI >= 0.25 (or a 25-point move). Fewer than ``min_rows`` present values:
"too few rows". Integrity (missing rate, new categories, values out of range, values that no
longer convert) is judged apart, each with its own effect threshold and test.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from engine.monitor import explain
from engine.monitor.report import CHANGED, MAJOR, STABLE, TOO_FEW, ColumnDrift, ScoreDrift
from engine.monitor.settings import DriftSettings
from engine.monitor.statistics import (
    benjamini_hochberg,
    categories_p,
    chi_square_p,
    ordered_p,
    proportion_p,
    psi,
    share_change_error,
    shares,
)
from engine.monitor.tally import CategoricalTally, NumericTally


@dataclass
class ColumnEvidence:
    """What the tallies say about one column, before the p-values are adjusted."""

    name: str
    kind: str
    tally: NumericTally | CategoricalTally
    importance: float | None
    sample: np.ndarray  # a uniform sample of the new values (numbers and dates only)
    failures: int = 0
    failure_examples: tuple[str, ...] = ()
    retyped: bool = False
    categories_complete: bool = True


def psi_threshold(weight: float, settings: DriftSettings) -> float:
    """The PSI at which a column carrying ``weight`` of the importance has changed.

    ``psi_changed`` for a column the model does not use, falling linearly to
    ``psi_important`` at ``importance_full`` of the importance and beyond: a 0.2-sd move
    (PSI about 0.04) in the column the model relies on most is a change worth reporting,
    the same move in a minor column is not. The test (p < alpha) must still agree, so the
    false-alarm rate stays at the test's level.
    """
    share = min(max(weight, 0.0) / settings.importance_full, 1.0)
    return (1 - share) * settings.psi_changed + share * settings.psi_important


def distribution_status(
    psi_value: float, p_adjusted: float, present: int, settings: DriftSettings,
    share_move: float = 0.0, share_margin: float = 0.0, weight: float = 0.0,
) -> str:
    """The verdict on one distribution: effect and test must agree."""
    if present < settings.min_rows:
        return TOO_FEW
    if p_adjusted >= settings.alpha:
        return STABLE
    if psi_value >= settings.psi_major or share_move >= settings.major_share_change:
        return MAJOR
    # A share move counts when the upper end of its 95% interval reaches the threshold: a real
    # 10-point move then shows from a few hundred rows, while the test keeps noise out.
    if (psi_value >= psi_threshold(weight, settings)
            or share_move + 2 * share_margin >= settings.share_change):
        return CHANGED
    return STABLE


def judge_columns(
    evidence: Sequence[ColumnEvidence], settings: DriftSettings
) -> list[ColumnDrift]:
    """The verdict and findings of every column (adjusting p-values across them)."""
    tests = [_distribution(item) for item in evidence]
    adjusted = benjamini_hochberg([t["p"] for t in tests])
    missing_tests = [_missing(item) for item in evidence]
    missing_adjusted = benjamini_hochberg([t["p"] for t in missing_tests])
    new_tests = [_new_categories(item) for item in evidence]
    new_adjusted = benjamini_hochberg([t["p"] for t in new_tests])
    range_tests = [_out_of_range(item) for item in evidence]
    range_adjusted = benjamini_hochberg([t["p"] for t in range_tests])
    weights = importance_weights([item.importance for item in evidence])
    columns = []
    for index, item in enumerate(evidence):
        test = tests[index]
        status = distribution_status(
            test["psi"], adjusted[index], item.tally.present, settings,
            test.get("move", 0.0), test.get("margin", 0.0), weights[index],
        )
        integrity: list[str] = []
        findings: list[str] = []
        miss = missing_tests[index]
        if (abs(miss["after"] - miss["before"]) >= settings.missing_change
                and missing_adjusted[index] < settings.alpha):
            integrity.append("missing")
        new = new_tests[index]
        if (new["after"] - new["before"] >= settings.new_category_share
                and new_adjusted[index] < settings.alpha):
            integrity.append("new categories")
        out = range_tests[index]
        if out["share"] >= settings.out_of_range_share and range_adjusted[index] < settings.alpha:
            integrity.append("out of range")
        if item.retyped:
            integrity.append("retyped")
        newer = _newer_period(item, test, status, out, integrity)
        if newer:
            # Dates move forward by nature: a later period is not drift, and values after the
            # training's last date are expected, not an extraction problem.
            status = STABLE
            integrity = [i for i in integrity if i != "out of range" or out["below"]]
        findings.extend(_findings(item, test, status, integrity, miss, new))
        if newer:
            findings[:0] = newer
        columns.append(
            ColumnDrift(
                name=item.name,
                kind=item.kind,
                status=status,
                weight=weights[index],
                importance=item.importance,
                rows=item.tally.rows,
                present=item.tally.present,
                psi=_round(test["psi"]),
                p_value=_round(test["p"], 6),
                p_adjusted=_round(adjusted[index], 6),
                largest_share_change=_round(test.get("signed_move")),
                largest_share_category=test.get("category"),
                bins=tuple(test["bins"]),
                reference_counts=tuple(int(v) for v in test["reference"]),
                counts=tuple(int(v) for v in test["current"]),
                missing_rate_reference=_round(miss["before"]) or 0.0,
                missing_rate=_round(miss["after"]) or 0.0,
                missing_p=_round(missing_adjusted[index], 6),
                new_category_share=_round(new["after"]) or 0.0,
                new_category_share_reference=_round(new["before"]) or 0.0,
                unseen_examples=new["examples"],
                below_range=out["below"],
                above_range=out["above"],
                conversion_failures=item.failures,
                failure_examples=item.failure_examples,
                reference_middle=test.get("reference_middle"),
                middle=test.get("middle"),
                integrity=tuple(integrity),
                findings=tuple(findings),
                newer_period=bool(newer),
            )
        )
    return columns


def judge_scores(
    tally: NumericTally, name: str, sample: np.ndarray, settings: DriftSettings,
    predicted_reference: Mapping[str, int], predicted: Mapping[str, int],
) -> ScoreDrift:
    """The drift of the model's scores (not adjusted: it is the headline's own test)."""
    reference = np.asarray(tally.profile["bins"]["counts"], dtype=np.int64)
    value = psi(reference, tally.counts)
    p = chi_square_p(reference, tally.counts)
    status = distribution_status(value, p, tally.present, settings)
    before = tally.profile.get("quantiles") or []
    middle_before = before[50] if len(before) == 101 else None
    middle = explain.quantile(sample, 0.5)
    findings = []
    if status in (CHANGED, MAJOR):
        sentence = explain.median_sentence(name, "numeric", middle_before, middle)
        if sentence:
            findings.append(sentence)
    ref_shares = _share_map(predicted_reference)
    new_shares = _share_map(predicted)
    for label in sorted(set(ref_shares) | set(new_shares)):
        move = new_shares.get(label, 0.0) - ref_shares.get(label, 0.0)
        if abs(move) >= settings.share_change / 2 and status != STABLE:
            findings.append(f"predicted {label!r}: {explain.percent(ref_shares.get(label, 0))} "
                            f"of rows at training, {explain.percent(new_shares.get(label, 0))}"
                            " now")
    return ScoreDrift(
        name=name,
        status=status,
        rows=tally.present,
        psi=_round(value),
        p_value=_round(p, 6),
        bins=tuple(_bin_labels(tally.edges, "numeric")),
        reference_counts=tuple(int(v) for v in reference),
        counts=tuple(int(v) for v in tally.counts),
        reference_middle=_round(middle_before),
        middle=_round(middle),
        predicted_reference={k: round(v, 6) for k, v in ref_shares.items()},
        predicted={k: round(v, 6) for k, v in new_shares.items()},
        findings=tuple(findings),
    )


def numeric_p(reference: np.ndarray, current: np.ndarray) -> float:
    """The test of an ordered (numeric or date) column: any change of shape, or a shift.

    The chi-square test on the bins catches any change of shape; the rank test on the same
    ordered bins has far more power for a plain shift. Bonferroni over the two keeps it a
    valid p-value.
    """
    return float(min(1.0, 2 * min(chi_square_p(reference, current),
                                  ordered_p(reference, current))))


def importance_weights(importances: Sequence[float | None]) -> list[float]:
    """Each column's share of the importance (negatives as 0; equal shares when none known)."""
    values = np.asarray([max(v, 0.0) if v is not None else 0.0 for v in importances])
    if values.size == 0:
        return []
    total = values.sum()
    if total <= 0:
        return [1.0 / values.size] * values.size
    return (values / total).tolist()


# --- per-column evidence --------------------------------------------------------------------

def _distribution(item: ColumnEvidence) -> dict[str, Any]:
    tally = item.tally
    if isinstance(tally, CategoricalTally):
        reference = tally.reference_counts()
        current = tally.counts
        before, after = shares(reference), shares(current)
        moves = after - before
        test: dict[str, Any] = {
            "psi": psi(reference, current) if current.sum() else 0.0,
            "p": categories_p(reference, current),
            "reference": reference,
            "current": current,
            "bins": [*tally.categories.tolist(), "other"],
        }
        if current.sum() and reference.sum():
            cell = int(np.argmax(np.abs(moves)))
            margin = share_change_error(before[cell], int(reference.sum()), after[cell],
                                        int(current.sum()))
            test.update(
                move=float(abs(moves[cell])), signed_move=float(moves[cell]), margin=margin,
                category=test["bins"][cell], other=cell == len(moves) - 1,
                share_before=float(before[cell]), share_after=float(after[cell]),
            )
            # The most common category before and now (the "middle" of a category column).
            test["reference_middle"] = test["bins"][int(np.argmax(before))]
            test["middle"] = test["bins"][int(np.argmax(after))]
        return test
    reference = np.asarray(tally.profile["bins"]["counts"], dtype=np.int64)
    current = tally.counts
    quantiles = tally.profile.get("quantiles") or []
    return {
        "psi": psi(reference, current) if current.sum() else 0.0,
        "p": numeric_p(reference, current),
        "reference": reference,
        "current": current,
        "bins": _bin_labels(tally.edges, explain.number_kind(item.name, item.kind, tally.profile),
                            _whole_numbers(tally.profile, tally.edges)),
        "reference_middle": _round(quantiles[50]) if len(quantiles) == 101 else None,
        "middle": _round(explain.quantile(item.sample, 0.5)),
        "reference_spread": (quantiles[10], quantiles[90]) if len(quantiles) == 101 else None,
        "spread": (explain.quantile(item.sample, 0.1), explain.quantile(item.sample, 0.9)),
    }


def _missing(item: ColumnEvidence) -> dict[str, Any]:
    profile = item.tally.profile
    ref_rows, ref_missing = int(profile.get("rows", 0)), int(profile.get("missing", 0))
    rows, missing = item.tally.rows, item.tally.missing
    # Values that could not be read are reported as conversion failures, not as missing.
    missing = max(missing - item.failures, 0)
    return {
        "before": ref_missing / ref_rows if ref_rows else 0.0,
        "after": missing / rows if rows else 0.0,
        "p": proportion_p(ref_missing, ref_rows, missing, rows),
    }


def _new_categories(item: ColumnEvidence) -> dict[str, Any]:
    tally = item.tally
    if not isinstance(tally, CategoricalTally):
        return {"before": 0.0, "after": 0.0, "p": 1.0, "examples": ()}
    reference = tally.reference_counts()
    ref_present, ref_other = int(reference.sum()), int(reference[-1])
    present, other = tally.present, int(tally.counts[-1])
    examples = tuple((value, count) for value, count in tally.unseen.most_common(5))
    return {
        "before": ref_other / ref_present if ref_present else 0.0,
        "after": other / present if present else 0.0,
        "unseen": tally.unseen_total / present if present else 0.0,
        "p": proportion_p(ref_other, ref_present, other, present),
        "examples": examples,
    }


def _out_of_range(item: ColumnEvidence) -> dict[str, Any]:
    tally = item.tally
    if not isinstance(tally, NumericTally) or tally.present == 0:
        return {"share": 0.0, "p": 1.0, "below": 0, "above": 0}
    from scipy.stats import binom

    outside = tally.below + tally.above
    reference_present = max(int(tally.profile.get("rows", 0)) - int(
        tally.profile.get("missing", 0)), 1)
    # Of n + 1 values from one distribution, each is the new minimum or maximum with chance
    # 2 / (n + 1): that is how often a value lands outside the training range by chance.
    expected = min(2.0 / (reference_present + 1), 1.0)
    p = float(binom.sf(outside - 1, tally.present, expected)) if outside else 1.0
    return {"share": outside / tally.present, "p": p, "below": tally.below,
            "above": tally.above}


def _newer_period(item: ColumnEvidence, test: dict[str, Any], status: str,
                  out: dict[str, Any], integrity: list[str]) -> list[str]:
    """Sentences for a date column that moved forward (empty when it did not).

    A date column whose values moved later (the median moved forward, or values lie after
    the training's last date) describes a newer period. What is worth checking then is a
    gap between the periods and months the training never covered (seasonality).
    """
    if item.kind != "date" or isinstance(item.tally, CategoricalTally):
        return []
    before, after = test.get("reference_middle"), test.get("middle")
    moved = status in (CHANGED, MAJOR) and before is not None and after is not None and (
        after > before)
    later = "out of range" in integrity and out["above"] > out["below"]
    if not (moved or later):
        return []
    profile = item.tally.profile
    return explain.period_sentences(item.name, profile, item.sample)


def _findings(item: ColumnEvidence, test: dict[str, Any], status: str,
              integrity: list[str], miss: dict[str, Any], new: dict[str, Any]) -> list[str]:
    sentences: list[str | None] = []
    name = item.name
    kind = explain.number_kind(name, item.kind, item.tally.profile)
    if status in (CHANGED, MAJOR):
        if isinstance(item.tally, CategoricalTally):
            if "category" in test:
                sentences.append(explain.share_sentence(
                    test["category"], test["share_before"], test["share_after"],
                    other=test["other"]))
        else:
            sentences.append(explain.median_sentence(
                name, kind, test.get("reference_middle"), test.get("middle")))
            if test.get("reference_spread"):
                sentences.append(explain.spread_sentence(
                    name, kind, test["reference_spread"], test["spread"]))
    if "missing" in integrity:
        sentences.append(explain.missing_sentence(name, miss["before"], miss["after"]))
    if "new categories" in integrity or (new.get("unseen", 0) > 0 and new["examples"]):
        sentences.append(explain.unseen_sentence(
            name, new.get("unseen", 0.0), new["examples"], item.categories_complete,
            new.get("before")))
    if "out of range" in integrity:
        tally = item.tally
        sentences.append(explain.range_sentence(
            name, kind, tally.below, tally.above, tally.present,
            tally.profile.get("min"), tally.profile.get("max")))
    sentences.append(explain.conversion_sentence(
        name, kind, item.failures, item.failure_examples, item.retyped))
    return [s for s in sentences if s]


def _bin_labels(edges: np.ndarray, kind: str, whole: tuple[float, float] | None = None
                ) -> list[str]:
    """Words for the bins of :func:`engine.export.reference.bin_index`.

    ``whole`` is the (min, max) of a column of whole numbers: the bin (2.5, 3.5] is then
    just "3", (3.5, 6.5] is "4 to 6", and the end bins run from the minimum and to the
    maximum.
    """
    values = [explain.value_text(float(e), kind) for e in edges]
    if not values:
        return ["all values"]
    if whole is None:
        middle = [f"{values[i - 1]} - {values[i]}" for i in range(1, len(values))]
        return [f"<= {values[0]}", *middle, f"> {values[-1]}"]
    low, high = whole
    starts = [low, *(np.floor(edges) + 1).tolist()]
    ends = [*np.floor(edges).tolist(), high]
    labels = []
    for start, end in zip(starts, ends, strict=True):
        first, last = explain.value_text(start, kind), explain.value_text(end, kind)
        labels.append(first if start >= end else f"{first} to {last}")
    return labels


def _whole_numbers(profile: dict[str, Any], edges: np.ndarray) -> tuple[float, float] | None:
    """(min, max) when the column holds whole numbers only (as far as the reference says)."""
    low, high = profile.get("min"), profile.get("max")
    quantiles = profile.get("quantiles") or []
    ends = [low, high, *quantiles[::10]]
    if profile.get("kind") != "numeric" or edges.size == 0 or any(
            v is None or not float(v).is_integer() for v in ends):
        return None
    return float(low), float(high)


def _share_map(counts: Mapping[str, int]) -> dict[str, float]:
    total = sum(counts.values())
    return {k: v / total for k, v in counts.items()} if total else {}


def _round(value: float | None, digits: int = 6) -> float | None:
    if value is None:
        return None
    number = float(value)
    if not np.isfinite(number):
        return None
    return float(f"{number:.{digits}g}")
