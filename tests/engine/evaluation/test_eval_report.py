"""The HTML report: one self-contained file with the pictures embedded, text escaped."""

from __future__ import annotations

import base64
from html.parser import HTMLParser
from pathlib import Path

import pytest

from engine.errors import InputError
from engine.evaluation import plots
from engine.evaluation.report import ReportContent, headline, render_report, write_report
from engine.evaluation.result import Evaluation


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.images: list[str] = []
        self.links: list[str] = []
        self.headings: list[str] = []
        self.paragraphs: list[str] = []
        self.open: list[str] = []
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "img":
            self.images.append(values.get("src") or "")
        for key in ("href", "src"):
            if key in values and tag != "img":
                self.links.append(values[key] or "")
        if tag in ("h2", "p"):
            self._in = tag
        if tag in ("table", "figure", "ul", "ol", "tr"):
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("table", "figure", "ul", "ol", "tr"):
            assert self.open and self.open.pop() == tag
        self._in = None

    def handle_data(self, data: str) -> None:
        if self._in == "h2":
            self.headings.append(data)
        elif self._in == "p":
            self.paragraphs.append(data)


def _content(evaluation: Evaluation, **changes) -> ReportContent:
    values = dict(
        title="Breast cancer <model> & friends",
        data_summary=[("Source", "breast_cancer"), ("Rows", "569")],
        problem_summary=[("Target", "diagnosis"), ("Positive class", "malignant")],
        recipe_lines=["Scale numbers", "Logistic regression"],
        leaderboard=[
            {"rank": 1, "model": "Logistic regression", "params": {"C": 0.1},
             "cv_score": 0.98, "cv_std": 0.01, "fit_seconds": 0.05, "status": "done"},
            {"rank": 2, "model": "Baseline", "params": {}, "cv_score": 0.5, "cv_std": 0.0,
             "fit_seconds": 0.0, "status": "done"},
        ],
        metric_name="roc_auc",
        evaluation=evaluation,
        warnings=["Column <b>id</b> looks like an identifier."],
    )
    values.update(changes)
    return ReportContent(**values)


def test_report_on_breast_cancer_embeds_every_plot(
    cancer_evaluation: Evaluation, tmp_path: Path
) -> None:
    path = write_report(_content(cancer_evaluation), tmp_path / "report.html")
    text = path.read_text(encoding="utf-8")
    parser = _Collector()
    parser.feed(text)
    parser.close()
    assert parser.open == []  # every table, figure, list and row is closed
    assert len(parser.images) == len(plots.available_plots(cancer_evaluation))
    for source in parser.images:
        assert source.startswith("data:image/png;base64,")
        assert base64.b64decode(source.split(",", 1)[1]).startswith(b"\x89PNG")
    assert parser.links == []
    assert "http://" not in text and "https://" not in text
    assert parser.headings == ["Data", "Problem", "Preparation recipe", "Leaderboard",
                               "Metrics on the holdout", "Plots", "Warnings"]
    # The first paragraph is the plain verdict against the baseline.
    assert parser.paragraphs[0].startswith("The model's ROC AUC on 143 held-out rows is 0.99")
    assert "much better than the baseline" in parser.paragraphs[0]
    assert "&lt;model&gt; &amp; friends" in text and "<model>" not in text
    assert "&lt;b&gt;id&lt;/b&gt;" in text
    assert "Decision threshold" in text and "Probability of" not in parser.headings
    assert not (tmp_path / "report.html.partial").exists()


def test_headline_for_each_task(every_evaluation: list[Evaluation]) -> None:
    _, multiclass, regression, clustering, anomaly = every_evaluation
    assert "Macro F1" in headline(_content(multiclass, metric_name="macro_f1"))
    sentence = headline(_content(regression, metric_name="neg_root_mean_squared_error"))
    assert sentence.startswith("The model's RMSE on 111 held-out rows is")
    assert "training average" in sentence
    assert "clearly better" in sentence or "slightly better" in sentence
    assert "3 clusters" in headline(_content(clustering, metric_name="silhouette"))
    assert "as unusual" in headline(_content(anomaly, metric_name="flagged_share"))


def test_headline_says_when_the_model_learned_nothing(cancer_evaluation: Evaluation) -> None:
    from dataclasses import replace

    roc = cancer_evaluation.metric("roc_auc")
    assert roc is not None
    flat = replace(cancer_evaluation, metrics=(replace(roc, holdout=0.505),))
    assert "no better than the baseline" in headline(_content(flat))


def test_every_task_renders(every_evaluation: list[Evaluation]) -> None:
    for evaluation in every_evaluation[1:]:
        text = render_report(_content(evaluation))
        assert text.count("data:image/png;base64,") == len(plots.available_plots(evaluation))


def test_missing_folder_is_explained(cancer_evaluation: Evaluation, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        write_report(_content(cancer_evaluation), tmp_path / "nowhere" / "report.html")
