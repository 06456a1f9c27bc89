"""The bulk rebuild's side views (projections.bulk_side) when the helper process that folds
and loads them fails: they are folded and loaded in process instead, and the views equal the
live projection. PostgreSQL only: only its staged load has the helper load views."""

from __future__ import annotations

from functools import partial
from typing import Any

import pytest

from api.settings import Settings
from api.wiring import Runtime, build_runtime
from tests.integration.projections_support import read_side  # noqa: F401 - fixture
from tests.integration.test_projections_bulk import Side, _live, _snapshot

pytestmark = pytest.mark.postgres


@pytest.fixture
def settings(pg_only_settings: Settings) -> Settings:
    return pg_only_settings


def _runtime_whose_side_load_fails(settings: Any) -> Runtime:
    """The helper's runtime factory (run in the helper process): its side views' load fails."""
    from projections import bulk_side
    from projections.db import Db

    def fail(self: Any, stage: str) -> list[str]:
        # half done: a table of one side view already in the staging schema, and wrong
        half = Db(self.db.target, stage)
        try:
            with half.tx() as tx:
                tx.run("CREATE TABLE @membership_flows (junk INTEGER)")
                tx.run("INSERT INTO @membership_flows VALUES (1)")
        finally:
            half.close()
        raise OSError("no space left on device")

    bulk_side.SideFolds.load = fail  # type: ignore[method-assign]
    return build_runtime(settings, create_table=False)


def test_a_helper_that_fails_to_load_the_side_views_is_replaced_in_process(
    runtime: Runtime, read_side: Side, caplog: pytest.LogCaptureFixture,  # noqa: F811
) -> None:
    store, runner = read_side
    _live(runtime, runner)
    live = _snapshot(store, runner)
    caplog.set_level("INFO", logger="projections")
    runner.rebuild(worker_runtime=partial(_runtime_whose_side_load_fails, runtime.settings))
    assert _snapshot(store, runner) == live
    assert [r.message for r in caplog.records if r.name == "projections.bulk_side"] == [
        "the helper did not load membership_flows, campaign_progress (OSError: no space left on"
        " device): folding them here"]


def _runtime_that_cannot_start(settings: Any) -> Runtime:
    raise OSError("cannot connect")


def test_a_helper_that_cannot_start_is_done_without(
    runtime: Runtime, read_side: Side, monkeypatch: pytest.MonkeyPatch,  # noqa: F811
) -> None:
    """Its two jobs done in process: every member opened here, the side views folded from a
    second read; nothing queued for it once it has ended."""
    from projections.bulk_open import Opener

    store, runner = read_side
    _live(runtime, runner)
    live = _snapshot(store, runner)
    puts: list[tuple[str, bool]] = []  # (message, the helper alive when it was queued)
    started = Opener.__init__

    def spied(self: Opener, *args: Any, **kwargs: Any) -> None:
        started(self, *args, **kwargs)
        put = self._in.put
        self.proc.join(30)  # it ends at once: before anything is sent
        self._in.put = lambda m: (puts.append((m[0], self.proc.is_alive())), put(m))[1]

    monkeypatch.setattr(Opener, "__init__", spied)
    runner.rebuild(worker_runtime=partial(_runtime_that_cannot_start, runtime.settings))
    assert _snapshot(store, runner) == live
    assert puts == [("end", False)]  # only the end: no page of tokens or packed events


def test_the_rebuild_writes_the_daily_flows_in_their_keys_order(
    runtime: Runtime, read_side: Side,  # noqa: F811
) -> None:
    """The helper copies membership_flow_days in its primary key's order (day, kind, union:
    campaign kinds in Chinese included), so the server builds that key from presorted rows."""
    store, runner = read_side
    _live(runtime, runner)
    live = _snapshot(store, runner)
    runner.rebuild(worker_runtime=partial(build_runtime, runtime.settings, create_table=False))
    assert _snapshot(store, runner) == live
    with store.db.read() as tx:
        written = tx.all("SELECT period, kind, union_code FROM @membership_flow_days"
                         " ORDER BY ctid")
        keyed = tx.all("SELECT period, kind, union_code FROM @membership_flow_days"
                       " ORDER BY period, kind, union_code")
    assert len(written) > 100 and any(not k.isascii() for _, k, _ in written)
    assert written == keyed
