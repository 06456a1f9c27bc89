"""Bulk-rebuild folds for membership_flows and transfer_inbox: the live path's own fold
functions, run over every page with one in-memory map instead of the tables."""

from __future__ import annotations

from datetime import date
from typing import Any

from projections.base import Item, membership_items
from projections.bulk_load import Part, copy_rows
from projections.db import Tx
from projections.membership_flows import FLOW_COLS, FlowFold, MembershipFlows, periods_of
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


#: monthly counters from the daily ones: each union's months summed up its chain of ancestors
#: (the tree in mf_unions, as FlowFold.chain walks it: a union it does not know ends a chain)
MONTHLY_SQL = """WITH RECURSIVE up(descendant, ancestor, depth) AS (
    SELECT DISTINCT union_code, union_code, 1 FROM @membership_flows WHERE grain = 'd'
    UNION ALL
    SELECT up.descendant, u.parent_code, up.depth + 1 FROM up
    JOIN @mf_unions u ON u.code = up.ancestor
    WHERE u.parent_code IS NOT NULL AND up.depth < 64)
INSERT INTO @membership_flows (union_code, grain, period, kind, n)
SELECT up.ancestor, 'm', substr(f.period, 1, 7), f.kind, SUM(f.n)
FROM @membership_flows f JOIN up ON up.descendant = f.union_code
WHERE f.grain = 'd' GROUP BY up.ancestor, substr(f.period, 1, 7), f.kind"""


class FlowsFold:
    """membership_flows from position 0: each flow is counted at its own union and date; the
    monthly counters are summed up the FINAL tree by the server after the daily ones are
    copied. The same counters the live path reaches: there, an event adds to its union's
    ancestors and Reparented moves a subtree's monthly counters to the new ancestors, so each
    union always holds the monthly flows of the unions now in its subtree (and the daily
    flows of its own).

    `directory`: member_directory is rebuilt alongside: mf_members (where each member is now)
    is its member_id and union_code, copied by the server (the union every event that places
    a member names is the membership's union_id, which the directory keeps)."""

    def __init__(self, view: MembershipFlows, directory: bool = False) -> None:
        self.view = view
        self.directory = directory
        self.reset()

    def reset(self) -> None:
        # one fold throughout: its tree and `held` are the final mf_unions and mf_members
        self.flows = _OwnFlows({}, {}, {}, {}, lambda code: ())
        self.flows.days = {}

    def fold(self, items: list[Item]) -> None:
        self.flows.fold(items)

    def parts(self) -> list[Part]:
        after = frozenset({"member_directory"}) if self.directory else frozenset()
        return [Part((self.view,), self.load, size=len(self.flows.days), after=after,
                     post=self._post)]

    def load(self, tx: Tx) -> None:
        f = self.flows
        copy_rows(tx, "membership_flows", FLOW_COLS, (
            (union, "d", periods_of(on)[1], kind, n) for (union, on, kind), n in f.days.items()))
        copy_rows(tx, "mf_unions", ("code", "agg_id", "parent_code"),
                  ((c, a, f.parents[c]) for c, a, _ in f.established))
        if not self.directory:
            copy_rows(tx, "mf_members", ("member_id", "union_code"), f.held.items())

    def _post(self, tx: Tx) -> None:
        tx.run(MONTHLY_SQL)
        if self.directory:
            tx.run("INSERT INTO @mf_members (member_id, union_code)"
                   " SELECT member_id, union_code FROM @member_directory")


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
