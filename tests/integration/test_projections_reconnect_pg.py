"""A following runner outlives a PostgreSQL server that drops every connection of the
database: its own and the ledger's pooled ones it reads the log through."""

from __future__ import annotations

import random

import psycopg
import pytest

from api.settings import Settings
from api.wiring import Runtime
from projections import open_read_side
from tests.builders import build_tree, join_request, person

pytestmark = pytest.mark.postgres  # SQLite has no server to drop connections


@pytest.fixture
def settings(pg_only_settings: Settings) -> Settings:
    """PostgreSQL only (this module's `runtime` uses it)."""
    return pg_only_settings


def _drop_every_connection(runtime: Runtime) -> int:
    with psycopg.connect(runtime.settings.postgres_conninfo(), autocommit=True) as conn:
        row = conn.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                           " WHERE datname=current_database() AND pid <> pg_backend_pid()"
                           ).fetchone()
    assert row is not None
    return int(row[0])


def test_a_following_runner_recovers_when_every_connection_is_dropped(
    runtime: Runtime,
) -> None:
    store, runner = open_read_side(runtime, start_runner=True, poll_interval=0.05)
    try:
        tree = build_tree(runtime.ledger)
        rng = random.Random(1)
        first = runtime.ledger.join(join_request(person(rng), tree.township))
        assert store.wait_for(first.position, timeout=10)
        for round_ in range(2):  # twice: the second time its read connection is a new one
            assert _drop_every_connection(runtime) >= 2
            m = runtime.ledger.join(join_request(person(rng), tree.township))
            assert store.wait_for(m.position, timeout=30), f"round {round_}"
            assert store.member(m.id) is not None
        assert store.counts(tree.township)["self"]["total"] == 3
    finally:
        store.close()
