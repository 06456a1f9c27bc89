"""membership_flows: joins, transfers in/out, withdrawals and campaign joins per union SUBTREE and
month (`membership_flows`), and per union and day (`membership_flow_days`, so an as-of date
inside a month stays exact).

Monthly ('m'): each event adds one to the union where it happened and to every ancestor of it
(O(tree depth), the way membership_counts moves members), so a dashboard reads a subtree's
trend from a few rows of one union instead of summing its descendants' counters (1M members:
1.88M rows at the root). `Union.Reparented` moves the union's monthly subtree counters from the
old ancestors to the new ones: a reparented union takes its history along.

Daily ('d'): only at the union where the event happened. They serve one month at a time (the
as-of date's), summed over the subtree at query time (projections.reports): the subtree copies
were 2.7M of 3.3M rows at 1M members, for a query that reads a month's days. A table of their
own, keyed by day first: that key is the query's index (the days after a date), so the 1.44M
daily counters at 1M members need one index instead of the shared key and a second index.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import date
from functools import lru_cache
from typing import Any

from projections.base import Item
from projections.db import Tx
from projections.subtree import SubtreeCounterView, chain

DDL = (
    # n: the flows of the union's whole subtree (itself included) in the month `period`
    """CREATE TABLE IF NOT EXISTS @membership_flows (
        union_code CODE NOT NULL, period CODE NOT NULL, kind CODE NOT NULL,
        n BIGINT NOT NULL, PRIMARY KEY (union_code, period, kind))""",
    # the view's own memory of the tree (self-contained: rebuildable alone)
    """CREATE TABLE IF NOT EXISTS @mf_unions (code CODE PRIMARY KEY, agg_id CODE NOT NULL,
        parent_code CODE)""",
)
# n: the flows of the union itself on the day `period`. The key is the as-of query's index (the
# days after a date, then the subtree's unions), with n in it: read from the index alone (on
# SQLite the table is that index). Not a counter table: an update of n is never a HOT one
DAYS_DDL = """CREATE TABLE IF NOT EXISTS @membership_flow_days (
    period CODE NOT NULL, kind CODE NOT NULL, union_code CODE NOT NULL,
    n BIGINT NOT NULL, PRIMARY KEY (period, kind, union_code){}){}"""
CAMPAIGN = "campaign:"
#: the events that name the union a member is held in (Withdrew/Expelled do not name it)
HOLDS = frozenset({"Joined", "TransferredIn", "TransferCancelled", "HeldAtParent"})
LEAVES = frozenset({"Membership.Withdrew", "Membership.Expelled"})
FLOW_OF = {"Joined": "joins", "TransferredIn": "transfers_in", "TransferredOut": "transfers_out",
           "Withdrew": "withdrawals", "Expelled": "withdrawals"}
MONTH_KEY = ("union_code", "period", "kind")  # membership_flows, then n
DAY_KEY = ("period", "kind", "union_code")  # membership_flow_days, then n
Key = tuple[str, str, str, str]  # union_code (the subtree's root), grain, period, kind
Row = tuple[str, str, str, int]  # grain, period, kind, n


def _day(v: Any) -> date:
    return date.fromisoformat(v) if isinstance(v, str) else v


@lru_cache(maxsize=4096)
def periods_of(on: date) -> tuple[str, str]:
    """The monthly and the daily period of a date (events share few dates: cached)."""
    return on.strftime("%Y-%m"), on.isoformat()


class FlowFold:
    """Folds events into subtree counters (`delta`) over a union tree it keeps up to date.

    Shared by the live batches (tree and members loaded from the view's tables) and the bulk
    rebuild (one fold over every page, everything in memory). `stored(code)` gives the counter
    rows of `code`'s subtree that are already written, for Reparented to move."""

    def __init__(self, parents: dict[str, str | None], by_id: dict[str, str],
                 chains: dict[str, list[str]], known: dict[str, str],
                 stored: Callable[[str], Iterable[Row]]) -> None:
        self.parents, self.by_id, self.chains, self.known = parents, by_id, chains, known
        self.stored = stored
        self.held: dict[str, str] = {}  # where each member now is
        self.delta: dict[Key, int] = defaultdict(int)
        # flows counted at their own union and date, spread up the chains by `_spread` (once
        # per distinct union, date and kind: a batch of joins shares a few)
        self.pending: dict[tuple[str, date, str], int] = {}
        self.established: list[tuple[str, str, str | None]] = []  # code, agg_id, parent
        self.reparented: dict[str, str | None] = {}  # code -> new parent

    def chain(self, code: str | None) -> list[str]:
        """The union and its ancestors, nearest first (the tree as folded so far)."""
        return chain(self.parents, code)

    def fold(self, items: list[Item]) -> None:
        held, known = self.held, self.known
        for item in items:
            ev, kind = item.event, item.kind.partition(".")[2]
            if item.kind.startswith("Union."):
                self._spread()  # the counts so far, up the chains as they were
                self._union(kind, ev)
                continue
            mid = item.member_id
            if kind in HOLDS:
                held[mid] = ev.union_id
            where: str | None = None
            if kind in ("Joined", "TransferredIn"):
                where = ev.union_id
            elif kind == "TransferredOut":
                where = ev.from_union_id
            elif kind in ("Withdrew", "Expelled"):
                where = held.get(mid) or known.get(mid)
            flow = FLOW_OF.get(kind)
            if flow is None or where is None:
                continue
            on = _day(ev.effective_on)
            self._count(where, on, flow)
            if kind == "Joined" and getattr(ev, "campaign_id", None):
                self._count(where, on, CAMPAIGN + ev.campaign_id)
        self._spread()

    def _count(self, union: str, on: date, kind: str) -> None:
        key = (union, on, kind)
        pending = self.pending
        pending[key] = pending.get(key, 0) + 1

    def _spread(self) -> None:
        """Adds the pending flows to `delta`: at their union and day, and at every union of
        its chain for the month."""
        if not self.pending:
            return
        delta, chains = self.delta, self.chains
        for (union, on, kind), n in self.pending.items():
            chain = chains.get(union)
            if chain is None:
                chain = chains[union] = self.chain(union)
            month, day = periods_of(on)
            delta[(union, "d", day, kind)] += n
            for code in chain:
                delta[(code, "m", month, kind)] += n
        self.pending.clear()

    def _union(self, kind: str, ev: Any) -> None:
        if kind == "Established":
            self.parents[ev.code] = ev.parent_code
            self.by_id[str(ev.originator_id)] = ev.code
            self.established.append((ev.code, str(ev.originator_id), ev.parent_code))
            self.chains.clear()
        elif kind == "Reparented":
            code = self.by_id.get(str(ev.originator_id))
            if code is not None:
                self._reparent(code, ev.parent_code)

    def _reparent(self, code: str, parent: str | None) -> None:
        """Moves the union's monthly subtree counters from the old ancestors to the new ones
        (its daily counters are its own: they stay)."""
        totals: dict[tuple[str, str, str], int] = defaultdict(int)
        for grain, period, kind, n in self.stored(code):
            totals[(grain, period, kind)] += int(n)
        for (u, grain, period, kind), n in self.delta.items():
            if u == code and grain == "m":
                totals[(grain, period, kind)] += n
        old, new = self.chain(self.parents.get(code)), self.chain(parent)
        for (grain, period, kind), n in totals.items():
            if not n:
                continue
            for a in old:
                self.delta[(a, grain, period, kind)] -= n
            for a in new:
                self.delta[(a, grain, period, kind)] += n
        self.parents[code] = parent
        self.reparented[code] = parent
        self.chains.clear()


def split(delta: dict[Key, int]) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The non-zero counters as rows of membership_flows and of membership_flow_days, each in
    its key's order (concurrent partitions then lock the rows in one order: no deadlock)."""
    months, days = [], []
    for (union, grain, period, kind), n in delta.items():
        if n:
            if grain == "m":
                months.append((union, period, kind, n))
            else:
                days.append((period, kind, union, n))
    months.sort()
    days.sort()
    return months, days


class MembershipFlows(SubtreeCounterView):
    name = "membership_flows"
    #: 1: counters per union, summed over the subtree at query time; 2: daily counters per
    #: subtree too; 3: daily counters per union, identifier columns in the "C" collation;
    #: 4: no mf_members (the union a withdrawing member leaves comes from its earlier events);
    #: 5: the daily counters in membership_flow_days, keyed by day
    version = 5
    retired = ("mf_members",)
    kinds = frozenset({
        "Membership.Joined", "Membership.TransferredOut", "Membership.TransferredIn",
        "Membership.TransferCancelled", "Membership.Withdrew", "Membership.Expelled",
        "Membership.HeldAtParent", "Union.Established", "Union.Reparented",
    })
    tables = ("membership_flows", "membership_flow_days", "mf_unions")
    unions_table = "mf_unions"

    def create(self, tx: Tx) -> None:
        for stmt in DDL:
            tx.run(stmt)
        pg = tx.db.dialect == "postgres"
        tx.run(DAYS_DDL.format(" INCLUDE (n)" if pg else "", "" if pg else " WITHOUT ROWID"))
        tx.counter_table("membership_flows")

    def _stored(self, tx: Tx, code: str) -> Iterable[Row]:
        """The union's monthly subtree counters written so far."""
        if self.local is not None:  # only this partition's counters move with it here
            return [(*k[1:], n) for k, n in self.local.items() if k[0] == code and k[1] == "m"]
        return tx.all("SELECT 'm', period, kind, n FROM @membership_flows WHERE union_code=?",
                      (code,))

    def apply(self, tx: Tx, items: list[Item]) -> None:
        items = [i for i in items if i.kind in self.kinds]
        if not items:
            return
        parents = self._tree(tx)
        known = self._held_before(items)
        f = FlowFold(parents, self._by_id, self._chains, known, lambda c: self._stored(tx, c))
        try:
            f.fold(items)
        except BaseException:
            self.reset()  # the tree cache was mutated ahead of a rolled-back transaction
            raise
        if self.local is not None:
            for k, n in f.delta.items():
                self.local[k] = self.local.get(k, 0) + n
        months, days = split(f.delta)
        # a reparented subtree leaves zeros behind: deleted, so live and rebuilt rows compare
        tx.add_counts("membership_flows", MONTH_KEY, months)
        tx.add_counts("membership_flow_days", DAY_KEY, days)
        if self.shared_writes:
            tx.insert("mf_unions", ("code", "agg_id", "parent_code"), f.established)
            tx.many("UPDATE @mf_unions SET parent_code=? WHERE code=?",
                    [(p, c) for c, p in f.reparented.items()])

    def _held_before(self, items: list[Item]) -> dict[str, str]:
        """The union each member who withdraws or is expelled in this batch was held in
        before it (from its earlier events): only those events need it."""
        known: dict[str, str] = {}
        for mid, events in self.earlier_events(items, lambda i: i.kind in LEAVES).items():
            for kind, ev in events:
                if kind.partition(".")[2] in HOLDS:
                    known[mid] = ev.union_id
        return known
