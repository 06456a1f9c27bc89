"""Bulk-rebuild folds for membership_flows and transfer_inbox: the live path's own fold
functions, run over every page with one in-memory map instead of the tables."""

from __future__ import annotations

from typing import Any

from projections.base import Item, membership_items
from projections.bulk_members import copy_rows
from projections.db import Tx
from projections.membership_flows import FLOW_COLS, FlowFold, MembershipFlows
from projections.transfer_inbox import COLS as INBOX_COLS
from projections.transfer_inbox import TransferInbox
from projections.transfer_inbox import fold as fold_inbox


class FlowsFold:
    def __init__(self, view: MembershipFlows) -> None:
        self.view = view
        self.reset()

    def reset(self) -> None:
        # one fold throughout: its tree and `held` are the final mf_unions and mf_members
        self.flows = FlowFold({}, {}, {}, {}, lambda code: ())

    def fold(self, items: list[Item]) -> None:
        self.flows.fold(items)

    def load(self, tx: Tx) -> None:
        f = self.flows
        copy_rows(tx, "membership_flows", FLOW_COLS, ((*k, n) for k, n in f.delta.items() if n))
        copy_rows(tx, "mf_members", ("member_id", "union_code"), f.held.items())
        copy_rows(tx, "mf_unions", ("code", "agg_id", "parent_code"),
                  ((c, a, f.parents[c]) for c, a, _ in f.established))
        self.reset()


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
