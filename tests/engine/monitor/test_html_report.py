"""The HTML drift report and its pictures, on real checks of the sample "next quarter" files."""

from __future__ import annotations

import base64
import dataclasses
import html
import os
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from engine.errors import InputError
from engine.monitor.check import check_drift
from engine.monitor.history_entry import HistoryEntry
from engine.monitor.html_report import render_html, write_html
from engine.monitor.plots import column_figure, png_data_uri, score_figure, trend_figure
from engine.monitor.report import TOO_FEW, DriftReport
from engine.sources.base import FileSource


@pytest.fixture(scope="module")
def shifted(churn_model: tuple[Path, Path], sample_dir: Path) -> DriftReport:
    return check_drift(churn_model[1], FileSource(sample_dir / "churn_next_quarter_shifted.csv"))


@pytest.fixture(scope="module")
def stable(churn_model: tuple[Path, Path], sample_dir: Path) -> DriftReport:
    return check_drift(churn_model[1], FileSource(sample_dir / "churn_next_quarter.csv"))


class _Page(HTMLParser):
    """The body's text in order, and the rows (cell texts) of every table with an id."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.texts: list[str] = []
        self.tables: dict[str, list[list[str]]] = {}
        self._table: str | None = None
        self._in_body = False
        self.feed(page)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "body":
            self._in_body = True
        elif tag == "table" and dict(attrs).get("id"):
            self._table = dict(attrs)["id"]
            self.tables[self._table] = []
        elif tag == "tr" and self._table:
            self.tables[self._table].append([])
        elif tag in ("td", "th") and self._table:
            self.tables[self._table][-1].append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self._table = None

    def handle_data(self, data: str) -> None:
        if self._in_body and data.strip():
            self.texts.append(data.strip())
        if self._table and self.tables[self._table] and self.tables[self._table][-1]:
            self.tables[self._table][-1][-1] += data


def _body_rows(page: str, table: str) -> list[list[str]]:
    # The status dot is a character ("●" before the word): cells are compared without it.
    return [[cell.replace("\u25cf", "").strip() for cell in row]
            for row in _Page(page).tables[table][1:]]


def _history(report: DriftReport, days: list[str]) -> list[HistoryEntry]:
    entry = HistoryEntry.from_report(report)
    return [dataclasses.replace(entry, checked_at=f"{day}T06:00:00+00:00") for day in days]


def test_page_opens_with_the_level_and_the_headline_sentence(
    shifted: DriftReport, stable: DriftReport
) -> None:
    for report, css in ((shifted, "major"), (stable, "stable")):
        page = render_html(report)
        texts = _Page(page).texts
        assert texts[:2] == [report.level_words, report.headline]
        assert texts[2:4] == ["What to do:", report.advice]
        body = page.split("<body>", 1)[1]
        assert body.lstrip().startswith(f"<header><p class='headline'><span class='badge {css}'>")
    assert shifted.level == "major" and stable.level == "stable"


def test_page_is_self_contained(shifted: DriftReport) -> None:
    page = render_html(shifted, _history(shifted, ["2026-09-01", "2026-10-01"]))
    sources = re.findall(r"src='([^']*)'", page)
    assert sources and all(s.startswith("data:image/png;base64,") for s in sources)
    for outside in ("<script", "<link", "http://", "https://", "url("):
        assert outside not in page


def test_performance_sentence_follows_the_headline(shifted: DriftReport) -> None:
    assert shifted.performance is not None
    page = render_html(shifted)
    position = page.index(shifted.performance.sentence)
    assert page.index("What to do:") < position < page.index("id='columns'")
    without = render_html(dataclasses.replace(shifted, performance=None))
    assert "Performance on the labelled rows" not in without


def test_table_lists_every_column_with_the_flagged_ones_first(shifted: DriftReport) -> None:
    rows = _body_rows(render_html(shifted), "columns")
    names = [row[0] for row in rows]
    assert names == [c.name for c in shifted.ordered_columns()]
    assert sorted(names) == sorted(c.name for c in shifted.columns)
    flagged = [c.name for c in shifted.flagged_columns()]
    assert len(flagged) >= 4 and names[: len(flagged)] == flagged
    by_name = {row[0]: row for row in rows}
    assert by_name["support_calls"][2].endswith("Major")
    assert by_name["age"][2].endswith("Data problem")  # stable shape, many more missing values
    assert by_name["age"][4] == "missing values changed"
    assert by_name["contract"][2].endswith("Stable") and by_name["contract"][3] == "36%"


def test_one_histogram_per_flagged_column_and_none_when_stable(
    shifted: DriftReport, stable: DriftReport
) -> None:
    page = render_html(shifted)
    alts = re.findall(r"<figure class='histogram'><img alt='Histogram of ([^']*)'", page)
    assert alts == [c.name for c in shifted.flagged_columns()]
    assert page.count("<figure class='scores'>") == 1
    for finding in shifted.scores.findings:
        assert html.escape(finding) in page
    calm = render_html(stable)
    assert "<figure class='histogram'>" not in calm
    assert "No column changed beyond chance" in calm


def test_advanced_section_holds_the_statistics_and_settings(shifted: DriftReport) -> None:
    page = render_html(shifted)
    advanced = page[page.index("<details id='advanced'>"): page.index("</details>")]
    rows = {row[0]: row for row in _body_rows(page, "statistics")}
    for column in shifted.columns:
        assert rows[column.name][1] == f"{column.psi:.4f}"
    assert rows["age"][5] == "2.8% → 19.4%"
    assert f"PSI {shifted.scores.psi:.4f}" in advanced
    settings = dict(row for row in _body_rows(page, "settings"))
    assert settings["psi_changed"] == "0.1" and settings["min_rows"] == "30"


def test_user_text_is_escaped(shifted: DriftReport) -> None:
    nasty = "<b>a&b</b>"
    columns = tuple(
        dataclasses.replace(c, name=nasty, bins=(*c.bins[:-1], "<i>x</i>"))
        if c.name == "region" else c for c in shifted.columns
    )
    report = dataclasses.replace(shifted, columns=columns, source="<q>file</q>.csv",
                                 notes=("'<script>alert(1)</script>'",))
    page = render_html(report, _history(report, ["2026-09-01", "2026-10-01"]))
    assert nasty not in page and "<q>" not in page and "<script>" not in page
    assert "&lt;b&gt;a&amp;b&lt;/b&gt;" in page
    assert [row[0] for row in _body_rows(page, "columns")].count(nasty) == 1
    assert "&lt;q&gt;file&lt;/q&gt;.csv" in page


def test_dollar_signs_in_names_are_drawn_literally(shifted: DriftReport) -> None:
    region = next(c for c in shifted.columns if c.name == "region")
    figure = column_figure(dataclasses.replace(region, name="price $ per $ unit"))
    # Escaped, the "$" pair is shown as typed instead of turning " per " into a formula.
    assert figure.get_suptitle().startswith(r"price \$ per \$ unit:")
    assert png_data_uri(figure).startswith("data:image/png")


def test_a_column_with_too_few_rows_is_grey(shifted: DriftReport) -> None:
    columns = tuple(dataclasses.replace(c, status=TOO_FEW, psi=None, p_value=None)
                    if c.name == "contract" else c for c in shifted.columns)
    page = render_html(dataclasses.replace(shifted, columns=columns))
    row = next(r for r in page.split("<tr>") if r.startswith("<td>contract</td>"))
    assert "class='dot too-few'" in row and "Not enough rows" in row


def test_trend_shows_from_two_checks(shifted: DriftReport, stable: DriftReport) -> None:
    one = render_html(shifted, [HistoryEntry.from_report(shifted)])
    assert "<figure class='trend'>" not in one and "id='history'" not in one
    assert "The trend shows once two checks" in one
    history = [*_history(stable, ["2026-08-01", "2026-09-01"]),
               HistoryEntry.from_report(shifted)]
    page = render_html(shifted, history)
    assert page.count("<figure class='trend'>") == 1
    rows = _body_rows(page, "history")
    assert len(rows) == 3
    assert rows[0][0].endswith("(this check)") and rows[0][3] == "Major"
    assert [r[3] for r in rows[1:]] == ["Stable", "Stable"]
    assert rows[2][0].startswith("2026-08-01")


def test_write_html_is_atomic_and_refuses_a_missing_folder(
    shifted: DriftReport, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "drift.html"
    expected = render_html(shifted)
    assert write_html(shifted, target) == target
    assert target.read_text(encoding="utf-8") == expected
    assert sorted(p.name for p in tmp_path.iterdir()) == ["drift.html"]

    def broken(*_: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "replace", broken)
    with pytest.raises(InputError, match="Cannot write the drift report"):
        write_html(dataclasses.replace(shifted, headline="changed"), target)
    assert target.read_text(encoding="utf-8") == expected  # the old report is intact
    assert sorted(p.name for p in tmp_path.iterdir()) == ["drift.html"]  # no .partial left
    monkeypatch.undo()

    with pytest.raises(InputError, match="does not exist"):
        write_html(shifted, tmp_path / "missing" / "drift.html")
    assert not (tmp_path / "missing").exists()


def test_region_bars_are_the_reference_and_new_shares(shifted: DriftReport) -> None:
    region = next(c for c in shifted.columns if c.name == "region")
    figure = column_figure(region)
    axes = figure.axes[0]
    reference, new = ([bar.get_height() for bar in container] for container in axes.containers)
    kept = [i for i, (a, b) in enumerate(zip(region.reference_counts, region.counts,
                                             strict=True)) if a or b]
    assert [t.get_text() for t in axes.get_xticklabels()] == [region.bins[i] for i in kept]
    assert "other" not in [region.bins[i] for i in kept]  # empty on both sides: left out
    total_ref, total_new = sum(region.reference_counts), sum(region.counts)
    assert reference == pytest.approx([region.reference_counts[i] / total_ref for i in kept])
    assert new == pytest.approx([region.counts[i] / total_new for i in kept])
    north = [region.bins[i] for i in kept].index("North")
    assert reference[north] == pytest.approx(0.30, abs=0.01)  # "'North' was 30% of rows,
    assert new[north] == pytest.approx(0.15, abs=0.01)  # now 15%"
    assert sum(new) == pytest.approx(1.0) and sum(reference) == pytest.approx(1.0)
    assert [t.get_text() for t in axes.get_legend().get_texts()] == [
        "Training (reference)", "New data"]


def test_many_categories_are_listed_down_the_side(shifted: DriftReport) -> None:
    region = next(c for c in shifted.columns if c.name == "region")
    bins = tuple(f"Product line number {i}" for i in range(20))
    reference, new = tuple(range(1, 21)), tuple(range(20, 0, -1))
    axes = column_figure(dataclasses.replace(region, bins=bins, reference_counts=reference,
                                             counts=new)).axes[0]
    old_widths, new_widths = ([bar.get_width() for bar in c] for c in axes.containers)
    assert old_widths == pytest.approx([n / sum(reference) for n in reference])
    assert new_widths == pytest.approx([n / sum(new) for n in new])
    labels = [t.get_text() for t in axes.get_yticklabels()]
    assert sorted(labels) == sorted(bins)  # whole names, none cut
    tops = [bar.get_y() for bar in axes.containers[0]]
    assert tops == sorted(tops, reverse=True)  # the first category on top


def test_score_bars_are_the_score_shares(shifted: DriftReport) -> None:
    scores = shifted.scores
    axes = score_figure(scores).axes[0]
    reference, new = ([bar.get_height() for bar in c] for c in axes.containers)
    assert reference == pytest.approx([n / sum(scores.reference_counts)
                                       for n in scores.reference_counts])
    assert new == pytest.approx([n / sum(scores.counts) for n in scores.counts])
    assert new[-1] > 2 * reference[-1]  # the scores moved up: the top bin more than doubled


def test_trend_figure_draws_levels_and_psi_in_date_order(
    shifted: DriftReport, stable: DriftReport
) -> None:
    assert trend_figure([]) is None
    assert trend_figure([HistoryEntry.from_report(shifted)]) is None
    # Given out of order: drawn by date.
    history = [*_history(shifted, ["2026-10-01"]), *_history(stable, ["2026-09-01"]),
               *_history(shifted, ["2026-11-01"])]
    figure = trend_figure(history, ["support_calls"])
    assert figure is not None
    level_axes, psi_axes = figure.axes[:2]
    heights = list(level_axes.collections[0].get_offsets()[:, 1])
    assert heights == [0, 2, 2]  # stable, major, major
    assert [t.get_text() for t in level_axes.get_yticklabels()] == ["Stable", "Changed",
                                                                    "Major"]
    lines = {line.get_label(): list(line.get_ydata()) for line in psi_axes.get_lines()}
    assert lines["The model's scores"] == pytest.approx(
        [stable.scores.psi, shifted.scores.psi, shifted.scores.psi])
    calls = {c.name: c.psi for c in shifted.columns}["support_calls"]
    assert lines["support_calls"][1:] == pytest.approx([calls, calls])
    assert [t.get_text() for t in psi_axes.get_xticklabels()] == [
        "2026-09-01", "2026-10-01", "2026-11-01"]


def test_the_trend_shows_missing_rates_of_columns_whose_missing_rate_changed(
    shifted: DriftReport, stable: DriftReport
) -> None:
    history = [*_history(stable, ["2026-09-01"]), *_history(shifted, ["2026-10-01"])]
    figure = trend_figure(history, ["support_calls"], ["age"])
    assert figure is not None and len(figure.axes) == 3
    missing_axes = figure.axes[2]
    (line,) = missing_axes.get_lines()
    rates = {c.name: c.missing_rate for c in stable.columns}, {
        c.name: c.missing_rate for c in shifted.columns}
    assert list(line.get_ydata()) == pytest.approx([rates[0]["age"] * 100,
                                                    rates[1]["age"] * 100])
    assert line.get_ydata()[1] > 15  # age is missing in about a fifth of the shifted rows
    page = render_html(shifted, history)
    assert "Bottom: the share of rows missing a value" in page


def test_png_data_uri_is_a_png(shifted: DriftReport) -> None:
    uri = png_data_uri(score_figure(shifted.scores))
    prefix = "data:image/png;base64,"
    assert uri.startswith(prefix)
    assert base64.b64decode(uri[len(prefix):])[:8] == b"\x89PNG\r\n\x1a\n"
