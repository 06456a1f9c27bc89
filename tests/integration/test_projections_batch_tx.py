"""The runner applies a batch to every view in one transaction, and a failure leaves the views
where a transaction per view (in order) would have: those before the failing view committed,
the failing one and those after it not."""

from __future__ import annotations

import contextlib
import random
from collections.abc import Iterator
from typing import Any

import pytest

from api.wiring import Runtime
from projections import ReadStore, Runner
from projections.membership_periods import MembershipPeriods
from tests.builders import build_tree, join_request, person
from tests.integration.projections_support import (  # noqa: F401 - fixture
    assert_views_match_aggregates,
    read_side,
)

Side = tuple[ReadStore, Runner]


def _count_transactions(runner: Runner, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    opened = [0]
    real_tx = runner.db.tx

    @contextlib.contextmanager
    def counting() -> Iterator[Any]:
        opened[0] += 1
        with real_tx() as tx:
            yield tx

    monkeypatch.setattr(runner.db, "tx", counting)
    return opened


def test_one_batch_is_one_transaction_for_all_views(
    runtime: Runtime, read_side: Side, monkeypatch: pytest.MonkeyPatch,  # noqa: F811
) -> None:
    store, runner = read_side
    tree = build_tree(runtime.ledger)
    runner.catch_up()
    rng = random.Random(5)
    runtime.ledger.join_many([join_request(person(rng), tree.township) for _ in range(30)])
    opened = _count_transactions(runner, monkeypatch)
    assert runner.catch_up() == 30
    assert opened[0] == 1  # not one per view
    top = runtime.ledger.recorder.max_notification_id()
    assert set(store.positions().values()) == {top}
    assert store.counts(tree.township)["self"]["total"] == 30
    assert_views_match_aggregates(runtime, store)


def test_a_failing_view_leaves_the_views_before_it_committed_and_those_after_it_not(
    runtime: Runtime, read_side: Side, monkeypatch: pytest.MonkeyPatch,  # noqa: F811
) -> None:
    store, runner = read_side
    tree = build_tree(runtime.ledger)
    runner.catch_up()
    before = store.positions()
    rng = random.Random(6)
    runtime.ledger.join_many([join_request(person(rng), tree.township) for _ in range(20)])
    top = runtime.ledger.recorder.max_notification_id()

    def failing(self: MembershipPeriods, tx: Any, items: Any) -> None:
        raise RuntimeError("injected fault")

    real_apply = MembershipPeriods.apply
    monkeypatch.setattr(MembershipPeriods, "apply", failing)
    with pytest.raises(RuntimeError, match="injected fault"):
        runner.catch_up()
    names = [v.name for v in runner.views]
    at = names.index("membership_periods")
    after = store.positions()
    assert all(after[n] == top for n in names[:at])  # committed on their own
    assert all(after[n] == before[n] for n in names[at:])  # the failing one and the rest not

    monkeypatch.setattr(MembershipPeriods, "apply", real_apply)
    runner.reconnect()
    runner.catch_up()
    assert set(store.positions().values()) == {top}
    assert store.counts(tree.township)["self"]["total"] == 20
    assert_views_match_aggregates(runtime, store)
    assert runner.check() == []


def test_a_view_another_writer_moved_or_took_over_meanwhile_is_left_alone(
    runtime: Runtime, read_side: Side, monkeypatch: pytest.MonkeyPatch,  # noqa: F811
) -> None:
    from projections import open_read_side

    store, runner = read_side
    tree = build_tree(runtime.ledger)
    runner.catch_up()
    rng = random.Random(7)
    runtime.ledger.join_many([join_request(person(rng), tree.township) for _ in range(25)])
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
