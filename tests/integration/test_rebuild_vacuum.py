"""After a bulk rebuild on PostgreSQL the fresh tables are vacuumed: their visibility map is set,
so the as-of counts can use index-only scans at once (not after autovacuum gets round to it)."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import psycopg
import pytest

from api.wiring import Runtime, build_runtime
from projections import open_read_side
from tests.builders import build_tree, join_request, person
from tests.conftest import create_pg_database, drop_pg_database, pg_settings

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_runtime(tmp_path: Path) -> Iterator[Runtime]:
    name = create_pg_database()
    rt = build_runtime(pg_settings(name, data_dir=tmp_path / "data"),
                       today=lambda: date(2026, 11, 28))
    try:
        yield rt
    finally:
        rt.close()
        drop_pg_database(name)


def test_a_bulk_rebuild_leaves_the_periods_table_all_visible_for_index_only_scans(
        pg_runtime: Runtime) -> None:
    led = pg_runtime.ledger
    tree = build_tree(led)
    led.join_many([join_request(person(random.Random(i)), tree.village,
                                effective_on="2026-01-05") for i in range(40)])
    store, runner = open_read_side(pg_runtime, start_runner=False)
    runner.rebuild()
    # the tables written by COPY FREEZE
    tables = ["membership_periods", "member_directory", "membership_flows",
              "membership_flow_days", "unions"]
    with psycopg.connect(pg_runtime.settings.postgres_conninfo()) as conn:
        got = {t: (pages, visible) for t, pages, visible in conn.execute(
            "SELECT relname::text, relpages, relallvisible FROM pg_class"
            " WHERE relname = ANY(%s) AND relkind = 'r'", (tables,))}
    assert sorted(got) == sorted(tables)
    assert all(pages > 0 and visible == pages for pages, visible in got.values()), got
    assert store.counts(tree.village, as_of=date(2026, 6, 1))["self"]["total"] == 40
    store.close()


def test_identifier_columns_compare_byte_by_byte_and_names_keep_the_database_collation(
        pg_runtime: Runtime) -> None:
    """Key columns are declared CODE (projections.db): "C" collation on PostgreSQL, both when a
    runner creates the tables and after a bulk rebuild swaps its staged tables in."""
    store, runner = open_read_side(pg_runtime, start_runner=False)
    wanted = {("member_directory", "member_id"): "C", ("member_directory", "union_code"): "C",
              ("union_ancestors", "descendant"): "C", ("membership_flows", "period"): "C",
              ("membership_flow_days", "period"): "C",
              ("unions", "name"): None, ("member_directory", "masked_name"): None}
    try:
        for _ in range(2):
            with psycopg.connect(pg_runtime.settings.postgres_conninfo()) as conn:
                got = {(t, c): coll for t, c, coll in conn.execute(
                    "SELECT table_name, column_name, collation_name FROM"
                    " information_schema.columns WHERE table_schema = current_schema()")}
            assert {k: got[k] for k in wanted} == wanted
            runner.rebuild()
    finally:
        store.close()
