"""Monitor: is the exported model still fit for this month's data? (DESIGN.md, Monitoring).

The drift check needs only the exported ONNX file (its drift reference is inside) and the new
data. :func:`engine.monitor.check.check_drift` streams the data, scores it and counts what it
sees (:mod:`engine.monitor.tally`); :mod:`engine.monitor.rule` judges each column and the
model's scores with PSI *and* a chi-square test (:mod:`engine.monitor.statistics`);
:mod:`engine.monitor.explain` puts the findings in business units; the result is a
:class:`engine.monitor.report.DriftReport`, kept in a history (:mod:`engine.monitor.history`)
and written as JSON or HTML (:mod:`engine.monitor.html_report`).
"""
