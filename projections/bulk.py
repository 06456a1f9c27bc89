"""Bulk rebuild from position 0: fold every event in memory into each view's final rows, then
write them (COPY on PostgreSQL) with the tracking positions in ONE transaction.

A crash before the commit leaves the old views and positions untouched; the live incremental
path (Runner.catch_up) then continues from the position the rebuild reached.
"""

from __future__ import annotations

import gc
from collections import defaultdict
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

import psycopg

from projections.base import Item, View, kind_of
from projections.bulk_counters import FlowsFold, InboxFold
from projections.bulk_members import MembersFold, copy_rows
from projections.bulk_open import Opener
from projections.bulk_read import Decoder, pages
from projections.campaign_progress import CampaignProgress
from projections.campaign_progress import Delta as CampaignDelta
from projections.campaign_progress import fold as fold_campaigns
from projections.db import APP_NAME, Db, Tx

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


class CampaignFold:
    """campaign_progress: its own counting over every page, one write at load time."""

    def __init__(self, view: CampaignProgress) -> None:
        self.view = view
        self.delta: CampaignDelta = defaultdict(int)

    def fold(self, items: list[Item]) -> None:
        fold_campaigns(self.delta, items)

    def load(self, tx: Tx) -> None:
        # a fresh table and one row per key: copied, not upserted
        copy_rows(tx, "campaign_progress", ("campaign_id", "union_code", "worker_group", "n"),
                  [(*k, n) for k, n in sorted(self.delta.items()) if n])
        self.delta = defaultdict(int)


FOLDS: dict[str, Any] = {"membership_flows": FlowsFold, "transfer_inbox": InboxFold,
                         "campaign_progress": CampaignFold}
MEMBERS = frozenset({"member_directory", "membership_periods", "membership_counts"})


def folds_for(views: Sequence[View], opener: Opener | None = None
              ) -> list[tuple[frozenset[str], Fold]]:
    """Each fold with the event kinds it reads; the per-member views share one fold."""
    members = [v for v in views if v.name in MEMBERS]
    out: list[tuple[frozenset[str], Fold]] = []
    if members:
        fold = MembersFold(members, opener)
        out.append((fold.kinds, fold))
    for v in views:
        if v.name not in MEMBERS:
            cls = FOLDS.get(v.name, ReplayFold)
            out.append((v.kinds, cls(v)))
    return out


def bulk_rebuild(runner: Runner, views: Sequence[View], *, stop: int | None = None,
                 progress: Progress | None = None, page: int = PAGE,
                 helper: Callable[[], Any] | None = None) -> int:
    """Re-projects `views` from position 0 up to `stop` (default: the log's end now), replacing
    their tables and tracking in one transaction; returns the notifications read.

    `helper` (a picklable factory of the runtime) lets a second process open the directory's
    sealed details meanwhile (projections.bulk_open)."""
    top = stop if stop is not None else (runner.ledger.recorder.max_notification_id() or 0)
    opener = None
    if helper is not None and any(v.name == "member_directory" for v in views):
        opener = Opener(helper)
    try:
        return _rebuild(runner, views, top, folds_for(views, opener), page, progress)
    finally:
        if opener is not None:
            opener.close()


def _rebuild(runner: Runner, views: Sequence[View], top: int,
             folds: list[tuple[frozenset[str], Fold]], page: int,
             progress: Progress | None) -> int:
    collecting = gc.isenabled()
    # Every event and state built here stays alive until the load and none forms a cycle:
    # the cyclic collector would only re-scan them, ever more often as they pile up (it cost
    # ~40% of reading and folding). Whatever cyclic garbage there is waits until the end.
    gc.disable()
    try:
        gt, done, stamp = _read(runner, views, folds, top, page, progress)
        frozen = _load(runner.db, views, folds, gt, stamp)
    finally:
        if collecting:
            gc.enable()
    _vacuum(runner.db, views, frozen)
    return done


def _vacuum(db: Db, views: Sequence[View], frozen: set[str]) -> None:
    """Fresh tables have no visibility map until VACUUM: index-only scans (the periods' as-of
    index) then read the heap as well (1M members: provincial as-of counts 18 -> 318 ms).

    Tables loaded by COPY FREEZE are all-visible already and have no dead tuples: they only
    need their statistics (ANALYZE); the others are vacuumed. Two connections share the work,
    largest tables first (ANALYZE of the directory alone is ~0.3 s at 100k members)."""
    if db.dialect != "postgres":
        return
    tables = [db.table(t) for v in views for t in v.tables]
    with db._lock:  # VACUUM runs outside a transaction: the connection is autocommit
        conn = db.conn
        # the load committed asynchronously (synchronous_commit off); VACUUM marks a page
        # all-visible only once that commit is flushed: one synchronous commit flushes it
        conn.execute("SET synchronous_commit = on")
        try:
            conn.execute("SELECT txid_current()")
            sizes = dict(conn.execute(
                "SELECT t, pg_relation_size(t::regclass) FROM unnest(%s::text[]) AS t",
                (tables,)).fetchall())
            todo = [
                # INDEX_CLEANUP ON: never skip the pass that lets pages with dead line
                # pointers from the load become all-visible
                f"ANALYZE {t}" if t in frozen else f"VACUUM (ANALYZE, INDEX_CLEANUP ON) {t}"
                for t in sorted(tables, key=lambda t: -int(sizes.get(t) or 0))]
            with ThreadPoolExecutor(1, thread_name_prefix="rebuild-vacuum") as pool:
                other = pool.submit(_drain, db, todo, None)
                _drain(db, todo, conn)
                other.result()
        finally:
            conn.execute("SET synchronous_commit = off")


def _drain(db: Db, todo: list[str], conn: Any) -> None:
    """Runs statements popped from `todo` until none is left (on its own connection)."""
    own = conn is None
    if own:
        conn = psycopg.connect(str(db.target.pg_conninfo), autocommit=True,
                               application_name=APP_NAME)
    try:
        while True:
            try:
                statement = todo.pop(0)
            except IndexError:
                return
            conn.execute(statement)
    finally:
        if own:
            conn.close()


def _read(runner: Runner, views: Sequence[View], folds: list[tuple[frozenset[str], Fold]],
          top: int, page: int, progress: Progress | None) -> tuple[int, int, datetime | None]:
    """Reads, decodes and folds every page (projections.bulk_read); each notification goes
    once to the folds that read its kind, in log order."""
    kinds = frozenset().union(*(v.kinds for v in views))
    decoder = Decoder(runner.ledger.mapper)
    event = decoder.event
    # per topic: its kind and the folds reading it (indexes into this page's lists)
    routes: dict[str, tuple[str, tuple[int, ...]]] = {}
    gt = done = 0
    stamp: datetime | None = None
    last: Item | None = None
    for rows in pages(runner.ledger.recorder, kinds, top, page):
        gt, done = rows[-1][0], done + len(rows)
        batches: list[list[Item]] = [[] for _ in folds]
        for position, originator_id, version, topic, state, member_id in rows:
            if state is None:
                continue  # a kind no view reads (its state was not even fetched)
            route = routes.get(topic)
            if route is None:
                kind = kind_of(topic)
                route = routes[topic] = (kind, tuple(
                    j for j, (wanted, _) in enumerate(folds) if kind in wanted))
            last = Item(position, route[0], event(topic, state, originator_id, version),
                        member_id)
            for j in route[1]:
                batches[j].append(last)
        for (_, f), batch in zip(folds, batches, strict=True):
            if batch:
                f.fold(batch)
        if last is not None:
            stamp = last.event.timestamp
        if progress:
            progress(gt, max(top, gt))
    return gt, done, stamp


#: views whose folds only COPY (or INSERT ... SELECT) into their fresh tables: no statement of
#: the load needs their primary keys (ON CONFLICT does: the replayed views keep theirs)
COPIED = MEMBERS | {"membership_flows", "transfer_inbox", "campaign_progress"}


def _drop_primary_keys(tx: Tx, views: Sequence[View]) -> list[tuple[str, str, str]]:
    """PostgreSQL: the fresh tables' primary keys, dropped for the load and returned as
    (table, constraint, definition) to be added back after it: the index is then built once,
    by sorting, instead of row by row (100k members: load 1.9 -> 1.6 s). The constraint is
    the same; a duplicate row would fail the ALTER, and with it the whole rebuild."""
    if tx.db.dialect != "postgres":
        return []
    keys: list[tuple[str, str, str]] = []
    for v in views:
        for table in v.tables:
            row = tx.one("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
                         " WHERE conrelid = CAST(? AS regclass) AND contype = 'p'",
                         (tx.db.table(table),))
            if row is not None:
                tx.run(f"ALTER TABLE {tx.db.table(table)} DROP CONSTRAINT {row[0]}")
                keys.append((table, str(row[0]), str(row[1])))
    return keys


def _load(db: Db, views: Sequence[View], folds: list[tuple[frozenset[str], Fold]], gt: int,
          stamp: datetime | None) -> set[str]:
    """Replaces the views' tables and tracking in one transaction; returns the tables loaded
    by COPY FREEZE."""
    with db.tx() as tx:
        if db.dialect == "postgres":  # not while another process creates the tables
            tx.run("SELECT pg_advisory_xact_lock(8111)")
            # the index builds after the load sort whole tables: in memory, not on disk
            # (the default 64MB spills at ~1M members); this transaction only
            tx.run("SET LOCAL maintenance_work_mem = '256MB'")
        for v in views:
            v.drop(tx)
            v.create(tx)
        keys = _drop_primary_keys(tx, [v for v in views if v.name in COPIED])
        for _, f in reversed(folds):  # the per-member fold (first) last: see MembersFold.load
            f.load(tx)
        for table, name, definition in keys:  # built once by sorting, not row by row
            tx.run(f"ALTER TABLE {tx.db.table(table)} ADD CONSTRAINT {name} {definition}")
        for v in views:  # after the load: building an index once beats updating it per row
            v.create_indexes(tx)
        now = db.ts(datetime.now(UTC))
        tx.many("UPDATE @projection_tracking SET position=?, last_event_at=?, updated_at=?"
                " WHERE name=?", [(gt, stamp and db.ts(stamp), now, v.name) for v in views])
        return tx.frozen
