"""Counter tables (updated in place by every batch) leave room on their pages for HOT updates
on PostgreSQL, as created, after a rebuild, and when an older table is found at start-up."""

from __future__ import annotations

import random

import pytest

from api.settings import Settings
from api.wiring import Runtime
from projections import ReadStore, Runner
from projections.db import COUNTER_FILLFACTOR
from tests.builders import build_tree, join_request, person
from tests.integration.projections_support import (  # noqa: F401 - fixture
    assert_views_match_aggregates,
    read_side,
)

COUNTERS = ("membership_flows", "membership_counts", "campaign_progress")
pytestmark = pytest.mark.postgres  # SQLite has no fillfactor


@pytest.fixture
def settings(pg_only_settings: Settings) -> Settings:
    """PostgreSQL only (this module's `runtime` and `read_side` use it)."""
    return pg_only_settings


def _fillfactors(runner: Runner) -> dict[str, list[str] | None]:
    with runner.db.read() as tx:
        return {t: tx.one("SELECT reloptions FROM pg_class WHERE oid = ?::regclass",
                          (runner.db.table(t),))[0] for t in COUNTERS}  # type: ignore[index]


def test_counter_tables_keep_free_space_for_hot_updates(
    runtime: Runtime, read_side: tuple[ReadStore, Runner],  # noqa: F811
) -> None:
    store, runner = read_side
    assert runner.db.dialect == "postgres"
    want = {t: [f"fillfactor={COUNTER_FILLFACTOR}"] for t in COUNTERS}
    assert _fillfactors(runner) == want
    tree = build_tree(runtime.ledger)
    rng = random.Random(3)
    runtime.ledger.join_many([join_request(person(rng), tree.township) for _ in range(30)])
    runner.catch_up()
    runner.rebuild()  # fresh tables
    assert _fillfactors(runner) == want
    with runner.db.tx() as tx:  # a table made before this setting
        tx.run("ALTER TABLE @membership_flows RESET (fillfactor)")
    assert _fillfactors(runner)["membership_flows"] is None
    runner.ensure_tables()
    assert _fillfactors(runner) == want
    assert_views_match_aggregates(runtime, store)
