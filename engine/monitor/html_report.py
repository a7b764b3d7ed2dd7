"""The drift report as one self-contained HTML page (``gristmill drift --report F.html``).

In reading order: one plain sentence with the level as a coloured badge and what to do; the
performance on labelled rows when there was a target; a traffic-light table of every column,
most severe and most important first; one section per flagged column with its findings and
the reference vs new histogram; the model's score distribution; the trend over past checks;
then the statistics and settings in a folded "Advanced" section, the notes and a footer.

The page needs nothing outside itself: CSS is inline, pictures are PNG ``data:`` URIs, there
is no JavaScript. Every piece of text that comes from the user's data or files (column
names, categories, file names) is HTML-escaped.
"""

from __future__ import annotations

import datetime as dt
import html
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from engine.atomic_files import write_text_atomically
from engine.errors import InputError
from engine.monitor import plots
from engine.monitor.history_entry import HistoryEntry
from engine.monitor.report import (
    CHANGED,
    LEVEL_WORDS,
    MAJOR,
    STABLE,
    TOO_FEW,
    ColumnDrift,
    DriftReport,
    ScoreDrift,
)

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif;
       color: #222; max-width: 1000px; margin: 2em auto; padding: 0 1.2em; line-height: 1.5; }
h2 { font-size: 1.25em; border-bottom: 1px solid #ddd; padding-bottom: 0.2em; margin-top: 2em; }
h3 { font-size: 1.05em; margin: 1.6em 0 0.4em; }
p.headline { font-size: 1.25em; margin: 0.2em 0 0.4em; }
p.advice { font-size: 1.05em; margin: 0 0 0.6em; }
p.context, .note, figcaption, footer { color: #5f5f5f; font-size: 0.9em; }
.badge { display: inline-block; color: #fff; border-radius: 4px; padding: 0.05em 0.55em;
         font-size: 0.8em; font-weight: 600; vertical-align: 0.12em; margin-right: 0.4em; }
.dot { margin-right: 0.3em; }
.badge.stable { background: #2e7d32; } .badge.changed { background: #d18b00; }
.badge.major { background: #c62828; } .badge.too-few { background: #8a8a8a; }
.dot.stable { color: #2e7d32; } .dot.changed { color: #d18b00; }
.dot.major { color: #c62828; } .dot.too-few { color: #8a8a8a; }
.performance { border-left: 4px solid #1f5fa8; background: #f3f7fc; padding: 0.5em 0.9em; }
.performance.worse { border-left-color: #c62828; background: #fdf3f3; }
table { border-collapse: collapse; margin: 0.6em 0; font-size: 0.92em; width: 100%; }
th, td { border: 1px solid #e2e2e2; padding: 0.3em 0.55em; text-align: left;
         vertical-align: top; }
th { background: #f6f6f6; font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.status { white-space: nowrap; }
figure { margin: 0.8em 0 1.4em; }
.wide { overflow-x: auto; } .wide table { font-size: 0.85em; }
.wide td:first-child { white-space: nowrap; }
img { max-width: 100%; height: auto; border: 1px solid #eee; }
details { margin-top: 2em; } summary { cursor: pointer; font-size: 1.25em; font-weight: 600; }
footer { border-top: 1px solid #ddd; margin-top: 2.5em; padding-top: 0.6em; }
"""

LEVEL_CLASS = {STABLE: "stable", CHANGED: "changed", MAJOR: "major", TOO_FEW: "too-few"}
INTEGRITY_WORDS = {
    "missing": "missing values changed",
    "new categories": "values never seen in training",
    "out of range": "values outside the training range",
    "retyped": "values that are not of the trained type",
}
_TREND_COLUMNS = 4  # flagged columns drawn on the trend (more lines cannot be read)
_HISTORY_ROWS = 24  # past checks listed in the table (the newest)


def render_html(report: DriftReport, history: Sequence[HistoryEntry] = ()) -> str:
    """The report as one HTML page; ``history`` (past checks, this one included if wanted)
    gives the trend, shown from two checks on."""
    sections = [
        _opening(report),
        _performance(report),
        _overview(report),
        _flagged(report),
        _scores(report.scores),
        _trend(report, history),
        _advanced(report),
        _notes(report),
        _footer(report),
    ]
    title = f"Drift check: {report.model} on {report.source}"
    return ("<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
            "<meta name='viewport' content='width=device-width, initial-scale=1'>"
            f"<title>{_e(title)}</title><style>{STYLE}</style></head><body>\n"
            + "\n".join(s for s in sections if s) + "\n</body></html>\n")


def write_html(report: DriftReport, path: str | os.PathLike[str],
               history: Sequence[HistoryEntry] = ()) -> Path:
    """Write :func:`render_html` to ``path`` atomically (the file appears whole or not at all).

    Raises InputError when the folder does not exist or cannot be written.
    """
    target = Path(path)
    if not target.parent.is_dir():
        raise InputError(f"Cannot write the drift report: the folder '{target.parent}' does "
                         "not exist.", "Choose an existing folder for the report.")
    text = render_html(report, history)  # drawn first: a failure leaves no partial file
    try:
        write_text_atomically(target, text)
    except OSError as error:
        raise InputError(f"Cannot write the drift report to '{target}': "
                         f"{error.strerror or error}.",
                         "Choose a folder you can write to, or close the file if it is open "
                         "in another program.") from None
    return target


def _opening(report: DriftReport) -> str:
    badge = _badge(report.level, report.level_words)
    when = _when(report.checked_at)
    return (f"<header><p class='headline'>{badge}{_e(report.headline)}</p>"
            f"<p class='advice'><b>What to do:</b> {_e(report.advice)}</p>"
            f"<p class='context'>Drift check of the model {_e(report.model)} on "
            f"{_e(report.source)} ({report.rows:,} rows), {_e(when)}.</p></header>")


def _performance(report: DriftReport) -> str:
    check = report.performance
    outcome = ""
    if report.outcome is not None:
        outcome = f"<p class='performance'>{_e(report.outcome.sentence[0].upper())}" + _e(
            report.outcome.sentence[1:]) + ".</p>"
    if check is None:
        estimate = report.estimate
        if estimate is None:
            return outcome
        return ("<h2>Performance estimated without labels</h2><p class='performance'>"
                f"{_e(estimate.sentence[0].upper() + estimate.sentence[1:])}. It assumes the "
                "model's probabilities are still calibrated: a change in how the inputs "
                "relate to the outcome shows only with labels.</p>" + outcome)
    worse = " worse" if check.worse else ""
    # The sentence already says "does worse" when it does: no second sentence saying it.
    verdict = "" if check.worse else (
        " The model does not do worse than at training beyond chance and the margin that "
        "matters.")
    return (f"<h2>Performance on the labelled rows</h2><p class='performance{worse}'>"
            f"{_e(check.sentence.rstrip('.'))}.{verdict}</p>" + outcome)


def _overview(report: DriftReport) -> str:
    rows = []
    for column in report.ordered_columns():
        css, word = _column_status(column)
        problems = ", ".join(INTEGRITY_WORDS.get(i, i) for i in column.integrity)
        first = column.findings[0] if column.findings else ""
        rows.append(
            f"<tr><td>{_e(column.name)}</td><td>{_e(column.kind)}</td>"
            f"<td class='status'>{_dot(css)}{_e(word)}</td>"
            f"<td class='num'>{_share(column.weight)}</td><td>{_e(problems)}</td>"
            f"<td>{_e(first)}</td></tr>"
        )
    header = ("<tr><th>Column</th><th>Kind</th><th>Status</th><th>Share of importance</th>"
              "<th>Data problems</th><th>Main finding</th></tr>")
    return ("<h2>Every column at a glance</h2><p class='note'>Most severe first, then by how "
            "much the model relies on the column.</p>"
            f"<table id='columns'>{header}{''.join(rows)}</table>")


def _flagged(report: DriftReport) -> str:
    flagged = report.flagged_columns()
    if not flagged:
        return ("<h2>Columns that changed</h2><p>No column changed beyond chance, and no data "
                "problem was found.</p>")
    parts = ["<h2>Columns that changed</h2>"]
    for column in flagged:
        css, word = _column_status(column)
        findings = _list(column.findings)
        parts.append(
            f"<section class='column'><h3>{_badge_css(css, word)}{_e(column.name)} "
            f"<span class='note'>({_e(column.kind)}, {_share(column.weight)} of the model's "
            f"importance)</span></h3>{findings}{_column_picture(column)}</section>"
        )
    return "".join(parts)


def _column_picture(column: ColumnDrift) -> str:
    if not column.bins or not (sum(column.reference_counts) or sum(column.counts)):
        return "<p class='note'>No values to draw for this column.</p>"
    cell = "category" if column.kind == "categorical" else "range"
    caption = f"Grey: the share of rows in each {cell} at training; blue: in the new data."
    return _image(plots.column_figure(column), f"Histogram of {column.name}", caption,
                  "histogram")


def _scores(scores: ScoreDrift | None) -> str:
    if scores is None:
        return ""
    css, word = LEVEL_CLASS.get(scores.status, "too-few"), LEVEL_WORDS.get(scores.status, "")
    findings = _list(scores.findings) or (
        "<p>The scores are spread as they were at training.</p>" if scores.status == STABLE
        else "")
    picture = ""
    if scores.bins and (sum(scores.reference_counts) or sum(scores.counts)):
        picture = _image(plots.score_figure(scores), f"Distribution of {scores.name}",
                         "Grey: the model's scores on the training data; blue: on the new data.",
                         "scores")
    return (f"<h2>The model's scores</h2><p>{_badge_css(css, word)}{_e(scores.name)}</p>"
            f"{findings}{picture}")


def _trend(report: DriftReport, history: Sequence[HistoryEntry]) -> str:
    if len(history) < 2:
        return ("<h2>Trend</h2><p class='note'>The trend shows once two checks of this model "
                "are in the history.</p>")
    # Only columns whose distribution changed: a PSI line says nothing about missing values.
    names = [c.name for c in report.flagged_columns()
             if c.status in (CHANGED, MAJOR)][:_TREND_COLUMNS]
    missing = [c.name for c in report.flagged_columns()
               if "missing" in c.integrity][:_TREND_COLUMNS]
    figure = plots.trend_figure(history, names, missing)
    caption = (f"Top: the verdict of each check. {'Middle' if missing else 'Bottom'}: PSI of "
               "the model's scores (black) and of the columns that changed now; above 0.1 a "
               "distribution has moved, above 0.25 a lot.")
    if missing:
        caption += (" Bottom: the share of rows missing a value, for the columns whose "
                    "missing rate changed.")
    picture = "" if figure is None else _image(figure, "Trend over past checks", caption,
                                               "trend")
    newest = sorted(history, key=lambda e: e.checked_at, reverse=True)
    rows = []
    for entry in newest[:_HISTORY_ROWS]:
        this = entry.checked_at == report.checked_at and entry.source == report.source
        css = LEVEL_CLASS.get(entry.level, "too-few")
        rows.append(
            f"<tr><td>{_e(_when(entry.checked_at))}{' (this check)' if this else ''}</td>"
            f"<td>{_e(entry.source)}</td><td class='num'>{entry.rows:,}</td>"
            f"<td class='status'>{_dot(css)}"
            f"{_e(LEVEL_WORDS.get(entry.level, entry.level))}</td></tr>"
        )
    more = len(newest) - _HISTORY_ROWS
    tail = f"<p class='note'>And {more:,} earlier check(s).</p>" if more > 0 else ""
    return ("<h2>Trend</h2>" + picture
            + "<table id='history'><tr><th>Checked</th><th>Data</th><th>Rows</th><th>Verdict"
            f"</th></tr>{''.join(rows)}</table>{tail}")


def _advanced(report: DriftReport) -> str:
    rows = []
    for c in report.ordered_columns():
        share = ("" if c.largest_share_change is None else
                 f"{c.largest_share_change * 100:+.1f} pts ('{c.largest_share_category}')")
        unseen = ", ".join(f"'{v}' ({n:,})" for v, n in c.unseen_examples[:5])
        failures = f"{c.conversion_failures:,}" + (
            f" (e.g. {', '.join(repr(v) for v in c.failure_examples[:3])})"
            if c.failure_examples else "")
        cells = [
            _e(c.name), _num(c.psi, 4), _p(c.p_value), _p(c.p_adjusted), _e(share),
            f"{c.missing_rate_reference:.1%} &rarr; {c.missing_rate:.1%}", _p(c.missing_p),
            f"{c.new_category_share_reference:.1%} &rarr; {c.new_category_share:.1%}"
            + (f"<br>{_e(unseen)}" if unseen else ""),
            f"{c.below_range:,} / {c.above_range:,}", _e(failures),
        ]
        rows.append("<tr>" + "".join(
            f"<td class='num'>{cell}</td>" if i else f"<td>{cell}</td>"
            for i, cell in enumerate(cells)) + "</tr>")
    header = "".join(f"<th>{h}</th>" for h in (
        "Column", "PSI", "p-value", "Adjusted p", "Largest share change",
        "Missing (training &rarr; now)", "Missing p", "New categories (training &rarr; now)",
        "Below / above range", "Unreadable values"))
    parts = ["<details id='advanced'><summary>Advanced: the statistics</summary>",
             "<p class='note'>PSI (population stability index) measures how far the new "
             "distribution is from training on the stored bins; the p-value is the chi-square "
             "test on the same counts, adjusted across columns (Benjamini-Hochberg). A column "
             "changes only when both agree.</p>",
             f"<div class='wide'><table id='statistics'><tr>{header}</tr>{''.join(rows)}"
             "</table></div>"]
    if report.scores is not None:
        s = report.scores
        parts.append(f"<p>Scores ({_e(s.name)}): PSI {_num(s.psi, 4)}, p-value {_p(s.p_value)}, "
                     f"{s.rows:,} rows.</p>")
    parts.append(f"<p>Columns that changed carry {_share(report.changed_weight)} of the "
                 f"model's importance; major changes {_share(report.major_weight)}.</p>")
    if report.settings:
        settings = "".join(f"<tr><td>{_e(k)}</td><td class='num'>{_setting(v)}</td></tr>"
                           for k, v in report.settings.items())
        parts.append("<h3>Settings used</h3><table id='settings' style='width:auto'>"
                     f"<tr><th>Setting</th><th>Value</th></tr>{settings}</table>")
    parts.append("</details>")
    return "".join(parts)


def _notes(report: DriftReport) -> str:
    notes = [*report.notes, *report.read_notes]
    if not notes:
        return ""
    return "<h2>Notes</h2><ul class='note'>" + "".join(f"<li>{_e(n)}</li>" for n in notes) + \
        "</ul>"


def _footer(report: DriftReport) -> str:
    return (f"<footer>Model {_e(report.model)} (fingerprint "
            f"{_e(report.model_fingerprint[:12])}) &middot; data {_e(report.source)} &middot; "
            f"{report.rows:,} rows &middot; checked in {report.seconds:.1f} s &middot; "
            f"{_e(report.checked_at)} &middot; Gristmill drift check</footer>")


def _column_status(column: ColumnDrift) -> tuple[str, str]:
    """(CSS class, word) of a column: its distribution verdict, or "Data problem" when only
    an integrity check fired (a stable distribution with many more missing values)."""
    severity = column.severity
    if severity == 0:
        return (LEVEL_CLASS[TOO_FEW], LEVEL_WORDS[TOO_FEW]) if column.status == TOO_FEW else (
            LEVEL_CLASS[STABLE], LEVEL_WORDS[STABLE])
    css = LEVEL_CLASS[MAJOR] if severity >= 2 else LEVEL_CLASS[CHANGED]
    if column.status in (CHANGED, MAJOR):
        return css, LEVEL_WORDS[column.status]
    return css, "Data problem"


def _image(figure: Any, alt: str, caption: str, kind: str) -> str:
    uri = plots.png_data_uri(figure)
    return (f"<figure class='{kind}'><img alt='{_e(alt)}' src='{uri}'>"
            f"<figcaption>{_e(caption)}</figcaption></figure>")


def _list(items: Sequence[str]) -> str:
    return "<ul>" + "".join(f"<li>{_e(i)}</li>" for i in items) + "</ul>" if items else ""


def _dot(css: str) -> str:
    # A coloured character, not an empty box: it shows even where the CSS box is ignored.
    return f"<span class='dot {css}' aria-hidden='true'>&#9679;</span>"


def _badge(level: str, words: str) -> str:
    return _badge_css(LEVEL_CLASS.get(level, "too-few"), words)


def _badge_css(css: str, words: str) -> str:
    return f"<span class='badge {css}'>{_e(words)}</span>"


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _share(weight: float) -> str:
    return f"{weight:.1%}" if 0 < weight < 0.01 else f"{weight:.0%}"


def _setting(value: Any) -> str:
    whole = isinstance(value, int) and not isinstance(value, bool)
    return f"{value:,}" if whole else _e(value)


def _num(value: float | None, digits: int = 3) -> str:
    return "&ndash;" if value is None else f"{value:.{digits}f}"


def _p(value: float | None) -> str:
    """p-values: small ones in scientific notation (0.000 says nothing)."""
    if value is None:
        return "&ndash;"
    return f"{value:.3f}" if value >= 0.001 else f"{value:.1e}"


def _when(checked_at: str) -> str:
    """An ISO time as "2026-11-29 04:17 UTC" (as given when it cannot be read)."""
    try:
        moment = dt.datetime.fromisoformat(checked_at)
    except (TypeError, ValueError):
        return str(checked_at)
    if moment.tzinfo is not None and moment.utcoffset() == dt.timedelta(0):
        return moment.strftime("%Y-%m-%d %H:%M UTC")
    return moment.strftime("%Y-%m-%d %H:%M %z").strip()
