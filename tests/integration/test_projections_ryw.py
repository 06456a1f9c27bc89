"""Read-your-writes: a command's `position` passed to `ReadStore.wait_for` returns True and the
next read shows the write, whether the runner is a poked thread, the caller's own thread, or
another process watched through the tracking rows."""

from __future__ import annotations

import random
import threading

from api.wiring import Runtime, build_runtime
from projections import ReadStore, Runner, open_read_side
from projections.follow import follow
from tests.builders import build_tree, join_request, person
from tests.conftest import TODAY
from tests.integration.projections_support import read_side  # noqa: F401 - fixture

Side = tuple[ReadStore, Runner]


def test_the_embedded_thread_is_poked_so_each_write_is_readable_at_once(
    runtime: Runtime,
) -> None:
    # The thread would only poll once a minute: only the poke from wait_for can make it in time.
    store, runner = open_read_side(runtime, start_runner=True, poll_interval=60)
    try:
        tree = build_tree(runtime.ledger)
        for i in range(3):
            joined = runtime.ledger.join(join_request(person(random.Random(i)), tree.township))
            assert store.wait_for(joined.position)
            row = store.member(joined.id)
            assert row is not None and row["status"] == "active"
            out = runtime.ledger.transfer_out(joined.id, destination_code=tree.village,
                                              reason="换网点", recorded_by="o")
            assert store.wait_for(out.position)
            assert joined.id in {r["member_id"] for r in store.inbox(tree.village)}
            assert store.member(joined.id)["status"] == "in_transit"
        assert runner.is_running and store.lag()["events_behind"] == 0
    finally:
        store.close()
    assert not runner.is_running


def test_without_a_thread_wait_for_projects_in_the_callers_thread(
    runtime: Runtime, read_side: Side,  # noqa: F811
) -> None:
    store, runner = read_side
    assert not runner.is_running
    tree = build_tree(runtime.ledger)
    joined = runtime.ledger.join(join_request(person(random.Random(7)), tree.village))
    assert store.position() < joined.position
    assert store.wait_for(joined.position)
    assert store.position() >= joined.position
    assert store.counts(tree.village)["self"]["total"] == 1
    assert store.wait_for(0)


def test_with_a_separate_runner_wait_for_watches_its_tracking_rows(runtime: Runtime) -> None:
    api_store, _ = open_read_side(runtime, start_runner=False, external_runner=True)
    worker_rt = build_runtime(runtime.settings, today=lambda: TODAY)  # the `--follow` side
    _, worker = open_read_side(worker_rt, start_runner=False, poll_interval=0.05)
    stop = threading.Event()
    thread = threading.Thread(target=follow, args=(worker, stop), daemon=True)
    thread.start()
    try:
        tree = build_tree(runtime.ledger)
        joined = runtime.ledger.join(join_request(person(random.Random(8)), tree.township))
        assert api_store.wait_for(joined.position, timeout=10)
        assert api_store.member(joined.id) is not None
        assert not api_store.wait_for(joined.position + 1000, timeout=0.2)  # never written
    finally:
        stop.set()
        thread.join(10)
        worker_rt.close()
        api_store.close()
