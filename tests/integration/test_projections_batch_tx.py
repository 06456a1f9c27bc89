"""The runner applies a batch to every view in one transaction (on PostgreSQL a big batch in
two, on two connections at once), and a failing view stays behind alone: every other view
still takes the batch, and the error is raised."""

from __future__ import annotations

import contextlib
import random
from collections.abc import Iterator
from typing import Any

import pytest

from api.wiring import Runtime
from projections import ReadStore, Runner
from tests.builders import build_tree, join_request, person
from tests.integration.projections_support import (  # noqa: F401 - fixture
    assert_views_match_aggregates,
    read_side,
)

Side = tuple[ReadStore, Runner]


def _projected_tree(runtime: Runtime, runner: Runner) -> Any:
    """The test union tree, already projected (the batches under test hold only joins)."""
    tree = build_tree(runtime.ledger)
    runner.catch_up()
    return tree


def _join(runtime: Runtime, tree: Any, n: int, seed: int) -> None:
    rng = random.Random(seed)
    runtime.ledger.join_many([join_request(person(rng), tree.township) for _ in range(n)])


def _count_transactions(runner: Runner, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    return _count_transactions_on(runner.db, monkeypatch)


def _count_transactions_on(db: Any, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    opened = [0]
    real_tx = db.tx

    @contextlib.contextmanager
    def counting() -> Iterator[Any]:
        opened[0] += 1
        with real_tx() as tx:
            yield tx

    monkeypatch.setattr(db, "tx", counting)
    return opened


def test_one_batch_is_one_transaction_for_all_views(
    runtime: Runtime, read_side: Side, monkeypatch: pytest.MonkeyPatch,  # noqa: F811
) -> None:
    store, runner = read_side
    tree = _projected_tree(runtime, runner)
    _join(runtime, tree, 30, seed=5)
    opened = _count_transactions(runner, monkeypatch)
    assert runner.catch_up() == 30
    assert opened[0] == 1  # not one per view
    top = runtime.ledger.recorder.max_notification_id()
    assert set(store.positions().values()) == {top}
    assert store.counts(tree.township)["self"]["total"] == 30
    assert_views_match_aggregates(runtime, store)


def test_a_big_batch_on_postgresql_is_two_transactions_on_two_connections(
    runtime: Runtime, read_side: Side, monkeypatch: pytest.MonkeyPatch,  # noqa: F811
) -> None:
    from projections.runner import PARALLEL_MIN

    store, runner = read_side
    tree = _projected_tree(runtime, runner)
    n = PARALLEL_MIN + 20
    _join(runtime, tree, n, seed=8)
    opened = _count_transactions(runner, monkeypatch)
    side = runner.db.sibling()
    opened_side = _count_transactions_on(side, monkeypatch)
    assert runner.catch_up() == n
    postgres = runner.db.dialect == "postgres"
    assert (opened[0], opened_side[0]) == ((1, 1) if postgres else (1, 0))
    top = runtime.ledger.recorder.max_notification_id()
    assert set(store.positions().values()) == {top}
    assert store.counts(tree.township)["self"]["total"] == n
    assert_views_match_aggregates(runtime, store)
    assert runner.check() == []


@pytest.mark.parametrize("failing_view", ["membership_periods", "membership_counts"])
@pytest.mark.parametrize("n", [20, 120])  # one transaction; on PostgreSQL two connections
def test_a_failing_view_stays_behind_alone_and_its_error_is_raised(
    runtime: Runtime, read_side: Side, monkeypatch: pytest.MonkeyPatch,  # noqa: F811
    failing_view: str, n: int,
) -> None:
    from projections.runner import PARALLEL_MIN

    assert 20 < PARALLEL_MIN <= 120
    store, runner = read_side
    tree = _projected_tree(runtime, runner)
    before = store.positions()
    _join(runtime, tree, n, seed=6)
    top = runtime.ledger.recorder.max_notification_id()
    cls = type(next(v for v in runner.views if v.name == failing_view))

    def failing(self: Any, tx: Any, items: Any) -> None:
        raise RuntimeError("injected fault")

    real_apply = cls.apply
    monkeypatch.setattr(cls, "apply", failing)
    with pytest.raises(RuntimeError, match="injected fault"):
        runner.catch_up()
    after = store.positions()
    assert after.pop(failing_view) == before[failing_view]
    assert set(after.values()) == {top}  # every other view took the batch

    monkeypatch.setattr(cls, "apply", real_apply)
    runner.reconnect()
    runner.catch_up()
    assert set(store.positions().values()) == {top}
    assert store.counts(tree.township)["self"]["total"] == n
    assert_views_match_aggregates(runtime, store)
    assert runner.check() == []


def test_a_view_another_writer_moved_or_took_over_meanwhile_is_left_alone(
    runtime: Runtime, read_side: Side, monkeypatch: pytest.MonkeyPatch,  # noqa: F811
) -> None:
    from projections import open_read_side

    store, runner = read_side
    tree = _projected_tree(runtime, runner)
    _join(runtime, tree, 25, seed=7)
    other_store, other = open_read_side(runtime, start_runner=False)
    real_decode = runner._decode

    def decode_while_another_runner_commits(batch: Any) -> Any:
        # between this runner's read of the positions and its transaction, another process
        # projects two of the views (an additive counter among them) to the end
        other.catch_up(names=["membership_counts", "member_directory"])
        with other.db.tx() as tx:  # and a partitioned rebuild takes another over
            tx.run("UPDATE @projection_tracking SET position=-1 WHERE name=?",
                   ("membership_periods",))
        return real_decode(batch)

    monkeypatch.setattr(runner, "_decode", decode_while_another_runner_commits)
    try:
        runner.catch_up()
    finally:
        other_store.close()
    top = runtime.ledger.recorder.max_notification_id()
    positions = store.positions()
    assert positions.pop("membership_periods") == -1  # left to the rebuild that owns it
    assert set(positions.values()) == {top}
    assert store.counts(tree.township)["self"]["total"] == 25  # counted once, not twice
    monkeypatch.setattr(runner, "_decode", real_decode)
    runner.rebuild(names=["membership_periods"], bulk=False)  # (the rebuild, done)
    assert_views_match_aggregates(runtime, store)


def test_full_batches_are_read_ahead_and_a_view_reset_meanwhile_is_read_again(
    runtime: Runtime, read_side: Side, monkeypatch: pytest.MonkeyPatch,  # noqa: F811
) -> None:
    import threading

    store, runner = read_side
    tree = _projected_tree(runtime, runner)
    _join(runtime, tree, 60, seed=9)
    runner.batch_size = 7
    real_decode = runner._decode
    threads: set[str] = set()
    calls = [0]

    def decode(batch: Any) -> Any:
        threads.add(threading.current_thread().name.split("_")[0])
        calls[0] += 1
        if calls[0] == 3:  # a rebuild starts the periods over, from nothing
            with runner.db.sibling().tx() as tx:
                tx.run("DELETE FROM @membership_periods")
                tx.run("UPDATE @projection_tracking SET position=0 WHERE name=?",
                       ("membership_periods",))
        return real_decode(batch)

    monkeypatch.setattr(runner, "_decode", decode)
    assert runner.catch_up() > 60
    assert any(t.startswith("projections-read") for t in threads)  # read ahead, on a thread
    top = runtime.ledger.recorder.max_notification_id()
    assert set(store.positions().values()) == {top}
    assert store.counts(tree.township)["self"]["total"] == 60
    assert_views_match_aggregates(runtime, store)
    assert runner.check() == []
