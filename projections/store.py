"""ReadStore: the query API over the views, with read-your-writes (`wait_for`) and lag.

`open_read_side(runtime)` wires views, runner and store onto the ledger's own database.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any, Protocol
from uuid import UUID

from domain.errors import ConflictError
from domain.personal import Identity, PersonalDataVault
from projections.db import Db
from projections.follow import RECONNECT_ON
from projections.queries_counts import CountQueries
from projections.queries_roster import RosterQueries
from projections.queries_structure import StructureQueries
from projections.runner import Runner
from projections.views import VIEW_NAMES, SettingsLike, make_views, target_of

FRESH_TIMEOUT = 10.0  # seconds the write side waits for the read side before refusing


class ReadStore(StructureQueries, RosterQueries, CountQueries):
    """Queries over the projections; also the ledger's MemberIndex (holding_members)."""

    def __init__(self, db: Db, ledger: Any, runner: Runner | None, *,
                 today: Callable[[], date] = date.today, overdue_days: int = 30,
                 external_runner: bool = False) -> None:
        self.db = db
        self.ledger = ledger
        self.runner = runner
        self.today = today
        self.overdue_days = overdue_days
        self.external_runner = external_runner  # a `project --follow` process does the work

    # -- transfers ---------------------------------------------------------------------

    def inbox(self, union_code: str, *, overdue_days: int | None = None) -> list[dict[str, Any]]:
        """Members in transit towards the union, oldest first, with age and `overdue`."""
        limit = self.overdue_days if overdue_days is None else overdue_days
        with self.db.read() as tx:
            rows = tx.dicts(
                "SELECT t.member_id, t.destination_union_code, t.from_union_code, t.out_on,"
                " t.reason, t.recorded_by, t.recorded_at, d.masked_name, d.worker_group"
                " FROM @transfer_inbox t LEFT JOIN @member_directory d"
                " ON d.member_id = t.member_id WHERE t.destination_union_code=?"
                " ORDER BY t.out_on, t.member_id", (union_code,))
        today = self.today()
        for r in rows:
            r["age_days"] = (today - r["out_on"]).days
            r["overdue"] = r["age_days"] > limit
        return rows

    def holding_members(self, union_code: str) -> list[UUID]:
        """MemberIndex for the write side (R8): refuses rather than answer from a stale view."""
        top = self.ledger.recorder.max_notification_id() or 0
        if not self.wait_for(top, timeout=FRESH_TIMEOUT):
            raise ConflictError("读库尚未同步到最新记录，请稍后重试",
                                message_en="the read side is behind the ledger; retry shortly",
                                code="read_side.behind")
        return self._holding(union_code)

    # -- positions ---------------------------------------------------------------------

    def positions(self) -> dict[str, int]:
        with self.db.read() as tx:
            rows = dict(tx.all("SELECT name, position FROM @projection_tracking"))
        return {n: int(rows.get(n, 0)) for n in VIEW_NAMES}

    def position(self) -> int:
        """The ledger position every view has processed (min over the views)."""
        return min(self.positions().values())

    def wait_for(self, position: int, timeout: float = 2.0) -> bool:
        """True once every view has processed `position` (a CommandResult.position)."""
        if position <= 0 or self.position() >= position:
            return True
        r = self.runner
        if r is not None and r.is_running:
            r.poke()  # the thread wakes now, and notifies after each batch: no polling floor
            return r.wait(position, timeout) or self.position() >= position
        if r is not None and not self.external_runner:
            try:  # no thread: project synchronously in the caller's thread
                r.catch_up()
            except RECONNECT_ON:  # a dropped connection: reconnect once, then resume
                r.reconnect()
                r.catch_up()
            return self.position() >= position
        deadline, delay = time.monotonic() + timeout, 0.002
        while time.monotonic() < deadline:  # another process projects: short back-off polls
            time.sleep(delay)
            if self.position() >= position:
                return True
            delay = min(delay * 2, 0.05)
        return False

    def lag(self) -> dict[str, Any]:
        """How far the views are behind the ledger: events (upper bound: ids have gaps) and
        seconds (age of the oldest unprocessed event)."""
        top = self.ledger.recorder.max_notification_id() or 0
        positions = self.positions()
        pos = min(positions.values())
        with self.db.read() as tx:
            stamps = [r["last_event_at"] for r in tx.dicts(
                "SELECT last_event_at FROM @projection_tracking") if r["last_event_at"]]
        seconds = 0.0
        if pos < top:
            waiting = self.ledger.recorder.select_notifications(start=pos + 1, limit=1)
            if waiting:
                ev = self.ledger.mapper.to_domain_event(waiting[0])
                seconds = max((datetime.now(UTC) - ev.timestamp).total_seconds(), 0.0)
        return {"events_behind": max(top - pos, 0), "seconds_behind": seconds,
                "max_position": top, "position": pos, "views": positions,
                "last_event_at": min(stamps) if stamps else None}

    def close(self) -> None:
        if self.runner is not None:
            self.runner.stop()
            self.runner.db.close()
        self.db.close()


class RuntimeLike(Protocol):
    @property
    def ledger(self) -> Any: ...

    @property
    def vault(self) -> PersonalDataVault: ...

    @property
    def identity(self) -> Identity: ...

    @property
    def settings(self) -> SettingsLike: ...

    @property
    def pool(self) -> Any: ...


def open_read_side(runtime_like: RuntimeLike, *, start_runner: bool,
                   external_runner: bool = False, batch_size: int = 5000,
                   poll_interval: float = 1.0) -> tuple[ReadStore, Runner]:
    """The store and its runner on the ledger's database; closes with the runtime.

    start_runner: project in a background thread (embedded mode). external_runner: another
    process (`union-ledger project --follow`) projects; wait_for then only watches."""
    rt = runtime_like
    target = target_of(rt.settings)
    writer = Db(target)
    runner = Runner(rt.ledger, make_views(writer, rt.vault, rt.identity), writer,
                    batch_size=batch_size, poll_interval=poll_interval)
    runner.ensure_tables()
    reader = Db(target, pool=rt.pool if target.dialect == "postgres" else None)
    store = ReadStore(reader, rt.ledger, runner, today=rt.ledger.today,
                      overdue_days=getattr(rt.settings, "transfer_overdue_days", 30),
                      external_runner=external_runner)
    closers = getattr(rt, "closers", None)
    if isinstance(closers, list):
        closers.append(store.close)
    if start_runner:
        runner.start()
    return store, runner
