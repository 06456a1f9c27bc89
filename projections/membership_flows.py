"""membership_flows: joins, transfers in/out, withdrawals and campaign joins per union and month
(and per day, so an as-of date inside a month stays exact), counted where they happen.

The dashboard sums a subtree through `union_ancestors` at query time: a reparented union takes
its history along, and an event costs two counter upserts, never a scan.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from projections.base import Item, View
from projections.db import Tx

DDL = (
    """CREATE TABLE IF NOT EXISTS @membership_flows (
        union_code TEXT NOT NULL, grain TEXT NOT NULL, period TEXT NOT NULL, kind TEXT NOT NULL,
        n BIGINT NOT NULL, PRIMARY KEY (union_code, grain, period, kind))""",
    # which union holds each member now: Withdrew/Expelled do not name it
    """CREATE TABLE IF NOT EXISTS @mf_members (member_id TEXT PRIMARY KEY,
        union_code TEXT NOT NULL)""",
)
CAMPAIGN = "campaign:"
FLOW_OF = {"Joined": "joins", "TransferredIn": "transfers_in", "TransferredOut": "transfers_out",
           "Withdrew": "withdrawals", "Expelled": "withdrawals"}
Key = tuple[str, str, str, str]  # union_code, grain, period, kind


def _day(v: Any) -> date:
    return date.fromisoformat(v) if isinstance(v, str) else v


class MembershipFlows(View):
    name = "membership_flows"
    kinds = frozenset({
        "Membership.Joined", "Membership.TransferredOut", "Membership.TransferredIn",
        "Membership.TransferCancelled", "Membership.Withdrew", "Membership.Expelled",
        "Membership.HeldAtParent",
    })
    tables = ("membership_flows", "mf_members")

    def create(self, tx: Tx) -> None:
        for stmt in DDL:
            tx.run(stmt)

    def apply(self, tx: Tx, items: list[Item]) -> None:
        items = [i for i in items if i.kind in self.kinds]
        if not items:
            return
        ids = list(dict.fromkeys(i.member_id for i in items))
        known = dict(tx.all_in("SELECT member_id, union_code FROM @mf_members"
                               " WHERE member_id {in}", ids))
        held: dict[str, str] = {}
        delta: dict[Key, int] = defaultdict(int)
        fold(items, known, held, delta)
        tx.many("INSERT INTO @membership_flows AS f (union_code, grain, period, kind, n)"
                " VALUES (?,?,?,?,?) ON CONFLICT (union_code, grain, period, kind)"
                " DO UPDATE SET n = f.n + excluded.n",
                [(*k, n) for k, n in delta.items() if n])
        tx.insert("mf_members", ("member_id", "union_code"),
                  [(m, u) for m, u in held.items() if m not in known])
        tx.many("UPDATE @mf_members SET union_code=? WHERE member_id=?",
                [(u, m) for m, u in held.items() if m in known])


def fold(items: list[Item], known: dict[str, str], held: dict[str, str],
         delta: dict[Key, int]) -> None:
    """Counts the events' flows into `delta`; `held` learns where each member now is.

    Shared by the live batches and the bulk rebuild (which passes one `held` throughout)."""
    for item in items:
        ev, mid = item.event, item.member_id
        kind = item.kind.partition(".")[2]
        if kind in ("Joined", "TransferredIn", "TransferCancelled", "HeldAtParent"):
            held[mid] = ev.union_id
        where: str | None = None
        flow = FLOW_OF.get(kind)
        if kind in ("Joined", "TransferredIn"):
            where = ev.union_id
        elif kind == "TransferredOut":
            where = ev.from_union_id
        elif kind in ("Withdrew", "Expelled"):
            where = held.get(mid) or known.get(mid)
        if flow is None or where is None:
            continue
        _count(delta, where, _day(ev.effective_on), flow)
        if kind == "Joined" and getattr(ev, "campaign_id", None):
            _count(delta, where, _day(ev.effective_on), CAMPAIGN + ev.campaign_id)


def _count(delta: dict[Key, int], union: str, on: date, kind: str) -> None:
    delta[(union, "m", on.strftime("%Y-%m"), kind)] += 1
    delta[(union, "d", on.isoformat(), kind)] += 1
