"""Rebuild and consistency check: a rebuild from position 0 (in one process or split over two)
equals the live views; `union-ledger project --check` passes on a clean store and exits 1 on a
corrupted row; --status shows the lag."""

from __future__ import annotations

import random
from functools import partial
from typing import Any

import pytest
from typer.testing import CliRunner

from api.cli import app
from api.settings import Settings
from api.wiring import Runtime, build_runtime
from projections import ReadStore, Runner
from tests.builders import build_tree, join_request, person
from tests.integration.projections_support import read_side  # noqa: F401 - fixture

Side = tuple[ReadStore, Runner]


def _busy_ledger(runtime: Runtime) -> None:
    tree = build_tree(runtime.ledger)
    led = runtime.ledger
    rng = random.Random(4)
    led.join_many([join_request(person(rng), (tree.township, tree.village)[i % 2],
                                effective_on="2025-01-05") for i in range(30)])
    ids = [r["member_id"] for r in _all_members(runtime)]
    led.transfer_out(ids[0], destination_code=tree.township2, reason="换工作地", recorded_by="o",
                     effective_on="2025-03-01")
    led.transfer_out(ids[1], destination_code=tree.township2, reason="换工作地", recorded_by="o",
                     effective_on="2025-03-01")
    led.transfer_in(ids[1], union_code=tree.township2, recorded_by="o", effective_on="2025-03-02")
    led.withdraw(ids[2], recorded_by="o", effective_on="2025-04-01")
    led.reparent_union(tree.township, parent_code=tree.county2, recorded_by="o", reason="划转",
                       effective_on="2025-05-01")


def _all_members(runtime: Runtime) -> list[dict[str, Any]]:
    members = []
    for n in runtime.ledger.recorder.select_notifications(start=1, limit=10**6):
        if n.topic.endswith("Membership.Joined"):
            members.append({"member_id": str(n.originator_id)})
    return members


def _snapshot(store: ReadStore, runner: Runner) -> dict[str, list[tuple[Any, ...]]]:
    out = {}
    with store.db.read() as tx:
        for view in runner.views:
            for table in view.tables:
                out[table] = sorted(tx.all(f"SELECT * FROM @{table}"), key=repr)
    return out


def test_a_rebuild_from_position_zero_equals_the_live_views(
    runtime: Runtime, read_side: Side,  # noqa: F811
) -> None:
    store, runner = read_side
    _busy_ledger(runtime)
    runner.batch_size = 4  # many small batches live ...
    runner.catch_up()
    live = _snapshot(store, runner)
    assert len(live["member_directory"]) == 30 and live["union_edges"]

    seen: list[tuple[int, int]] = []
    runner.batch_size = 5000  # ... one big batch for the rebuild
    done = runner.rebuild(progress=lambda pos, top: seen.append((pos, top)))
    top = runtime.ledger.recorder.max_notification_id()
    assert done == top and seen[-1] == (top, top)
    assert _snapshot(store, runner) == live

    runner.rebuild(["membership_counts", "transfer_inbox"])
    assert _snapshot(store, runner) == live

    # members split over two processes (each on its own runtime): still the same rows
    runner.batch_size = 6
    done = runner.rebuild(workers=2, worker_runtime=partial(build_runtime, runtime.settings,
                                                            create_table=False))
    assert done == top and _snapshot(store, runner) == live
    assert store.position() == top
    with pytest.raises(ValueError, match="unknown view"):
        runner.rebuild(["no_such_view"])


@pytest.fixture
def cli(settings: Settings) -> Any:
    where = ["--data-dir", str(settings.data_dir)]
    env = {"COLUMNS": "200"}
    if settings.is_postgres:
        where = ["--database-url", settings.database_url or ""]
        env.update(UNION_LEDGER_SECRET_KEY=settings.secret_key or "",
                   UNION_LEDGER_MASTER_KEY=settings.master_key or "",
                   UNION_LEDGER_TOKEN_SECRET=settings.token_secret or "")
    runner = CliRunner()
    return lambda *args: runner.invoke(app, ["project", *args, *where], env=env)


def test_the_check_passes_on_a_clean_store_and_exits_1_on_a_corrupted_row(
    runtime: Runtime, read_side: Side, cli: Any,  # noqa: F811
) -> None:
    store, runner = read_side
    _busy_ledger(runtime)
    top = runtime.ledger.recorder.max_notification_id()

    status = cli("--status")
    assert status.exit_code == 0, status.output
    assert f"behind {top:,} events" in status.output  # nothing projected yet
    clean = cli("--check")
    assert clean.exit_code == 0, clean.output
    assert "live views equal a rebuild" in clean.output
    assert store.position() == top and "behind 0 events" in cli("--status").output

    with runner.db.tx() as tx:  # someone edits a counter by hand
        tx.run("UPDATE @membership_counts SET n = n + 1 WHERE scope='subtree'"
               " AND status='active' AND union_code IN"
               " (SELECT code FROM @unions WHERE parent_code IS NULL)")
    broken = cli("--check")
    assert broken.exit_code == 1, broken.output
    assert "membership_counts.membership_counts: 1 row(s) only in the live view" in broken.output

    rebuilt = cli("--rebuild", "membership_counts")
    assert rebuilt.exit_code == 0, rebuilt.output
    assert "events/s" in rebuilt.output
    assert cli("--check").exit_code == 0
    assert store.counts(_root(store))["subtree"]["total"] == 30
    assert cli("--rebuild", "nonsense").exit_code == 2


def _root(store: ReadStore) -> str:
    with store.db.read() as tx:
        row = tx.one("SELECT code FROM @unions WHERE parent_code IS NULL")
    assert row is not None
    return str(row[0])


def test_views_at_position_0_on_a_long_log_are_projected_in_bulk_before_catching_up(
    runtime: Runtime, read_side: Side, cli: Any, monkeypatch: pytest.MonkeyPatch,  # noqa: F811
) -> None:
    """After an upgrade drops a view (its version changed), `project` / `project --follow`
    rebuild it in bulk first: the other views, already at the end, are left alone."""
    import api.cli.project as project_cli

    store, runner = read_side
    _busy_ledger(runtime)
    top = runtime.ledger.recorder.max_notification_id()
    runner.catch_up()
    with runner.db.tx() as tx:  # as ensure_tables leaves a view whose version changed
        runner.view_names(["membership_flows"])[0].drop(tx)
        runner.view_names(["membership_flows"])[0].create(tx)
        tx.run("UPDATE @projection_tracking SET position=0 WHERE name='membership_flows'")
    rebuilt: list[list[str] | None] = []
    real = Runner.rebuild

    def spy(self: Runner, names: Any = None, *args: Any, **kwargs: Any) -> int:
        rebuilt.append(names)
        return real(self, names, *args, **kwargs)

    monkeypatch.setattr(Runner, "rebuild", spy)
    monkeypatch.setattr(project_cli, "BULK_FROM", top + 1)  # a short log: event by event
    assert cli().exit_code == 0 and rebuilt == []
    with runner.db.tx() as tx:
        tx.run("UPDATE @projection_tracking SET position=0 WHERE name='membership_flows'")
        tx.run("DELETE FROM @membership_flows")
    monkeypatch.setattr(project_cli, "BULK_FROM", top)  # long enough: in bulk
    done = cli()
    assert done.exit_code == 0, done.output
    assert "bulk first" in done.output and rebuilt == [["membership_flows"]]
    assert set(store.positions().values()) == {top}
    assert cli("--check").exit_code == 0
