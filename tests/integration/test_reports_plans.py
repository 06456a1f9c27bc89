"""The dashboard's as-of flows and transit queries are planned for their own dates every time on
PostgreSQL: prepared (psycopg prepares a statement on its fifth run), the server falls back to
a generic plan — for the days, one that probed their key once per union of the subtree: 2 s at
a million members instead of 5-12 ms; for transfers in transit as of a date, 62-80 ms against
~2 ms."""

from __future__ import annotations

import random
from datetime import date

import pytest

from api.settings import Settings
from api.wiring import Runtime
from projections import ReadStore, Runner
from projections.db import Db
from projections.reports import Reports
from tests.builders import build_tree, join_request, person
from tests.integration.projections_support import read_side  # noqa: F401 - fixture

pytestmark = pytest.mark.postgres  # SQLite prepares nothing server-side


@pytest.fixture
def settings(pg_only_settings: Settings) -> Settings:
    """PostgreSQL only (this module's `runtime` and `read_side` use it)."""
    return pg_only_settings


def test_the_as_of_days_and_transit_queries_are_never_prepared_statements(
    runtime: Runtime, read_side: tuple[ReadStore, Runner],  # noqa: F811
) -> None:
    store, runner = read_side
    tree = build_tree(runtime.ledger)
    runtime.ledger.join_many([join_request(person(random.Random(i)), tree.village,
                                           effective_on="2025-02-03") for i in range(4)])
    runner.catch_up()
    db = Db(store.db.target)  # one connection: the one whose prepared statements are read
    try:
        reports = Reports(db)
        for day in range(1, 11):  # twice psycopg's threshold; mid-month: the days are read
            trend = reports.monthly_flows(tree.province, as_of=date(2025, 2, day), months=2)
            assert trend[-1]["joins"] == (4 if day >= 3 else 0)
            for as_of in (date(2025, 2, day), None):
                transit = reports.in_transit(tree.province, as_of=as_of,
                                             overdue_before=date(2025, 2, 1))
                assert transit == {"out": {"n": 0, "overdue": 0}, "in": {"n": 0, "overdue": 0}}
        with db.read() as tx:
            prepared = [s for (s,) in tx.all("SELECT statement FROM pg_prepared_statements")]
        assert prepared, "nothing was prepared: the check would prove nothing"
        assert not [s for s in prepared if "membership_flow_days" in s
                    or "membership_periods" in s or "transfer_inbox" in s], prepared
    finally:
        db.close()
