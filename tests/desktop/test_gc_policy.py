"""Garbage is collected on the GUI thread only while the window runs."""

from __future__ import annotations

import gc


def test_the_collector_runs_on_the_gui_thread_when_due(gui_thread_collector, qtbot) -> None:
    assert not gc.isenabled()  # worker threads can no longer trigger a collection

    class Cycle:
        pass

    collected: list[int] = []

    def note(phase: str, info: dict) -> None:
        if phase == "stop":
            collected.append(info["generation"])

    gc.callbacks.append(note)
    try:
        for _ in range(2 * gc.get_threshold()[0]):  # well past generation 0, whatever was freed
            item = Cycle()
            item.me = item
        qtbot.waitUntil(lambda: bool(collected), timeout=5000)
    finally:
        gc.callbacks.remove(note)


def test_stopping_hands_collection_back(qapp) -> None:
    from desktop.gc_policy import collect_on_gui_thread

    collector = collect_on_gui_thread(qapp)
    assert collect_on_gui_thread(qapp) is collector  # installed once
    collector.stop()
    assert gc.isenabled()
