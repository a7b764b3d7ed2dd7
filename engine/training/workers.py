"""Worker processes that fit candidates, so a Cancel can stop any fit within 2 seconds.

A scikit-learn ``fit`` cannot be interrupted from outside, and one tree of a forest on a
million rows takes longer than the 2 seconds the job contract allows. So every fit runs in a
child process that the search can kill: Cancel, the time budget and a crashed library (out of
memory, a segfault) all end a fit the same way, and the main process (the window) survives.

No threads are started: the parent polls the workers' pipes and process sentinels with
:func:`multiprocessing.connection.wait` between its own progress reports and cancel checks.
Children are *spawned* (a fresh interpreter), never forked, because forking a process that
runs Qt or OpenMP threads is unsafe. The data is sent once per worker; after that a message
is a small candidate description, and only the final refit sends a fitted pipeline back.
"""

from __future__ import annotations

import contextlib
import math
import multiprocessing
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any

# How long a killed worker may take to go away before we stop waiting for it.
_JOIN_SECONDS = 1.0


def worker_main(conn: Connection) -> None:
    """The loop of one worker process: import, say hello, receive the data once, then fit
    what it is sent."""
    import signal

    # Ctrl-C in a terminal reaches the whole process group; only the parent decides what a
    # Cancel means (stop the search, keep the best), and it kills workers when needed.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # Convergence and similar warnings from candidate fits would flood the terminal or the
    # log; a candidate that converged badly simply scores badly on the leaderboard.
    import warnings

    warnings.simplefilter("ignore")
    # Load the native thread pools (OpenMP, BLAS) now: threadpool_limits only reaches the
    # libraries already loaded, and a fit that loaded them later would use every core, so two
    # workers on two cores would fight over them (a 10x slowdown was measured).
    from multiprocessing.reduction import ForkingPickler

    import sklearn.ensemble  # noqa: F401 - loads scikit-learn's OpenMP runtime
    from threadpoolctl import threadpool_limits

    from engine.training.candidate import CandidateSpec, build_pipeline, cross_validate
    from engine.training.candidate import fit_pipeline as fit

    # Hello first, data second: the imports above take 10-30 s on a busy laptop, and the
    # parent sends the data only to a worker that said hello, so its send never blocks on
    # them and the search never counts on a worker that is still starting.
    try:
        conn.send(("ready",))
        setup = conn.recv_bytes()
    except (EOFError, OSError):  # the parent went away (or closed the pool) meanwhile
        return
    # The same decoding conn.recv() does; data between our own processes, never a file.
    data: dict[str, Any] = ForkingPickler.loads(setup)[1]
    while True:
        try:
            message = conn.recv()
        except EOFError:  # the parent went away
            return
        kind = message[0]
        if kind == "stop":
            return
        spec = CandidateSpec.from_dict(message[1])
        threads = int(message[2])
        context = data["context"]
        try:
            with threadpool_limits(limits=threads):
                if kind == "cv":
                    x, y, folds = first_rows(data, message[3])
                    result = cross_validate(
                        spec,
                        context,
                        x,
                        y,
                        folds,
                        data.get("unlabeled"),
                        on_fold=lambda n, total, trial=spec.trial: conn.send(
                            ("fold", trial, n, total)
                        ),
                    )
                    conn.send(("done", spec.trial, result))
                else:  # "refit": the whole training set, with every thread allowed
                    started = time.perf_counter()
                    pipeline = fit(
                        build_pipeline(spec, context),
                        data["x_full"],
                        data["y_full"],
                        data.get("unlabeled"),
                        context,
                    )
                    conn.send(("fitted", spec.trial, pipeline, time.perf_counter() - started))
        except Exception as error:  # a failed candidate is reported, the worker lives on
            conn.send(("failed", spec.trial, _describe(error)))


def first_rows(data: dict[str, Any], rows: int | None) -> tuple[Any, Any, Any]:
    """The search rows and folds, or the first ``rows`` of them in the seeded ``order``.

    Subsets are kept in ``data`` so each size is cut once per worker.
    """
    if rows is None or rows >= len(data["x"]):
        return data["x"], data["y"], data["folds"]
    cache = data.setdefault("subsets", {})
    if rows not in cache:
        import numpy as np

        from engine.training.candidate import subset_folds

        chosen = np.sort(data["order"][:rows])
        cache[rows] = (
            data["x"].iloc[chosen].reset_index(drop=True),
            data["y"][chosen],
            subset_folds(data["folds"], chosen, len(data["x"])),
        )
    return cache[rows]


def _describe(error: Exception) -> str:
    text = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return f"{type(error).__name__}: {text}"[:300]


@dataclass
class Worker:
    """One child process, its pipe, and the trial it is busy with (None when idle)."""

    process: Any
    conn: Connection
    busy_with: int | None = None
    started_at: float = 0.0
    hello: bool = False  # its imports are done: it said hello and waits for the data
    ready: bool = False  # it holds the data: it can be sent fits


class WorkerPool:
    """A fixed number of spawned workers that all hold the same training data.

    Workers are started first and sent the data only once they said hello (their imports
    done), from :meth:`poll`: the parent never blocks on a child that is still starting, and
    the processes can be started before the data exists (:meth:`provide` gives it later).
    Only workers holding the data count as idle; the others are "starting".
    """

    def __init__(
        self,
        size: int,
        payload: dict[str, Any] | None = None,
        spare: bool = False,
    ) -> None:
        """Start ``size`` workers (and a ``spare`` for the refit); ``payload`` is the data
        (None: :meth:`provide` gives it later)."""
        self._context = multiprocessing.get_context("spawn")
        self._payload: bytes | None = None
        self._created = time.monotonic()
        # Seconds, for the run's timings: starting the processes, until the first hello
        # (interpreter and imports), and sending the data (all workers together).
        self.timings = {"start": 0.0, "hello": math.nan, "send": 0.0}
        self.workers = [self._start() for _ in range(max(1, size))]
        # The spare waits, warm, for the final refit: when time runs out every search worker
        # may be busy (and is killed), and starting a fresh process then costs seconds of the
        # budget (10 s and more on a loaded laptop).
        self.spare: Worker | None = self._start() if spare else None
        self.timings["start"] = time.monotonic() - self._created
        if payload is not None:
            self.provide(payload)

    def provide(self, payload: dict[str, Any]) -> None:
        """The training data: serialized once (it can be hundreds of MB), the same bytes go
        to every worker that said hello, now or later."""
        from multiprocessing.reduction import ForkingPickler

        self._payload = bytes(ForkingPickler.dumps(("setup", payload)))
        self.poll(0.0)
        for worker in self._all():
            if worker.hello and not worker.ready:
                self._send_data(worker)

    def _all(self) -> list[Worker]:
        return [*self.workers, *([self.spare] if self.spare is not None else [])]

    def _send_data(self, worker: Worker) -> None:
        """Send the data to a worker that said hello (it is waiting for it: no long block)."""
        if self._payload is None:
            return
        sending = time.monotonic()
        try:
            worker.conn.send_bytes(self._payload)
        except OSError:  # BrokenPipeError: the child died; poll reports it
            return
        self.timings["send"] += time.monotonic() - sending
        worker.ready = True

    def first_ready_seconds(self) -> float:
        """Seconds from the pool's start to the first hello (NaN: no worker said hello)."""
        return self.timings["hello"]

    def _start(self) -> Worker:
        parent_end, child_end = self._context.Pipe(duplex=True)
        process = self._context.Process(
            target=worker_main, args=(child_end,), daemon=True, name="gristmill-fit"
        )
        try:
            process.start()
        except Exception as error:  # e.g. a script without the __main__ guard
            from engine.errors import GristmillError

            raise GristmillError(
                "The process that fits models could not start.",
                "If you call Gristmill from your own script, put the calls under "
                "'if __name__ == \"__main__\":'; otherwise see the log for details.",
            ) from error
        child_end.close()
        return Worker(process, parent_end)

    def idle(self) -> list[Worker]:
        """Search workers that hold the data and fit nothing now."""
        return [w for w in self.workers if w.busy_with is None and w.ready]

    def busy(self) -> list[Worker]:
        return [worker for worker in self.workers if worker.busy_with is not None]

    def starting(self) -> list[Worker]:
        """Search workers that do not hold the data yet (still importing, or just said hello)."""
        return [w for w in self.workers if not w.ready and w.process.is_alive()]

    def submit(
        self, worker: Worker, kind: str, spec: dict[str, Any], threads: int, rows: int | None = None
    ) -> None:
        """Send a fit to a ready worker: ``rows`` limits a cross-validation to that many rows."""
        worker.conn.send((kind, spec, threads, rows))
        worker.busy_with = int(spec["trial"])
        worker.started_at = time.monotonic()

    def poll(self, timeout: float) -> list[tuple[Worker, tuple[Any, ...]]]:
        """Messages that arrived within ``timeout`` seconds; a dead worker gives ("died",).

        A hello ("ready") is answered here with the data (when there is data yet).
        """
        waitables: dict[Any, Worker] = {}
        for worker in self._all():
            waitables[worker.conn] = worker
            waitables[worker.process.sentinel] = worker
        events: list[tuple[Worker, tuple[Any, ...]]] = []
        for ready in wait(list(waitables), timeout=timeout):
            worker = waitables[ready]
            if ready is worker.conn:
                try:
                    while worker.conn.poll():
                        message = worker.conn.recv()
                        if message[0] == "ready" and not worker.hello:
                            worker.hello = True
                            if math.isnan(self.timings["hello"]):
                                self.timings["hello"] = time.monotonic() - self._created
                            self._send_data(worker)
                        events.append((worker, message))
                except (EOFError, OSError):
                    events.append((worker, ("died",)))
            elif not worker.process.is_alive() and not any(
                item[0] is worker and item[1][0] == "died" for item in events
            ):
                events.append((worker, ("died",)))
        return events

    def replace(self, worker: Worker) -> Worker:
        """Kill ``worker`` (stuck, too slow or dead) and start a fresh one in its place."""
        self._kill(worker)
        fresh = self._start()
        self.workers[self.workers.index(worker)] = fresh
        return fresh

    def discard(self, worker: Worker) -> None:
        """Kill ``worker`` and leave its place empty."""
        self._kill(worker)
        self.workers.remove(worker)

    def add(self) -> Worker:
        """Start one more worker (it gets the same data once it said hello)."""
        worker = self._start()
        self.workers.append(worker)
        return worker

    def ready_for_refit(self) -> bool:
        """Whether an idle worker (or the spare) holds the data, so a refit starts at once."""
        self.poll(0.0)  # collect the hellos that arrived, and answer them with the data
        spare = [self.spare] if self.spare is not None else []
        return any(worker.ready for worker in [*self.idle(), *spare])

    def refit_worker(self) -> Worker:
        """A worker for the final refit: an idle one holding the data, the spare, or (when
        every one is busy or still starting) a starting one or a new one."""
        self.poll(0.0)
        if self.idle():
            return self.idle()[0]
        if self.spare is not None and self.spare.process.is_alive():
            worker, self.spare = self.spare, None
            self.workers.append(worker)
            return worker
        free = [w for w in self.workers if w.busy_with is None and w.process.is_alive()]
        return free[0] if free else self.add()

    def close(self) -> None:
        """Stop every worker at once: busy ones are killed, idle ones asked to leave."""
        if self.spare is not None:
            self.workers.append(self.spare)
            self.spare = None
        for worker in self.workers:
            if worker.busy_with is None and worker.ready and worker.process.is_alive():
                with contextlib.suppress(BrokenPipeError, OSError):
                    worker.conn.send(("stop",))
            else:
                worker.process.kill()
        deadline = time.monotonic() + _JOIN_SECONDS
        for worker in self.workers:
            worker.process.join(max(0.0, deadline - time.monotonic()))
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join(_JOIN_SECONDS)
            worker.conn.close()
        self.workers = []

    @staticmethod
    def _kill(worker: Worker) -> None:
        worker.process.kill()
        worker.process.join(_JOIN_SECONDS)
        worker.conn.close()
