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
import multiprocessing
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any

# How long a killed worker may take to go away before we stop waiting for it.
_JOIN_SECONDS = 1.0


def worker_main(conn: Connection) -> None:
    """The loop of one worker process: receive the data once, then fit what it is sent."""
    import signal

    # Ctrl-C in a terminal reaches the whole process group; only the parent decides what a
    # Cancel means (stop the search, keep the best), and it kills workers when needed.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # Take the data off the pipe before the slow imports below: the parent's send blocks
    # until it is read, and the parent must keep checking Cancel.
    try:
        setup = conn.recv_bytes()
    except EOFError:
        return
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

    # The same decoding conn.recv() does; data between our own processes, never a file.
    data: dict[str, Any] = ForkingPickler.loads(setup)[1]
    conn.send(("ready",))
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
    ready: bool = False  # its imports are done (it said "ready")


class WorkerPool:
    """A fixed number of spawned workers that all hold the same training data."""

    def __init__(
        self,
        size: int,
        payload: dict[str, Any],
        spare: bool = False,
        while_starting: Callable[[], None] | None = None,
    ) -> None:
        """Start ``size`` workers (and a ``spare`` for the refit) and send them the data.

        ``while_starting`` runs once the processes are started and before the data is sent:
        the children's interpreters start meanwhile (seconds on a busy laptop).
        """
        from multiprocessing.reduction import ForkingPickler

        self._context = multiprocessing.get_context("spawn")
        # Start every child first, so their imports overlap, then send the data. The data is
        # serialized once (it can be hundreds of MB) and the same bytes go to every worker.
        self.workers = [self._start() for _ in range(max(1, size))]
        # The spare waits, warm, for the final refit: when time runs out every search worker
        # may be busy (and is killed), and starting a fresh process then costs seconds of the
        # budget (10 s and more on a loaded laptop).
        self.spare: Worker | None = self._start() if spare else None
        if while_starting is not None:
            try:
                while_starting()
            except BaseException:
                self.close()
                raise
        self._payload = bytes(ForkingPickler.dumps(("setup", payload)))
        for worker in [*self.workers, *([self.spare] if self.spare else [])]:
            self._send_data(worker)

    def _spawn(self) -> Worker:
        worker = self._start()
        self._send_data(worker)
        return worker

    def _send_data(self, worker: Worker) -> None:
        try:
            worker.conn.send_bytes(self._payload)
        except OSError as error:  # BrokenPipeError: the child died while starting
            self.workers = [w for w in self.workers if w is not worker] + [worker]
            self.close()
            from engine.errors import GristmillError

            raise GristmillError(
                "The process that fits models could not start.",
                "If you call Gristmill from your own script, put the calls under "
                "'if __name__ == \"__main__\":'; otherwise see the log for details.",
            ) from error

    def _start(self) -> Worker:
        parent_end, child_end = self._context.Pipe(duplex=True)
        process = self._context.Process(
            target=worker_main, args=(child_end,), daemon=True, name="gristmill-fit"
        )
        process.start()
        child_end.close()
        return Worker(process, parent_end)

    def idle(self) -> list[Worker]:
        return [worker for worker in self.workers if worker.busy_with is None]

    def busy(self) -> list[Worker]:
        return [worker for worker in self.workers if worker.busy_with is not None]

    def submit(
        self, worker: Worker, kind: str, spec: dict[str, Any], threads: int, rows: int | None = None
    ) -> None:
        """Send a fit: ``rows`` limits a cross-validation to that many search rows."""
        worker.conn.send((kind, spec, threads, rows))
        worker.busy_with = int(spec["trial"])
        worker.started_at = time.monotonic()

    def poll(self, timeout: float) -> list[tuple[Worker, tuple[Any, ...]]]:
        """Messages that arrived within ``timeout`` seconds; a dead worker gives ("died",)."""
        waitables: dict[Any, Worker] = {}
        for worker in [*self.workers, *([self.spare] if self.spare is not None else [])]:
            waitables[worker.conn] = worker
            waitables[worker.process.sentinel] = worker
        events: list[tuple[Worker, tuple[Any, ...]]] = []
        for ready in wait(list(waitables), timeout=timeout):
            worker = waitables[ready]
            if ready is worker.conn:
                try:
                    while worker.conn.poll():
                        message = worker.conn.recv()
                        worker.ready = worker.ready or message[0] == "ready"
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
        fresh = self._spawn()
        self.workers[self.workers.index(worker)] = fresh
        return fresh

    def discard(self, worker: Worker) -> None:
        """Kill ``worker`` and leave its place empty."""
        self._kill(worker)
        self.workers.remove(worker)

    def add(self) -> Worker:
        """Start one more worker (with the same data)."""
        worker = self._spawn()
        self.workers.append(worker)
        return worker

    def ready_for_refit(self) -> bool:
        """Whether an idle worker (or the spare) has finished its imports."""
        self.poll(0.0)  # collect the "ready" messages that arrived
        spare = [self.spare] if self.spare is not None else []
        return any(worker.ready for worker in [*self.idle(), *spare])

    def refit_worker(self) -> Worker:
        """An idle worker for the final refit: a search worker, the spare, or a new one."""
        if self.idle():
            return sorted(self.idle(), key=lambda worker: not worker.ready)[0]
        if self.spare is not None and self.spare.process.is_alive():
            worker, self.spare = self.spare, None
            self.workers.append(worker)
            return worker
        return self.add()

    def close(self) -> None:
        """Stop every worker at once: busy ones are killed, idle ones asked to leave."""
        if self.spare is not None:
            self.workers.append(self.spare)
            self.spare = None
        for worker in self.workers:
            if worker.busy_with is None and worker.process.is_alive():
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
