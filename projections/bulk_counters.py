"""Bulk-rebuild folds for membership_flows, transfer_inbox and campaign_progress: the live
path's own fold functions, run over every page with one in-memory map instead of the tables."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import date
from typing import Any

from projections.base import Item, membership_items
from projections.bulk_load import Part, copy_rows
from projections.campaign_progress import CampaignProgress
from projections.campaign_progress import Delta as CampaignDelta
from projections.campaign_progress import fold as fold_campaigns
from projections.db import Tx
from projections.membership_flows import (
    DAY_KEY,
    MONTH_KEY,
    FlowFold,
    MembershipFlows,
    periods_of,
)
from projections.transfer_inbox import COLS as INBOX_COLS
from projections.transfer_inbox import TransferInbox
from projections.transfer_inbox import fold as fold_inbox


class _OwnFlows(FlowFold):
    """Counts each flow at its own union and date only (`days`: per date and kind, each
    union's count; the periods and the subtree sums are made once per counter at load time);
    Reparented just moves the union in the tree."""

    days: dict[tuple[date, str], dict[str, int]]

    def _count(self, union: str, on: date, kind: str) -> None:
        unions = self.days.get((on, kind))
        if unions is None:
            unions = self.days[(on, kind)] = {}
        unions[union] = unions.get(union, 0) + 1

    def _reparent(self, code: str, parent: str | None) -> None:
        self.parents[code] = parent


class FlowsFold:
    """membership_flows from position 0: each flow is counted at its own union and date; at load
    time each union's months are summed up the FINAL tree. The same counters the live path
    reaches: there, an event adds to its union's
    ancestors and Reparented moves a subtree's monthly counters to the new ancestors, so each
    union always holds the monthly flows of the unions now in its subtree (and the daily
    flows of its own)."""

    def __init__(self, view: MembershipFlows) -> None:
        self.view = view
        self.reset()

    def reset(self) -> None:
        # one fold throughout: its tree is the final mf_unions; `held` follows each member for
        # its withdrawal
        self.flows = _OwnFlows({}, {}, {}, {}, lambda code: ())
        self.flows.days = {}

    def fold(self, items: list[Item]) -> None:
        self.flows.fold(items)

    def parts(self) -> list[Part]:
        return [Part((self.view,), self.load,
                     size=sum(map(len, self.flows.days.values())))]

    def load(self, tx: Tx) -> None:
        f = self.flows
        own: dict[str, dict[tuple[str, str], int]] = defaultdict(dict)  # union: month, kind

        def daily() -> Iterator[tuple[str, str, str, int]]:
            # in the table's key order (day, kind, union): its primary key is then built from
            # presorted rows, a pass instead of a sort (1M members: 2.1 -> 0.7 s of server CPU).
            # A date's ISO text sorts as the date; a str as its code points, which is the
            # order of its UTF-8 bytes, the "C" collation's. Sorted a few dozen unions at a
            # time: the sort of every row at once cost more than it saved
            for on, kind in sorted(f.days):
                unions = f.days[(on, kind)]
                month, day = periods_of(on)
                for union in sorted(unions):
                    n = unions[union]
                    months = own[union]
                    months[(month, kind)] = months.get((month, kind), 0) + n
                    yield day, kind, union, n  # the union's own

        copy_rows(tx, "membership_flow_days", (*DAY_KEY, "n"), daily())
        subtree: dict[str, dict[tuple[str, str], int]] = defaultdict(dict)
        for union, months in own.items():  # each union's months up its chain, once
            for code in f.chain(union):
                acc = subtree[code]
                for key, n in months.items():
                    acc[key] = acc.get(key, 0) + n
        copy_rows(tx, "membership_flows", (*MONTH_KEY, "n"), (
            (code, month, kind, n) for code, acc in subtree.items()
            for (month, kind), n in acc.items()))
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


class CampaignFold:
    """campaign_progress: its own counting over every page, one write at load time."""

    def __init__(self, view: CampaignProgress) -> None:
        self.view = view
        self.delta: CampaignDelta = defaultdict(int)

    def fold(self, items: list[Item]) -> None:
        fold_campaigns(self.delta, items)

    def parts(self) -> list[Part]:
        return [Part((self.view,), self.load, size=len(self.delta))]

    def load(self, tx: Tx) -> None:
        # a fresh table and one row per key: copied, not upserted
        copy_rows(tx, "campaign_progress", ("campaign_id", "union_code", "worker_group", "n"),
                  [(*k, n) for k, n in self.delta.items() if n])
        self.delta = defaultdict(int)
