"""Bulk-rebuild folds for the counters and small views: membership_counts, membership_flows and
transfer_inbox. Counts come from each member's final cell summed up the final tree: what the
live path reaches by moving members (and, on Reparented, whole subtrees) one event at a time.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from projections.base import Item, member_state, membership_items
from projections.bulk_members import copy_rows
from projections.db import Tx
from projections.membership_counts import MEMBER_COLS, MembershipCounts
from projections.membership_flows import Key, MembershipFlows
from projections.membership_flows import fold as fold_flows
from projections.transfer_inbox import COLS as INBOX_COLS
from projections.transfer_inbox import TransferInbox
from projections.transfer_inbox import fold as fold_inbox

COUNT_COLS = ("union_code", "scope", "status", "worker_group", "channel", "n")


class CountsFold:
    def __init__(self, view: MembershipCounts) -> None:
        self.view = view
        self.members: dict[str, tuple[Any, ...]] = {}  # union, destination, status, group, channel
        self.unions: dict[str, list[Any]] = {}  # code -> [agg_id, parent_code]
        self.by_id: dict[str, str] = {}

    def fold(self, items: list[Item]) -> None:
        members = self.members
        touched: dict[str, Any] = {}
        for item in items:
            ev = item.event
            if item.kind == "Union.Established":
                self.unions[ev.code] = [str(ev.originator_id), ev.parent_code]
                self.by_id[str(ev.originator_id)] = ev.code
            elif item.kind == "Union.Reparented":
                code = self.by_id.get(str(ev.originator_id))
                if code is not None:
                    self.unions[code][1] = ev.parent_code
            else:
                m = touched.get(item.member_id)
                if m is None:
                    r = members.get(item.member_id)
                    m = touched[item.member_id] = member_state() if r is None else member_state(
                        union_id=r[0], destination_union_id=r[1], status=r[2],
                        worker_group=r[3], channel=r[4])
                ev.apply(m)  # the domain's own transition, as in the live path
        for mid, m in touched.items():
            members[mid] = (m.union_id, m.destination_union_id, str(m.status), m.worker_group,
                            m.channel)

    def load(self, tx: Tx) -> None:
        parents = {code: p for code, (_, p) in self.unions.items()}
        cells = Counter((r[0], *r[2:]) for r in self.members.values() if r[0] is not None)
        counts: dict[tuple[str, ...], int] = defaultdict(int)
        for (union, *rest), n in cells.items():
            counts[(union, "self", *rest)] += n
            for code in self.view.chain(parents, union):
                counts[(code, "subtree", *rest)] += n
        copy_rows(tx, "mc_unions", ("code", "agg_id", "parent_code"),
                  ((c, a, p) for c, (a, p) in self.unions.items()))
        copy_rows(tx, "mc_members", MEMBER_COLS, ((k, *r) for k, r in self.members.items()))
        copy_rows(tx, "membership_counts", COUNT_COLS,
                  ((*cell, n) for cell, n in sorted(counts.items()) if n))
        self.members, self.unions, self.by_id = {}, {}, {}


class FlowsFold:
    def __init__(self, view: MembershipFlows) -> None:
        self.view = view
        self.held: dict[str, str] = {}  # one map throughout: it is the final mf_members
        self.delta: dict[Key, int] = defaultdict(int)

    def fold(self, items: list[Item]) -> None:
        fold_flows(items, {}, self.held, self.delta)

    def load(self, tx: Tx) -> None:
        copy_rows(tx, "membership_flows", ("union_code", "grain", "period", "kind", "n"),
                  ((*k, n) for k, n in self.delta.items() if n))
        copy_rows(tx, "mf_members", ("member_id", "union_code"), self.held.items())
        self.held, self.delta = {}, defaultdict(int)


class InboxFold:
    def __init__(self, view: TransferInbox) -> None:
        self.view = view
        self.rows: dict[str, dict[str, Any] | None] = {}

    def fold(self, items: list[Item]) -> None:
        fold_inbox(self.rows, membership_items(items), self.view.db.ts)

    def load(self, tx: Tx) -> None:
        copy_rows(tx, "transfer_inbox", INBOX_COLS,
                  (tuple(r[c] for c in INBOX_COLS) for r in self.rows.values() if r is not None))
        self.rows = {}
