"""Bulk rebuild from position 0: fold every event in memory into each view's final rows, then
write them (COPY on PostgreSQL) with the tracking positions in ONE transaction.

A crash before the commit leaves the old views and positions untouched; the live incremental
path (Runner.catch_up) then continues from the position the rebuild reached.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

from projections.base import Item, View, kind_of
from projections.bulk_counters import CountsFold, FlowsFold, InboxFold
from projections.bulk_members import DirectoryFold, PeriodsFold
from projections.db import Tx

if TYPE_CHECKING:
    from projections.runner import Progress, Runner

PAGE = 20_000  # notifications per read: big pages, few round trips


class Fold(Protocol):
    def fold(self, items: list[Item]) -> None: ...

    def load(self, tx: Tx) -> None: ...


class ReplayFold:
    """Views with few events (the union tree, online applications): keep the events and run the
    view's own incremental `apply` once, inside the load transaction."""

    def __init__(self, view: View) -> None:
        self.view = view
        self.items: list[Item] = []

    def fold(self, items: list[Item]) -> None:
        self.items += items

    def load(self, tx: Tx) -> None:
        self.view.apply(tx, self.items)
        self.items = []


FOLDS: dict[str, Any] = {
    "member_directory": DirectoryFold, "membership_periods": PeriodsFold,
    "membership_counts": CountsFold, "membership_flows": FlowsFold,
    "transfer_inbox": InboxFold,
}


def fold_for(view: View) -> Fold:
    cls = FOLDS.get(view.name)
    return ReplayFold(view) if cls is None else cls(view)


def bulk_rebuild(runner: Runner, views: Sequence[View], *, stop: int | None = None,
                 progress: Progress | None = None, page: int = PAGE) -> int:
    """Re-projects `views` from position 0 up to `stop` (default: the log's end now), replacing
    their tables and tracking in one transaction; returns the notifications read."""
    ledger, db = runner.ledger, runner.db
    top = stop if stop is not None else (ledger.recorder.max_notification_id() or 0)
    folds = [(v, fold_for(v)) for v in views]
    kinds = frozenset().union(*(v.kinds for v in views))
    to_event = ledger.mapper.to_domain_event
    gt = done = 0
    stamp: datetime | None = None
    while gt < top:
        batch = ledger.recorder.select_notifications(start=gt + 1, limit=page, stop=top)
        if not batch:
            break
        items = [Item(n.id, k, to_event(n)) for n in batch if (k := kind_of(n.topic)) in kinds]
        for v, f in folds:
            f.fold([i for i in items if i.kind in v.kinds])
        if items:
            stamp = items[-1].event.timestamp
        gt, done = batch[-1].id, done + len(batch)
        if progress:
            progress(gt, max(top, gt))
    with db.tx() as tx:
        if db.dialect == "postgres":  # not while another process creates the tables
            tx.run("SELECT pg_advisory_xact_lock(8111)")
        for v, _ in folds:
            v.drop(tx)
            v.create(tx)
        for _, f in folds:
            f.load(tx)
        for v, _ in folds:  # after the load: building an index once beats updating it per row
            v.create_indexes(tx)
        now = db.ts(datetime.now(UTC))
        tx.many("UPDATE @projection_tracking SET position=?, last_event_at=?, updated_at=?"
                " WHERE name=?", [(gt, stamp and db.ts(stamp), now, v.name) for v in views])
        if db.dialect == "postgres":  # fresh tables: give the planner real row counts at once
            for v in views:
                for t in v.tables:
                    tx.run(f"ANALYZE {db.table(t)}")
    return done
