"""The window's collector: automatic collection off while it runs, cycles freed on its timer."""

from __future__ import annotations

import gc
import weakref
from typing import Any

from ui.main_thread_gc import MainThreadCollector


class Node:
    def __init__(self) -> None:
        self.me = self  # a cycle: only the cycle collector can free it


def test_cycles_are_freed_by_the_collector_and_collection_is_restored(qtbot: Any) -> None:
    gc.enable()  # as in the app, where the collector takes over from automatic collection
    collector = MainThreadCollector(interval_ms=10)
    collector.start()
    try:
        assert not gc.isenabled()
        garbage = [Node() for _ in range(5000)]  # past generation 0's threshold
        refs = [weakref.ref(node) for node in garbage[:10]]
        del garbage
        qtbot.waitUntil(lambda: all(ref() is None for ref in refs), timeout=5000)
    finally:
        collector.stop()
    assert gc.isenabled()


def test_frozen_objects_survive_collections_until_thawed(qtbot: Any) -> None:
    collector = MainThreadCollector(interval_ms=10)
    collector.start()
    try:
        node = Node()
        ref = weakref.ref(node)
        collector.freeze()  # the cycle is alive now: frozen with everything else
        assert gc.get_freeze_count() > 0
        del node
        gc.collect()
        assert ref() is not None  # frozen: no collection looks at it
        collector.thaw()
        assert gc.get_freeze_count() == 0
        gc.collect()
        assert ref() is None  # given back to the collector, the dead cycle goes
        collector.freeze()
    finally:
        collector.stop()
    assert gc.get_freeze_count() == 0  # stopping gives every frozen object back
