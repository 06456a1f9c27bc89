"""Where a union's roster changes come from: the membership_periods read model narrows the scan
to the members that ever had a period at the union, else every membership event is replayed.
"""

# Either way the changes come from the events (actor, reason, recorded time): the read model
# only picks whose events to read, O(events of those members) instead of O(all member events).

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from domain.application import Ledger
from domain.roster_changes import RosterChange, membership_events, roster_changes


def _members_seen_at(store: Any, union_code: str) -> list[str] | None:
    """Member ids with any membership period at the union, or None if the view can't say."""
    top = store.ledger.recorder.max_notification_id() or 0
    try:
        if not store.wait_for(top, timeout=2.0):
            return None
        with store.db.read() as tx:
            rows = tx.all("SELECT DISTINCT member_id FROM @membership_periods"
                          " WHERE union_code = ?", (union_code,))
    except Exception:  # noqa: BLE001 - an absent or broken view: fall back to the full replay
        return None
    return sorted(str(r[0]) for r in rows)


def _events_of(ledger: Ledger, member_ids: list[str]) -> Iterator[Any]:
    # roster_changes tracks each member's holder separately: per-member order is enough
    for mid in member_ids:
        yield from ledger.history(mid)


#: reading one member's events costs about as much as decoding this many events in a page
#: (scripts/bench_audit.py: ~0.3 ms a member vs ~0.02 ms an event on SQLite, ~3 ms vs
#: ~0.04 ms on PostgreSQL: 15 and 70; 60 errs towards the full pass)
EVENTS_PER_MEMBER_READ = 60


def union_roster_changes(ledger: Ledger, union_code: str, start: date | None, end: date | None,
                         store: Any = None, *, narrow: bool | None = None
                         ) -> tuple[list[RosterChange], str]:
    """(changes, source) where source is "membership_periods" or "events".

    narrow=None chooses by cost: the per-member reads only when they are fewer than a full
    pass would decode; True forces them (when the view can answer), False never uses them.
    """
    ids = _members_seen_at(store, union_code) if store is not None and narrow is not False \
        else None
    if ids is not None and narrow is None:
        total = ledger.recorder.max_notification_id() or 0
        if len(ids) * EVENTS_PER_MEMBER_READ >= total:
            ids = None
    if ids is not None:
        return roster_changes(_events_of(ledger, ids), union_code, start, end), \
            "membership_periods"
    return roster_changes(membership_events(ledger), union_code, start, end), "events"
