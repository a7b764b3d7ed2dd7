"""The bundled sample project: "Sample - customer churn.gristmill", made once from churn.csv.

Used by ``gristmill-desktop --sample`` and available to the command line. It is built under
a temporary name and renamed into place only when complete, so a cancel or a crash never
leaves a half-made sample behind; the next call simply builds it again.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from engine.errors import ProjectError
from engine.jobs import CancelToken, Job, ProgressCallback

log = logging.getLogger(__name__)

SAMPLE_PROJECT_NAME = "Sample - customer churn.gristmill"
SAMPLE_SOURCE_NAME = "Customer churn"
SAMPLE_FILE = "churn.csv"


def ensure_sample_project(
    folder: Path,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> Path:
    """The path of the sample project in ``folder``, building it first if it is missing.

    An existing sample is reused as it is (the user's changes to it are kept). One that can
    no longer be opened is set aside as ``... .gristmill.broken`` and built again.
    """
    from engine import api

    job = Job(progress, cancel)
    folder = Path(folder)
    path = folder / SAMPLE_PROJECT_NAME
    if path.exists():
        try:
            api.open_project(path).close()
            job.done("Sample project ready")
            return path
        except ProjectError as error:
            broken = path.with_name(path.name + ".broken")
            log.warning("The sample project cannot be opened (%s); building it again", error)
            os.replace(path, broken)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ProjectError(
            f"Cannot create the folder {folder} for the sample project: {error.strerror}.",
            "Check that you may write in your user folder.",
        ) from None
    partial = folder / (SAMPLE_PROJECT_NAME + ".partial")
    partial.unlink(missing_ok=True)
    try:
        _build(partial, job)
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    job.done("Sample project ready")
    return path


def _build(path: Path, job: Job) -> None:
    from engine import api
    from engine.sources.base import FileSource

    source = FileSource(path=str(api.sample_data_dir() / SAMPLE_FILE))
    job.step(0.0, "Reading the sample data", force=True)
    # A sub-job's ``step`` is a progress callback mapped onto its slice of the range.
    loaded = api.load_table(source, progress=job.sub(0.0, 0.5).step, cancel=job.cancel)
    job.step(0.5, "Creating the sample project")
    with api.create_project(path) as project:
        api.add_table(
            project,
            SAMPLE_SOURCE_NAME,
            source,
            loaded,
            progress=job.sub(0.5, 1.0).step,
            cancel=job.cancel,
        )
