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


def test_cancel_runs_registered_callbacks_once_in_the_cancelling_thread() -> None:
    token = CancelToken()
    calls: list[str] = []
    token.on_cancel(lambda: calls.append(threading.current_thread().name))
    forget = token.on_cancel(lambda: calls.append("forgotten"))
    forget()
    canceller = threading.Thread(target=token.cancel, name="canceller")
    canceller.start()
    canceller.join(5)
    token.cancel()  # a second cancel runs nothing again
    assert calls == ["canceller"]


def test_a_callback_registered_after_cancel_runs_at_once() -> None:
    token = CancelToken()
    token.cancel()
    calls: list[int] = []
    token.on_cancel(lambda: calls.append(1))
    assert calls == [1]


def test_a_failing_callback_does_not_break_cancel() -> None:
    token = CancelToken()
    calls: list[int] = []

    def broken() -> None:
        raise RuntimeError("driver gone")

    token.on_cancel(broken)
    token.on_cancel(lambda: calls.append(1))
    token.cancel()
    assert token.cancelled and calls == [1]


def test_cancel_from_a_signal_handler_while_the_token_is_locked_does_not_hang() -> None:
    """A SIGINT handler runs on the main thread between two bytecodes, possibly while that
    thread holds the token's lock (registering a database query's interrupt)."""
    token = CancelToken()
    ran: list[str] = []
    done = threading.Event()

    def main_thread_at_ctrl_c() -> None:
        with token._lock:  # as inside on_cancel(), when the handler runs
            token.cancel()
        ran.append("cancelled")
        done.set()

    worker = threading.Thread(target=main_thread_at_ctrl_c, daemon=True)
    worker.start()
    assert done.wait(60), "cancel() deadlocked on the token's own lock"
    assert ran == ["cancelled"] and token.cancelled
