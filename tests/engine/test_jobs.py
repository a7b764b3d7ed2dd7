"""The job contract: progress mapping, throttling and cancellation."""

from __future__ import annotations

import threading

import pytest

from engine.jobs import Cancelled, CancelToken, Job


def test_step_reports_fraction_mapped_into_sub_range() -> None:
    seen: list[tuple[float, str]] = []
    job = Job(lambda f, m: seen.append((f, m)), min_interval=0)
    half = job.sub(0.5, 1.0)
    quarter = half.sub(0.0, 0.5)
    quarter.step(0.5, "reading")
    half.step(1.0, "done")
    assert seen == [(0.625, "reading"), (1.0, "done")]


def test_step_clamps_out_of_range_fractions() -> None:
    seen: list[float] = []
    job = Job(lambda f, m: seen.append(f), min_interval=0)
    job.step(-3, "x")
    job.step(7, "y")
    assert seen == [0.0, 1.0]


def test_reports_are_throttled_but_done_is_always_forwarded() -> None:
    seen: list[float] = []
    job = Job(lambda f, m: seen.append(f), min_interval=3600)
    for i in range(100):
        job.step(i / 100, "busy")
    job.done()
    assert seen == [0.0, 1.0]


def test_cancel_raises_at_next_step_even_when_throttled() -> None:
    token = CancelToken()
    job = Job(None, token, min_interval=3600)
    job.step(0.1, "first")
    token.cancel()
    with pytest.raises(Cancelled):
        job.step(0.2, "second")
    with pytest.raises(Cancelled):
        job.check()


def test_sub_jobs_share_the_token() -> None:
    token = CancelToken()
    inner = Job(None, token).sub(0.2, 0.4)
    token.cancel()
    with pytest.raises(Cancelled):
        inner.check()


def test_token_cancelled_from_another_thread_stops_a_loop() -> None:
    token = CancelToken()
    started = threading.Event()
    outcome: list[str] = []

    def work() -> None:
        job = Job(None, token)
        try:
            while True:
                started.set()
                job.step(0.5, "looping")
        except Cancelled:
            outcome.append("cancelled")

    worker = threading.Thread(target=work)
    worker.start()
    assert started.wait(5)
    token.cancel()
    worker.join(5)
    assert outcome == ["cancelled"]
    assert token.cancelled


def test_completion_of_a_nested_job_is_never_throttled_away() -> None:
    seen: list[tuple[float, str]] = []
    outer = Job(lambda f, m: seen.append((f, m)), min_interval=3600)
    inner = Job(outer.sub(0.0, 0.5).step, min_interval=3600)
    inner.step(0.0, "start")
    inner.done("inner done")
    assert seen[-1] == (0.5, "inner done")
