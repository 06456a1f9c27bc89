"""Partitioned rebuild: the members are split over worker processes, each on its own runtime,
so a rebuild uses every core; each worker sees its members' events and every union/employer
event, and the union tree is built by worker 0 alone.

While it runs, the rebuilt views' tracking is -1: live runners skip them and readers see the
read side as behind. The positions are set only when every worker has finished, in one
transaction; after a failed worker they stay -1 and the next rebuild starts over.
"""

from __future__ import annotations

import multiprocessing
import queue
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from projections.base import MEMBERSHIP, Item, kind_of
from projections.bulk_read import Earlier
from projections.db import Db
from projections.views import make_views, target_of

if TYPE_CHECKING:
    from projections.runner import Progress, Runner

REBUILDING = -1


def rebuild_partitioned(runner: Runner, names: Sequence[str] | None,
                        factory: Callable[[], Any], workers: int,
                        progress: Progress | None) -> int:
    views = runner.view_names(names)
    wanted = [v.name for v in views]
    with runner._lock:
        stop = runner.ledger.recorder.max_notification_id() or 0
        with runner.db.tx() as tx:
            runner._lock_all(tx, [v.name for v in runner.views if v in views])  # rows first
            for v in views:
                v.drop(tx)
                v.create(tx)
                tx.run("UPDATE @projection_tracking SET position=?, last_event_at=NULL"
                       " WHERE name=?", (REBUILDING, v.name))
        for v in views:
            runner._cached.pop(v.name, None)
            runner._publish(v.name, REBUILDING)
        ctx = multiprocessing.get_context("spawn")  # fresh processes: no inherited connections
        reports: Any = ctx.Queue()
        procs = [ctx.Process(target=_work, name=f"rebuild-{part}", daemon=True,
                             args=(factory, wanted, part, workers, stop, runner.batch_size,
                                   reports)) for part in range(workers)]
        for p in procs:
            p.start()
        reached, counted = [0] * workers, [0] * workers
        while any(p.is_alive() for p in procs) or not reports.empty():
            try:
                part, position, n = reports.get(timeout=0.2)
            except queue.Empty:
                continue
            reached[part], counted[part] = position, n
            if progress:
                progress(min(reached), stop)
        for p in procs:
            p.join()
        failed = [p.name for p in procs if p.exitcode != 0]
        if failed:
            raise RuntimeError(f"rebuild worker(s) failed: {', '.join(failed)}; the views stay"
                               " marked as rebuilding (-1): run the rebuild again")
        with runner.db.tx() as tx:
            runner._lock_all(tx, [v.name for v in runner.views if v in views])
            for v in views:
                v.create_indexes(tx)
                tx.run("UPDATE @projection_tracking SET position=? WHERE name=?",
                       (stop, v.name))
        for v in views:
            runner._publish(v.name, stop)
    return counted[0] + runner.catch_up(names=wanted)  # and whatever arrived meanwhile


def _work(factory: Callable[[], Any], names: list[str], part: int, parts: int, stop: int,
          batch_size: int, reports: Any) -> None:
    rt = factory()
    db = Db(target_of(rt.settings))
    try:
        views = [v for v in make_views(db, rt.vault, rt.identity)
                 if v.name in names and (v.partitioned or part == 0)]
        history = Earlier(rt.ledger)
        for v in views:
            v.partition(part, parts)
            v.history = history
        shift = part * len(views) // parts  # partitions start on different views: less waiting
        views = views[shift:] + views[:shift]
        kinds = frozenset().union(*(v.kinds for v in views))
        to_event = rt.ledger.mapper.to_domain_event
        gt = n = 0
        while gt < stop:
            batch = rt.ledger.recorder.select_notifications(start=gt + 1, limit=batch_size,
                                                            stop=stop)
            if not batch:
                break
            # another partition's members are skipped before decoding: decoding is the cost
            items = [Item(x.id, k, to_event(x)) for x in batch
                     if (k := kind_of(x.topic)) in kinds
                     and (not k.startswith(MEMBERSHIP) or x.originator_id.int % parts == part)]
            for v in views:
                with db.tx() as tx:
                    if db.dialect == "postgres":
                        # Partitions add to the same counter rows: one writer per view at a
                        # time (no deadlock whatever order a view upserts in); the decoding
                        # and the other views still run in parallel. SQLite serialises anyway.
                        tx.run("SELECT pg_advisory_xact_lock(hashtext(?))", (v.name,))
                    v.apply(tx, [i for i in items if i.kind in v.kinds])
            gt, n = batch[-1].id, n + len(batch)
            reports.put((part, gt, n))
    finally:
        db.close()
        rt.close()
