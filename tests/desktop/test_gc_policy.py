"""Garbage is collected on the GUI thread only while the window runs."""

from __future__ import annotations

import gc
import threading


class _Cycle:
    pass


def _make_cycles(count: int) -> None:
    for _ in range(count):
        item = _Cycle()
        item.me = item


def test_the_collector_runs_on_the_gui_thread_when_due(gui_thread_collector, qtbot) -> None:
    assert not gc.isenabled()  # worker threads can no longer trigger a collection

    collected_on: list[threading.Thread] = []

    def note(phase: str, info: dict) -> None:
        if phase == "stop":
            collected_on.append(threading.current_thread())

    def cycles_made_and_collected() -> bool:
        # Keep making garbage at every poll: Python lowers the generation-0 count whenever a
        # tracked object is freed (a worker of an earlier test winding down frees thousands),
        # so one batch of cycles is not always enough to make a collection due.
        _make_cycles(2 * gc.get_threshold()[0])
        return bool(collected_on)

    gc.callbacks.append(note)
    try:
        qtbot.waitUntil(cycles_made_and_collected, timeout=10_000)
    finally:
        gc.callbacks.remove(note)
    assert all(thread is threading.main_thread() for thread in collected_on)


def test_stopping_hands_collection_back(qapp) -> None:
    from desktop.gc_policy import collect_on_gui_thread

    collector = collect_on_gui_thread(qapp)
    assert collect_on_gui_thread(qapp) is collector  # installed once
    collector.stop()
    assert gc.isenabled()
