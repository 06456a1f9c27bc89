"""Bulk-rebuild folds for membership_flows and transfer_inbox: the live path's own fold
functions, run over every page with one in-memory map instead of the tables."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from projections.base import Item, membership_items
from projections.bulk_load import Part, copy_rows
from projections.db import Tx
from projections.membership_flows import FLOW_COLS, FlowFold, Key, MembershipFlows, periods_of
from projections.transfer_inbox import COLS as INBOX_COLS
from projections.transfer_inbox import TransferInbox
from projections.transfer_inbox import fold as fold_inbox


class _OwnFlows(FlowFold):
    """Counts each flow at its own union and date only (`days`; the periods and the subtree
    sums are made once per counter at load time); Reparented just moves the union in the
    tree."""

    days: dict[tuple[str, date, str], int]

    def _count(self, union: str, on: date, kind: str) -> None:
        key = (union, on, kind)
        days = self.days
        days[key] = days.get(key, 0) + 1

    def _reparent(self, code: str, parent: str | None) -> None:
        self.parents[code] = parent


class FlowsFold:
    """membership_flows from position 0: each flow is counted at its own union, then the monthly
    counters are summed up the FINAL tree at load time. The same counters the live path
    reaches: there, an event adds to its union's ancestors and Reparented moves a subtree's
    monthly counters to the new ancestors, so each union always holds the monthly flows of the
    unions now in its subtree (and the daily flows of its own)."""

    def __init__(self, view: MembershipFlows) -> None:
        self.view = view
        self.reset()

    def reset(self) -> None:
        # one fold throughout: its tree and `held` are the final mf_unions and mf_members
        self.flows = _OwnFlows({}, {}, {}, {}, lambda code: ())
        self.flows.days = {}

    def fold(self, items: list[Item]) -> None:
        self.flows.fold(items)

    def parts(self) -> list[Part]:  # a monthly counter is written at every ancestor
        return [Part((self.view,), self.load, size=2 * len(self.flows.days))]

    def load(self, tx: Tx) -> None:
        f = self.flows
        rows: dict[Key, int] = {}
        months: dict[tuple[str, str, str], int] = defaultdict(int)
        for (union, on, kind), n in f.days.items():
            month, day = periods_of(on)
            rows[(union, "d", day, kind)] = n  # daily: the union's own
            months[(union, month, kind)] += n
        for (union, month, kind), n in months.items():  # monthly: up the final tree
            for code in f.chain(union):
                key = (code, "m", month, kind)
                rows[key] = rows.get(key, 0) + n
        copy_rows(tx, "membership_flows", FLOW_COLS, ((*k, n) for k, n in rows.items() if n))
        copy_rows(tx, "mf_members", ("member_id", "union_code"), f.held.items())
        copy_rows(tx, "mf_unions", ("code", "agg_id", "parent_code"),
                  ((c, a, f.parents[c]) for c, a, _ in f.established))


class InboxFold:
    def __init__(self, view: TransferInbox) -> None:
        self.view = view
        self.rows: dict[str, dict[str, Any] | None] = {}

    def fold(self, items: list[Item]) -> None:
        fold_inbox(self.rows, membership_items(items), self.view.db.ts)

    def parts(self) -> list[Part]:
        return [Part((self.view,), self.load, size=len(self.rows))]

    def load(self, tx: Tx) -> None:
        copy_rows(tx, "transfer_inbox", INBOX_COLS,
                  (tuple(r[c] for c in INBOX_COLS) for r in self.rows.values() if r is not None))
