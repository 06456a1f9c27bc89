"""The projection runner: polls the ledger's notification log in batches and applies each view.

Each view commits its rows and its tracking position in one transaction, so a crash anywhere
repeats nothing and skips nothing. A batch's views share that transaction (on PostgreSQL a big
batch is split over two, on two connections at once: `_apply_batch`); a view that fails stays
behind alone. Embedded mode runs it in a thread that can be poked.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

from projections.base import Item, View, kind_of
from projections.bulk_read import STOP_NONE, Decoder, Earlier, Row, lean_fetch
from projections.db import Db, Tx
from projections.gc_tuning import fewer_collections

log = logging.getLogger(__name__)
Progress = Callable[[int, int], None]  # (position reached, max position)
#: the fewest events for which a batch is split over two connections (`_apply_batch`)
PARALLEL_MIN = 100
TRACKING_DDL = """CREATE TABLE IF NOT EXISTS @projection_tracking (
    name TEXT PRIMARY KEY, position BIGINT NOT NULL, last_event_at TIMESTAMPTZ,
    updated_at TIMESTAMPTZ, view_version INTEGER NOT NULL DEFAULT 1)"""


def _add_version_column(tx: Tx) -> None:
    """Tracking tables made before views had versions (every view then was version 1)."""
    tx.run("SELECT * FROM @projection_tracking LIMIT 0")
    if "view_version" not in {d[0] for d in tx.cur.description}:
        tx.run("ALTER TABLE @projection_tracking ADD COLUMN view_version INTEGER NOT NULL"
               " DEFAULT 1")


class Runner:
    """Drives views from the ledger's notification log (exactly once, resumable)."""

    def __init__(self, ledger: Any, views: Sequence[View], db: Db, *, batch_size: int = 5000,
                 poll_interval: float = 1.0, throttle: float = 0.0) -> None:
        self.ledger = ledger
        self.views = list(views)
        self.db = db
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self.throttle = throttle  # seconds between batches: spare a busy primary
        self.kinds = frozenset().union(*(v.kinds for v in self.views))
        self._lock = threading.RLock()  # one catch-up at a time in this process
        self._cond = threading.Condition()
        self._positions: dict[str, int] = {}
        self._cached: dict[str, int] = {}  # the position each view's caches belong to
        self._poke = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._decoder: Decoder | None = None
        self._fetch: Callable[[int, int, int], list[Row]] | None = None
        self.history = Earlier(ledger)
        for v in self.views:
            v.history = self.history
        self._side: ThreadPoolExecutor | None = None  # applies the `View.side` views
        self._reader: ThreadPoolExecutor | None = None  # reads the next full batch ahead
        self.errors = 0
        self.reconnects = 0
        self.last_error: str | None = None

    # -- set-up ------------------------------------------------------------------------

    def ensure_tables(self) -> None:
        with self.db.tx() as tx:
            if self.db.dialect == "postgres":  # two processes starting at once must not race
                tx.run("SELECT pg_advisory_xact_lock(8111)")
            tx.run(TRACKING_DDL)
            _add_version_column(tx)
            known = dict(tx.all("SELECT name, view_version FROM @projection_tracking"))
            stale = [v.name for v in self.views if v.name in known and known[v.name] != v.version]
            if stale:  # tracking rows before tables: the order a runner mid-batch holds them
                self._lock_all(tx, stale)
            for v in self.views:
                if v.name in known and known[v.name] != v.version:
                    # the code reads these tables differently now: project them again
                    v.drop(tx)
                    tx.run("UPDATE @projection_tracking SET position=0, last_event_at=NULL,"
                           " view_version=? WHERE name=?", (v.version, v.name))
                    self._cached.pop(v.name, None)
                v.create(tx)
                v.create_indexes(tx)
                tx.run("INSERT INTO @projection_tracking (name, position, view_version)"
                       " VALUES (?, 0, ?) ON CONFLICT (name) DO NOTHING", (v.name, v.version))

    def view_names(self, names: Sequence[str] | None = None) -> list[View]:
        if not names:
            return self.views
        known = {v.name: v for v in self.views}
        unknown = [n for n in names if n not in known]
        if unknown:
            raise ValueError(f"unknown view(s): {', '.join(unknown)}; known: {', '.join(known)}")
        return [known[n] for n in names]

    def positions(self) -> dict[str, int]:
        with self.db.read() as tx:
            rows = dict(tx.all("SELECT name, position FROM @projection_tracking"))
        return {v.name: int(rows.get(v.name, 0)) for v in self.views}

    # -- processing --------------------------------------------------------------------

    def _decode(self, rows: Sequence[Row]) -> list[Item]:
        # the rebuild's decoder: the mapper's own event objects (upcast alike), ~3x faster
        if self._decoder is None:
            self._decoder = Decoder(self.ledger.mapper)
        event = self._decoder.event
        return [Item(position, kind_of(topic), event(topic, state, oid, version), member_id)
                for position, oid, version, topic, state, member_id in rows
                if state is not None]

    def catch_up(self, stop: int | None = None, names: Sequence[str] | None = None,
                 progress: Progress | None = None) -> int:
        """Processes every notification recorded so far (up to `stop`); returns how many."""
        done = 0
        with self._lock, fewer_collections():
            pos = self.positions()
            for name, p in pos.items():
                self._publish(name, p)
            # a negative position: a partitioned rebuild owns the view until it completes
            views = [v for v in self.view_names(names) if pos[v.name] >= 0]
            if not views:
                return 0
            top = (stop or self.ledger.recorder.max_notification_id() or 0) if progress else 0
            ahead: tuple[int, Future[tuple[Sequence[Any], list[Item]]]] | None = None
            try:
                while True:
                    gt = min(pos[v.name] for v in views)
                    if stop is not None and gt >= stop:
                        break
                    if ahead is not None and ahead[0] == gt + 1:
                        batch, items = ahead[1].result()
                    else:
                        self._settle(ahead)  # read from where a view now is instead
                        batch, items = self._read(gt + 1, stop)
                    ahead = None
                    if not batch:
                        break
                    last = batch[-1][0]
                    if len(batch) == self.batch_size and (stop is None or last < stop):
                        # a full batch: more is waiting; read and decode it meanwhile
                        if self._reader is None:
                            self._reader = ThreadPoolExecutor(
                                1, thread_name_prefix="projections-read")
                        ahead = (last + 1, self._reader.submit(self._read, last + 1, stop))
                    done += self._catch_up_batch(views, pos, batch, items, gt, last)
                    views = [v for v in views if pos[v.name] >= 0]  # a rebuild took one over
                    if not views:
                        break
                    if progress:
                        progress(last, max(top, last))
                    if len(batch) < self.batch_size:
                        break
                    if self.throttle:
                        time.sleep(self.throttle)
            finally:
                self._settle(ahead)
        return done

    def _read(self, start: int, stop: int | None) -> tuple[Sequence[Row], list[Item]]:
        """The next batch of notifications (as the rebuild reads them: on PostgreSQL binary
        tuples, and no state for kinds no view reads) and its decoded items."""
        if self._fetch is None:
            self._fetch = lean_fetch(self.ledger.recorder, self.kinds)
        batch = self._fetch(start, STOP_NONE if stop is None else stop, self.batch_size)
        return batch, self._decode(batch)

    @staticmethod
    def _settle(ahead: tuple[int, Future[Any]] | None) -> None:
        """Waits for a read ahead that will not be used (never two decodes at once)."""
        if ahead is not None:
            with contextlib.suppress(Exception):
                ahead[1].result()

    def _catch_up_batch(self, views: list[View], pos: dict[str, int], batch: Sequence[Any],
                        items: list[Item], gt: int, last: int) -> int:
        """Applies one batch read from position gt + 1 to the views behind its end."""
        stamp = items[-1].event.timestamp if items else None
        behind = [v for v in views if pos[v.name] < last]
        for name, p in self._apply_batch(behind, items, gt, last, stamp).items():
            pos[name] = p
            self._publish(name, p)
        return len(batch)

    def _apply_batch(self, views: list[View], items: list[Item], read_from: int, last: int,
                     stamp: datetime | None) -> dict[str, int]:
        """Applies a batch to the views → each view's position after it. On PostgreSQL a big
        enough batch is applied by two transactions at once, on two connections: the views of
        `View.side` on a helper thread, the others here (views share no tables; each group
        locks only its own tracking rows). One waits on the database while the other folds."""
        side = [v for v in views if v.side]
        if (self.db.dialect != "postgres" or len(items) < PARALLEL_MIN or not side
                or len(side) == len(views)):
            return self._apply_all(self.db, views, items, read_from, last, stamp)
        main = [v for v in views if not v.side]
        if self._side is None:
            self._side = ThreadPoolExecutor(1, thread_name_prefix="projections-side")
        helper = self._side.submit(self._apply_all, self.db.sibling(), side, items, read_from,
                                   last, stamp)
        try:
            out = self._apply_all(self.db, main, items, read_from, last, stamp)
        except BaseException:
            with contextlib.suppress(BaseException):
                for name, p in helper.result().items():
                    self._publish(name, p)
            raise
        try:
            out.update(helper.result())
        except BaseException:
            for name, p in out.items():  # this half committed
                self._publish(name, p)
            raise
        return out

    def _apply_all(self, db: Db, views: list[View], items: list[Item], read_from: int,
                   last: int, stamp: datetime | None) -> dict[str, int]:
        """Applies the batch to the views in one transaction on `db` (one commit and one
        tracking lock and update per batch, not per view) → each view's position after it.

        If a view fails, the error is raised after every other view has had the batch, each
        in its own transaction (`_apply`): only the failing view stays behind."""
        if len(views) < 2:
            return {v.name: self._apply(v, items, read_from, last, stamp, db) for v in views}
        out: dict[str, int] = {}
        applied: list[View] = []
        failing: View | None = None
        try:
            with db.tx() as tx:
                cur = self._lock_all(tx, [v.name for v in views])
                for v in views:
                    c = out[v.name] = cur[v.name]
                    if c < 0 or c >= last or c < read_from:
                        continue  # another writer moved it, or a rebuild reset it: re-read
                    if self._cached.get(v.name) != c:
                        v.reset()
                    failing = v
                    v.apply(tx, [i for i in items if i.position > c])
                    failing = None
                    applied.append(v)
                if applied:
                    now, at = db.ts(datetime.now(UTC)), stamp and db.ts(stamp)
                    tx.many("UPDATE @projection_tracking SET position=?,"
                            " last_event_at=COALESCE(?, last_event_at), updated_at=?"
                            " WHERE name=?", [(last, at, now, v.name) for v in applied])
        except BaseException as e:
            for v in views:
                v.reset()
                self._cached.pop(v.name, None)
            if failing is not None and isinstance(e, Exception):
                # the failing view's error is the news: the others still take the batch,
                # each on its own (a second failure among them is left for the next batch)
                for v in views:
                    if v is not failing:
                        with contextlib.suppress(Exception):
                            self._publish(v.name, self._apply(v, items, read_from, last,
                                                              stamp, db))
            raise
        for v in applied:
            self._cached[v.name] = out[v.name] = last
        return out

    def _lock_all(self, tx: Tx, names: list[str]) -> dict[str, int]:
        """The views' tracking positions, their rows locked in the views' order (the order
        every writer of several tracking rows uses)."""
        if self.db.dialect == "postgres":
            rows = tx.all("SELECT name, position FROM @projection_tracking"
                          " WHERE name = ANY(?::text[])"
                          " ORDER BY array_position(?::text[], name) FOR UPDATE", (names, names))
        else:
            rows = tx.all_in("SELECT name, position FROM @projection_tracking WHERE name {in}",
                             names)
        found = {str(n): int(p) for n, p in rows}
        for name in names:
            if name not in found:
                raise RuntimeError(f"projection {name} has no tracking row: run ensure_tables()")
        return found

    def _apply(self, view: View, items: list[Item], read_from: int, last: int,
               stamp: datetime | None, db: Db | None = None) -> int:
        db = db or self.db
        try:
            with db.tx() as tx:
                cur = self._lock_tracking(tx, view.name)
                if cur < 0 or cur >= last or cur < read_from:
                    return cur  # another writer moved it, or a rebuild reset it: re-read
                if self._cached.get(view.name) != cur:
                    view.reset()
                view.apply(tx, [i for i in items if i.position > cur])
                now = datetime.now(UTC)
                tx.run("UPDATE @projection_tracking SET position=?,"
                       " last_event_at=COALESCE(?, last_event_at), updated_at=? WHERE name=?",
                       (last, stamp and self.db.ts(stamp), self.db.ts(now), view.name))
        except BaseException:
            view.reset()
            self._cached.pop(view.name, None)
            raise
        self._cached[view.name] = last
        return last

    def _lock_tracking(self, tx: Tx, name: str) -> int:
        lock = " FOR UPDATE" if self.db.dialect == "postgres" else ""
        row = tx.one(f"SELECT position FROM @projection_tracking WHERE name=?{lock}", (name,))
        if row is None:
            raise RuntimeError(f"projection {name} has no tracking row: run ensure_tables()")
        return int(row[0])

    def _publish(self, name: str, position: int) -> None:
        with self._cond:
            self._positions[name] = position
            self._cond.notify_all()

    def wait(self, position: int, timeout: float) -> bool:
        """Blocks until this runner has committed `position` in every view (or timeout)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while min((self._positions.get(v.name, 0) for v in self.views), default=0) < position:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._cond.wait(remaining)
        return True

    # -- rebuild and check -------------------------------------------------------------

    def rebuild(self, names: Sequence[str] | None = None, progress: Progress | None = None,
                *, workers: int = 1, worker_runtime: Callable[[], Any] | None = None,
                bulk: bool = True) -> int:
        """Re-projects the named views (default all) from position 0: in memory, replacing tables
        and tracking in one transaction (projections.bulk; given a picklable `worker_runtime`, a
        helper process opens the directory's sealed details meanwhile), or event by event
        (bulk=False), or over `workers` processes (projections.parallel)."""
        if workers > 1 and worker_runtime is not None:
            from projections.parallel import rebuild_partitioned

            return rebuild_partitioned(self, names, worker_runtime, workers, progress)
        views = self.view_names(names)
        with self._lock:
            if bulk:
                from projections.bulk import bulk_rebuild

                done = bulk_rebuild(self, views, progress=progress, helper=worker_runtime)
                self._cached.clear()  # and whatever arrived meanwhile, by the live path:
                return done + self.catch_up(names=[v.name for v in views])
            with self.db.tx() as tx:
                self._lock_all(tx, [v.name for v in self.views if v in views])  # rows first
                for v in views:
                    v.drop(tx)
                    v.create(tx)
                    tx.run("UPDATE @projection_tracking SET position=0, last_event_at=NULL"
                           " WHERE name=?", (v.name,))
            for v in views:
                self._cached.pop(v.name, None)
                self._publish(v.name, 0)
            done = self.catch_up(names=[v.name for v in views], progress=progress)
            with self.db.tx() as tx:  # bulk load first, then index: much faster
                for v in views:
                    v.create_indexes(tx)
            return done

    def check(self) -> list[str]:
        """Rebuilds every view into a scratch namespace and lists differences from the live."""
        from projections.check import check

        return check(self)

    # -- embedded thread ---------------------------------------------------------------

    @property
    def is_running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def poke(self) -> None:
        self._poke.set()

    def start(self) -> None:
        if self.is_running:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self.run_forever, name="projections",
                                        daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._poke.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def reconnect(self) -> None:
        self.reconnects += 1
        self.db.close()
        self._cached.clear()
        for v in self.views:
            v.reset()

    def run_forever(self, wait: Callable[[float], object] | None = None) -> None:
        """Catch up, wait for news (a poke, a NOTIFY or the poll interval), repeat; on a
        lost connection back off, reconnect and resume from the tracking rows."""
        from projections.follow import supervise

        supervise(self, self._stop, wait or self._poke_wait)

    def _poke_wait(self, timeout: float) -> None:
        self._poke.wait(timeout)
        self._poke.clear()
