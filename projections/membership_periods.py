"""membership_periods: each membership's states as [valid_from, valid_to) business-time intervals.

A change of union, status, destination or worker group closes the open interval on the event's
effective date and opens the next one. Effective dates are taken as monotonic per member: an
event dated before the open interval began is clamped to that start (a zero-length interval).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from projections.base import Item, View, member_state, membership_items
from projections.db import Tx

COLS = ("member_id", "seq", "union_code", "destination_union_code", "status", "since",
        "worker_group", "channel", "joined_on", "valid_from", "valid_to", "position")
STATE = ("union_code", "destination_union_code", "status", "since", "worker_group", "channel",
         "joined_on")
DDL = """CREATE TABLE IF NOT EXISTS @membership_periods (
    member_id TEXT NOT NULL, seq INTEGER NOT NULL, union_code TEXT NOT NULL,
    destination_union_code TEXT, status TEXT NOT NULL, since DATE NOT NULL,
    worker_group TEXT NOT NULL, channel TEXT NOT NULL, joined_on DATE NOT NULL,
    valid_from DATE NOT NULL, valid_to DATE, position BIGINT NOT NULL,
    PRIMARY KEY (member_id, seq))"""


def _date(v: Any) -> date:
    return date.fromisoformat(v) if isinstance(v, str) else v


class MembershipPeriods(View):
    name = "membership_periods"
    kinds = frozenset({
        "Membership.Joined", "Membership.TransferredOut", "Membership.TransferredIn",
        "Membership.TransferCancelled", "Membership.DetailsCorrected", "Membership.Retained",
        "Membership.Reactivated", "Membership.Withdrew", "Membership.Expelled",
        "Membership.HeldAtParent",
    })
    tables = ("membership_periods",)

    def create(self, tx: Tx) -> None:
        tx.run(DDL)

    def create_indexes(self, tx: Tx) -> None:
        tx.create_index("membership_periods_union_idx", "membership_periods",
                        "union_code, valid_from")

    def apply(self, tx: Tx, items: list[Item]) -> None:
        mitems = [i for i in membership_items(items) if i.kind in self.kinds]
        if not mitems:
            return
        ids = list(dict.fromkeys(i.member_id for i in mitems))
        open_rows = {r[0]: dict(zip(COLS, r, strict=True)) for r in tx.all_in(
            f"SELECT {', '.join(COLS)} FROM @membership_periods"
            " WHERE valid_to IS NULL AND member_id {in}", ids)}
        periods: dict[str, list[dict[str, Any]]] = {}
        for item in mitems:
            mid = item.member_id
            rows = periods.get(mid)
            if rows is None:
                loaded = open_rows.get(mid)
                rows = periods[mid] = [dict(loaded, existing=True)] if loaded else []
            self._step(rows, item)
        closed, new = [], []
        for mid, rows in periods.items():
            for r in rows:
                if r["existing"]:
                    if r["valid_to"] is not None:
                        closed.append((r["valid_to"], mid, r["seq"]))
                else:
                    new.append(tuple(r[c] for c in COLS))
        tx.many("UPDATE @membership_periods SET valid_to=? WHERE member_id=? AND seq=?", closed)
        tx.insert("membership_periods", COLS, new)

    @staticmethod
    def _step(rows: list[dict[str, Any]], item: Item) -> None:
        ev = item.event
        cur = rows[-1] if rows else None
        s = member_state(
            status=cur and cur["status"], union_id=cur and cur["union_code"],
            destination_union_id=cur and cur["destination_union_code"],
            worker_group=cur and cur["worker_group"], channel=cur and cur["channel"],
            joined_on=cur and cur["joined_on"], since=cur and cur["since"],
        )
        ev.apply(s)
        state = dict(union_code=s.union_id, destination_union_code=s.destination_union_id,
                     status=str(s.status), since=s.since, worker_group=s.worker_group,
                     channel=s.channel, joined_on=s.joined_on)
        if cur is not None and all(_same(cur[k], state[k]) for k in STATE):
            return
        start: date = ev.effective_on
        if cur is not None:
            start = max(start, _date(cur["valid_from"]))
            cur["valid_to"] = start
        rows.append(dict(member_id=item.member_id, seq=(cur["seq"] + 1) if cur else 1,
                         valid_from=start, valid_to=None, position=item.position,
                         existing=False, **state))


def _same(a: Any, b: Any) -> bool:
    return a == b or (a is not None and b is not None and str(a) == str(b))
