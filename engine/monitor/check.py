"""The drift check: new data against the reference inside an exported model, chunk by chunk.

``check_drift("churn.onnx", FileSource("june.csv"))`` opens the model
(:mod:`engine.export.scoring_model`), streams the data (:mod:`engine.sources.stream`), checks
its columns against the model's inputs, converts and scores each chunk as batch scoring does,
and counts each column on the reference's bins (:mod:`engine.monitor.tally`). Then
:mod:`engine.monitor.rule` judges the columns and the scores and :mod:`engine.monitor.verdict`
writes the headline. Only counts and a fixed-size sample are kept between chunks.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections import Counter
from typing import Any

import numpy as np
import pyarrow as pa

from engine.errors import InputError, ModelFileError
from engine.export.score_input import ColumnConverter, model_text
from engine.export.score_report import check_columns
from engine.export.scoring_model import ScoringModel, load_scoring_model
from engine.jobs import CancelToken, Job, ProgressCallback
from engine.monitor.estimate import estimate_performance
from engine.monitor.outcome import outcome_mix
from engine.monitor.performance import check_performance, outputs_for_metric
from engine.monitor.report import DriftReport
from engine.monitor.rule import ColumnEvidence, judge_columns, judge_scores
from engine.monitor.settings import DriftSettings
from engine.monitor.statistics import detectable_shift
from engine.monitor.tally import CategoricalTally, NumericTally, RowSample
from engine.monitor.verdict import SMALL_FILE_ROWS, headline
from engine.sources.base import Source

_MEDIAN_SAMPLE = 20_000  # rows kept for medians and percentiles of the new data


def check_drift(
    model: ScoringModel | str | os.PathLike[str],
    source: Source,
    *,
    settings: DriftSettings | None = None,
    chunk_rows: int | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
    password: str | None = None,
) -> DriftReport:
    """Compare ``source`` with the drift reference of ``model`` (a path or a loaded model).

    ``chunk_rows`` rows are read at a time; None: the model's own chunk size, the rule
    batch scoring uses (:mod:`engine.export.chunk_size`). Raises ModelFileError for a model
    without a drift reference, InputError for data the model cannot read (missing columns,
    no rows), Cancelled when ``cancel`` is set.
    """
    from engine.sources.stream import open_tracked_stream

    settings = settings or DriftSettings()
    if not isinstance(model, ScoringModel):
        model = load_scoring_model(model)
    reference = _reference_of(model)
    job = Job(progress, cancel)
    started = time.monotonic()
    stream, read = open_tracked_stream(
        source, job, chunk_rows=chunk_rows or model.chunk_rows, password=password
    )
    with stream:
        columns = list(stream.columns)
        extra = check_columns(model.inputs, columns, stream.label, "check again")
        header = stream.header
        state = _CheckState(model, reference, settings, columns)
        converters = [
            ColumnConverter(spec, decimal=header.decimal, thousands=header.thousands)
            for spec in model.inputs
        ]
        rows = 0
        for chunk in stream:
            if rows == 0:  # the first chunk is read: the file's size says how many rows come
                expected = expected_rows(chunk, read.fraction, source, header.text_cells)
                state.score_rate = score_rate(expected, settings.score_rows)
            state.add(converters, chunk)
            rows += len(chunk)
            job.step(min(read.fraction, 0.99) * 0.95, f"Checked {rows:,} rows")
        if rows == 0:
            raise InputError(
                f"{stream.label} has column names but no data rows to check.",
                "Choose a file (or a query) with rows below the header.",
            )
        job.check()
        read_notes, warnings = list(stream.notes), list(stream.warnings)
    job.step(0.96, "Judging the columns", force=True)
    report = state.report(
        converters, source.label, rows, time.monotonic() - started,
        notes=[*warnings, *_extra_note(extra, state.target), *state.sampling_note(rows),
               *state.reference_note()],
        read_notes=read_notes,
    )
    job.done(f"Checked {rows:,} rows: {report.level_words}")
    return report


class _CheckState:
    """Everything counted so far (counts and fixed-size samples only)."""

    def __init__(self, model: ScoringModel, reference: dict[str, Any],
                 settings: DriftSettings, columns: list[str]) -> None:
        self.model, self.reference, self.settings = model, reference, settings
        profiles = reference["columns"]
        self.tallies: dict[str, NumericTally | CategoricalTally] = {}
        for spec in model.inputs:
            profile = profiles[spec.name]
            if profile["kind"] == "categorical":
                self.tallies[spec.name] = CategoricalTally(profile, spec.categories)
            else:
                self.tallies[spec.name] = NumericTally(profile)
        scores = reference.get("scores")
        self.score_tally = NumericTally(scores) if scores and scores.get("bins") else None
        self.predicted: Counter[str] = Counter()
        self.values = RowSample(_MEDIAN_SAMPLE, seed=1)
        metadata = model.metadata
        target = metadata.target if metadata else None
        self.target = target if target in columns and model.task in (
            "binary", "multiclass", "regression") else None
        self.labelled = RowSample(settings.sample_rows, seed=2)
        self.score_sample = RowSample(_MEDIAN_SAMPLE, seed=3)
        # Probabilities of a uniform sample of rows, for the estimate without labels.
        self.probability_sample = RowSample(settings.sample_rows, seed=5)
        self.score_rate = 1.0
        self.scored = 0
        self._pick = np.random.default_rng(4)

    def add(self, converters: list[ColumnConverter], chunk: Any) -> None:
        """Count one chunk: every row for the columns, the sampled rows for the scores."""
        picked = None
        if self.score_rate < 1.0:
            picked = np.flatnonzero(self._pick.random(len(chunk)) < self.score_rate)
        kept: dict[str, np.ndarray] = {}
        feed: dict[str, np.ndarray] = {}
        for converter in converters:
            name = converter.spec.name
            values = converter.convert(chunk[name], arrow_text=True)
            tally = self.tallies[name]
            if isinstance(tally, CategoricalTally):
                tally.add_arrow(values)
                if picked is not None:
                    values = values.take(pa.array(picked))
                feed[name] = converter.shaped(model_text(values))
            else:
                kept[name] = tally.add(values)
                feed[name] = values if picked is None else values[picked]
        self.values.add(kept)
        if picked is not None and picked.size == 0:
            return
        outputs = self.model.run(feed)
        self.scored += len(next(iter(feed.values())))
        score = _score_values(self.model, outputs)
        if score is not None and self.score_tally is not None:
            self.score_sample.add({"score": self.score_tally.add(score)})
        if self.model.probability_output and self.model.classes:
            matrix = np.asarray(outputs[self.model.probability_output], np.float64)
            self.probability_sample.add({f"p{j}": matrix[:, j] for j in range(matrix.shape[1])})
        if self.model.label_output:  # as the reference counts them: the model's own label
            labels = np.asarray(outputs[self.model.label_output]).ravel().astype(str)
            self.predicted.update(labels.tolist())
        if self.target is not None:
            self._add_labelled(outputs, chunk if picked is None else chunk.iloc[picked])

    def sampling_note(self, rows: int) -> list[str]:
        if self.scored >= rows:
            return []
        return [
            f"The model scored a uniform random sample of {self.scored:,} of the {rows:,} rows "
            "(plenty to judge the distribution of its scores); every row was counted for the "
            "columns."
        ]

    def reference_note(self) -> list[str]:
        """A note when the model's scores at training are known from few held-out rows.

        The score reference is the held-out rows scored by the exported graph (rows the
        model never learned from; see :mod:`engine.export.reference`), so a small table
        leaves it small: 20% of 400 rows is 80 scores. Nothing is refused or padded: the
        test of the scores compares counts, not shares, so a small reference widens it
        (fewer false alarms, not more) and only large moves of the scores are caught. The
        note says so, with the size of move that can still go unseen.
        """
        profile = self.reference.get("scores") or {}
        known = int(profile.get("rows") or 0) - int(profile.get("missing") or 0)
        if self.score_tally is None or not 0 < known < SMALL_FILE_ROWS:
            return []
        shift = detectable_shift(max(self.score_tally.present, 1), known)
        unseen = "" if shift is None else (
            f"; moves of the scores under about {shift:.1f} standard deviations can go unseen")
        return [
            f"The model's scores at training are known from only {known:,} held-out rows "
            "(rows it did not learn from): the check of the scores allows for that, so it "
            f"sees only large moves{unseen}. The columns are compared with all "
            f"{int(self.reference.get('rows') or 0):,} rows of the training table."
        ]

    def _add_labelled(self, outputs: dict[str, Any], chunk: Any) -> None:
        model = self.model
        columns = outputs_for_metric(model, outputs)
        if model.task == "regression":
            import pandas as pd

            truth = pd.to_numeric(chunk[self.target], errors="coerce").to_numpy(np.float64)
        else:
            truth = chunk[self.target].astype(object).where(chunk[self.target].notna(), "")
            truth = np.asarray([_label_text(v) for v in truth], dtype=object)
        offered: dict[str, np.ndarray] = {"truth": truth}
        decision = _predicted_labels(model, outputs)
        if decision is not None:
            offered["predicted"] = decision
        elif "predicted" in columns:
            offered["predicted"] = columns["predicted"]
        probabilities = columns.get("probabilities")
        if probabilities is not None:
            for j in range(probabilities.shape[1]):
                offered[f"p{j}"] = probabilities[:, j]
        self.labelled.add(offered)

    def report(self, converters: list[ColumnConverter], source: str, rows: int,
               seconds: float, notes: list[str], read_notes: list[str]) -> DriftReport:
        model, settings = self.model, self.settings
        importances = self.reference.get("importances") or {}
        evidence = []
        for converter in converters:
            spec = converter.spec
            evidence.append(ColumnEvidence(
                name=spec.name,
                kind=spec.kind,
                tally=self.tallies[spec.name],
                importance=importances.get(spec.name),
                sample=self.values.column(spec.name),
                failures=converter.failures,
                failure_examples=tuple(converter.failure_examples),
                retyped=converter.retyped,
                categories_complete=spec.categories_complete,
            ))
        columns = judge_columns(evidence, settings)
        scores = None
        if self.score_tally is not None:
            predicted_reference = {
                c["value"]: int(c["count"])
                for c in (self.reference.get("predicted") or {}).get("categories", [])
            }
            scores = judge_scores(
                self.score_tally, self.reference["scores"].get("name") or "model score",
                self.score_sample.column("score"), settings,
                predicted_reference, self.predicted,
            )
        performance = self._performance()
        outcome = None
        if self.target is not None and len(self.labelled):
            outcome = outcome_mix(self.reference.get("outcomes"), self.labelled.column("truth"),
                                  settings)
        estimate = self._estimate()
        level, sentence, advice, changed, major = headline(
            columns, scores, performance, rows, settings, outcome=outcome
        )
        return DriftReport(
            model=model.name,
            model_path=str(model.path),
            model_fingerprint=model.sha256,
            source=source,
            checked_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            rows=rows,
            seconds=round(seconds, 3),
            level=level,
            headline=sentence,
            advice=advice,
            columns=tuple(columns),
            scores=scores,
            performance=performance,
            outcome=outcome,
            estimate=estimate,
            changed_weight=round(changed, 4),
            major_weight=round(major, 4),
            notes=tuple(notes),
            read_notes=tuple(read_notes),
            settings=settings.to_dict(),
        )

    def _estimate(self) -> Any:
        """ROC AUC or accuracy expected from the probabilities (no labels needed)."""
        model = self.model
        columns = [self.probability_sample.column(f"p{j}") for j in range(len(model.classes))]
        if model.metadata is None or not columns or not all(c.size for c in columns):
            return None
        metrics = model.metadata.metrics or {}
        metric = metrics.get("primary") or "roc_auc"
        training = (metrics.get("holdout") or {}).get(metric if metric in (
            "roc_auc", "accuracy") else "roc_auc")
        return estimate_performance(
            metric, training, np.column_stack(columns), task=model.task,
            classes=model.classes, positive=model.positive_class, threshold=model.threshold,
            rounds=self.settings.bootstrap_rounds,
        )

    def _performance(self) -> Any:
        model = self.model
        if self.target is None or len(self.labelled) == 0 or model.metadata is None:
            return None
        metrics = model.metadata.metrics or {}
        metric = metrics.get("primary")
        if not metric:
            return None
        training = (metrics.get("holdout") or {}).get(metric)
        outputs: dict[str, np.ndarray] = {"predicted": self.labelled.column("predicted")}
        columns = [self.labelled.column(f"p{j}") for j in range(len(model.classes))]
        if columns and all(c.size for c in columns):
            outputs["probabilities"] = np.column_stack(columns)
        try:
            return check_performance(
                metric, training, self.labelled.column("truth"), outputs,
                task=model.task, classes=model.classes, positive=model.positive_class,
                rounds=self.settings.bootstrap_rounds,
                training_rows=_int_or_none((model.metadata.data or {}).get("holdout_rows")),
                margin=self.settings.performance_margin,
                margin_relative=self.settings.performance_margin_relative,
            )
        except (ValueError, KeyError):  # labels the metric cannot use: say nothing, not wrong
            return None


def expected_rows(first_chunk: Any, read_fraction: float, source: Source,
                  text_cells: bool) -> float | None:
    """How many rows the source holds, estimated from its first chunk (None: unknown).

    A CSV file: its size over the bytes per row of the first chunk (the reader's progress
    runs ahead of the rows by its read-ahead, so it would mislead). Other sources: the rows
    so far over the share read (exact for Parquet, from the server's estimate for databases).
    """
    rows = len(first_chunk)
    if rows == 0:
        return None
    path = getattr(source, "path", None)
    if text_cells and path is not None:
        try:
            size = os.path.getsize(path)
        except OSError:
            return None
        lengths = sum(int(first_chunk[c].str.len().sum()) for c in first_chunk.columns)
        per_row = (lengths + rows * len(first_chunk.columns)) / rows  # + separators
        return size / per_row if per_row > 0 else None
    if 0.0 < read_fraction < 0.99:
        return rows / read_fraction
    return None


def score_rate(expected: float | None, target: int) -> float:
    """The share of rows to score so that about ``target`` are scored in all.

    Decided once, after the first chunk: a constant rate keeps the scored rows a uniform
    sample of the whole source, whatever order its rows are in. A source of unknown size is
    scored in full.
    """
    if expected is None or expected <= target:
        return 1.0
    return target / expected


def _reference_of(model: ScoringModel) -> dict[str, Any]:
    metadata = model.metadata
    if metadata is None:
        raise ModelFileError(
            f"{model.path.name} has no drift reference: it was not exported by Gristmill "
            "(no description of the training data is inside).",
            "Export the model from Gristmill (Deploy step or `gristmill export`); the export "
            "stores what the training data looked like, which the drift check compares with.",
        )
    reference = metadata.reference
    if not reference or not reference.get("columns"):
        raise ModelFileError(
            f"{model.path.name} has no drift reference: it was exported by an older version "
            "of Gristmill or without one.",
            "Export the model again with this version of Gristmill.",
        )
    version = int(reference.get("version", 0))
    from engine.export.reference import REFERENCE_VERSION

    if version > REFERENCE_VERSION:
        raise ModelFileError(
            f"{model.path.name} holds a drift reference of version {version}, newer than this "
            f"Gristmill reads ({REFERENCE_VERSION}).",
            "Update Gristmill to check this model.",
        )
    missing = [spec.name for spec in model.inputs if spec.name not in reference["columns"]]
    if missing:
        raise ModelFileError(
            f"{model.path.name}: the drift reference has no profile of "
            f"{', '.join(repr(m) for m in missing)}.",
            "Export the model again.",
        )
    return reference


def _score_values(model: ScoringModel, outputs: dict[str, Any]) -> np.ndarray | None:
    """The one number per row the reference profiles (the export's own rule)."""
    from engine.export.reference import reference_score

    named = {
        "probabilities": outputs.get(model.probability_output or ""),
        "variable": outputs.get(model.value_output or ""),
        "scores": outputs.get(model.score_output or ""),
    }
    return reference_score(model.task, model.classes, model.positive_class, named)


def _predicted_labels(model: ScoringModel, outputs: dict[str, Any]) -> np.ndarray | None:
    """Predicted classes; for a binary model with a threshold, the decision at it."""
    if model.task == "binary" and model.threshold is not None and model.probability_output:
        matrix = np.asarray(outputs[model.probability_output], np.float64)
        positive = model.positive_class
        classes = list(model.classes)
        column = classes.index(positive) if positive in classes else 1
        negative = next(c for c in classes if c != classes[column])
        return np.where(matrix[:, column] >= model.threshold, classes[column], negative)
    if model.label_output:
        return np.asarray(outputs[model.label_output]).ravel().astype(str)
    return None


def _int_or_none(value: Any) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None


def _label_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _extra_note(extra: list[str], target: str | None) -> list[str]:
    extra = [c for c in extra if c != target]
    if not extra:
        return []
    shown = ", ".join(repr(c) for c in extra[:8]) + (", ..." if len(extra) > 8 else "")
    return [f"{len(extra)} column(s) not used by the model were ignored: {shown}."]
