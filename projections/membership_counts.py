"""membership_counts: counters per (union, scope self|subtree, status, worker group, channel).

Each membership event moves one member between at most two cells, along the union's ancestor
chain: O(tree depth), never a scan. `Reparented` moves the union's subtree totals wholesale.
The cell a member left is its state before the batch: for a member met in an earlier batch,
folded from the membership's earlier events (`View.history`; a join, the bulk of the writes,
has none), so the view keeps no row per member.
"""

from __future__ import annotations

from collections import defaultdict
from types import SimpleNamespace
from typing import Any

from projections.base import Item, member_state
from projections.db import Tx
from projections.subtree import SubtreeCounterView

Cell = tuple[str, str, str, str, str]  # union_code, scope, status, worker_group, channel
Move = tuple[Any, Any, Any, Any]  # a member's union, status, worker group, channel (or Nones)
DDL = (
    """CREATE TABLE IF NOT EXISTS @membership_counts (
        union_code CODE NOT NULL, scope CODE NOT NULL, status CODE NOT NULL,
        worker_group CODE NOT NULL, channel CODE NOT NULL, n BIGINT NOT NULL,
        PRIMARY KEY (union_code, scope, status, worker_group, channel))""",
    # the counter's own memory of the tree (self-contained view)
    """CREATE TABLE IF NOT EXISTS @mc_unions (code CODE PRIMARY KEY, agg_id CODE NOT NULL,
        parent_code CODE)""",
)


class MembershipCounts(SubtreeCounterView):
    name = "membership_counts"
    kinds = frozenset({
        "Membership.Joined", "Membership.TransferredOut", "Membership.TransferredIn",
        "Membership.TransferCancelled", "Membership.DetailsCorrected", "Membership.Retained",
        "Membership.Reactivated", "Membership.Withdrew", "Membership.Expelled",
        "Membership.HeldAtParent", "Union.Established", "Union.Reparented",
    })
    tables = ("membership_counts", "mc_unions")
    unions_table = "mc_unions"
    #: 3: no mc_members (each member's cell before a batch comes from its earlier events)
    version = 3
    retired = ("mc_members",)

    def create(self, tx: Tx) -> None:
        for stmt in DDL:
            tx.run(stmt)
        tx.counter_table("membership_counts")
        tx.create_index("mc_unions_agg_idx", "mc_unions", "agg_id", unique=True)

    def apply(self, tx: Tx, items: list[Item]) -> None:
        items = [i for i in items if i.kind in self.kinds]
        if not items:
            return
        parents = self._tree(tx)
        existing = self._before(items)
        members: dict[str, SimpleNamespace] = {}
        delta: dict[Cell, int] = defaultdict(int)
        moves: dict[tuple[Move, Move], int] = {}  # (before, after) → members, spread below
        try:
            for item in items:
                if item.kind.startswith("Union."):
                    self._spread(parents, moves, delta)  # up the chains as they were
                if item.kind == "Union.Established":
                    ev = item.event
                    parents[ev.code] = ev.parent_code
                    self._by_id[str(ev.originator_id)] = ev.code
                    self._chains.clear()
                    if self.shared_writes:
                        tx.run("INSERT INTO @mc_unions (code, agg_id, parent_code)"
                               " VALUES (?,?,?)", (ev.code, str(ev.originator_id), ev.parent_code))
                elif item.kind == "Union.Reparented":
                    self._reparent(tx, parents, item, delta)
                else:
                    mid = item.member_id
                    m = members.get(mid)
                    if m is None:
                        m = members[mid] = existing.get(mid) or member_state()
                    self._move(m, item, moves)
            self._spread(parents, moves, delta)
        except BaseException:
            self.reset()  # the tree cache was mutated ahead of a rolled-back transaction
            raise
        self._write(tx, delta)

    def _before(self, items: list[Item]) -> dict[str, SimpleNamespace]:
        """The state before this batch of each member met in an earlier one: its earlier
        events of the kinds this view reads, applied as `_move` applies them."""
        out: dict[str, SimpleNamespace] = {}
        for mid, events in self.earlier_events(items).items():
            s = out[mid] = member_state()
            for kind, ev in events:
                if kind in self.kinds:
                    ev.apply(s)
            s.status = None if s.status is None else str(s.status)
        return out

    @staticmethod
    def _move(m: SimpleNamespace, item: Item, moves: dict[tuple[Move, Move], int]) -> None:
        before = (m.union_id, m.status, m.worker_group, m.channel)
        item.event.apply(m)  # the domain's own transition, on a stand-in for the aggregate
        m.status = str(m.status)
        after = (m.union_id, m.status, m.worker_group, m.channel)
        if before != after:
            key = (before, after)
            moves[key] = moves.get(key, 0) + 1

    def _spread(self, parents: dict[str, str | None], moves: dict[tuple[Move, Move], int],
                delta: dict[Cell, int]) -> None:
        """Adds the members' moves to `delta`: out of the cells they left, into the cells
        they reached, at the union itself and up its chain (once per distinct move: a batch
        of joins shares a few)."""
        for (before, after), n in moves.items():
            for (union, *rest), sign in ((before, -n), (after, n)):
                if union is None:
                    continue
                delta[(union, "self", *rest)] += sign
                chain = self._chains.get(union)
                if chain is None:
                    chain = self._chains[union] = self.chain(parents, union)
                for code in chain:
                    delta[(code, "subtree", *rest)] += sign
        moves.clear()

    def _reparent(self, tx: Tx, parents: dict[str, str | None], item: Item,
                  delta: dict[Cell, int]) -> None:
        """Moves the union's subtree totals from the old ancestors to the new ones."""
        code = self._by_id.get(str(item.event.originator_id))
        if code is None:
            return
        totals: dict[tuple[str, str, str], int] = defaultdict(int)
        if self.local is not None:  # only this partition's members move with it here
            rows = [(*cell[2:], n) for cell, n in self.local.items()
                    if cell[:2] == (code, "subtree")]
        else:
            rows = tx.all("SELECT status, worker_group, channel, n FROM @membership_counts"
                          " WHERE union_code=? AND scope='subtree'", (code,))
        for st, wg, ch, n in rows:
            totals[(st, wg, ch)] += int(n)
        for (u, scope, st, wg, ch), n in delta.items():
            if u == code and scope == "subtree":
                totals[(st, wg, ch)] += n
        old = self.chain(parents, parents.get(code))
        new = self.chain(parents, item.event.parent_code)
        for rest, n in totals.items():
            for a in old:
                delta[(a, "subtree", *rest)] -= n
            for a in new:
                delta[(a, "subtree", *rest)] += n
        parents[code] = item.event.parent_code
        self._chains.clear()
        if self.shared_writes:
            tx.run("UPDATE @mc_unions SET parent_code=? WHERE code=?",
                   (item.event.parent_code, code))

    def _write(self, tx: Tx, delta: dict[Cell, int]) -> None:
        # sorted: concurrent partitions then lock the counter rows in one order (no deadlock)
        changed = sorted((*cell, n) for cell, n in delta.items() if n)
        if self.local is not None:
            for cell, n in delta.items():
                self.local[cell] = self.local.get(cell, 0) + n
        # empty cells are deleted so that live and rebuilt tables compare equal row for row
        tx.add_counts("membership_counts",
                      ("union_code", "scope", "status", "worker_group", "channel"), changed)
