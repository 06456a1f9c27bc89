"""Fewer cyclic garbage collections while a batch job allocates many short-lived objects.

CPython's collector runs its youngest generation every 700 net allocations and, every 10 of
those, the next one, which re-scans everything that survived so far. An import of 2,000-row
batches or a runner decoding thousands of events allocates millions of objects, nearly none in
cycles, beside a heap that grows as it goes (the parsed file, the report): on a 100,000-row
import the collections took 2.6 s of 13.5 s; with the first threshold at 50,000, 0.35 s
(BENCHMARKS.md, collective import, fourth session).

`fewer_collections()` raises the thresholds for as long as any caller is inside it (imports
and runners may overlap on threads of one server) and puts back the ones it found when the
last one leaves. Reference counting still frees everything that is not in a cycle at once; the
rare cycles wait a little longer.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

#: (gen0, gen1, gen2): gen0 collections about 70 times rarer than CPython's default 700
BULK_THRESHOLDS = (50_000, 20, 100)

_lock = threading.Lock()
_inside = 0
_saved: tuple[int, int, int] = gc.get_threshold()


@contextmanager
def fewer_collections() -> Iterator[None]:
    global _inside, _saved
    with _lock:
        if _inside == 0:
            _saved = gc.get_threshold()
            gc.set_threshold(*BULK_THRESHOLDS)
        _inside += 1
    try:
        yield
    finally:
        with _lock:
            _inside -= 1
            if _inside == 0:
                gc.set_threshold(*_saved)
