"""membership_counts: counters per (union, scope self|subtree, status, worker group, channel).

Each membership event moves one member between at most two cells, along the union's ancestor
chain: O(tree depth), never a scan. `Reparented` moves the union's subtree totals wholesale.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from projections.base import Item, View, member_state, membership_items
from projections.db import Tx

Cell = tuple[str, str, str, str, str]  # union_code, scope, status, worker_group, channel
DDL = (
    """CREATE TABLE IF NOT EXISTS @membership_counts (
        union_code TEXT NOT NULL, scope TEXT NOT NULL, status TEXT NOT NULL,
        worker_group TEXT NOT NULL, channel TEXT NOT NULL, n BIGINT NOT NULL,
        PRIMARY KEY (union_code, scope, status, worker_group, channel))""",
    # the counter's own memory of each member's cell and of the tree (self-contained view)
    """CREATE TABLE IF NOT EXISTS @mc_members (
        member_id TEXT PRIMARY KEY, union_code TEXT NOT NULL, destination_union_code TEXT,
        status TEXT NOT NULL, worker_group TEXT NOT NULL, channel TEXT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS @mc_unions (code TEXT PRIMARY KEY, agg_id TEXT NOT NULL,
        parent_code TEXT)""",
)
MEMBER_COLS = ("member_id", "union_code", "destination_union_code", "status", "worker_group",
               "channel")


class MembershipCounts(View):
    name = "membership_counts"
    kinds = frozenset({
        "Membership.Joined", "Membership.TransferredOut", "Membership.TransferredIn",
        "Membership.TransferCancelled", "Membership.DetailsCorrected", "Membership.Retained",
        "Membership.Reactivated", "Membership.Withdrew", "Membership.Expelled",
        "Membership.HeldAtParent", "Union.Established", "Union.Reparented",
    })
    tables = ("membership_counts", "mc_members", "mc_unions")

    def create(self, tx: Tx) -> None:
        for stmt in DDL:
            tx.run(stmt)
        tx.create_index("mc_unions_agg_idx", "mc_unions", "agg_id", unique=True)

    def reset(self) -> None:
        self._parents: dict[str, str | None] | None = None
        self._by_id: dict[str, str] = {}

    def _tree(self, tx: Tx) -> dict[str, str | None]:
        if getattr(self, "_parents", None) is None:
            rows = tx.all("SELECT code, agg_id, parent_code FROM @mc_unions")
            self._parents = {c: p for c, _, p in rows}
            self._by_id = {a: c for c, a, _ in rows}
        assert self._parents is not None
        return self._parents

    def chain(self, parents: dict[str, str | None], code: str | None) -> list[str]:
        """The union and its ancestors, nearest first."""
        out: list[str] = []
        while code is not None and len(out) < 64:
            out.append(code)
            code = parents.get(code)
        return out

    def apply(self, tx: Tx, items: list[Item]) -> None:
        items = [i for i in items if i.kind in self.kinds]
        if not items:
            return
        parents = self._tree(tx)
        ids = list(dict.fromkeys(i.member_id for i in membership_items(items)))
        existing = {r[0]: dict(zip(MEMBER_COLS, r, strict=True)) for r in tx.all_in(
            f"SELECT {', '.join(MEMBER_COLS)} FROM @mc_members WHERE member_id {{in}}", ids)}
        members: dict[str, dict[str, Any]] = {}
        delta: dict[Cell, int] = defaultdict(int)
        try:
            for item in items:
                if item.kind == "Union.Established":
                    ev = item.event
                    parents[ev.code] = ev.parent_code
                    self._by_id[str(ev.originator_id)] = ev.code
                    tx.run("INSERT INTO @mc_unions (code, agg_id, parent_code) VALUES (?,?,?)",
                           (ev.code, str(ev.originator_id), ev.parent_code))
                elif item.kind == "Union.Reparented":
                    self._reparent(tx, parents, item, delta)
                else:
                    mid = item.member_id
                    m = members.get(mid)
                    if m is None:
                        m = members[mid] = dict(existing.get(mid) or {"member_id": mid})
                    self._move(parents, m, item, delta)
        except BaseException:
            self.reset()  # the tree cache was mutated ahead of a rolled-back transaction
            raise
        self._write(tx, delta, members, existing)

    def _move(self, parents: dict[str, str | None], m: dict[str, Any], item: Item,
              delta: dict[Cell, int]) -> None:
        before = _cell(m)
        s = member_state(status=m.get("status"), union_id=m.get("union_code"),
                         destination_union_id=m.get("destination_union_code"),
                         worker_group=m.get("worker_group"), channel=m.get("channel"))
        item.event.apply(s)
        m.update(union_code=s.union_id, destination_union_code=s.destination_union_id,
                 status=str(s.status), worker_group=s.worker_group, channel=s.channel)
        after = _cell(m)
        if before == after:
            return
        for cell, sign in ((before, -1), (after, +1)):
            if cell is None:
                continue
            union, rest = cell[0], cell[1:]
            delta[(union, "self", *rest)] += sign
            for code in self.chain(parents, union):
                delta[(code, "subtree", *rest)] += sign

    def _reparent(self, tx: Tx, parents: dict[str, str | None], item: Item,
                  delta: dict[Cell, int]) -> None:
        """Moves the union's subtree totals from the old ancestors to the new ones."""
        code = self._by_id.get(str(item.event.originator_id))
        if code is None:
            return
        totals: dict[tuple[str, str, str], int] = defaultdict(int)
        for st, wg, ch, n in tx.all("SELECT status, worker_group, channel, n FROM"
                                    " @membership_counts WHERE union_code=? AND scope='subtree'",
                                    (code,)):
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
        tx.run("UPDATE @mc_unions SET parent_code=? WHERE code=?", (item.event.parent_code, code))

    def _write(self, tx: Tx, delta: dict[Cell, int], members: dict[str, dict[str, Any]],
               existing: dict[str, Any]) -> None:
        changed = [(*cell, n) for cell, n in delta.items() if n]
        tx.many("INSERT INTO @membership_counts AS c (union_code, scope, status, worker_group,"
                " channel, n) VALUES (?,?,?,?,?,?) ON CONFLICT (union_code, scope, status,"
                " worker_group, channel) DO UPDATE SET n = c.n + excluded.n", changed)
        # Empty cells are deleted so that live and rebuilt tables compare equal row for row.
        tx.many("DELETE FROM @membership_counts WHERE union_code=? AND scope=? AND status=?"
                " AND worker_group=? AND channel=? AND n=0", [c[:5] for c in changed])
        tx.insert("mc_members", MEMBER_COLS, [tuple(m[c] for c in MEMBER_COLS)
                                              for k, m in members.items() if k not in existing])
        tx.many("UPDATE @mc_members SET union_code=?, destination_union_code=?, status=?,"
                " worker_group=?, channel=? WHERE member_id=?",
                [tuple(m[c] for c in MEMBER_COLS[1:]) + (k,)
                 for k, m in members.items() if k in existing])


def _cell(m: dict[str, Any]) -> tuple[str, str, str, str] | None:
    if m.get("status") is None:
        return None
    return (m["union_code"], m["status"], m["worker_group"], m["channel"])
