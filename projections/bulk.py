"""Bulk rebuild from position 0: fold every event in memory into each view's final rows, then
write them (projections.bulk_load: COPY on PostgreSQL, into staging tables loaded side by side)
and put them in place with the tracking positions in ONE transaction.

A crash before that commit leaves the old views and positions untouched; the live incremental
path (Runner.catch_up) then continues from the position the rebuild reached.
"""

from __future__ import annotations

import gc
import logging
import sys
import threading
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING, Any, Protocol
from uuid import UUID

from projections import bulk_load
from projections.base import MEMBERSHIP, Item, View, kind_of
from projections.bulk_counters import CampaignFold, FlowsFold, InboxFold
from projections.bulk_load import Part
from projections.bulk_members import MembersFold
from projections.bulk_open import Opener
from projections.bulk_read import Decoder, pages
from projections.bulk_side import SIDE, RemoteFold, Side
from projections.bulk_tree import TreeFold
from projections.db import Tx

if TYPE_CHECKING:
    from projections.runner import Progress, Runner

log = logging.getLogger(__name__)
PAGE = 20_000  # notifications per read: big pages, few round trips


class Fold(Protocol):
    def fold(self, items: list[Item]) -> None: ...

    def parts(self) -> list[Part]: ...


class ReplayFold:
    """Views with few events (the union tree, online applications): keep the events and run the
    view's own incremental `apply` once, inside the load transaction."""

    def __init__(self, view: View) -> None:
        self.view = view
        self.items: list[Item] = []

    def fold(self, items: list[Item]) -> None:
        self.items += items

    def parts(self) -> list[Part]:
        # its own statements need the keys; each event is a few round trips
        return [Part((self.view,), self.load, copied=False, size=4 * len(self.items))]

    def load(self, tx: Tx) -> None:
        self.view.apply(tx, self.items)
        self.items = []


FOLDS: dict[str, Any] = {"transfer_inbox": InboxFold,
                         "campaign_progress": CampaignFold, "union_tree": TreeFold}
MEMBERS = frozenset({"member_directory", "membership_periods", "membership_counts"})


def folds_for(views: Sequence[View], opener: Opener | None = None
              ) -> list[tuple[frozenset[str], Fold]]:
    """Each fold with the event kinds it reads; the per-member views share one fold."""
    members = [v for v in views if v.name in MEMBERS]
    out: list[tuple[frozenset[str], Fold]] = []
    if members:
        fold = MembersFold(members, opener)
        out.append((fold.kinds, fold))
    side = [v for v in views if opener is not None and v.name in opener.side]
    if side:
        assert opener is not None
        remote = RemoteFold(opener, side)
        out.append((remote.kinds, remote))
    for v in views:
        if v in side:
            continue
        if v.name == "membership_flows":
            out.append((v.kinds, FlowsFold(v)))  # type: ignore[arg-type]
        elif v.name not in MEMBERS:
            cls = FOLDS.get(v.name, ReplayFold)
            out.append((v.kinds, cls(v)))
    return out


def bulk_rebuild(runner: Runner, views: Sequence[View], *, stop: int | None = None,
                 progress: Progress | None = None, page: int = PAGE,
                 helper: Callable[[], Any] | None = None) -> int:
    """Re-projects `views` from position 0 up to `stop` (default: the log's end now), replacing
    their tables and tracking in one transaction; returns the notifications read.

    `helper` (a picklable factory of the runtime) lets a second process open the directory's
    sealed details meanwhile (projections.bulk_open) and, on PostgreSQL, fold and load the
    side views (projections.bulk_side)."""
    top = stop if stop is not None else (runner.ledger.recorder.max_notification_id() or 0)
    opener = None
    if helper is not None and any(v.name == "member_directory" for v in views):
        side = [v.name for v in views if v.name in SIDE] if runner.db.dialect == "postgres" \
            else []
        opener = Opener(helper, side)
    folds = [folds_for(views, opener)]
    collecting = gc.isenabled()
    # Every event and state built here stays alive until the load and none forms a cycle:
    # the cyclic collector would only re-scan them, ever more often as they pile up (it cost
    # ~40% of reading and folding). Whatever cyclic garbage there is waits until the end.
    gc.disable()
    try:
        return _rebuild(runner, views, top, folds[0], page, progress)
    finally:
        # Then out of its sight: everything made meanwhile is in its youngest generation,
        # which its next collection would walk in full (~2 s at a million members); freed by
        # reference counts below, then unfrozen. Not if something else is frozen already (a
        # server's start-up, say): unfreezing would thaw that too.
        froze = collecting and gc.get_freeze_count() == 0
        if froze:
            gc.freeze()
        if collecting:
            gc.enable()
        if opener is not None:
            opener.close()
        # every folded state and event (~1 s to free at a million members): freed by a thread
        # of its own, the views already in place
        threading.Thread(target=_free, args=(folds, froze), name="rebuild-free",
                         daemon=True).start()


def _free(folds: list[Any], thaw: bool, chunk: int = 5000) -> None:
    """Empties the folds' maps and lists a chunk at a time: one call freeing them whole would
    hold the interpreter's lock for its whole length (it is released between calls). Only what
    the fold alone refers to (the fold's attribute, this loop, getrefcount's argument)."""
    for _, f in folds.pop():
        for v in vars(f).values():
            if sys.getrefcount(v) > 3:
                continue  # shared with something else: left as it is
            if isinstance(v, dict):
                while v:
                    for _ in range(min(chunk, len(v))):
                        v.popitem()
            elif isinstance(v, list):
                while v:
                    del v[-chunk:]
    if thaw:
        gc.unfreeze()  # what is left of what bulk_rebuild froze: the collector's again


def _rebuild(runner: Runner, views: Sequence[View], top: int,
             folds: list[tuple[frozenset[str], Fold]], page: int,
             progress: Progress | None) -> int:
    started = time.perf_counter()
    gt, done, stamp = _read(runner, views, folds, top, page, progress)
    log.info("read and folded %d notifications in %.2f s", done, time.perf_counter() - started)
    remote = next((Side(f, partial(_reread, runner, f.views, gt, page)) for _, f in folds
                   if isinstance(f, RemoteFold)), None)
    started = time.perf_counter()
    _load(runner, views, folds, gt, stamp, remote)
    log.info("loaded in %.2f s", time.perf_counter() - started)
    return done


def _read(runner: Runner, views: Sequence[View], folds: list[tuple[frozenset[str], Fold]],
          top: int, page: int, progress: Progress | None) -> tuple[int, int, datetime | None]:
    """Reads, decodes and folds every page (projections.bulk_read); each notification goes
    once to the folds that read its kind, in log order."""
    kinds = frozenset().union(*(v.kinds for v in views))
    # On PostgreSQL the ids are fetched as text only, and a membership event keeps its id as
    # text (every fold reads the member id as text): the driver's UUID objects cost ~1 µs each,
    # ~1.2 s at a million members. Other events (unions, employers, applications) get their
    # UUIDs; elsewhere the recorder gives every id as a UUID.
    decoder = Decoder(runner.ledger.mapper, text_ids=True)
    event = decoder.event
    # per topic: its kind, the folds reading it (indexes into this page's lists), and whether
    # its events keep the id as text
    routes: dict[str, tuple[str, tuple[int, ...], bool]] = {}
    gt = done = 0
    stamp: datetime | None = None
    last: Item | None = None
    for rows in pages(runner.ledger.recorder, kinds, top, page, uuids=False):
        gt, done = rows[-1][0], done + len(rows)
        batches: list[list[Item]] = [[] for _ in folds]
        for position, originator_id, version, topic, state, member_id in rows:
            if state is None:
                continue  # a kind no view reads (its state was not even fetched)
            route = routes.get(topic)
            if route is None:
                kind = kind_of(topic)
                route = routes[topic] = (kind, tuple(
                    j for j, (wanted, _) in enumerate(folds) if kind in wanted),
                    kind.startswith(MEMBERSHIP))
            if originator_id is None:  # (PostgreSQL: only the text was fetched)
                originator_id = member_id if route[2] else UUID(member_id)
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


def _reread(runner: Runner, views: Sequence[View], gt: int, page: int,
            folds: list[tuple[frozenset[str], Fold]]) -> None:
    """`views`' folds over the log again, up to `gt` (a helper that failed: bulk_side)."""
    _read(runner, views, folds, gt, page, None)


def _load(runner: Runner, views: Sequence[View], folds: list[tuple[frozenset[str], Fold]],
          gt: int, stamp: datetime | None, remote: Side | None = None) -> None:
    """Replaces the views' tables and their tracking positions at once (projections.bulk_load):
    the per-member fold's parts first, the largest, while the others fill the gaps."""
    db = runner.db
    names = [v.name for v in runner.views if v in views]  # the runner's order: see _lock_all

    def start(tx: Tx) -> None:  # a live runner mid-batch holds these first, then the tables
        runner._lock_all(tx, names)

    def finish(tx: Tx) -> None:
        now = db.ts(datetime.now(UTC))
        tx.many("UPDATE @projection_tracking SET position=?, last_event_at=?, updated_at=?"
                " WHERE name=?", [(gt, stamp and db.ts(stamp), now, v.name) for v in views])

    bulk_load.load(db, views, [p for _, f in folds for p in f.parts()], finish, start, remote)
