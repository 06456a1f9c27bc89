"""projections.gc_tuning: fewer collections while bulk work runs, the defaults back after."""

from __future__ import annotations

import gc
import threading

import pytest

from projections.gc_tuning import BULK_THRESHOLDS, fewer_collections


@pytest.fixture(autouse=True)
def _known_thresholds():
    saved = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    yield
    gc.set_threshold(*saved)


def test_the_thresholds_are_raised_inside_and_the_ones_found_put_back_after():
    with fewer_collections():
        assert gc.get_threshold() == BULK_THRESHOLDS
    assert gc.get_threshold() == (700, 10, 10)


def test_an_error_inside_still_puts_them_back():
    with pytest.raises(RuntimeError), fewer_collections():
        raise RuntimeError("boom")
    assert gc.get_threshold() == (700, 10, 10)


def test_overlapping_users_on_two_threads_restore_only_when_the_last_one_leaves():
    inside, leave = threading.Event(), threading.Event()

    def other() -> None:
        with fewer_collections():
            inside.set()
            leave.wait(5)

    t = threading.Thread(target=other)
    t.start()
    assert inside.wait(5)
    with fewer_collections():
        pass
    assert gc.get_threshold() == BULK_THRESHOLDS, "the other thread is still inside"
    leave.set()
    t.join(5)
    assert gc.get_threshold() == (700, 10, 10)


def test_a_rebuilds_folds_are_emptied_a_chunk_at_a_time_but_not_what_they_share():
    """projections.bulk._free: what the folds alone hold is emptied (in chunks, so other
    threads get the interpreter meanwhile); a container shared with anything else is left as
    it is; what the rebuild froze goes back to the collector."""
    from projections.bulk import _free

    class Fold:
        pass

    shared = {"kept": 1}
    f = Fold()
    f.states = {i: [i] for i in range(12_345)}
    f.closed = [(i,) for i in range(7_001)]
    f.cache = shared
    f.name = "fold"
    gc.freeze()
    assert gc.get_freeze_count() > 0
    box = [[(frozenset(), f)]]
    _free(box, thaw=False, chunk=1000)  # frozen by someone else: left frozen
    assert box == [] and f.states == {} and f.closed == [] and f.name == "fold"
    assert shared == {"kept": 1}
    assert gc.get_freeze_count() > 0
    _free([[]], thaw=True)
    assert gc.get_freeze_count() == 0
