"""Bulk-rebuild folds for membership_flows and transfer_inbox: the live path's own fold
functions, run over every page with one in-memory map instead of the tables."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from projections.base import Item, membership_items
from projections.bulk_members import copy_rows
from projections.db import Tx
from projections.membership_flows import Key, MembershipFlows
from projections.membership_flows import fold as fold_flows
from projections.transfer_inbox import COLS as INBOX_COLS
from projections.transfer_inbox import TransferInbox
from projections.transfer_inbox import fold as fold_inbox


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
