"""membership_counts: counters per (union, scope self|subtree, status, worker group, channel).

Each membership event moves one member between at most two cells, along the union's ancestor
chain: O(tree depth), never a scan. `Reparented` moves the union's subtree totals wholesale.
"""

from __future__ import annotations

from collections import defaultdict
from types import SimpleNamespace
from typing import Any

from projections.base import Item, member_state, stored_ids
from projections.db import Tx
from projections.subtree import SubtreeCounterView

Cell = tuple[str, str, str, str, str]  # union_code, scope, status, worker_group, channel
Move = tuple[Any, Any, Any, Any]  # a member's union, status, worker group, channel (or Nones)
DDL = (
    """CREATE TABLE IF NOT EXISTS @membership_counts (
        union_code CODE NOT NULL, scope CODE NOT NULL, status CODE NOT NULL,
        worker_group CODE NOT NULL, channel CODE NOT NULL, n BIGINT NOT NULL,
        PRIMARY KEY (union_code, scope, status, worker_group, channel))""",
    # the counter's own memory of each member's cell and of the tree (self-contained view)
    """CREATE TABLE IF NOT EXISTS @mc_members (
        member_id CODE PRIMARY KEY, union_code CODE NOT NULL, destination_union_code CODE,
        status CODE NOT NULL, worker_group CODE NOT NULL, channel CODE NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS @mc_unions (code CODE PRIMARY KEY, agg_id CODE NOT NULL,
        parent_code CODE)""",
)
MEMBER_COLS = ("member_id", "union_code", "destination_union_code", "status", "worker_group",
               "channel")


class MembershipCounts(SubtreeCounterView):
    name = "membership_counts"
    kinds = frozenset({
        "Membership.Joined", "Membership.TransferredOut", "Membership.TransferredIn",
        "Membership.TransferCancelled", "Membership.DetailsCorrected", "Membership.Retained",
        "Membership.Reactivated", "Membership.Withdrew", "Membership.Expelled",
        "Membership.HeldAtParent", "Union.Established", "Union.Reparented",
    })
    tables = ("membership_counts", "mc_members", "mc_unions")
    unions_table = "mc_unions"

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
        ids = stored_ids(items)
        existing = {r[0]: member_state(union_id=r[1], destination_union_id=r[2], status=r[3],
                                       worker_group=r[4], channel=r[5]) for r in tx.all_in(
            f"SELECT {', '.join(MEMBER_COLS)} FROM @mc_members WHERE member_id {{in}}", ids)}
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
        self._write(tx, delta, members, existing)

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

    def _write(self, tx: Tx, delta: dict[Cell, int], members: dict[str, SimpleNamespace],
               existing: dict[str, Any]) -> None:
        # sorted: concurrent partitions then lock the counter rows in one order (no deadlock)
        changed = sorted((*cell, n) for cell, n in delta.items() if n)
        if self.local is not None:
            for cell, n in delta.items():
                self.local[cell] = self.local.get(cell, 0) + n
        # empty cells are deleted so that live and rebuilt tables compare equal row for row
        tx.add_counts("membership_counts",
                      ("union_code", "scope", "status", "worker_group", "channel"), changed)
        rows = {k: (k, m.union_id, m.destination_union_id, m.status, m.worker_group, m.channel)
                for k, m in members.items()}
        tx.insert("mc_members", MEMBER_COLS, [r for k, r in rows.items() if k not in existing])
        tx.many("UPDATE @mc_members SET union_code=?, destination_union_code=?, status=?,"
                " worker_group=?, channel=? WHERE member_id=?",
                [r[1:] + r[:1] for k, r in rows.items() if k in existing])
