"""Take the README's screenshots: the real window walked through the sample project.

Run from the repository root, on a virtual X screen as a user's desktop would draw it:

    xvfb-run -a -s "-screen 0 1600x1000x24" env QT_QPA_PLATFORM=xcb \
        .venv/bin/python docs/take_screenshots.py

(or offscreen, with no X server at all: ``QT_QPA_PLATFORM=offscreen``).
``--size 1920x1080`` sets the window's size (default 1280x800, the smallest screen Gristmill
is laid out for) and ``--out FOLDER`` where the images go (default docs/screenshots; the
1,920 x 1,080 set lives in docs/screenshots/1920x1080). Each shot also checks that no panel
widened the window, and the run ends with exit 1 if one did.

Each step's panel is grabbed into docs/screenshots/ once its work has finished. The sample
project is made in a temporary folder, so your own sample project is left alone.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QSettings, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

OUT = ROOT / "docs" / "screenshots"


def wait_until(app: QApplication, condition: Callable[[], bool], seconds: float = 300) -> None:
    """Run the event loop until ``condition`` holds (the window stays live meanwhile)."""
    import time

    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the window did not get there in time")
        QTimer.singleShot(50, lambda: None)
        app.processEvents()
        time.sleep(0.02)


def main(argv: list[str] | None = None) -> int:
    import argparse

    from desktop.main_window import MainWindow
    from engine.api import sample_data_dir

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="1280x800", help="the window's WIDTHxHEIGHT")
    parser.add_argument("--out", type=Path, default=OUT, help="where the images go")
    args = parser.parse_args(argv)
    width, height = (int(part) for part in args.size.lower().split("x"))
    out: Path = args.out
    app = QApplication.instance() or QApplication(sys.argv[:1])
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        settings = QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat)
        window = MainWindow(settings=settings, sample_folder=folder / "sample", log_dir=folder)
        window.resize(width, height)
        window.show()
        steps = window.steps

        grown: list[str] = []

        def shot(name: str) -> None:
            for _ in range(5):  # let the canvases draw at their final size
                app.processEvents()
            window.grab().save(str(out / f"{name}.png"))
            size = f"{window.width()}x{window.height()}"
            if (window.width(), window.height()) != (width, height):
                grown.append(f"{name}: {size}")
            print("wrote", out / f"{name}.png", size)

        def watch(fraction: float, message: str) -> None:  # the window during a check
            if window.width() > width:
                grown.append(f"during a check ({message[:40]}): {window.width()} px")

        window.open_sample()
        wait_until(app, lambda: window.data_panel.has_data)
        shot("1-data")
        window.data_panel.show_overview()
        wait_until(app, lambda: window.data_panel.overview.figure is not None)
        shot("1b-data-all-columns")
        window.data_panel.tabs.setCurrentIndex(0)
        window.nav.setCurrentRow(1)
        steps.problem.choose_target("churned")
        wait_until(app, lambda: steps.problem.current_problem is not None)
        steps.problem.use_problem()
        wait_until(app, lambda: steps.problem.problem is not None)
        shot("2-problem")
        window.nav.setCurrentRow(2)
        wait_until(app, lambda: not steps.prepare.busy)
        shot("3-prepare")
        window.nav.setCurrentRow(3)
        steps.train.form.choose(("linear", "hist_gradient_boosting"))
        steps.train.form.budget.setValue(60)  # a busy machine needs the time to finish a model
        steps.train.start()
        wait_until(app, lambda: not steps.train.running)
        shot("4-train")
        window.nav.setCurrentRow(4)
        wait_until(app, lambda: steps.evaluate.status == "done")
        shot("5-evaluate")
        window.nav.setCurrentRow(5)
        steps.deploy.export_to(folder / "package")
        wait_until(app, lambda: steps.deploy.status == "done")
        scoring = steps.deploy.scoring
        model = next((folder / "package").glob("*.onnx"))
        scoring.start(model, sample_data_dir() / "churn_next_quarter.csv", folder / "scores.csv")
        wait_until(app, lambda: scoring.last_summary is not None)
        shot("6-deploy")
        window.nav.setCurrentRow(6)
        monitor = steps.monitor
        for name in ("churn_next_quarter.csv", "churn_next_quarter_shifted.csv"):
            monitor.set_data_file(sample_data_dir() / name)  # two checks: a trend
            task = monitor.check()
            assert task is not None
            task.signals.progress.connect(watch)
            wait_until(app, lambda: not monitor.running and not monitor.busy)
        shot("7-monitor")
        monitor.tabs.setCurrentWidget(monitor.tabs.history)
        shot("8-monitor-trend")
        window.close()
    if grown:
        print("The window did not keep its size:", "; ".join(grown))
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
