"""The runner survives failures: a fault mid-batch, a runner process killed with SIGKILL, and a
dropped database connection; afterwards nothing is counted twice and nothing is skipped."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
from typing import Any

import psycopg
import pytest

from api.wiring import Runtime
from projections import ReadStore, Runner, open_read_side
from projections.db import APP_NAME
from projections.membership_counts import MembershipCounts
from tests.builders import build_tree, join_request, person
from tests.integration.projections_support import (  # noqa: F401 - fixture
    assert_views_match_aggregates,
    read_side,
)

Side = tuple[ReadStore, Runner]


def _members(runtime: Runtime, n: int, seed: int = 0) -> list[str]:
    tree = build_tree(runtime.ledger)
    rng = random.Random(seed)
    runtime.ledger.join_many([join_request(person(rng), tree.township) for _ in range(n)])
    return [tree.township, tree.acftu]


def test_a_fault_mid_batch_rolls_the_view_back_and_a_restart_counts_nothing_twice(
    runtime: Runtime, read_side: Side, monkeypatch: pytest.MonkeyPatch,  # noqa: F811
) -> None:
    store, runner = read_side
    township, acftu = _members(runtime, 40)
    runner.batch_size = 7
    calls = {"n": 0}
    real_apply = MembershipCounts.apply

    def faulty(self: MembershipCounts, tx: Any, items: Any) -> None:
        real_apply(self, tx, items)  # rows written, then the batch fails before commit
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("injected fault")

    monkeypatch.setattr(MembershipCounts, "apply", faulty)
    with pytest.raises(RuntimeError, match="injected fault"):
        runner.catch_up()
    positions = store.positions()
    assert positions["membership_counts"] < positions["union_tree"]  # stopped mid-stream
    partial = store.counts(acftu)["subtree"]["total"]
    assert 0 < partial < 40

    monkeypatch.setattr(MembershipCounts, "apply", real_apply)  # the process restarts
    runner.reconnect()
    runner.catch_up()
    assert store.counts(acftu)["subtree"]["total"] == 40
    assert store.counts(township)["self"]["by_status"]["active"] == 40
    assert_views_match_aggregates(runtime, store)
    assert runner.check() == []


def _cli_env(runtime: Runtime) -> tuple[list[str], dict[str, str]]:
    s = runtime.settings
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    if s.is_postgres:
        env.update(UNION_LEDGER_SECRET_KEY=s.secret_key or "", UNION_LEDGER_MASTER_KEY=
                   s.master_key or "", UNION_LEDGER_TOKEN_SECRET=s.token_secret or "")
        return ["--database-url", s.database_url or ""], env
    return ["--data-dir", str(s.data_dir)], env


def test_a_runner_process_killed_mid_stream_resumes_where_its_views_committed(
    runtime: Runtime, read_side: Side,  # noqa: F811
) -> None:
    store, runner = read_side
    _, acftu = _members(runtime, 150, seed=3)
    top = runtime.ledger.recorder.max_notification_id()
    where, env = _cli_env(runtime)
    proc = subprocess.Popen(
        [sys.executable, "-c", "from api.cli import main; main()", "project", "--follow",
         "--batch-size", "5", "--throttle", "0.05", *where],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        # wait (bounded) until the process has committed some batches, then kill it hard
        for _ in range(600):
            if proc.poll() is not None or store.position() > 0:
                break
            threading.Event().wait(0.05)
        assert proc.poll() is None, proc.stdout.read().decode() if proc.stdout else ""
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
    killed_at = store.positions()
    assert 0 < min(killed_at.values()) < top  # it died mid-stream

    assert runner.catch_up() > 0  # a new runner resumes from each view's own tracking row
    assert store.counts(acftu)["subtree"]["total"] == 150
    assert_views_match_aggregates(runtime, store)
    assert runner.check() == []


def _drop_projection_connections(runtime: Runtime, runner: Runner) -> None:
    if runtime.settings.is_postgres:
        with psycopg.connect(runtime.settings.postgres_conninfo(), autocommit=True) as conn:
            conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                         " WHERE application_name=%s AND datname=current_database()",
                         (APP_NAME,))
    else:  # SQLite has no server: the nearest thing is the connection closing under us
        runner.db.conn.close()


def test_the_runner_reconnects_after_its_database_connection_is_dropped(
    runtime: Runtime,
) -> None:
    store, runner = open_read_side(runtime, start_runner=True, poll_interval=0.05)
    try:
        tree = build_tree(runtime.ledger)
        first = runtime.ledger.join(join_request(person(random.Random(1)), tree.township))
        assert store.wait_for(first.position, timeout=10)

        _drop_projection_connections(runtime, runner)
        second = runtime.ledger.join(join_request(person(random.Random(2)), tree.township))
        assert store.wait_for(second.position, timeout=15)
        assert runner.reconnects >= 1 and runner.errors >= 1
        assert store.member(second.id) is not None
        assert store.counts(tree.township)["self"]["total"] == 2
    finally:
        store.close()

    # without a thread, wait_for projects in the caller's thread: it reconnects there too
    store, runner = open_read_side(runtime, start_runner=False)
    try:
        runner.catch_up()
        _drop_projection_connections(runtime, runner)
        third = runtime.ledger.join(join_request(person(random.Random(3)), tree.township))
        assert store.wait_for(third.position)
        assert runner.reconnects == 1 and store.member(third.id) is not None
    finally:
        store.close()


def test_a_view_whose_tables_changed_meaning_is_projected_again_on_upgrade(
    runtime: Runtime, read_side: Side,  # noqa: F811
) -> None:
    """A view whose version changed is dropped and projected from zero on start, the others are
    kept; a read store made before views had versions (all version 1) is projected again."""
    store, runner = read_side
    _members(runtime, 12)
    runner.catch_up()
    top = store.positions()["member_directory"]
    with store.db.tx() as tx:
        tx.run("UPDATE @projection_tracking SET view_version = view_version - 1"
               " WHERE name = 'membership_flows'")
        tx.run("INSERT INTO @membership_flows (union_code, period, kind, n)"
               " VALUES ('stale', '2020-01', 'joins', 99)")

    store2, runner2 = open_read_side(runtime, start_runner=False)
    try:
        positions = store2.positions()
        assert positions["membership_flows"] == 0  # dropped: projected again from zero
        assert positions["member_directory"] == top  # unchanged meaning: kept as it is
        runner2.catch_up()
        with store2.db.read() as tx:
            assert tx.all("SELECT n FROM @membership_flows WHERE union_code='stale'") == []
            assert dict(tx.all("SELECT name, view_version FROM @projection_tracking")) == {
                v.name: v.version for v in runner2.views}
        assert_views_match_aggregates(runtime, store2)
        assert runner2.check() == []
        with store2.db.tx() as tx:
            tx.run("ALTER TABLE @projection_tracking DROP COLUMN view_version")
    finally:
        store2.close()

    store3, runner3 = open_read_side(runtime, start_runner=False)
    try:  # every view is past version 1 now
        assert set(store3.positions().values()) == {0}
        runner3.catch_up()
        assert_views_match_aggregates(runtime, store3)
    finally:
        store3.close()


def test_a_catch_up_runs_with_fewer_garbage_collections_and_puts_the_defaults_back(
    runtime: Runtime, read_side: Side,  # noqa: F811
) -> None:
    import gc

    from projections.gc_tuning import BULK_THRESHOLDS

    store, runner = read_side
    township, _ = _members(runtime, 30)
    runner.batch_size = 10
    before = gc.get_threshold()
    seen: list[tuple[int, int, int]] = []
    runner.catch_up(progress=lambda position, top: seen.append(gc.get_threshold()))
    assert len(seen) > 1 and set(seen) == {BULK_THRESHOLDS}
    assert gc.get_threshold() == before
    assert store.counts(township)["self"]["total"] == 30


def _directory_indexes(store: ReadStore) -> set[str]:
    with store.db.read() as tx:
        if store.db.dialect == "postgres":
            rows = tx.all("SELECT indexname FROM pg_indexes WHERE tablename = 'member_directory'"
                          " AND schemaname = current_schema()")
        else:
            rows = tx.all("SELECT name FROM sqlite_master WHERE type = 'index'"
                          " AND tbl_name = 'member_directory' AND sql IS NOT NULL")
    return {str(r[0]) for r in rows}


def test_the_directory_index_no_query_reads_is_dropped_from_an_older_store_on_start(
    runtime: Runtime, read_side: Side,  # noqa: F811
) -> None:
    """member_directory_dest_idx (by destination: the transfer inbox answers that) cost an
    entry per member on every write; a store made before is rid of it on start, and a rebuild
    does not make it."""
    store, runner = read_side
    _members(runtime, 5)
    runner.catch_up()
    wanted = {"member_directory_union_idx", "member_directory_nkey_idx"}
    assert wanted <= _directory_indexes(store)
    assert "member_directory_dest_idx" not in _directory_indexes(store)
    with store.db.tx() as tx:  # as the older code made it
        tx.run("CREATE INDEX member_directory_dest_idx ON @member_directory"
               " (destination_union_code)")
    assert "member_directory_dest_idx" in _directory_indexes(store)

    store2, runner2 = open_read_side(runtime, start_runner=False)
    try:
        assert "member_directory_dest_idx" not in _directory_indexes(store2)
        assert wanted <= _directory_indexes(store2)
        runner2.rebuild(["member_directory"])
        assert "member_directory_dest_idx" not in _directory_indexes(store2)
        assert wanted <= _directory_indexes(store2)
        assert_views_match_aggregates(runtime, store2)
    finally:
        store2.close()


def _tables(store: ReadStore) -> set[str]:
    with store.db.read() as tx:
        if store.db.dialect == "postgres":
            rows = tx.all("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
        else:
            rows = tx.all("SELECT name FROM sqlite_master WHERE type = 'table'")
    return {str(r[0]) for r in rows}


def test_the_counters_keep_no_row_per_member_and_an_older_stores_member_tables_go(
    runtime: Runtime, read_side: Side,  # noqa: F811
) -> None:
    """membership_counts and membership_flows read the cell a member leaves (and the union a
    member withdraws from) from the member's earlier events: their per-member tables of
    before (mc_members, mf_members) are dropped when a store made then is opened."""
    store, runner = read_side
    led = runtime.ledger
    tree = build_tree(led)
    rng = random.Random(3)
    a, b, *_ = [r.id for r in (led.join(join_request(person(rng), tree.township))
                               for _ in range(6))]
    runner.catch_up()
    assert not {"mc_members", "mf_members"} & _tables(store)
    with store.db.tx() as tx:  # as the older code made them
        tx.run("UPDATE @projection_tracking SET view_version = view_version - 1"
               " WHERE name IN ('membership_counts', 'membership_flows')")
        tx.run("CREATE TABLE @mc_members (member_id TEXT PRIMARY KEY)")
        tx.run("CREATE TABLE @mf_members (member_id TEXT PRIMARY KEY)")

    store2, runner2 = open_read_side(runtime, start_runner=False)
    try:
        assert not {"mc_members", "mf_members"} & _tables(store2)
        runner2.catch_up()
        # each in a batch of its own: the view meets members it saw in earlier batches
        led.transfer_out(a, destination_code=tree.village, reason="换工作", recorded_by="o")
        runner2.catch_up()
        led.transfer_in(a, union_code=tree.village, recorded_by="o")
        led.withdraw(b, recorded_by="o")
        runner2.catch_up()
        assert_views_match_aggregates(runtime, store2)
        assert runner2.check() == []
        by_status = store2.counts(tree.township)["self"]["by_status"]
        assert (by_status["active"], by_status.get("withdrawn")) == (4, 1)
        assert store2.counts(tree.village)["self"]["by_status"]["active"] == 1
    finally:
        store2.close()


def test_a_counter_view_without_a_runners_history_says_so_and_changes_nothing(
    runtime: Runtime, read_side: Side,  # noqa: F811
) -> None:
    """A view applied outside a Runner (no `history`) meets a member it saw in an earlier
    batch: a clear error, the transaction rolled back; a batch of joins needs no history."""
    store, runner = read_side
    led = runtime.ledger
    tree = build_tree(led)
    mid = led.join(join_request(person(random.Random(9)), tree.township)).id
    runner.catch_up()
    before = store.counts(tree.township)
    led.withdraw(mid, recorded_by="o")
    counts = next(v for v in runner.views if v.name == "membership_counts")
    alone = counts.for_db(counts.db)
    alone.history = None
    top = led.recorder.max_notification_id()
    items = runner._read(top, top)[1]
    with pytest.raises(RuntimeError, match="membership_counts needs the runner's history"), \
            store.db.tx() as tx:
        alone.apply(tx, items)
    assert store.counts(tree.township) == before
    joined = runner._read(1, top)[1]
    assert alone.earlier_events([i for i in joined if i.member_id == str(mid)
                                 and i.kind == "Membership.Joined"]) == {}
